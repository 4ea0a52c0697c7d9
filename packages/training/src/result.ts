import type { Mat } from '@sftdl/compute';
import type { LangevinMethod } from './options';

/** Histogram of the per-neuron teacher overlaps qᵢ = wᵢ·ŵ* pooled over chains, samples and neurons. */
export interface OverlapHistogram {
  /** Bin edges, length bins + 1. */
  edges: number[];
  counts: number[];
  /** −log p(q) per bin with p the normalised density (counts/(total·width)); null for empty bins. */
  negLogP: (number | null)[];
  underflow: number;
  overflow: number;
  total: number;
}

/** Result of a sampling run. All averages are over recorded samples and chains. */
export interface LangevinResult {
  /**
   * Train mean-squared discrepancy: mean over training points (and outputs) of (y − f̄)², f̄ the posterior-mean
   * (ensemble) predictor. Estimated without the O(1/ESS) upward bias of the plug-in value: the Monte Carlo variance
   * of f̄ (between-chain variance / chains) is subtracted per point (needs ≥ 2 chains; see `trainMseRaw`).
   */
  trainMse: number;
  /** The plug-in value mean (y − f̄_MC)² (biased upward by the Monte Carlo variance of f̄_MC). */
  trainMseRaw: number;
  /** Posterior average of the per-sample training MSE ⟨mean_μ (y − f)²⟩ (≥ trainMse). */
  trainMseSamples: number;
  /** Test analogues of trainMse (bias-corrected), trainMseRaw and trainMseSamples. */
  testMse?: number;
  testMseRaw?: number;
  testMseSamples?: number;
  /** f̄ on the training inputs, [n, outputs]. */
  meanPrediction: Mat;
  /**
   * Monte Carlo standard error of each entry of the mean predictor: the larger of the between-chain estimate and a
   * batch-means estimate (8 consecutive batches per chain), so it is defined with one chain and has C·8 − 1 degrees
   * of freedom rather than C − 1.
   */
  meanPredictionStdError: Mat;
  meanPredictionTest?: Mat;
  /** Monte Carlo standard error of each entry of {@link meanPredictionTest} (as {@link meanPredictionStdError}). */
  meanPredictionTestStdError?: Mat;
  /**
   * (1/N)Σᵢ⟨wᵢwᵢᵀ⟩ ([d, d]) and its eigenvalues, descending (models with a first layer). Averaged over every step
   * after burn-in (not only the thinned recorded samples).
   */
  weightCov?: Mat;
  weightCovEigenvalues?: number[];
  /** Monte Carlo standard errors of {@link weightCovEigenvalues} (between-chain, delta method; needs ≥ 2 chains). */
  weightCovEigenvaluesStdError?: number[];
  overlapHistogram?: OverlapHistogram;
  /** He₁ and He₃ coefficients of f̄ (E[f̄ He_k(ŵ*·x)]/k!, first output) on train and test inputs. */
  hermite?: { train: { he1: number; he3: number }; test?: { he1: number; he3: number } };
  /** Fourier magnitudes ⟨|w_k|²⟩, ⟨|v_k|²⟩, ⟨|w_k|²|v_k|²⟩, k = 0..p−1 (non-unitary convention). */
  fourier?: { w2: number[]; v2: number[]; w2v2: number[] };
  diagnostics: Diagnostics;
  /**
   * How the run was computed: `batched` (all chains through one GEMM per layer via `Model.lossGradBatch`),
   * `elementwise` ('native' when the backend has fused `readout`/`activate` kernels, e.g. openblas; 'wasm' for the
   * reference backends, whose kernels run erf with one output in WebAssembly and other activations in TypeScript,
   * with the same values; else 'typescript'),
   * `preconditioner` ('dense' once the Gauss–Newton preconditioner was set, else 'diagonal'), the backend, `update`
   * (the batched diagonal Langevin update: 'native' when the backend has a fused `langevinUpdate`, else 'typescript')
   * `noise` (the Langevin noise stream: 'native' when the backend generates it, else Philox blocks in 'wasm' or
   * 'typescript' and the transform in TypeScript; the same numbers every way) and `noiseStream` (its version).
   */
  engine: {
    batched: boolean;
    elementwise: 'native' | 'wasm' | 'typescript';
    preconditioner: 'dense' | 'diagonal';
    backend: string;
    precision: string;
    update: 'native' | 'typescript';
    noise: 'native' | 'wasm' | 'typescript';
    noiseStream: number;
  };
  /** The integrator used. */
  method: LangevinMethod;
  stepSize: number;
  /**
   * Predicted relative bias of posterior variances along the stiffest direction for the step used (λ̂ from
   * power iteration on the preconditioned Gauss–Newton matrix at every chain's state at the last step-size
   * estimate): 'euler' ηλ̂_max/2 (exact for a Gaussian mode); 'lm' (ηλ̂_lik/2)² with λ̂_lik the root mean square
   * over chains of the likelihood curvature — the second-order term driven by the likelihood (the Gaussian prior part
   * is integrated exactly); 'mala' 0 (Metropolis-corrected). An estimate, not a bound: checked against HMC and MALA
   * in the tests.
   */
  predictedBias: number;
  /** The tolerance the automatic step was chosen for ({@link LangevinOptions.biasTolerance}). */
  biasTolerance: number;
  /** MALA acceptance rate after burn-in. */
  acceptanceRate?: number;
  samples: number;
  chains: number;
  /** Steps run per chain (burn-in included); with `targetRelativeError`, where the run stopped. */
  steps: number;
  burnIn: number;
  thin: number;
  /**
   * With {@link LangevinOptions.targetRelativeError}: the target, the largest relative standard error at the stop
   * (see `relativeError`), whether it was reached before the step cap, and the cap.
   */
  precision?: { target: number; relativeError: number; reached: boolean; maxSteps: number };
}

