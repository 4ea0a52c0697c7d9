import {
  ACTIVATION_NAMES,
  type ActivationName,
  type ComputeBackend,
  InvalidArgumentError,
  type Mat,
  type ReadoutArgs,
  ShapeError,
  activateInto,
  matmulInto,
  readoutInto,
  referenceBackend,
} from '@sftdl/compute';
import { type Key, normal } from '@sftdl/field';

/** Activation names of the networks (compute's `ActivationName`). `linear` is the identity; `square` is h ↦ h². */
export type Activation = ActivationName;

/** The activations, as a runtime list (CLI validation); compute's `ACTIVATION_NAMES`. */
export const ACTIVATIONS: readonly Activation[] = ACTIVATION_NAMES;

/** One named block of the flat parameter vector, with its Gaussian prior variance (per entry). */
export interface ParamBlock {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  /** Row-major shape of the block, e.g. [N, d] for read-in weights (one neuron per row). */
  readonly shape: readonly number[];
  /** Prior variance of every entry of the block. */
  readonly priorVariance: number;
}

/**
 * A network as the sampler sees it: a flat parameter vector θ with an independent Gaussian prior per block,
 * a forward map and a vector–Jacobian product.
 *
 * *When to use*: implement this to sample the posterior of your own architecture with {@link LangevinSampler};
 * the built-in factories ({@link twoLayerNet}, {@link threeLayerNet}, {@link attentionHead}) return it.
 *
 * *Gotchas*: `grad` returns Σ_{μ,o} dOut[μ,o] ∂f_o(x_μ)/∂θ (a VJP), not a loss gradient; `lossGrad` (optional,
 * fast path) returns ½Σ(f − y)² and writes its θ-gradient into `gradOut`.
 */
export interface Model {
  readonly kind: string;
  /** Input row length (d, or L·d for attention sequences). */
  readonly inputDim: number;
  readonly outputDim: number;
  readonly paramCount: number;
  readonly blocks: readonly ParamBlock[];
  /** χ of the readout prior σ_a²/(χN); the likelihood uses noise σ²/χ with the same χ. */
  readonly chi: number;
  readonly backend: ComputeBackend;
  /** A draw from the prior. */
  init(key: Key): Float64Array;
  /** Outputs f(x), shape [n, outputDim]. */
  apply(params: Float64Array, x: Mat): Mat;
  /** Vector–Jacobian product Σ dOut ⊙ ∂f/∂θ, length paramCount. */
  grad(params: Float64Array, x: Mat, dOut: Mat): Float64Array;
  /** Optional fused ½Σ(f−y)² and its gradient (written to gradOut); `predOut` receives f if given. */
  lossGrad?(params: Float64Array, x: Mat, y: Mat, gradOut: Float64Array, predOut?: Float64Array): number;
  /**
   * Optional batched form of `lossGrad` for an ensemble of parameter vectors (chains): fills `grads[c]` with the
   * gradient of ½Σ(f − y)² at `params[c]`, `preds[c]` with f and returns nothing (losses into `losses[c]`). All
   * chains share one GEMM per layer (e.g. X·[W₁ … W_C]ᵀ). Each chain's numbers must not depend on which other
   * chains are in the batch (every output entry is one dot product in a fixed order), so results are bit-identical
   * for any batch split.
   */
  lossGradBatch?(
    params: readonly Float64Array[],
    x: Mat,
    y: Mat,
    grads: readonly Float64Array[],
    preds: readonly Float64Array[],
    losses: Float64Array,
  ): void;
  /** Read-in weights as an [N, d] matrix view (one neuron per row), for weight observables. */
  firstLayer?(params: Float64Array): Mat;
  /**
   * Last-hidden-layer features Φ ([n, N]) when the output is linear in the readout block 'a' ([N, outputs],
   * f = Φ·a). Enables Rao–Blackwellised observables in the sampler (a | rest is Gaussian).
   */
  features?(params: Float64Array, x: Mat): Mat;
  /**
   * How to rebuild this model in another thread (worker-parallel chains): the factory's name and its options,
   * without the backend (plain data, structured-cloneable). Set by {@link twoLayerNet}.
   */
  readonly spec?: ModelSpec;
}

