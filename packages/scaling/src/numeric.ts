import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { brent, minimize1d } from '@sftdl/field';

/**
 * Minimises a convex function of a few variables on a box by cyclic coordinate golden-section search.
 * Used on posynomial energies in log coordinates, which are convex, so coordinate descent converges.
 */
export function minimizeBox(
  f: (x: Float64Array) => number,
  lo: readonly number[],
  hi: readonly number[],
  opts: { tol?: number; maxSweeps?: number } = {},
): { x: Float64Array; value: number } {
  const n = lo.length;
  const tol = opts.tol ?? 1e-13;
  const maxSweeps = opts.maxSweeps ?? 2000;
  const x = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    if (!(lo[j]! <= hi[j]!))
      throw new InvalidArgumentError(`minimizeBox: empty interval for variable ${j}: [${lo[j]}, ${hi[j]}]`);
    x[j] = Math.min(hi[j]!, Math.max(lo[j]!, 0));
  }
  let value = f(x);
  if (n === 0) return { x, value };
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    const before = value;
    for (let j = 0; j < n; j++) {
      if (!(hi[j]! > lo[j]!)) continue;
      const r = minimize1d(
        (t) => {
          const old = x[j]!;
          x[j] = t;
          const v = f(x);
          x[j] = old;
          return v;
        },
        lo[j]!,
        hi[j]!,
        { tol: 1e-12 },
      );
      if (r.value <= value) {
        x[j] = r.x;
        value = r.value;
      }
    }
    if (Math.abs(before - value) <= tol * Math.max(1, Math.abs(value))) {
      if (!Number.isFinite(value)) break;
      return { x, value };
    }
  }
  if (!Number.isFinite(value))
    throw new ConvergenceError({
      what: 'minimizeBox: energy is not finite',
      iterations: maxSweeps,
      residual: Number.NaN,
      tolerance: tol,
      hint: 'check that every free variable is bounded or penalised',
    });
  return { x, value };
}

/** Root of a continuous function with a sign change on [a, b] (Brent's method from @sftdl/field). */
export function bisectRoot(f: (x: number) => number, a: number, b: number): number {
  const fa = f(a);
  const fb = f(b);
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) {
    throw new InvalidArgumentError(
      `no crossover in the bracket: the two energies do not change order on [${a}, ${b}]; widen the range`,
    );
  }
  return brent(f, a, b, { tol: 1e-13 }).root;
}
