/**
 * Modular-addition reduced adaptive-kernel theory (Rubin, Seroussi & Ringel, ICLR 2024, §5 / App. B; corrected and
 * completed as in docs/theory/grokking.md §4 and §5).
 *
 * Model: f_p(x) = Σ_i a_{pi}(w_i·x)², two-hot inputs x_{nm} ∈ ℝ^{2P} over the full P² table, targets
 * y_p = δ_{p,(n+m) mod P} − 1/P, prior w ~ N(0, I), a_{pi} ~ N(0, σ_a²/N). Single discrepancy mode σ² t̄ = a·y;
 * per-Fourier-mode action S_k = P·Ŝ_k(x) on the diagonal Φ = Ψ = x, Ŝ_k(x) = x − s x² + (γ/3)x³, s = u a².
 */
import { InvalidArgumentError } from '@sftdl/compute';
import { brentRoot, logisticOfNeg } from '../numerics';
import type { GrokkingPhase } from './action';

/** Inputs of the modular-addition theory (P is the modulus here, not a sample count). */
export interface ModularParams {
  /** P, the prime modulus. */
  prime: number;
  /** N, hidden width. */
  width: number;
  /** σ_a², TOTAL readout scale (per-weight variance σ_a²/N). Fig. 3 uses 0.002/N. */
  sigmaA2: number;
  /** γ, strength of the sextic regulariser Γ = Σ_k P(γ/6)(|w_k|⁶ + |v_k|⁶). */
  gamma: number;
  /** σ², GP noise. */
  sigma2: number;
}

/**
 * Normalisation of the target eigenvalue λ of the adapted kernel.
 * `paper`: λ = σ_a²⟨|w_k|²|v_k|²⟩ as printed (Eq. 37) — reproduces Fig. 3.
 * `first-principles`: λ = 4P²σ_a²⟨|w_k|²|v_k|²⟩, so that the GP value is 4σ_a²; with it the mixed phase extends to
 * very small σ² and GMFL-II is not reached in the range of Fig. 3.
 */
export type LambdaNormalization = 'paper' | 'first-principles';

function isPrime(p: number): boolean {
  if (!Number.isInteger(p) || p < 2) return false;
  for (let i = 2; i * i <= p; i++) if (p % i === 0) return false;
  return true;
}

function check(p: Omit<ModularParams, 'sigma2'> & { sigma2?: number }, needSigma2: boolean): void {
  if (!isPrime(p.prime))
    throw new InvalidArgumentError(
      `modular addition: prime must be a prime integer (the degeneracy argument needs it), got ${p.prime}`,
    );
  for (const k of ['width', 'sigmaA2', 'gamma'] as const)
    if (!(Number.isFinite(p[k]) && p[k] > 0))
      throw new InvalidArgumentError(`modular addition: ${k} must be a finite number > 0, got ${p[k]}`);
  if (needSigma2 && !(Number.isFinite(p.sigma2) && (p.sigma2 as number) > 0))
    throw new InvalidArgumentError(`modular addition: sigma2 must be a finite number > 0, got ${p.sigma2}`);
}

/**
 * Scaling invariant u = 2σ_a²P²/(Nσ⁴).
 * @example
 * modularInvariant({ prime: 401, width: 1000, sigmaA2: 2e-6, gamma: 1e-4, sigma2: 0.2 }) // 2·2e-6·401²/(1000·0.04)
 */
export function modularInvariant(p: ModularParams): number {
  check(p, true);
  return (2 * p.sigmaA2 * p.prime * p.prime) / (p.width * p.sigma2 * p.sigma2);
}

/** Normalised per-mode action on the diagonal, Ŝ_k(x) = x − s x² + (γ/3)x³ with x = |w_k|² = |v_k|², s = u a². */
export function modularModeAction(x: number, s: number, gamma: number): number {
  return x - s * x * x + (gamma / 3) * x * x * x;
}

/**
 * Non-trivial saddles of Ŝ_k: x₊ = (s + √(s² − γ))/γ (minimum) and x₋ = (s − √(s² − γ))/γ (barrier); null when
 * s < √γ (only the trivial saddle).
 * @example
 * modularSaddles(2 * Math.sqrt(1e-4 / 3), 1e-4)!.xPlus // √(3/γ) ≈ 173.2
 */
export function modularSaddles(s: number, gamma: number): { xPlus: number; xMinus: number } | null {
  const disc = s * s - gamma;
  if (!(s > 0) || disc < 0) return null;
  const r = Math.sqrt(disc);
  // x₋ = (s − r)/γ = 1/(s + r) since (s − r)(s + r) = γ (the second form has no cancellation as s² ≫ γ)
  return { xPlus: (s + r) / gamma, xMinus: 1 / (s + r) };
}

/**
 * Degeneracy of the non-trivial minimum with x = 0: s* = 2√(γ/3), where x₊ = √(3/γ).
 * @example
 * modularDegeneracy(1e-4) // { sStar: 0.011547…, xStar: 173.205… }
 */
