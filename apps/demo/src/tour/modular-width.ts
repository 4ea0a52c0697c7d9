/**
 * Finite-width sweep of the modular-addition network (issue 19): why the Langevin |a| sits above the theory at small N.
 * The scenario mapping ({@link modularScenario}) keeps P, γ, u = 2σ_a²P²/(Nσ⁴) and σ_a²/σ² fixed when N grows (σ_a² and
 * the onsets scale as 1/N), so the adaptive-kernel theory — exact only as N → ∞ (mean-field decoupling of the
 * neurons) — predicts the same |a| at every width, while the network's finite-N corrections shrink. The gap
 * Langevin − theory at the GMFL-I midpoint is fitted against 1/N and against 1/√N (weighted least squares); the
 * extrapolated gap at N → ∞ is compared with 0 within 3 standard errors. Each width also carries the finite-N
 * (cavity) theory, which predicts the gap itself at that width.
 */
import { key as makeKey, fold } from '@sftdl/field';
import { fitLine } from './finite-size';
import {
  type ModularLangevinRun,
  SCREENED_KEYS,
  modularScenario,
  modularSigma2,
  pickDefined,
  runModularLangevin,
} from './modular-langevin';
import type { ModularLangevinPlan } from './modular';
import { Progress } from '../progress';
import type { PartContext } from './types';

/** One width of the sweep; the screened cavity theory's fields (GMFL-II sweep) as in ModularLangevinRun.theoryScreened. */
export interface ModularWidthPoint extends Pick<ModularLangevinRun, (typeof SCREENED_KEYS)[number]> {
  width: number;
  sigma2: number;
  sigmaA2: number;
  a: number;
  aStdError: number;
  theoryA: number;
  gap: number;
  /** The finite-N theory at this width (null where it refused), the gap it predicts (theoryFiniteN − theoryA) and the deviation of the network from it in combined SE. */
  theoryFiniteN: number | null;
  theoryFiniteNSe: number | null;
  /** The cavity law reweighted to the exact posterior (see ModularLangevinRun.theoryReweighted) and its effective draws. */
  theoryReweighted?: number;
  theoryReweightedSe?: number;
  reweightEss?: number;
  reweightUsable?: boolean;
  predictedGap: number | null;
  deviationSeFiniteN: number | null;
  withinThreeSeFiniteN: boolean | null;
  /** The network's own states with every neuron's Fourier phases redrawn (see ModularLangevinRun.aPhasesRandomised). */
  aPhasesRandomised: number;
  aPhasesRandomisedSe: number;
  phaseCoordination: number;
  rhat: number;
  ess: number;
  equilibrated: boolean;
  startsAgree: boolean;
  steps: number;
}

/** A weighted fit gap = g₀ + g₁·x with x = 1/N or 1/√N. */
export interface WidthFit {
  x: '1/N' | '1/sqrt(N)';
  extrapolatedGap: number;
  extrapolatedGapSe: number;
  slope: number;
  /** χ² per degree of freedom (absent with two widths). */
  chi2PerDof?: number;
  agreesWithinThreeSe: boolean;
}

/**
 * Where the width sweep runs: the GMFL-I midpoint (σ²_I + σ²_II)/2, GFL at 1.15σ²_I, or GMFL-II at 0.95σ²_II (the
 * scenario's three σ² points, {@link modularSigma2}).
 */
export const WIDTH_SWEEP_POINTS = ['gfl', 'gmfl1-mid', 'gmfl2'] as const;
export type WidthSweepPoint = (typeof WIDTH_SWEEP_POINTS)[number];

/** The sweep point's index in {@link modularSigma2}. */
const SWEEP_INDEX: Record<WidthSweepPoint, number> = { gfl: 0, 'gmfl1-mid': 1, gmfl2: 2 };
const SWEEP_KEY: Record<WidthSweepPoint, number> = { 'gmfl1-mid': 900, gfl: 1900, gmfl2: 2900 };
/** How the JSON and the report name each sweep point. */
export const SWEEP_POINT_NAME: Record<WidthSweepPoint, string> = {
  'gmfl1-mid': 'GMFL-I midpoint (σ²_I + σ²_II)/2 of each width',
  gfl: 'GFL, 1.15σ²_I of each width',
  gmfl2: 'GMFL-II, 0.95σ²_II of each width',
};

