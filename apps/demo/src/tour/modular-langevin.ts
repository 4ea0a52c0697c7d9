/**
 * Langevin ensembles of the modular-addition network (grokking paper §5, Fig. 3 network side) on the full P² table,
 * compared with the theory at the same P, N, σ_a², γ (first-principles λ normalisation, which is what the network
 * samples). The measured discrepancy is a = ⟨(y − f)·y⟩/⟨y·y⟩ (σ² t̄ = a y, Claim I) with per-chain traces for split-R̂,
 * ESS and the standard error, and the per-mode Fourier magnitudes ⟨|w_k|²|v_k|²⟩ against the theory's
 * (1 − ρ)/P² + ρ x₊² (ρ the aligned weight).
 */
import { type ComputeBackend, InvalidArgumentError } from '@sftdl/compute';
import { type Key, fold } from '@sftdl/field';
import { modularDegeneracy, modularOnsets, solveModular } from '@sftdl/solvers';
import { modularAddition } from '@sftdl/teachers';
import { LangevinSampler, stateFromJSON, stateToJSON } from '@sftdl/training';
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

/** One simulated σ² point against the theory. */
export interface ModularLangevinRun {
  sigma2: number;
  /** |a| measured (ensemble mean over chains and recorded samples). */
  a: number;
  aStdError: number;
  rhat: number;
  ess: number;
  /** The theory's phase at this σ² (first-principles λ, same P, N, σ_a², γ). */
  phase: string;
  theoryA: number;
  /** |a − theoryA| / aStdError, and whether it is ≤ 3. */
  deviationSe: number;
  withinThreeSe: boolean;
  /** Mean over k = 1…P−1 of ⟨|w_k|²|v_k|²⟩ (neuron average) and the theory's (1 − ρ)/P² + ρ x₊². */
  w2v2: number;
  w2v2Theory: number;
  /** Per-mode ⟨|w_k|²|v_k|²⟩, k = 0…P−1. */
  w2v2PerMode: number[];
  alignedFractionTheory: number;
  steps: number;
  seconds: number;
  stepSize: number;
  equilibrated: boolean;
  diagnostics: ScalarDiagnostics;
  warnings: string[];
}

/** Options of {@link runModularLangevin}. */
export interface ModularLangevinOptions {
  scenario: ModularScenario;
  /** σ² values (descending order is kept). */
  sigma2: number[];
  chains: number;
  /** Wall-clock cap per σ² (s); the run stops earlier once split-R̂ ≤ 1.05 and ESS ≥ 100 for a. */
  secondsPerPoint: number;
  maxSteps: number;
  burnIn: number;
  thin: number;
  key: Key;
  backend: ComputeBackend;
  onPoint?: (i: number, run: ModularLangevinRun) => void;
  /** Stop early once split-R̂ ≤ 1.05 and ESS ≥ 100 (default true; false: exactly maxSteps, reproducible, for sweeps). */
  stopAtTarget?: boolean;
  /** Checkpoint store of a single-σ² run (a sweep task's handle): the sampler state and the traces, saved every `everySeconds`. */
  checkpoint?: { load(): string | undefined; save(text: string): void; everySeconds: number };
  onProgress?: (fraction: number) => void;
}

