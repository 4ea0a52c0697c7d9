import { key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { chanceSpecialised, compareWithPrediction, fitOnsetExponent, onsetFromCurve } from './empirical';
import { frac } from './fraction';
import { parseTarget, twoLayerFcn, twoLayerLinear } from './models';
import { predict } from './predict';

describe('verdicts against the prediction and its rivals', () => {
  const rivals = [frac('3/2'), frac(3)];
  it('consistent only when the interval contains the prediction and excludes every rival', () => {
    const ok = compareWithPrediction({ exponent: 1, interval: [0.8, 1.2] }, frac(1), { rivals });
    expect(ok.consistent).toBe(true);
    expect(ok.decisive).toBe(true);
    expect(ok.rivalExponents).toEqual([1.5, 3]);
    const wide = compareWithPrediction({ exponent: 1.2, interval: [0.8, 1.6] }, frac(1), { rivals });
    expect(wide.containsPrediction).toBe(true);
    expect(wide.consistent).toBe(false);
    expect(wide.decisive).toBe(false);
    expect(wide.rivalsInside).toEqual([1.5]);
    expect(wide.verdict).toMatch(/too wide/);
    // contains 1 and stops short of 3/2, but is wider than the gap 1/2: cannot tell 1 from 3/2
    const loose = compareWithPrediction({ exponent: 0.5, interval: [-0.3, 1.4] }, frac(1), { rivals });
    expect(loose.consistent).toBe(false);
    expect(loose.decisive).toBe(false);
    expect(loose.verdict).toMatch(/wider than its gap/);
    const off = compareWithPrediction({ exponent: 2, interval: [1.7, 2.3] }, frac(1), { rivals });
    expect(off.consistent).toBe(false);
    expect(off.decisive).toBe(true);
    // a rival equal to the prediction is not a rival
    expect(compareWithPrediction({ exponent: 1, interval: [0.9, 1.1] }, frac(1), { rivals: [frac(1)] }).rivalExponents).toEqual(
      [],
    );
  });
  it('lower bounds: consistent unless the interval lies entirely below the bound', () => {
    // the numbers: exact linear runner 0.92 [0.85, 1.02] against the bound 3/4
    const b = compareWithPrediction({ exponent: 0.92, interval: [0.85, 1.02] }, frac('3/4'), { kind: 'lower-bound' });
    expect(b.consistent).toBe(true);
    expect(b.kind).toBe('lower-bound');
    expect(compareWithPrediction({ exponent: 0.5, interval: [0.4, 0.6] }, frac('3/4'), { kind: 'lower-bound' }).consistent).toBe(
      false,
    );
  });
  it('rejects an empty or NaN interval', () => {
    expect(() => compareWithPrediction({ exponent: 1, interval: [Number.NaN, 1] }, frac(1))).toThrow(/interval/);
  });
});

describe('rows that are bounds, and targets outside the paper', () => {
  it('the linear network below proportional width is a lower bound; the erf He3 rows are scalings', () => {
    const lb = predict(twoLayerLinear, { target: parseTarget('he1'), scaling: { N: frac('1/2') }, sweepMax: 0 });
    expect(lb.kind).toBe('lower-bound');
    expect(lb.pStarExponent.toString()).toBe('3/4');
    expect(lb.kindReason).toMatch(/lower bound/);
    const wide = predict(twoLayerLinear, { target: parseTarget('he1'), scaling: { N: frac(2) }, sweepMax: 0 });
    expect(wide.kind).toBe('scaling'); // N ≥ d: the GP row, P* ∝ d
    for (const nu of [1, 2])
      expect(predict(twoLayerFcn, { target: parseTarget('he3'), scaling: { N: frac(nu) }, sweepMax: 0 }).kind).toBe('scaling');
  });
  it('multi-index targets are refused with a message that says why', () => {
    for (const t of ['he3+he3', 'he1,he3', 'he3x2', 'multi-he3']) expect(() => parseTarget(t)).toThrow(/multi-index/);
    expect(parseTarget(' HE5 ').degree).toBe(5);
  });
});

describe('onset detector and the chance count of specialised neurons', () => {
  it('finds a known onset exactly on a curve symmetric in log P, and refuses curves that never cross', () => {
    // A = 1/(1 + (P0/P)²) is antisymmetric about P0 in log P; on a grid symmetric about P0 the log-linear interpolation
    // between the two bracketing points is exact
    const P0 = 37;
    const grid = [-3, -1, 1, 3, 5].map((k) => P0 * 2 ** (k / 4));
    const A = grid.map((p) => 1 / (1 + (P0 / p) ** 2));
    expect(onsetFromCurve(grid, A)!).toBeCloseTo(P0, 10);
    expect(onsetFromCurve(grid, A, 0.99)).toBeNull();
  });
  it('bootstrap over seeds recovers P* ∝ d² from noisy synthetic curves and its interval excludes 1 and 3', () => {
    const dims = [8, 12, 16, 24, 32];
    const z = normal(key(4), 1000);
    let zi = 0;
    const sweep = dims.map((d) => {
      const samples = Array.from({ length: 14 }, (_, k) => Math.round(Math.SQRT2 ** k * d));
      const alignment = Array.from({ length: 4 }, () =>
        samples.map((p) => 1 / (1 + ((0.5 * d * d) / p) ** 1.5) + 0.03 * z[zi++ % 1000]!),
      );
      return { dim: d, width: d, samples, alignment };
    });
    const fit = fitOnsetExponent(sweep, { key: key(5), resamples: 200 });
    expect(fit.exponent).toBeGreaterThan(1.85);
    expect(fit.exponent).toBeLessThan(2.15);
    const cmp = compareWithPrediction(fit, frac(2), { rivals: [frac(1), frac(3)] });
    expect(cmp.consistent).toBe(true);
  });
  it('chance count: exact at d = 3 (overlap uniform on [−1, 1]) and d = 2, and a Monte Carlo check at d = 16', () => {
    expect(chanceSpecialised(10, 3, 0.5)).toBeCloseTo(5, 6); // Archimedes: P(|t| > 0.5) = 0.5
    expect(chanceSpecialised(1, 2, 0.5)).toBeCloseTo(1 - (2 / Math.PI) * Math.asin(0.5), 12);
    const d = 16;
    const n = 20000;
    const g = normal(key(9), n * d);
    let hit = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += g[i * d + j]! ** 2;
      if (Math.abs(g[i * d]!) / Math.sqrt(s) > 0.5) hit++;
    }
    const p = hit / n;
    const se = Math.sqrt((p * (1 - p)) / n);
    expect(Math.abs(chanceSpecialised(1, d, 0.5) - p)).toBeLessThan(4 * se);
  });
});
