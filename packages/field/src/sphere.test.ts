import { describe, expect, it } from 'vitest';
import { referenceBackend } from '@sftdl/compute';
import {
  binomial,
  funkHeckeEigenvalues,
  funkHeckeFromPowerSeries,
  gegenbauer,
  key,
  legendreNormalized,
  sphereMultiplicity,
  sphereSample,
} from './index';

/** Modified spherical Bessel i_ℓ(β) for ℓ = 0, 1, 2 (closed forms). */
function sphericalI(l: number, b: number): number {
  const s = Math.sinh(b),
    c = Math.cosh(b);
  return [s / b, c / b - s / (b * b), (3 / (b * b * b) + 1 / b) * s - (3 * c) / (b * b)][l]!;
}

describe('Gegenbauer and multiplicities', () => {
  it('closed forms: C₂^α(t) = 2α(1+α)t² − α, Legendre and Chebyshev limits', () => {
    for (const [a, t] of [
      [0.5, 0.3],
      [1, -0.7],
      [2.5, 0.9],
    ] as const) {
      expect(gegenbauer(2, a, t)).toBeCloseTo(2 * a * (1 + a) * t * t - a, 14);
      expect(gegenbauer(3, a, t)).toBeCloseTo((4 / 3) * a * (1 + a) * (2 + a) * t ** 3 - 2 * a * (1 + a) * t, 13);
    }
    expect(legendreNormalized(2, 3, 0.5)).toBeCloseTo(-0.125, 15);
    expect(legendreNormalized(5, 2, 0.3)).toBeCloseTo(Math.cos(5 * Math.acos(0.3)), 14);
    expect(legendreNormalized(4, 7, 0.4)).toBeCloseTo(gegenbauer(4, 2.5, 0.4) / gegenbauer(4, 2.5, 1), 14);
  });
  it('N(d,ℓ) = C(ℓ+d−1, d−1) − C(ℓ+d−3, d−1) (dimension of harmonic polynomials)', () => {
    for (const d of [2, 3, 4, 7, 20]) {
      for (let l = 0; l <= 8; l++)
        expect(sphereMultiplicity(d, l)).toBe(binomial(l + d - 1, d - 1) - (l >= 2 ? binomial(l + d - 3, d - 1) : 0));
    }
    expect(sphereMultiplicity(3, 4)).toBe(9);
  });
});

describe('Funk–Hecke eigenvalues', () => {
  it('exponential kernel on S²: λ_ℓ = i_ℓ(β), and the sum rule Σ N λ = e^β', () => {
    for (const beta of [0.5, 1, 3]) {
      const eig = funkHeckeEigenvalues((t) => Math.exp(beta * t), 3, 30);
      for (let l = 0; l <= 2; l++) expect(Math.abs(eig[l]!.eigenvalue / sphericalI(l, beta) - 1)).toBeLessThan(1e-13);
      const sum = eig.reduce((s, e) => s + e.multiplicity * e.eigenvalue, 0);
      expect(Math.abs(sum - Math.exp(beta))).toBeLessThan(1e-13 * Math.exp(beta));
    }
  });
  it('κ(t) = t^k: quadrature = Rodrigues closed form; linear kernel has only ℓ = 1 with λ = 1/d', () => {
    for (const d of [2, 3, 5, 50, 1000]) {
      for (let k = 0; k <= 5; k++) {
        const b = Array(k + 1).fill(0);
        b[k] = 1;
        const num = funkHeckeEigenvalues((t) => t ** k, d, 6);
        const cf = funkHeckeFromPowerSeries(b, d, 6);
        for (let l = 0; l <= 6; l++) expect(Math.abs(num[l]!.eigenvalue - cf[l]!.eigenvalue)).toBeLessThan(1e-14);
        const sum = cf.reduce((s, e) => s + e.multiplicity * e.eigenvalue, 0);
        expect(sum).toBeCloseTo(1, 12); // κ(1) = 1
      }
      const lin = funkHeckeFromPowerSeries([0, 1], d, 3);
      expect(lin[1]!.eigenvalue * d).toBeCloseTo(1, 13);
      expect(lin[0]!.eigenvalue).toBe(0);
      expect(lin[2]!.eigenvalue).toBe(0);
    }
    // large d: λ₃(t³) = 3!·Γ(d/2)/(2³Γ(d/2+3)) = 6/(d(d+2)(d+4)) → 3!/d³
    const d = 10000;
    const big = funkHeckeFromPowerSeries([0, 0, 0, 1], d, 3);
    expect((big[3]!.eigenvalue * (d * (d + 2) * (d + 4))) / 6).toBeCloseTo(1, 13);
  });
  it('one-layer ReLU and erf NNGP kernels: vanishing patterns and sum rule', () => {
    const relu = (t: number) => (Math.sqrt(Math.max(0, 1 - t * t)) + (Math.PI - Math.acos(t)) * t) / (2 * Math.PI);
    const erfK = (t: number) => (2 / Math.PI) * Math.asin((2 * t) / 3);
    for (const d of [3, 10]) {
      const r = funkHeckeEigenvalues(relu, d, 9);
      for (const l of [3, 5, 7, 9]) expect(Math.abs(r[l]!.eigenvalue)).toBeLessThan(1e-16);
      for (const l of [0, 1, 2, 4]) expect(r[l]!.eigenvalue).toBeGreaterThan(1e-6);
      const e = funkHeckeEigenvalues(erfK, d, 8);
      for (const l of [0, 2, 4, 6, 8]) expect(Math.abs(e[l]!.eigenvalue)).toBeLessThan(1e-16);
    }
    const r3 = funkHeckeEigenvalues(relu, 3, 200);
    const sum = r3.reduce((s, e) => s + e.multiplicity * e.eigenvalue, 0);
    expect(Math.abs(sum - relu(1))).toBeLessThan(2e-4); // tail λ_ℓ ∝ ℓ^{-4} ⇒ truncation ≈ 1/ℓmax²
  });
});

describe('sphereSample and Gram-matrix spectra', () => {
  it('points lie on the sphere; the Gram spectrum of e^{x·x′} on S² approaches i_ℓ(1) with multiplicities 1, 3, 5', () => {
    const n = 400;
    const X = sphereSample(key(8), n, 3);
    for (let i = 0; i < n; i++) expect(Math.hypot(X.data[3 * i]!, X.data[3 * i + 1]!, X.data[3 * i + 2]!)).toBeCloseTo(1, 14);
    const G = referenceBackend.gram(X);
    const K = referenceBackend.affine(referenceBackend.map(G, 'exp'), 1 / n);
    const ev = Array.from(referenceBackend.eigh(K).values).reverse();
    const lam = [sphericalI(0, 1), sphericalI(1, 1), sphericalI(2, 1)];
    // Nyström: eigenvalues of K/n estimate λ_ℓ with O(1/√n) (≈5%) fluctuations.
    expect(Math.abs(ev[0]! / lam[0]! - 1)).toBeLessThan(0.1);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(ev.slice(1, 4)) / lam[1]! - 1)).toBeLessThan(0.15);
    expect(Math.abs(mean(ev.slice(4, 9)) / lam[2]! - 1)).toBeLessThan(0.2);
    expect(ev[9]! / lam[2]!).toBeLessThan(0.5); // gap after the ℓ = 2 block (λ₃ = i₃(1) ≈ 0.0099)
  });
});
