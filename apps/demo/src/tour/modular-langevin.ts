/**
 * Langevin ensembles of the modular-addition network (grokking paper §5, Fig. 3 network side) on the full P² table,
 * compared with the theory at the same P, N, σ_a², γ (first-principles λ normalisation, which is what the network
 * samples). The measured discrepancy is a = ⟨(y − f)·y⟩/⟨y·y⟩ (σ² t̄ = a y, Claim I), Rao–Blackwellised: each recorded
 * state contributes the exact conditional a(W) of its read-in weights (the readout integrated, {@link modularReadoutIntegral}),
 * with per-chain traces for split-R̂, ESS and the standard error, and the per-mode Fourier magnitudes ⟨|w_k|²|v_k|²⟩ against the theory's
 * (1 − ρ)/P² + ρ x₊² (ρ the aligned weight).
 */
import { type ComputeBackend, ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { type Key, fold, uniform } from '@sftdl/field';
import {
  type ModularCavityLaw,
  type ModularEnvironmentCheck,
  type ModularFiniteNSolution,
  type ModularModeOccupation,
  type ModularNetworkAverage,
  type ModularParams,
  type ModularScreenedOccupation,
  type ModularScreenedSolution,
  ModularKernelMoments,
  drawIndices,
  emptyModularModeOccupation,
  modularCavityLaw,
  modularNeuronFeatures,
  modularDegeneracy,
  modularEnvironmentCheck,
  modularModeAmplitude,
  modularModeOccupation,
  modularOnsets,
  modularReadoutIntegral,
  modularSaddles,
  solveModular,
  solveModularFiniteN,
  solveModularFiniteP,
  solveModularScreened,
} from '@sftdl/solvers';
import { modularAddition } from '@sftdl/teachers';
import { type LangevinMethod, LangevinSampler, stateFromJSON, stateToJSON } from '@sftdl/training';
import { Interrupted, interruptRequested, yieldToEventLoop } from './interrupt';
import { type ScalarDiagnostics, traceDiagnostics } from './langevin';
import { modularNet } from './modular-net';
import { FIG3_PARAMS } from './sizes';

/** The paper's ratio σ²_II/σ²_I (Fig. 3, printed λ): the relative width of the mixed phase GMFL-I, kept by the mapping. */
export const FIG3_GMFL_RATIO = (() => {
  const on = modularOnsets(FIG3_PARAMS);
  return (on.gmfl2Onset as number) / on.gmfl1Onset;
})();

/** Scenario parameters of a simulated modular ensemble and how they map to the paper's Fig. 3. */
export interface ModularScenario {
  prime: number;
  width: number;
  /** σ_a², total readout scale (per-weight σ_a²/N). */
  sigmaA2: number;
  gamma: number;
  /** Onsets of the theory at these parameters (first-principles λ). */
  gmfl1Onset: number;
  gmfl2Onset: number;
  /** σ²_II/σ²_I here and in the paper (equal by construction). */
  ratio: number;
  ratioPaper: number;
}

/**
 * Maps the paper's Fig. 3 phase diagram to a small (P, N, γ): σ_a² is chosen so that the mixed phase has the paper's
 * relative width σ²_II/σ²_I (first-principles λ: σ²_II = √(2A/(N s*)) − 12A/γ with A = P²σ_a², s* = 2√(γ/3), while
 * σ²_I = √(2A/(N s*)) − 4σ_a²), so |a| drops from ≈ 1 to ≈ σ²_II/σ²_I across GMFL-I as in the paper. γ is larger than
 * the paper's 10⁻⁴ so that the aligned saddle x₊ ≈ √(3/γ) is within reach of a Langevin run (the paper's x₊ ≈ 173 is
 * 10⁴ prior variances away at P = 401).
 */
export function modularScenario(o: { prime: number; width: number; gamma: number }): ModularScenario {
  const { sStar } = modularDegeneracy(o.gamma);
  const r = FIG3_GMFL_RATIO;
  // pin = √(2A/(N s*)), 12A/γ = (1 − r)·pin (σ_a² ≪ σ² makes the 4σ_a² shift of σ²_I negligible; solved exactly below)
  let A = (((1 - r) * o.gamma) / 12) ** 2 * (2 / (o.width * sStar));
  for (let it = 0; it < 60; it++) {
    // fixed point of (pin − 12A/γ)/(pin − 4A/P²) = r for A
    const pin = Math.sqrt((2 * A) / (o.width * sStar));
    const next = ((pin * (1 - r) + (4 * A * r) / o.prime ** 2) * o.gamma) / 12;
    if (Math.abs(next - A) <= 1e-15 * A) {
      A = next;
      break;
    }
    A = next;
  }
  const sigmaA2 = A / o.prime ** 2;
  const on = modularOnsets(
    { prime: o.prime, width: o.width, sigmaA2, gamma: o.gamma },
    { lambdaNormalization: 'first-principles' },
  );
  if (on.gmfl2Onset === null)
    throw new InvalidArgumentError(`modular scenario: no GMFL-II onset at P = ${o.prime}, N = ${o.width}, γ = ${o.gamma}`);
  return {
    ...o,
    sigmaA2,
    gmfl1Onset: on.gmfl1Onset,
    gmfl2Onset: on.gmfl2Onset,
    ratio: on.gmfl2Onset / on.gmfl1Onset,
    ratioPaper: r,
  };
}

/** How the chains of a run were started. */
export type ModularStart = 'prior' | 'aligned';

/** Per-start summary of one σ² point: chains started from the prior and from the aligned (Fourier) state. */
export interface ModularStartSummary {
  start: ModularStart;
  chains: number;
  /** |a| of these chains alone, with its standard error and split-R̂ among them. */
  a: number;
  aStdError: number;
  rhat: number;
  /** Neuron- and mode-averaged ⟨|w_k|²|v_k|²⟩ of these chains. */
  w2v2: number;
}

/** One simulated σ² point against the theory. */
export interface ModularLangevinRun {
  sigma2: number;
  /** |a| measured (ensemble mean over all chains — both starts — and recorded samples). */
  a: number;
  aStdError: number;
  /** Split-R̂ over all chains (both starts: > 1.05 means the starts have not mixed) and the sampler's scalars. */
  rhat: number;
  /** ESS of a over all chains, or of the sampler's scalars summed over the two independent start groups if smaller. */
  ess: number;
  /** The theory's phase at this σ² (first-principles λ, same P, N, σ_a², γ; P → ∞ phase boundaries). */
  phase: string;
  /** |a| of the finite-P theory (exact single-mode integral, {@link solveModularFiniteP}): the comparison. */
  theoryA: number;
  /** Which theory `theoryA` is: the finite-P one, or the saddle point where the finite-P quadrature refuses (deep GMFL-II, large P). */
  theorySource: 'finite-P' | 'saddle-point';
  /** |a| of the saddle-point (P → ∞) theory at the same parameters. */
  theoryASaddle: number;
  /** |a − theoryA| / aStdError, and whether it is ≤ 3. */
  deviationSe: number;
  withinThreeSe: boolean;
  /**
   * |a| of the finite-N adaptive-kernel theory ({@link solveModularFiniteN}, cavity action: the readout integrated
   * exactly, the neuron's own rank-one term kept; null where its Monte Carlo refused), its Monte Carlo standard error,
   * the deviation |a − theoryFiniteN| in combined standard errors and whether it is ≤ 3 — the comparison at this width.
   */
  theoryFiniteN: number | null;
  theoryFiniteNSe: number | null;
  deviationSeFiniteN: number | null;
  withinThreeSeFiniteN: boolean | null;
  /** ⟨|w_k|²|v_k|²⟩ of the finite-N theory. */
  w2v2TheoryFiniteN: number | null;
  /**
   * The exact network average from the cavity law reweighted to the exact read-in posterior (importance sampling,
   * {@link ModularNetworkAverage}): its |a|, batch standard error (absent when infinite: fewer than two batches carry
   * weight), the Kish effective number of draws, the unweighted independent-neuron average (mean kernel + its
   * fluctuations only), whether the weights are usable (Kish ESS ≥ {@link REWEIGHT_MIN_ESS}), and — only then — the
   * deviation of the network from the reweighted value in combined SE with the 3-SE verdict. All absent where the
   * reweighting did not run (the finite-N solver refused, or P²N > 121·64).
   */
  theoryReweighted?: number;
  theoryReweightedSe?: number;
  reweightEss?: number;
  theoryIndependent?: number;
  reweightUsable?: boolean;
  deviationSeReweighted?: number;
  withinThreeSeReweighted?: boolean;
  /** |a| of the linearised log-det theory (the mean-field decoupling of the full SNR action), when asked for. */
  theoryLogDet?: number | null;
  /**
   * The screened cavity theory ({@link solveModularScreened}: the cavity action plus the other neurons' Gaussian (RPA)
   * response — the reaction term and the stiffness shift — and the network's |a| to second order in the screened kernel
   * fluctuations; or the closure of `screenedClosure`), when asked for (`screenedTheory`; null where it refused): its
   * |a|, Monte Carlo standard error, the deviation of the network in combined SE with the 3-SE verdict, its
   * ⟨|w_k|²|v_k|²⟩, its fluctuation term ⟨a⟩ − a(Q) (so that its a(Q) is theoryScreened − fluctuationScreened) and its
   * fitted screening λ (0: the cavity action, 1: the mean-field action).
   */
  theoryScreened?: number | null;
  theoryScreenedSe?: number | null;
  deviationSeScreened?: number | null;
  withinThreeSeScreened?: boolean | null;
  w2v2TheoryScreened?: number | null;
  fluctuationScreened?: number | null;
  screening?: number | null;
  /**
   * In GMFL-II, where the screened theory was solved: the same theory with the environment's Laplace (non-perturbative)
   * response instead of the second-order reaction ({@link solveModularScreened} `response: 'laplace'`, started from the
   * screened solution; null where it refused): its |a|, Monte Carlo standard error, the deviation of the network in
   * combined SE with the 3-SE verdict, its ⟨|w_k|²|v_k|²⟩, and `withinBracket`: whether the network lies between the
   * two responses (within 3 combined SE of the interval between them). At P = 11 the network lies between them at
   * N = 16 and 32; the Laplace response meets it near N = 64 and is much closer than the second-order one at N = 128.
   */
  theoryLaplace?: number | null;
  theoryLaplaceSe?: number | null;
  deviationSeLaplace?: number | null;
  withinThreeSeLaplace?: boolean | null;
  w2v2TheoryLaplace?: number | null;
  withinBracket?: boolean | null;
  /**
   * Phase coordination between neurons (a collective effect no single-neuron theory has): ⟨a(W̃)⟩ over the recorded
   * read-in blocks with every neuron's Fourier phases redrawn uniformly (magnitudes |w_k|, |v_k| and the DC part kept,
   * {@link randomiseFourierPhases}; every {@link PHASE_STRIDE}-th recorded state, one redraw each), its standard error
   * (from the per-chain means), and `phaseCoordination` = a − aPhasesRandomised (negative: the network's neurons
   * arrange their phases to learn more than independent phases at the same magnitudes would).
   */
  aPhasesRandomised: number;
  aPhasesRandomisedSe: number;
  phaseCoordination: number;
  /** Mean over k = 1…P−1 of ⟨|w_k|²|v_k|²⟩ (neuron average); the finite-P theory's and the saddle-point (1 − ρ)/P² + ρ x₊². */
  w2v2: number;
  w2v2Theory: number;
  w2v2TheorySaddle: number;
  /** Per-mode ⟨|w_k|²|v_k|²⟩, k = 0…P−1 (all chains). */
  w2v2PerMode: number[];
  alignedFractionTheory: number;
  /** The two halves of the ensemble: chains started from the prior and from the aligned Fourier state. */
  starts: ModularStartSummary[];
  /** Whether the two starts agree within 3 combined SE (false: hysteresis, the chains do not mix between branches). */
  startsAgree: boolean;
  steps: number;
  seconds: number;
  stepSize: number;
  equilibrated: boolean;
  diagnostics: ScalarDiagnostics;
  warnings: string[];
  /**
   * How the network's neurons occupy the target modes, where the mode action has a barrier (the finite-P theory's s ≥ √γ;
   * absent in GFL below the spinodal). A (neuron, mode pair) is aligned when |w_k|² and |v_k|² both exceed the barrier
   * x₋ ({@link modularSaddles} at the finite-P s; {@link modeOccupation}), from every {@link PHASE_STRIDE}-th recorded
   * state. `alignedPairs` (with its SE from the per-chain means) against the finite-P theory's aligned mass
   * `alignedPairsTheory` (mean field: modes independent; null where the saddle point stood in); `allPairsAligned`, the
   * fraction of neurons with every pair aligned, against `allPairsIndependent` = alignedPairs^((P−1)/2), what
   * independent modes at the network's fraction would give; `depth`, ⟨|w_k|²|v_k|²⟩ over the aligned pairs only.
   * At the barrier's scale (x₋ ≈ 0.09 at γ = 30, near the prior's 1/P for P ≤ 11) "aligned" is a threshold, not a
   * separate basin. Where the screened theory (and the Laplace response) ran, the same counts of its
   * single-neuron law, over its reweighted samples beyond the same barrier: `alignedPairsScreened`,
   * `allPairsAlignedScreened`, `depthScreened`, `neuronsByPairsScreened`, `depthByPairsScreened` (and `…Laplace`).
   */
  occupation?: {
    barrier: number;
    alignedPairs: number;
    alignedPairsSe: number;
    alignedPairsTheory: number | null;
    allPairsAligned: number;
    allPairsIndependent: number;
    depth: number | null;
    /**
     * Fraction of neurons with n = 0…(P−1)/2 aligned pairs, and the depth of the aligned pairs of those neurons (0 where
     * the class is empty, and at n = 0).
     */
    neuronsByPairs: number[];
    depthByPairs: number[];
    alignedPairsScreened?: number;
    allPairsAlignedScreened?: number;
    depthScreened?: number | null;
    neuronsByPairsScreened?: number[];
    depthByPairsScreened?: number[];
    alignedPairsLaplace?: number;
    allPairsAlignedLaplace?: number;
    depthLaplace?: number | null;
    neuronsByPairsLaplace?: number[];
    depthByPairsLaplace?: number[];
  };
  /** With `environmentCheck`: the network's kernel statistics against the Gaussian environment at this σ². */
  environment?: ModularEnvironmentSummary;
  /** With `cavityCheck`: the exact cavity law over the (N − 1)-neuron network against the environment closures. */
  cavityLaw?: ModularCavityLawSummary;
}

/**
 * The exact cavity law of a neuron at one σ² point ({@link modularCavityLaw}, without the per-sample log-weights): the
 * environment is a Langevin ensemble of the (N − 1)-neuron network at the same σ², ε = σ_a²/N and γ; the single-neuron
 * samples are the N-network's neurons. Each closure's law is the samples reweighted by e^{closure − exact}.
 */
export interface ModularCavityLawSummary extends Omit<ModularCavityLaw, 'logWeights'> {
  /** The environment network: width N − 1, its σ_a² = σ_a²(N − 1)/N, its |a| and convergence. */
  environmentWidth: number;
  environmentSigmaA2: number;
  environmentA: number;
  environmentAStdError: number;
  environmentRhat: number;
  seconds: number;
}

/**
 * The screened theory's Gaussian environment against the network's own kernel statistics at one σ² (option
 * `environmentCheck`); every fluctuation is a contribution to ⟨a⟩ − a(Q) (docs/theory/grokking.md §4.9).
 */
export interface ModularEnvironmentSummary extends ModularEnvironmentCheck {
  /** The network's own ⟨a⟩ − a(Q): its |a| minus a at its mean kernel. */
  fluctuationNetwork: number;
  /** The screened theory (second-order reaction) solved with the network's kernel covariance in place of the RPA's. */
  theoryNetworkCovariance: number | null;
  theoryNetworkCovarianceSe: number | null;
  w2v2TheoryNetworkCovariance: number | null;
  /**
   * That theory's mode occupation beyond the run's barrier (as `occupation`: aligned pairs, all-aligned neurons, depth,
   * and the histogram of aligned pairs per neuron with each class's depth); absent where the mode action has no barrier.
   */
  occupationNetworkCovariance?: ModularScreenedOccupation;
}

/** Options of {@link runModularLangevin}. */
export interface ModularLangevinOptions {
  scenario: ModularScenario;
  /** σ² values (descending order is kept). */
  sigma2: number[];
  /** Chains per σ²: the first ⌈chains/2⌉ start from the prior, the others from the aligned state (alignedChains). */
  chains: number;
  /** Chains started in the aligned Fourier state (every mode k ≠ 0 of every neuron at |w_k|² = |v_k|² = x₊); default ⌊chains/2⌋. */
  alignedChains?: number;
  /** Steps per chain (burn-in included): a deterministic cap; with stopAtTarget the run may stop earlier. */
  maxSteps: number;
  burnIn: number;
  thin: number;
  key: Key;
  backend: ComputeBackend;
  onPoint?: (i: number, run: ModularLangevinRun) => void;
  /**
   * Stop early once split-R̂ ≤ 1.03 and ESS ≥ 150 for a over all chains (checked every 50 recorded samples, so the
   * result depends only on the parameters and the key; default true). false: exactly maxSteps (sweeps).
   */
  stopAtTarget?: boolean;
  /**
   * Networks drawn for the reweighted theory (`theoryReweighted`); default {@link REWEIGHT_DRAWS} where P²N ≤ 121·64
   * (≈ 0.5–2 s a point), 0 (skipped) for larger nets, where each draw costs O(N²P²).
   */
  reweightDraws?: number;
  /** Also solve the linearised log-det theory at each point (≈ 2 s per point at P = 11; default false). */
  logDetTheory?: boolean;
  /**
   * Where to solve the screened cavity theory (`theoryScreened`; ≈ 2–4 min a point at P = 11, refused for P > 23):
   * `gmfl2` at the points the theory places in GMFL-II, `all` everywhere; default `none`.
   */
  screenedTheory?: 'none' | 'gmfl2' | 'all';
  /** The sampler's integrator (default: the sampler's own, Leimkuhler–Matthews `lm`); `mala` is Metropolis-adjusted, exact at any step. */
  method?: LangevinMethod;
  /** The screened theory's closure (its `coupling` and `discrepancy` options); default linear, second-order. */
  screenedClosure?: ScreenedClosure;
  /**
   * At every σ² point: measure the network's own kernel statistics and check the screened theory's Gaussian
   * environment against them (`environment` of the run; {@link modularEnvironmentCheck} with the series of a(K) about
   * the mean kernel, and the screened theory solved with the network's covariance). Kernel moments from every 8th
   * recorded state of each chain, neuron samples from every 64th of those; ≈ 1–2 min a point at P = 11 besides the
   * screened solve (≈ 4 min). Not with a checkpoint.
   */
  environmentCheck?: boolean;
  /**
   * At every σ² point: also run the (N − 1)-neuron network at the same σ², ε = σ_a²/N and γ (same chains and step cap,
   * its own key), whose states are the exact environment of one neuron, and compare the environment closures with the
   * exact cavity law ({@link modularCavityLaw}; the run's `cavityLaw`). About doubles the Langevin time, plus ≈ 30 s
   * (P = 7) to 2 min (P = 11) a point for the comparison. Not with a checkpoint.
   */
  cavityCheck?: boolean;
  /** Only the network (no finite-N, screened or Laplace theory): the cavity check's environment runs. @internal */
  networkOnly?: boolean;
  /** Receives the kernel moments of each σ² point's states (with `environmentCheck` or `cavityCheck`). @internal */
  onMoments?: (i: number, moments: ModularKernelMoments) => void;
  /** Checkpoint store of a single-σ² run (a sweep task's handle): the sampler states and the traces, saved every `everySeconds`. */
  checkpoint?: { load(): string | undefined; save(text: string): void; everySeconds: number };
  onProgress?: (fraction: number) => void;
}

/**
 * Writes one half (w or v) of a neuron at `o`: xₙ = dc + Σ_{k=1}^{(P−1)/2} 2·amp(k)·cos(2πkn/P + 2π·phase(k)), the
 * real signal whose Fourier modes k ≠ 0 have magnitude amp(k) (w_k = P⁻¹Σₙxₙe^{−2πikn/P}) and DC part dc.
 */
function synthesiseHalf(
  out: Float64Array,
  o: number,
  P: number,
  dc: number,
  amp: (k: number) => number,
  phase: (k: number) => number,
): void {
  const H = (P - 1) / 2;
  for (let n = 0; n < P; n++) {
    let v = dc;
    for (let k = 1; k <= H; k++) v += 2 * amp(k) * Math.cos((2 * Math.PI * ((k * n) % P)) / P + 2 * Math.PI * phase(k));
    out[o + n] = v;
  }
}

/**
 * Sets every Fourier mode k = 1…P−1 of both halves of every neuron of θ (read-in block [N, 2P] at offset 0) to
 * |w_k|² = |v_k|² = x with random phases: wₙ = Σ_{k=1}^{(P−1)/2} 2√x cos(2πkn/P + φ_k) (non-unitary convention,
 * w_k = P⁻¹Σₙwₙe^{2πikn/P}). The readout keeps its prior draw.
 */
export function alignFourierModes(theta: Float64Array, N: number, P: number, x: number, phases: ArrayLike<number>): void {
  const amp = Math.sqrt(x);
  const H = (P - 1) / 2;
  for (let i = 0; i < N; i++)
    for (let half = 0; half < 2; half++) {
      const base = (i * 2 + half) * H;
      synthesiseHalf(
        theta,
        i * 2 * P + half * P,
        P,
        0,
        () => amp,
        (k) => phases[(base + k - 1) % phases.length]!,
      );
    }
}

/** Every this many recorded states the phase-randomised a(W̃) is evaluated ({@link ModularLangevinRun.aPhasesRandomised}). */
export const PHASE_STRIDE = 4;

/**
 * A copy of the read-in block W ([N, 2P] row-major, neuron i's w then v) with every neuron's Fourier phases redrawn:
 * each half wₙ = w₀ + Σ_{k=1}^{(P−1)/2} 2|w_k|cos(2πkn/P + φ_k) keeps its DC part w₀ and its magnitudes |w_k|
 * (w_k = P⁻¹Σₙwₙe^{−2πikn/P}) and takes φ_k = 2π·u from `u` (N·2·(P−1)/2 uniforms in [0, 1), used in order).
 */
export function randomiseFourierPhases(w: ArrayLike<number>, N: number, P: number, u: ArrayLike<number>): Float64Array {
  const H = (P - 1) / 2;
  if (u.length < N * 2 * H) throw new RangeError(`randomiseFourierPhases: need ${N * 2 * H} uniforms, got ${u.length}`);
  const out = new Float64Array(N * 2 * P);
  const amp = new Float64Array(H + 1);
  for (let i = 0; i < N; i++)
    for (let half = 0; half < 2; half++) {
      const o = i * 2 * P + half * P;
      let dc = 0;
      for (let n = 0; n < P; n++) dc += w[o + n]!;
      dc /= P;
      for (let k = 1; k <= H; k++) amp[k] = modularModeAmplitude(w, o, k, P);
      const base = (i * 2 + half) * H;
      synthesiseHalf(
        out,
        o,
        P,
        dc,
        (k) => amp[k]!,
        (k) => u[base + k - 1]!,
      );
    }
  return out;
}

/** Counts of {@link modeOccupation} over one or more read-in blocks (they add). */
export type ModeOccupationCounts = ModularModeOccupation;

/**
 * The Fourier-mode occupation of one read-in block W ([N, 2P] row-major, neuron i's w then v): which (neuron, mode
 * pair) pairs sit beyond `barrier` on both axes (|w_k|², |v_k|² > barrier with w_k = P⁻¹Σₙwₙe^{−2πikn/P}, k = 1…(P−1)/2;
 * mode P − k is the conjugate of k), the definition of the finite-P theory's aligned mass ({@link modularModeOccupation},
 * which also counts the screened theory's reweighted samples).
 */
export function modeOccupation(w: ArrayLike<number>, N: number, P: number, barrier: number): ModeOccupationCounts {
  return modularModeOccupation(w, N, P, barrier);
}

/**
 * The finite-N theory at one point, or null where its single-neuron Monte Carlo refuses (P > 61, or an HMC
 * acceptance below 0.5 at large P): the run then reports the finite-P comparison only.
 */
export function finiteNTheory(
  par: ModularParams,
  key: Key,
  correction: 'cavity' | 'log-det' = 'cavity',
  networkDraws = 0,
): ModularFiniteNSolution | null {
  return nullIfRefused(() => solveModularFiniteN(par, { key, correction, networkDraws }));
}

/**
 * The screened theory's closure ({@link solveModularScreened}'s `coupling` and `discrepancy`): how the environment's
 * neurons respond (linear: the stiffness; exact: the Sherman–Morrison coupling) and how ⟨a(K)⟩ is taken (second order
 * about Q, or the screened deterministic equivalent of the resolvent).
 */
export interface ScreenedClosure {
  coupling: 'linear' | 'exact';
  discrepancy: 'second-order' | 'deterministic-equivalent';
}

/** The default closure: the RPA's linear response and ⟨a⟩ to second order. */
export const DEFAULT_SCREENED_CLOSURE: ScreenedClosure = { coupling: 'linear', discrepancy: 'second-order' };

/**
 * The screened cavity theory at one point, or null where it refuses (P > 23, an unstable Gaussian environment, a poor HMC
 * acceptance); with a barrier, its single-neuron law's mode occupation too.
 */
export function screenedTheory(
  par: ModularParams,
  key: Key,
  barrier: number | null = null,
  closure: ScreenedClosure = DEFAULT_SCREENED_CLOSURE,
): ModularScreenedSolution | null {
  return nullIfRefused(() => solveModularScreened(par, { key, ...closure, ...occupationOption(barrier) }));
}

/** The solver option that counts a law's mode occupation beyond the run's barrier (none where there is no barrier). */
function occupationOption(barrier: number | null): { occupationBarrier?: number } {
  return barrier !== null ? { occupationBarrier: barrier } : {};
}

/** The screened theory with the Laplace response, continued from the screened solution `start`, or null where it refuses. */
export function laplaceTheory(
  par: ModularParams,
  key: Key,
  start: ModularScreenedSolution,
  barrier: number | null = null,
  closure: ScreenedClosure = DEFAULT_SCREENED_CLOSURE,
): ModularScreenedSolution | null {
  return nullIfRefused(() =>
    solveModularScreened(par, {
      key,
      response: 'laplace',
      // the Laplace response builds on the RPA's Σ = (C⁻¹ + H)⁻¹: the closure's discrepancy, the linear coupling
      discrepancy: closure.discrepancy,
      start,
      ...occupationOption(barrier),
    }),
  );
}

/**
 * The environment check of one σ² point: the Gaussian environment against the network's kernel statistics, and the
 * screened theory with the network's covariance (continued from the screened solution where there is one); undefined
 * where the check refuses (too few states for a usable covariance).
 */
function environmentSummary(
  par: ModularParams,
  moments: ModularKernelMoments,
  a: number,
  start: ModularScreenedSolution | null,
  key: Key,
  barrier: number | null,
  closure: ScreenedClosure,
): ModularEnvironmentSummary | undefined {
  const c = nullIfRefused(() => modularEnvironmentCheck(moments, par.sigma2, { gaussianDraws: 400, key }));
  if (!c) return undefined;
  const t = nullIfRefused(() =>
    solveModularScreened(par, {
      key: fold(key, 1),
      discrepancy: closure.discrepancy,
      environmentCovariance: moments.covarianceBlocks(),
      ...(start ? { start } : {}),
      ...occupationOption(barrier),
    }),
  );
  return {
    ...c,
    fluctuationNetwork: a - c.aMeanKernel,
    theoryNetworkCovariance: t?.a ?? null,
    theoryNetworkCovarianceSe: t?.aStdError ?? null,
    w2v2TheoryNetworkCovariance: t?.phiPsi ?? null,
    ...(t?.occupation ? { occupationNetworkCovariance: t.occupation } : {}),
  };
}

/** The run's `occupation` from the per-chain counts; null where no state was counted. */
function occupationSummary(
  chains: ModeOccupationCounts[],
  barrier: number,
  P: number,
  theory: number | null,
): NonNullable<ModularLangevinRun['occupation']> | null {
  const used = chains.filter((c) => c.pairs > 0);
  const pairs = used.reduce((s, c) => s + c.pairs, 0);
  if (pairs === 0) return null;
  const aligned = used.reduce((s, c) => s + c.aligned, 0);
  const f = aligned / pairs;
  const per = used.map((c) => c.aligned / c.pairs);
  const se = per.length > 1 ? Math.sqrt(per.reduce((s, x) => s + (x - f) ** 2, 0) / (per.length - 1) / per.length) : Number.NaN;
  return {
    barrier,
    alignedPairs: f,
    alignedPairsSe: se,
    alignedPairsTheory: theory,
    allPairsAligned: used.reduce((s, c) => s + c.allAligned, 0) / used.reduce((s, c) => s + c.neurons, 0),
    allPairsIndependent: f ** ((P - 1) / 2),
    depth: aligned > 0 ? used.reduce((s, c) => s + c.alignedW2v2, 0) / aligned : null,
    ...histogram(used, P),
  };
}

/** Neurons by their number of aligned pairs, and the depth within each class, summed over chains (empty: 0). */
function histogram(counts: ModeOccupationCounts[], P: number): { neuronsByPairs: number[]; depthByPairs: number[] } {
  const H = (P - 1) / 2;
  const by = new Array<number>(H + 1).fill(0),
    w2v2 = new Array<number>(H + 1).fill(0);
  for (const c of counts)
    for (let n = 0; n <= H; n++) {
      by[n]! += c.byPairs[n]!;
      w2v2[n]! += c.alignedW2v2ByPairs[n]!;
    }
  // normalised by the histogram's own total: a run resumed from an older checkpoint counts it from the resume on
  const total = by.reduce((a, b) => a + b, 0);
  return {
    neuronsByPairs: by.map((b) => (total > 0 ? b / total : 0)),
    depthByPairs: by.map((b, n) => (n > 0 && b > 0 ? w2v2[n]! / (n * b) : 0)),
  };
}

/** A theory's solution, or null where it refuses the parameters (InvalidArgumentError) or does not converge. */
function nullIfRefused<T>(solve: () => T): T | null {
  try {
    return solve();
  } catch (e) {
    if (e instanceof InvalidArgumentError || e instanceof ConvergenceError) return null;
    throw e;
  }
}

/** The screened-theory fields of a run (also carried by the width-sweep points). */
export const SCREENED_KEYS = [
  'theoryScreened',
  'theoryScreenedSe',
  'deviationSeScreened',
  'withinThreeSeScreened',
  'w2v2TheoryScreened',
  'fluctuationScreened',
  'screening',
  'theoryLaplace',
  'theoryLaplaceSe',
  'deviationSeLaplace',
  'withinThreeSeLaplace',
  'w2v2TheoryLaplace',
  'withinBracket',
] as const;

/** The keys of `o` that are defined (optional JSON fields stay absent instead of null). */
export function pickDefined<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Fractions of the mapped onsets at which the ensembles run: 1.15σ²_I (GFL), the GMFL-I midpoint, 0.95σ²_II (GMFL-II). */
export function modularSigma2(sc: { gmfl1Onset: number; gmfl2Onset: number }): number[] {
  return [1.15 * sc.gmfl1Onset, (sc.gmfl1Onset + sc.gmfl2Onset) / 2, 0.95 * sc.gmfl2Onset];
}

const CHECK_EVERY = 50;

/**
 * The cavity check at one σ² point: the (N − 1)-neuron network at the same σ², ε and γ (its own key), its states as
 * the environment of the N-network's neurons ({@link modularCavityLaw}; 400 environments × 1000 samples at P > 7).
 */
async function cavitySummary(
  o: ModularLangevinOptions,
  sigma2: number,
  moments: ModularKernelMoments,
  i: number,
): Promise<ModularCavityLawSummary | undefined> {
  const sc = o.scenario;
  const Ne = sc.width - 1;
  const sigmaA2 = (sc.sigmaA2 * Ne) / sc.width;
  let env: ModularKernelMoments | undefined;
  const [r] = await runModularLangevin({
    scenario: { ...sc, width: Ne, sigmaA2 },
    sigma2: [sigma2],
    chains: o.chains,
    ...(o.alignedChains !== undefined ? { alignedChains: o.alignedChains } : {}),
    maxSteps: o.maxSteps,
    burnIn: o.burnIn,
    thin: o.thin,
    key: fold(o.key, 9700 + i),
    backend: o.backend,
    ...(o.method ? { method: o.method } : {}),
    ...(o.stopAtTarget !== undefined ? { stopAtTarget: o.stopAtTarget } : {}),
    reweightDraws: 0,
    networkOnly: true,
    onMoments: (_, m) => {
      env = m;
    },
  });
  if (!r || !env || env.count < 2 || moments.count < 1) return undefined;
  const t0 = performance.now();
  const big = sc.prime > 7;
  // the samples: neurons of the N-network's recorded states, drawn without replacement over (state, neuron)
  const P = sc.prime,
    n = P * P;
  const states = moments.stateWeights();
  const pool = states.length * sc.width;
  const S = Math.min(pool, big ? 1000 : 2000);
  // in time order (the states' order, as drawIndices returns them), for the block jackknife of the standard errors
  const chosen = drawIndices(pool, S, fold(o.key, 9900 + i), 'samples');
  const re = new Float64Array(S * n),
    im = new Float64Array(S * n);
  for (let j = 0; j < S; j++) {
    const st = states[Math.floor(chosen[j]! / sc.width)]!,
      nu = chosen[j]! % sc.width;
    modularNeuronFeatures(st.subarray(nu * 2 * P, (nu + 1) * 2 * P), P, re, im, j * n);
  }
  const law = modularCavityLaw(env, { re, im, count: S }, sigma2, {
    environments: big ? 400 : 600,
    key: fold(o.key, 9800 + i),
  });
  return {
    environmentWidth: Ne,
    environmentSigmaA2: sigmaA2,
    environmentA: r.a,
    environmentAStdError: r.aStdError,
    environmentRhat: r.rhat,
    environmentStates: law.environmentStates,
    neurons: law.neurons,
    w2v2: law.w2v2,
    closures: law.closures,
    meanShift: law.meanShift,
    meanShiftSecondOrder: law.meanShiftSecondOrder,
    reactionSensitivity: law.reactionSensitivity,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Networks drawn for the reweighted theory, and the Kish effective count below which its weights count as degenerate. */
export const REWEIGHT_DRAWS = 4000;
export const REWEIGHT_MIN_ESS = 100;
const STOP_TARGET = { rhat: 1.03, ess: 150 } as const;

/** Runs the ensembles, one per σ² (half the chains from the prior, half from the aligned state), and compares them with the theory. */
export async function runModularLangevin(o: ModularLangevinOptions): Promise<ModularLangevinRun[]> {
  const sc = o.scenario;
  const P = sc.prime;
  const data = modularAddition({ prime: P });
  const out: ModularLangevinRun[] = [];
  const closure = o.screenedClosure ?? DEFAULT_SCREENED_CLOSURE;
  const nAligned = Math.max(0, Math.min(o.chains - 1, o.alignedChains ?? Math.floor(o.chains / 2)));
  const groups = [
    { start: 'prior' as const, chains: o.chains - nAligned },
    ...(nAligned > 0 ? [{ start: 'aligned' as const, chains: nAligned }] : []),
  ];
  // the checks' refusals come before any work
  if ((o.environmentCheck || o.cavityCheck) && o.checkpoint)
    throw new InvalidArgumentError(
      `runModularLangevin: ${o.environmentCheck ? 'environmentCheck' : 'cavityCheck'} does not resume from a checkpoint; run it without one`,
    );
  if (o.cavityCheck && sc.width < 2)
    throw new InvalidArgumentError(
      'runModularLangevin: cavityCheck needs a width of at least 2 (its environment has N − 1 neurons)',
    );
  for (const [i, sigma2] of o.sigma2.entries()) {
    const par = { prime: P, width: sc.width, sigmaA2: sc.sigmaA2, gamma: sc.gamma, sigma2 };
    const th = solveModular(par, { lambdaNormalization: 'first-principles' });
    // the finite-P quadrature refuses very large P or σ² deep in GMFL-II (where the saddle point is accurate): fall back
    let thP: { a: number; s: number; phiPsi: number; alignedMass?: number };
    let theorySource: 'finite-P' | 'saddle-point' = 'finite-P';
    try {
      thP = solveModularFiniteP(par);
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      theorySource = 'saddle-point';
      thP = { a: th.a, s: th.s, phiPsi: (1 - th.alignedFraction) / P ** 2 + th.alignedFraction * (th.xPlus ?? 0) ** 2 };
    }
    const thN = o.networkOnly
      ? null
      : finiteNTheory(
          par,
          fold(o.key, 5000 + i),
          'cavity',
          o.reweightDraws ?? (P * P * sc.width <= 121 * 64 ? REWEIGHT_DRAWS : 0),
        );
    const net = thN?.network;
    const rwOk = net !== undefined && net.essFraction * net.draws >= REWEIGHT_MIN_ESS && Number.isFinite(net.aStdError);
    const thLogDet = o.logDetTheory ? finiteNTheory(par, fold(o.key, 6000 + i), 'log-det') : undefined;
    const wantScreened =
      !o.networkOnly && (o.screenedTheory === 'all' || (o.screenedTheory === 'gmfl2' && th.phase === 'GMFL-II'));
    // the mode action's barrier (where it has one): the network's and the theories' mode occupation are counted beyond it
    const barrier = modularSaddles(thP.s, sc.gamma)?.xMinus ?? null;
    const thS = wantScreened ? screenedTheory(par, fold(o.key, 7000 + i), barrier, closure) : undefined;
    // GMFL-II: the Laplace response too (≈ 5 min a point at P = 11, N = 32), continued from the screened solution
    const thL = thS && th.phase === 'GMFL-II' ? laplaceTheory(par, fold(o.key, 7100 + i), thS, barrier, closure) : undefined;
    const moments =
      (o.environmentCheck || o.cavityCheck || o.onMoments) && P <= 23 ? new ModularKernelMoments(P, sc.width, sc.sigmaA2) : null;
    const model = modularNet({ ...par, backend: o.backend });
    const xAligned = modularSaddles(thP.s, sc.gamma)?.xPlus ?? modularDegeneracy(sc.gamma).xStar;
    const saved = o.checkpoint?.load();
    const resume =
      saved === undefined
        ? undefined
        : (JSON.parse(saved) as {
            samplers: string[];
            traces: number[][][];
            phaseTraces?: number[][][];
            occupation?: ModeOccupationCounts[][];
          });
    const samplers = groups.map((g, gi) => {
      const key = gi === 0 ? fold(o.key, i) : fold(fold(o.key, i), 1000 + gi);
      const m =
        g.start === 'prior'
          ? model
          : {
              ...model,
              init: (k: Key) => {
                const theta = model.init(k);
                alignFourierModes(theta, sc.width, P, xAligned, uniform(fold(k, 7), sc.width * 2 * ((P - 1) / 2)));
                return theta;
              },
            };
      return new LangevinSampler(
        {
          model: m,
          x: data.x,
          y: data.y,
          sigma2,
          key,
          steps: o.maxSteps,
          burnIn: o.burnIn,
          thin: o.thin,
          chains: g.chains,
          modulus: P,
          raoBlackwell: false,
          ...(o.method ? { method: o.method } : {}),
        },
        resume ? stateFromJSON(resume.samplers[gi]!) : undefined,
      );
    });
    const traces: number[][][] = resume?.traces ?? groups.map((g) => Array.from({ length: g.chains }, () => []));
    // the phase-randomised a(W̃) every PHASE_STRIDE-th recorded state (its own key: the sampler's stream is untouched)
    const phaseTraces: number[][][] = resume?.phaseTraces ?? groups.map((g) => Array.from({ length: g.chains }, () => []));
    const kPhase = fold(o.key, 9000 + i);
    // the Fourier-mode occupation per chain, at the same states as the phase redraws (where the mode action has a barrier)
    // (a checkpoint written before the per-neuron histogram lacks it: it counts from the resume on)
    const occupation: ModeOccupationCounts[][] = resume?.occupation
      ? resume.occupation.map((g) => g.map((c) => ({ ...emptyModularModeOccupation(P), ...c })))
      : groups.map((g) => Array.from({ length: g.chains }, () => emptyModularModeOccupation(P)));
    const hMax = (P - 1) / 2;
    const all = () => traces.flat();
    const t0 = performance.now();
    let step = samplers[0]!.state().step,
      lastSave = t0;
    let diag = traceDiagnostics(all(), o.thin);
    for (;;) {
      const to = step < o.burnIn ? Math.min(o.burnIn, step + 50) : step + o.thin;
      for (const [gi, s] of samplers.entries()) {
        s.advance(to);
        if (to >= o.burnIn) {
          const params = s.state().params;
          // Rao–Blackwellised: the readout given the read-in weights is Gaussian, so each recorded state contributes
          // the exact conditional a(W) = σ²Σ_p y_pᵀ(K_W + σ²)⁻¹y_p/Σ|y_p|² instead of ⟨(y − f)·y⟩/⟨y·y⟩ at one readout draw
          for (let c = 0; c < groups[gi]!.chains; c++) {
            const tr = traces[gi]![c]!;
            tr.push(modularReadoutIntegral(params[c]!, sc.width, P, sc.sigmaA2, sigma2).a);
            if (moments && tr.length % 8 === 0) moments.add(params[c]!, moments.count % 64 === 0);
            if ((tr.length - 1) % PHASE_STRIDE === 0) {
              const u = uniform(fold(fold(kPhase, gi * 1000 + c), tr.length), sc.width * 2 * hMax);
              const wr = randomiseFourierPhases(params[c]!, sc.width, P, u);
              phaseTraces[gi]![c]!.push(modularReadoutIntegral(wr, sc.width, P, sc.sigmaA2, sigma2).a);
              if (barrier !== null) modularModeOccupation(params[c]!, sc.width, P, barrier, null, occupation[gi]![c]!);
            }
          }
        }
      }
      step = to;
      await yieldToEventLoop();
      if (interruptRequested()) throw new Interrupted(undefined, `modular Langevin σ² = ${sigma2} at step ${step}`);
      const now = performance.now();
      const len = traces[0]![0]!.length;
      if (o.checkpoint && (now - lastSave) / 1000 > o.checkpoint.everySeconds) {
        o.checkpoint.save(
          JSON.stringify({ samplers: samplers.map((s) => stateToJSON(s.state())), traces, phaseTraces, occupation }),
        );
        lastSave = now;
      }
      o.onProgress?.(step / o.maxSteps);
      if (o.stopAtTarget !== false && len >= CHECK_EVERY && len % CHECK_EVERY === 0) {
        diag = traceDiagnostics(all(), o.thin);
        const d = samplers.map((s) => s.result().diagnostics);
        // the groups' chains are independent: the sampler scalars' ESS of the pooled ensemble is the sum over groups
        const ok = d.every((x) => x.rhat <= STOP_TARGET.rhat) && d.reduce((acc, x) => acc + x.ess, 0) >= STOP_TARGET.ess;
        if (diag.rhat <= STOP_TARGET.rhat && diag.ess >= STOP_TARGET.ess && ok) break;
      }
      if (step >= o.maxSteps) break;
    }
    diag = traceDiagnostics(all(), o.thin);
    const results = samplers.map((s) => s.result());
    const w2v2PerMode = results[0]!.fourier!.w2v2.map(
      (_, k) => results.reduce((acc, r, gi) => acc + r.fourier!.w2v2[k]! * groups[gi]!.chains, 0) / o.chains,
    );
    const modeMean = (v: number[]) => v.slice(1).reduce((p, q) => p + q, 0) / (P - 1);
    const w2v2 = modeMean(w2v2PerMode);
    const rho = th.alignedFraction;
    const w2v2TheorySaddle = (1 - rho) / P ** 2 + rho * (th.xPlus ?? 0) ** 2;
    const rhat = Math.max(diag.rhat, ...results.map((r) => r.diagnostics.rhat));
    const ess = Math.min(
      diag.ess,
      results.reduce((acc, r) => acc + r.diagnostics.ess, 0),
    );
    const starts: ModularStartSummary[] = groups.map((g, gi) => {
      const d = traceDiagnostics(traces[gi]!, o.thin);
      return {
        start: g.start,
        chains: g.chains,
        a: Math.abs(d.mean),
        aStdError: d.se,
        rhat: d.rhat,
        w2v2: modeMean(results[gi]!.fourier!.w2v2),
      };
    });
    // phase-randomised a: mean over all recorded redraws, SE from the spread of the per-chain means
    const chainMeans = phaseTraces
      .flat()
      .filter((t) => t.length > 0)
      .map((t) => t.reduce((x, y) => x + y, 0) / t.length);
    const aPhasesRandomised = chainMeans.reduce((x, y) => x + y, 0) / chainMeans.length;
    const aPhasesRandomisedSe =
      chainMeans.length > 1
        ? Math.sqrt(
            chainMeans.reduce((x, y) => x + (y - aPhasesRandomised) ** 2, 0) / (chainMeans.length - 1) / chainMeans.length,
          )
        : Number.NaN;
    const occNet = barrier !== null ? occupationSummary(occupation.flat(), barrier, P, thP.alignedMass ?? null) : null;
    const sO = thS?.occupation,
      lO = thL?.occupation;
    const occ = occNet
      ? {
          ...occNet,
          ...(sO
            ? {
                alignedPairsScreened: sO.alignedPairs,
                allPairsAlignedScreened: sO.allPairsAligned,
                depthScreened: sO.depth,
                neuronsByPairsScreened: sO.neuronsByPairs,
                depthByPairsScreened: sO.depthByPairs,
              }
            : {}),
          ...(lO
            ? {
                alignedPairsLaplace: lO.alignedPairs,
                allPairsAlignedLaplace: lO.allPairsAligned,
                depthLaplace: lO.depth,
                neuronsByPairsLaplace: lO.neuronsByPairs,
                depthByPairsLaplace: lO.depthByPairs,
              }
            : {}),
        }
      : null;
    const [s0, s1] = starts;
    const startsAgree = !s0 || !s1 || Math.abs(s0.a - s1.a) <= 3 * Math.hypot(s0.aStdError, s1.aStdError);
    // the network's |a| against a theory value th ± thSe: deviation in combined standard errors and the 3-SE verdict
    const vs = (th: number, thSe = 0) => {
      const gap = Math.abs(Math.abs(diag.mean) - th),
        se = Math.hypot(diag.se, thSe);
      return { dev: gap / se, within: gap <= 3 * se };
    };
    const vsP = vs(thP.a),
      vsN = thN ? vs(thN.a, thN.aStdError) : null,
      vsR = net && rwOk ? vs(net.a, net.aStdError) : null,
      vsS = thS ? vs(thS.a, thS.aStdError) : null,
      vsL = thL ? vs(thL.a, thL.aStdError) : null;
    // the network between the two responses, each end widened by its 3 combined SE
    const bracket =
      thS && thL
        ? (() => {
            const lo = thL.a < thS.a ? thL : thS,
              hi = thL.a < thS.a ? thS : thL,
              a = Math.abs(diag.mean);
            return a >= lo.a - 3 * Math.hypot(diag.se, lo.aStdError) && a <= hi.a + 3 * Math.hypot(diag.se, hi.aStdError);
          })()
        : null;
    if (moments) o.onMoments?.(i, moments);
    const cavityLaw = o.cavityCheck && moments ? await cavitySummary(o, sigma2, moments, i) : undefined;
    const environment =
      o.environmentCheck && moments && moments.count >= 16
        ? environmentSummary(par, moments, Math.abs(diag.mean), thS ?? null, fold(o.key, 9500 + i), barrier, closure)
        : undefined;
    const run: ModularLangevinRun = {
      sigma2,
      a: Math.abs(diag.mean),
      aStdError: diag.se,
      rhat,
      ess,
      phase: th.phase,
      theoryA: thP.a,
      theorySource,
      theoryASaddle: th.a,
      deviationSe: vsP.dev,
      withinThreeSe: vsP.within,
      theoryFiniteN: thN?.a ?? null,
      theoryFiniteNSe: thN?.aStdError ?? null,
      deviationSeFiniteN: vsN?.dev ?? null,
      withinThreeSeFiniteN: vsN?.within ?? null,
      w2v2TheoryFiniteN: thN?.phiPsi ?? null,
      ...(net
        ? {
            theoryReweighted: net.a,
            ...(Number.isFinite(net.aStdError) ? { theoryReweightedSe: net.aStdError } : {}),
            reweightEss: net.essFraction * net.draws,
            theoryIndependent: net.aIndependent,
            reweightUsable: rwOk,
            ...(vsR ? { deviationSeReweighted: vsR.dev, withinThreeSeReweighted: vsR.within } : {}),
          }
        : {}),
      ...(thLogDet !== undefined ? { theoryLogDet: thLogDet?.a ?? null } : {}),
      ...(thS !== undefined
        ? {
            theoryScreened: thS?.a ?? null,
            theoryScreenedSe: thS?.aStdError ?? null,
            deviationSeScreened: vsS?.dev ?? null,
            withinThreeSeScreened: vsS?.within ?? null,
            w2v2TheoryScreened: thS?.phiPsi ?? null,
            fluctuationScreened: thS?.fluctuation ?? null,
            screening: thS?.screening ?? null,
          }
        : {}),
      ...(thL !== undefined
        ? {
            theoryLaplace: thL?.a ?? null,
            theoryLaplaceSe: thL?.aStdError ?? null,
            deviationSeLaplace: vsL?.dev ?? null,
            withinThreeSeLaplace: vsL?.within ?? null,
            w2v2TheoryLaplace: thL?.phiPsi ?? null,
            withinBracket: bracket,
          }
        : {}),
      aPhasesRandomised,
      aPhasesRandomisedSe,
      phaseCoordination: Math.abs(diag.mean) - aPhasesRandomised,
      w2v2,
      w2v2Theory: thP.phiPsi,
      w2v2TheorySaddle,
      w2v2PerMode,
      alignedFractionTheory: rho,
      starts,
      startsAgree,
      steps: step,
      seconds: (performance.now() - t0) / 1000,
      stepSize: results[0]!.stepSize,
      equilibrated: rhat <= 1.05 && ess >= 100,
      diagnostics: diag,
      warnings: results.flatMap((r) => r.diagnostics.warnings),
      ...(occ ? { occupation: occ } : {}),
      ...(environment ? { environment } : {}),
      ...(cavityLaw ? { cavityLaw } : {}),
    };
    out.push(run);
    o.onPoint?.(i, run);
  }
  return out;
}
