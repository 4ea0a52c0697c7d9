/**
 * Cubic-teacher reduced adaptive-kernel theory (Rubin, Seroussi & Ringel, ICLR 2024, App. A; corrected as in
 * docs/theory/grokking.md §3 and §5): the parameters, the scaling invariants, the erf–Hermite projections and the
 * reduced action Ŝ(q) with its non-trivial minima. The solvers built on it are in `thermodynamic.ts`
 * (d → ∞), `finite-d.ts` (finite d) and `sweep.ts` (paths).
 *
 * Model: f(x) = Σ_i a_i erf(w_i·x), w_i ~ N(0, σ_w²/d · I), a_i ~ N(0, σ_a²/N) (σ_a² is the TOTAL readout scale),
 * teacher y = H1(w*·x) + ε H3(w*·x), Gaussian inputs, GP noise σ². Discrepancy ansatz σ² t̄ = b H1 + c H3,
 * order parameter q = w·w*, reduced action S(q) = d·Ŝ(q).
 */
import { InvalidArgumentError } from '@sftdl/compute';
import { brentRoot } from '../numerics';

export const SQRT6 = Math.sqrt(6);
const SQRT_PI = Math.sqrt(Math.PI);

/** Inputs of the cubic-teacher theory. Names follow the library convention (paper symbols in brackets). */
export interface CubicTeacherParams {
  /** n, number of training samples. */
  samples: number;
  /** d, input dimension. */
  dim: number;
  /** N, hidden width. */
  width: number;
  /** σ_w², read-in prior scale (per-component variance σ_w²/d). */
  sigmaW2: number;
  /** σ_a², TOTAL readout scale: the output kernel is σ_a² E[φφ], the per-weight variance σ_a²/N. */
  sigmaA2: number;
  /** σ², GP noise = Langevin temperature. */
  sigma2: number;
  /** ε, strength of the H3 = z³ − 3z term of the teacher. */
  epsilon: number;
}

/** `corrected` (default): M11 = ⟨4q²/(πD)⟩. `printed`: the paper's App. A.3 typo 2q²/(πD), kept only to show its effect. */
export type M11Convention = 'corrected' | 'printed';

/** Phase labels of the grokking paper. */
export type GrokkingPhase = 'GFL' | 'GMFL-I' | 'GMFL-II';

/** Checks the parameters (σ² only when `needSigma2`). @internal */
export function checkParams(p: CubicTeacherParams, needSigma2 = true): void {
  for (const k of ['samples', 'dim', 'width', 'sigmaW2', 'sigmaA2'] as const) {
    if (!(Number.isFinite(p[k]) && p[k] > 0))
      throw new InvalidArgumentError(`cubic teacher: ${k} must be a finite number > 0, got ${p[k]}`);
  }
  if (needSigma2 && !(Number.isFinite(p.sigma2) && p.sigma2 > 0))
    throw new InvalidArgumentError(`cubic teacher: sigma2 must be a finite number > 0, got ${p.sigma2}`);
  if (!Number.isFinite(p.epsilon)) throw new InvalidArgumentError(`cubic teacher: epsilon must be finite, got ${p.epsilon}`);
}

/**
 * The two scaling invariants: u = n²σ_a²/(σ⁴ d N) (effective interaction) and κ = n σ_a²/(σ² d) (= n_eff/d).
 * @example
 * cubicInvariants({ samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, sigma2: 0.18, epsilon: -0.3 }) // { u ≈ 30.23, kappa ≈ 1.270 }
 */
export function cubicInvariants(p: CubicTeacherParams): { u: number; kappa: number } {
  checkParams(p);
  const { samples: n, dim: d, width: N, sigmaA2, sigma2 } = p;
  return { u: (n * n * sigmaA2) / (sigma2 * sigma2 * d * N), kappa: (n * sigmaA2) / (sigma2 * d) };
}