/** A model's factory and plain-data options (see {@link Model.spec}). */
export interface ModelSpec {
  readonly factory: 'two-layer';
  readonly options: Omit<TwoLayerOptions, 'backend'>;
}

/** Per-parameter prior standard deviations of a model (length paramCount). */
export function priorStd(model: Model): Float64Array {
  const s = new Float64Array(model.paramCount);
  for (const b of model.blocks) s.fill(Math.sqrt(b.priorVariance), b.offset, b.offset + b.size);
  return s;
}

/** Draws θ from the model's block priors with one normal vector of length paramCount. */
export function drawPrior(model: Model, key: Key): Float64Array {
  const z = normal(key, model.paramCount);
  const s = priorStd(model);
  for (let i = 0; i < z.length; i++) z[i]! *= s[i]!;
  return z;
}

/** erf(x) accurate to a few ulps (re-exported from `@sftdl/compute`, where it is defined). */
export { fastErf } from '@sftdl/compute';

/** φ(h) and φ'(h) in place over a buffer (h → φ written to `phi`, φ' to `dphi`); compute's `activateInto`. */
export function activate(act: Activation, h: Float64Array, phi: Float64Array, dphi: Float64Array, len = h.length): void {
  activateInto(act, h, phi, dphi, len);
}

function checkAct(a: Activation): void {
  if (!ACTIVATIONS.includes(a))
    throw new InvalidArgumentError(`unknown activation '${String(a)}'; use one of ${ACTIVATIONS.join('|')}`);
}

function checkPos(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a finite positive number, got ${v}`);
}

function checkInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${v}`);
}

function checkX(x: Mat, d: number, who: string): void {
  if (x.cols !== d) throw new ShapeError(`${who}: x has ${x.cols} columns but the model's input dimension is ${d}`);
}

function checkY(y: Mat, n: number, out: number, who: string): void {
  if (y.rows !== n || y.cols !== out) throw new ShapeError(`${who}: y is [${y.rows}, ${y.cols}], expected [${n}, ${out}]`);
}

function blocksFrom(spec: Array<[string, number[], number]>): ParamBlock[] {
  let off = 0;
  return spec.map(([name, shape, priorVariance]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const b = { name, offset: off, size, shape, priorVariance };
    off += size;
    return b;
  });
}

/** h = X·Wᵀ ([n, d]·[N, d]ᵀ) with host loops. */
function hostXWt(x: Float64Array, w: Float64Array, h: Float64Array, n: number, N: number, d: number): void {
  for (let mu = 0; mu < n; mu++) {
    const xo = mu * d;
    for (let i = 0; i < N; i++) {
      const wo = i * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += x[xo + j]! * w[wo + j]!;
      h[mu * N + i] = s;
    }
  }
}

/** g[0 : N·d] = Dᵀ·X ([n, N]ᵀ·[n, d]) with host loops. */
function hostDtX(dm: Float64Array, x: Float64Array, g: Float64Array, n: number, N: number, d: number): void {
  g.fill(0, 0, N * d);
  for (let mu = 0; mu < n; mu++) {
    const xo = mu * d;
    for (let i = 0; i < N; i++) {
      const c = dm[mu * N + i]!;
      if (c === 0) continue;
      const wo = i * d;
      for (let j = 0; j < d; j++) g[wo + j]! += c * x[xo + j]!;
    }
  }
}

/** Common prior options of the networks (library χ-convention, see the package README). */
export interface PriorOptions {
  /** σ_w²: read-in weights w_i ~ N(0, σ_w²/d · I). Default 1. */
  sigmaW2?: number;
  /** σ_a²: the total readout scale; a_i ~ N(0, σ_a²/(χN)). Default 1. */
  sigmaA2?: number;
  /** χ ∈ [1, N]: 1 standard scaling (NNGP limit), N mean-field. Default 1. */
  chi?: number;
  backend?: ComputeBackend;
}

