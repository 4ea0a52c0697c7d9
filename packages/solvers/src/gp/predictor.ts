import { type ComputeBackend, InvalidArgumentError, type Mat, ShapeError, assertFinite, referenceBackend } from '@sftdl/compute';
import { type GpFactorization, type JitterPolicy, gpFactorize, gpPosterior } from './regression';
import { type KernelFn, type Targets, callKernel, isMat, kernelDiagonal, targetMatrix } from './targets';

/** Options of {@link gpPredictor}. */
export interface GpPredictorOptions {
  /**
   * The kernel as a function: K(x1, x2) [rows of x1, rows of x2], x2 defaulting to x1 — e.g.
   * `(a, b) => fcKernel(a, b, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1, get: ['nngp'] }).nngp`.
   */
  kernel: KernelFn;
  /** Training inputs [n, d]. */
  x: Mat;
  /** Training targets: length n, or [n, k] (a `Mat` or rows) for k independent outputs sharing the kernel. */
  y: Targets;
  /** Observation-noise variance σ² ≥ 0 (scikit-learn's `alpha`, GPyTorch's `likelihood.noise`). */
  sigma2: number;
  /** Jitter escalation when K + σ²I is numerically singular (the amount used is {@link GpPredictor.jitter}). */
  jitter?: JitterPolicy;
  /** Compute backend of the factorisation and the predictions (default the float64 reference backend). */
  backend?: ComputeBackend;
}

/** What {@link GpPredictor.predict} should return besides the mean. */
export interface GpPredictOptions {
  /** Posterior standard deviation of the latent f at each test input (noise excluded; shared by the outputs). */
  std?: boolean;
  /** Full posterior covariance [m, m] of the latent f (shared by the outputs). */
  cov?: boolean;
}

/**
 * A prediction: `mean` [m, k] always; `std` (length m) and `cov` ([m, m]) typed as present when asked for with a
 * literal `true` (`predict(x, { std: true }).std` is a `Float64Array`).
 */
export type GpPrediction<O extends GpPredictOptions = GpPredictOptions> = { mean: Mat } & (O extends { std: true }
  ? { std: Float64Array }
  : { std?: Float64Array }) &
  (O extends { cov: true } ? { cov: Mat } : { cov?: Mat });

/** The serialised form of a {@link GpPredictor} (`JSON.stringify(predictor)`; restore with {@link gpPredictorFromJSON}). */
export interface GpPredictorJSON {
  format: 'sftdl.gp-predictor';
  version: 1;
  sigma2: number;
  jitter: number;
  logMarginalLikelihood: number;
  x: MatJSON;
  y: MatJSON;
  /** Lower Cholesky factor of K + (σ² + jitter)I. */
  cholesky: MatJSON;
  /** (K + (σ² + jitter)I)⁻¹ Y. */
  alpha: MatJSON;
}

/** A matrix in JSON: shape and row-major numbers (JSON numbers round-trip float64 exactly). */
export interface MatJSON {
  rows: number;
  cols: number;
  data: number[];
}

/** A fitted Gaussian-process regressor: factorised once, predicts anywhere. Made by {@link gpPredictor}. */
export interface GpPredictor {
  /** Training inputs [n, d]. */
  readonly x: Mat;
  /** Training targets as a matrix [n, k]. */
  readonly y: Mat;
  /** Number of outputs k (columns of y). */
  readonly outputs: number;
  readonly sigma2: number;
  /** Diagonal jitter added on top of σ² to factorise (0 when none was needed). */
  readonly jitter: number;
  /** ln p(Y) = Σ_j [−½ y_jᵀ(K + σ²I)⁻¹y_j − ½ ln det(K + σ²I) − (n/2) ln 2π] (jitter counted as noise). */
  readonly logMarginalLikelihood: number;
  /** Lower Cholesky factor of K + (σ² + jitter)I (computed once). */
  readonly cholesky: Mat;
  /** (K + (σ² + jitter)I)⁻¹ Y, [n, k]. */
  readonly alpha: Mat;
  /**
   * Posterior of the latent f at the rows of `xTest` [m, d]: `mean` [m, k] = K(X*, X)·alpha, with `std: true` the
   * standard deviations (length m), with `cov: true` the covariance [m, m]. Add σ² to the variance for a new noisy y.
   */
  predict<const O extends GpPredictOptions = Record<never, never>>(xTest: Mat, options?: O): GpPrediction<O>;
  /** The fitted state as plain JSON (the kernel function is not serialised: give it again to `fromJSON`). */
  toJSON(): GpPredictorJSON;
}

const matJSON = (m: Mat): MatJSON => ({ rows: m.rows, cols: m.cols, data: Array.from(m.data) });

function makePredictor(
  kernel: KernelFn,
  x: Mat,
  Y: Mat,
  sigma2: number,
  fac: GpFactorization,
  backend: ComputeBackend,
): GpPredictor {
  const predict = (xTest: Mat, options: GpPredictOptions = {}): GpPrediction => {
    if (!isMat(xTest)) throw new InvalidArgumentError('xTest must be a Mat [m, d] (e.g. fromRows([[…], …]))');
    if (xTest.cols !== x.cols) throw new ShapeError(`xTest has ${xTest.cols} features but the training inputs have ${x.cols}`);
    const cross = callKernel(kernel, xTest, x, 'xTest, x');
    const test = options.cov
      ? { full: callKernel(kernel, xTest, undefined, 'xTest') }
      : options.std
        ? { diag: kernelDiagonal(kernel, xTest) }
        : undefined;
    const post = gpPosterior(fac, cross, test, backend);
    const out: GpPrediction = { mean: post.mean };
    if (options.std && post.variance) out.std = post.variance.map(Math.sqrt);
    if (options.cov && post.covariance) out.cov = post.covariance;
    return out;
  };
  return Object.freeze({
    x,
    y: Y,
    outputs: Y.cols,
    sigma2,
    jitter: fac.jitter,
    logMarginalLikelihood: fac.logMarginalLikelihood,
    cholesky: fac.cholesky,
    alpha: fac.alpha,
    predict: predict as GpPredictor['predict'],
    toJSON: (): GpPredictorJSON => ({
      format: 'sftdl.gp-predictor',
      version: 1,
      sigma2,
      jitter: fac.jitter,
      logMarginalLikelihood: fac.logMarginalLikelihood,
      x: matJSON(x),
      y: matJSON(Y),
      cholesky: matJSON(fac.cholesky),
      alpha: matJSON(fac.alpha),
    }),
  });
}

