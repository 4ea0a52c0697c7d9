/**
 * Phase-transition detection along a one-parameter path: local minima of a 1-D landscape, first-order jumps of
 * the global minimiser, degeneracy crossings, spinodals (a local minimum appears or vanishes) and hysteresis
 * (forward + backward continuation of a self-consistent solution).
 */
import { InvalidArgumentError } from '@sftdl/compute';
import { brentMinimize } from '../numerics';

/** A local minimum of a 1-D landscape. `boundary` is true when it sits on an end of the search interval. */
export interface LandscapeMinimum {
  x: number;
  value: number;
  boundary: boolean;
}

/**
 * All local minima of f on [lo, hi], found on a grid and refined with Brent's method, sorted by x.
 *
 * *When to use*: order-parameter landscapes such as Ŝ(q) of the cubic teacher or Ŝ_k(x) of modular addition.
 * *Gotchas*: minima narrower than the grid spacing are missed — raise `gridPoints`; a minimum on an end point is
 * reported with `boundary: true` (for an even action searched on [0, ∞) the trivial q = 0 minimum is such a point).
 * @example
 * localMinima1d((x) => (x * x - 1) ** 2, -2, 2) // ≈ [{ x: -1 }, { x: 1 }]
 */
export function localMinima1d(f: (x: number) => number, lo: number, hi: number, opts: { gridPoints?: number; xtol?: number } = {}): LandscapeMinimum[] {
  if (!(hi > lo)) throw new InvalidArgumentError(`localMinima1d: need hi > lo, got [${lo}, ${hi}]`);
  const m = Math.max(8, opts.gridPoints ?? 800);
  const xs = new Float64Array(m + 1);
  const vs = new Float64Array(m + 1);
  for (let i = 0; i <= m; i++) { xs[i] = lo + ((hi - lo) * i) / m; vs[i] = f(xs[i]); }
  const out: LandscapeMinimum[] = [];
  if (vs[0] < vs[1]) out.push({ x: lo, value: vs[0], boundary: true });
  for (let i = 1; i < m; i++) {
    if (vs[i] <= vs[i - 1] && vs[i] < vs[i + 1]) {
      const r = brentMinimize(f, xs[i - 1], xs[i + 1], { xtol: opts.xtol ?? 1e-12 });
      out.push({ x: r.x, value: r.value, boundary: false });
    }
  }
  if (vs[m] < vs[m - 1]) out.push({ x: hi, value: vs[m], boundary: true });
  return out;
}

/** Result of {@link scanLandscapePath}. */
export interface LandscapeScan {
  points: { t: number; minima: LandscapeMinimum[]; global: LandscapeMinimum }[];
  /** Consecutive path points between which the global minimiser jumps (first-order transition). */
  jumps: { tBefore: number; tAfter: number; xBefore: number; xAfter: number }[];
  /** Refined parameter values where two minima are degenerate (the first-order transition point). */
  degeneracies: { t: number; x1: number; x2: number; value: number }[];
  /** Refined parameter values where the number of local minima changes (a minimum appears or vanishes). */
  spinodals: { t: number; minimaBefore: number; minimaAfter: number }[];
}

/**
 * Scans a landscape f(x; t) along a path t₀, t₁, … and locates first-order jumps, degeneracy crossings and
 * spinodals, each refined by bisection in t.
 *
 * *When to use*: to find where a first-order transition happens along any one-parameter path (σ², n, N, …) when the
 * landscape at each t is known (e.g. Ŝ(q) evaluated with the GFL discrepancy).
 * *Gotchas*: a jump is declared when the global minimiser moves by more than `jumpThreshold` between neighbours,
 * so the path must be fine enough that continuous motion stays below it. Refinement tolerance `ttol` is absolute.
 * @example
 * // tilted double well: the global minimum jumps from x ≈ −1 to x ≈ +1 at t = 0
 * scanLandscapePath((x, t) => (x * x - 1) ** 2 - t * x, [-0.2, -0.1, 0.1, 0.2], -2, 2).degeneracies[0].t // ≈ 0
 */
