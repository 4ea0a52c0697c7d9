import type { Mat } from '@sftdl/compute';
import type { Key } from '@sftdl/field';
import type { SamplerState } from './checkpoint';
import type { Model } from './models';

/** The integrators of {@link LangevinSampler} (see {@link LangevinOptions.method}). */
export type LangevinMethod = 'lm' | 'euler' | 'mala';

/** The integrators, as a runtime list (CLI validation). */
export const LANGEVIN_METHODS: readonly LangevinMethod[] = ['lm', 'euler', 'mala'];

/** How the loss is normalised in natural coordinates; every choice samples the same posterior (README). */
export type LossConvention = 'half-sum' | 'sum' | 'mean';

/** Options of {@link LangevinSampler}. */
export interface LangevinOptions {
  model: Model;
  /** Training inputs [n, d] and targets [n, outputs]. n = 0 samples the prior. */
  x: Mat;
  y: Mat;
  xTest?: Mat;
  yTest?: Mat;
  /** σ² before χ rescaling; the likelihood is exp(−Σ(f−y)²/(2σ²/χ)) with χ = model.chi. */
  sigma2: number;
  /** Root key; chain c uses keys split from it (init and per-step noise fold(chainKey, step)). */
  key: Key;
  /** Total number of steps per chain, burn-in included. */
  steps: number;
  /**
   * Run until the Monte Carlo error is small instead of a fixed length: `steps` becomes the cap, and the run stops at
   * the first check point (every `checkEvery` steps from `minSteps` on) where the largest relative standard error —
   * over the weight-covariance eigenvalues (`weightCovEigenvaluesStdError`/eigenvalue) and the mean predictions
   * (`meanPredictionStdError`, train and test, relative to the root mean square of the predictions) — is at most
   * this. Checks use only the sampler state at fixed steps, so results stay bit-identical for any worker count or
   * batch split and across resumes. `result().precision` says whether the target was reached.
   */
  targetRelativeError?: number;
  /** First precision check (default min(steps, 60000)). */
  minSteps?: number;
  /** Steps between precision checks (default 12000). */
  checkEvery?: number;
  /** Steps discarded before recording (default steps/4, rounded down). */
  burnIn?: number;
  /** Record every `thin`-th state after burn-in (default: max(1, min(10, ⌊(steps − burnIn)/1000⌋))). */
  thin?: number;
  /** Number of independent chains (default 4). */
  chains?: number;
  /**
   * Chains advanced together through one batched forward/backward pass (models with `lossGradBatch`, methods
   * 'lm' and 'euler'); default: all chains while n·P·chains ≤ 2²², fewer for large problems. Results are
   * bit-identical for any value (each chain's numbers do not depend on the grouping); it only trades memory for
   * fewer, larger GEMMs.
   */
  chainBatch?: number;
  /**
   * Worker threads for the chains (used by {@link LangevinSampler.runAsync} / `advanceAsync`; `run`/`advance` always
   * compute in the calling thread). Chains are split into contiguous groups, one per worker; between the sampler's
   * synchronisation points (step-size and preconditioner adaptation, checkpoints, progress reports) every group
   * advances independently with exactly the per-chain arithmetic of the single-thread path, so results are
   * bit-identical for any worker count. 'auto' (default): one worker per ⌊chains/8⌋ chains, at most the core count,
   * and only when a chain's products are small (n·N·d ≤ 65536, where the two-layer net uses host loops and the
   * backend's threaded GEMM does not help); 1 otherwise. Workers need a model with `spec` (the two-layer net),
   * method 'lm' or 'euler', training data, no `modulus`, and a backend the worker can rebuild: the reference
   * backend, or any backend given by `workerBackend`; otherwise the chains run in the calling thread.
   */
  workers?: number | 'auto';
  /**
   * URL of a module exporting `provider` (a `BackendProvider`, e.g. `import.meta.resolve('@sftdl/backend-openblas')`)
   * with which worker threads rebuild `model.backend` (same precision, one thread each). Not needed for the reference
   * backend.
   */
  workerBackend?: string;
  /**
   * Step size η in the sampler's coordinates, or 'auto' (default): the largest η whose predicted variance bias
   * (see {@link LangevinResult.predictedBias}) is at most `biasTolerance`, and at most 1/(2λ̂_max) (1/λ̂_max without data).
   */
  stepSize?: number | 'auto';
  /**
   * Only for `method: 'mala'`: initial η = stepSafety/λ̂_max before acceptance-rate adaptation (default 0.5).
   * Ignored by 'lm' and 'euler', whose automatic step is set by `biasTolerance`.
   */
  stepSafety?: number;
  /**
   * Tolerance on the predicted relative variance bias of the automatic step (default 0.01 = 1%). The run warns
   * (diagnostics.warnings) when the predicted bias of the step actually used exceeds it.
   */
  biasTolerance?: number;
  /**
   * The integrator. Default 'lm'.
   * - 'lm' (Leimkuhler–Matthews): θ' = θ − ηM∇U(θ) + √(ηM/2)(ξ_t + ξ_{t+1}). Exact (zero stationary bias, any
   *   η < 2/λ) for Gaussian targets, O(η²) bias otherwise; the prior part of U is Gaussian, so the bias comes from
   *   the likelihood only. Same cost per step as Euler.
   * - 'euler' (Euler–Maruyama): O(η) bias, variances inflated by 1/(1 − ηλ/2).
   * - 'mala' (Metropolis-adjusted): exact, about twice the cost per step; for exactness checks.
   */
  method?: LangevinMethod;
  /**
   * Preconditioner M of the 'lm' and 'euler' updates. 'diagonal': the prior variances (standardised coordinates) or
   * T (natural). 'dense': during burn-in (at burnIn/4 and burnIn/2) M is set to D^{1/2}(G + I)⁻¹D^{1/2}, with D the
   * prior variances and G = D^{1/2}⟨JᵀJ⟩D^{1/2}/κ the Gauss–Newton matrix averaged over the chains, then held fixed.
   * Langevin with any constant M samples the same posterior (and LM stays exact for Gaussian targets), but the
   * data-stiff directions no longer limit the step, so small networks mix 10–100× faster. 'auto' (default): dense
   * for standardised coordinates when P ≤ 256 parameters, n·outputs ≤ 512 and the chains supply enough Jacobian
   * rows to estimate ⟨JᵀJ⟩ (chains·n·outputs ≥ 2P; with fewer, G misses directions the chains later visit and the
   * step can be unstable there); diagonal otherwise.
   */
  preconditioner?: 'diagonal' | 'dense' | 'auto';
  /** 'standardised' (θ = prior_std ⊙ z, default) or 'natural' (θ itself, weight decay T/prior variance). */
  coordinates?: 'standardised' | 'natural';
  /** Loss normalisation used in natural coordinates (sets the temperature); default 'half-sum' (T = σ²/χ). */
  lossConvention?: LossConvention;
  /** Teacher direction w* (length d; normalised internally) for overlaps, −log p(q) and Hermite projections. */
  teacherDirection?: Float64Array;
  /** Number of chains started teacher-aligned (wᵢ·ŵ* = ±alignedOverlap, random signs). Default 0. */
  alignedChains?: number;
  alignedOverlap?: number;
  /** Overlap histogram: bins (default 60) over [−range, range] (default max(1.5, 8 × the prior std of one read-in weight)). */
  overlapBins?: number;
  overlapRange?: number;
  /**
   * Rao–Blackwellised predictions (default 'auto': on when the model exposes `features` with a linear readout and
   * n ≤ 400). Given the other weights the readout is Gaussian, so each recorded sample contributes the exact
   * conditional mean K_Φ(K_Φ + κI)⁻¹y (and conditional variance) instead of f itself: same expectation, much lower
   * Monte Carlo variance. Costs O(n²N + n³) per recorded sample.
   */
  raoBlackwell?: boolean | 'auto';
  /** Modulus p for Fourier-mode observables of the modular net (first layer [N, 2p]). */
  modulus?: number;
  /** Call `onCheckpoint` every this many steps (0 = never). */
  checkpointEvery?: number;
  onCheckpoint?: (state: SamplerState) => void;
  /** Progress callback (every ~5% of the run). */
  onProgress?: (step: number, steps: number) => void;
}

/** FNV-1a over the bytes of doubles: the data part of a run's fingerprint. @internal */
export function fnv(h: number, data: ArrayLike<number>): number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < data.length; i++) {
    f[0] = data[i]!;
    h = Math.imul(h ^ u[0]!, 16777619) >>> 0;
    h = Math.imul(h ^ u[1]!, 16777619) >>> 0;
  }
  return h;
}
