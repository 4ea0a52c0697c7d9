import { ConvergenceError, InvalidArgumentError, SftdlError } from '@sftdl/compute';

function checkFinite(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new InvalidArgumentError(`${what} is ${v}; the function must be finite on the search domain`);
  return v;
}

/** Result of a scalar root search. */
export interface RootResult {
  root: number;
  iterations: number;
  /** |f(root)|. */
  residual: number;
}

export interface BrentOptions {
  /** Absolute tolerance on the root (default 1e-14; a relative 4ε|x| term is always added). */
  tol?: number;
  /** Default 200. */
  maxIterations?: number;
}

/**
 * Brent–Dekker root of f on the bracket [a, b] (f(a)·f(b) ≤ 0): bisection safety with inverse quadratic /
 * secant steps.
 *
 * *When to use:* scalar equations with a known sign change (self-consistent ridges, critical couplings).
 * *Gotchas:* throws `InvalidArgumentError` if the bracket has no sign change (scan a grid first, or use
 * {@link multistart}); `ConvergenceError` with iterations and residual if maxIterations is hit.
 *
 * @example
 * brent((x) => x * x - 2, 0, 2).root; // √2
 */
export function brent(
  f: (x: number) => number,
  a: number,
  b: number,
  { tol = 1e-14, maxIterations = 200 }: BrentOptions = {},
): RootResult {
  if (!Number.isFinite(a) || !Number.isFinite(b))
    throw new InvalidArgumentError(`brent: bracket ends must be finite, got [${a}, ${b}]`);
  let fa = checkFinite(f(a), `brent: f(${a})`);
  let fb = checkFinite(f(b), `brent: f(${b})`);
  if (fa === 0) return { root: a, iterations: 0, residual: 0 };
  if (fb === 0) return { root: b, iterations: 0, residual: 0 };
  if (fa * fb > 0) {
    throw new InvalidArgumentError(
      `brent: f(a) = ${fa} and f(b) = ${fb} have the same sign on [${a}, ${b}]; choose a bracket with a sign change (scan a grid first)`,
    );
  }
  let c = a,
    fc = fa,
    d = b - a,
    e = d;
  for (let it = 1; it <= maxIterations; it++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return { root: b, iterations: it, residual: Math.abs(fb) };
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number, q: number;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qq = fa / fc,
          r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = Math.abs(p);
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : xm > 0 ? tol1 : -tol1;
    fb = checkFinite(f(b), `brent: f(${b})`);
  }
  throw new ConvergenceError({ what: 'brent', iterations: maxIterations, residual: Math.abs(fb), tolerance: tol });
}

/** Result of a 1-D minimisation. */
export interface Minimize1dResult {
  x: number;
  value: number;
  iterations: number;
  /** Half-width of the final bracket around x. */
  residual: number;
}

/**
 * Brent's minimiser (golden section + parabolic interpolation) of f on [a, b]. Finds *a* local minimum
 * (the global one if f is unimodal on [a, b]); an end point is returned if f is monotone.
 *
 * *When to use:* polishing a minimum bracketed on a grid (see `findLocalMinima`). *Gotchas:* the position is
 * accurate to ~√ε·|x| (≈1e-8 relative) because f is flat at a minimum — use a root finder on f′ for more.
 *
 * @example
 * minimize1d((x) => (x - 1) ** 2, 0, 3).x; // 1
 */
