/**
 * Small scalar / low-dimensional numerics used by the part-2 solvers (adaptive kernel, grokking).
 *
 * TODO: move to @sftdl/field — these duplicate `brent`, `minimize1d`, `newton` and Gauss–Legendre quadrature that
 * the field package is adding concurrently; they live here privately so part 2 does not block on it.
 * Not exported from the package index.
 */
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';

/** Brent's root finder on a bracket [a, b] with f(a)·f(b) ≤ 0. */
export function brentRoot(f: (x: number) => number, a: number, b: number, opts: { xtol?: number; maxIterations?: number; what?: string } = {}): number {
  const xtol = opts.xtol ?? 1e-14;
  const maxIt = opts.maxIterations ?? 300;
  let fa = f(a);
  let fb = f(b);
  if (!Number.isFinite(fa) || !Number.isFinite(fb)) throw new InvalidArgumentError(`${opts.what ?? 'root bracket'}: f is not finite at the bracket ends (${fa}, ${fb}); check the parameters`);
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (fa * fb > 0) throw new InvalidArgumentError(`${opts.what ?? 'root bracket'}: [${a}, ${b}] does not bracket a root (f = ${fa}, ${fb}); widen the search interval`);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let it = 0; it < maxIt; it++) {
    if (fb * fc > 0) { c = a; fc = fa; d = b - a; e = d; }
    if (Math.abs(fc) < Math.abs(fb)) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa; }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * xtol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) { p = 2 * m * s; q = 1 - s; } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q; else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) { e = d; d = p / q; } else { d = m; e = m; }
    } else { d = m; e = m; }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
    if (!Number.isFinite(fb)) throw new InvalidArgumentError(`${opts.what ?? 'root'}: f became non-finite at x = ${b}`);
  }
  throw new ConvergenceError({ what: opts.what ?? 'Brent root finder', iterations: maxIt, residual: Math.abs(fb), tolerance: xtol });
}

/** Brent's minimiser on [a, b] (golden section + parabolic steps). Returns the minimiser and value. */
export function brentMinimize(f: (x: number) => number, a: number, b: number, opts: { xtol?: number; maxIterations?: number } = {}): { x: number; value: number } {
  const xtol = opts.xtol ?? 1e-12;
  const maxIt = opts.maxIterations ?? 500;
  const cg = 0.5 * (3 - Math.sqrt(5));
  let x = a + cg * (b - a);
  let w = x;
  let v = x;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let it = 0; it < maxIt; it++) {
    const xm = 0.5 * (a + b);
    const tol1 = xtol * 0.5 + 1e-15 * Math.abs(x);
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) break;
    let useGolden = true;
    if (Math.abs(e) > tol1) {
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p; else q = -q;
      const etemp = e;
      e = d;
      if (!(Math.abs(p) >= Math.abs(0.5 * q * etemp) || p <= q * (a - x) || p >= q * (b - x))) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm - x >= 0 ? tol1 : -tol1;
        useGolden = false;
      }
    }
    if (useGolden) { e = x >= xm ? a - x : b - x; d = cg * e; }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
    const fu = f(u);
    if (fu <= fx) {
      if (u >= x) a = x; else b = x;
      v = w; fv = fw; w = x; fw = fx; x = u; fx = fu;
    } else {
      if (u < x) a = u; else b = u;
      if (fu <= fw || w === x) { v = w; fv = fw; w = u; fw = fu; } else if (fu <= fv || v === x || v === w) { v = u; fv = fu; }
    }
  }
  return { x, value: fx };
}

/**
 * Damped Newton for a small system F(x) = 0 with a central-difference Jacobian and backtracking on |F|².
 * Returns the root or throws ConvergenceError.
 */