/** Options of {@link twoLayerNet}. */
export interface TwoLayerOptions extends PriorOptions {
  /** d, the input dimension. */
  dim: number;
  /** N, the hidden width. */
  width: number;
  activation?: Activation;
  /** Number of outputs (P for modular addition); default 1. */
  outputs?: number;
  /**
   * Read-in prior variance per entry, overriding σ_w²/d (the modular-addition model uses 1 per component).
   */
  readInVariance?: number;
  /**
   * Products with n·N·d at most this many multiply-adds run as host float64 loops instead of backend calls
   * (default 65536; 0 always uses the backend). Only used with float64 backends.
   */
  hostLimit?: number;
}

/**
 * Two-layer network f_o(x) = Σᵢ a_{io} φ(wᵢ·x), no biases, with priors wᵢ ~ N(0, σ_w²/d I) and
 * a_{io} ~ N(0, σ_a²/(χN)). Parameters: W ([N, d], block 'W') then a ([N, outputs], block 'a').
 *
 * *When to use*: the network of the grokking and multi-scale-adaptive papers; pass it to {@link LangevinSampler}.
 *
 * *Gotchas*: the fused `lossGrad` keeps preallocated buffers for the last input matrix it saw (a model instance
 * is not re-entrant across threads, which JS does not have anyway). Products X·Wᵀ and Dᵀ·X run on `backend`
 * (float32 backends compute them in float32); elementwise work is float64 on the host.
 *
 * @example
 * ```ts
 * const net = twoLayerNet({ dim: 3, width: 10, activation: 'erf', sigmaA2: 1 });
 * const theta = net.init(key(0));
 * const f = net.apply(theta, fromRows([[1, 0, 0]])); // [1, 1]
 * ```
 */