/** Runs the ensembles, one per σ², and compares them with the theory. */
export async function runModularLangevin(o: ModularLangevinOptions): Promise<ModularLangevinRun[]> {
  const sc = o.scenario;
  const P = sc.prime;
  const data = modularAddition({ prime: P });
  const y = data.y.data;
  let y2 = 0;
  for (const v of y) y2 += v * v;
  const out: ModularLangevinRun[] = [];
  for (const [i, sigma2] of o.sigma2.entries()) {
    const th = solveModular(
      { prime: P, width: sc.width, sigmaA2: sc.sigmaA2, gamma: sc.gamma, sigma2 },
      { lambdaNormalization: 'first-principles' },
    );
    const model = modularNet({ prime: P, width: sc.width, sigmaA2: sc.sigmaA2, gamma: sc.gamma, sigma2, backend: o.backend });
    const saved = o.checkpoint?.load();
    const resume = saved === undefined ? undefined : (JSON.parse(saved) as { sampler: string; traces: number[][] });
    const sampler = new LangevinSampler(
      {
        model,
        x: data.x,
        y: data.y,
        sigma2,
        key: fold(o.key, i),
        steps: o.maxSteps,
        burnIn: o.burnIn,
        thin: o.thin,
        chains: o.chains,
        modulus: P,
        raoBlackwell: false,
      },
      resume ? stateFromJSON(resume.sampler) : undefined,
    );
    const traces: number[][] = resume?.traces ?? Array.from({ length: o.chains }, () => []);
    const t0 = performance.now();
    let step = sampler.state().step,
      lastCheck = t0,
      lastSave = t0;
    let diag = traceDiagnostics(traces, o.thin);
    for (;;) {
      const to = step < o.burnIn ? Math.min(o.burnIn, step + 50) : step + o.thin;
      sampler.advance(to);
      step = to;
      if (step >= o.burnIn) {
        const params = sampler.state().params;
        for (let c = 0; c < o.chains; c++) {
          const f = model.apply(Float64Array.from(params[c]!), data.x).data;
          let q = 0;
          for (let k = 0; k < f.length; k++) q += (y[k]! - f[k]!) * y[k]!;
          traces[c]!.push(q / y2);
        }
      }
      await yieldToEventLoop();
      if (interruptRequested()) throw new Interrupted(undefined, `modular Langevin σ² = ${sigma2} at step ${step}`);
      const now = performance.now();
      const len = traces[0]!.length;
      if (o.checkpoint && (now - lastSave) / 1000 > o.checkpoint.everySeconds) {
        o.checkpoint.save(JSON.stringify({ sampler: stateToJSON(sampler.state()), traces }));
        lastSave = now;
      }
      o.onProgress?.(step / o.maxSteps);
      if (o.stopAtTarget !== false && len >= 8 && (now - lastCheck) / 1000 > 0.5) {
        lastCheck = now;
        diag = traceDiagnostics(traces, o.thin);
        const d = sampler.result().diagnostics;
        if (diag.rhat <= 1.05 && diag.ess >= 100 && d.rhat <= 1.05) break;
      }
      if (step >= o.maxSteps || ((now - t0) / 1000 > o.secondsPerPoint && len >= 8)) break;
    }
    diag = traceDiagnostics(traces, o.thin);
    const r = sampler.result();
    const w2v2PerMode = r.fourier!.w2v2;
    const w2v2 = w2v2PerMode.slice(1).reduce((p, q) => p + q, 0) / (P - 1);
    const rho = th.alignedFraction;
    const w2v2Theory = (1 - rho) / P ** 2 + rho * (th.xPlus ?? 0) ** 2;
    const rhat = Math.max(diag.rhat, r.diagnostics.rhat);
    const ess = Math.min(diag.ess, r.diagnostics.ess);
    const run: ModularLangevinRun = {
      sigma2,
      a: Math.abs(diag.mean),
      aStdError: diag.se,
      rhat,
      ess,
      phase: th.phase,
      theoryA: th.a,
      deviationSe: Math.abs(Math.abs(diag.mean) - th.a) / diag.se,
      withinThreeSe: Math.abs(Math.abs(diag.mean) - th.a) <= 3 * diag.se,
      w2v2,
      w2v2Theory,
      w2v2PerMode,
      alignedFractionTheory: rho,
      steps: step,
      seconds: (performance.now() - t0) / 1000,
      stepSize: r.stepSize,
      equilibrated: rhat <= 1.05 && ess >= 100,
      diagnostics: diag,
      warnings: r.diagnostics.warnings,
    };
    out.push(run);
    o.onPoint?.(i, run);
  }
  return out;
}
