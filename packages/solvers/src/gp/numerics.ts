import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';

// Small scalar numerics shared by the part-1 solvers.
// TODO: move to @sftdl/field (brent / bracketing) once its root finders land; kept private here.

/** Result of a scalar root solve. */
export interface RootResult {
  x: number;
  iterations: number;
  /** |f(x)| at the returned point. */
  residual: number;
}

/**
 * Brent's method on a sign-changing bracket [a, b]. Stops when the bracket is below
 * `xtol + 4·eps·|x|` or f(x) = 0. Throws `ConvergenceError` after `maxIterations`.
 */
export function brentRoot(f: (x: number) => number, a: number, b: number, { xtol = 1e-15, maxIterations = 200, what = 'root solve' } = {}): RootResult {
  let fa = f(a), fb = f(b);
  if (!Number.isFinite(fa) || !Number.isFinite(fb)) throw new InvalidArgumentError(`${what}: function is not finite at the bracket ends (${a}, ${b})`);
  if (fa === 0) return { x: a, iterations: 0, residual: 0 };
  if (fb === 0) return { x: b, iterations: 0, residual: 0 };
  if (fa * fb > 0) throw new InvalidArgumentError(`${what}: [${a}, ${b}] does not bracket a root (f = ${fa}, ${fb})`);
  let c = a, fc = fa, d = b - a, e = d;
  for (let it = 1; it <= maxIterations; it++) {
    if (fb * fc > 0) { c = a; fc = fa; d = b - a; e = d; }
    if (Math.abs(fc) < Math.abs(fb)) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa; }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * xtol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return { x: b, iterations: it, residual: Math.abs(fb) };
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number, q: number;
      if (a === c) { p = 2 * m * s; q = 1 - s; } else {
        const qq = fa / fc, r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q; else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) { e = d; d = p / q; } else { d = m; e = m; }
    } else { d = m; e = m; }
    a = b; fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
    if (!Number.isFinite(fb)) throw new InvalidArgumentError(`${what}: function became non-finite at ${b}`);
  }
  throw new ConvergenceError({ what, iterations: maxIterations, residual: Math.abs(fb), tolerance: xtol });
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