export function modularDegeneracy(gamma: number): { sStar: number; xStar: number } {
  if (!(gamma > 0)) throw new InvalidArgumentError(`modularDegeneracy: gamma must be > 0, got ${gamma}`);
  return { sStar: 2 * Math.sqrt(gamma / 3), xStar: Math.sqrt(3 / gamma) };
}

/**
 * Gaussian-mixture weights of one Fourier mode (Eq. 41): the aligned weight 4e^{−S₊}/(1 + 4e^{−S₊}) with
 * S₊ = P·Ŝ_k(x₊), evaluated as a logistic of S₊ − ln 4 (no overflow), and ⟨|w_k|²|v_k|²⟩ = x₊²·weight.
 */
export function modularMixture(
  s: number,
  gamma: number,
  prime: number,
): { xPlus: number | null; sPlus: number | null; alignedWeight: number; correlator: number } {
  const sad = modularSaddles(s, gamma);
  if (sad === null) return { xPlus: null, sPlus: null, alignedWeight: 0, correlator: 0 };
  const sPlus = prime * modularModeAction(sad.xPlus, s, gamma);
  const weight = logisticOfNeg(sPlus - Math.log(4));
  return { xPlus: sad.xPlus, sPlus, alignedWeight: weight, correlator: sad.xPlus * sad.xPlus * weight };
}

const cLambda = (p: Pick<ModularParams, 'prime'>, norm: LambdaNormalization) =>
  norm === 'first-principles' ? 4 * p.prime * p.prime : 1;

/**
 * ⟨|w_k|²|v_k|²⟩ of the λ normalisation. `first-principles` keeps the Gaussian fluctuations of the trivial (q = 0)
 * saddle, weight (1 − aligned)·E|w_k|²E|v_k|² = (1 − aligned)/P² under the prior: c_λ times it is O(1) (the GP value
 * 4σ_a²), so GFL gives |a| = σ²/(σ² + 4σ_a²). `paper` drops it, as printed (there it is O(σ_a²/P²)).
 */
function lambdaCorrelator(s: number, p: Pick<ModularParams, 'prime' | 'gamma'>, norm: LambdaNormalization): number {
  const mix = modularMixture(s, p.gamma, p.prime);
  return norm === 'first-principles' ? mix.correlator + (1 - mix.alignedWeight) / (p.prime * p.prime) : mix.correlator;
}

/** λ(|a|) = c_λ σ_a² ⟨|w_k|²|v_k|²⟩ at s = u a² (c_λ = 1 for `paper`, 4P² for `first-principles`, which also keeps the Gaussian q = 0 term). */
export function modularLambda(aAbs: number, p: ModularParams, norm: LambdaNormalization = 'paper'): number {
  const u = modularInvariant(p);
  return cLambda(p, norm) * p.sigmaA2 * lambdaCorrelator(u * aAbs * aAbs, p, norm);
}

/** Phase boundaries in σ² (P → ∞ closed forms, docs/theory/grokking.md §4.3, §4.6). */
export interface ModularOnsets {
  /**
   * σ²_I = √(2σ_a²P²/(N s*)) − λ_GFL: the non-trivial minimum becomes degenerate with x = 0 at the GFL |a| =
   * σ²/(σ² + λ_GFL), with λ_GFL = 4σ_a² (first-principles) or 0 (paper, |a| = 1).
   */
  gmfl1Onset: number;
  /** σ²_II = √(2σ_a²P²/(N s*)) − c_λ·3σ_a²/γ: the aligned fraction reaches 1; null when ≤ 0 (never reached). */
  gmfl2Onset: number | null;
  /** Spinodal σ² = (2σ_a²P²/(N√γ))^{1/2} − λ_GFL: the non-trivial saddle first exists (at the GFL |a|). */
  spinodal: number;
}

/**
 * GMFL-I and GMFL-II onsets and the spinodal along the σ² path.
 * @example
 * modularOnsets({ prime: 401, width: 1000, sigmaA2: 2e-6, gamma: 1e-4 }) // { gmfl1Onset ≈ 0.2360, gmfl2Onset ≈ 0.1760, spinodal ≈ 0.2536 }
 */
export function modularOnsets(
  p: Omit<ModularParams, 'sigma2'> & { sigma2?: number },
  opts: { lambdaNormalization?: LambdaNormalization } = {},
): ModularOnsets {
  check(p, false);
  const norm = opts.lambdaNormalization ?? 'paper';
  const { sStar } = modularDegeneracy(p.gamma);
  const c = (2 * p.sigmaA2 * p.prime * p.prime) / p.width;
  const pin = Math.sqrt(c / sStar); // λ + σ² on the degenerate branch (u a² = s*)
  const lambdaGfl = norm === 'first-principles' ? 4 * p.sigmaA2 : 0;
  const s1 = pin - lambdaGfl;
  const s2 = pin - (cLambda(p, norm) * 3 * p.sigmaA2) / p.gamma;
  return { gmfl1Onset: s1, gmfl2Onset: s2 > 0 ? s2 : null, spinodal: Math.sqrt(c / Math.sqrt(p.gamma)) - lambdaGfl };
}

