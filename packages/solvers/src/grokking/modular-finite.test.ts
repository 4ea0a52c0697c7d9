import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modularInvariant, solveModular } from './modular';
import { modularPairMoments, solveModularFiniteP } from './modular-finite';

// Independent reference: scipy dblquad of the same two-dimensional integrals (test/fixtures/grokking/modular_finite_p.py).
const ref = JSON.parse(readFileSync(new URL('../../test/fixtures/grokking/modular_finite_p.json', import.meta.url), 'utf8')) as {
  cases: { s: number; gamma: number; prime: number; phi: number; phiPsi: number; alignedMass: number }[];
};

describe('finite-P modular theory: exact mode-pair integral', () => {
  it('prior limit (s = 0, γ → 0): ⟨|w_k|²⟩ = 1/P and ⟨|w_k|²|v_k|²⟩ = 1/P² (E|w_k|² = 1/P under the unit prior)', () => {
    for (const P of [7, 13, 31]) {
      const m = modularPairMoments(0, 1e-7, P);
      expect(m.phi).toBeCloseTo(1 / P, 6);
      expect(m.phiPsi * P * P).toBeCloseTo(1, 5);
      expect(m.alignedMass).toBe(0);
    }
  });

  it('first order in s (γ → 0): ⟨ΦΨ⟩ = 1/P² + 6s/P³ (from ⟨Φ²⟩ = 2/P² of the exponential law)', () => {
    const P = 13,
      s = 1e-4;
    const m = modularPairMoments(s, 1e-7, P);
    expect((m.phiPsi - 1 / P ** 2) / ((6 * s) / P ** 3)).toBeCloseTo(1, 2);
  });

  it('agrees with the scipy dblquad reference across GFL-like and aligned cases', () => {
    for (const c of ref.cases) {
      const m = modularPairMoments(c.s, c.gamma, c.prime);
      expect(m.phi / c.phi).toBeCloseTo(1, 7);
      expect(m.phiPsi / c.phiPsi).toBeCloseTo(1, 7);
      // the mass beyond the barrier x₋ on both axes (0 below s = √γ, where there is no barrier)
      expect(m.alignedMass).toBeCloseTo(c.alignedMass, 6);
    }
    expect(ref.cases.filter((c) => c.alignedMass > 0.5 && c.alignedMass < 0.9)).toHaveLength(2);
  });

  it('self-consistency: |a| = σ²/(4P²σ_a²⟨ΦΨ⟩(u a²) + σ²) holds at the returned root', () => {
    const p = { prime: 11, width: 32, sigmaA2: 3.7e-5, gamma: 30, sigma2: 0.0057 };
    const s = solveModularFiniteP(p);
    const u = modularInvariant(p);
    expect(s.s).toBeCloseTo(u * s.a * s.a, 12);
    const lam = 4 * p.prime ** 2 * p.sigmaA2 * modularPairMoments(s.s, p.gamma, p.prime).phiPsi;
    expect(s.a).toBeCloseTo(p.sigma2 / (lam + p.sigma2), 10);
  });

  it('approaches the saddle-point solution as P grows (mixed phase, fixed u and γ)', () => {
    // same u, s* and λ scale 4P²σ_a² at every P: σ_a² ∝ 1/P², σ² fixed
    const base = { width: 32, gamma: 30, sigma2: 0.0057 };
    const gap = [11, 23, 47].map((prime) => {
      const p = { ...base, prime, sigmaA2: (3.7e-5 * 121) / prime ** 2 };
      return Math.abs(
        solveModularFiniteP(p, { gridPoints: 60 }).a - solveModular(p, { lambdaNormalization: 'first-principles' }).a,
      );
    });
    expect(gap[2]!).toBeLessThan(gap[0]!);
    expect(gap[2]!).toBeLessThan(0.01);
  });

  it('refuses sizes its quadrature cannot resolve, naming the saddle-point alternative', () => {
    expect(() => modularPairMoments(0.02, 1e-4, 401)).toThrow(/saddle-point solveModular/);
  });
});
