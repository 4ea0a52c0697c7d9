/** Sweeps of the cubic-teacher theory along a parameter path, with hysteresis of the finite-d roots. */
import { ConvergenceError } from '@sftdl/compute';
import { continuationBothWays } from '@sftdl/field';
import type { CubicSolution, CubicTeacherParams, M11Convention } from './action';
import { at } from '../numerics';
import { solveCubicFiniteD } from './finite-d';
import { solveCubicThermodynamic } from './thermodynamic';

/** One point of a {@link sweepCubic}. */
export interface CubicSweepPoint extends CubicSolution {
  sigma2: number;
  params: CubicTeacherParams;
}

/**
 * Sweeps the cubic theory along any parameter path (a list of parameter sets, e.g. a σ² grid or the Fig. 2 β-path).
 * In the finite-d limit the solution is continued forwards and backwards; `hysteresis` lists the stretches of the
 * path where the two continuations end on different roots (metastability near the first-order transition).
 * @example
 * const base = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };
 * sweepCubic([0.3, 0.2, 0.15].map((sigma2) => ({ ...base, sigma2 })), { limit: 'thermodynamic' }).points.map((p) => p.phase)
 */
export function sweepCubic(
  path: readonly CubicTeacherParams[],
  opts: { limit?: 'thermodynamic' | 'finite'; m11Convention?: M11Convention } = {},
): { points: CubicSweepPoint[]; hysteresis: { tStart: number; tEnd: number }[] } {
  const limit = opts.limit ?? 'thermodynamic';
  if (limit === 'thermodynamic') {
    return {
      points: path.map((params) => ({ ...solveCubicThermodynamic(params, opts), sigma2: params.sigma2, params })),
      hysteresis: [],
    };
  }
  const idx = path.map((_, i) => i);
  const cont = continuationBothWays<CubicSolution>(
    idx,
    (i, g) => {
      try {
        return solveCubicFiniteD(at(path, i), { ...opts, ...(g ? { guess: { b: g.b, c: g.c }, multiStart: false } : {}) });
      } catch (e) {
        if (ConvergenceError.isInstance(e)) return null;
        throw e;
      }
    },
    (a, b) => Math.abs(a.b - b.b) + Math.abs(a.c - b.c),
    1e-6,
  );
  const points = path.map((params, i) => {
    const s = cont.forward[i] ?? solveCubicFiniteD(params, opts);
    return { ...s, sigma2: params.sigma2, params };
  });
  return {
    points,
    hysteresis: cont.hysteresis.map((h) => ({ tStart: at(path, h.tStart).sigma2, tEnd: at(path, h.tEnd).sigma2 })),
  };
}
