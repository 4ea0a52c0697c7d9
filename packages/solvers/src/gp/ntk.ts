import { type ComputeBackend, type Mat, ShapeError, assertFinite, referenceBackend } from '@sftdl/compute';
import { flowFactors, flowPosterior, spectralMatrix } from './flow';
import { isMat, targetMatrix } from './targets';

/** Options of {@link ntkPredictor}. */
export interface NtkPredictorOptions {
  /** NTK on the training inputs Θ(X, X), [n, n]. */
  ntk: Mat;
  /** Training targets: a vector of length n, or a `Mat` [n, k] of k independent outputs. */
  y: ArrayLike<number> | Mat;
  /** Θ(X*, X), [m, n]. */
  ntkCross?: Mat;
  /** Training time t ≥ 0 (default Infinity). */
  time?: number;
  /** Learning rate η of gradient flow on ½‖f(X) − y‖² (default 1). */
  learningRate?: number;
  /** NNGP K(X, X), K(X*, X) and K(X*, X*) (or its diagonal): the covariance over initialisations is returned. */
  nngp?: Mat;
  nngpCross?: Mat;
  nngpTest?: Mat;
  nngpTestDiag?: ArrayLike<number>;
  backend?: ComputeBackend;
}

/**
 * Result of {@link ntkPredictor}. `V` is `Float64Array` for a vector y and `Mat` ([n, k] / [m, k]) for a matrix y.
 */
export interface NtkPredictorResult<V = Float64Array> {
  /** Mean train outputs V diag(1 − e^{−ηλt}) Vᵀ y. */
  trainMean: V;
  /** Mean test outputs Θ*X Θ⁻¹(I − e^{−ηΘt}) y. */
  testMean?: V;
  /** Covariance over initialisations at the test inputs (with `nngp`, `nngpCross` and `nngpTest`). */
  testCovariance?: Mat;
  /** Its diagonal (with `nngpTest` or `nngpTestDiag`). */
  testVariance?: Float64Array;
  /** Eigenvalues of Θ(X, X) (ascending). */
  eigenvalues: Float64Array;
}

type OutputOf<O extends { y: unknown }> = 0 extends 1 & O['y'] ? Float64Array : O['y'] extends Mat ? Mat : Float64Array;

/** The result of {@link ntkPredictor} for options `O`, with the fields the options guarantee typed as present. */
export type NtkPredictorResultOf<O extends NtkPredictorOptions> = NtkPredictorResult<OutputOf<O>> &
  (O extends { ntkCross: Mat } ? { testMean: OutputOf<O> } : unknown) &
  (O extends { ntkCross: Mat; nngp: Mat; nngpCross: Mat; nngpTest: Mat }
    ? { testCovariance: Mat; testVariance: Float64Array }
    : O extends { ntkCross: Mat; nngp: Mat; nngpCross: Mat; nngpTestDiag: ArrayLike<number> }
      ? { testVariance: Float64Array }
      : unknown);

/**
 * Lazy (linearised) gradient-flow predictor of an infinitely wide network in the NTK eigenbasis, at finite t or
 * t = ∞: μ_t(x) = Θ(x, X) Θ⁻¹(I − e^{−ηΘt}) y and, with the NNGP kernel K, the covariance over initialisations
 * Σ_t = K(x,x′) + Θ_x T K_XX T Θ_x′ − (Θ_x T K_Xx′ + K_xX T Θ_x′), T = Θ⁻¹(I − e^{−ηΘt}) (Lee et al. 2019).
 *
 * *When to use:* NTK predictions along training time from precomputed matrices; from a kernel function and data,
 * {@link ntkEnsemblePredictor} does the same in one call (and the NNGP/Bayesian case). *Gotchas:* t = ∞ needs Θ(X, X)
 * non-singular; at finite t the factor (1 − e^{−ηλt})/λ is evaluated with expm1 (stable for small λ). A `Mat` y
 * [n, k] gives `trainMean`/`testMean` as `Mat`s; the covariance is shared by the outputs.
 * @example
 * ```ts
 * const r = ntkPredictor({ ntk: Theta, y, ntkCross: ThetaStar, time: 10 });
 * ```
 */
export function ntkPredictor<const O extends NtkPredictorOptions>(options: O): NtkPredictorResultOf<O> {
  const {
    ntk,
    ntkCross,
    time = Infinity,
    learningRate = 1,
    nngp,
    nngpCross,
    nngpTest,
    nngpTestDiag,
    backend = referenceBackend,
  } = options;
  const n = ntk.rows;
  const matrixY = isMat(options.y);
  const yLength = isMat(options.y) ? options.y.rows : options.y.length;
  if (ntk.rows !== yLength || ntk.cols !== yLength)
    throw new ShapeError(`ntk must be [${yLength}, ${yLength}] (one row per target), got [${ntk.rows}, ${ntk.cols}]`);
  const Y = targetMatrix(isMat(options.y) ? options.y : Float64Array.from(options.y), n);
  assertFinite(ntk, 'ntk');
  const eig = backend.eigh(ntk);
  const { g, h } = flowFactors(eig.values, time, learningRate, 'NTK');
  const out = (v: Mat): Float64Array | Mat => (matrixY ? v : v.data.slice());
  const trainMean = backend.matmul(spectralMatrix(eig, h, backend), Y);
  const res: NtkPredictorResult<Float64Array | Mat> = { trainMean: out(trainMean), eigenvalues: eig.values };
  if (ntkCross) {
    const covInputs = nngp && nngpCross && (nngpTest || nngpTestDiag);
    const post = flowPosterior(
      {
        T: spectralMatrix(eig, g, backend),
        Y,
        trainCross: ntkCross,
        ...(covInputs
          ? {
              priorTrain: nngp,
              priorCross: nngpCross,
              priorTest: nngpTest ? { full: nngpTest } : { diag: nngpTestDiag ?? [] },
            }
          : {}),
      },
      backend,
    );
    res.testMean = out(post.mean);
    if (post.covariance) res.testCovariance = post.covariance;
    if (post.variance) res.testVariance = post.variance;
  }
  return res as NtkPredictorResultOf<O>;
}