/**
 * Exact erf–Hermite projections for x ~ N(0, I), z = w*·x, q = w·w*, s² = |w|² (docs/theory/grokking.md §3.2):
 * `h1` = E[z erf(w·x)], `h3` = E[H3(z) erf(w·x)], `z3` = E[z³ erf(w·x)].
 * @example
 * erfHermiteProjections(0.5, 0.75).h1 // (2/√π)·0.5/√2.5
 */
export function erfHermiteProjections(q: number, s2: number): { h1: number; h3: number; z3: number } {
  const D = 1 + 2 * s2;
  const h1 = ((2 / SQRT_PI) * q) / Math.sqrt(D);
  return { h1, h3: ((-4 / SQRT_PI) * q ** 3) / D ** 1.5, z3: h1 * (3 - (2 * q * q) / D) };
}

/** Coefficients of the reduced action: u (interaction), b, c (discrepancy) and σ_w². */
export interface CubicActionCoefficients {
  u: number;
  b: number;
  c: number;
  sigmaW2: number;
}

/**
 * Normalised reduced action Ŝ(q) = q²/(2σ_w²) − (2u/π)(q²/D)(b − 2c q²/D)², D = 1 + 2(σ_w² + q²) (Eq. 13).
 * The single-neuron law of the overlap is p(q) ∝ exp(−d Ŝ(q)); Ŝ(0) = 0.
 * @example
 * reducedActionCubic(0, { u: 30, b: 0.3, c: -0.3, sigmaW2: 0.5 }) // 0
 */
export function reducedActionCubic(q: number, k: CubicActionCoefficients): number {
  const D = 1 + 2 * (k.sigmaW2 + q * q);
  const r = (q * q) / D;
  const br = k.b - 2 * k.c * r;
  return (q * q) / (2 * k.sigmaW2) - ((2 * k.u) / Math.PI) * r * br * br;
}

/** Ŝ'(q)/q (analytic), whose zeros at q > 0 are the non-trivial saddles; it excludes the trivial q = 0 zero. */
export function reducedActionCubicSlopeOverQ(q: number, k: CubicActionCoefficients): number {
  const D0 = 1 + 2 * k.sigmaW2;
  const D = D0 + 2 * q * q;
  const r = (q * q) / D;
  return 1 / k.sigmaW2 - ((4 * k.u) / Math.PI) * (k.b - 2 * k.c * r) * (k.b - 6 * k.c * r) * (D0 / (D * D));
}

/** Upper end of the q-range beyond which Ŝ' > 0 surely (the data term of Ŝ is bounded). */
function qSearchMax(k: CubicActionCoefficients): number {
  const D0 = 1 + 2 * k.sigmaW2;
  const B = (Math.abs(k.b) + Math.abs(k.c)) * (Math.abs(k.b) + 3 * Math.abs(k.c));
  const D2 = ((4 * k.u) / Math.PI) * k.sigmaW2 * D0 * B;
  const D = Math.sqrt(Math.max(D2, 0));
  return Math.sqrt(Math.max((D - D0) / 2, 0)) + 0.5;
}

/**
 * Non-trivial local minima of Ŝ on q > 0 (Ŝ is even, so −q is also a minimum), each with its barrier (the local
 * maximum between it and the previous stationary point), sorted by q.
 */
