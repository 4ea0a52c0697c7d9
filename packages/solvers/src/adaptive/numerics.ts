/**
 * Thin adapters over the @sftdl/field scalar / small-system numerics used by the part-2 solvers, so the solver code
 * keeps one calling convention (and errors a multi-start can catch). Not exported from the package index.
 */
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { brent, compositeGaussLegendre as fieldCompositeGL, minimize1d, newton } from '@sftdl/field';

/** Brent root of f on a bracket [a, b] with f(a)·f(b) ≤ 0 (field `brent`). */
export function brentRoot(f: (x: number) => number, a: number, b: number, opts: { xtol?: number; what?: string } = {}): number {
  try {
    return brent(f, a, b, { tol: opts.xtol ?? 1e-14, maxIterations: 400 }).root;
  } catch (e) {
    if (InvalidArgumentError.isInstance(e) && opts.what) throw new InvalidArgumentError(`${opts.what}: ${e.message}`);
    throw e;
  }
}

/** Brent minimiser on [a, b] (field `minimize1d`; `xtol` is relative). */
export function brentMinimize(f: (x: number) => number, a: number, b: number, opts: { xtol?: number } = {}): { x: number; value: number } {
  const r = minimize1d(f, a, b, { tol: opts.xtol ?? 1e-12 });
  return { x: r.x, value: r.value };
}

/**
 * Damped Newton with backtracking for a small system F(x) = 0 (field `newton`, forward-difference Jacobian). A
 * non-finite F at the start, like every other failure, is reported as a ConvergenceError so multi-start loops can
 * move on to the next start; non-finite trial points are rejected by the line search.
 */
export function newtonSystem(F: (x: Float64Array) => Float64Array, x0: ArrayLike<number>, opts: { tolerance?: number; maxIterations?: number; fdStep?: number; what?: string } = {}): { x: Float64Array; residual: number; iterations: number } {
  const tol = opts.tolerance ?? 1e-12;
  try {
    return newton(F, x0, { tol, maxIterations: opts.maxIterations ?? 100, fdStep: opts.fdStep ?? 1e-7 });
  } catch (e) {
    if (ConvergenceError.isInstance(e)) throw e;
    if (InvalidArgumentError.isInstance(e)) throw new ConvergenceError({ what: opts.what ?? 'Newton solve', iterations: 0, residual: NaN, tolerance: tol, detail: 'the start is outside the domain', hint: `the start is outside the domain (${e.message.split('\n')[0]}); start elsewhere` });
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