export function twoLayerNet(options: TwoLayerOptions): Model {
  const {
    dim: d,
    width: N,
    activation = 'linear',
    outputs: O = 1,
    sigmaW2 = 1,
    sigmaA2 = 1,
    chi = 1,
    backend = referenceBackend,
  } = options;
  checkInt('dim', d);
  checkInt('width', N);
  checkInt('outputs', O);
  checkAct(activation);
  checkPos('sigmaW2', sigmaW2);
  checkPos('sigmaA2', sigmaA2);
  checkPos('chi', chi);
  const vIn = options.readInVariance ?? sigmaW2 / d;
  checkPos('readInVariance', vIn);
  const blocks = blocksFrom([
    ['W', [N, d], vIn],
    ['a', [N, O], sigmaA2 / (chi * N)],
  ]);
  const aOff = N * d;
  const P = aOff + N * O;
  // buffers for the fused path, sized for the last n seen
  // buffers per distinct n (train and test sets alternate without reallocating)
  interface Buf {
    phi: Float64Array;
    dphi: Float64Array;
    dmat: Float64Array;
    pred: Float64Array;
    res: Float64Array;
  }
  const cache = new Map<number, Buf>();
  const buffers = (n: number): Buf => {
    let b = cache.get(n);
    if (!b) {
      if (cache.size > 4) cache.clear();
      b = {
        phi: new Float64Array(n * N),
        dphi: new Float64Array(n * N),
        dmat: new Float64Array(n * N),
        pred: new Float64Array(n * O),
        res: new Float64Array(n * O),
      };
      cache.set(n, b);
    }
    return b;
  };
  const hostLimit = options.hostLimit ?? 65536;
  const host = (n: number) => backend.precision === 'float64' && n * N * d <= hostLimit;
  const W = (p: Float64Array): Mat => ({ rows: N, cols: d, data: p.subarray(0, aOff) });

  const forward = (p: Float64Array, x: Mat, b: Buf): void => {
    const n = x.rows;
    const { phi, dphi, pred } = b;
    let h: Float64Array;
    if (host(n)) {
      // small products: host loops in float64 (backend call overhead dominates at these sizes)
      h = b.dmat;
      hostXWt(x.data, p, h, n, N, d);
    } else h = backend.matmul(x, W(p), { transB: true }).data; // [n, N]
    act(h, phi, dphi, n * N);
    // pred = φ · a   ([n, N]·[N, O])
    for (let mu = 0; mu < n; mu++) {
      const ro = mu * N;
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let i = 0; i < N; i++) s += phi[ro + i]! * p[aOff + i * O + o]!;
        pred[mu * O + o] = s;
      }
    }
  };
  /**
   * Readout part of the backward pass for residuals r ([n, O]): g_a = φᵀr into g's 'a' block, and the hidden-layer
   * signal D = (r·aᵀ) ⊙ φ′ into dm. φ, φ′ and dm are [n, stride] with this network's N columns starting at `off`.
   */
  const readoutBackward = (
    p: Float64Array,
    r: Float64Array,
    phi: Float64Array,
    dphi: Float64Array,
    dm: Float64Array,
    g: Float64Array,
    n: number,
    stride: number,
    off: number,
  ): void => {
    g.fill(0, aOff, P);
    for (let mu = 0; mu < n; mu++) {
      const ro = mu * stride + off;
      for (let i = 0; i < N; i++) {
        let sv = 0;
        for (let o = 0; o < O; o++) {
          const rv = r[mu * O + o]!;
          g[aOff + i * O + o]! += phi[ro + i]! * rv;
          sv += p[aOff + i * O + o]! * rv;
        }
        dm[ro + i] = sv * dphi[ro + i]!;
      }
    }
  };
  // gradient of Σ r ⊙ f into g
  const backward = (p: Float64Array, x: Mat, r: Float64Array, g: Float64Array, b: Buf): void => {
    const n = x.rows;
    const { phi, dphi, dmat } = b;
    readoutBackward(p, r, phi, dphi, dmat, g, n, N, 0);
    if (host(n)) hostDtX(dmat, x.data, g, n, N, d);
    else g.set(backend.matmul({ rows: n, cols: N, data: dmat }, x, { transA: true }).data, 0); // [N, d]
  };

  // φ, φ′: the backend's native fused kernel where it has one (openblas), else compute's TypeScript loop
  const act = backend.activate
    ? (h: Float64Array, phi: Float64Array, dphi: Float64Array, len: number) => backend.activate!(activation, h, phi, dphi, len)
    : (h: Float64Array, phi: Float64Array, dphi: Float64Array, len: number) => activateInto(activation, h, phi, dphi, len);
  // the backend's readout computes φ, φ′ itself and writes D over H (no φ, φ′, D buffers for the batched path)
  const fusedReadout = backend.readout !== undefined;
  // batched ensembles: buffers per (n, chains), reused across steps (no allocation per step on the host path)
  interface BatchBuf {
    w: Float64Array;
    h: Float64Array;
    phi: Float64Array;
    dphi: Float64Array;
    dm: Float64Array;
    g: Float64Array;
    res: Float64Array;
  }
  let bbuf: { n: number; C: number; b: BatchBuf } | undefined;
  const batchBuffers = (n: number, C: number): BatchBuf => {
    if (!bbuf || bbuf.n !== n || bbuf.C !== C) {
      const m = n * C * N;
      bbuf = {
        n,
        C,
        b: {
          w: new Float64Array(C * N * d),
          h: new Float64Array(m),
          phi: new Float64Array(fusedReadout ? 0 : m),
          dphi: new Float64Array(fusedReadout ? 0 : m),
          dm: new Float64Array(fusedReadout ? 0 : m),
          g: new Float64Array(C * N * d),
          res: new Float64Array(n * O),
        },
      };
    }
    return bbuf.b;
  };
  const lossGradBatch = (
    ps: readonly Float64Array[],
    x: Mat,
    y: Mat,
    grads: readonly Float64Array[],
    preds: readonly Float64Array[],
    losses: Float64Array,
  ): void => {
    const n = x.rows,
      C = ps.length,
      CN = C * N;
    if (n === 0) {
      for (let c = 0; c < C; c++) {
        grads[c]!.fill(0);
        losses[c] = 0;
      }
      return;
    }
    if (backend.twoLayerBatch && O === 1 && !host(n)) {
      // the backend's fused step: the same products and readout in one call (float32 intermediates in float32 mode)
      backend.twoLayerBatch({ x, y: y.data, width: N, activation, params: ps, grads, preds, losses });
      return;
    }
    const b = batchBuffers(n, C);
    for (let c = 0; c < C; c++) b.w.set(ps[c]!.subarray(0, aOff), c * N * d);
    const wAll: Mat = { rows: CN, cols: d, data: b.w };
    // H = X·[W₁ … W_C]ᵀ: one product for the ensemble ([n, d]·[C·N, d]ᵀ)
    let h: Float64Array;
    if (host(n)) {
      h = b.h;
      hostXWt(x.data, b.w, h, n, CN, d);
    } else h = matmulInto(backend, x, wAll, b.h, { transB: true }).data;
    const { phi, dphi, dm, res } = b;
    // φ, φ′ and the readout forward + backward per chain: the backend's native kernel where it has one (φ, φ′ fused
    // into it row by row, never stored), else compute's activateInto and readoutInto
    if (!fusedReadout) act(h, phi, dphi, n * CN);
    // the hidden-layer signal D: written over H in place by the fused kernel (H is not needed afterwards)
    const delta = fusedReadout ? h : dm;
    for (let c = 0; c < C; c++) {
      const args: ReadoutArgs = {
        n,
        width: N,
        outputs: O,
        stride: CN,
        offset: c * N,
        a: ps[c]!,
        aOffset: aOff,
        y: y.data,
        pred: preds[c]!,
        res,
        grad: grads[c]!,
        gradOffset: aOff,
        delta,
      };
      losses[c] = fusedReadout ? backend.readout!({ ...args, h, activation }) : readoutInto({ ...args, phi, dphi });
    }
    // G = Dᵀ·X: one product for the ensemble ([n, C·N]ᵀ·[n, d]), scattered back per chain
    let gAll: Float64Array;
    if (host(n)) {
      gAll = b.g;
      hostDtX(delta, x.data, gAll, n, CN, d);
    } else gAll = matmulInto(backend, { rows: n, cols: CN, data: delta }, x, b.g, { transA: true }).data;
    for (let c = 0; c < C; c++) grads[c]!.set(gAll.subarray(c * N * d, (c + 1) * N * d), 0);
  };

  return {
    kind: 'two-layer',
    inputDim: d,
    outputDim: O,
    paramCount: P,
    blocks,
    chi,
    backend,
    lossGradBatch,
    spec: {
      factory: 'two-layer',
      options: Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'backend')) as Omit<TwoLayerOptions, 'backend'>,
    },
    init(k) {
      return drawPrior(this, k);
    },
    apply(p, x) {
      checkX(x, d, 'twoLayerNet.apply');
      if (x.rows === 0) return { rows: 0, cols: O, data: new Float64Array(0) };
      const b = buffers(x.rows);
      forward(p, x, b);
      return { rows: x.rows, cols: O, data: b.pred.slice() };
    },
    grad(p, x, dOut) {
      checkX(x, d, 'twoLayerNet.grad');
      checkY(dOut, x.rows, O, 'twoLayerNet.grad');
      const g = new Float64Array(P);
      if (x.rows === 0) return g;
      const b = buffers(x.rows);
      forward(p, x, b);
      backward(p, x, dOut.data, g, b);
      return g;
    },
    lossGrad(p, x, y, gradOut, predOut) {
      const n = x.rows;
      if (n === 0) {
        gradOut.fill(0);
        return 0;
      }
      const b = buffers(n);
      forward(p, x, b);
      const { pred, res } = b;
      let loss = 0;
      for (let k = 0; k < n * O; k++) {
        const r = pred[k]! - y.data[k]!;
        res[k] = r;
        loss += r * r;
      }
      if (predOut) predOut.set(pred);
      backward(p, x, res, gradOut, b);
      return 0.5 * loss;
    },
    firstLayer: W,
    features(p, x) {
      checkX(x, d, 'twoLayerNet.features');
      if (x.rows === 0) return { rows: 0, cols: N, data: new Float64Array(0) };
      const b = buffers(x.rows);
      forward(p, x, b);
      return { rows: x.rows, cols: N, data: b.phi.slice() };
    },
  };
}

