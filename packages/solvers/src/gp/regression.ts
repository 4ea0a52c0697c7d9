import {
  type ComputeBackend,
  InvalidArgumentError,
  type Mat,
  NotPositiveDefiniteError,
  ShapeError,
  assertFinite,
  colVec,
  referenceBackend,
} from '@sftdl/compute';
import { isMat, targetMatrix } from './targets';

/** Jitter escalation policy for the Cholesky factorisation of K + σ²I. */
export interface JitterPolicy {
  /** First jitter tried after a failed jitter-free factorisation, relative to mean(diag K) (default 1e-10). */
  initial?: number;
  /** Largest jitter tried, relative to mean(diag K) (default 1e-4). Beyond it a `NotPositiveDefiniteError` is thrown. */
  max?: number;
  /** Multiplicative escalation factor (default 10). */
  factor?: number;
}

/** Options of {@link gpRegression}. */
export interface GpRegressionOptions {
  /** Training Gram matrix K(X, X), shape [n, n], symmetric (lower triangle read). */
  kernel: Mat;
  /** Training targets: a vector of length n, or a `Mat` [n, k] of k independent outputs sharing the kernel. */
  y: ArrayLike<number> | Mat;
  /** Observation-noise variance σ² ≥ 0 (the GP ridge). */
  sigma2: number;
  /** Cross kernel K(X*, X), shape [m, n]; needed for test predictions. */
  crossKernel?: Mat;
  /** Full test kernel K(X*, X*), shape [m, m]: the posterior covariance is returned. */
  testKernel?: Mat;
  /** Diagonal of K(X*, X*), length m: the posterior variances are returned (cheaper than `testKernel`). */
  testKernelDiag?: ArrayLike<number>;
  /** Jitter escalation policy. */
  jitter?: JitterPolicy;
  /** 'estimate' (default): exact for n ≤ 400, else power + inverse iteration (a diagnostic, typically within ~1 %); 'exact': eigendecomposition (O(n³)); 'none'. */
  conditionNumber?: 'estimate' | 'exact' | 'none';
  backend?: ComputeBackend;
}

/**
 * Result of {@link gpRegression}. `V` is the type of per-output quantities: `Float64Array` (length n or m) for a
 * vector `y`, `Mat` ([n, k] or [m, k]) for a matrix `y`.
 */
export interface GpRegressionResult<V = Float64Array> {
  /** Scaled discrepancy τ = (K + (σ² + jitter) I)⁻¹ y, length n (the `tau` of the MSA and adaptive-kernel solvers). */
  tau: V;
  /** Posterior mean at the training inputs, K τ. */
  trainMean: V;
  /** Posterior mean of the latent f at the test inputs (when `crossKernel` is given). */
  testMean?: V;
  /** Posterior covariance of the latent f at the test inputs (when `testKernel` is given; shared by all outputs). */
  testCovariance?: Mat;
  /** Posterior variance of the latent f (noise excluded) at the test inputs (with `testKernel` or `testKernelDiag`). */
  testVariance?: Float64Array;
  /** ln p(y) = −½ yᵀτ − ½ ln det(K + σ²I) − (n/2) ln 2π (with the jitter included in σ²), summed over the outputs. */
  logMarginalLikelihood: number;
  /** Diagonal jitter actually added on top of σ² (0 when none was needed). */
  jitter: number;
  /** Condition number of K + (σ² + jitter)I (NaN when `conditionNumber: 'none'`). */
  conditionNumber: number;
  /** Lower Cholesky factor of K + (σ² + jitter)I. */
  cholesky: Mat;
}

/** The per-output type of {@link gpRegression}'s result for options `O`: `Mat` when `y` is a `Mat` (an untyped `any`
 * y counts as a vector). */
export type GpOutputOf<O extends { y: unknown }> = 0 extends 1 & O['y']
  ? Float64Array
  : O['y'] extends Mat
    ? Mat
    : O['y'] extends ArrayLike<number>
      ? Float64Array
      : Float64Array | Mat;

/**
 * The result of {@link gpRegression} for options `O`, with the fields the options guarantee typed as present:
 * `testMean` with `crossKernel`, `testVariance` with `testKernel` or `testKernelDiag`, `testCovariance` with
 * `testKernel`.
 */
export type GpRegressionResultOf<O extends GpRegressionOptions> = GpRegressionResult<GpOutputOf<O>> &
  (O extends { crossKernel: Mat } ? { testMean: GpOutputOf<O> } : unknown) &
  (O extends { testKernel: Mat }
    ? { testCovariance: Mat; testVariance: Float64Array }
    : O extends { testKernelDiag: ArrayLike<number> }
      ? { testVariance: Float64Array }
      : unknown);