/** Convergence diagnostics of a run. */
export interface Diagnostics {
  /** Largest split-R̂ over the tracked scalars. */
  rhat: number;
  /** Largest integrated autocorrelation time over the tracked scalars, in steps. */
  tauInt: number;
  /** Smallest effective sample size (all chains). */
  ess: number;
  perObservable: Record<string, { rhat: number; tauInt: number; ess: number; chainMeans: number[] }>;
  /** Overlap-histogram stationarity (first vs second half of the sampling phase). */
  stationarity?: { chi2PerDof: number; dof: number; stationary: boolean };
  /** Largest deviation of a chain mean from the pooled mean, in standard errors, and the observable. */
  chainDisagreement: { observable: string; maxDeviationSigma: number; disagree: boolean };
  /** Euler–Maruyama only: ηλ̂_max/2 at the final state, the relative variance error along the stiffest direction. */
  eulerBias?: number;
  warnings: string[];
}

/** Batches per chain of the batch-means standard errors. */
export const BATCHES = 8;

/**
 * Ensemble mean over chains of per-chain running sums and its Monte Carlo standard error: `se` between-chain (NaN
 * with one chain), `seReported` the larger of that and the batch-means estimate over the C·B per-chain batches
 * (more degrees of freedom than C chains alone; conservative where batches are shorter than the autocorrelation).
 */
export function meanAndError(
  sums: Float64Array,
  C: number,
  m: number,
  S: number,
  batches: Float64Array,
  counts: Float64Array,
): { mean: Float64Array; se: Float64Array; seReported: Float64Array } {
  const mean = new Float64Array(m),
    se = new Float64Array(m);
  for (let c = 0; c < C; c++) for (let k = 0; k < m; k++) mean[k]! += sums[c * m + k]! / (S * C);
  if (C > 1) {
    for (let c = 0; c < C; c++) for (let k = 0; k < m; k++) se[k]! += (sums[c * m + k]! / S - mean[k]!) ** 2 / ((C - 1) * C);
    for (let k = 0; k < m; k++) se[k] = Math.sqrt(se[k]!);
  } else se.fill(NaN);
  // batch means: weighted by batch size, variance of the grand mean Σ n_b² (m_b − m̄)² / (Σ n_b)² · B'/(B' − 1)
  const used = [...counts].filter((q) => q > 0).length * C;
  const seReported = new Float64Array(m);
  if (used > 1) {
    for (let c = 0; c < C; c++)
      for (let b = 0; b < BATCHES; b++) {
        const nb = counts[b]!;
        if (nb === 0) continue;
        const o = (c * BATCHES + b) * m;
        for (let k = 0; k < m; k++) seReported[k]! += (batches[o + k]! - nb * mean[k]!) ** 2;
      }
    const tot = S * C;
    for (let k = 0; k < m; k++) {
      const sb = Math.sqrt((seReported[k]! / (tot * tot)) * (used / (used - 1)));
      seReported[k] = C > 1 ? Math.max(sb, se[k]!) : sb;
    }
  } else seReported.set(se);
  return { mean, se, seReported };
}

/**
 * mean_k (y_k − f̄_k)²: `raw` is the plug-in value; `corrected` subtracts the Monte Carlo variance se_k² of the
 * estimated f̄_k (between-chain), which makes it unbiased for the exact posterior mean (clamped at 0; equals raw
 * with one chain).
 */
export function mse(y: Float64Array, fb: { mean: Float64Array; se: Float64Array }): { raw: number; corrected: number } {
  const m = fb.mean.length;
  if (m === 0) return { raw: 0, corrected: 0 };
  let raw = 0,
    corr = 0;
  for (let k = 0; k < m; k++) {
    const e2 = (y[k]! - fb.mean[k]!) ** 2;
    raw += e2 / m;
    corr += (e2 - (Number.isFinite(fb.se[k]!) ? fb.se[k]! ** 2 : 0)) / m;
  }
  return { raw, corrected: Math.max(0, corr) };
}
