import { describe, expect, it } from 'vitest';
import { mat, NotPositiveDefiniteError } from '@sftdl/compute';
import { readFileSync } from 'node:fs';
import {
  cumulantsToMoments,
  doubleFactorialOdd,
  gaussianMoment,
  jointCumulant,
  key,
  kStatistics,
  logGamma,
  logGammaRatio,
  momentsToCumulants,
  monteCarloExpectation,
  multivariateNormal,
  normal,
} from './index';

describe('Wick / Isserlis', () => {
  const C = [
    [2, 0.5, -0.3],
    [0.5, 1, 0.2],
    [-0.3, 0.2, 1.5],
  ];
  it('4th moments: E[x_i x_j x_k x_l] = C_ij C_kl + C_ik C_jl + C_il C_jk', () => {
    expect(gaussianMoment([0, 1, 2, 2], C)).toBeCloseTo(0.5 * 1.5 + 2 * -0.3 * 0.2, 15);
    expect(gaussianMoment([0, 0, 1, 1], C)).toBeCloseTo(2 * 1 + 2 * 0.5 ** 2, 15);
    expect(gaussianMoment([0, 0, 0, 0], C)).toBeCloseTo(3 * 4, 15);
    expect(gaussianMoment([0, 1, 2], C)).toBe(0);
  });
  it('6th moments: E[x⁶] = 15σ⁶, E[x⁴y²] = 3σx⁴σy² + 12σx²C²', () => {
    expect(gaussianMoment([2, 2, 2, 2, 2, 2], C)).toBeCloseTo(15 * 1.5 ** 3, 13);
    const [a, c, b] = [2, 0.5, 1];
    expect(gaussianMoment([0, 0, 0, 0, 1, 1], mat(3, 3, C.flat()))).toBeCloseTo(3 * a * a * b + 12 * a * c * c, 13);
    // the number of pairings of 2k identical unit-variance indices is (2k−1)!!
    for (let k = 1; k <= 6; k++) expect(gaussianMoment(Array(2 * k).fill(1), C)).toBe(doubleFactorialOdd(k));
  });
});

describe('cumulants ↔ moments', () => {
  it('Gaussian N(μ, σ²): only κ₁ = μ, κ₂ = σ² (order 8)', () => {
    const mu = 0.7,
      s2 = 1.3;
    // raw moments by E[(μ+σz)ⁿ]
    const m = [1];
    for (let n = 1; n <= 8; n++) {
      let s = 0;
      for (let j = 0; j <= n; j += 2) {
        let c = 1;
        for (let i = 1; i <= j; i++) c = (c * (n - j + i)) / i;
        s += c * mu ** (n - j) * s2 ** (j / 2) * doubleFactorialOdd(j / 2);
      }
      m.push(s);
    }
    const k = momentsToCumulants(m);
    expect(k[1]).toBeCloseTo(mu, 13);
    expect(k[2]).toBeCloseTo(s2, 13);
    for (let n = 3; n <= 8; n++) expect(Math.abs(k[n]!)).toBeLessThan(1e-11);
  });
  it('Poisson(1) has all cumulants 1 and Bell-number moments; Exp(1): mₙ = n!, κₙ = (n−1)!', () => {
    expect(cumulantsToMoments([0, 1, 1, 1, 1, 1, 1, 1])).toEqual([1, 1, 2, 5, 15, 52, 203, 877]);
    const fact = [1, 1, 2, 6, 24, 120, 720, 5040];
    const k = momentsToCumulants(fact);
    for (let n = 1; n < 8; n++) expect(k[n]).toBeCloseTo(fact[n - 1]!, 10);
    expect(cumulantsToMoments(momentsToCumulants(fact))).toEqual(fact);
  });
});

