/**
 * The modular scenario's second, larger prime (issue 19: the network against the theory at the same P, "within 3
 * standard errors, or explained by a second, larger P"). The paper's saddle point has P as its large parameter under
 * the scaling N → β²N, P → √β·P (the paper's modular reduction; docs/theory/grokking.md §4.1), so a larger prime
 * on the theory's own path is also a much wider network: N' = N·(P'/P)⁴. σ_a² and σ² come from the scenario mapping
 * ({@link modularScenario}), which keeps u, γ and σ²_II/σ²_I at every (P, N), so the three σ² points sit at the same
 * place in the phase diagram.
 *
 * What the second prime tests: the network's gap to the finite-P (N → ∞) theory at its own P is a finite-width effect
 * set by the number of target modes per neuron, (P − 1)/N (an aligned neuron's self-interaction on the target modes is
 * proportional to it under the mapping), which the theory's path sends to zero as P⁻³. So the gap must shrink from the
 * first prime to the second, and it should be close to the first prime's own width sweep read at the same (P − 1)/N.
 */
import { key as makeKey, fold } from '@sftdl/field';
import { isPrime } from '@sftdl/teachers';
import { type ModularLangevinRun, modularScenario, modularSigma2, runModularLangevin } from './modular-langevin';
import type { ModularLangevinPlan } from './modular';
import type { ModularWidthPoint } from './modular-width';
import { Progress } from '../progress';
import { FAIL_MARK, type ReportSection } from '../report';
import { type PartContext, fmt } from './types';

type ReportTable = ReportSection['tables'][number];

/** The key offset of the second prime's runs (the width sweeps use 900 + N, 1900 + N, 2900 + N). */
const SECOND_PRIME_KEY = 3900;

/** One σ² point of the second prime, beside the first prime's point at the same place in the phase diagram. */
export interface SecondPrimePoint {
  sigma2: number;
  phase: string;
  a: number;
  aStdError: number;
  rhat: number;
  ess: number;
  equilibrated: boolean;
  startsAgree: boolean;
  steps: number;
  /** The finite-P (N → ∞) theory at the second prime, and the network's gap to it. */
  theoryA: number;
  gap: number;
  /** The finite-N (cavity) theory at (P', N'), or null where it refused. */
  theoryFiniteN: number | null;
  theoryFiniteNSe: number | null;
  /** The first prime's network and gap at the same point, and gap / gapFirstPrime. */
  aFirstPrime: number;
  aStdErrorFirstPrime: number;
  gapFirstPrime: number;
  gapRatio: number;
  /** Whether |gap| is below the first prime's |gap| by more than 3 combined standard errors. */
  gapShrinks: boolean;
  /**
   * The first prime's gap at the same number of target modes per neuron: its width sweep at this point read at
   * N_eq = N'·(P − 1)/(P' − 1), linear in 1/N between the two sweep widths around N_eq; null where the sweep did not
   * run or does not bracket N_eq.
   */
  gapSameModesPerNeuron: number | null;
  /** (gap − gapSameModesPerNeuron)/gapSameModesPerNeuron, or null. */
  relativeToSameModesPerNeuron: number | null;
}

/** The second prime's block of `demo modular --json` (`langevin.secondPrime`). */
export interface SecondPrimeResult {
  prime: number;
  width: number;
  sigmaA2: number;
  gamma: number;
  firstPrime: number;
  firstWidth: number;
  /** β = (P'/P)², the paper's scaling parameter, and the rule N' = round(N·β²). */
  beta: number;
  scaling: string;
  /** (P − 1)/N at the second and the first prime, and the width at the first prime with the second's ratio. */
  modesPerNeuron: number;
  modesPerNeuronFirstPrime: number;
  widthSameModesPerNeuron: number;
  points: SecondPrimePoint[];
  /** Whether the gap shrinks (beyond 3 SE) at every point. */
  gapShrinksEverywhere: boolean;
}

/** The smallest prime above P. */
export function nextPrime(p: number): number {
  let q = Math.floor(p) + 1;
  while (!isPrime(q)) q++;
  return q;
}

