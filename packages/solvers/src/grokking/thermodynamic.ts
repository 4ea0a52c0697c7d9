/**
 * Thermodynamic-limit (d → ∞) cubic-teacher theory (docs/theory/grokking.md §3.5): the GFL discrepancy, the
 * first-order transition along a path (u_c, spinodal) and the GFL / GMFL-I droplet / GMFL-II solution at one point.
 */
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { brentRoot, newtonSystem, pair, triple } from '../numerics';
import {
  type CubicSolution,
  type CubicTeacherParams,
  type M11Convention,
  SQRT6,
  checkParams,
  cubicInvariants,
  cubicKernelProjection,
  deepestNontrivialMinimum,
  m11Factor,
  solveBC,
} from './action';

/**
 * GFL (d → ∞, only the q = 0 saddle) discrepancy: solves b[1 + κ·A/(1 − u A b²)] = 1 with A = 4σ_w²/(π(1+2σ_w²))
 * (docs/theory/grokking.md §3.5), c = ε. Returns b, d⟨q²⟩ (the enhanced variance along w*) and A_G = (4/(π(1+2σ_w²)))·d⟨q²⟩.
 *
 * *Gotchas*: the root always satisfies the stability bound 4uσ_w²b² < π(1+2σ_w²).
 * @example
 * gflDiscrepancy({ u: 0, kappa: 0, sigmaW2: 0.5 }).b // 1
 */
