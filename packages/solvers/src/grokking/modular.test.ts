import { describe, expect, it } from 'vitest';
import { key, normal, split } from '@sftdl/field';
import {
  modularCurve,
  modularDegeneracy,
  modularInvariant,
  modularLambda,
  modularMixture,
  modularModeAction,
  modularOnsets,
  modularSaddles,
  solveModular,
} from './modular';

const fig3 = { prime: 401, width: 1000, sigmaA2: 0.002 / 1000, gamma: 1e-4 };

function fourier(v: ArrayLike<number>, P: number, k: number): [number, number] {
  // non-unitary convention: w_k = P⁻¹ Σ_n w_n e^{+2πikn/P}
  let re = 0;
  let im = 0;
  for (let n = 0; n < P; n++) {
    re += v[n]! * Math.cos((2 * Math.PI * k * n) / P);
    im += v[n]! * Math.sin((2 * Math.PI * k * n) / P);
  }
  return [re / P, im / P];
}

describe('modular addition: identities', () => {
  it('Σ_p(Σ_μ y^p_μ (w·x_μ)²)² = 4P³ Σ_{k≠0}|w_k|²|v_k|² on the full P² table', () => {
    const P = 7;
    const w = normal(key(3), 2 * P);
    let lhs = 0;
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let n = 0; n < P; n++)
        for (let m = 0; m < P; m++) s += ((n + m) % P === p ? 1 - 1 / P : -1 / P) * (w[n]! + w[P + m]!) ** 2;
      lhs += s * s;
    }
    let rhs = 0;
    for (let k = 1; k < P; k++) {
      const [a, b] = fourier(w, P, k);
      const [c, d] = fourier(w.subarray(P), P, k);
      rhs += (a * a + b * b) * (c * c + d * d);
    }
    expect(lhs).toBeCloseTo(4 * P ** 3 * rhs, 9);
  });

  it('E|w_k|² = 1/P under the unit prior (Monte Carlo, 4000 draws, 5σ)', () => {
    const P = 11;
    const keys = split(key(5), 4000);
    let s = 0;
    let s2 = 0;
    for (const kk of keys) {
      const [a, b] = fourier(normal(kk, P), P, 3);
      const v = a * a + b * b;
      s += v;
      s2 += v * v;
    }
    const mean = s / keys.length;
    const se = Math.sqrt((s2 / keys.length - mean * mean) / keys.length);
    expect(Math.abs(mean - 1 / P)).toBeLessThan(5 * se);
  });

  it('degeneracy s* = 2√(γ/3) with x₊(s*) = √(3/γ) and Ŝ_k(x₊) = 0; no saddle below √γ', () => {
    const g = 1e-4;
    const { sStar, xStar } = modularDegeneracy(g);
    expect(sStar).toBeCloseTo(2 * Math.sqrt(g / 3), 15);
    expect(modularSaddles(sStar, g)!.xPlus).toBeCloseTo(xStar, 9);
    expect(modularModeAction(xStar, sStar, g)).toBeCloseTo(0, 9);
    expect(modularSaddles(0.99 * Math.sqrt(g), g)).toBeNull();
    expect(modularSaddles(Math.sqrt(g), g)!.xPlus).toBeCloseTo(1 / Math.sqrt(g), 9);
    expect(modularSaddles(Math.sqrt(g), g)!.xMinus).toBeCloseTo(1 / Math.sqrt(g), 9);
  });

  it('x₋ is the barrier: Ŝ′(x₋) = 0 with Ŝ″(x₋) < 0, below x₊ (paper γ and the scenario γ = 30)', () => {
    for (const [s, g] of [
      [0.02, 1e-4],
      [5.8, 30],
      [8, 30],
    ] as const) {
      const { xPlus, xMinus } = modularSaddles(s, g)!;
      expect(xMinus).toBeLessThan(xPlus);
      expect(xMinus).toBeCloseTo((s - Math.sqrt(s * s - g)) / g, 12);
      const d1 = (x: number) => 1 - 2 * s * x + g * x * x; // Ŝ′
      expect(d1(xMinus)).toBeCloseTo(0, 12);
      expect(d1(xPlus) * xPlus).toBeCloseTo(0, 8);
      expect(-2 * s + 2 * g * xMinus).toBeLessThan(0); // Ŝ″(x₋) < 0: a maximum of the mode action
    }
  });

  it('mixture weight at degeneracy is 4/(1 + 4) (S₊ = 0)', () => {
    const g = 1e-4;
    const { sStar } = modularDegeneracy(g);
    expect(modularMixture(sStar, g, 401).alignedWeight).toBeCloseTo(0.8, 6);
  });
});

