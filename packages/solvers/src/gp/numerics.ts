import { brent } from '@sftdl/field';

// Small scalar numerics shared by the part-1 solvers (root finding delegates to @sftdl/field's Brent).

/** Result of a scalar root solve. */
export interface RootResult {
  x: number;
  iterations: number;
  /** |f(x)| at the returned point. */
  residual: number;
}

/** Brent's method on a sign-changing bracket [a, b] (delegates to `@sftdl/field`'s `brent`). */
export function brentRoot(f: (x: number) => number, a: number, b: number, { xtol = 1e-15 }: { xtol?: number; what?: string } = {}): RootResult {
  const r = brent(f, a, b, { tol: xtol });
  return { x: r.root, iterations: r.iterations, residual: r.residual };
}

/**
 * All sign changes of f on a logarithmic grid over [lo, hi] (positive axis), each refined by Brent in log space.
 * Returns the roots in increasing order.
 */
export function positiveRoots(f: (x: number) => number, { lo = 1e-10, hi = 1e10, points = 400, what = 'root solve' } = {}): RootResult[] {
  const g = (u: number): number => f(Math.exp(u));
  const a = Math.log(lo), b = Math.log(hi);
  const roots: RootResult[] = [];
  let u0 = a, g0 = g(a);
  for (let i = 1; i <= points; i++) {
    const u1 = a + ((b - a) * i) / points;
    const g1 = g(u1);
    if (g0 === 0) roots.push({ x: Math.exp(u0), iterations: 0, residual: 0 });
    else if (g0 * g1 < 0) {
      const r = brentRoot(g, u0, u1, { xtol: 1e-15, what });
      roots.push({ x: Math.exp(r.x), iterations: r.iterations, residual: Math.abs(f(Math.exp(r.x))) });
    }
    u0 = u1; g0 = g1;
  }
  return roots;
}

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm. */
export function norm2(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Mean of (a − b)². */
export function meanSquaredDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}