export function gflDiscrepancy(args: { u: number; kappa: number; sigmaW2: number; m11Convention?: M11Convention }): {
  b: number;
  dQ2: number;
  aG: number;
} {
  const { u, kappa, sigmaW2 } = args;
  if (!(u >= 0 && kappa >= 0 && sigmaW2 > 0))
    throw new InvalidArgumentError(`gflDiscrepancy: need u ≥ 0, kappa ≥ 0, sigmaW2 > 0 (got ${u}, ${kappa}, ${sigmaW2})`);
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
export function cubicCriticalPoint(
  p: Omit<CubicTeacherParams, 'sigma2'> & { sigma2?: number },
  opts: { m11Convention?: M11Convention; along?: CubicPathVariable } = {},
): CubicCriticalPoint {
  const along = opts.along ?? 'sigma2';
  checkParams({ ...p, sigma2: p.sigma2 ?? 1 }, along !== 'sigma2');
  const { sigmaA2, sigmaW2, epsilon, dim: d } = p;
  const conv = opts.m11Convention ?? 'corrected';
  // Every point of the path is labelled by u; the path variable and κ follow from it (κ² = u σ_a² N / d).
  const pointOfU = (u: number): { sigma2: number; width: number; samples: number } => {
    if (along === 'sigma2')
      return { sigma2: Math.sqrt((p.samples * p.samples * sigmaA2) / (u * d * p.width)), width: p.width, samples: p.samples };
    const s2 = p.sigma2 as number;
    if (along === 'width')
      return { sigma2: s2, width: (p.samples * p.samples * sigmaA2) / (s2 * s2 * d * u), samples: p.samples };
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
    if ((prev.min === null || prev.min.value > 0) && cur.min !== null && cur.min.value <= 0) {
      bracket = [lu - (hi - lo) / steps, lu];
      break;
    }
    prev = cur;
  }
  if (bracket === null) {
    throw new ConvergenceError({
      what: 'cubic transition search',
      iterations: steps,
      residual: NaN,
      tolerance: 0,
      detail: `no first-order transition for u in [1e-4, 1e8] on this ${along === 'sigma2' ? 'σ²' : along} path`,
      hint:
        epsilon === 0
          ? 'with ε = 0 the teacher has no cubic term and nothing to grok; use a non-zero epsilon'
          : `with ε = ${epsilon} the linear and cubic terms compete and the transition may be absent; try another epsilon`,
    });
  }
  const g = (lu: number) => {
    const r = atLogU(lu);
    return r.min === null ? 1 : r.min.value;
  };
  const luc = brentRoot(g, bracket[0], bracket[1], { xtol: 1e-15, maxIterations: 400, what: 'cubic transition u_c' }).root;
  const c = atLogU(luc);
  let luS = bracket[0];
  if (spin !== null) {
    let a = spin[0];
    let b = spin[1];
    for (let i = 0; i < 200 && b - a > 1e-15; i++) {
      const m = 0.5 * (a + b);
      if (atLogU(m).min === null) a = m;
      else b = m;
    }
    luS = b;
  }
  if (c.min === null)
    throw new ConvergenceError({
      what: 'cubic transition u_c',
      iterations: 0,
      residual: NaN,
      tolerance: 0,
      detail: 'no non-trivial minimum at the bracketed critical point',
      hint: 'the transition is degenerate here; change epsilon or sigma-w2',
    });
  const crit = pointOfU(c.u);
  const spinPt = pointOfU(Math.exp(luS));
  return {
    uCritical: c.u,
    sigma2Critical: c.sigma2,
    kappaCritical: c.kappa,
    qStar: c.min.q,
    b: c.b,
    sigma2Spinodal: s2OfU(Math.exp(luS)),
    uSpinodal: Math.exp(luS),
    along,
    criticalValue: crit[along],
    spinodalValue: spinPt[along],
  };
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
export function solveCubicThermodynamic(
  p: CubicTeacherParams,
  opts: { m11Convention?: M11Convention; steps?: number } = {},
): CubicSolution {
  checkParams(p);
  const conv = opts.m11Convention ?? 'corrected';
  const { u, kappa } = cubicInvariants(p);
  const { sigmaW2, epsilon, dim: d } = p;
  const base = { limit: 'thermodynamic' as const, u, kappa };
  const gfl = () => {
    const { b } = gflDiscrepancy({ u, kappa, sigmaW2, m11Convention: conv });
    const min = deepestNontrivialMinimum({ u, b, c: epsilon, sigmaW2 });
    return {
      phase: 'GFL' as const,
      b,
      c: epsilon,
      learnedLinear: 1 - b,
      learnedCubic: 0,
      qStar: null,
      dropletDensity: 0,
      dropletFraction: 0,
      actionAtQStar: min ? min.value : null,
      ...base,
    };
  };
  let crit: CubicCriticalPoint;
  try {
    crit = cubicCriticalPoint(p, { m11Convention: conv });
  } catch (e) {
    if (ConvergenceError.isInstance(e)) return gfl();
    throw e;
  }
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
      throw new ConvergenceError({
        what: 'GMFL-I continuation in log σ²',
        iterations: maxContinuationSteps,
        residual: Math.abs(l1 - l),
        tolerance: 0,
        detail: `stopped at σ² = ${Math.exp(l).toPrecision(6)}, target ${p.sigma2}`,
        hint: 'the droplet branch may end before the target σ² (spinodal); use the thermodynamic limit or a σ² closer to the transition',
      });
    }
    const lNext = Math.abs(l1 - l) <= Math.abs(h) * (1 + 1e-12) ? l1 : l + h;
    const sigma2 = Math.exp(lNext);
    const inv = cubicInvariants({ ...p, sigma2 });
    const F = (v: Float64Array): Float64Array => {
      const [b, c, r] = triple(v);
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
    const [bx, cx, rx] = triple(x);
    const min = deepestNontrivialMinimum({ u: inv.u, b: bx, c: cx, sigmaW2 });
    lastQ = min ? min.q : lastQ;
    if (rx > d) return solveAllAligned(p, conv, bx, cx);
  }
  const [b, c, r] = triple(x);
  const min = deepestNontrivialMinimum({ u, b, c, sigmaW2 });
  return {
    phase: 'GMFL-I',
    b,
    c,
    learnedLinear: 1 - b,
    learnedCubic: epsilon - c,
    qStar: min ? min.q : lastQ,
    dropletDensity: r,
    dropletFraction: r / d,
    actionAtQStar: min ? min.value : 0,
    ...base,
  };
}

/** GMFL-II: every neuron at ±q*; (I + κ d F(q*))[b, √6c] = [1, √6ε] with Ŝ'(q*) = 0. */
function solveAllAligned(p: CubicTeacherParams, conv: M11Convention, b0: number, c0: number): CubicSolution {
  const { u, kappa } = cubicInvariants(p);
  const { sigmaW2, epsilon, dim: d } = p;
  const F = (v: Float64Array): Float64Array => {
    const [vb, vc] = pair(v);
    const min = deepestNontrivialMinimum({ u, b: vb, c: vc, sigmaW2 });
    if (min === null) return Float64Array.from([NaN, NaN]);
    const [F11, F13, F33] = cubicKernelProjection(min.q, sigmaW2, conv);
    const s = solveBC(kappa * d * F11, kappa * d * F13, kappa * d * F33, epsilon);
    return Float64Array.from([s.b - vb, s.c - vc]);
  };
  const sol = newtonSystem(F, [b0, c0], {
    tolerance: 1e-13,
    maxIterations: 100,
    what: 'GMFL-II all-aligned solve',
    fdStep: 1e-7,
  });
  const [b, c] = pair(sol.x);
  const min = deepestNontrivialMinimum({ u, b, c, sigmaW2 });
  return {
    phase: 'GMFL-II',
    b,
    c,
    learnedLinear: 1 - b,
    learnedCubic: epsilon - c,
    qStar: min ? min.q : null,
    dropletDensity: d,
    dropletFraction: 1,
    actionAtQStar: min ? min.value : null,
    limit: 'thermodynamic',
    u,
    kappa,
  };
}
