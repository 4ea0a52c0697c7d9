import { type ActivationName, activateInto } from './activations';
import { type ComputeBackend, type TwoLayerBatchArgs, matmulInto } from './backend';
import { InvalidArgumentError } from './errors';

// h, φ and φ′ of one row for the fused activation (grown as needed, reused across calls)
let rowScratch: Float64Array | undefined;

/**
 * Arguments of the fused two-layer readout ({@link readoutInto}, `ComputeBackend.readout`): one network
 * f(x_μ) = Σᵢ φ_{μi} a_{io} whose hidden features are `width` columns of a row-major [n, stride] buffer (a batched
 * ensemble keeps all chains side by side, each at its own `offset`).
 */
export interface ReadoutArgs {
  /** Rows (samples). */
  n: number;
  /** Hidden width N (columns of this network). */
  width: number;
  /** Outputs O. */
  outputs: number;
  /**
   * φ and φ′ of the hidden layer, [n, stride]; this network's columns are offset … offset + width − 1. Required
   * unless `h` and `activation` are given.
   */
  phi?: Float64Array;
  dphi?: Float64Array;
  /**
   * Fused activation: pre-activations h ([n, stride], same layout) and the activation; φ and φ′ are then computed
   * row by row exactly as `activateInto` would (phi and dphi are neither read nor written), saving two passes over
   * memory. `delta` may then be `h` itself (each row of h is read before that row of delta is written).
   */
  h?: Float64Array;
  activation?: ActivationName;
  stride: number;
  offset: number;
  /** Readout weights a, [width, outputs] row-major starting at aOffset. */
  a: Float64Array;
  aOffset: number;
  /** Targets y, [n, outputs]. */
  y: Float64Array;
  /** Out: predictions f, [n, outputs]. */
  pred: Float64Array;
  /** Out: residuals r = f − y, [n, outputs]. */
  res: Float64Array;
  /** Out: the readout gradient φᵀr, [width, outputs] at gradOffset (overwritten). */
  grad: Float64Array;
  gradOffset: number;
  /** Out: the hidden-layer signal δ = (r·aᵀ) ⊙ φ′, written into this network's columns of an [n, stride] buffer. */
  delta: Float64Array;
}

/**
 * Fused readout of a two-layer network, forward and backward in one pass over the hidden features: predictions,
 * residuals, the readout gradient φᵀr and the hidden-layer signal (r·aᵀ) ⊙ φ′; returns the loss ½Σr². The portable
 * definition of `ComputeBackend.readout` (native backends may sum in another order: values then differ by
 * rounding only). Inputs are not validated (hot path).
 *
 * *When to use*: the Langevin sampler's batched gradient (training's two-layer model).
 *
 * @example
 * ```ts
 * // one sample, two hidden units, one output: f = 0.5·1 + 0.25·2 = 1, r = f − 0.5
 * const out = { pred: new Float64Array(1), res: new Float64Array(1), grad: new Float64Array(2), delta: new Float64Array(2) };
 * readoutInto({ n: 1, width: 2, outputs: 1, phi: Float64Array.of(0.5, 0.25), dphi: Float64Array.of(1, 1), stride: 2,
 *   offset: 0, a: Float64Array.of(1, 2), aOffset: 0, y: Float64Array.of(0.5), gradOffset: 0, ...out }); // 0.125
 * ```
 */
export function readoutInto(args: ReadoutArgs): number {
  const { n, width: N, outputs: O, stride, offset, a, aOffset, y, pred, res, grad, gradOffset, delta, h, activation } = args;
  const fused = h !== undefined && activation !== undefined;
  let phi: Float64Array, dphi: Float64Array, hs: Float64Array | undefined;
  if (fused) {
    if (!rowScratch || rowScratch.length < 3 * N) rowScratch = new Float64Array(3 * N);
    hs = rowScratch.subarray(0, N);
    phi = rowScratch.subarray(N, 2 * N);
    dphi = rowScratch.subarray(2 * N, 3 * N);
  } else {
    if (!args.phi || !args.dphi) throw new InvalidArgumentError('readoutInto: pass phi and dphi, or h and activation');
    phi = args.phi;
    dphi = args.dphi;
  }
  grad.fill(0, gradOffset, gradOffset + N * O);
  if (O === 1 && !fused) return readoutSingle(args, phi, dphi);
  let loss = 0;
  for (let mu = 0; mu < n; mu++) {
    const ro = mu * stride + offset;
    // where this row's φ, φ′ are: the caller's buffers, or the scratch row computed from h
    let po = ro;
    if (fused) {
      for (let i = 0; i < N; i++) hs![i] = h[ro + i]!;
      activateInto(activation, hs!, phi, dphi, N);
      po = 0;
    }
    for (let o = 0; o < O; o++) {
      let sv = 0;
      for (let i = 0; i < N; i++) sv += phi[po + i]! * a[aOffset + i * O + o]!;
      pred[mu * O + o] = sv;
      const r = sv - y[mu * O + o]!;
      res[mu * O + o] = r;
      loss += r * r;
    }
    for (let i = 0; i < N; i++) {
      let sv = 0;
      for (let o = 0; o < O; o++) {
        const rv = res[mu * O + o]!;
        grad[gradOffset + i * O + o]! += phi[po + i]! * rv;
        sv += a[aOffset + i * O + o]! * rv;
      }
      delta[ro + i] = sv * dphi[po + i]!;
    }
  }
  return 0.5 * loss;
}