export function minimize1d(
  f: (x: number) => number,
  a: number,
  b: number,
  { tol = 1e-10, maxIterations = 500 }: BrentOptions = {},
): Minimize1dResult {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(b > a))
    throw new InvalidArgumentError(`minimize1d: need finite a < b, got [${a}, ${b}]`);
  const CG = 0.3819660112501051;
  let x = a + CG * (b - a),
    w = x,
    v = x;
  let fx = checkFinite(f(x), `minimize1d: f(${x})`),
    fw = fx,
    fv = fx;
  let d = 0,
    e = 0;
  for (let it = 1; it <= maxIterations; it++) {
    const xm = 0.5 * (a + b);
    const tol1 = tol * Math.abs(x) + 1e-15;
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) return { x, value: fx, iterations: it, residual: 0.5 * (b - a) };
    let golden = true;
    if (Math.abs(e) > tol1) {
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      const etemp = e;
      e = d;
      if (!(Math.abs(p) >= Math.abs(0.5 * q * etemp) || p <= q * (a - x) || p >= q * (b - x))) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm - x >= 0 ? tol1 : -tol1;
        golden = false;
      }
    }
    if (golden) {
      e = x >= xm ? a - x : b - x;
      d = CG * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
    const fu = checkFinite(f(u), `minimize1d: f(${u})`);
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  throw new ConvergenceError({ what: 'minimize1d', iterations: maxIterations, residual: 0.5 * (b - a), tolerance: tol });
}

