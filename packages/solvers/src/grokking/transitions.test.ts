import { describe, expect, it } from 'vitest';
import { continuationBothWays, localMinima1d, scanLandscapePath } from './transitions';
import { degeneracyPoint } from '@sftdl/field';
import { cubicCriticalPoint, cubicInvariants, gflDiscrepancy, reducedActionCubic } from './cubic';

describe('phase-transition detection', () => {
  it('finds both minima of a double well, including boundary minima', () => {
    const ms = localMinima1d((x) => (x * x - 1) ** 2, -2, 2);
    expect(ms.map((m) => m.x)).toEqual([expect.closeTo(-1, 6), expect.closeTo(1, 6)]);
    const b = localMinima1d((x) => x, 0, 1);
    expect(b).toEqual([{ x: 0, value: 0, boundary: true }]);
  });

  it('tilted double well: a first-order jump with the degeneracy at t = 0 and two spinodals', () => {
    // V = (x² − 1)² − t x: minima coexist for |t| < 8/(3√3) ≈ 1.5396
    const path = Array.from({ length: 41 }, (_, i) => -2 + 0.1 * i);
    const r = scanLandscapePath((x, t) => (x * x - 1) ** 2 - t * x, path, -2.5, 2.5, { gridPoints: 2000 });
    expect(r.jumps.length).toBe(1);
    expect(r.degeneracies[0].t).toBeCloseTo(0, 8);
    const tc = 8 / (3 * Math.sqrt(3));
    expect(r.spinodals.map((s) => s.t).sort((a, b) => a - b)).toEqual([expect.closeTo(-tc, 3), expect.closeTo(tc, 3)]);
  });

  it('hysteresis of x = tanh(2x + h) by forward/backward continuation', () => {
    const solve = (h: number, g: number | null) => { let x = g ?? Math.sign(h); for (let i = 0; i < 2000; i++) x = Math.tanh(2 * x + h); return x; };
    const r = continuationBothWays([-1, -0.1, 0.1, 1], solve, (a, b) => Math.abs(a - b));
    expect(r.hysteresis).toEqual([{ tStart: -0.1, tEnd: 0.1 }]);
  });

  it('cubic landscape along σ²: the degeneracy crossing reproduces σ²_c and the spinodal', () => {
    const base = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };
    const crit = cubicCriticalPoint(base);
    const land = (q: number, sigma2: number) => {
      const { u, kappa } = cubicInvariants({ ...base, sigma2 });
      const { b } = gflDiscrepancy({ u, kappa, sigmaW2: 0.5 });
      return reducedActionCubic(q, { u, b, c: -0.3, sigmaW2: 0.5 });
    };
    const path = [0.2, 0.195, 0.185, 0.175, 0.17];
    const r = scanLandscapePath(land, path, 0, 2, { gridPoints: 1000, ttol: 1e-9 });
    expect(r.degeneracies[0].t).toBeCloseTo(crit.sigma2Critical, 7);
    expect(r.degeneracies[0].x2).toBeCloseTo(crit.qStar, 5);
    expect(r.spinodals[0].t).toBeCloseTo(crit.sigma2Spinodal, 6);
  });

  it('agrees with @sftdl/field degeneracyPoint on the cubic landscape (independent bisection)', () => {
    const base = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };
    const crit = cubicCriticalPoint(base);
    const land = (q: number, sigma2: number) => {
      const { u, kappa } = cubicInvariants({ ...base, sigma2 });
      const { b } = gflDiscrepancy({ u, kappa, sigmaW2: 0.5 });
      return reducedActionCubic(q, { u, b, c: -0.3, sigmaW2: 0.5 });
    };
    const r = degeneracyPoint(land, [0.17, 0.185], { interval: [0, 2] });
    expect(r.s).toBeCloseTo(crit.sigma2Critical, 9);
  });
});