/** The width of the second prime on the theory's scaling N → β²N, P → √β·P: N' = round(N·(P'/P)⁴). */
export function secondPrimeWidth(prime: number, width: number, secondPrime: number): number {
  return Math.round(width * (secondPrime / prime) ** 4);
}

/**
 * The gap of a width sweep at width `n`: its own gap at a sweep width, else linear in 1/N between the two sweep widths
 * around `n`; null outside the sweep's range.
 */
export function gapAtWidth(points: Pick<ModularWidthPoint, 'width' | 'gap'>[], n: number): number | null {
  const pts = [...points].sort((a, b) => a.width - b.width);
  const at = pts.find((p) => p.width === n);
  if (at) return at.gap;
  for (let k = 0; k + 1 < pts.length; k++) {
    const [lo, hi] = [pts[k]!, pts[k + 1]!];
    if (n < lo.width || n > hi.width) continue;
    const t = (1 / lo.width - 1 / n) / (1 / lo.width - 1 / hi.width);
    return lo.gap + t * (hi.gap - lo.gap);
  }
  return null;
}

/**
 * Runs the network at the second prime P' (width N' from the theory's scaling) at the scenario's three σ² points, with
 * the plan's chains and step cap, and compares each gap to the finite-P theory with the first prime's. `sweeps` are
 * the first prime's width sweeps at the three points (GFL, GMFL-I midpoint, GMFL-II; null where one did not run).
 */
export async function runSecondPrime(
  ctx: PartContext,
  L: ModularLangevinPlan,
  secondPrime: number,
  first: ModularLangevinRun[],
  sweeps: (ModularWidthPoint[] | null)[],
): Promise<SecondPrimeResult> {
  const P = L.prime;
  const N = L.width;
  const width = secondPrimeWidth(P, N, secondPrime);
  const sc = modularScenario({ prime: secondPrime, width, gamma: L.gamma });
  const s2 = modularSigma2(sc);
  const bar = new Progress(`modular second prime P = ${secondPrime}, N = ${width}`, s2.length, ctx.quiet);
  const runs = await runModularLangevin({
    scenario: sc,
    sigma2: s2,
    chains: L.chains,
    maxSteps: L.maxSteps,
    burnIn: L.burnIn,
    thin: 5,
    key: fold(makeKey(ctx.seed), SECOND_PRIME_KEY + secondPrime),
    backend: ctx.backend,
    ...(L.method ? { method: L.method } : {}),
    onPoint: (i) => bar.update(i + 1),
  });
  bar.done();
  const modesPerNeuron = (secondPrime - 1) / width;
  const modesPerNeuronFirstPrime = (P - 1) / N;
  const widthSame = (width * (P - 1)) / (secondPrime - 1);
  const points = runs.map((r, i): SecondPrimePoint => {
    const f = first[i]!;
    const gap = r.a - r.theoryA;
    const gapFirst = f.a - f.theoryA;
    const same = sweeps[i] ? gapAtWidth(sweeps[i]!, widthSame) : null;
    return {
      sigma2: r.sigma2,
      phase: r.phase,
      a: r.a,
      aStdError: r.aStdError,
      rhat: r.rhat,
      ess: r.ess,
      equilibrated: r.equilibrated,
      startsAgree: r.startsAgree,
      steps: r.steps,
      theoryA: r.theoryA,
      gap,
      theoryFiniteN: r.theoryFiniteN,
      theoryFiniteNSe: r.theoryFiniteNSe,
      aFirstPrime: f.a,
      aStdErrorFirstPrime: f.aStdError,
      gapFirstPrime: gapFirst,
      gapRatio: gap / gapFirst,
      gapShrinks: Math.abs(gapFirst) - Math.abs(gap) > 3 * Math.hypot(r.aStdError, f.aStdError),
      gapSameModesPerNeuron: same,
      relativeToSameModesPerNeuron: same === null || same === 0 ? null : (gap - same) / same,
    };
  });
  return {
    prime: secondPrime,
    width,
    sigmaA2: sc.sigmaA2,
    gamma: sc.gamma,
    firstPrime: P,
    firstWidth: N,
    beta: (secondPrime / P) ** 2,
    scaling: "the paper's N → β²N, P → √β·P: N' = round(N·(P'/P)⁴); σ_a² and σ² from the mapping (u, γ, σ²_II/σ²_I kept)",
    modesPerNeuron,
    modesPerNeuronFirstPrime,
    widthSameModesPerNeuron: widthSame,
    points,
    gapShrinksEverywhere: points.every((p) => p.gapShrinks),
  };
}

