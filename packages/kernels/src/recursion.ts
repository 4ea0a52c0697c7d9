import { type ComputeBackend, InvalidArgumentError, type Mat, ShapeError, assertFinite, referenceBackend } from '@sftdl/compute';
import type { DualActivation, LayerDual } from './dual';

/** 'ntk' (default): W = (σ_w/√N_in)·ω, b = σ_b·β with ω, β ~ N(0,1). 'standard': W ~ N(0, σ_w²/N_in), b ~ N(0, σ_b²). */
export type Parameterization = 'ntk' | 'standard';

/** Which kernels to compute. */
export type KernelKind = 'nngp' | 'ntk';

/** A dense (fully connected) layer in a kernel program. */
export interface DenseOp {
  kind: 'dense';
  /** σ_w², the weight variance. */
  sigmaW2: number;
  /** σ_w² under its old name (always equal to `sigmaW2`).
   * @deprecated Use `sigmaW2`; `weightVar` goes away in the next minor version. */
  weightVar: number;
  /** σ_b². */
  biasVar: number;
  /** Output width N (used by finite networks and by the standard-parameterisation NTK). */
  width: number;
  /** Whether the layer has a (trainable) bias; default true. */
  bias: boolean;
  parameterization: Parameterization;
}

/** An elementwise activation in a kernel program. */
export interface ActivationOp {
  kind: 'activation';
  activation: DualActivation;
}

/** A layer of a kernel program (the analytic side of {@link serial}). */
export type KernelOp = DenseOp | ActivationOp;

/** Options of {@link kernelProgram}. */
export interface KernelComputeOptions {
  /** Kernels to return (default both). */
  get?: readonly KernelKind[];
  /** Backend for the Gram step (default `referenceBackend`). */
  backend?: ComputeBackend;
  /** Rows per tile of the in-place layer maps (default 32). */
  tileRows?: number;
}

/** Infinite-width kernels. `nngp[i][j]` = K(x1_i, x2_j); `ntk` likewise. A field is present when `get` asked for it. */
export interface KernelResult {
  nngp?: Mat;
  ntk?: Mat;
}

/** Both kernels, as returned when `get` is omitted. */
export interface Kernels {
  nngp: Mat;
  ntk: Mat;
}

/** The kernels a call returns for a given `get`: `get: ['nngp']` → `{ nngp: Mat }`; omitted → both; a runtime list
 * of unknown length → {@link KernelResult} (fields optional). */
export type KernelsOf<G extends readonly KernelKind[]> = number extends G['length'] ? KernelResult : { [K in G[number]]: Mat };

/** The default of `get`: both kernels. */
export type AllKernelKinds = readonly ['nngp', 'ntk'];

function describe(ops: readonly KernelOp[], p: number): string {
  let hidden = 0;
  for (let q = 0; q <= p; q++) if (ops[q]!.kind === 'activation') hidden++;
  const op = ops[p]!;
  const what = op.kind === 'dense' ? 'dense layer' : `activation '${op.activation.name}'`;
  return `layer ${hidden} (op #${p}: ${what})`;
}

function nonFinite(ops: readonly KernelOp[], p: number, value: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `kernel became non-finite (${value}) at ${describe(ops, p)}; reduce the weight/bias variances or the depth, or rescale the inputs`,
  );
}

/** Validates a kernel program (variances ≥ 0, widths positive). */
export function validateProgram(ops: readonly KernelOp[]): void {
  if (ops.length === 0) throw new InvalidArgumentError('the network has no layers; add at least one dense layer');
  ops.forEach((op, p) => {
    if (op.kind === 'dense') {
      if (op.weightVar !== undefined && op.sigmaW2 !== op.weightVar)
        throw new InvalidArgumentError(
          `op #${p} has sigmaW2 = ${op.sigmaW2} but weightVar = ${op.weightVar}; give only sigmaW2 (weightVar is its deprecated name)`,
        );
      for (const [k, v] of [
        ['sigmaW2', op.sigmaW2],
        ['biasVar', op.biasVar],
      ] as const) {
        if (!Number.isFinite(v) || v < 0)
          throw new InvalidArgumentError(`${k} of op #${p} must be a finite number ≥ 0, got ${v}`);
      }
      if (!Number.isInteger(op.width) || op.width < 1)
        throw new InvalidArgumentError(`width of op #${p} must be a positive integer, got ${op.width}`);
      if (op.parameterization !== 'ntk' && op.parameterization !== 'standard') {
        throw new InvalidArgumentError(`parameterization must be 'ntk' or 'standard', got '${String(op.parameterization)}'`);
      }
    } else if (!op.activation || typeof op.activation.prepare !== 'function') {
      throw new InvalidArgumentError(`op #${p} is not a valid activation`);
    }
  });
}

