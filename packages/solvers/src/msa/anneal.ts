import { InvalidArgumentError } from '@sftdl/compute';
import { type MsaInput, msaSetup } from './problem';
import { linearMsaSpectrum, linearMsaTree, scaledGpPredict } from './linear';
import { type SampledMsaOptions, sampledMsa } from './sampled';

/** One step of {@link msaAnneal}. */
export interface AnnealStep {
  chi: number;
  /** Unscaled discrepancy t = y − f̄ (the warm start carried to the next χ). */
  discrepancy: Float64Array;
  trainMean: Float64Array;
  msd: number;
  testMean?: Float64Array;
  /** Effective scale Q (linear networks only). */
  Q?: number;
  iterations: number;
  residual: number;
}

/**
 * Options of {@link msaAnneal}: the χ grid, and for nonlinear φ the sampled-solver options with their required key
 * (the linear path is deterministic and takes none).
 */
export type MsaAnnealOptions =
  | { chis: number[]; activation?: 'linear' }
  | { chis: number[]; activation: 'erf' | 'relu'; sampled: Omit<SampledMsaOptions, 'tauInit' | 'oneLoop' | 'activation'> };

/**
 * Algorithm 1 of the MSA paper, "annealing of solutions across scaling regimes": start from the NNGP predictor at the
 * first χ, then for each χ in the list (g_w ↦ g_w/χ, κ ↦ κ/χ by default) solve the tree-level self-consistency starting
 * from the previous solution (warm start through the unscaled discrepancy t = κ_nτ).
 *
 * *When to use:* reaching mean-field (large χ) solutions robustly, and tracing observables across χ.
 * *Gotchas:* a geometric χ grid (e.g. 1 … N) is the robust choice; nonlinear φ uses the sampled solver per step.
 * @example
 * ```ts
 * const path = msaAnneal({ x, y, width: 100, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 }, { chis: [1, 3, 10, 30, 100] });
 * ```
 */
export function msaAnneal(input: Omit<MsaInput, 'chi'>, options: MsaAnnealOptions): AnnealStep[] {
  const { chis } = options;
  if (chis.length === 0 || chis.some((c) => !(c > 0)))
    throw new InvalidArgumentError(`chis must be a non-empty list of positive numbers`);
  const steps: AnnealStep[] = [];
  let t: Float64Array | undefined;
  for (const chi of chis) {
    const setup = msaSetup({ ...input, chi });
    if (options.activation !== 'erf' && options.activation !== 'relu') {
      const spec = linearMsaSpectrum(setup);
      if (!t) t = scaledGpPredict(spec, 1).discrepancy; // the NNGP predictor at the first χ
      const sol = linearMsaTree(spec, { tauInit: t.map((v) => v / setup.noise) });
      t = sol.discrepancy;
      const step: AnnealStep = {
        chi,
        discrepancy: sol.discrepancy,
        trainMean: sol.trainMean,
        msd: sol.msd,
        Q: sol.Q,
        iterations: sol.iterations,
        residual: sol.residual,
      };
      if (sol.testMean) step.testMean = sol.testMean;
      steps.push(step);
    } else {
      const sol = sampledMsa(setup, {
        ...options.sampled,
        activation: options.activation,
        ...(t ? { tauInit: t.map((v) => v / setup.noise) } : {}),
      });
      t = sol.discrepancy;
      const step: AnnealStep = {
        chi,
        discrepancy: sol.discrepancy,
        trainMean: sol.trainMean,
        msd: sol.msd,
        iterations: sol.iterations,
        residual: sol.residual,
      };
      if (sol.testMean) step.testMean = sol.testMean;
      steps.push(step);
    }
  }
  return steps;
}
