/**
 * Finite-d cubic-teacher theory (docs/theory/grokking.md §3.6): the map G(b, c) implied by p(q) ∝ exp(−dŜ(q; b, c))
 * and its self-consistent roots.
 */
import { ConvergenceError } from '@sftdl/compute';
import { multistart } from '@sftdl/field';
import { compositeGaussLegendre, newtonSystem, pair } from '../numerics';
import {
  type CubicActionCoefficients,
  type CubicSolution,
  type CubicTeacherParams,
  type GrokkingPhase,
  type M11Convention,
  SQRT6,
  checkParams,
  cubicInvariants,
  deepestNontrivialMinimum,
  m11Factor,
  reducedActionCubic,
  solveBC,
} from './action';
import { gflDiscrepancy } from './thermodynamic';

/** Quadrature of p(q) ∝ exp(−d Ŝ(q)) on the half line; returns moments and the aligned mass beyond the barrier. */
function finiteDMoments(
  k: CubicActionCoefficients,
  d: number,
  conv: M11Convention,
  panelWidth?: number,
): { M11: number; M13: number; M33: number; aligned: number; min: { q: number; value: number; barrierQ: number } | null } {
  const D0 = 1 + 2 * k.sigmaW2;
  const B = (Math.abs(k.b) + 2 * Math.abs(k.c)) ** 2;
  // Ŝ(q) ≥ q²/(2σ_w²) − (u/π)B, so exp(−dŜ) is below e^{−80} beyond qMax.
  const qMax = Math.sqrt(2 * k.sigmaW2 * ((k.u / Math.PI) * B + 80 / d));
  const hw = panelWidth ?? Math.min(0.02, 0.25 / Math.sqrt(d));
  const panels = Math.max(50, Math.ceil(qMax / hw));
  const { x, w } = compositeGaussLegendre(0, qMax, panels, 16);
  const S = new Float64Array(x.length);
  let Smin = 0;
  for (let i = 0; i < x.length; i++) {
    const Si = d * reducedActionCubic(x[i]!, k);
    S[i] = Si;
    if (Si < Smin) Smin = Si;
  }
  const min = deepestNontrivialMinimum(k);
  const barrier = min ? min.barrierQ : Infinity;
  let Z = 0;
  let m11 = 0;
  let m13 = 0;
  let m33 = 0;
  let al = 0;
  const f = m11Factor(conv);
  for (let i = 0; i < x.length; i++) {
    const q = x[i]!;
    const pw = w[i]! * Math.exp(-(S[i]! - Smin));
    const q2 = q * q;
    const D = D0 + 2 * q2;
    Z += pw;
    m11 += (pw * (f * q2)) / (Math.PI * D);
    m13 += (pw * (-8 * q2 * q2)) / (SQRT6 * Math.PI * D * D);
    m33 += (pw * (8 * q2 * q2 * q2)) / (3 * Math.PI * D * D * D);
    if (q > barrier) al += pw;
  }
  return { M11: m11 / Z, M13: m13 / Z, M33: m33 / Z, aligned: al / Z, min };
}

/**
 * The finite-d map G(b, c) of docs/theory/grokking.md §3.6: the (b', c') implied by p(q) ∝ exp(−dŜ(q; b, c)).
 * A self-consistent solution is a fixed point G(b, c) = (b, c).
 */
export function cubicFiniteDMap(
  p: CubicTeacherParams,
  b: number,
  c: number,
  opts: { m11Convention?: M11Convention } = {},
): { b: number; c: number; alignedFraction: number } {
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
export function solveCubicFiniteD(
  p: CubicTeacherParams,
  opts: { m11Convention?: M11Convention; guess?: { b: number; c: number }; tolerance?: number; multiStart?: boolean } = {},
): CubicSolution {
  checkParams(p);
  const conv = opts.m11Convention ?? 'corrected';
  const tol = opts.tolerance ?? 1e-12;
  const { u, kappa } = cubicInvariants(p);
  const cap = 4 + 4 * Math.abs(p.epsilon);
  const F = (v: Float64Array) => {
    // The self-consistent (b, c) are O(1) (|b| ≤ 1 when learning helps); far iterates are rejected by the line search.
    const [vb, vc] = pair(v);
    if (!(Math.abs(vb) < cap && Math.abs(vc) < cap)) return Float64Array.from([NaN, NaN]);
    const g = cubicFiniteDMap(p, vb, vc, { m11Convention: conv });
    return Float64Array.from([g.b - vb, g.c - vc]);
  };
  const starts: [number, number][] = [];
  if (opts.guess) starts.push([opts.guess.b, opts.guess.c]);
  if (opts.multiStart !== false || !opts.guess) {
    const bG = gflDiscrepancy({ u, kappa, sigmaW2: p.sigmaW2, m11Convention: conv }).b;
    starts.push([bG, p.epsilon], [1, p.epsilon]);
    for (const b of [0.05, 0.15, 0.3, 0.5, 0.8]) for (const cf of [1, 0.5, 0.1]) starts.push([b, cf * p.epsilon]);
  }
  const same = (a: { b: number; c: number }, q: { b: number; c: number }) => Math.abs(q.b - a.b) + Math.abs(q.c - a.c) < 1e-7;
  const solveFrom = ([b0, c0]: [number, number]) => {
    const r = newtonSystem(F, [b0, c0], { tolerance: tol, maxIterations: 30, what: 'finite-d cubic (b, c) solve', fdStep: 1e-7 });
    const [b, c] = pair(r.x);
    if (!Number.isFinite(b) || !Number.isFinite(c))
      throw new ConvergenceError({
        what: 'finite-d cubic (b, c) solve',
        iterations: r.iterations,
        residual: r.residual,
        tolerance: tol,
        detail: 'non-finite root',
      });
    return { b, c };
  };
  let roots: { b: number; c: number }[];
  try {
    roots = multistart(solveFrom, starts, { same }).results;
  } catch (e) {
    if (!ConvergenceError.isInstance(e)) throw e;
    throw new ConvergenceError({
      what: 'finite-d cubic (b, c) solve',
      iterations: 60 * starts.length,
      residual: NaN,
      tolerance: tol,
      detail: 'no start converged',
      hint: 'no start converged; try a guess from a neighbouring parameter point (sweepCubic does this)',
    });
  }
  // The continuation of `guess` (found from the first start) or, without a guess, the root with the largest b.
  const primary = opts.guess ? roots[0]! : roots.reduce((a, b) => (b.b > a.b ? b : a));
  const g = cubicFiniteDMap(p, primary.b, primary.c, { m11Convention: conv });
  const min = deepestNontrivialMinimum({ u, b: primary.b, c: primary.c, sigmaW2: p.sigmaW2 });
  const rho = min ? g.alignedFraction : 0;
  const r = rho * p.dim;
  const phase: GrokkingPhase = rho > 0.5 ? 'GMFL-II' : r >= 0.1 ? 'GMFL-I' : 'GFL';
  return {
    phase,
    b: primary.b,
    c: primary.c,
    learnedLinear: 1 - primary.b,
    learnedCubic: p.epsilon - primary.c,
    qStar: min ? min.q : null,
    dropletDensity: r,
    dropletFraction: rho,
    u,
    kappa,
    actionAtQStar: min ? min.value : null,
    limit: 'finite',
    roots: roots.sort((a, b) => b.b - a.b),
  };
}