/** Options of {@link threeLayerNet}. */
export interface ThreeLayerOptions extends PriorOptions {
  dim: number;
  /** [N1, N2], the two hidden widths. */
  widths: [number, number];
  activation?: Activation;
  outputs?: number;
}

/**
 * Three-layer fully connected network f_o(x) = Σ_j a_{jo} φ(Σ_i V_{ji} φ(w_i·x)), no biases. Priors:
 * w_i ~ N(0, σ_w²/d I), V_{ji} ~ N(0, σ_w²/N1), a_{jo} ~ N(0, σ_a²/(χ N2)). Blocks 'W' [N1, d], 'V' [N2, N1], 'a' [N2, O].
 *
 * *When to use*: the 3-layer FCN experiments of the curse-of-detail paper.
 *
 * *Gotchas*: χ scales only the readout (as in the two-layer convention).
 *
 * @example
 * ```ts
 * const net = threeLayerNet({ dim: 4, widths: [8, 6], activation: 'erf' });
 * const f = net.apply(net.init(key(1)), fromRows([[1, 2, 3, 4]]));
 * ```
 */
export function threeLayerNet(options: ThreeLayerOptions): Model {
  const {
    dim: d,
    widths,
    activation = 'erf',
    outputs: O = 1,
    sigmaW2 = 1,
    sigmaA2 = 1,
    chi = 1,
    backend = referenceBackend,
  } = options;
  const [N1, N2] = widths;
  checkInt('dim', d);
  checkInt('widths[0]', N1);
  checkInt('widths[1]', N2);
  checkInt('outputs', O);
  checkAct(activation);
  checkPos('sigmaW2', sigmaW2);
  checkPos('sigmaA2', sigmaA2);
  checkPos('chi', chi);
  const blocks = blocksFrom([
    ['W', [N1, d], sigmaW2 / d],
    ['V', [N2, N1], sigmaW2 / N1],
    ['a', [N2, O], sigmaA2 / (chi * N2)],
  ]);
  const vOff = N1 * d,
    aOff = vOff + N2 * N1,
    P = aOff + N2 * O;
  const view = (p: Float64Array, off: number, rows: number, cols: number): Mat => ({
    rows,
    cols,
    data: p.subarray(off, off + rows * cols),
  });
  const fwd = (p: Float64Array, x: Mat) => {
    const n = x.rows;
    const h1 = backend.matmul(x, view(p, 0, N1, d), { transB: true }).data;
    const p1 = new Float64Array(n * N1),
      d1 = new Float64Array(n * N1);
    activate(activation, h1, p1, d1);
    const h2 = backend.matmul({ rows: n, cols: N1, data: p1 }, view(p, vOff, N2, N1), { transB: true }).data;
    const p2 = new Float64Array(n * N2),
      d2 = new Float64Array(n * N2);
    activate(activation, h2, p2, d2);
    const f = backend.matmul({ rows: n, cols: N2, data: p2 }, view(p, aOff, N2, O)).data;
    return { p1, d1, p2, d2, f };
  };
  return {
    kind: 'three-layer',
    inputDim: d,
    outputDim: O,
    paramCount: P,
    blocks,
    chi,
    backend,
    init(k) {
      return drawPrior(this, k);
    },
    apply(p, x) {
      checkX(x, d, 'threeLayerNet.apply');
      if (x.rows === 0) return { rows: 0, cols: O, data: new Float64Array(0) };
      return { rows: x.rows, cols: O, data: fwd(p, x).f };
    },
    grad(p, x, dOut) {
      checkX(x, d, 'threeLayerNet.grad');
      checkY(dOut, x.rows, O, 'threeLayerNet.grad');
      const g = new Float64Array(P);
      const n = x.rows;
      if (n === 0) return g;
      const { p1, d1, p2, d2 } = fwd(p, x);
      const ga = backend.matmul({ rows: n, cols: N2, data: p2 }, dOut, { transA: true }).data; // [N2, O]
      g.set(ga, aOff);
      const dh2 = backend.matmul(dOut, view(p, aOff, N2, O), { transB: true }).data; // [n, N2]
      for (let k = 0; k < dh2.length; k++) dh2[k]! *= d2[k]!;
      const gV = backend.matmul({ rows: n, cols: N2, data: dh2 }, { rows: n, cols: N1, data: p1 }, { transA: true }).data;
      g.set(gV, vOff);
      const dh1 = backend.matmul({ rows: n, cols: N2, data: dh2 }, view(p, vOff, N2, N1)).data; // [n, N1]
      for (let k = 0; k < dh1.length; k++) dh1[k]! *= d1[k]!;
      const gW = backend.matmul({ rows: n, cols: N1, data: dh1 }, x, { transA: true }).data;
      g.set(gW, 0);
      return g;
    },
    firstLayer: (p) => view(p, 0, N1, d),
    features(p, x) {
      checkX(x, d, 'threeLayerNet.features');
      return { rows: x.rows, cols: N2, data: x.rows === 0 ? new Float64Array(0) : fwd(p, x).p2 };
    },
  };
}

