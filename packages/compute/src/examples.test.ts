// The README / TSDoc examples, executed.
import { describe, expect, it } from 'vitest';
import { ShapeError, fromRows, listBackends, matVec, referenceBackend as B, selectBackend, toRows } from './index';

describe('documented examples', () => {
  it('README: cholesky with jitter, solve, logdet, eigh, gram', () => {
    const K = fromRows([
      [2, 1],
      [1, 2],
    ]);
    const L = B.cholesky(K, { jitter: 1e-10 });
    const alpha = B.choleskySolve(L, fromRows([[1], [0]]));
    expect(alpha.data[0]).toBeCloseTo(2 / 3, 9);
    expect(alpha.data[1]).toBeCloseTo(-1 / 3, 9);
    expect(B.choleskyLogDet(L)).toBeCloseTo(Math.log(3), 9);
    expect(Array.from(B.eigh(K).values)).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)]);
    expect(toRows(B.gram(fromRows([[1, 2, 3]]), { trans: true }))).toEqual([
      [1, 2, 3],
      [2, 4, 6],
      [3, 6, 9],
    ]);
  });
  it('referenceBackend TSDoc: cholesky([[4,2],[2,3]]) = [[2,0],[1,√2]]', () => {
    expect(
      Array.from(
        B.cholesky(
          fromRows([
            [4, 2],
            [2, 3],
          ]),
        ).data,
      ),
    ).toEqual([2, 0, 1, Math.SQRT2]);
  });
  it('listBackends / selectBackend TSDoc: with no providers, the reference backend', async () => {
    expect(await listBackends([])).toEqual([
      { name: 'reference', precision: ['float64', 'float32'], available: true, engine: 'typescript' },
    ]);
    expect((await selectBackend({ precision: 'float64', providers: [] })).backend).toBe(B);
  });
  it('matVec TSDoc: [[1,2],[3,4]]·[1,−1] = [−1,−1]; equals a 1-column matmul exactly; checks the length', () => {
    const m = fromRows([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(matVec(m, [1, -1]))).toEqual([-1, -1]);
    const x = fromRows([
        [0.1, -2.5, 3e-3],
        [7, 0.25, -1.125],
      ]),
      v = [0.3, 1 / 3, -2];
    expect(Array.from(matVec(x, v))).toEqual(Array.from(B.matmul(x, { rows: 3, cols: 1, data: Float64Array.from(v) }).data));
    expect(() => matVec(m, [1, 2, 3])).toThrow(ShapeError);
  });
});