/** Runs the sweep (reusing `base`, the run at the plan's own width) and fits the gap. */
export async function runFiniteWidth(
  ctx: PartContext,
  L: ModularLangevinPlan,
  base: ModularLangevinRun,
  where: WidthSweepPoint = 'gmfl1-mid',
): Promise<{ points: ModularWidthPoint[]; fits: WidthFit[]; json: Record<string, unknown> }> {
  const widths = [...new Set(L.widths ?? [])].sort((a, b) => a - b);
  const bar = new Progress(`modular finite-width sweep (${where}) N = ${widths.join(', ')}`, widths.length, ctx.quiet);
  const points: ModularWidthPoint[] = [];
  for (const [i, width] of widths.entries()) {
    const sc = modularScenario({ prime: L.prime, width, gamma: L.gamma });
    const mid = modularSigma2(sc)[SWEEP_INDEX[where]]!;
    const r =
      width === L.width
        ? base
        : (
            await runModularLangevin({
              scenario: sc,
              sigma2: [mid],
              chains: L.chains,
              maxSteps: L.maxSteps,
              burnIn: L.burnIn,
              thin: 5,
              key: fold(makeKey(ctx.seed), SWEEP_KEY[where] + width),
              backend: ctx.backend,
              screenedTheory: where === 'gmfl2' || L.screenedSweeps ? 'all' : 'none',
              ...(L.method ? { method: L.method } : {}),
              ...(L.screenedClosure ? { screenedClosure: L.screenedClosure } : {}),
            })
          )[0]!;
    points.push({
      width,
      sigma2: r.sigma2,
      sigmaA2: sc.sigmaA2,
      a: r.a,
      aStdError: r.aStdError,
      theoryA: r.theoryA,
      gap: r.a - r.theoryA,
      theoryFiniteN: r.theoryFiniteN,
      theoryFiniteNSe: r.theoryFiniteNSe,
      ...pickDefined(r, ['theoryReweighted', 'theoryReweightedSe', 'reweightEss', 'reweightUsable']),
      ...pickDefined(r, [...SCREENED_KEYS]),
      predictedGap: r.theoryFiniteN === null ? null : r.theoryFiniteN - r.theoryA,
      deviationSeFiniteN: r.deviationSeFiniteN,
      withinThreeSeFiniteN: r.withinThreeSeFiniteN,
      aPhasesRandomised: r.aPhasesRandomised,
      aPhasesRandomisedSe: r.aPhasesRandomisedSe,
      phaseCoordination: r.phaseCoordination,
      rhat: r.rhat,
      ess: r.ess,
      equilibrated: r.equilibrated,
      startsAgree: r.startsAgree,
      steps: r.steps,
    });
    bar.update(i + 1);
  }
  bar.done();
  const fits: WidthFit[] = [];
  if (points.length >= 2)
    for (const [name, f] of [
      ['1/N', (n: number) => 1 / n],
      ['1/sqrt(N)', (n: number) => 1 / Math.sqrt(n)],
    ] as const) {
      const fit = fitLine(
        points.map((p) => f(p.width)),
        points.map((p) => p.gap),
        points.map((p) => p.aStdError),
      );
      fits.push({
        x: name,
        extrapolatedGap: fit.a,
        extrapolatedGapSe: fit.aSe,
        slope: fit.b,
        ...(fit.chi2PerDof !== null ? { chi2PerDof: fit.chi2PerDof } : {}),
        agreesWithinThreeSe: Math.abs(fit.a) <= 3 * fit.aSe,
      });
    }
  return {
    points,
    fits,
    json: {
      prime: L.prime,
      gamma: L.gamma,
      point: SWEEP_POINT_NAME[where],
      points,
      fits,
    },
  };
}
