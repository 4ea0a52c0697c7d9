import { fromRows, referenceBackend } from '@sftdl/compute';
import { hermiteCoefficients, key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { getActivation } from './dual-registry';
import { fcKernel } from './fc';
import { gaussianDataSpectrum, kernelMatrixSpectrum, sphereSpectrum } from './spectra';

describe('sphere (Funk–Hecke) spectra', () => {
  it('multiplicities N(d, ℓ)', () => {
    expect(sphereSpectrum((t) => t, 3, 3).multiplicity).toEqual([1, 3, 5, 7]);
    expect(sphereSpectrum((t) => t, 2, 3).multiplicity).toEqual([1, 2, 2, 2]);
    expect(sphereSpectrum((t) => t, 10, 2).multiplicity[2]).toBe(54); // d(d+1)/2 − 1
  });

  it('linear kernel: only ℓ = 1, λ₁ = 1/d', () => {
    const s = sphereSpectrum((t) => t, 7, 4);
    expect(s.eigenvalue[1]).toBeCloseTo(1 / 7, 14);
    for (const l of [0, 2, 3, 4]) expect(Math.abs(s.eigenvalue[l]!)).toBeLessThan(1e-15);
  });

  const reluK = (t: number) => getActivation('relu').dual(1, t, 1).f;
  const erfK = (t: number) => getActivation('erf').dual(1, t, 1).f;
  it('sum rule Σ N(d,ℓ)λ_ℓ = κ(1) for exponential, ReLU and erf kernels', () => {
    for (const [kappa, d, L] of [
      [Math.exp, 3, 40],
      [reluK, 3, 150],
      [erfK, 4, 60],
      [Math.exp, 10, 30],
    ] as const) {
      const s = sphereSpectrum(kappa, d, L, { panels: 96 });
      const sum = s.eigenvalue.reduce((acc, v, l) => acc + v * s.multiplicity[l]!, 0);
      expect(sum).toBeCloseTo(kappa(1), kappa === reluK ? 4 : 10);
    }
  });

  it('vanishing patterns: ReLU has λ_ℓ = 0 for odd ℓ ≥ 3, erf for even ℓ', () => {
    const r = sphereSpectrum(reluK, 5, 9);
    const e = sphereSpectrum(erfK, 5, 8);
    for (const l of [3, 5, 7, 9]) expect(Math.abs(r.eigenvalue[l]!)).toBeLessThan(1e-14);
    for (const l of [0, 2, 4, 6, 8]) expect(Math.abs(e.eigenvalue[l]!)).toBeLessThan(1e-14);
    expect(r.eigenvalue[2]!).toBeGreaterThan(1e-4);
    expect(e.eigenvalue[3]!).toBeGreaterThan(1e-5);
  });

  it('agrees with the Gram spectrum of points sampled on the sphere (d = 3, exponential kernel)', () => {
    const n = 240,
      d = 3;
    const z = normal(key(4), n * d);
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) {
      const v = [z[3 * i]!, z[3 * i + 1]!, z[3 * i + 2]!];
      const r = Math.hypot(...v);
      rows.push(v.map((c) => c / r));
    }
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) K[i * n + j] = Math.exp(rows[i]!.reduce((s, c, q) => s + c * rows[j]![q]!, 0));
    const emp = kernelMatrixSpectrum({ rows: n, cols: n, data: K }).values;
    const th = sphereSpectrum(Math.exp, 3, 2);
    // top eigenvalue is the constant mode λ₀; the next three are the ℓ = 1 triplet.
    expect(emp[0]! / th.eigenvalue[0]!).toBeGreaterThan(0.9);
    expect(emp[0]! / th.eigenvalue[0]!).toBeLessThan(1.1);
    const l1 = (emp[1]! + emp[2]! + emp[3]!) / 3;
    expect(l1 / th.eigenvalue[1]!).toBeGreaterThan(0.8);
    expect(l1 / th.eigenvalue[1]!).toBeLessThan(1.2);
  });
});

describe('Gaussian-data Hermite spectra', () => {
  it('λ_k = c_k·k!/d^k with multiplicities C(d+k−1, k)', () => {
    const s = gaussianDataSpectrum([0.5, 1, 0.25, 0], 10, 3);
    expect(s.multiplicity).toEqual([1, 10, 55, 220]);
    expect(s.eigenvalue[1]).toBeCloseTo(0.1, 15);
    expect(s.eigenvalue[2]).toBeCloseTo((0.25 * 2) / 100, 15);
    expect(s.eigenvalue[3]).toBe(0);
  });

  it('from an activation uses squared normalised Hermite coefficients (matches field.hermiteCoefficients)', () => {
    const s = gaussianDataSpectrum('relu', 8, 5);
    const a = hermiteCoefficients((v) => Math.max(0, v), 5);
    let fact = 1;
    for (let k = 0; k <= 5; k++) {
      if (k > 0) fact *= k;
      expect(s.eigenvalue[k]!).toBeCloseTo((a[k]! ** 2 * fact) / 8 ** k, 14);
    }
    expect(s.eigenvalue[3]!).toBeLessThan(1e-20); // ReLU: a_k = 0 for odd k ≥ 3
    // a₁ = 1/2, so λ₁ = 1/(4d); a₀ = 1/√(2π), λ₀ = 1/(2π)
    expect(s.eigenvalue[1]!).toBeCloseTo(1 / 32, 14);
    expect(s.eigenvalue[0]!).toBeCloseTo(1 / (2 * Math.PI), 14);
  });
});

describe('finite-sample kernel-matrix spectrum', () => {
  it('descending eigenvalues of K/n with orthonormal eigenvectors reproducing K', () => {
    const x = fromRows([
      [1, 0],
      [0.6, 0.8],
      [-0.2, 1],
      [0.3, -0.7],
    ]);
    const k = fcKernel(x, undefined, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1 }).nngp!;
    const { values, vectors } = kernelMatrixSpectrum(k, { backend: referenceBackend });
    for (let i = 1; i < 4; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let q = 0; q < 4; q++) s += 4 * values[q]! * vectors.data[i * 4 + q]! * vectors.data[j * 4 + q]!;
        expect(s).toBeCloseTo(k.data[i * 4 + j]!, 10);
      }
  });
});