describe('modular addition: Fig. 3 (paper normalisation)', () => {
  it('onsets: closed forms, and the paper numbers (GMFL-I ≈ 0.227 within 5%, GMFL-II ≈ 0.175 within 1%)', () => {
    const on = modularOnsets(fig3);
    const c = (2 * fig3.sigmaA2 * 401 * 401) / 1000;
    expect(on.gmfl1Onset).toBeCloseTo(Math.sqrt(c / (2 * Math.sqrt(1e-4 / 3))), 14);
    expect(on.gmfl2Onset as number).toBeCloseTo(on.gmfl1Onset - (3 * fig3.sigmaA2) / 1e-4, 14);
    expect(on.spinodal).toBeCloseTo(Math.sqrt(c / 0.01), 14);
    expect(Math.abs(on.gmfl1Onset / 0.227 - 1)).toBeLessThan(0.05);
    expect(Math.abs((on.gmfl2Onset as number) / 0.175 - 1)).toBeLessThan(0.01);
    // u = s* at the GMFL-I onset
    expect(modularInvariant({ ...fig3, sigma2: on.gmfl1Onset })).toBeCloseTo(modularDegeneracy(1e-4).sStar, 12);
  });

  it('the self-consistent curve: |a| = 1 in GFL, |a| = σ²/σ²_I in GMFL-I (≈ 25% drop), x₊ pinned at √(3/γ)', () => {
    const r = modularCurve(fig3);
    const on = modularOnsets(fig3);
    let gflPoints = 0,
      mixedPoints = 0;
    for (const p of r.curve) {
      expect(p.a).toBeGreaterThan(0);
      expect(p.a).toBeLessThanOrEqual(1);
      const resid = p.a - p.sigma2 / (modularLambda(p.a, { ...fig3, sigma2: p.sigma2 }) + p.sigma2);
      expect(Math.abs(resid)).toBeLessThan(1e-9); // the residual is steep in a: Δa ~ 1e-15 ↔ ~1e-12
      if (p.phase === 'GFL') {
        expect(p.a).toBeCloseTo(1, 3);
        gflPoints++;
      }
      if (
        p.phase === 'GMFL-I' &&
        Math.abs(p.sigma2 - on.gmfl1Onset) > 1e-3 &&
        Math.abs(p.sigma2 - (on.gmfl2Onset as number)) > 1e-3
      ) {
        expect(p.a).toBeCloseTo(p.sigma2 / on.gmfl1Onset, 4); // finite-P shift O(ln P/(P x₊²))
        expect(p.xPlus as number).toBeCloseTo(Math.sqrt(3 / 1e-4), 1);
        mixedPoints++;
      }
    }
    // the phase-specific checks above ran on both sides of the GMFL-I onset
    expect(gflPoints).toBeGreaterThan(0);
    expect(mixedPoints).toBeGreaterThan(0);
    const atII = solveModular({ ...fig3, sigma2: on.gmfl2Onset as number });
    expect(atII.a).toBeCloseTo((on.gmfl2Onset as number) / on.gmfl1Onset, 4);
    expect(1 - atII.a).toBeGreaterThan(0.2);
    expect(1 - atII.a).toBeLessThan(0.35);
    const deep = solveModular({ ...fig3, sigma2: 0.1 });
    expect(deep.phase).toBe('GMFL-II');
    expect(deep.alignedFraction).toBeCloseTo(1, 12);
  });

  it('first-principles λ (×4P²): GMFL-I onset shifted by the GP value 4σ_a², GMFL-II never reached, |a| ∝ σ²', () => {
    const on = modularOnsets(fig3, { lambdaNormalization: 'first-principles' });
    expect(on.gmfl1Onset).toBeCloseTo(modularOnsets(fig3).gmfl1Onset - 4 * fig3.sigmaA2, 14);
    expect(on.gmfl2Onset).toBeNull();
    const s = solveModular({ ...fig3, sigma2: 0.1 }, { lambdaNormalization: 'first-principles' });
    expect(s.phase).toBe('GMFL-I');
    expect(s.a).toBeCloseTo(0.1 / on.gmfl1Onset, 4);
  });

  it('rejects a non-prime modulus', () => {
    expect(() => modularOnsets({ ...fig3, prime: 400 })).toThrow(/prime/);
  });
});