/** Self-consistent modular solution at one σ². */
export interface ModularSolution {
  sigma2: number;
  /** |a|, the un-learned fraction of the target: σ² t̄ = a y with a = σ²/(λ + σ²) > 0 (library sign convention; the paper plots −|a|). */
  a: number;
  /** 1 − |a| = λ/(λ + σ²), the learned fraction (Fig. 3b). */
  learned: number;
  phase: GrokkingPhase;
  lambda: number;
  u: number;
  /** s = u a² at the solution. */
  s: number;
  /** Aligned fraction of each Fourier mode (mixture weight of the non-trivial saddle). */
  alignedFraction: number;
  xPlus: number | null;
  /** S₊ = P Ŝ_k(x₊). */
  sPlus: number | null;
  /** Every root of |a| = σ²/(λ(|a|) + σ²) found on (0, 1]; more than one signals metastability. */
  roots: number[];
}

/**
 * Solves |a| = σ²/(λ(|a|) + σ²) (docs/theory/grokking.md §4.5): grid scan of (0, 1] for sign changes, each bracket refined with Brent.
 *
 * *When to use*: the discrepancy of the modular model at one σ² (Fig. 3b).
 * *Gotchas*: the returned `a` is the largest root (the branch continuous with GFL); all roots are in `roots`. The
 * phase label uses the P → ∞ boundaries of {@link modularOnsets}.
 * @example
 * solveModular({ prime: 401, width: 1000, sigmaA2: 2e-6, gamma: 1e-4, sigma2: 0.2 }).phase // 'GMFL-I'
 */
export function solveModular(
  p: ModularParams,
  opts: { lambdaNormalization?: LambdaNormalization; gridPoints?: number } = {},
): ModularSolution {
  check(p, true);
  const norm = opts.lambdaNormalization ?? 'paper';
  const u = modularInvariant(p);
  const g = (a: number) => a - p.sigma2 / (modularLambda(a, p, norm) + p.sigma2);
  const m = opts.gridPoints ?? 2000;
  const roots: number[] = [];
  let a0 = 1e-9;
  let g0 = g(a0);
  for (let i = 1; i <= m; i++) {
    const a1 = i === m ? 1 : i / m;
    const g1 = g(a1);
    if (g1 === 0) roots.push(a1);
    else if (g0 < 0 && g1 > 0)
      roots.push(brentRoot(g, a0, a1, { xtol: 1e-15, maxIterations: 400, what: 'modular discrepancy a' }).root);
    else if (g0 > 0 && g1 < 0)
      roots.push(brentRoot(g, a0, a1, { xtol: 1e-15, maxIterations: 400, what: 'modular discrepancy a' }).root);
    a0 = a1;
    g0 = g1;
  }
  if (roots.length === 0)
    throw new InvalidArgumentError(
      `modular discrepancy: no root of |a| = σ²/(λ + σ²) on (0, 1] for sigma2 = ${p.sigma2}; check the parameters`,
    );
  const a = Math.max(...roots);
  const lambda = modularLambda(a, p, norm);
  const s = u * a * a;
  const mix = modularMixture(s, p.gamma, p.prime);
  const on = modularOnsets(p, { lambdaNormalization: norm });
  const phase: GrokkingPhase =
    p.sigma2 >= on.gmfl1Onset ? 'GFL' : on.gmfl2Onset !== null && p.sigma2 <= on.gmfl2Onset ? 'GMFL-II' : 'GMFL-I';
  return {
    sigma2: p.sigma2,
    a,
    learned: 1 - a,
    phase,
    lambda,
    u,
    s,
    alignedFraction: mix.alignedWeight,
    xPlus: mix.xPlus,
    sPlus: mix.sPlus,
    roots,
  };
}

/**
 * The whole modular discrepancy curve a(σ²) with its onsets (Fig. 3b). By default 61 σ² values spanning
 * [0.5·σ²_II, 1.25·σ²_spinodal] plus the onsets themselves.
 * @example
 * modularCurve({ prime: 401, width: 1000, sigmaA2: 2e-6, gamma: 1e-4 }).gmfl1Onset // ≈ 0.236
 */
export function modularCurve(
  p: Omit<ModularParams, 'sigma2'>,
  opts: { lambdaNormalization?: LambdaNormalization; sigma2?: number[]; points?: number } = {},
): ModularOnsets & { curve: ModularSolution[]; lambdaNormalization: LambdaNormalization } {
  const norm = opts.lambdaNormalization ?? 'paper';
  const on = modularOnsets(p, { lambdaNormalization: norm });
  let grid = opts.sigma2;
  if (!grid) {
    const lo = 0.5 * (on.gmfl2Onset ?? on.gmfl1Onset * 0.5);
    const hi = 1.25 * on.spinodal;
    const m = opts.points ?? 61;
    grid = Array.from({ length: m }, (_, i) => lo + ((hi - lo) * i) / (m - 1));
  }
  const curve = [...grid].sort((x, y) => y - x).map((sigma2) => solveModular({ ...p, sigma2 }, { lambdaNormalization: norm }));
  return { ...on, curve, lambdaNormalization: norm };
}
