import { key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { dividingThreshold, freeEnergyCurve, overlapTail, regionPriorLogMass } from './freeenergy';

describe('region prior masses (anchors of the restricted free energies)', () => {
  it('overlap tail: closed forms at d = 3 (u₁ uniform on [−1, 1]) and d = 2 (arcsine law)', () => {
    for (const c of [0.1, 0.5, 0.8, 0.95]) {
      expect(overlapTail(3, c)).toBeCloseTo(1 - c, 8);
      expect(overlapTail(2, c)).toBeCloseTo(1 - (2 / Math.PI) * Math.asin(c), 8);
    }
  });

  it('aligned-region mass of 8 rows at d = 8 against Monte Carlo of Gaussian rows', () => {
    const [d, N, c] = [8, 8, 0.7];
    const trials = 20000;
    const z = normal(key(3), trials * N * d);
    const w = normal(key(4), d);
    const wn = Math.hypot(...w);
    let hit = 0;
    for (let t = 0; t < trials; t++) {
      let best = 0;
      for (let i = 0; i < N; i++) {
        let dot = 0;
        let nn = 0;
        for (let j = 0; j < d; j++) {
          const v = z[(t * N + i) * d + j]!;
          dot += v * w[j]!;
          nn += v * v;
        }
        best = Math.max(best, Math.abs(dot) / Math.sqrt(nn) / wn);
      }
      if (best > c) hit++;
    }
    const p = hit / trials;
    const se = Math.sqrt((p * (1 - p)) / trials);
    expect(Math.abs(Math.exp(regionPriorLogMass(N, d, c, 'aligned')) - p)).toBeLessThan(4 * se);
    expect(Math.exp(regionPriorLogMass(N, d, c, 'lazy')) + Math.exp(regionPriorLogMass(N, d, c, 'aligned'))).toBeCloseTo(1, 12);
  });

  it('dividing overlap at 5% aligned prior mass, N = d: scipy betainc + brentq values', () => {
    // python3: from scipy.special import betainc; from scipy.optimize import brentq
    //   brentq(lambda c: 1 - (1 - betainc((d - 1) / 2, 0.5, 1 - c * c)) ** d - 0.05, 0.01, 0.999)
    const ref: [number, number][] = [
      [8, 0.823],
      [16, 0.671],
      [48, 0.453],
    ];
    for (const [d, c] of ref) expect(dividingThreshold(d, d, 0.05)).toBeCloseTo(c, 3);
    expect(() => dividingThreshold(8, 8, 1.5)).toThrow(/prior mass/);
  });
});

describe('restricted free energy from log predictive factors', () => {
  it('g(n) = α + β/(n + 1) (a Bayesian learning curve): the sum over n < P is exact', () => {
    const g = (n: number) => -0.4 - 1.5 / (n + 1);
    const P = [0, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512];
    const F = freeEnergyCurve(
      P,
      P.map((n) => g(n)),
      Math.log(0.05),
    );
    P.forEach((p, k) => {
      let s = 0;
      for (let n = 0; n < p; n++) s += g(n);
      expect(F[k]!).toBeCloseTo(-Math.log(0.05) - s, 9);
    });
  });

  it('another shape, g(n) = g∞ + b/√(n + 1), on the √2 grid: within 1% of the exact sum; bad input throws', () => {
    const g = (n: number) => -0.4 - 1.5 / Math.sqrt(n + 1);
    const P = [0, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512];
    const F = freeEnergyCurve(
      P,
      P.map((n) => g(n)),
      0,
    );
    let s = 0;
    for (let n = 0; n < 512; n++) s += g(n);
    expect(Math.abs(F[P.length - 1]! + s)).toBeLessThan(0.01 * Math.abs(s));
    expect(() => freeEnergyCurve([8, 16], [0, 0], 0)).toThrow(/P = 0/);
    expect(() => freeEnergyCurve([0, 16], [0, Number.NaN], 0)).toThrow(/not finite/);
  });
});