export function scanLandscapePath(f: (x: number, t: number) => number, path: readonly number[], lo: number, hi: number, opts: { gridPoints?: number; jumpThreshold?: number; ttol?: number } = {}): LandscapeScan {
  const jumpThreshold = opts.jumpThreshold ?? 0.05 * (hi - lo);
  const ttol = opts.ttol ?? 1e-10;
  const minimaAt = (t: number) => localMinima1d((x) => f(x, t), lo, hi, opts);
  const globalOf = (ms: LandscapeMinimum[]) => ms.reduce((a, b) => (b.value < a.value ? b : a));
  const points = path.map((t) => {
    const minima = minimaAt(t);
    return { t, minima, global: globalOf(minima) };
  });
  const jumps: LandscapeScan['jumps'] = [];
  const degeneracies: LandscapeScan['degeneracies'] = [];
  const spinodals: LandscapeScan['spinodals'] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const A = points[i];
    const B = points[i + 1];
    if (Math.abs(A.global.x - B.global.x) > jumpThreshold) {
      jumps.push({ tBefore: A.t, tAfter: B.t, xBefore: A.global.x, xAfter: B.global.x });
      // Degeneracy: value(minimum near xA) − value(minimum near xB) changes sign between A.t and B.t.
      const xa = A.global.x;
      const xb = B.global.x;
      const gap = (t: number): number | null => {
        const ms = minimaAt(t);
        if (ms.length < 2) return null;
        const na = nearest(ms, xa);
        const nb = nearest(ms, xb);
        if (na === nb) return null;
        return na.value - nb.value;
      };
      let t0 = A.t;
      let t1 = B.t;
      let ok = true;
      for (let it = 0; it < 200 && Math.abs(t1 - t0) > ttol; it++) {
        const tm = 0.5 * (t0 + t1);
        const g = gap(tm);
        if (g === null) { ok = false; break; }
        if (g < 0) t0 = tm; else t1 = tm;
      }
      if (ok) {
        const t = 0.5 * (t0 + t1);
        const ms = minimaAt(t);
        const na = nearest(ms, xa);
        const nb = nearest(ms, xb);
        degeneracies.push({ t, x1: na.x, x2: nb.x, value: 0.5 * (na.value + nb.value) });
      }
    }
    if (A.minima.length !== B.minima.length) {
      let t0 = A.t;
      let t1 = B.t;
      const n0 = A.minima.length;
      for (let it = 0; it < 200 && Math.abs(t1 - t0) > ttol; it++) {
        const tm = 0.5 * (t0 + t1);
        if (minimaAt(tm).length === n0) t0 = tm; else t1 = tm;
      }
      spinodals.push({ t: 0.5 * (t0 + t1), minimaBefore: n0, minimaAfter: B.minima.length });
    }
  }
  return { points, jumps, degeneracies, spinodals };
}

function nearest(ms: LandscapeMinimum[], x: number): LandscapeMinimum {
  return ms.reduce((a, b) => (Math.abs(b.x - x) < Math.abs(a.x - x) ? b : a));
}

/** Result of {@link continuationBothWays}. */
export interface HysteresisResult<S> {
  path: number[];
  forward: (S | null)[];
  backward: (S | null)[];
  /** Maximal runs of consecutive path points where the two branches differ by more than `tolerance`. */
  hysteresis: { tStart: number; tEnd: number }[];
}

/**
 * Continues a self-consistent solution along a path forwards (t₀ → t_m, each solve started from the previous
 * solution) and backwards (t_m → t₀), and reports where the two branches differ: a hysteresis loop, the signature
 * of a first-order transition with metastable branches.
 *
 * *When to use*: any fixed-point problem with possibly several solutions along a one-parameter path.
 * *Gotchas*: `solve(t, guess)` receives `null` as the guess at the first point of each sweep; it may return `null`
 * when it finds no solution (the next solve then restarts from `null`).
 * @example
 * // x = tanh(βx + h): hysteresis in h for β > 1
 * const solve = (h: number, g: number | null) => { let x = g ?? Math.sign(h); for (let i = 0; i < 2000; i++) x = Math.tanh(2 * x + h); return x; };
 * continuationBothWays([-1, -0.1, 0.1, 1], solve, (a, b) => Math.abs(a - b)).hysteresis // [{ tStart: -0.1, tEnd: 0.1 }]
 */
export function continuationBothWays<S>(path: readonly number[], solve: (t: number, guess: S | null) => S | null, distance: (a: S, b: S) => number, tolerance = 1e-6): HysteresisResult<S> {
  const m = path.length;
  const forward: (S | null)[] = new Array(m).fill(null);
  const backward: (S | null)[] = new Array(m).fill(null);
  let g: S | null = null;
  for (let i = 0; i < m; i++) { g = solve(path[i], g); forward[i] = g; }
  g = null;
  for (let i = m - 1; i >= 0; i--) { g = solve(path[i], g); backward[i] = g; }
  const hysteresis: { tStart: number; tEnd: number }[] = [];
  let start = -1;
  for (let i = 0; i <= m; i++) {
    const differs = i < m && forward[i] !== null && backward[i] !== null && distance(forward[i] as S, backward[i] as S) > tolerance;
    if (differs && start < 0) start = i;
    if (!differs && start >= 0) { hysteresis.push({ tStart: path[start], tEnd: path[i - 1] }); start = -1; }
  }
  return { path: [...path], forward, backward, hysteresis };
}
