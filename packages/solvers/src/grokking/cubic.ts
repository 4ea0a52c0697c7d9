/**
 * Cubic-teacher reduced adaptive-kernel theory (Rubin, Seroussi & Ringel, ICLR 2024, App. A; corrected as in
 * docs/theory/grokking.md §3 and §5).
 *
 * Model: f(x) = Σ_i a_i erf(w_i·x), w_i ~ N(0, σ_w²/d · I), a_i ~ N(0, σ_a²/N) (σ_a² is the TOTAL readout scale),
 * teacher y = H1(w*·x) + ε H3(w*·x), Gaussian inputs, GP noise σ². Discrepancy ansatz σ² t̄ = b H1 + c H3,
 * order parameter q = w·w*, reduced action S(q) = d·Ŝ(q).
 */
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { brentRoot, compositeGaussLegendre, newtonSystem } from '../numerics';
import { continuationBothWays } from './transitions';

const SQRT6 = Math.sqrt(6);
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

function checkParams(p: CubicTeacherParams, needSigma2 = true): void {
  for (const k of ['samples', 'dim', 'width', 'sigmaW2', 'sigmaA2'] as const) {
    if (!(Number.isFinite(p[k]) && p[k] > 0)) throw new InvalidArgumentError(`cubic teacher: ${k} must be a finite number > 0, got ${p[k]}`);
  }
  if (needSigma2 && !(Number.isFinite(p.sigma2) && p.sigma2 > 0)) throw new InvalidArgumentError(`cubic teacher: sigma2 must be a finite number > 0, got ${p.sigma2}`);
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
  const h1 = (2 / SQRT_PI) * q / Math.sqrt(D);
  return { h1, h3: (-4 / SQRT_PI) * q ** 3 / D ** 1.5, z3: h1 * (3 - (2 * q * q) / D) };
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
export function nontrivialMinimaCubic(k: CubicActionCoefficients, opts: { gridPoints?: number } = {}): { q: number; value: number; barrierQ: number }[] {
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
    if (h0 > 0 && h1 <= 0) prevMax = h1 === 0 ? q1 : brentRoot(h, q0, q1, { xtol: 1e-15, maxIterations: 400, what: 'cubic barrier' }).root;
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

const m11Factor = (conv: M11Convention) => (conv === 'printed' ? 2 : 4);

/**
 * Projected kernel of a neuron sitting at overlap q: F(q) = [[4q²/(πD), −8q⁴/(√6πD²)], [·, 8q⁶/(3πD³)]] in the
 * orthonormal {Ĥ1, Ĥ3} basis, returned as [F11, F13, F33].
 */
export function cubicKernelProjection(q: number, sigmaW2: number, conv: M11Convention = 'corrected'): [number, number, number] {
  const D = 1 + 2 * (sigmaW2 + q * q);
  const q2 = q * q;
  return [(m11Factor(conv) * q2) / (Math.PI * D), (-8 * q2 * q2) / (SQRT6 * Math.PI * D * D), (8 * q2 * q2 * q2) / (3 * Math.PI * D * D * D)];
}

/** Solves (I + K)[b, √6 c] = [1, √6 ε] for a symmetric 2×2 K = [[K11, K13], [K13, K33]]. */
function solveBC(K11: number, K13: number, K33: number, epsilon: number): { b: number; c: number } {
  const a11 = 1 + K11;
  const a22 = 1 + K33;
  const det = a11 * a22 - K13 * K13;
  const y1 = 1;
  const y2 = SQRT6 * epsilon;
  const v1 = (a22 * y1 - K13 * y2) / det;
  const v2 = (a11 * y2 - K13 * y1) / det;
  return { b: v1, c: v2 / SQRT6 };
}

/**
 * GFL (d → ∞, only the q = 0 saddle) discrepancy: solves b[1 + κ·A/(1 − u A b²)] = 1 with A = 4σ_w²/(π(1+2σ_w²))
 * (docs/theory/grokking.md §3.5), c = ε. Returns b, d⟨q²⟩ (the enhanced variance along w*) and A_G = (4/(π(1+2σ_w²)))·d⟨q²⟩.
 *
 * *Gotchas*: the root always satisfies the stability bound 4uσ_w²b² < π(1+2σ_w²).
 * @example
 * gflDiscrepancy({ u: 0, kappa: 0, sigmaW2: 0.5 }).b // 1
 */
export function gflDiscrepancy(args: { u: number; kappa: number; sigmaW2: number; m11Convention?: M11Convention }): { b: number; dQ2: number; aG: number } {
  const { u, kappa, sigmaW2 } = args;
  if (!(u >= 0 && kappa >= 0 && sigmaW2 > 0)) throw new InvalidArgumentError(`gflDiscrepancy: need u ≥ 0, kappa ≥ 0, sigmaW2 > 0 (got ${u}, ${kappa}, ${sigmaW2})`);
  const D0 = 1 + 2 * sigmaW2;
  const A = (4 * sigmaW2) / (Math.PI * D0);
  const Am = (m11Factor(args.m11Convention ?? 'corrected') * sigmaW2) / (Math.PI * D0);
  const bMax = u > 0 ? 1 / Math.sqrt(u * A) : Infinity;
  const f = (b: number) => b * (1 + (kappa * Am) / (1 - u * A * b * b)) - 1;
  const hi = bMax > 1 ? 1 : bMax * (1 - 1e-15);
  const b = kappa === 0 ? 1 : brentRoot(f, 0, hi, { xtol: 1e-16, maxIterations: 400, what: 'GFL discrepancy b' }).root;
  const dQ2 = sigmaW2 / (1 - u * A * b * b);
  return { b, dQ2, aG: (m11Factor(args.m11Convention ?? 'corrected') / (Math.PI * D0)) * dQ2 };
}

/** Result of {@link cubicCriticalPoint}. */
export interface CubicCriticalPoint {
  /** u at the first-order transition (d → ∞): min_{q≠0} Ŝ(q; b_GFL(u), ε) = 0. */
  uCritical: number;
  /** σ² at the transition (other parameters fixed). */
  sigma2Critical: number;
  kappaCritical: number;
  /** Position of the degenerate non-trivial minimum. */
  qStar: number;
  /** GFL discrepancy b at the transition. */
  b: number;
  /** Spinodal: the σ² (σ² path) at which a non-trivial local minimum of Ŝ first appears. */
  sigma2Spinodal: number;
  uSpinodal: number;
  /** The path variable, and its values at the transition and at the spinodal (e.g. the critical width N_c). */
  along: CubicPathVariable;
  criticalValue: number;
  spinodalValue: number;
}

/**
 * Which parameter moves along the transition path (the others fixed): `sigma2` (Fig. 2; u ∝ 1/σ⁴, κ ∝ 1/σ²),
 * `width` (App. D; u ∝ 1/N, κ fixed) or `samples` (u ∝ n², κ ∝ n). `width` and `samples` need `sigma2`.
 */
export type CubicPathVariable = 'sigma2' | 'width' | 'samples';

/**
 * Thermodynamic-limit (d → ∞) transition along a path (default the σ² path, n, d, N, σ_w², σ_a², ε fixed; or
 * `along: 'width' | 'samples'`): the point where a pair of non-trivial minima ±q* of Ŝ(q; b_GFL, c = ε) becomes
 * degenerate with q = 0 (Claim IV), and the spinodal where they first appear.
 *
 * *When to use*: the headline number of Fig. 2 (u_c ≈ 30.2, σ² ≈ 0.18 in the paper).
 * *Gotchas*: u_c is not a function of ε alone — it depends on κ (the path) and σ_w² too.
 * @example
 * cubicCriticalPoint({ samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 }).sigma2Critical // ≈ 0.1787
 */
export function cubicCriticalPoint(p: Omit<CubicTeacherParams, 'sigma2'> & { sigma2?: number }, opts: { m11Convention?: M11Convention; along?: CubicPathVariable } = {}): CubicCriticalPoint {
  const along = opts.along ?? 'sigma2';
  checkParams({ ...p, sigma2: p.sigma2 ?? 1 }, along !== 'sigma2');
  const { sigmaA2, sigmaW2, epsilon, dim: d } = p;
  const conv = opts.m11Convention ?? 'corrected';
  // Every point of the path is labelled by u; the path variable and κ follow from it (κ² = u σ_a² N / d).
  const pointOfU = (u: number): { sigma2: number; width: number; samples: number } => {
    if (along === 'sigma2') return { sigma2: Math.sqrt((p.samples * p.samples * sigmaA2) / (u * d * p.width)), width: p.width, samples: p.samples };
    const s2 = p.sigma2 as number;
    if (along === 'width') return { sigma2: s2, width: (p.samples * p.samples * sigmaA2) / (s2 * s2 * d * u), samples: p.samples };
    return { sigma2: s2, width: p.width, samples: Math.sqrt((u * s2 * s2 * d * p.width) / sigmaA2) };
  };
  const s2OfU = (u: number) => pointOfU(u).sigma2;
  const atLogU = (lu: number) => {
    const u = Math.exp(lu);
    const pt = pointOfU(u);
    const sigma2 = pt.sigma2;
    const kappa = (pt.samples * sigmaA2) / (sigma2 * d);
    const { b } = gflDiscrepancy({ u, kappa, sigmaW2, m11Convention: conv });
    const min = deepestNontrivialMinimum({ u, b, c: epsilon, sigmaW2 });
    return { u, sigma2, kappa, b, min };
  };
  // Scan log u upwards; the degeneracy is the first sign change of min Ŝ from + (or no minimum) to −.
  const lo = Math.log(1e-4);
  const hi = Math.log(1e8);
  const steps = 160;
  let prev = atLogU(lo);
  let bracket: [number, number] | null = null;
  let spin: [number, number] | null = null;
  for (let i = 1; i <= steps; i++) {
    const lu = lo + ((hi - lo) * i) / steps;
    const cur = atLogU(lu);
    if (spin === null && prev.min === null && cur.min !== null) spin = [lu - (hi - lo) / steps, lu];
    if ((prev.min === null || prev.min.value > 0) && cur.min !== null && cur.min.value <= 0) { bracket = [lu - (hi - lo) / steps, lu]; break; }
    prev = cur;
  }
  if (bracket === null) {
    throw new ConvergenceError({ what: 'cubic transition search', iterations: steps, residual: NaN, tolerance: 0, detail: `no first-order transition for u in [1e-4, 1e8] on this ${along === 'sigma2' ? 'σ²' : along} path`, hint: epsilon === 0 ? 'with ε = 0 the teacher has no cubic term and nothing to grok; use a non-zero epsilon' : `with ε = ${epsilon} the linear and cubic terms compete and the transition may be absent; try another epsilon` });
  }
  const g = (lu: number) => { const r = atLogU(lu); return r.min === null ? 1 : r.min.value; };
  const luc = brentRoot(g, bracket[0], bracket[1], { xtol: 1e-15, maxIterations: 400, what: 'cubic transition u_c' }).root;
  const c = atLogU(luc);
  let luS = bracket[0];
  if (spin !== null) {
    let a = spin[0];
    let b = spin[1];
    for (let i = 0; i < 200 && b - a > 1e-15; i++) { const m = 0.5 * (a + b); if (atLogU(m).min === null) a = m; else b = m; }
    luS = b;
  }
  if (c.min === null) throw new ConvergenceError({ what: 'cubic transition u_c', iterations: 0, residual: NaN, tolerance: 0, detail: 'no non-trivial minimum at the bracketed critical point', hint: 'the transition is degenerate here; change epsilon or sigma-w2' });
  const crit = pointOfU(c.u);
  const spinPt = pointOfU(Math.exp(luS));
  return {
    uCritical: c.u, sigma2Critical: c.sigma2, kappaCritical: c.kappa, qStar: c.min.q, b: c.b, sigma2Spinodal: s2OfU(Math.exp(luS)), uSpinodal: Math.exp(luS),
    along, criticalValue: crit[along], spinodalValue: spinPt[along],
  };
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

/**
 * Thermodynamic-limit (d → ∞) solution at one parameter point: GFL closed form above the transition, the
 * GMFL-I droplet solution (r, q*, b, c) with min_{q≠0} Ŝ = 0 below it (docs/theory/grokking.md §3.5), continued from the critical
 * point, and an all-aligned GMFL-II solution once r reaches d.
 *
 * *When to use*: learned coefficients and phase in the scaling limit of the paper.
 * *Gotchas*: the droplet bookkeeping assumes r = O(1); the phase is reported GMFL-II when r would exceed d.
 * @example
 * solveCubicThermodynamic({ samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, sigma2: 0.15, epsilon: -0.3 }).phase // 'GMFL-I'
 */
export function solveCubicThermodynamic(p: CubicTeacherParams, opts: { m11Convention?: M11Convention; steps?: number } = {}): CubicSolution {
  checkParams(p);
  const conv = opts.m11Convention ?? 'corrected';
  const { u, kappa } = cubicInvariants(p);
  const { sigmaW2, epsilon, dim: d } = p;
  const base = { limit: 'thermodynamic' as const, u, kappa };
  const gfl = () => {
    const { b } = gflDiscrepancy({ u, kappa, sigmaW2, m11Convention: conv });
    const min = deepestNontrivialMinimum({ u, b, c: epsilon, sigmaW2 });
    return { phase: 'GFL' as const, b, c: epsilon, learnedLinear: 1 - b, learnedCubic: 0, qStar: null, dropletDensity: 0, dropletFraction: 0, actionAtQStar: min ? min.value : null, ...base };
  };
  let crit: CubicCriticalPoint;
  try { crit = cubicCriticalPoint(p, { m11Convention: conv }); } catch (e) { if (ConvergenceError.isInstance(e)) return gfl(); throw e; }
  if (p.sigma2 >= crit.sigma2Critical) return gfl();
  // Continue the GMFL-I system in log σ² from the critical point to the target.
  const steps = opts.steps ?? 24;
  let x: Float64Array = Float64Array.from([crit.b, epsilon, 0]);
  let lastQ = crit.qStar;
  const l0 = Math.log(crit.sigma2Critical);
  const l1 = Math.log(p.sigma2);
  // Adaptive continuation in log σ²: a failed Newton solve halves the step (up to 2^-14 of the initial one).
  let h = (l1 - l0) / steps;
  let l = l0;
  // hard cap on continuation steps (successful or halved): the halving floor alone allows ~4·10⁵ Newton solves
  const maxContinuationSteps = 4000;
  let continuationSteps = 0;
  while (l !== l1) {
    if (++continuationSteps > maxContinuationSteps) {
      throw new ConvergenceError({ what: 'GMFL-I continuation in log σ²', iterations: maxContinuationSteps, residual: Math.abs(l1 - l), tolerance: 0, detail: `stopped at σ² = ${Math.exp(l).toPrecision(6)}, target ${p.sigma2}`, hint: 'the droplet branch may end before the target σ² (spinodal); use the thermodynamic limit or a σ² closer to the transition' });
    }
    const lNext = Math.abs(l1 - l) <= Math.abs(h) * (1 + 1e-12) ? l1 : l + h;
    const sigma2 = Math.exp(lNext);
    const inv = cubicInvariants({ ...p, sigma2 });
    const F = (v: Float64Array): Float64Array => {
      const [b, c, r] = [v[0], v[1], v[2]];
      const min = deepestNontrivialMinimum({ u: inv.u, b, c, sigmaW2 });
      if (min === null) return Float64Array.from([NaN, NaN, NaN]);
      const D0 = 1 + 2 * sigmaW2;
      const A = (4 * sigmaW2) / (Math.PI * D0);
      const den = 1 - inv.u * A * b * b;
      if (!(den > 0)) return Float64Array.from([NaN, NaN, NaN]);
      const aG = ((m11Factor(conv) / (Math.PI * D0)) * sigmaW2) / den;
      const [F11, F13, F33] = cubicKernelProjection(min.q, sigmaW2, conv);
      const k11 = inv.kappa * (aG + r * F11);
      const k13 = inv.kappa * r * F13;
      const k33 = inv.kappa * r * F33;
      const v1 = b;
      const v2 = SQRT6 * c;
      return Float64Array.from([min.value, (1 + k11) * v1 + k13 * v2 - 1, k13 * v1 + (1 + k33) * v2 - SQRT6 * epsilon]);
    };
    let sol: { x: Float64Array };
    try {
      sol = newtonSystem(F, x, { tolerance: 1e-13, maxIterations: 80, what: 'GMFL-I droplet solve', fdStep: 1e-7 });
    } catch (e) {
      if (!ConvergenceError.isInstance(e) || Math.abs(h) < Math.abs(l1 - l0) / steps / 16384) throw e;
      h /= 2;
      continue;
    }
    l = lNext;
    x = sol.x;
    const min = deepestNontrivialMinimum({ u: inv.u, b: x[0], c: x[1], sigmaW2 });
    lastQ = min ? min.q : lastQ;
    if (x[2] > d) return solveAllAligned(p, conv, x[0], x[1]);
  }
  const [b, c, r] = [x[0], x[1], x[2]];
  const min = deepestNontrivialMinimum({ u, b, c, sigmaW2 });
  return { phase: 'GMFL-I', b, c, learnedLinear: 1 - b, learnedCubic: epsilon - c, qStar: min ? min.q : lastQ, dropletDensity: r, dropletFraction: r / d, actionAtQStar: min ? min.value : 0, ...base };
}

/** GMFL-II: every neuron at ±q*; (I + κ d F(q*))[b, √6c] = [1, √6ε] with Ŝ'(q*) = 0. */
function solveAllAligned(p: CubicTeacherParams, conv: M11Convention, b0: number, c0: number): CubicSolution {
  const { u, kappa } = cubicInvariants(p);
  const { sigmaW2, epsilon, dim: d } = p;
  const F = (v: Float64Array): Float64Array => {
    const min = deepestNontrivialMinimum({ u, b: v[0], c: v[1], sigmaW2 });
    if (min === null) return Float64Array.from([NaN, NaN]);
    const [F11, F13, F33] = cubicKernelProjection(min.q, sigmaW2, conv);
    const s = solveBC(kappa * d * F11, kappa * d * F13, kappa * d * F33, epsilon);
    return Float64Array.from([s.b - v[0], s.c - v[1]]);
  };
  const sol = newtonSystem(F, [b0, c0], { tolerance: 1e-13, maxIterations: 100, what: 'GMFL-II all-aligned solve', fdStep: 1e-7 });
  const [b, c] = [sol.x[0], sol.x[1]];
  const min = deepestNontrivialMinimum({ u, b, c, sigmaW2 });
  return { phase: 'GMFL-II', b, c, learnedLinear: 1 - b, learnedCubic: epsilon - c, qStar: min ? min.q : null, dropletDensity: d, dropletFraction: 1, actionAtQStar: min ? min.value : null, limit: 'thermodynamic', u, kappa };
}

/** Quadrature of p(q) ∝ exp(−d Ŝ(q)) on the half line; returns moments and the aligned mass beyond the barrier. */
function finiteDMoments(k: CubicActionCoefficients, d: number, conv: M11Convention, panelWidth?: number): { M11: number; M13: number; M33: number; aligned: number; min: { q: number; value: number; barrierQ: number } | null } {
  const D0 = 1 + 2 * k.sigmaW2;
  const B = (Math.abs(k.b) + 2 * Math.abs(k.c)) ** 2;
  // Ŝ(q) ≥ q²/(2σ_w²) − (u/π)B, so exp(−dŜ) is below e^{−80} beyond qMax.
  const qMax = Math.sqrt(2 * k.sigmaW2 * ((k.u / Math.PI) * B + 80 / d));
  const hw = panelWidth ?? Math.min(0.02, 0.25 / Math.sqrt(d));
  const panels = Math.max(50, Math.ceil(qMax / hw));
  const { x, w } = compositeGaussLegendre(0, qMax, panels, 16);
  const S = new Float64Array(x.length);
  let Smin = 0;
  for (let i = 0; i < x.length; i++) { S[i] = d * reducedActionCubic(x[i], k); if (S[i] < Smin) Smin = S[i]; }
  const min = deepestNontrivialMinimum(k);
  const barrier = min ? min.barrierQ : Infinity;
  let Z = 0;
  let m11 = 0;
  let m13 = 0;
  let m33 = 0;
  let al = 0;
  const f = m11Factor(conv);
  for (let i = 0; i < x.length; i++) {
    const pw = w[i] * Math.exp(-(S[i] - Smin));
    const q2 = x[i] * x[i];
    const D = D0 + 2 * q2;
    Z += pw;
    m11 += pw * (f * q2) / (Math.PI * D);
    m13 += pw * (-8 * q2 * q2) / (SQRT6 * Math.PI * D * D);
    m33 += pw * (8 * q2 * q2 * q2) / (3 * Math.PI * D * D * D);
    if (x[i] > barrier) al += pw;
  }
  return { M11: m11 / Z, M13: m13 / Z, M33: m33 / Z, aligned: al / Z, min };
}

/**
 * The finite-d map G(b, c) of docs/theory/grokking.md §3.6: the (b', c') implied by p(q) ∝ exp(−dŜ(q; b, c)).
 * A self-consistent solution is a fixed point G(b, c) = (b, c).
 */
export function cubicFiniteDMap(p: CubicTeacherParams, b: number, c: number, opts: { m11Convention?: M11Convention } = {}): { b: number; c: number; alignedFraction: number } {
  const { u, kappa } = cubicInvariants(p);
  const mo = finiteDMoments({ u, b, c, sigmaW2: p.sigmaW2 }, p.dim, opts.m11Convention ?? 'corrected');
  const kd = kappa * p.dim;
  const s = solveBC(kd * mo.M11, kd * mo.M13, kd * mo.M33, p.epsilon);
  return { ...s, alignedFraction: mo.aligned };
}

/**
 * Finite-d self-consistent (b, c) by multi-start Newton on G(b, c) − (b, c) (docs/theory/grokking.md §3.6), with p(q) ∝ exp(−dŜ(q))
 * integrated by composite Gauss–Legendre quadrature on the half line.
 *
 * *When to use*: comparison with finite-size experiments (Fig. 2c at each β). Every distinct root is reported in
 * `roots`; the primary one (returned) is the continuation of `guess` when given, otherwise the root with the largest
 * b (the branch connected to the no-learning state).
 * *Gotchas*: the phase label at finite d is a crossover label from the aligned mass ρ (mass beyond the barrier):
 * GFL when r = dρ < 0.1, GMFL-II when ρ > 1/2, else GMFL-I.
 * @example
 * solveCubicFiniteD({ samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, sigma2: 0.25, epsilon: -0.3 }).b
 */
export function solveCubicFiniteD(p: CubicTeacherParams, opts: { m11Convention?: M11Convention; guess?: { b: number; c: number }; tolerance?: number; multiStart?: boolean } = {}): CubicSolution {
  checkParams(p);
  const conv = opts.m11Convention ?? 'corrected';
  const tol = opts.tolerance ?? 1e-12;
  const { u, kappa } = cubicInvariants(p);
  const cap = 4 + 4 * Math.abs(p.epsilon);
  const F = (v: Float64Array) => {
    // The self-consistent (b, c) are O(1) (|b| ≤ 1 when learning helps); far iterates are rejected by the line search.
    if (!(Math.abs(v[0]) < cap && Math.abs(v[1]) < cap)) return Float64Array.from([NaN, NaN]);
    const g = cubicFiniteDMap(p, v[0], v[1], { m11Convention: conv });
    return Float64Array.from([g.b - v[0], g.c - v[1]]);
  };
  const starts: [number, number][] = [];
  if (opts.guess) starts.push([opts.guess.b, opts.guess.c]);
  if (opts.multiStart !== false || !opts.guess) {
    const bG = gflDiscrepancy({ u, kappa, sigmaW2: p.sigmaW2, m11Convention: conv }).b;
    starts.push([bG, p.epsilon], [1, p.epsilon]);
    for (const b of [0.05, 0.15, 0.3, 0.5, 0.8]) for (const cf of [1, 0.5, 0.1]) starts.push([b, cf * p.epsilon]);
  }
  const roots: { b: number; c: number }[] = [];
  for (const s of starts) {
    let r: { x: Float64Array } | null = null;
    try { r = newtonSystem(F, s, { tolerance: tol, maxIterations: 30, what: 'finite-d cubic (b, c) solve', fdStep: 1e-7 }); } catch (e) { if (!ConvergenceError.isInstance(e)) throw e; }
    if (r && r.x.every(Number.isFinite) && !roots.some((q) => Math.abs(q.b - r.x[0]) + Math.abs(q.c - r.x[1]) < 1e-7)) roots.push({ b: r.x[0], c: r.x[1] });
    if (opts.guess && roots.length > 0 && opts.multiStart === false) break;
  }
  if (roots.length === 0) throw new ConvergenceError({ what: 'finite-d cubic (b, c) solve', iterations: 60 * starts.length, residual: NaN, tolerance: tol, detail: 'no start converged', hint: 'no start converged; try a guess from a neighbouring parameter point (sweepCubic does this)' });
  let primary = roots[0];
  if (!opts.guess) primary = roots.reduce((a, b) => (b.b > a.b ? b : a));
  const g = cubicFiniteDMap(p, primary.b, primary.c, { m11Convention: conv });
  const min = deepestNontrivialMinimum({ u, b: primary.b, c: primary.c, sigmaW2: p.sigmaW2 });
  const rho = min ? g.alignedFraction : 0;
  const r = rho * p.dim;
  const phase: GrokkingPhase = rho > 0.5 ? 'GMFL-II' : r >= 0.1 ? 'GMFL-I' : 'GFL';
  return {
    phase, b: primary.b, c: primary.c, learnedLinear: 1 - primary.b, learnedCubic: p.epsilon - primary.c,
    qStar: min ? min.q : null, dropletDensity: r, dropletFraction: rho, u, kappa, actionAtQStar: min ? min.value : null,
    limit: 'finite', roots: roots.sort((a, b) => b.b - a.b),
  };
}

/** One point of a {@link sweepCubic}. */
export interface CubicSweepPoint extends CubicSolution {
  sigma2: number;
  params: CubicTeacherParams;
}

/**
 * Sweeps the cubic theory along any parameter path (a list of parameter sets, e.g. a σ² grid or the Fig. 2 β-path).
 * In the finite-d limit the solution is continued forwards and backwards; `hysteresis` lists the stretches of the
 * path where the two continuations end on different roots (metastability near the first-order transition).
 * @example
 * const base = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };
 * sweepCubic([0.3, 0.2, 0.15].map((sigma2) => ({ ...base, sigma2 })), { limit: 'thermodynamic' }).points.map((p) => p.phase)
 */
export function sweepCubic(path: readonly CubicTeacherParams[], opts: { limit?: 'thermodynamic' | 'finite'; m11Convention?: M11Convention } = {}): { points: CubicSweepPoint[]; hysteresis: { tStart: number; tEnd: number }[] } {
  const limit = opts.limit ?? 'thermodynamic';
  if (limit === 'thermodynamic') {
    return { points: path.map((params) => ({ ...solveCubicThermodynamic(params, opts), sigma2: params.sigma2, params })), hysteresis: [] };
  }
  const idx = path.map((_, i) => i);
  const cont = continuationBothWays<CubicSolution>(idx, (i, g) => {
    try { return solveCubicFiniteD(path[i], { ...opts, ...(g ? { guess: { b: g.b, c: g.c }, multiStart: false } : {}) }); } catch (e) { if (ConvergenceError.isInstance(e)) return null; throw e; }
  }, (a, b) => Math.abs(a.b - b.b) + Math.abs(a.c - b.c), 1e-6);
  const points = path.map((params, i) => {
    const s = cont.forward[i] ?? solveCubicFiniteD(params, opts);
    return { ...s, sigma2: params.sigma2, params };
  });
  return { points, hysteresis: cont.hysteresis.map((h) => ({ tStart: path[h.tStart].sigma2, tEnd: path[h.tEnd].sigma2 })) };
}

