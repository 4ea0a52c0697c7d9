import { referenceBackend, type Mat } from '@sftdl/compute';
import { key, normal, normalMat } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import {
  type Runner,
  alignment,
  collapseExponent,
  compareWithPrediction,
  countSpecialised,
  fitOnsetExponent,
  fitPowerLaw,
  onsetFromCurve,
  runSweep,
} from './empirical';
import { frac } from './fraction';
import { twoLayerLinear } from './models';
import { predict } from './predict';

describe('alignment and onsets', () => {
  it('A_f = ⟨f,y⟩/⟨y,y⟩', () => {
    expect(alignment([1, 2], [2, 4])).toBeCloseTo(0.5, 15);
    expect(() => alignment([1], [0])).toThrow(/zero/);
  });
  it('onset by log-interpolation and exact power-law fits', () => {
    // A = P/(P + 100): crosses 0.5 at P = 100 exactly; log-linear interpolation between 50 and 200
    const P = [25, 50, 200, 400];
    const A = P.map((p) => p / (p + 100));
    const on = onsetFromCurve(P, A)!;
    expect(on).toBeGreaterThan(50);
    expect(on).toBeLessThan(200);
    expect(onsetFromCurve([1, 2], [0.1, 0.2])).toBeNull();
    const f = fitPowerLaw([2, 4, 8], [3 * 2 ** 1.5, 3 * 4 ** 1.5, 3 * 8 ** 1.5]);
    expect(f.slope).toBeCloseTo(1.5, 12);
    expect(Math.exp(f.intercept)).toBeCloseTo(3, 10);
  });
  it('counts specialised neurons against |ŵ·w*| > 0.5', () => {
    const w: Mat = { rows: 3, cols: 2, data: new Float64Array([1, 0, 1, 1, 0.1, 1]) }; // overlaps 1, 0.707, 0.0995
    const r = countSpecialised(w, [1, 0]);
    expect(r.count).toBe(2);
    expect(r.overlaps[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(countSpecialised(w, [1, 0], { threshold: 0.8 }).count).toBe(1);
  });
});

describe('fitted exponents with bootstrap intervals', () => {
  it('recovers a known onset law A = P/(P + 2 d^{3/2}) with seed noise, by threshold and by collapse', async () => {
    const runner: Runner = ({ samples, dim, key: k }) => {
      const y = normal(k, 400);
      const a = samples / (samples + 2 * dim ** 1.5);
      const eps = normal(k, 401)[400]! * 0.01; // independent per run (seed, P, d)
      return { prediction: y.map((v) => v * (a + eps)), target: y };
    };
    const sweep = await runSweep(runner, {
      dims: [8, 16, 32, 64],
      width: (d) => d,
      samples: (d) => [0.25, 0.5, 1, 2, 4, 8, 16].map((c) => Math.round(c * 2 * d ** 1.5)),
      seeds: 4,
      key: key(1),
    });
    const fit = fitOnsetExponent(sweep, { key: key(2), resamples: 100 });
    expect(fit.exponent).toBeCloseTo(1.5, 1);
    const cmp = compareWithPrediction(fit, frac('3/2'));
    expect(cmp.consistent).toBe(true);
    const col = fitOnsetExponent(sweep, { method: 'collapse', key: key(3), resamples: 20 });
    expect(Math.abs(col.exponent - 1.5)).toBeLessThan(0.05);
    expect(collapseExponent(sweep.map((s) => ({ dim: s.dim, samples: s.samples, alignment: s.alignment[0]! })))).toBeCloseTo(
      1.5,
      1,
    );
  });

  it('an exact Bayesian runner (GP with the linear NNGP kernel, ridge κ = 0.1) onsets at P* ∝ d¹, the lazy prediction', async () => {
    // The two-layer linear network at N ≥ d is predicted lazy: P*/κ ∝ d. Posterior mean f = k*(K + κI)⁻¹y, K = XXᵀ/d.
    const kappa = 0.1;
    const runner: Runner = ({ samples: n, dim: d, key: k }) => {
      const wStar = normal(k, d);
      const nrm = Math.hypot(...wStar);
      const X = normalMat(key(11 + n + 97 * d), n, d);
      const Xt = normalMat(key(13 + n + 89 * d), 200, d);
      const lin = (A: Mat) => referenceBackend.matmul(A, { rows: d, cols: 1, data: wStar.map((v) => v / nrm) });
      const y = lin(X);
      const K = referenceBackend.gram(X, { alpha: 1 / d });
      for (let i = 0; i < n; i++) K.data[i * n + i]! += kappa;
      const alpha = referenceBackend.choleskySolve(referenceBackend.cholesky(K), y);
      const Ks = referenceBackend.matmul(Xt, X, { transB: true, alpha: 1 / d });
      const f = referenceBackend.matmul(Ks, alpha);
      return { prediction: f.data, target: lin(Xt).data };
    };
    const sweep = await runSweep(runner, {
      dims: [8, 16, 32],
      width: (d) => 2 * d,
      samples: (d) => [0.125, 0.25, 0.5, 1, 2].map((c) => Math.round(c * d)),
      seeds: 3,
      key: key(5),
    });
    const fit = fitOnsetExponent(sweep, { key: key(6), resamples: 100 });
    const pred = predict(twoLayerLinear, { target: { degree: 1 }, scaling: { N: 1 }, sweepMax: 0 });
    const cmp = compareWithPrediction(fit, pred.pStarExponent);
    expect(cmp.predictedExact).toBe('1');
    expect(cmp.consistent).toBe(true);
    expect(Math.abs(fit.exponent - 1)).toBeLessThan(0.15);
  });
});