export function newtonSystem(F: (x: Float64Array) => Float64Array, x0: ArrayLike<number>, opts: { tolerance?: number; maxIterations?: number; fdStep?: number; what?: string; scale?: ArrayLike<number>; maxBacktracks?: number } = {}): { x: Float64Array; residual: number; iterations: number } {
  const tol = opts.tolerance ?? 1e-12;
  const maxIt = opts.maxIterations ?? 100;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let fx = F(x);
  let norm = vecNorm(fx);
  for (let it = 0; it < maxIt; it++) {
    if (!Number.isFinite(norm)) break;
    if (norm <= tol) return { x, residual: norm, iterations: it };
    const J = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      const h = (opts.fdStep ?? 1e-6) * Math.max(1, Math.abs(x[j]), opts.scale ? opts.scale[j] : 0);
      const xp = Float64Array.from(x); xp[j] += h;
      const xm = Float64Array.from(x); xm[j] -= h;
      const fp = F(xp);
      const fm = F(xm);
      for (let i = 0; i < n; i++) J[i * n + j] = (fp[i] - fm[i]) / (2 * h);
    }
    const step = solveDense(J, fx, n);
    if (step === null) break;
    let t = 1;
    let accepted = false;
    for (let ls = 0; ls < (opts.maxBacktracks ?? 40); ls++) {
      const xn = new Float64Array(n);
      for (let i = 0; i < n; i++) xn[i] = x[i] - t * step[i];
      const fn = F(xn);
      const nn = vecNorm(fn);
      if (Number.isFinite(nn) && nn < (1 - 1e-4 * t) * norm) { x = xn; fx = fn; norm = nn; accepted = true; break; }
      t *= 0.5;
    }
    if (!accepted) {
      if (norm <= tol * 100) return { x, residual: norm, iterations: it };
      break;
    }
  }
  if (norm <= tol) return { x, residual: norm, iterations: maxIt };
  throw new ConvergenceError({ what: opts.what ?? 'Newton solve', iterations: maxIt, residual: norm, tolerance: tol });
}

function vecNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Gaussian elimination with partial pivoting; null when singular. */
export function solveDense(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | null {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i * n + k]) > Math.abs(M[p * n + k])) p = i;
    const piv = M[p * n + k];
    if (piv === 0 || !Number.isFinite(piv)) return null;
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = M[k * n + j]; M[k * n + j] = M[p * n + j]; M[p * n + j] = t; }
      const t = x[k]; x[k] = x[p]; x[p] = t;
    }
    for (let i = k + 1; i < n; i++) {
      const f = M[i * n + k] / piv;
      if (f === 0) continue;
      for (let j = k; j < n; j++) M[i * n + j] -= f * M[k * n + j];
      x[i] -= f * x[k];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k];
    for (let j = k + 1; j < n; j++) s -= M[k * n + j] * x[j];
    x[k] = s / M[k * n + k];
  }
  return x;
}

const glCache = new Map<number, { nodes: Float64Array; weights: Float64Array }>();

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_m, exact to ~1e-15). */
export function gaussLegendre(m: number): { nodes: Float64Array; weights: Float64Array } {
  const hit = glCache.get(m);
  if (hit) return hit;
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let z = Math.cos(Math.PI * (i + 0.75) / (m + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = 0;
      for (let j = 1; j <= m; j++) { const p2 = p1; p1 = p0; p0 = ((2 * j - 1) * z * p1 - (j - 1) * p2) / j; }
      dp = (m * (z * p0 - p1)) / (z * z - 1);
      const dz = p0 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    nodes[i] = -z;
    weights[i] = 2 / ((1 - z * z) * dp * dp);
  }
  const out = { nodes, weights };
  glCache.set(m, out);
  return out;
}

/** Composite Gauss–Legendre rule on [a, b] with `panels` equal panels of `order` nodes each. */
export function compositeGaussLegendre(a: number, b: number, panels: number, order = 16): { x: Float64Array; w: Float64Array } {
  const { nodes, weights } = gaussLegendre(order);
  const x = new Float64Array(panels * order);
  const w = new Float64Array(panels * order);
  const h = (b - a) / panels;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * h;
    for (let i = 0; i < order; i++) { x[p * order + i] = mid + 0.5 * h * nodes[i]; w[p * order + i] = 0.5 * h * weights[i]; }
  }
  return { x, w };
}

/** Log-sum-exp stable logistic 1/(1+e^{z}). */
export function logisticOfNeg(z: number): number {
  return z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
}
