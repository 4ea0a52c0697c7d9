/**
 * `demo cubic --finite-size`: why the Langevin learned cubic coefficient sits off the finite-d theory at the tour size.
 * The theory's decoupling of neurons is exact only as N → ∞ at fixed (u, κ), so the ensemble is rerun at ≥ 3 β-scaled
 * sizes (same u and κ at every σ², see sizes.ts), the gap Langevin − finite-d theory (at each size's own N, n, d) is
 * fitted as g₀ + g₁/N by weighted least squares, and the extrapolated gap g₀ is compared with 0 within 3 standard errors.
 */
import { availableParallelism } from 'node:os';
import type { ComputeBackend } from '@sftdl/compute';
import { type Key, fold } from '@sftdl/field';
import { cubicCriticalPoint, solveCubicFiniteD } from '@sftdl/solvers';
import { cubicTeacher, makeDataset } from '@sftdl/teachers';
import { type DatasetAveragedOutcome, combineDatasets } from './datasets';
import { EQUILIBRATION_TARGET, type EnsembleOutcome, STOP_RHAT, ensembleKey, runEnsemble } from './langevin';
import { scaleFig2 } from './sizes';

/** One size of the finite-size sweep. */
export interface FiniteSizePoint {
  beta: number;
  width: number;
  samples: number;
  dim: number;
  learnedCubic: number;
  learnedCubicSe: number;
  theoryFiniteD: number;
  /** Learned linear coefficient 1 − b (dataset average ± SE) and the finite-d theory's. */
  learnedLinear: number;
  learnedLinearSe: number;
  theoryLinearFiniteD: number;
  /** Number of independent datasets averaged at this size. */
  datasets: number;
  /** Langevin − theory and its standard error (the theory is exact at its own size: no error). */
  gap: number;
  gapSe: number;
  rhat: number;
  ess: number;
  equilibrated: boolean;
  steps: number;
  seconds: number;
}

/** The sweep with its 1/N extrapolation. */
export interface FiniteSizeResult {
  sigma2: number;
  points: FiniteSizePoint[];
  /** Weighted least-squares fit gap = g₀ + g₁/N: g₀ ± SE, g₁ ± SE, χ² per degree of freedom. */
  extrapolatedGap: number;
  extrapolatedGapSe: number;
  slope: number;
  slopeSe: number;
  chi2PerDof: number | null;
  /** |g₀| ≤ 3 SE(g₀). */
  agreesWithinThreeSe: boolean;
}

/**
 * Weighted least squares y = a + b·x with weights 1/σ²: (a, b) with standard errors from (XᵀWX)⁻¹, and χ²/dof
 * (null with two points).
 * @example fitLine([0, 1], [1, 3], [1, 1]) // { a: 1, b: 2, … }
 */
export function fitLine(
  x: number[],
  y: number[],
  se: number[],
): { a: number; b: number; aSe: number; bSe: number; chi2PerDof: number | null } {
  let s = 0,
    sx = 0,
    sxx = 0,
    sy = 0,
    sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const w = 1 / se[i]! ** 2;
    s += w;
    sx += w * x[i]!;
    sxx += w * x[i]! ** 2;
    sy += w * y[i]!;
    sxy += w * x[i]! * y[i]!;
  }
  const det = s * sxx - sx * sx;
  if (!(det > 0)) throw new RangeError('fitLine: needs at least two distinct x with finite errors');
  const a = (sxx * sy - sx * sxy) / det,
    b = (s * sxy - sx * sy) / det;
  let chi2 = 0;
  for (let i = 0; i < x.length; i++) chi2 += ((y[i]! - a - b * x[i]!) / se[i]!) ** 2;
  return { a, b, aSe: Math.sqrt(sxx / det), bSe: Math.sqrt(s / det), chi2PerDof: x.length > 2 ? chi2 / (x.length - 2) : null };
}

/**
 * Runs the ensembles at each β (σ² fixed) and extrapolates the gap to 1/N → 0. Deterministic budgets: burn-in
 * `burnIn`, then each dataset's ensemble stops at the first check where split-R̂ ≤ {@link STOP_RHAT} and its ESS share
 * are reached, at most `maxSteps` steps. `reuse`: an ensemble already run at one of the sizes (the tour's), by β.
 */