/** Solves the small dense system A·x = b in place by Gaussian elimination with partial pivoting. @internal */
export function solveDense(a: Float64Array, b: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const A = a.slice();
  const x = b.slice();
  for (let k = 0; k < n; k++) {
    let piv = k;
    let best = Math.abs(A[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(A[i * n + k]!);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (best === 0 || !Number.isFinite(best)) {
      throw new InvalidArgumentError(`singular Jacobian/system at column ${k}; regularise the problem or start elsewhere`);
    }
    if (piv !== k) {
      for (let j = 0; j < n; j++) {
        const t = A[k * n + j]!;
        A[k * n + j] = A[piv * n + j]!;
        A[piv * n + j] = t;
      }
      const t = x[k]!;
      x[k] = x[piv]!;
      x[piv] = t;
    }
    const inv = 1 / A[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const m = A[i * n + k]! * inv;
      if (m === 0) continue;
      for (let j = k; j < n; j++) A[i * n + j]! -= m * A[k * n + j]!;
      x[i]! -= m * x[k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k]!;
    for (let j = k + 1; j < n; j++) s -= A[k * n + j]! * x[j]!;
    x[k] = s / A[k * n + k]!;
  }
  return x;
}

function normInf(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (!(a <= m)) m = a; // propagates NaN
  }
  return m;
}

function evalVec(F: (x: Float64Array) => ArrayLike<number>, x: Float64Array, n: number, what: string): Float64Array<ArrayBuffer> {
  const r = F(x);
  if (r.length !== n) throw new InvalidArgumentError(`${what}: F returned length ${r.length}, expected ${n}`);
  const out = Float64Array.from(r);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(out[i]!))
      throw new InvalidArgumentError(`${what}: F(x)[${i}] = ${out[i]} at x = [${Array.from(x).join(', ')}]`);
  return out;
}

/** Result of an n-D solve. */
export interface VectorSolveResult {
  x: Float64Array<ArrayBuffer>;
  iterations: number;
  /** ‖F(x)‖∞ (Newton) or ‖G(x) − x‖∞ (fixed point). */
  residual: number;
}

export interface NewtonOptions {
  /** Analytic Jacobian J[i][j] = ∂Fᵢ/∂xⱼ as a row-major n×n array; default: forward differences. */
  jacobian?: (x: Float64Array) => ArrayLike<number>;
  /** Stop when ‖F‖∞ ≤ tol (default 1e-12). */
  tol?: number;
  /** Default 100. */
  maxIterations?: number;
  /** Initial step fraction (default 1 = full Newton step). */
  damping?: number;
  /** Backtracking (Armijo) line search on ½‖F‖² (default true). */
  lineSearch?: boolean;
  /** Relative finite-difference step (default 1e-7). */
  fdStep?: number;
}

/**
 * Damped Newton–Raphson for F(x) = 0 in n dimensions, with an Armijo backtracking line search on ½‖F‖² and an
 * analytic or forward-difference Jacobian.
 *
 * *When to use:* smooth saddle-point / self-consistency equations with a decent starting point.
 * *Gotchas:* throws `ConvergenceError` (iterations, residual) when maxIterations is hit, the line search
 * stalls or the Jacobian is singular. Use {@link continuation} to reach hard parameters.
 *
 * @example
 * newton((x) => [x[0] ** 2 - 2, x[1] - x[0]], [1, 1]).x; // [√2, √2]
 */
export function newton(
  F: (x: Float64Array) => ArrayLike<number>,
  x0: ArrayLike<number>,
  options: NewtonOptions = {},
): VectorSolveResult {
  const { jacobian, tol = 1e-12, maxIterations = 100, damping = 1, lineSearch = true, fdStep = 1e-7 } = options;
  if (!(damping > 0 && damping <= 1)) throw new InvalidArgumentError(`newton: damping must be in (0, 1], got ${damping}`);
  const n = x0.length;
  let x = Float64Array.from(x0);
  let fx = evalVec(F, x, n, 'newton');
  let res = normInf(fx);
  for (let it = 0; it <= maxIterations; it++) {
    if (res <= tol) return { x, iterations: it, residual: res };
    if (it === maxIterations) break;
    let J: Float64Array;
    if (jacobian) {
      J = Float64Array.from(jacobian(x));
      if (J.length !== n * n) throw new InvalidArgumentError(`newton: jacobian returned length ${J.length}, expected ${n * n}`);
    } else {
      J = new Float64Array(n * n);
      for (let j = 0; j < n; j++) {
        const h = fdStep * Math.max(1, Math.abs(x[j]!));
        const xp = x.slice();
        xp[j]! += h;
        const fp = evalVec(F, xp, n, 'newton');
        for (let i = 0; i < n; i++) J[i * n + j] = (fp[i]! - fx[i]!) / h;
      }
    }
    let step: Float64Array;
    try {
      step = solveDense(J, fx, n);
    } catch (err) {
      if (!InvalidArgumentError.isInstance(err)) throw err;
      throw new ConvergenceError({
        what: 'newton (singular Jacobian)',
        iterations: it,
        residual: res,
        tolerance: tol,
        hint: `${err.message}`,
      });
    }
    const phi0 = 0.5 * fx.reduce((s, v) => s + v * v, 0);
    let t = damping;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      const xn = new Float64Array(n);
      for (let i = 0; i < n; i++) xn[i] = x[i]! - t * step[i]!;
      let fn: Float64Array<ArrayBuffer> | undefined;
      try {
        fn = evalVec(F, xn, n, 'newton');
      } catch (err) {
        if (!lineSearch || !SftdlError.isInstance(err)) throw err;
      }
      if (fn) {
        const phi = 0.5 * fn.reduce((s, v) => s + v * v, 0);
        if (!lineSearch || phi <= (1 - 1e-4 * t) * phi0 || normInf(fn) <= tol) {
          x = xn;
          fx = fn;
          res = normInf(fn);
          accepted = true;
          break;
        }
      }
      t *= 0.5;
    }
    if (!accepted) {
      throw new ConvergenceError({
        what: 'newton (line search stalled)',
        iterations: it + 1,
        residual: res,
        tolerance: tol,
        hint: 'the Jacobian may be inaccurate or the start far from a root; try an analytic jacobian, a different x0, or continuation',
      });
    }
  }
  throw new ConvergenceError({ what: 'newton', iterations: maxIterations, residual: res, tolerance: tol });
}

export interface AndersonOptions {
  /** History length (default 5; 0 = plain damped iteration). */
  m?: number;
  /** Mixing parameter β ∈ (0, 1] (default 1): x ← x + β·(G(x) − x) in the accelerated update. */
  beta?: number;
  /** Stop when ‖G(x) − x‖∞ ≤ tol (default 1e-12). */
  tol?: number;
  /** Default 1000. */
  maxIterations?: number;
}

