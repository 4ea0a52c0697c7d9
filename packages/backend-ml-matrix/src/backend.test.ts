import { describe, expect, it } from 'vitest';
import { NotPositiveDefiniteError, fromRows, referenceBackend, selectBackend } from '@sftdl/compute';
import { runConformanceSuite, runRobustnessSuite } from '@sftdl/compute/testing';
import { describeLapackAgreement } from '../../compute/test/lapack';
import { mlMatrixBackend, provider } from './index';

runConformanceSuite(mlMatrixBackend);
runRobustnessSuite(mlMatrixBackend);

describeLapackAgreement('ml-matrix backend', mlMatrixBackend, { maxN: 200 });

describe('ml-matrix specifics', () => {
  it('reads only the lower triangle (ml-matrix itself rejects non-symmetric input)', () => {
    const l = mlMatrixBackend.cholesky(
      fromRows([
        [4, 99],
        [2, 3],
      ]),
    );
    expect(Array.from(l.data)).toEqual([2, 0, 1, Math.SQRT2]);
  });
  it('turns the silent not-positive-definite flag into NotPositiveDefiniteError at the right pivot', () => {
    const a = fromRows([
      [1, 0, 0],
      [0, 2, 0],
      [0, 0, -0.5],
    ]);
    const err = (() => {
      try {
        mlMatrixBackend.cholesky(a);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(NotPositiveDefiniteError.isInstance(err)).toBe(true);
    expect((err as NotPositiveDefiniteError).pivot).toBe(2);
    expect((err as NotPositiveDefiniteError).backend).toBe('ml-matrix');
    expect((err as NotPositiveDefiniteError).suggestedJitter).toBe(1);
  });
  it('agrees with the reference backend on eigenvectors (same sign convention)', () => {
    const a = fromRows([
      [2, 1, 0],
      [1, 3, 1],
      [0, 1, 4],
    ]);
    const x = mlMatrixBackend.eigh(a),
      y = referenceBackend.eigh(a);
    for (let i = 0; i < 9; i++) expect(x.vectors.data[i]).toBeCloseTo(y.vectors.data[i]!, 12);
  });
  it('provider: float64 only, selectable by name', async () => {
    expect(await provider.probe()).toMatchObject({ name: 'ml-matrix', available: true });
    const { backend } = await selectBackend({ prefer: 'ml-matrix', providers: [provider] });
    expect(backend).toBe(mlMatrixBackend);
    await expect(provider.create({ precision: 'float32' })).rejects.toThrow(/float64 only/);
    // slower than the reference backend, so never chosen automatically
    expect((await selectBackend({ providers: [provider] })).backend).toBe(referenceBackend);
  });
});
