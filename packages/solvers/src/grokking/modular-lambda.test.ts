import { describe, expect, it } from 'vitest';
import { modularOnsets, solveModular } from './modular';

// Issue 19, item 5: with λ = 4P²σ_a²⟨|w_k|²|v_k|²⟩ the Gaussian (q = 0) saddle contributes E|w_k|²E|v_k|² = 1/P² per
// mode under the unit prior, so λ_GFL = 4σ_a² (the GP eigenvalue on the target) and |a| = σ²/(σ² + 4σ_a²) in GFL.
describe('modular addition: first-principles λ keeps the Gaussian q = 0 term', () => {
  const p = { prime: 97, width: 500, sigmaA2: 1e-3, gamma: 4e-4 };

  it('the issue example: P = 97, N = 500, σ_a² = 1e-3, γ = 4e-4, σ² = 1.34042 gives |a| = σ²/(σ² + 4σ_a²) = 0.99702', () => {
    const s = solveModular({ ...p, sigma2: 1.34042 }, { lambdaNormalization: 'first-principles' });
    expect(s.phase).toBe('GFL');
    expect(s.a).toBeCloseTo(1.34042 / (1.34042 + 4e-3), 5);
    expect(s.a).toBeCloseTo(0.99702, 5);
  });

  it('GFL at several σ² above the onset follows the closed form; the paper normalisation keeps |a| = 1', () => {
    const on = modularOnsets(p, { lambdaNormalization: 'first-principles' });
    // P → ∞ closed form: degeneracy u a² = s* = 2√(γ/3) at the GFL |a| = σ²/(σ² + 4σ_a²)
    const c = (2 * p.sigmaA2 * p.prime ** 2) / p.width;
    expect(on.gmfl1Onset).toBeCloseTo(Math.sqrt(c / (2 * Math.sqrt(p.gamma / 3))) - 4 * p.sigmaA2, 12);
    for (const sigma2 of [1.5, 2, 5, 20]) {
      const s = solveModular({ ...p, sigma2 }, { lambdaNormalization: 'first-principles' });
      expect(s.phase).toBe('GFL');
      expect(s.a).toBeCloseTo(sigma2 / (sigma2 + 4 * p.sigmaA2), 6);
      expect(solveModular({ ...p, sigma2 }).a).toBeCloseTo(1, 6);
    }
  });
});