/** Options of {@link attentionHead}. */
export interface AttentionOptions extends PriorOptions {
  /** Token dimension d. */
  dim: number;
  /** Context length L (tokens per sequence); an input row is the L tokens concatenated (length L·d). */
  context: number;
  /** N, the number of value neurons. */
  width: number;
  /** Query/key dimension (default d). */
  keyDim?: number;
  activation?: Activation;
  outputs?: number;
  /** Prior variance scale of W_Q and W_K entries: N(0, σ_qk²/d). Default σ_w². */
  sigmaQK2?: number;
}

/**
 * A single softmax attention head with a nonlinear value map (the library's attention task, scaling note addendum):
 * f_o(X) = Σᵢ a_{io} Σ_l softmax_l(x_lᵀ W_Q W_Kᵀ x̄ / √d) · φ(wᵢ·x_l), x̄ = L⁻¹ Σ_l x_l.
 * Priors: wᵢ ~ N(0, σ_w²/d I), W_Q, W_K entries ~ N(0, σ_qk²/d), a_{io} ~ N(0, σ_a²/(χN)).
 * Blocks 'W' [N, d], 'a' [N, O], 'WQ' [d, k], 'WK' [d, k].
 *
 * *When to use*: posterior sampling for the attention scaling experiments.
 *
 * *Gotchas*: computed with host loops in float64 (the per-sequence softmax does not map onto one matmul).
 *
 * @example
 * ```ts
 * const head = attentionHead({ dim: 2, context: 3, width: 4 });
 * const f = head.apply(head.init(key(2)), fromRows([[1, 0, 0, 1, 1, 1]]));
 * ```
 */