/**
 * Anderson-accelerated fixed-point iteration x = G(x) (type-II Anderson mixing with history m and mixing β,
 * least squares solved by a small regularised normal-equation system).
 *
 * *When to use:* self-consistent equations written as a map (kernel adaptation, ε equations, DMFT-like
 * iterations) where plain iteration is slow or oscillates. *Gotchas:* with β = 1 and m = 0 it is plain
 * iteration; reduce β for strongly contracting-but-oscillating maps. Throws `ConvergenceError` with the
 * iterations and residual on failure.
 *
 * @example
 * anderson((x) => [Math.cos(x[0])], [1]).x[0]; // 0.7390851332151607
 */
export function anderson(
  G: (x: Float64Array) => ArrayLike<number>,
  x0: ArrayLike<number>,
  { m = 5, beta = 1, tol = 1e-12, maxIterations = 1000 }: AndersonOptions = {},
): VectorSolveResult {
  if (!Number.isInteger(m) || m < 0) throw new InvalidArgumentError(`anderson: m must be a non-negative integer, got ${m}`);
  if (!(beta > 0 && beta <= 1)) throw new InvalidArgumentError(`anderson: beta must be in (0, 1], got ${beta}`);
  const n = x0.length;
  let x = Float64Array.from(x0);
  const dX: Float64Array[] = []; // differences of iterates
  const dR: Float64Array[] = []; // differences of residuals
  let prevX: Float64Array | undefined;
  let prevR: Float64Array | undefined;
  let res = Infinity;
  for (let it = 0; it < maxIterations; it++) {
    const gx = evalVec(G, x, n, 'anderson');
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = gx[i]! - x[i]!;
    res = normInf(r);
    if (res <= tol) return { x, iterations: it, residual: res };
    if (prevX && prevR && m > 0) {
      const dx = new Float64Array(n),
        dr = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        dx[i] = x[i]! - prevX[i]!;
        dr[i] = r[i]! - prevR[i]!;
      }
      dX.push(dx);
      dR.push(dr);
      if (dX.length > m) {
        dX.shift();
        dR.shift();
      }
    }
    prevX = x;
    prevR = r;
    const k = dR.length;
    const next = new Float64Array(n);
    if (k === 0) {
      for (let i = 0; i < n; i++) next[i] = x[i]! + beta * r[i]!;
    } else {
      // γ = argmin ‖r − ΔR γ‖ via (ΔRᵀΔR + λI)γ = ΔRᵀ r.
      const A = new Float64Array(k * k);
      const b = new Float64Array(k);
      let trace = 0;
      for (let p = 0; p < k; p++) {
        for (let q = 0; q <= p; q++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += dR[p]![i]! * dR[q]![i]!;
          A[p * k + q] = s;
          A[q * k + p] = s;
        }
        trace += A[p * k + p]!;
        let s = 0;
        for (let i = 0; i < n; i++) s += dR[p]![i]! * r[i]!;
        b[p] = s;
      }
      const lambda = 1e-12 * (trace / k) + 1e-300;
      for (let p = 0; p < k; p++) A[p * k + p]! += lambda;
      let gamma: Float64Array;
      try {
        gamma = solveDense(A, b, k);
      } catch {
        gamma = new Float64Array(k);
        dX.length = 0;
        dR.length = 0;
      }
      for (let i = 0; i < n; i++) {
        let xi = x[i]! + beta * r[i]!;
        for (let p = 0; p < k; p++) xi -= gamma[p]! * (dX[p]![i]! + beta * dR[p]![i]!);
        next[i] = xi;
      }
    }
    x = next;
  }
  throw new ConvergenceError({
    what: 'anderson fixed-point iteration',
    iterations: maxIterations,
    residual: res,
    tolerance: tol,
    hint: 'lower beta, change the history m, or start closer (continuation)',
  });
}

/** Outcome of {@link multistart}. */
export interface MultistartResult<S, R> {
  /** Distinct successful results (after `same` de-duplication), in the order found. */
  results: R[];
  /** Starts whose solve threw an sftdl error (e.g. `ConvergenceError`), with the error. */
  failures: { start: S; error: Error }[];
}