export function nontrivialMinimaCubic(
  k: CubicActionCoefficients,
  opts: { gridPoints?: number } = {},
): { q: number; value: number; barrierQ: number }[] {
  const qMax = qSearchMax(k);
  const m = opts.gridPoints ?? 600;
  const h = (q: number) => reducedActionCubicSlopeOverQ(q, k);
  const out: { q: number; value: number; barrierQ: number }[] = [];
  let prevMax = 0;
  let q0 = qMax * 1e-4;
  let h0 = h(q0);
  for (let i = 1; i <= m; i++) {
    const q1 = qMax * 1e-4 + ((qMax - qMax * 1e-4) * i) / m;
    const h1 = h(q1);
    if (h0 > 0 && h1 <= 0)
      prevMax = h1 === 0 ? q1 : brentRoot(h, q0, q1, { xtol: 1e-15, maxIterations: 400, what: 'cubic barrier' }).root;
    if (h0 < 0 && h1 >= 0) {
      const q = h1 === 0 ? q1 : brentRoot(h, q0, q1, { xtol: 1e-15, maxIterations: 400, what: 'cubic saddle' }).root;
      out.push({ q, value: reducedActionCubic(q, k), barrierQ: prevMax });
    }
    q0 = q1;
    h0 = h1;
  }
  return out;
}

/** The deepest non-trivial local minimum of Ŝ on q > 0, or null when q = 0 is the only minimum. */
export function deepestNontrivialMinimum(k: CubicActionCoefficients): { q: number; value: number; barrierQ: number } | null {
  const ms = nontrivialMinimaCubic(k);
  if (ms.length === 0) return null;
  return ms.reduce((a, b) => (b.value < a.value ? b : a));
}

/** M11 numerator factor of the two conventions. @internal */
export const m11Factor = (conv: M11Convention) => (conv === 'printed' ? 2 : 4);

/**
 * Projected kernel of a neuron sitting at overlap q: F(q) = [[4q²/(πD), −8q⁴/(√6πD²)], [·, 8q⁶/(3πD³)]] in the
 * orthonormal {Ĥ1, Ĥ3} basis, returned as [F11, F13, F33].
 */
export function cubicKernelProjection(q: number, sigmaW2: number, conv: M11Convention = 'corrected'): [number, number, number] {
  const D = 1 + 2 * (sigmaW2 + q * q);
  const q2 = q * q;
  return [
    (m11Factor(conv) * q2) / (Math.PI * D),
    (-8 * q2 * q2) / (SQRT6 * Math.PI * D * D),
    (8 * q2 * q2 * q2) / (3 * Math.PI * D * D * D),
  ];
}

/** Solves (I + K)[b, √6 c] = [1, √6 ε] for a symmetric 2×2 K = [[K11, K13], [K13, K33]]. */
/** @internal */
export function solveBC(K11: number, K13: number, K33: number, epsilon: number): { b: number; c: number } {
  const a11 = 1 + K11;
  const a22 = 1 + K33;
  const det = a11 * a22 - K13 * K13;
  const y1 = 1;
  const y2 = SQRT6 * epsilon;
  const v1 = (a22 * y1 - K13 * y2) / det;
  const v2 = (a11 * y2 - K13 * y1) / det;
  return { b: v1, c: v2 / SQRT6 };
}

/** Result of the thermodynamic (d → ∞) or finite-d cubic solve. */
export interface CubicSolution {
  phase: GrokkingPhase;
  /** Linear discrepancy coefficient (σ² t̄ = b H1 + c H3). */
  b: number;
  /** Cubic discrepancy coefficient. */
  c: number;
  /** 1 − b: the learned H1 coefficient of f̄. */
  learnedLinear: number;
  /** ε − c: the learned H3 coefficient of f̄. */
  learnedCubic: number;
  /** Position of the non-trivial (droplet) minimum, or null when Ŝ has none. */
  qStar: number | null;
  /** r, the droplet density: the number of aligned neurons per input dimension (aligned fraction ρ = r/d). */
  dropletDensity: number;
  /** ρ = r/d, the fraction of neurons sitting at ±q*. */
  dropletFraction: number;
  u: number;
  kappa: number;
  /** Ŝ at q* (0 inside GMFL-I in the thermodynamic limit). */
  actionAtQStar: number | null;
  limit: 'thermodynamic' | 'finite';
  /** Finite d only: all distinct self-consistent roots (b, c); more than one flags metastability. */
  roots?: { b: number; c: number }[];
}
