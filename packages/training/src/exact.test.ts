import { describe, expect, it } from 'vitest';
import { fromRows, referenceBackend } from '@sftdl/compute';
import { key, normalMat } from '@sftdl/field';
import fixture from '../test/fixtures/linear_exact.json' with { type: 'json' };
import { linearTwoLayerExactPosterior } from './index';

describe('linearTwoLayerExactPosterior', () => {
  it.each(fixture.cases.map((c, i) => [i, c] as const))('matches the independent scipy oracle (case %i)', (_i, c) => {
    const ex = linearTwoLayerExactPosterior({
      x: fromRows(c.x),
      y: Float64Array.from(c.y),
      xTest: fromRows(c.xTest),
      sigma2: c.sigma2,
      sigmaW2: c.sigmaW2,
      sigmaA2: c.sigmaA2,
      chi: c.chi,
      width: c.N,
    });
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
    expect(rel(ex.trainMse, c.trainMse)).toBeLessThan(1e-7);
    expect(rel(ex.scalePosteriorMean, c.scalePosteriorMean)).toBeLessThan(1e-7);
    c.meanPrediction.forEach((v, i) => expect(ex.meanPrediction[i]).toBeCloseTo(v, 8));
    c.meanPredictionTest.forEach((v, i) => expect(ex.meanPredictionTest![i]).toBeCloseTo(v, 8));
    c.weightCovEigenvalues.forEach((v, i) => expect(rel(ex.weightCovEigenvalues[i]!, v)).toBeLessThan(1e-7));
  });
  it('infinite width: GP regression with kernel σ_w²σ_a²/(dχ)·XXᵀ and a prior weight covariance', () => {
    const x = normalMat(key(1), 7, 3);
    const y = normalMat(key(2), 7, 1);
    const ex = linearTwoLayerExactPosterior({ x, y, sigma2: 0.3, sigmaW2: 1.2, sigmaA2: 0.7, width: 1e7 });
    const c = (1.2 * 0.7) / 3;
    const K = referenceBackend.gram(x, { alpha: c });
    const L = referenceBackend.cholesky(K, { jitter: 0.3 });
    const fbar = referenceBackend.matmul(K, referenceBackend.choleskySolve(L, y)).data;
    for (let i = 0; i < 7; i++) expect(ex.meanPrediction[i]).toBeCloseTo(fbar[i]!, 5);
    for (const v of ex.weightCovEigenvalues) expect(v).toBeCloseTo(1.2 / 3, 5);
    expect(ex.scalePosteriorMean).toBeCloseTo(1, 5);
  });
  it('rejects invalid input', () => {
    const x = normalMat(key(1), 4, 2);
    expect(() => linearTwoLayerExactPosterior({ x, y: new Float64Array(3), sigma2: 1, width: 3 })).toThrow(/length/);
    expect(() => linearTwoLayerExactPosterior({ x, y: new Float64Array(4), sigma2: -1, width: 3 })).toThrow(/sigma2/);
  });
});