describe('joint cumulants and k-statistics', () => {
  const C = [
    [2, 0.5, -0.3],
    [0.5, 1, 0.2],
    [-0.3, 0.2, 1.5],
  ];
  it('Gaussian: κ₂ = covariance, all joint cumulants of order 3..6 vanish', () => {
    expect(
      jointCumulant(2, (s) =>
        gaussianMoment(
          s.map((i) => [0, 1][i]!),
          C,
        ),
      ),
    ).toBeCloseTo(0.5, 15);
    for (const idx of [
      [0, 1, 2, 2],
      [0, 0, 1, 1, 2, 2],
      [1, 1, 1, 1],
    ]) {
      expect(
        Math.abs(
          jointCumulant(idx.length, (s) =>
            gaussianMoment(
              s.map((i) => idx[i]!),
              C,
            ),
          ),
        ),
      ).toBeLessThan(1e-13);
    }
  });
  it('1-D joint cumulants agree with momentsToCumulants (Exp(1): κₙ = (n−1)!)', () => {
    const fact = [1, 1, 2, 6, 24, 120, 720];
    for (let n = 1; n <= 6; n++) expect(jointCumulant(n, (s) => fact[s.length]!)).toBeCloseTo(fact[n - 1]!, 9);
  });
  it('k-statistics match scipy.stats.kstat on a fixed sample', () => {
    const ref = JSON.parse(readFileSync(new URL('../test/fixtures/kstat.json', import.meta.url), 'utf8')) as {
      data: number[];
      k: number[];
    };
    const k = kStatistics(ref.data);
    [k.k1, k.k2, k.k3, k.k4].forEach((v, i) => expect(v).toBeCloseTo(ref.k[i]!, 12));
  });
});

describe('Monte Carlo and multivariate normal', () => {
  it('monteCarloExpectation: E[z²] = 1 within 4 s.e., s.e. ≈ √(2/n)', () => {
    const n = 40000;
    const est = monteCarloExpectation(
      key(17),
      n,
      (z: number) => z * z,
      (k, m) => normal(k, m),
    );
    // the deprecated argument order gives the same numbers
    expect(
      monteCarloExpectation(
        (z: number) => z * z,
        (k, m) => normal(k, m),
        key(17),
        n,
      ),
    ).toEqual(est);
    expect(Math.abs(est.mean - 1)).toBeLessThan(4 * est.stdError);
    expect(est.stdError).toBeCloseTo(Math.sqrt(2 / n), 3);
  });
  it('multivariateNormal reproduces mean and covariance within sampling error', () => {
    const cov = mat(2, 2, [2, 0.8, 0.8, 1]);
    const n = 40000;
    const X = multivariateNormal(key(4), [1, -2], cov, n);
    let m0 = 0,
      m1 = 0,
      c00 = 0,
      c01 = 0,
      c11 = 0;
    for (let i = 0; i < n; i++) {
      m0 += X.data[2 * i]!;
      m1 += X.data[2 * i + 1]!;
    }
    m0 /= n;
    m1 /= n;
    for (let i = 0; i < n; i++) {
      const a = X.data[2 * i]! - m0,
        b = X.data[2 * i + 1]! - m1;
      c00 += a * a;
      c01 += a * b;
      c11 += b * b;
    }
    c00 /= n;
    c01 /= n;
    c11 /= n;
    expect(Math.abs(m0 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m1 + 2)).toBeLessThan(5 * Math.sqrt(1 / n));
    expect(Math.abs(c00 - 2)).toBeLessThan(5 * Math.sqrt((2 * 4) / n));
    expect(Math.abs(c01 - 0.8)).toBeLessThan(5 * Math.sqrt((2 + 0.64) / n));
    expect(Math.abs(c11 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(() => multivariateNormal(key(4), [0, 0], mat(2, 2, [1, 1, 1, 1]), 3)).toThrow(NotPositiveDefiniteError);
  });
  it('logGamma matches factorials and Γ(½) = √π', () => {
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(200.5)).toBeCloseTo(logGamma(199.5) + Math.log(199.5), 10);
    // Γ(x+½)/Γ(x) = (2x)!·√π/(4^x·(x!)²·…): check against exact small cases and the recurrence at large x
    expect(logGammaRatio(1, 0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 14);
    expect(logGammaRatio(3, 2)).toBeCloseTo(Math.log(12), 15);
    expect(logGammaRatio(5000.5, 0.5) - logGammaRatio(5000, 0.5)).toBeCloseTo(Math.log(5000) - 2 * logGammaRatio(5000, 0.5), 13);
  });
});
