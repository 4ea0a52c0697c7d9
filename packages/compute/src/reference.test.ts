import { describe, expect, it } from 'vitest';
import { runConformanceSuite, runRobustnessSuite, testMatrix, testSpd } from './testing';
import { referenceBackend as b } from './reference';
import { describeLapackAgreement } from '../test/lapack';
import { fromRows } from './mat';
import { NotPositiveDefiniteError } from './errors';

runConformanceSuite(b);

describeLapackAgreement('reference backend', b, { logdet: true });

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
      b.cholesky(
        fromRows([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, -0.5],
        ]),
      );
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