export function attentionHead(options: AttentionOptions): Model {
  const {
    dim: d,
    context: L,
    width: N,
    activation = 'erf',
    outputs: O = 1,
    sigmaW2 = 1,
    sigmaA2 = 1,
    chi = 1,
    backend = referenceBackend,
  } = options;
  const k = options.keyDim ?? d;
  const sqk = options.sigmaQK2 ?? sigmaW2;
  checkInt('dim', d);
  checkInt('context', L);
  checkInt('width', N);
  checkInt('keyDim', k);
  checkInt('outputs', O);
  checkAct(activation);
  checkPos('sigmaW2', sigmaW2);
  checkPos('sigmaA2', sigmaA2);
  checkPos('chi', chi);
  checkPos('sigmaQK2', sqk);
  const blocks = blocksFrom([
    ['W', [N, d], sigmaW2 / d],
    ['a', [N, O], sigmaA2 / (chi * N)],
    ['WQ', [d, k], sqk / d],
    ['WK', [d, k], sqk / d],
  ]);
  const aOff = N * d,
    qOff = aOff + N * O,
    kOff = qOff + d * k,
    P = kOff + d * k;
  const isd = 1 / Math.sqrt(d);
  // per-sequence forward; returns softmax weights, φ, φ', q_l, kvec, g_l (value outputs per token)
  const seq = (p: Float64Array, xs: Float64Array, base: number) => {
    const xbar = new Float64Array(d);
    for (let l = 0; l < L; l++) for (let c = 0; c < d; c++) xbar[c]! += xs[base + l * d + c]! / L;
    const kv = new Float64Array(k);
    for (let c = 0; c < d; c++) for (let j = 0; j < k; j++) kv[j]! += xbar[c]! * p[kOff + c * k + j]!;
    const q = new Float64Array(L * k),
      s = new Float64Array(L);
    let smax = -Infinity;
    for (let l = 0; l < L; l++) {
      for (let c = 0; c < d; c++) {
        const xv = xs[base + l * d + c]!;
        for (let j = 0; j < k; j++) q[l * k + j]! += xv * p[qOff + c * k + j]!;
      }
      let t = 0;
      for (let j = 0; j < k; j++) t += q[l * k + j]! * kv[j]!;
      s[l] = t * isd;
      if (s[l]! > smax) smax = s[l]!;
    }
    const pw = new Float64Array(L);
    let z = 0;
    for (let l = 0; l < L; l++) {
      pw[l] = Math.exp(s[l]! - smax);
      z += pw[l]!;
    }
    for (let l = 0; l < L; l++) pw[l]! /= z;
    const h = new Float64Array(L * N);
    for (let l = 0; l < L; l++)
      for (let i = 0; i < N; i++) {
        let t = 0;
        for (let c = 0; c < d; c++) t += p[i * d + c]! * xs[base + l * d + c]!;
        h[l * N + i] = t;
      }
    const ph = new Float64Array(L * N),
      dph = new Float64Array(L * N);
    activate(activation, h, ph, dph);
    const g = new Float64Array(L * O);
    for (let l = 0; l < L; l++)
      for (let i = 0; i < N; i++) for (let o = 0; o < O; o++) g[l * O + o]! += p[aOff + i * O + o]! * ph[l * N + i]!;
    return { xbar, kv, q, pw, ph, dph, g };
  };
  return {
    kind: 'attention',
    inputDim: L * d,
    outputDim: O,
    paramCount: P,
    blocks,
    chi,
    backend,
    init(key) {
      return drawPrior(this, key);
    },
    apply(p, x) {
      checkX(x, L * d, 'attentionHead.apply');
      const out = new Float64Array(x.rows * O);
      for (let mu = 0; mu < x.rows; mu++) {
        const { pw, g } = seq(p, x.data, mu * L * d);
        for (let l = 0; l < L; l++) for (let o = 0; o < O; o++) out[mu * O + o]! += pw[l]! * g[l * O + o]!;
      }
      return { rows: x.rows, cols: O, data: out };
    },
    grad(p, x, dOut) {
      checkX(x, L * d, 'attentionHead.grad');
      checkY(dOut, x.rows, O, 'attentionHead.grad');
      const gr = new Float64Array(P);
      for (let mu = 0; mu < x.rows; mu++) {
        const base = mu * L * d;
        const { xbar, kv, q, pw, ph, dph, g } = seq(p, x.data, base);
        const dl = dOut.data.subarray(mu * O, mu * O + O);
        // value path
        const G = new Float64Array(L);
        let Gbar = 0;
        for (let l = 0; l < L; l++) {
          let t = 0;
          for (let o = 0; o < O; o++) t += g[l * O + o]! * dl[o]!;
          G[l] = t;
          Gbar += pw[l]! * t;
        }
        for (let i = 0; i < N; i++) {
          let ad = 0;
          for (let o = 0; o < O; o++) ad += p[aOff + i * O + o]! * dl[o]!;
          for (let l = 0; l < L; l++) {
            const w = pw[l]!;
            for (let o = 0; o < O; o++) gr[aOff + i * O + o]! += w * ph[l * N + i]! * dl[o]!;
            const c = w * ad * dph[l * N + i]!;
            if (c !== 0) for (let cc = 0; cc < d; cc++) gr[i * d + cc]! += c * x.data[base + l * d + cc]!;
          }
        }
        // attention path: ds_l = p_l (G_l − Ḡ)
        const dk = new Float64Array(k);
        for (let l = 0; l < L; l++) {
          const ds = pw[l]! * (G[l]! - Gbar) * isd;
          if (ds === 0) continue;
          for (let c = 0; c < d; c++) {
            const xv = x.data[base + l * d + c]! * ds;
            for (let j = 0; j < k; j++) gr[qOff + c * k + j]! += xv * kv[j]!;
          }
          for (let j = 0; j < k; j++) dk[j]! += ds * q[l * k + j]!;
        }
        for (let c = 0; c < d; c++) for (let j = 0; j < k; j++) gr[kOff + c * k + j]! += xbar[c]! * dk[j]!;
      }
      return gr;
    },
    firstLayer: (p) => ({ rows: N, cols: d, data: p.subarray(0, aOff) }),
  };
}
