/**
 * Pure size bookkeeping of the tour: the paper's Fig. 2 base point and its β-scaled versions, chosen so that the two
 * invariants of the cubic-teacher theory, u = n²σ_a²/(σ⁴dN) and κ = nσ_a²/(σ²d), are EXACTLY those of the paper at
 * every σ² (docs/theory/grokking.md §3.1: N = βN₀, d = √β·d₀, n = βn₀, σ_a² = σ_a²₀/√β, σ² unchanged).
 */
import { cubicInvariants } from '@sftdl/solvers';
import type { CubicTeacherParams } from '@sftdl/solvers';

/** Paper Fig. 2 base point (α = β = 1): N = 700, n = 3000, d = 150, σ_w² = 0.5, σ_a² = 8/N (total readout scale), ε = −0.3. */
export const FIG2_BASE = { width: 700, samples: 3000, dim: 150, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 } as const;
/** The σ² grid of the paper's Fig. 2. */
export const FIG2_SIGMA2 = [0.1, 0.15, 0.2, 0.25, 0.3] as const;
/** Paper Fig. 3 (modular addition, theory only): P = 401, N = 1000, σ_a² = 0.002/N (total), γ = 10⁻⁴. */
export const FIG3_PARAMS = { prime: 401, width: 1000, sigmaA2: 0.002 / 1000, gamma: 1e-4 } as const;

/** The cubic-teacher parameters (all but σ²) at one β, with the bookkeeping of how they map to the paper. */
export interface ScaledSizes {
  /** β asked for. */
  betaRequested: number;
  /** β actually used: N/N₀ = n/n₀ (N and n are integers with n/N = n₀/N₀ exactly). */
  beta: number;
  params: Omit<CubicTeacherParams, 'sigma2'>;
  /** √β·d₀ before rounding d to an integer. */
  dimExact: number;
  /** σ_a²₀/√β before the κ-matching correction (σ_a² is set so κ is exact with the rounded d). */
  sigmaA2Nominal: number;
}

/** gcd-reduced ratio n₀/N₀ = 30/7: N is a multiple of 7 and n the same multiple of 30. */
const RATIO = { n: 30, N: 7, unit: 100 } as const;

/**
 * Fig. 2 sizes at scale β. N = 7k, n = 30k with k = round(100β) (so n/N = n₀/N₀ exactly), d = round(√β·d₀),
 * and σ_a² = σ_a²₀ · (n₀/n) · (d/d₀) so that κ (and therefore u = κ·n/(σ²N)) equal the paper's at every σ².
 * Throws RangeError for β ≤ 0 or non-finite (the CLI validates flags before).
 */
export function scaleFig2(betaRequested: number): ScaledSizes {
  if (!(Number.isFinite(betaRequested) && betaRequested > 0))
    throw new RangeError(`beta must be a finite number > 0, got ${betaRequested}`);
  const k = Math.max(1, Math.round(betaRequested * RATIO.unit));
  const width = RATIO.N * k;
  const samples = RATIO.n * k;
  const beta = width / FIG2_BASE.width;
  const dimExact = Math.sqrt(beta) * FIG2_BASE.dim;
  const dim = Math.max(2, Math.round(dimExact));
  const sigmaA2 = FIG2_BASE.sigmaA2 * (FIG2_BASE.samples / samples) * (dim / FIG2_BASE.dim);
  return {
    betaRequested,
    beta,
    dimExact,
    sigmaA2Nominal: FIG2_BASE.sigmaA2 / Math.sqrt(beta),
    params: { width, samples, dim, sigmaW2: FIG2_BASE.sigmaW2, sigmaA2, epsilon: FIG2_BASE.epsilon },
  };
}

/** u and κ of the scaled sizes and of the paper's base point at the same σ² (they agree to rounding error). */
export function invariantsAt(s: ScaledSizes, sigma2: number): { u: number; kappa: number; uPaper: number; kappaPaper: number } {
  const a = cubicInvariants({ ...s.params, sigma2 });
  const b = cubicInvariants({ ...FIG2_BASE, sigma2 });
  return { u: a.u, kappa: a.kappa, uPaper: b.u, kappaPaper: b.kappa };
}
