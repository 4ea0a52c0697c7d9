import { type ComputeBackend, InvalidArgumentError, type Mat, ShapeError, assertFinite, referenceBackend } from '@sftdl/compute';
import { getActivation } from '@sftdl/kernels';

/**
 * Inputs shared by every MSA / kernel-rescaling solver of a two-layer network f(x) = Σ_i a_i φ(w_i·x).
 *
 * Library convention (theory/README.md): flags and options take *unscaled* values. The model uses the read-in prior
 * w_i ~ N(0, (σ_w²/d) I), the readout prior a_i ~ N(0, σ_a²/(χN)) and the noise σ²/χ. In the symbols of docs/theory/multi-scale-adaptive.md:
 * g_v = σ_w², g_w = σ_a², the prior readout scale σ²_MSA = g_w/χ and κ_n = κ/χ with κ = σ² (`sigma2`).
 * Set `rescaleNoise: false` to keep κ_n = κ (Algorithm 1 read literally).
 */
export interface MsaInput {
  /** Training inputs, shape [P, d], one sample per row. */
  x: Mat;
  /** Training targets, length P. */
  y: ArrayLike<number>;
  /** Optional test inputs, shape [P*, d]. */
  xTest?: Mat;
  /** Hidden width N. */
  width: number;
  /** Scaling parameter χ ∈ [1, N] (1 = standard, N = mean-field). Default 1. */
  chi?: number;
  /** Read-in prior scale σ_w² (the note's g_v). */
  sigmaW2: number;
  /** Readout prior scale σ_a² (the note's g_w), before the 1/χ. */
  sigmaA2: number;
  /** Noise κ before the 1/χ rescaling. */
  sigma2: number;
  /** κ_n = κ/χ (default true) or κ_n = κ. */
  rescaleNoise?: boolean;
  backend?: ComputeBackend;
}

/** Validated, derived quantities of an {@link MsaInput}. */
export interface MsaSetup {
  x: Mat;
  y: Float64Array;
  xTest?: Mat;
  P: number;
  d: number;
  width: number;
  chi: number;
  sigmaW2: number;
  sigmaA2: number;
  sigma2: number;
  /** Prior readout scale σ²_MSA = σ_a²/χ. */
  priorScale: number;
  /** κ_n, the noise in the posterior. */
  noise: number;
  /** Tilt coefficient λ = σ²_MSA/N. */
  lambda: number;
  /** Factor turning an internal kernel multiplier q into the reported Q: Q = qScale · q (= σ_a² with κ_n = κ/χ). */
  qScale: number;
  backend: ComputeBackend;
}

/** Validates an {@link MsaInput} and derives σ²_MSA, κ_n, λ. */
export function msaSetup(input: MsaInput): MsaSetup {
  const { x, width, sigmaW2, sigmaA2, sigma2, xTest } = input;
  const chi = input.chi ?? 1;
  const y = Float64Array.from(input.y);
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  if (y.length !== x.rows) throw new ShapeError(`y has length ${y.length} but x has ${x.rows} rows`);
  if (xTest) {
    assertFinite(xTest, 'xTest');
    if (xTest.cols !== x.cols) throw new ShapeError(`xTest has ${xTest.cols} columns but x has ${x.cols}`);
  }
  if (!(width > 0) || !Number.isFinite(width)) throw new InvalidArgumentError(`width must be > 0, got ${width}`);
  if (!(chi > 0) || !Number.isFinite(chi))
    throw new InvalidArgumentError(`chi must be > 0 (1 = standard, N = mean-field), got ${chi}`);
  for (const [k, v] of [
    ['sigmaW2', sigmaW2],
    ['sigmaA2', sigmaA2],
    ['sigma2', sigma2],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`${k} must be a finite number > 0, got ${v}`);
  }
  const priorScale = sigmaA2 / chi;
  const noise = input.rescaleNoise === false ? sigma2 : sigma2 / chi;
  const setup: MsaSetup = {
    x,
    y,
    P: x.rows,
    d: x.cols,
    width,
    chi,
    sigmaW2,
    sigmaA2,
    sigma2,
    priorScale,
    noise,
    lambda: priorScale / width,
    qScale: (priorScale * sigma2) / noise,
    backend: input.backend ?? referenceBackend,
  };
  if (xTest) setup.xTest = xTest;
  return setup;
}

/** K0 = (σ_w²/d) A Bᵀ for row-sample matrices A [m, d], B [n, d]. */
export function inputKernel(a: Mat, b: Mat, sigmaW2: number, backend: ComputeBackend): Mat {
  return backend.matmul(a, b, { transB: true, alpha: sigmaW2 / a.cols });
}

/**
 * Two-layer NNGP kernel C0 = σ²_MSA·F_φ(K0) on train (and cross/diag on test), with F_φ the dual activation of
 * `@sftdl/kernels` (linear: C0 = σ²_MSA K0; erf: the arcsine kernel).
 */
export function twoLayerNngp(setup: MsaSetup, activation: string): { train: Mat; cross?: Mat; testDiag?: Float64Array } {
  const dual = getActivation(activation);
  const { x, xTest, sigmaW2, priorScale: c, backend } = setup;
  const K = inputKernel(x, x, sigmaW2, backend);
  const P = x.rows;
  const diag = new Float64Array(P);
  for (let a = 0; a < P; a++) diag[a] = K.data[a * P + a]!;
  const train = new Float64Array(P * P);
  for (let a = 0; a < P; a++)
    for (let b = 0; b <= a; b++) {
      const v = c * dual.dual(diag[a]!, K.data[a * P + b]!, diag[b]!).f;
      train[a * P + b] = v;
      train[b * P + a] = v;
    }
  const out: { train: Mat; cross?: Mat; testDiag?: Float64Array } = { train: { rows: P, cols: P, data: train } };
  if (xTest) {
    const m = xTest.rows;
    const Kc = inputKernel(xTest, x, sigmaW2, backend);
    const Kt = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < xTest.cols; j++) s += xTest.data[i * xTest.cols + j]! ** 2;
      Kt[i] = (sigmaW2 / xTest.cols) * s;
    }
    const cross = new Float64Array(m * P);
    for (let i = 0; i < m; i++)
      for (let b = 0; b < P; b++) cross[i * P + b] = c * dual.dual(Kt[i]!, Kc.data[i * P + b]!, diag[b]!).f;
    out.cross = { rows: m, cols: P, data: cross };
    out.testDiag = Kt.map((v) => c * dual.dual(v, v, v).f);
  }
  return out;
}
