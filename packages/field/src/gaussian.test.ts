import { describe, expect, it } from 'vitest';
import { erf, InvalidArgumentError } from '@sftdl/compute';
import {
  bivariateGaussianExpectation,
  erfHermiteCoefficients,
  gaussianExpectation,
  hermiteCoefficients,
  linearHermiteCoefficients,
  mehlerSum,
  monomialHermiteCoefficients,
  reluHermiteCoefficients,
} from './index';

const relu = (x: number) => (x > 0 ? x : 0);
const step = (x: number) => (x > 0 ? 1 : 0);

/** Arc-cosine closed forms (Cho & Saul): n = 0 (step), n = 1 (ReLU). */
function arcCos(n: 0 | 1, k11: number, k12: number, k22: number): number {
  const c = Math.max(-1, Math.min(1, k12 / Math.sqrt(k11 * k22)));
  const th = Math.acos(c);
  return n === 0
    ? (Math.PI - th) / (2 * Math.PI)
    : (Math.sqrt(k11 * k22) / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
}

const covs: [number, number, number][] = [
  [1, 0, 1],
  [1, 1, 1],
  [2, 1.3, 0.9],
  [0.5, -0.49, 0.7],
  [1, 0.999, 1],
  [1, -1, 1],
  [3, -2, 2],
  [1, 0.3, 4],
];

describe('gaussianExpectation (1-D)', () => {
  it('Gauss–Hermite moments with mean and variance', () => {
    expect(gaussianExpectation((x) => x * x, { mean: 1, variance: 2 })).toBeCloseTo(3, 13);
    expect(gaussianExpectation((x) => x ** 4, { mean: 0.5, variance: 2 })).toBeCloseTo(0.0625 + 6 * 0.25 * 2 + 3 * 4, 12);
    expect(gaussianExpectation(Math.cos, { variance: 3 })).toBeCloseTo(Math.exp(-1.5), 15);
    expect(gaussianExpectation((x) => x, { mean: 2, variance: 0 })).toBe(2);
  });
  it('kink-split rule: E[ReLU] = σ/√(2π), E[step(x − 1)] = Φ(−1) to 1e-14', () => {
    expect(Math.abs(gaussianExpectation(relu, { variance: 2, kinks: [0] }) - Math.sqrt(2 / (2 * Math.PI)))).toBeLessThan(1e-15);
    const phiMinus1 = 0.15865525393145705;
    expect(Math.abs(gaussianExpectation((x) => step(x - 1), { kinks: [1] }) - phiMinus1)).toBeLessThan(1e-15);
  });
  it('rejects bad input', () => {
    expect(() => gaussianExpectation(Math.cos, { variance: -1 })).toThrow(InvalidArgumentError);
    expect(() => gaussianExpectation(() => Number.NaN)).toThrow(InvalidArgumentError);
  });
});

describe('bivariateGaussianExpectation', () => {
  it('E[erf(a·u) erf(b·v)] = (2/π) arcsin(2ab·s12/√((1+2a²s11)(1+2b²s22))) for correlated u, v (1e-14)', () => {
    for (const [a, b] of [
      [1, 1],
      [0.7, 2.5],
      [3, -0.4],
    ] as const) {
      for (const [s11, s12, s22] of covs) {
        const exact = (2 / Math.PI) * Math.asin((2 * a * b * s12) / Math.sqrt((1 + 2 * a * a * s11) * (1 + 2 * b * b * s22)));
        const got = bivariateGaussianExpectation(
          (u) => erf(a * u),
          (v) => erf(b * v),
          { s11, s12, s22 },
        );
        expect(Math.abs(got - exact)).toBeLessThan(1e-14);
        if (a === 1 && b === 1 && s11 <= 1 && s22 <= 1) {
          const gh = bivariateGaussianExpectation(
            (u) => erf(u),
            (v) => erf(v),
            { s11, s12, s22, method: 'gauss-hermite', order: 96 },
          );
          expect(Math.abs(gh - exact)).toBeLessThan(1e-5); // smooth but not entire-friendly: GH converges slowly
        }
      }
    }
  });
  it('ReLU and step match the arc-cosine closed forms to 1e-14 (kink-split), incl. ρ = ±1', () => {
    for (const [s11, s12, s22] of covs) {
      const r = bivariateGaussianExpectation(relu, relu, { s11, s12, s22 });
      expect(Math.abs(r - arcCos(1, s11, s12, s22))).toBeLessThan(1e-14 * Math.max(1, Math.sqrt(s11 * s22)));
      const s = bivariateGaussianExpectation(step, step, { s11, s12, s22 });
      expect(Math.abs(s - arcCos(0, s11, s12, s22))).toBeLessThan(1e-14);
    }
  });
  it('plain tensor Gauss–Hermite is visibly worse for ReLU (the documented pitfall)', () => {
    const gh = bivariateGaussianExpectation(relu, relu, { s11: 1, s12: 0.5, s22: 1, method: 'gauss-hermite', order: 32 });
    const err = Math.abs(gh - arcCos(1, 1, 0.5, 1));
    expect(err).toBeGreaterThan(1e-8);
    expect(err).toBeLessThan(1e-2);
  });
  it('Isserlis: E[u²v²] = s11 s22 + 2 s12², E[u³v³] = 9 s11 s22 s12 + 6 s12³', () => {
    const [s11, s12, s22] = [1.5, -0.7, 0.8];
    const e22 = bivariateGaussianExpectation(
      (u) => u * u,
      (v) => v * v,
      { s11, s12, s22 },
    );
    const e33 = bivariateGaussianExpectation(
      (u) => u ** 3,
      (v) => v ** 3,
      { s11, s12, s22, kinks: [] },
    );
    expect(e22).toBeCloseTo(s11 * s22 + 2 * s12 * s12, 13);
    expect(e33).toBeCloseTo(9 * s11 * s22 * s12 + 6 * s12 ** 3, 12);
  });
  it('degenerate variances and invalid covariances', () => {
    expect(bivariateGaussianExpectation((u) => u + 2, relu, { s11: 0, s12: 0, s22: 1 })).toBeCloseTo(
      2 / Math.sqrt(2 * Math.PI),
      14,
    );
    expect(() => bivariateGaussianExpectation(relu, relu, { s11: 1, s12: 2, s22: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('Hermite coefficients', () => {
  it('numerical coefficients of erf(a·z) match the closed form (k ≤ 25)', () => {
    for (const a of [0.5, 1, 2]) {
      const num = hermiteCoefficients((z) => erf(a * z), 25, { kinks: [] });
      const cf = erfHermiteCoefficients(a, 25);
      for (let k = 0; k <= 25; k++) expect(Math.abs(num[k]! - cf[k]!)).toBeLessThan(1e-14);
    }
  });
  it('ReLU: numerical = closed form, odd k ≥ 3 vanish, Parseval Σaₖ² → E[ReLU²] = 1/2', () => {
    const num = hermiteCoefficients(relu, 30);
    const cf = reluHermiteCoefficients(30);
    for (let k = 0; k <= 30; k++) expect(Math.abs(num[k]! - cf[k]!)).toBeLessThan(1e-14);
    for (let k = 3; k <= 30; k += 2) expect(Math.abs(num[k]!)).toBeLessThan(1e-15);
    expect(cf[0]).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
    expect(cf[2]).toBeCloseTo(1 / (2 * Math.sqrt(Math.PI)), 15);
    const tail = reluHermiteCoefficients(4001);
    expect(Math.abs(tail.reduce((s, v) => s + v * v, 0) - 0.5)).toBeLessThan(1e-4); // tail ∝ K^{-1/2}
  });
  it('monomials and linear maps', () => {
    expect(Array.from(monomialHermiteCoefficients(2, 3, { normalized: false }))).toEqual([1, 0, 2, 0]);
    expect(Array.from(monomialHermiteCoefficients(4, 4, { normalized: false }))).toEqual([3, 0, 12, 0, 24]);
    const num = hermiteCoefficients((z) => z ** 5, 6, { kinks: [] });
    const cf = monomialHermiteCoefficients(5, 6);
    for (let k = 0; k <= 6; k++) expect(num[k]).toBeCloseTo(cf[k]!, 12);
    expect(Array.from(linearHermiteCoefficients(2, 1, 3))).toEqual([1, 2, 0, 0]);
    const u = hermiteCoefficients((z) => z ** 3, 3, { normalized: false, kinks: [] });
    expect(u[1]).toBeCloseTo(3, 13);
    expect(u[3]).toBeCloseTo(6, 13);
  });
  it('Mehler sums reproduce the dual activations (erf: arcsin; ReLU: arc-cosine)', () => {
    const a = erfHermiteCoefficients(1, 121);
    for (const rho of [-0.9, 0, 0.4, 0.95]) {
      expect(Math.abs(mehlerSum(a, a, rho) - (2 / Math.PI) * Math.asin((2 * rho) / 3))).toBeLessThan(1e-14);
    }
    const r = reluHermiteCoefficients(400);
    expect(Math.abs(mehlerSum(r, r, 0.6) - arcCos(1, 1, 0.6, 1))).toBeLessThan(1e-12);
    // coefficients at variance σ²: aₖ(σ) = σ·aₖ(1) for the homogeneous ReLU
    const r2 = hermiteCoefficients(relu, 6, { variance: 4 });
    for (let k = 0; k <= 6; k++) expect(r2[k]).toBeCloseTo(2 * r[k]!, 14);
  });
});