/**
 * Factorises K + (σ² + jitter)·I, escalating the jitter geometrically from 0 until it succeeds.
 *
 * *When to use:* any SPD solve with a kernel matrix that may be numerically singular.
 * *Gotchas:* the jitter actually used is returned; it acts as extra noise and biases the evidence slightly.
 */
export function choleskyWithJitter(
  kernel: Mat,
  sigma2: number,
  { policy = {}, backend = referenceBackend }: { policy?: JitterPolicy; backend?: ComputeBackend } = {},
): { factor: Mat; jitter: number } {
  if (kernel.rows !== kernel.cols) throw new ShapeError(`kernel must be square, got [${kernel.rows}, ${kernel.cols}]`);
  if (!(sigma2 >= 0) || !Number.isFinite(sigma2))
    throw new InvalidArgumentError(`sigma2 must be a finite number ≥ 0, got ${sigma2}`);
  const n = kernel.rows;
  const { initial = 1e-10, max = 1e-4, factor = 10 } = policy;
  if (!(initial > 0) || !Number.isFinite(initial))
    throw new InvalidArgumentError(`jitter.initial must be a finite number > 0, got ${initial}`);
  if (!(max >= initial) || !Number.isFinite(max))
    throw new InvalidArgumentError(`jitter.max must be finite and ≥ jitter.initial (${initial}), got ${max}`);
  if (!(factor > 1) || !Number.isFinite(factor))
    throw new InvalidArgumentError(
      `jitter.factor must be a finite number > 1 (the jitter is multiplied by it after each failure), got ${factor}`,
    );
  let diagSum = 0;
  for (let i = 0; i < n; i++) diagSum += kernel.data[i * n + i]!;
  const meanDiag = diagSum / Math.max(n, 1);
  // The jitter scale: the mean diagonal when it is a usable positive number; otherwise (a zero or negative-trace
  // kernel, e.g. ReLU features of all-zero inputs without bias) the noise σ², else 1 — so the escalation always
  // starts from a representable positive value and terminates.
  const scale = meanDiag > 1e-300 && Number.isFinite(meanDiag) ? meanDiag : sigma2 > 0 ? sigma2 : 1;
  // hard cap on the number of attempts (initial → max in steps of `factor`, plus the jitter-free try)
  const attempts = Math.min(200, 2 + Math.ceil(Math.log(max / initial) / Math.log(factor) + 1e-9));
  let jitter = 0;
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return { factor: backend.cholesky(kernel, { jitter: sigma2 + jitter }), jitter };
    } catch (e) {
      if (!NotPositiveDefiniteError.isInstance(e)) throw e;
      last = e;
    }
    const next = jitter === 0 ? initial * scale : jitter * factor;
    if (!(next <= max * scale * (1 + 1e-12))) break;
    jitter = next;
  }
  const err = last as NotPositiveDefiniteError;
  throw new NotPositiveDefiniteError({
    pivot: err.pivot,
    backend: backend.name,
    suggestedJitter: Math.max(err.suggestedJitter, max * scale * factor),
    detail:
      meanDiag > 1e-300
        ? `K + σ²I stayed indefinite up to jitter ${(max * scale).toExponential(1)} (${max} × mean diagonal); raise sigma2 or jitter.max, or check the kernel`
        : `the kernel has mean diagonal ${meanDiag.toExponential(3)} (a zero or negative-variance kernel, e.g. all-zero inputs without bias) and σ² = ${sigma2}; raise sigma2 (the noise) or the bias variance, or check the inputs`,
  });
}

function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

function normalise(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const r = Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! /= r;
  return r;
}

/**
 * Condition number of K + s·I: exact for n ≤ 400, otherwise Rayleigh quotients of power iteration (largest
 * eigenvalue) and inverse iteration with the Cholesky factor (smallest eigenvalue), at most 30 O(n²) steps each
 * (a diagnostic, typically within ~1 %).
 */
export function estimateConditionNumber(
  kernel: Mat,
  shift: number,
  factor: Mat,
  backend: ComputeBackend = referenceBackend,
): number {
  const n = kernel.rows;
  if (n === 0) return 1;
  if (n <= 400) {
    // small problems: the exact spectrum costs about as much as the factorisation
    const ev = backend.eigh(kernel).values;
    return (ev[n - 1]! + shift) / (ev[0]! + shift);
  }
  const start = (): Float64Array => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = 1 + 0.37 * Math.sin(1.7 * i + 0.3);
    normalise(v);
    return v;
  };
  // Rayleigh quotients (error quadratic in the eigenvector error) of power and inverse iteration.
  let v = start(),
    hi = 0;
  for (let it = 0; it < 30; it++) {
    const w = backend.matmul(kernel, colVec(v)).data.slice();
    for (let i = 0; i < n; i++) w[i]! += shift * v[i]!;
    let rq = 0;
    for (let i = 0; i < n; i++) rq += v[i]! * w[i]!;
    normalise(w);
    v = w;
    const done = Math.abs(rq - hi) <= 1e-4 * rq;
    hi = rq;
    if (done) break;
  }
  v = start();
  let lo = Infinity;
  for (let it = 0; it < 30; it++) {
    const w = backend.choleskySolve(factor, colVec(v)).data.slice();
    let vw = 0,
      ww = 0;
    for (let i = 0; i < n; i++) {
      vw += v[i]! * w[i]!;
      ww += w[i]! * w[i]!;
    }
    const rq = vw / ww; // Rayleigh quotient of A at w
    normalise(w);
    v = w;
    const done = Math.abs(rq - lo) <= 1e-4 * rq;
    lo = rq;
    if (done) break;
  }
  return hi / lo;
}