/**
 * {@link readoutInto} for one output (the common case) with φ, φ′ given: the same operations in the same order (so
 * the same values), without the inner loops over outputs. `grad` is already zeroed.
 */
function readoutSingle(args: ReadoutArgs, phi: Float64Array, dphi: Float64Array): number {
  const { n, width: N, stride, offset, a, aOffset, y, pred, res, grad, gradOffset, delta } = args;
  let loss = 0;
  for (let mu = 0; mu < n; mu++) {
    const ro = mu * stride + offset;
    let sv = 0;
    for (let i = 0; i < N; i++) sv += phi[ro + i]! * a[aOffset + i]!;
    pred[mu] = sv;
    const r = sv - y[mu]!;
    res[mu] = r;
    loss += r * r;
    for (let i = 0; i < N; i++) {
      grad[gradOffset + i]! += phi[ro + i]! * r;
      // (0 + a·r)·φ′ as the general loop: 0 + x is x for every x except −0, which (−0)·φ′ and (+0)·φ′ only
      // distinguish in the sign of a zero; keep the general loop's +0
      delta[ro + i] = (0 + a[aOffset + i]! * r) * dphi[ro + i]!;
    }
  }
  return 0.5 * loss;
}

// buffers of twoLayerBatchBySeparateCalls (W, H, G, residuals), reused while the shapes stay
let sep: { w: Float64Array; h: Float64Array; g: Float64Array; res: Float64Array } | undefined;

/**
 * `ComputeBackend.twoLayerBatch`'s outputs by the separate calls it fuses, on `backend`: H = X·[W₁…W_C]ᵀ by
 * `matmulInto`, the fused readout per network (the backend's `readout` where it has one, else {@link readoutInto}),
 * written over H as δ, then G = Dᵀ·X by `matmulInto`, scattered into the gradients. The definition the fused
 * kernels reproduce (bit for bit where they say so), and their fallback for cases they do not take. Shapes are not
 * validated (the caller's `twoLayerBatch` does). Buffers are reused across calls of the same shape.
 *
 * @example
 * ```ts
 * // one network, one sample: f = a·erf(w·x)
 * const grads = [new Float64Array(2)], preds = [new Float64Array(1)], losses = new Float64Array(1);
 * twoLayerBatchBySeparateCalls(referenceBackend, { x: fromRows([[1]]), y: Float64Array.of(0), width: 1,
 *   activation: 'erf', params: [Float64Array.of(0.5, 2)], grads, preds, losses }); // preds[0][0] = 2·erf(0.5)
 * ```
 */
export function twoLayerBatchBySeparateCalls(backend: ComputeBackend, t: TwoLayerBatchArgs): void {
  const { x, y, width: N, activation, params, grads, preds, losses } = t;
  const n = x.rows,
    d = x.cols,
    C = params.length,
    CN = C * N,
    Nd = N * d;
  if (!sep || sep.w.length !== CN * d || sep.h.length !== n * CN || sep.res.length !== n)
    sep = { w: new Float64Array(CN * d), h: new Float64Array(n * CN), g: new Float64Array(CN * d), res: new Float64Array(n) };
  const { w, res } = sep;
  for (let c = 0; c < C; c++) w.set(params[c]!.subarray(0, Nd), c * Nd);
  const h = matmulInto(backend, x, { rows: CN, cols: d, data: w }, sep.h, { transB: true }).data;
  for (let c = 0; c < C; c++) {
    const args: ReadoutArgs = {
      n,
      width: N,
      outputs: 1,
      stride: CN,
      offset: c * N,
      a: params[c]!,
      aOffset: Nd,
      y,
      pred: preds[c]!,
      res,
      grad: grads[c]!,
      gradOffset: Nd,
      delta: h,
      h,
      activation,
    };
    losses[c] = backend.readout ? backend.readout(args) : readoutInto(args);
  }
  const g = matmulInto(backend, { rows: n, cols: CN, data: h }, x, sep.g, { transA: true }).data;
  for (let c = 0; c < C; c++) grads[c]!.set(g.subarray(c * Nd, c * Nd + Nd), 0);
}
