/**
 * Figure data of the grokking paper drawn from the theory: the cubic teacher's −log p(q) = d·Ŝ(q) profile at one
 * parameter point (Fig. 2a/b) and the modular model's per-Fourier-mode action S_k/P = Ŝ_k(x) (Fig. 3a), each on a
 * grid with its local minima inserted exactly and marked (docs/theory/grokking.md §3.3 and §4.2–4.3).
 *
 * Imports go through the package index so that the layout of the grokking files can change underneath.
 */
import { InvalidArgumentError } from '@sftdl/compute';
import {
  modularModeAction,
  modularSaddles,
  nontrivialMinimaCubic,
  reducedActionCubic,
  reducedActionCubicSlopeOverQ,
} from '../index';
import type { CubicActionCoefficients } from '../index';

/** One grid point of an action profile; `minimum` marks a local minimum (inserted at its exact position). */
export interface ActionProfilePoint {
  /** Abscissa: the overlap q = w·w* (cubic) or x = |w_k|² = |v_k|² (modular). */
  q: number;
  /** d·Ŝ(q) (cubic, = −log p(q) up to a constant) or Ŝ_k(x) = S_k/P (modular). */
  action: number;
  minimum: boolean;
}

/** A profile with its minima listed separately (sorted by position). */
export interface ActionProfile {
  profile: ActionProfilePoint[];
  minima: { q: number; action: number }[];
}

function grid(lo: number, hi: number, points: number): number[] {
  if (!(Number.isInteger(points) && points >= 3))
    throw new InvalidArgumentError(`action profile: points must be an integer ≥ 3, got ${points}`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo))
    throw new InvalidArgumentError(`action profile: the range must be finite with hi > lo, got [${lo}, ${hi}]`);
  return Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
}

function merge(xs: number[], minima: number[], f: (x: number) => number): ActionProfile {
  const all = [...xs.map((q) => ({ q, minimum: false })), ...minima.map((q) => ({ q, minimum: true }))].sort((a, b) => a.q - b.q);
  const profile: ActionProfilePoint[] = [];
  for (const p of all) {
    const last = profile[profile.length - 1];
    if (last && Math.abs(last.q - p.q) < 1e-12) {
      last.minimum ||= p.minimum;
      continue;
    }
    const action = f(p.q);
    if (!Number.isFinite(action))
      throw new InvalidArgumentError(`action profile: non-finite action at ${p.q}; check the coefficients`);
    profile.push({ q: p.q, action, minimum: p.minimum });
  }
  return { profile, minima: profile.filter((p) => p.minimum).map((p) => ({ q: p.q, action: p.action })) };
}

/**
 * d·Ŝ(q) of the cubic teacher (Eq. 13) on `points` values of q ∈ [−qMax, qMax] with the discrepancy (b, c) of a
 * solution (thermodynamic or finite d); the local minima — q = 0 when Ŝ''(0) > 0 and ±q of every non-trivial
 * minimum — are inserted and marked. Ŝ(0) = 0, so `action` is −log p(q) + log p(0).
 *
 * *Gotchas*: qMax defaults to max(1.6, 1.25 × the largest minimum), the range of the tour's overlap histograms.
 * @example
 * cubicActionProfile({ u: 30, b: 0.5, c: -0.3, sigmaW2: 0.5 }, 150).minima.length // 1 (GFL) or 3 (q = 0, ±q*)
 */
export function cubicActionProfile(
  k: CubicActionCoefficients,
  dim: number,
  opts: { points?: number; qMax?: number } = {},
): ActionProfile {
  if (!(Number.isFinite(dim) && dim > 0)) throw new InvalidArgumentError(`cubicActionProfile: dim must be > 0, got ${dim}`);
  const nontrivial = nontrivialMinimaCubic(k).map((m) => m.q);
  const minima = [...nontrivial.map((q) => -q), ...(reducedActionCubicSlopeOverQ(0, k) > 0 ? [0] : []), ...nontrivial];
  const qMax = opts.qMax ?? Math.max(1.6, 1.25 * Math.max(0, ...nontrivial));
  return merge(
    grid(-qMax, qMax, opts.points ?? 201),
    minima.filter((q) => Math.abs(q) <= qMax),
    (q) => dim * reducedActionCubic(q, k),
  );
}

/**
 * Per-mode action of modular addition S_k/P = Ŝ_k(x) = x − s x² + (γ/3)x³ (s = u a² at a solution) on `points` values
 * of x ∈ [0, xMax]; the minima x = 0 (always: Ŝ_k'(0) = 1) and x₊ = (s + √(s² − γ))/γ (when s ≥ √γ) are marked.
 * `q` in the returned points is x = |w_k|² = |v_k|².
 *
 * *Gotchas*: xMax defaults to 1.6·√(3/γ) (1.6 × the degenerate x* of `modularDegeneracy`) or 1.25·x₊ if larger.
 * @example
 * modularModeProfile(2 * Math.sqrt(1e-4 / 3), 1e-4).minima // [{ q: 0, action: 0 }, { q: √(3/γ) ≈ 173.2, action ≈ 0 }]
 */
export function modularModeProfile(s: number, gamma: number, opts: { points?: number; xMax?: number } = {}): ActionProfile {
  if (!(gamma > 0 && Number.isFinite(gamma)))
    throw new InvalidArgumentError(`modularModeProfile: gamma must be a finite number > 0, got ${gamma}`);
  if (!Number.isFinite(s)) throw new InvalidArgumentError(`modularModeProfile: s = u a² must be finite, got ${s}`);
  const sad = modularSaddles(s, gamma);
  const xMax = opts.xMax ?? Math.max(1.6 * Math.sqrt(3 / gamma), 1.25 * (sad?.xPlus ?? 0));
  const minima = [0, ...(sad && sad.xPlus <= xMax ? [sad.xPlus] : [])];
  return merge(grid(0, xMax, opts.points ?? 201), minima, (x) => modularModeAction(x, s, gamma));
}