/** The factorised GP on the training set: what predictions need. @internal */
export interface GpFactorization {
  /** Lower Cholesky factor of K + (σ² + jitter)I. */
  cholesky: Mat;
  jitter: number;
  /** (K + (σ² + jitter)I)⁻¹ Y, [n, k]. */
  alpha: Mat;
  /** Σ over outputs of ln p(y_j). */
  logMarginalLikelihood: number;
}

/**
 * Factorises K + σ²I once (escalating a jitter if needed) and solves for all k outputs of Y [n, k]. @internal
 */
export function gpFactorize(
  kernel: Mat,
  Y: Mat,
  sigma2: number,
  backend: ComputeBackend,
  policy?: JitterPolicy,
): GpFactorization {
  const n = kernel.rows;
  if (kernel.rows !== kernel.cols) throw new ShapeError(`kernel must be square, got [${kernel.rows}, ${kernel.cols}]`);
  if (Y.rows !== n) throw new ShapeError(`y has ${Y.rows} rows but the kernel is ${n}×${n}`);
  assertFinite(Y, 'y');
  assertFinite(kernel, 'kernel');
  const { factor: L, jitter } = choleskyWithJitter(kernel, sigma2, { backend, ...(policy ? { policy } : {}) });
  const alpha = backend.choleskySolve(L, Y);
  const k = Y.cols;
  let quad = 0;
  for (let i = 0; i < n * k; i++) quad += Y.data[i]! * alpha.data[i]!;
  const logMarginalLikelihood = -0.5 * quad - 0.5 * k * backend.choleskyLogDet(L) - 0.5 * k * n * Math.log(2 * Math.PI);
  if (!Number.isFinite(logMarginalLikelihood) || !allFinite(alpha.data)) {
    let ymax = 0;
    for (let i = 0; i < n * k; i++) ymax = Math.max(ymax, Math.abs(Y.data[i]!));
    throw new InvalidArgumentError(
      `GP posterior overflowed: ${!allFinite(alpha.data) ? '(K + σ²I)⁻¹y' : 'the log marginal likelihood yᵀ(K + σ²I)⁻¹y'} is not finite (max |y| = ${ymax.toExponential(3)}, σ² + jitter = ${(sigma2 + jitter).toExponential(3)}); rescale the targets y (e.g. divide by their standard deviation) or raise sigma2`,
    );
  }
  return { cholesky: L, jitter, alpha, logMarginalLikelihood };
}

/** Posterior of the latent f at test inputs from a {@link GpFactorization}. @internal */
export function gpPosterior(
  fac: GpFactorization,
  crossKernel: Mat,
  test: { full: Mat } | { diag: ArrayLike<number> } | undefined,
  backend: ComputeBackend,
): { mean: Mat; covariance?: Mat; variance?: Float64Array } {
  const L = fac.cholesky,
    n = L.rows;
  if (crossKernel.cols !== n)
    throw new ShapeError(`crossKernel has shape [${crossKernel.rows}, ${crossKernel.cols}], expected [m, ${n}]`);
  assertFinite(crossKernel, 'crossKernel');
  const m = crossKernel.rows;
  const mean = backend.matmul(crossKernel, fac.alpha);
  if (!allFinite(mean.data))
    throw new InvalidArgumentError(
      'GP posterior mean overflowed (K(X*, X)·(K + σ²I)⁻¹y is not finite); rescale the targets y or the inputs',
    );
  if (!test) return { mean };
  // V = L⁻¹ K(X, X*) (n × m); posterior covariance K** − VᵀV.
  const V = backend.triangularSolve(L, backend.transpose(crossKernel), { lower: true });
  const variance = new Float64Array(m);
  if ('full' in test) {
    const testKernel = test.full;
    if (testKernel.rows !== m || testKernel.cols !== m)
      throw new ShapeError(`testKernel must be [${m}, ${m}], got [${testKernel.rows}, ${testKernel.cols}]`);
    const VtV = backend.matmul(V, V, { transA: true });
    const cov = new Float64Array(m * m);
    for (let i = 0; i < m * m; i++) cov[i] = testKernel.data[i]! - VtV.data[i]!;
    for (let i = 0; i < m; i++) variance[i] = Math.max(cov[i * m + i]!, 0);
    return { mean, covariance: { rows: m, cols: m, data: cov }, variance };
  }
  const kd = Float64Array.from(test.diag);
  if (kd.length !== m) throw new ShapeError(`testKernelDiag has length ${kd.length}, expected ${m}`);
  // column sums of V∘V on the host (one pass, no temporaries)
  const col = new Float64Array(m),
    vd = V.data;
  for (let r = 0; r < n; r++) {
    const o = r * m;
    for (let i = 0; i < m; i++) col[i]! += vd[o + i]! * vd[o + i]!;
  }
  for (let i = 0; i < m; i++) variance[i] = Math.max(kd[i]! - col[i]!, 0);
  return { mean, variance };
}

