/*
 * Small scalar and small-system numerics shared by every solver in the package: thin adapters over @sftdl/field's
 * Brent root, Brent minimiser, damped Newton and Gauss–Legendre rules, plus vector helpers. Not exported from the
 * package index.
 */
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { type RootResult, brent, compositeGaussLegendre as fieldCompositeGL, minimize1d, newton } from '@sftdl/field';

/** A root x > 0 found by {@link positiveRoots}, with the Brent iterations and |f(x)| at the returned point. */
export interface PositiveRoot {
  x: number;
  iterations: number;
  /** |f(x)| at the returned point. */
  residual: number;
}

/**
 * Brent root of f on a bracket [a, b] with f(a)·f(b) ≤ 0 (field `brent`). Each call site states its own tolerance
 * `xtol` (and, where it needs more than field's 200, `maxIterations`); with `what`, an invalid-bracket error names
 * the quantity being solved for.
 */
export function brentRoot(
  f: (x: number) => number,
  a: number,
  b: number,
  opts: { xtol: number; maxIterations?: number; what?: string },
): RootResult {
  try {
    return brent(f, a, b, { tol: opts.xtol, maxIterations: opts.maxIterations ?? 200 });
  } catch (e) {
    if (InvalidArgumentError.isInstance(e) && opts.what) throw new InvalidArgumentError(`${opts.what}: ${e.message}`);
    throw e;
  }
}

/** Brent minimiser on [a, b] (field `minimize1d`; `xtol` is relative). */
export function brentMinimize(
  f: (x: number) => number,
  a: number,
  b: number,
  opts: { xtol?: number } = {},
): { x: number; value: number } {
  const r = minimize1d(f, a, b, { tol: opts.xtol ?? 1e-12 });
  return { x: r.x, value: r.value };
}

/**
 * Damped Newton with backtracking for a small system F(x) = 0 (field `newton`, forward-difference Jacobian). A
 * non-finite F at the start, like every other failure, is reported as a ConvergenceError so multi-start loops can
 * move on to the next start; non-finite trial points are rejected by the line search.
 */
export function newtonSystem(
  F: (x: Float64Array) => Float64Array,
  x0: ArrayLike<number>,
  opts: { tolerance?: number; maxIterations?: number; fdStep?: number; what?: string } = {},
): { x: Float64Array; residual: number; iterations: number } {
  const tol = opts.tolerance ?? 1e-12;
  try {
    return newton(F, x0, { tol, maxIterations: opts.maxIterations ?? 100, fdStep: opts.fdStep ?? 1e-7 });
  } catch (e) {
    if (ConvergenceError.isInstance(e)) throw e;
    if (InvalidArgumentError.isInstance(e))
      throw new ConvergenceError({
        what: opts.what ?? 'Newton solve',
        iterations: 0,
        residual: NaN,
        tolerance: tol,
        detail: 'the start is outside the domain',
        hint: `the start is outside the domain (${e.message.split('\n')[0]}); start elsewhere`,
      });
    throw e;
  }
}

/** Composite Gauss–Legendre rule on [a, b] with `panels` equal panels of `order` nodes each (field rule). */
export function compositeGaussLegendre(a: number, b: number, panels: number, order = 16): { x: Float64Array; w: Float64Array } {
  const r = fieldCompositeGL([a, b], { panelOrder: order, maxPanelWidth: ((b - a) / panels) * (1 + 1e-12) });
  return { x: r.nodes, w: r.weights };
}

/** Stable logistic 1/(1 + e^{z}). */
export function logisticOfNeg(z: number): number {
  return z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
}

/**
 * All sign changes of f on a logarithmic grid over [lo, hi] (positive axis), each refined by Brent in log space.
 * Returns the roots in increasing order.
 */
export function positiveRoots(
  f: (x: number) => number,
  { lo = 1e-10, hi = 1e10, points = 400 }: { lo?: number; hi?: number; points?: number } = {},
): PositiveRoot[] {
  const g = (u: number): number => f(Math.exp(u));
  const a = Math.log(lo),
    b = Math.log(hi);
  const roots: PositiveRoot[] = [];
  let u0 = a,
    g0 = g(a);
  for (let i = 1; i <= points; i++) {
    const u1 = a + ((b - a) * i) / points;
    const g1 = g(u1);
    if (g0 === 0) roots.push({ x: Math.exp(u0), iterations: 0, residual: 0 });
    else if (g0 * g1 < 0) {
      const r = brentRoot(g, u0, u1, { xtol: 1e-15 });
      roots.push({ x: Math.exp(r.root), iterations: r.iterations, residual: Math.abs(f(Math.exp(r.root))) });
    }
    u0 = u1;
    g0 = g1;
  }
  return roots;
}

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Mean of (a − b)². */
export function meanSquaredDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

/** The two components of a 2-vector from a small solver (Newton on (b, c) and the like); throws if it is shorter. */
export function pair(v: ArrayLike<number>): [number, number] {
  const [a, b] = [v[0], v[1]];
  if (a === undefined || b === undefined) throw new InvalidArgumentError(`expected a vector of length 2, got length ${v.length}`);
  return [a, b];
}

/** The three components of a 3-vector from a small solver; throws if it is shorter. */
export function triple(v: ArrayLike<number>): [number, number, number] {
  const [a, b, c] = [v[0], v[1], v[2]];
  if (a === undefined || b === undefined || c === undefined)
    throw new InvalidArgumentError(`expected a vector of length 3, got length ${v.length}`);
  return [a, b, c];
}

/** xs[i], for an index known to be in range (throws a RangeError naming the index otherwise). */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  const v = xs[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range [0, ${xs.length})`);
  return v;
}
