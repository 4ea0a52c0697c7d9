import { type ComputeBackend, InvalidArgumentError, type Mat, ShapeError, assertFinite, referenceBackend } from '@sftdl/compute';
import { type TrainEigen, flowFactors, flowPosterior, spectralMatrix } from './flow';
import type { GpPredictOptions, GpPrediction } from './predictor';
import { type Targets, isMat, kernelDiagonal, targetMatrix } from './targets';

/** A kernel function returning both infinite-width kernels, e.g. `net.kernel` of a `serial(…)` network. */
export type NngpNtkKernelFn = (x1: Mat, x2?: Mat) => { nngp: Mat; ntk: Mat };

/** Options of {@link ntkEnsemblePredictor}. */
export interface NtkEnsembleOptions {
  /** K and Θ as a function: `net.kernel` of a `serial(…)` network, or `(a, b) => fcKernel(a, b, {…})`. */
  kernel: NngpNtkKernelFn;
  /** Training inputs [n, d]. */
  x: Mat;
  /** Training targets: length n, or [n, k] (a `Mat` or rows), k independent outputs sharing the kernels. */
  y: Targets;
  /**
   * Diagonal regulariser added to the training Gram matrices (default 0). Relative to the mean diagonal of each
   * matrix (neural-tangents' `diag_reg` with `diag_reg_absolute_scale=False`) unless `diagRegAbsolute` is set.
   */
  diagReg?: number;
  /** Take `diagReg` in absolute units (a noise variance σ²) instead (default false). */
  diagRegAbsolute?: boolean;
  /** Learning rate η of gradient flow on the summed loss ½‖f(X) − Y‖² (default 1); only η·t matters. */
  learningRate?: number;
  backend?: ComputeBackend;
}

/** What {@link NtkEnsemblePredictor.predict} computes. */
export interface EnsemblePredictOptions extends GpPredictOptions {
  /**
   * 'ntk' (default): the ensemble of networks trained with gradient descent (all layers, linearised, NTK Θ);
   * 'nngp': only the readout trained — the Bayesian posterior at t = ∞.
   */
  get?: 'nngp' | 'ntk';
  /** Training time t ≥ 0 (default Infinity); t = 0 is the prior (mean 0, covariance K). */
  time?: number;
}

/** The NTK/NNGP ensemble predictor made by {@link ntkEnsemblePredictor}. */
export interface NtkEnsemblePredictor {
  readonly x: Mat;
  /** Targets [n, k]. */
  readonly y: Mat;
  /** The regularised training Gram matrices (computed once). */
  readonly nngpTrain: Mat;
  readonly ntkTrain: Mat;
  /**
   * Mean [m, k] and, asked with `std: true` / `cov: true`, the standard deviation / covariance over random
   * initialisations of the infinitely wide network at the rows of `xTest`, after training time `time`.
   */
  predict<const O extends EnsemblePredictOptions = Record<never, never>>(xTest: Mat, options?: O): GpPrediction<O>;
  /**
   * Mean outputs [n, k] on the training inputs at time t: Θ(X, X)·T·Y, which is V diag(1 − e^{−ηλt}) Vᵀ Y without
   * a regulariser (with one, the training kernel in front is the unregularised one, as for a test input).
   */
  trainMean(options?: { get?: 'nngp' | 'ntk'; time?: number }): Mat;
}

function regularise(k: Mat, reg: number, absolute: boolean): Mat {
  const n = k.rows;
  if (reg === 0) return k;
  let tr = 0;
  for (let i = 0; i < n; i++) tr += k.data[i * n + i]!;
  const add = absolute ? reg : (reg * tr) / Math.max(n, 1);
  const data = Float64Array.from(k.data);
  for (let i = 0; i < n; i++) data[i * n + i]! += add;
  return { rows: n, cols: n, data };
}

function kernels(fn: NngpNtkKernelFn, a: Mat, b: Mat | undefined, what: string): { nngp: Mat; ntk: Mat } {
  if (typeof fn !== 'function')
    throw new InvalidArgumentError('kernel must be a function (x1, x2?) => { nngp, ntk }, e.g. net.kernel of serial(…)');
  const r = b === undefined ? fn(a) : fn(a, b);
  const cols = (b ?? a).rows;
  for (const kind of ['nngp', 'ntk'] as const) {
    const k = (r as Partial<Record<string, Mat>> | undefined)?.[kind];
    if (!isMat(k) || k.rows !== a.rows || k.cols !== cols)
      throw new ShapeError(
        `kernel(${what}).${kind} is ${isMat(k) ? `[${k.rows}, ${k.cols}]` : 'missing'}, expected a Mat [${a.rows}, ${cols}]; the kernel function must return both { nngp, ntk } (do not restrict get)`,
      );
    assertFinite(k, `kernel(${what}).${kind}`);
  }
  return r;
}

