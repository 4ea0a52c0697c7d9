import { describe, expect, it } from 'vitest';
import { runConformanceSuite, runRobustnessSuite, testMatrix, testSpd } from './testing';
import { referenceBackend as b } from './reference';
import { lapackCases, lapackDeviation } from '../test/lapack';
import { fromRows } from './mat';
import { NotPositiveDefiniteError } from './errors';

runConformanceSuite(b);

describe('reference backend vs LAPACK (numpy fixture, test/fixtures/gen_lapack_fixture.py)', () => {
  for (const c of lapackCases) {
    it(`n=${c.n}: Cholesky and eigenvalues to 1e-10 relative`, () => {
      const dev = lapackDeviation(b, c);
      expect(dev.eigenvalues).toBeLessThan(1e-10);
      expect(dev.choleskyDiag).toBeLessThan(1e-10);
      expect(dev.choleskyEntries).toBeLessThan(1e-10);
      expect(dev.logdet).toBeLessThan(1e-12);
      // eigenvector error ≲ eps‖A‖/gap; the fixture's smallest gap/‖A‖ is ~2e-8 at n=200
      expect(dev.eigenvectors).toBeLessThan(1e-6);
    });
  }
});

describe('reference backend: blocked paths and edge cases', () => {
  it('matmul of empty and degenerate shapes', () => {
    expect(b.matmul(testMatrix(0, 3, 1), testMatrix(3, 2, 2))).toEqual({ rows: 0, cols: 2, data: new Float64Array(0) });
    expect(Array.from(b.matmul(testMatrix(2, 0, 1), testMatrix(0, 2, 2)).data)).toEqual([0, 0, 0, 0]);
  });
  it('cholesky across several blocks (n = 300) reconstructs A', () => {
    const a = testSpd(300, 5);
    const l = b.cholesky(a);
    const r = b.gram(l);
    let err = 0;
    for (let i = 0; i < a.data.length; i++) err = Math.max(err, Math.abs(r.data[i]! - a.data[i]!));
    expect(err).toBeLessThan(1e-12 * 300);
  });
  it('NotPositiveDefiniteError reports the failing pivot and a power-of-ten jitter', () => {
    try {
      b.cholesky(fromRows([[1, 0, 0], [0, 1, 0], [0, 0, -0.5]]));
      expect.unreachable();
    } catch (e) {
      expect(NotPositiveDefiniteError.isInstance(e)).toBe(true);
      const err = e as NotPositiveDefiniteError;
      expect(err.pivot).toBe(2);
      expect(err.suggestedJitter).toBe(1);
      expect(err.message).toMatch(/jitter: 1\.0e\+0/);
    }
  });
});

runRobustnessSuite(b);
