import { referenceBackend, type Mat } from '@sftdl/compute';
import { key, normal, normalMat } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import {
  type Runner,
  alignment,
  collapseExponent,
  compareWithPrediction,
  countSpecialised,
  fitDatasetOnsets,
  fitOnsetExponent,
  fitPowerLaw,
  onsetFromCurve,
  onsetFromTop,
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

describe('per-dataset onsets (network runner)', () => {
  it('onsetFromTop: the first fall below the threshold walking down, interpolated in log P', () => {
    // 0.2 → 0.6 between P = 100 and 200: t = 0.3/0.4 = 0.75, P* = 100·2^0.75
    expect(onsetFromTop([100, 200, 400], [0.2, 0.6, 0.8], 0.5)).toBeCloseTo(100 * 2 ** 0.75, 10);
    // non-monotone: walking down from P = 8 it falls at P = 2 (0.4), between 2 and 4: t = 0.1/0.3, P* = 2·2^(1/3);
    // walking up it starts above the threshold, so the up onset is below the grid
    expect(onsetFromTop([1, 2, 4, 8], [0.6, 0.4, 0.7, 0.9], 0.5)).toBeCloseTo(2 * 2 ** (1 / 3), 10);
    expect(onsetFromCurve([1, 2, 4, 8], [0.6, 0.4, 0.7, 0.9], 0.5)).toBeNull();
    expect(onsetFromTop([1, 2], [0.6, 0.4], 0.5)).toBeNull(); // the top is below: the walk never started above
    expect(onsetFromTop([1, 2], [0.6, 0.7], 0.5)).toBeNull(); // never fell: extend the walk down
  });

  it('fitDatasetOnsets: exact power law, and the bootstrap interval from the finite set of resample means', () => {
    // identical datasets on P* = 3·d^{5/4}: slope 5/4 exactly, degenerate interval
    const exact = fitDatasetOnsets(
      [8, 16, 32].map((d) => ({ dim: d, onsets: [3 * d ** 1.25, 3 * d ** 1.25] })),
      { key: key(1), resamples: 50 },
    );
    expect(exact.exponent).toBeCloseTo(1.25, 12);
    expect(exact.interval[0]).toBeCloseTo(1.25, 12);
    expect(exact.interval[1]).toBeCloseTo(1.25, 12);
    expect(exact.failedResamples).toBe(0);
    // d = 8: datasets {a, b}; d = 16: {c}. Point estimate log(c/√(ab))/log 2. A resample of d = 8 is (a,a), (b,b) or
    // (a,b) with probabilities ¼, ¼, ½, so the 5% and 95% quantiles are the extremes log(c/b)/log 2 and log(c/a)/log 2
    const [a, b, c] = [100, 160, 260];
    const f = fitDatasetOnsets(
      [
        { dim: 8, onsets: [a, b] },
        { dim: 16, onsets: [c] },
      ],
      { key: key(2), resamples: 400, level: 0.9 },
    );
    expect(f.exponent).toBeCloseTo(Math.log(c / Math.sqrt(a * b)) / Math.LN2, 12);
    expect(f.interval[0]).toBeCloseTo(Math.log(c / b) / Math.LN2, 12);
    expect(f.interval[1]).toBeCloseTo(Math.log(c / a) / Math.LN2, 12);
    expect(f.onsets.map((o) => o.datasets)).toEqual([2, 1]);
    expect(f.onsets[0]!.onset).toBeCloseTo(Math.sqrt(a * b), 10);
    // an unbracketed dataset is an error, not a dropped resample
    expect(() =>
      fitDatasetOnsets(
        [
          { dim: 8, onsets: [Number.NaN] },
          { dim: 16, onsets: [1] },
        ],
        { key: key(3) },
      ),
    ).toThrow(/bracket/);
  });
});