/**
 * The infinite-width ensemble predictor of neural-tangents' `gradient_descent_mse_ensemble(kernel_fn, x, y)`: the
 * mean and covariance, over random initialisations, of infinitely wide networks trained by gradient flow on MSE,
 * at any time t and at t = ∞. With `get: 'ntk'` all layers train (NTK Θ); with `get: 'nngp'` only the readout does,
 * and at t = ∞ the result is the NNGP posterior (Bayesian inference).
 *
 * μ_t(x*) = Θ(x*, X) Θ⁻¹(I − e^{−ηΘt}) Y, Σ_t = K** + A K Aᵀ − A K(X, X*) − K(X*, X) Aᵀ with A = Θ(x*, X) Θ⁻¹(I − e^{−ηΘt})
 * (Lee et al. 2019; Θ → K for `'nngp'`, where Σ_t = K** − K*X K⁻¹(I − e^{−2ηKt}) K_X*). A diagonal regulariser
 * enters both training Gram matrices (so at t = ∞ the NNGP case is the GP posterior with that noise).
 *
 * *When to use:* theory predictions of wide networks along training without forming the matrices yourself.
 * *Gotchas:* the time scale is that of the summed loss ½‖f(X) − Y‖²: neural-tangents averages its loss over the
 * n·k target entries, so its `t` is this `time` × n·k. t = ∞ needs a non-singular training kernel (or `diagReg`).
 * Each Gram matrix is eigendecomposed once, on first use, and reused for every time and test set.
 *
 * @example
 * ```ts
 * const net = serial(dense({ sigmaW2: 2, width: 512 }), reluLayer(), dense({ sigmaW2: 2 }));
 * const ens = ntkEnsemblePredictor({ kernel: net.kernel, x, y, diagReg: 1e-4 });
 * const { mean, cov } = ens.predict(xTest, { get: 'ntk', time: 100, cov: true });
 * ```
 */
export function ntkEnsemblePredictor(options: NtkEnsembleOptions): NtkEnsemblePredictor {
  const { kernel, x, diagReg = 0, diagRegAbsolute = false, learningRate = 1, backend = referenceBackend } = options;
  if (!isMat(x)) throw new InvalidArgumentError('x must be a Mat [n, d] of training inputs (e.g. fromRows([[…], …]))');
  assertFinite(x, 'x');
  if (!(diagReg >= 0) || !Number.isFinite(diagReg))
    throw new InvalidArgumentError(`diagReg must be a finite number ≥ 0, got ${diagReg}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    throw new InvalidArgumentError(`learningRate must be a finite number > 0, got ${learningRate}`);
  const Y = targetMatrix(options.y, x.rows);
  const train = kernels(kernel, x, undefined, 'x');
  const K = regularise(train.nngp, diagReg, diagRegAbsolute);
  const Theta = regularise(train.ntk, diagReg, diagRegAbsolute);
  const eigs: Partial<Record<'nngp' | 'ntk', TrainEigen>> = {};
  const eigen = (get: 'nngp' | 'ntk'): TrainEigen => (eigs[get] ??= backend.eigh(get === 'ntk' ? Theta : K));
  const checkGet = (get: unknown): 'nngp' | 'ntk' => {
    if (get !== 'nngp' && get !== 'ntk') throw new InvalidArgumentError(`get must be 'nngp' or 'ntk', got '${String(get)}'`);
    return get;
  };

  const predict = (xTest: Mat, o: EnsemblePredictOptions = {}): GpPrediction => {
    const get = checkGet(o.get ?? 'ntk');
    const time = o.time ?? Infinity;
    if (!isMat(xTest)) throw new InvalidArgumentError('xTest must be a Mat [m, d] (e.g. fromRows([[…], …]))');
    if (xTest.cols !== x.cols) throw new ShapeError(`xTest has ${xTest.cols} features but the training inputs have ${x.cols}`);
    const eig = eigen(get);
    const { g } = flowFactors(eig.values, time, learningRate, get === 'ntk' ? 'NTK' : 'NNGP');
    const cross = kernels(kernel, xTest, x, 'xTest, x');
    const test = o.cov
      ? { full: kernels(kernel, xTest, undefined, 'xTest').nngp }
      : o.std
        ? { diag: kernelDiagonal((a) => kernels(kernel, a, undefined, 'xTest').nngp, xTest) }
        : undefined;
    const post = flowPosterior(
      {
        T: spectralMatrix(eig, g, backend),
        Y,
        trainCross: get === 'ntk' ? cross.ntk : cross.nngp,
        ...(test ? { priorTrain: K, priorCross: cross.nngp, priorTest: test } : {}),
      },
      backend,
    );
    const out: GpPrediction = { mean: post.mean };
    if (o.std && post.variance) out.std = post.variance.map((v) => Math.sqrt(Math.max(v, 0)));
    if (o.cov && post.covariance) out.cov = post.covariance;
    return out;
  };

  return Object.freeze({
    x,
    y: Y,
    nngpTrain: K,
    ntkTrain: Theta,
    predict: predict as NtkEnsemblePredictor['predict'],
    trainMean(o: { get?: 'nngp' | 'ntk'; time?: number } = {}): Mat {
      const get = checkGet(o.get ?? 'ntk');
      const eig = eigen(get);
      const { g } = flowFactors(eig.values, o.time ?? Infinity, learningRate, get === 'ntk' ? 'NTK' : 'NNGP');
      // the unregularised train kernel times T Y: V diag(1 − e^{−ηλt}) Vᵀ Y without a regulariser
      const TY = backend.matmul(spectralMatrix(eig, g, backend), Y);
      return backend.matmul(get === 'ntk' ? train.ntk : train.nngp, TY);
    },
  });
}