/** The report's account of the second prime. */
export function secondPrimeParagraph(r: SecondPrimeResult): string {
  const pts = r.points
    .map(
      (p) =>
        `${p.phase} ${fmt(p.gapFirstPrime, 3)} → ${fmt(p.gap, 3)} (×${fmt(p.gapRatio, 2)}${
          p.gapSameModesPerNeuron === null
            ? ''
            : `; the first prime's sweep at N = ${fmt(r.widthSameModesPerNeuron, 3)}: ${fmt(p.gapSameModesPerNeuron, 3)}`
        }${p.equilibrated ? '' : `, R̂ ${fmt(p.rhat, 3)}: not equilibrated`})`,
    )
    .join('; ');
  return `A second, larger prime on the theory's own scaling. The paper's saddle point has P as its large parameter under N → β²N, P → √β·P, so a larger prime on that path is a much wider network: P' = ${r.prime}, N' = round(N·(P'/P)⁴) = ${r.width} (β = ${fmt(r.beta, 3)}; σ_a² = ${fmt(r.sigmaA2, 4)} from the same mapping, which keeps u, γ and σ²_II/σ²_I, so the three σ² points sit at the same place in the phase diagram). The number of target modes per neuron, (P − 1)/N, which sets an aligned neuron's self-interaction, falls from ${fmt(r.modesPerNeuronFirstPrime, 3)} to ${fmt(r.modesPerNeuron, 3)}. The network's gap to the finite-P theory at its own P: ${pts}. ${
    r.gapShrinksEverywhere
      ? 'The gap shrinks at every point beyond 3 SE'
      : `The gap shrinks beyond 3 SE at ${r.points.filter((p) => p.gapShrinks).length} of ${r.points.length} points`
  }. Along the theory's path (P − 1)/N falls as P⁻³, so the finite-width gap goes with it.`;
}

/** The second prime's table: the two primes' networks and gaps at the same three points. */
export function secondPrimeTable(r: SecondPrimeResult): ReportTable {
  return {
    caption: `Second prime on the theory's scaling: P = ${r.firstPrime}, N = ${r.firstWidth} against P' = ${r.prime}, N' = ${r.width}; failures in R̂/ESS marked ${FAIL_MARK}`,
    header: [
      'phase',
      `|a| (P = ${r.firstPrime})`,
      'gap to finite-P',
      `|a| (P' = ${r.prime})`,
      'finite-P theory',
      'gap',
      'gap ratio',
      `first prime's sweep at N = ${fmt(r.widthSameModesPerNeuron, 3)}`,
      'finite-N theory',
      'R̂',
      'ESS',
    ],
    rows: r.points.map((p) => [
      p.phase,
      `${fmt(p.aFirstPrime, 4)} ± ${fmt(p.aStdErrorFirstPrime, 1)}`,
      fmt(p.gapFirstPrime, 3),
      `${fmt(p.a, 4)} ± ${fmt(p.aStdError, 1)}`,
      p.theoryA,
      `${fmt(p.gap, 3)}${p.gapShrinks ? '' : ` ${FAIL_MARK}`}`,
      fmt(p.gapRatio, 3),
      p.gapSameModesPerNeuron === null ? '—' : fmt(p.gapSameModesPerNeuron, 3),
      p.theoryFiniteN === null ? '—' : `${fmt(p.theoryFiniteN, 4)} ± ${fmt(p.theoryFiniteNSe ?? NaN, 1)}`,
      `${fmt(p.rhat, 3)}${p.rhat <= 1.05 ? '' : ` ${FAIL_MARK}`}`,
      `${fmt(p.ess, 3)}${p.ess >= 100 ? '' : ` ${FAIL_MARK}`}`,
    ]),
  };
}