interface DiagTrace {
  /** Variance entering each activation op (by op index), the NNGP/NTK diagonals at the output. */
  varsBefore: (Float64Array | undefined)[];
  nngp: Float64Array;
  ntk: Float64Array;
}

function diagTrace(ops: readonly KernelOp[], x: Mat): DiagTrace {
  const n = x.rows,
    d = x.cols;
  let k: Float64Array = new Float64Array(n);
  let t: Float64Array = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const v = x.data[i * d + c]!;
      s += v * v;
    }
    k[i] = s / d;
  }
  let width = d;
  const varsBefore: (Float64Array | undefined)[] = [];
  ops.forEach((op, p) => {
    if (op.kind === 'dense') {
      varsBefore.push(undefined);
      const w = op.sigmaW2,
        b = op.biasVar,
        one = op.bias ? 1 : 0;
      for (let i = 0; i < n; i++) {
        if (op.parameterization === 'ntk') {
          k[i] = w * k[i]! + b;
          t[i] = k[i]! + w * t[i]!;
        } else {
          t[i] = width * k[i]! + one + w * t[i]!;
          k[i] = w * k[i]! + b;
        }
      }
      width = op.width;
    } else {
      varsBefore.push(k);
      const r = op.activation.diag(k);
      const nt = new Float64Array(n);
      for (let i = 0; i < n; i++) nt[i] = t[i]! * r.fdot[i]!;
      k = r.f;
      t = nt;
    }
    for (let i = 0; i < n; i++) if (k[i]! * 0 !== 0 || t[i]! * 0 !== 0) throw nonFinite(ops, p, k[i]! * 0 !== 0 ? k[i]! : t[i]!);
  });
  return { varsBefore, nngp: k, ntk: t };
}

/**
 * Evaluates the infinite-width NNGP and NTK of a layer program on two input sets, tile by tile.
 *
 * Conventions (neural-tangents): the input kernel is x·x′/d with NTK 0; a dense layer maps
 * `ntk` parameterisation: K ← σ_w²K + σ_b², Θ ← K_new + σ_w²Θ;
 * `standard` parameterisation: Θ ← N_in·K + 1·[bias] + σ_w²Θ, K ← σ_w²K + σ_b² (N_in = width of the layer's input);
 * an activation maps K ← F_φ(K), Θ ← Θ·Ḟ_φ(K).
 *
 * *When to use*: directly, or through {@link fcKernel} / {@link serial}.
 *
 * *Gotchas*: the Gram step is one `backend.gram` (syrk, symmetric case) or `backend.matmul` (cross case) whose
 * result becomes the NNGP output buffer, so memory is the two outputs plus O(n) (and whatever the backend's
 * GEMM packs); the layer maps then run in place, row tile by row tile, in float64 on the host. With a float32
 * backend the Gram entries carry float32 rounding.
 *
 * @example
 * ```ts
 * const net = serial(dense({ sigmaW2: 2 }), reluLayer(), dense({ sigmaW2: 2 }));
 * const { nngp, ntk } = kernelProgram(net.ops, x); // same as net.kernel(x)
 * ```
 */
