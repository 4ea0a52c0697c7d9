// The cubic landscape Ŝ(q; σ²) analysed with @sftdl/field's transition tools (findLocalMinima, trackMinima,
// spinodals, degeneracyPoint): an independent detection of the first-order transition that cubicCriticalPoint
// finds by its own log-u scan.
import { describe, expect, it } from 'vitest';
import { degeneracyPoint, spinodals, trackMinima } from '@sftdl/field';
import { reducedActionCubic, cubicInvariants } from './action';
import { cubicCriticalPoint, gflDiscrepancy } from './thermodynamic';

const base = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };
const land = (q: number, sigma2: number) => {
  const { u, kappa } = cubicInvariants({ ...base, sigma2 });
  const { b } = gflDiscrepancy({ u, kappa, sigmaW2: 0.5 });
  return reducedActionCubic(q, { u, b, c: -0.3, sigmaW2: 0.5 });
};

describe('cubic landscape along σ² (field transition tools)', () => {
  const crit = cubicCriticalPoint(base);
  it('trackMinima: the global minimum jumps from q = 0 to q* at σ²_c', () => {
    const r = trackMinima(land, [0.2, 0.195, 0.185, 0.175, 0.17], { interval: [0, 2], grid: 1001 });
    expect(r.jumps.length).toBe(1);
    expect(r.jumps[0]!.sStar!).toBeCloseTo(crit.sigma2Critical, 7);
    expect(r.jumps[0]!.from).toBe(0);
    expect(r.jumps[0]!.to).toBeGreaterThan(0.5);
  });
  it('spinodals: the non-trivial minimum vanishes at σ²_spinodal', () => {
    const s = spinodals(land, [0.17, 0.2], { interval: [0, 2], grid: 1001, sGrid: 30 });
    expect(s.length).toBe(1);
    expect(s[0]!.kind).toBe('vanish');
    expect(s[0]!.s).toBeCloseTo(crit.sigma2Spinodal, 6);
  });
  it('degeneracyPoint agrees with cubicCriticalPoint (independent bisection)', () => {
    const r = degeneracyPoint(land, [0.17, 0.185], { interval: [0, 2] });
    expect(r.s).toBeCloseTo(crit.sigma2Critical, 9);
    expect(r.minima[0].q).toBeCloseTo(crit.qStar, 5); // the branch that is global below σ²_c (learned)
  });
});