/**
 * Runs `solve` from every start, keeps the successes and de-duplicates them with `same`.
 *
 * *When to use:* equations with several roots/minima (first-order transitions, self-consistency with
 * multiple branches). *Gotchas:* only sftdl errors (ConvergenceError, InvalidArgumentError…) count as
 * failures; other exceptions propagate. Throws `ConvergenceError` if every start fails.
 *
 * @example
 * multistart((x0: number) => brent((x) => x * x - 1, x0 - 1.5, x0), [0, 2], {
 *   same: (a, b) => Math.abs(a.root - b.root) < 1e-9 }).results.map((r) => r.root); // [−1, 1]
 */
export function multistart<S, R>(
  solve: (start: S) => R,
  starts: readonly S[],
  { same }: { same?: (a: R, b: R) => boolean } = {},
): MultistartResult<S, R> {
  const results: R[] = [];
  const failures: { start: S; error: Error }[] = [];
  for (const s of starts) {
    try {
      const r = solve(s);
      if (!same || !results.some((q) => same(q, r))) results.push(r);
    } catch (err) {
      if (!SftdlError.isInstance(err)) throw err;
      failures.push({ start: s, error: err });
    }
  }
  if (results.length === 0 && starts.length > 0) {
    const last = failures[failures.length - 1]?.error;
    throw new ConvergenceError({
      what: `multistart (all ${starts.length} starts failed)`,
      iterations: ConvergenceError.isInstance(last) ? last.iterations : 0,
      residual: ConvergenceError.isInstance(last) ? last.residual : NaN,
      tolerance: ConvergenceError.isInstance(last) ? last.tolerance : 0,
      hint: `last error: ${last?.message ?? 'none'}`,
    });
  }
  return { results, failures };
}

export interface ContinuationOptions {
  /** A sub-step may shrink to 2^−maxBisections of the path step (default 8) before giving up; it regrows after successes. */
  maxBisections?: number;
}

/** One solved point of a continuation path. */
export interface ContinuationPoint<X> {
  param: number;
  solution: X;
}

/**
 * Continuation (annealing) along a parameter path: solves at path[0] from `initial`, then at each next
 * parameter warm-started from the previous solution. When a step throws an sftdl error, the step is halved
 * (down to 2^−maxBisections of the path step, regrowing after successes) through intermediate parameters that
 * are solved but not reported.
 *
 * *When to use:* following a solution branch into a hard regime (small ridge, large coupling), tracing
 * hysteresis. *Gotchas:* a branch that ends (spinodal) makes the step fail even after bisection: the
 * `ConvergenceError` names the parameter where it stopped.
 *
 * @example
 * continuation([0, 0.5, 1], (a, x0) => brent((x) => x ** 3 + x - a, -2, 2).root, 0)
 *   .map((p) => p.solution);
 */
export function continuation<X>(
  path: readonly number[],
  solveAt: (param: number, warmStart: X | undefined) => X,
  initial?: X,
  { maxBisections = 8 }: ContinuationOptions = {},
): ContinuationPoint<X>[] {
  const out: ContinuationPoint<X>[] = [];
  let prevParam: number | undefined;
  let warm = initial;
  for (const target of path) {
    if (!Number.isFinite(target)) throw new InvalidArgumentError(`continuation: path contains ${target}`);
    if (prevParam === undefined) {
      warm = solveAt(target, warm);
      prevParam = target;
      out.push({ param: target, solution: warm });
      continue;
    }
    let p = prevParam;
    const fullStep = target - prevParam;
    if (!(maxBisections >= 0)) throw new InvalidArgumentError(`continuation: maxBisections must be ≥ 0, got ${maxBisections}`);
    const minStep = Math.abs(fullStep) / 2 ** Math.min(maxBisections, 52);
    let step = fullStep;
    // hard cap: every failure halves the step (≤ maxBisections in a row), every success doubles it back
    const maxAttempts = 64 * (Math.min(maxBisections, 52) + 2);
    let attempts = 0;
    while (p !== target) {
      if (++attempts > maxAttempts) {
        throw new ConvergenceError({
          what: `continuation (from ${prevParam} to ${target})`,
          iterations: maxAttempts,
          residual: Math.abs(target - p),
          tolerance: 0,
          detail: `stopped at param ${p}`,
          hint: 'the solution changes too fast along the path; add intermediate path points',
        });
      }
      const q = Math.abs(target - p) <= Math.abs(step) ? target : p + step;
      try {
        warm = solveAt(q, warm);
        p = q;
        if (Math.abs(step) < Math.abs(fullStep)) step *= 2; // regrow after a successful sub-step
      } catch (err) {
        if (!SftdlError.isInstance(err)) throw err;
        step /= 2;
        if (Math.abs(step) < minStep) {
          throw new ConvergenceError({
            what: `continuation (stuck between ${p} and ${q})`,
            iterations: maxBisections,
            residual: ConvergenceError.isInstance(err) ? err.residual : NaN,
            tolerance: ConvergenceError.isInstance(err) ? err.tolerance : 0,
            hint: `the branch may end near param ${p} (spinodal); last error: ${err.message}`,
          });
        }
      }
    }
    prevParam = target;
    out.push({ param: target, solution: warm as X });
  }
  return out;
}