export async function runFiniteSize(o: {
  betas: number[];
  sigma2: number;
  chains: number;
  alignedChains: number;
  burnIn: number;
  maxSteps: number;
  reuse?: { beta: number; outcome: DatasetAveragedOutcome };
  testSamples: number;
  thin: number;
  /** Independent datasets per size (chains and time split between them; default 1). */
  datasets?: number;
  key: Key;
  backend: ComputeBackend;
  log: (m: string) => void;
}): Promise<FiniteSizeResult> {
  const points: FiniteSizePoint[] = [];
  for (const [i, beta] of o.betas.entries()) {
    const sizes = scaleFig2(beta);
    const P = sizes.params;
    const crit = cubicCriticalPoint(P);
    const root = fold(o.key, 1000 + i);
    const teacher = cubicTeacher({ dim: P.dim, epsilon: P.epsilon, key: fold(root, 1) });
    const K = Math.max(1, Math.min(o.datasets ?? 1, Math.floor(o.chains / 2)));
    const per: EnsembleOutcome[] = [];
    const reused = o.reuse && scaleFig2(o.reuse.beta).params.width === P.width ? o.reuse.outcome : null;
    o.log(
      `finite size: β = ${sizes.beta.toFixed(4)} (N = ${P.width}, n = ${P.samples}, d = ${P.dim}), σ² = ${o.sigma2}, ${K} dataset(s)${reused ? ' (the ensemble above)' : `, ≤ ${o.maxSteps} steps`}`,
    );
    for (let j = 0; j < (reused ? 0 : K); j++) {
      const data = makeDataset(teacher, {
        key: fold(root, j === 0 ? 2 : 300 + j),
        samples: P.samples,
        testSamples: o.testSamples,
      });
      const chains = Math.floor(o.chains / K) + (j < o.chains % K ? 1 : 0);
      const workers = ['reference', 'openblas'].includes(o.backend.name)
        ? Math.max(1, Math.min(2, availableParallelism(), chains))
        : 1;
      per.push(
        await runEnsemble({
          sizes,
          data,
          sigma2: o.sigma2,
          chains,
          alignedChains: Math.floor(o.alignedChains / K) + (j < o.alignedChains % K ? 1 : 0),
          alignedOverlap: crit.qStar,
          steps: o.maxSteps,
          burnIn: o.burnIn,
          thin: o.thin,
          key: j === 0 ? ensembleKey(root, 0) : fold(ensembleKey(root, 0), j),
          backend: o.backend,
          workers,
          target: { rhat: STOP_RHAT, ess: Math.ceil((1.2 * EQUILIBRATION_TARGET.ess) / K), checkEvery: 20 },
          judge: { rhat: EQUILIBRATION_TARGET.rhat, ess: EQUILIBRATION_TARGET.ess / K },
        }),
      );
    }
    const r = reused ?? combineDatasets(per);
    const sol = solveCubicFiniteD({ ...P, sigma2: o.sigma2 });
    const th = sol.learnedCubic;
    points.push({
      beta: sizes.beta,
      width: P.width,
      samples: P.samples,
      dim: P.dim,
      learnedCubic: r.learnedCubic,
      learnedCubicSe: r.learnedCubicSe,
      theoryFiniteD: th,
      learnedLinear: r.learnedLinear,
      learnedLinearSe: r.learnedLinearSe,
      theoryLinearFiniteD: sol.learnedLinear,
      datasets: K,
      gap: r.learnedCubic - th,
      gapSe: r.learnedCubicSe,
      rhat: r.rhat,
      ess: r.ess,
      equilibrated: r.equilibrated,
      steps: r.stepsDone,
      seconds: r.seconds,
    });
  }
  const fit = fitLine(
    points.map((p) => 1 / p.width),
    points.map((p) => p.gap),
    points.map((p) => p.gapSe),
  );
  return {
    sigma2: o.sigma2,
    points,
    extrapolatedGap: fit.a,
    extrapolatedGapSe: fit.aSe,
    slope: fit.b,
    slopeSe: fit.bSe,
    chi2PerDof: fit.chi2PerDof,
    agreesWithinThreeSe: Math.abs(fit.a) <= 3 * fit.aSe,
  };
}