export function kernelProgram<const G extends readonly KernelKind[] = AllKernelKinds>(
  ops: readonly KernelOp[],
  x1: Mat,
  x2: Mat | undefined,
  options: KernelComputeOptions & { get?: G } = {},
): KernelsOf<G> {
  validateProgram(ops);
  const backend = options.backend ?? referenceBackend;
  const get = options.get ?? ['nngp', 'ntk'];
  for (const g of get)
    if (g !== 'nngp' && g !== 'ntk') throw new InvalidArgumentError(`get must list 'nngp' and/or 'ntk', got '${String(g)}'`);
  assertFinite(x1, 'x1');
  if (x1.cols < 1) throw new ShapeError('x1 must have at least one column (feature)');
  const symmetric = x2 === undefined;
  const y = x2 ?? x1;
  if (!symmetric) {
    assertFinite(y, 'x2');
    if (y.cols !== x1.cols)
      throw new ShapeError(`x1 has ${x1.cols} features but x2 has ${y.cols}; both must have the same dimension d`);
  }
  const n1 = x1.rows,
    n2 = y.rows,
    d = x1.cols;
  const tr1 = diagTrace(ops, x1);
  const tr2 = symmetric ? tr1 : diagTrace(ops, y);
  const duals: (LayerDual | undefined)[] = ops.map((op, p) =>
    op.kind === 'activation' ? op.activation.prepare(tr1.varsBefore[p]!, tr2.varsBefore[p]!) : undefined,
  );
  // The Gram step: one syrk (symmetric) or GEMM on the backend, written straight into the NNGP output buffer,
  // so no n×n intermediate exists beyond the two outputs. The layer maps then run in place, tile by tile.
  const G = symmetric ? backend.gram(x1, { alpha: 1 / d }) : backend.matmul(x1, y, { transB: true, alpha: 1 / d });
  if (G.rows !== n1 || G.cols !== n2)
    throw new ShapeError(
      `backend '${backend.name}' returned a Gram matrix of shape [${G.rows}, ${G.cols}], expected [${n1}, ${n2}]`,
    );
  const K = G.data instanceof Float64Array ? G.data : Float64Array.from(G.data as ArrayLike<number>);
  const T = new Float64Array(n1 * n2);
  const tile = Math.max(1, Math.floor(options.tileRows ?? 32));
  // Input width of each dense op (for the standard parameterisation).
  const inWidth: number[] = [];
  {
    let w = d;
    for (const op of ops) {
      inWidth.push(w);
      if (op.kind === 'dense') w = op.width;
    }
  }
  for (let r0 = 0; r0 < n1; r0 += tile) {
    const r1 = Math.min(n1, r0 + tile);
    // Symmetric: the rectangle rows r0..r1 × columns r0..n (upper triangle plus a sliver that the mirror overwrites).
    const c0 = symmetric ? r0 : 0;
    const nr = r1 - r0,
      nc = n2 - c0,
      off = r0 * n2 + c0;
    ops.forEach((op, p) => {
      let bad = false;
      if (op.kind === 'dense') {
        const w = op.sigmaW2,
          b = op.biasVar;
        const ntkParam = op.parameterization === 'ntk';
        const nin = inWidth[p]!,
          one = op.bias ? 1 : 0;
        for (let ii = 0; ii < nr; ii++) {
          const base = off + ii * n2;
          if (ntkParam) {
            for (let q = base; q < base + nc; q++) {
              const kk = w * K[q]! + b;
              const tt = kk + w * T[q]!;
              K[q] = kk;
              T[q] = tt;
              if (tt * 0 !== 0 || kk * 0 !== 0) bad = true;
            }
          } else {
            for (let q = base; q < base + nc; q++) {
              const k0 = K[q]!;
              const tt = nin * k0 + one + w * T[q]!;
              const kk = w * k0 + b;
              T[q] = tt;
              K[q] = kk;
              if (tt * 0 !== 0 || kk * 0 !== 0) bad = true;
            }
          }
        }
      } else {
        duals[p]!.block(K, T, off, n2, r0, nr, c0, nc);
        for (let ii = 0; ii < nr && !bad; ii++) {
          const base = off + ii * n2;
          for (let q = base; q < base + nc; q++)
            if (K[q]! * 0 !== 0 || T[q]! * 0 !== 0) {
              bad = true;
              break;
            }
        }
      }
      if (bad) {
        for (let ii = 0; ii < nr; ii++) {
          const base = off + ii * n2;
          for (let q = base; q < base + nc; q++)
            if (K[q]! * 0 !== 0 || T[q]! * 0 !== 0) throw nonFinite(ops, p, K[q]! * 0 !== 0 ? K[q]! : T[q]!);
        }
      }
    });
  }
  if (symmetric) {
    // Exact diagonal from the diagonal trace, then mirror the upper triangle (blocked for cache locality).
    for (let i = 0; i < n1; i++) {
      K[i * n2 + i] = tr1.nngp[i]!;
      T[i * n2 + i] = tr1.ntk[i]!;
    }
    const B = 64;
    for (let i0 = 0; i0 < n1; i0 += B)
      for (let j0 = i0; j0 < n1; j0 += B) {
        const i1 = Math.min(n1, i0 + B),
          j1 = Math.min(n1, j0 + B);
        for (let i = i0; i < i1; i++)
          for (let j = Math.max(j0, i + 1); j < j1; j++) {
            K[j * n2 + i] = K[i * n2 + j]!;
            T[j * n2 + i] = T[i * n2 + j]!;
          }
      }
  }
  const res: KernelResult = {};
  if (get.includes('nngp')) res.nngp = { rows: n1, cols: n2, data: K };
  if (get.includes('ntk')) res.ntk = { rows: n1, cols: n2, data: T };
  return res as KernelsOf<G>;
}
