import { ACTIVATION_NAMES } from './activations';
import type { MatmulOptions, TwoLayerBatchArgs } from './backend';
import { InvalidArgumentError, ShapeError } from './errors';
import type { Mat } from './mat';

/** Dimensions and flags of alpha·op(A)·op(B), validated. */
export interface MatmulDims {
  m: number;
  n: number;
  k: number;
  alpha: number;
  transA: boolean;
  transB: boolean;
}

/**
 * Validates a matmul call for backend authors: alpha must be finite (`InvalidArgumentError`) and the inner
 * dimensions of op(A) and op(B) must agree (`ShapeError`). Returns m × k · k × n and the resolved options.
 * (NaN/Inf in the data is the caller's check, so a backend can fuse it with its own conversion pass.)
 */
export function matmulDims(a: Mat, b: Mat, o: MatmulOptions = {}): MatmulDims {
  const alpha = o.alpha ?? 1;
  if (!Number.isFinite(alpha)) throw new InvalidArgumentError(`matmul: alpha must be finite, got ${alpha}`);
  const transA = o.transA ?? false,
    transB = o.transB ?? false;
  const m = transA ? a.cols : a.rows,
    k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows,
    n = transB ? b.rows : b.cols;
  if (k !== kb) {
    throw new ShapeError(
      `matmul: inner dimensions differ: op(A) is [${m}, ${k}], op(B) is [${kb}, ${n}]${transA || transB ? ` (transA=${transA}, transB=${transB})` : ''}`,
    );
  }
  return { m, n, k, alpha, transA, transB };
}

/** A scale factor (gram's alpha): finite, default 1. */
export function checkAlpha(alpha: number | undefined, op: string): number {
  const v = alpha ?? 1;
  if (!Number.isFinite(v)) throw new InvalidArgumentError(`${op}: alpha must be finite, got ${v}`);
  return v;
}

/** A Cholesky jitter: finite and non-negative, default 0. */
export function checkJitter(jitter: number | undefined): number {
  const v = jitter ?? 0;
  if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError(`jitter must be a finite non-negative number, got ${v}`);
  return v;
}

/**
 * Validates a `twoLayerBatch` call for backend authors: a known activation (`InvalidArgumentError`), a positive integer
 * width, and y, grads, preds and losses covering every sample and network (`ShapeError`). Returns the activation's
 * index in `ACTIVATION_NAMES`. (Per-network buffer lengths and NaN/Inf in the data are the backend's checks.)
 */
export function checkTwoLayerBatch(t: TwoLayerBatchArgs): number {
  const kind = ACTIVATION_NAMES.indexOf(t.activation);
  if (kind < 0)
    throw new InvalidArgumentError(`unknown activation '${String(t.activation)}'; use one of ${ACTIVATION_NAMES.join('|')}`);
  const n = t.x.rows,
    N = t.width,
    C = t.params.length;
  if (!Number.isInteger(N) || N < 1) throw new ShapeError(`twoLayerBatch: width must be a positive integer, got ${N}`);
  if (t.y.length < n || t.grads.length < C || t.preds.length < C || t.losses.length < C)
    throw new ShapeError('twoLayerBatch: y, grads, preds and losses must cover every sample and network');
  return kind;
}