/**
 * Gaussian-process regression with a precomputed kernel: posterior mean, covariance/variance of the latent f, and
 * the log marginal likelihood, on any compute backend.
 *
 * *When to use:* NNGP/NTK/any-kernel inference and evidence evaluation (the building block of hyper-parameter fits).
 * For a fit-once, predict-anywhere object from a kernel function, see {@link gpPredictor}.
 * *Gotchas:* `testVariance` is for the latent f (add σ² for a noisy observation). If K + σ²I is numerically singular a
 * jitter is added (reported in `jitter`, and counted as noise in every output). Cost O(n³) + O(m n²). A `Mat` y
 * [n, k] gives `tau`, `trainMean` and `testMean` as `Mat`s with k columns; the variances are shared by the outputs.
 * The result type has `testMean` when `crossKernel` is given, `testVariance` with `testKernel`/`testKernelDiag`.
 *
 * @example
 * ```ts
 * const K = fromRows([[2, 1], [1, 2]]);
 * const r = gpRegression({ kernel: K, y: [1, -1], sigma2: 0.1, crossKernel: fromRows([[1, 0]]), testKernelDiag: [2] });
 * // r.testMean[0] = k*ᵀ (K + 0.1 I)⁻¹ y, r.testVariance[0] = 2 − k*ᵀ (K + 0.1 I)⁻¹ k*
 * ```
 */
export function gpRegression<const O extends GpRegressionOptions>(options: O): GpRegressionResultOf<O> {
  const {
    kernel,
    sigma2,
    crossKernel,
    testKernel,
    testKernelDiag,
    backend = referenceBackend,
    conditionNumber = 'estimate',
  } = options;
  const n = kernel.rows;
  const matrixY = isMat(options.y);
  let Y: Mat;
  if (isMat(options.y)) Y = targetMatrix(options.y, n);
  else {
    const y = Float64Array.from(options.y);
    if (y.length !== n) throw new ShapeError(`y has length ${y.length} but the kernel is ${n}×${n}`);
    Y = { rows: n, cols: 1, data: y };
  }
  const fac = gpFactorize(kernel, Y, sigma2, backend, options.jitter);
  const { cholesky: L, jitter, alpha } = fac;
  const noise = sigma2 + jitter;
  const trainMean = new Float64Array(Y.data.length);
  for (let i = 0; i < trainMean.length; i++) trainMean[i] = Y.data[i]! - noise * alpha.data[i]!;
  let cond = NaN;
  if (conditionNumber === 'estimate') cond = estimateConditionNumber(kernel, noise, L, backend);
  else if (conditionNumber === 'exact') {
    const ev = backend.eigh(kernel).values;
    cond = (ev[n - 1]! + noise) / (ev[0]! + noise);
  }
  const out = (v: Mat): Float64Array | Mat => (matrixY ? v : v.data.slice());
  const result: GpRegressionResult<Float64Array | Mat> = {
    tau: out(alpha),
    trainMean: out({ rows: Y.rows, cols: Y.cols, data: trainMean }),
    logMarginalLikelihood: fac.logMarginalLikelihood,
    jitter,
    conditionNumber: cond,
    cholesky: L,
  };
  if (crossKernel) {
    const post = gpPosterior(
      fac,
      crossKernel,
      testKernel ? { full: testKernel } : testKernelDiag ? { diag: testKernelDiag } : undefined,
      backend,
    );
    result.testMean = out(post.mean);
    if (post.covariance) result.testCovariance = post.covariance;
    if (post.variance) result.testVariance = post.variance;
  } else if (testKernel || testKernelDiag) {
    throw new InvalidArgumentError('testKernel/testKernelDiag need crossKernel = K(X*, X) as well');
  }
  return result as GpRegressionResultOf<O>;
}