/** Result of {@link continuationBothWays}. */
export interface HysteresisResult<S> {
  path: number[];
  /** Solutions of the forward sweep path[0] → path[m−1] (null where the solve found none). */
  forward: (S | null)[];
  /** Solutions of the backward sweep path[m−1] → path[0]. */
  backward: (S | null)[];
  /** Maximal runs of consecutive path points where the two branches differ by more than `tolerance`. */
  hysteresis: { tStart: number; tEnd: number }[];
}

/**
 * Continues a self-consistent solution along a path forwards (t₀ → t_m, each solve started from the previous
 * solution) and backwards (t_m → t₀), and reports where the two branches differ: a hysteresis loop, the signature
 * of a first-order transition with metastable branches. Unlike {@link continuation}, a failed point does not stop
 * the sweep: it is recorded as `null` and the next solve restarts cold.
 *
 * *When to use:* any fixed-point problem with possibly several solutions along a one-parameter path.
 * *Gotchas:* `solve(t, guess)` receives `null` as the guess at the first point of each sweep; it may return `null`
 * when it finds no solution (the next solve then restarts from `null`).
 *
 * @example
 * // x = tanh(2x + h): hysteresis in h
 * const solve = (h: number, g: number | null) => { let x = g ?? Math.sign(h); for (let i = 0; i < 2000; i++) x = Math.tanh(2 * x + h); return x; };
 * continuationBothWays([-1, -0.1, 0.1, 1], solve, (a, b) => Math.abs(a - b)).hysteresis; // [{ tStart: -0.1, tEnd: 0.1 }]
 */
export function continuationBothWays<S>(
  path: readonly number[],
  solve: (t: number, guess: S | null) => S | null,
  distance: (a: S, b: S) => number,
  tolerance = 1e-6,
): HysteresisResult<S> {
  const forward: (S | null)[] = [];
  let g: S | null = null;
  for (const t of path) {
    g = solve(t, g);
    forward.push(g);
  }
  const backward: (S | null)[] = new Array<S | null>(path.length).fill(null);
  g = null;
  for (let i = path.length - 1; i >= 0; i--) {
    g = solve(path[i]!, g);
    backward[i] = g;
  }
  const hysteresis: { tStart: number; tEnd: number }[] = [];
  let start = -1;
  path.forEach((t, i) => {
    const f = forward[i] ?? null,
      b = backward[i] ?? null;
    const differs = f !== null && b !== null && distance(f, b) > tolerance;
    if (differs && start < 0) start = i;
    if (!differs && start >= 0) {
      hysteresis.push({ tStart: path[start]!, tEnd: path[i - 1]! });
      start = -1;
    }
  });
  if (start >= 0) hysteresis.push({ tStart: path[start]!, tEnd: path[path.length - 1]! });
  return { path: [...path], forward, backward, hysteresis };
}