/**
 * Fits a Gaussian-process regressor from a kernel function and data (scikit-learn's
 * `GaussianProcessRegressor(kernel, alpha=σ², optimizer=None).fit(X, y)`): K(X, X) + σ²I is factorised once and
 * reused by every prediction.
 *
 * *When to use:* the everyday GP — NNGP or any kernel — with test predictions, standard deviations, the evidence and
 * saving/restoring. For precomputed matrices use {@link gpRegression}.
 *
 * *Gotchas:* `std`/`cov` are for the latent f (noise excluded). When K + σ²I is numerically singular a jitter is added
 * (reported as `jitter`); past `jitter.max` a `NotPositiveDefiniteError` says which σ² or jitter to try. `std` costs
 * kernel evaluations on diagonal blocks of `xTest` only; `cov` evaluates the full K(X*, X*).
 *
 * @example
 * ```ts
 * const kernel = (a: Mat, b?: Mat) => fcKernel(a, b, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1, get: ['nngp'] }).nngp;
 * const gp = gpPredictor({ kernel, x, y, sigma2: 0.01 });
 * const { mean, std } = gp.predict(xTest, { std: true });
 * const restored = gpPredictorFromJSON(JSON.parse(JSON.stringify(gp)), { kernel });
 * ```
 */
export function gpPredictor(options: GpPredictorOptions): GpPredictor {
  const { kernel, x, sigma2, backend = referenceBackend } = options;
  if (!isMat(x)) throw new InvalidArgumentError('x must be a Mat [n, d] of training inputs (e.g. fromRows([[…], …]))');
  assertFinite(x, 'x');
  const Y = targetMatrix(options.y, x.rows);
  const K = callKernel(kernel, x, undefined, 'x');
  const fac = gpFactorize(K, Y, sigma2, backend, options.jitter);
  return makePredictor(kernel, x, Y, sigma2, fac, backend);
}

function readMat(v: unknown, name: string): Mat {
  const m = v as MatJSON | undefined;
  if (
    !m ||
    typeof m !== 'object' ||
    !Number.isInteger(m.rows) ||
    !Number.isInteger(m.cols) ||
    !Array.isArray(m.data) ||
    m.data.length !== m.rows * m.cols
  )
    throw new InvalidArgumentError(
      `GP predictor JSON: '${name}' is not a matrix { rows, cols, data } with rows·cols numbers; pass what toJSON() produced`,
    );
  const data = Float64Array.from(m.data);
  assertFinite(data, name);
  return { rows: m.rows, cols: m.cols, data };
}

/**
 * Restores a {@link GpPredictor} saved with `toJSON()` (or `JSON.stringify`): the stored Cholesky factor and weights
 * are reused, so predictions are bit-identical to the original's. The kernel function is not serialisable: give the
 * same one again.
 */
export function gpPredictorFromJSON(
  json: GpPredictorJSON | string,
  options: { kernel: KernelFn; backend?: ComputeBackend },
): GpPredictor {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<GpPredictorJSON> | null;
  if (!j || j.format !== 'sftdl.gp-predictor' || j.version !== 1)
    throw new InvalidArgumentError(
      `not a saved GP predictor (format '${String(j?.format)}', version ${String(j?.version)}); expected format 'sftdl.gp-predictor' version 1 from gpPredictor(…).toJSON()`,
    );
  const x = readMat(j.x, 'x'),
    Y = readMat(j.y, 'y'),
    L = readMat(j.cholesky, 'cholesky'),
    alpha = readMat(j.alpha, 'alpha');
  const n = x.rows;
  if (Y.rows !== n || L.rows !== n || L.cols !== n || alpha.rows !== n || alpha.cols !== Y.cols)
    throw new ShapeError(
      `GP predictor JSON: inconsistent shapes (x [${x.rows}, ${x.cols}], y [${Y.rows}, ${Y.cols}], cholesky [${L.rows}, ${L.cols}], alpha [${alpha.rows}, ${alpha.cols}])`,
    );
  for (const k of ['sigma2', 'jitter', 'logMarginalLikelihood'] as const)
    if (typeof j[k] !== 'number' || !Number.isFinite(j[k]))
      throw new InvalidArgumentError(`GP predictor JSON: '${k}' must be a finite number, got ${String(j[k])}`);
  const fac: GpFactorization = {
    cholesky: L,
    jitter: j.jitter as number,
    alpha,
    logMarginalLikelihood: j.logMarginalLikelihood as number,
  };
  return makePredictor(options.kernel, x, Y, j.sigma2 as number, fac, options.backend ?? referenceBackend);
}

/** Restores a saved predictor: the same as {@link gpPredictorFromJSON}. */
gpPredictor.fromJSON = gpPredictorFromJSON;
