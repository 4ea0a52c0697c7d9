import { describe, expect, it } from 'vitest';
import { cubicActionProfile, cubicCriticalPoint, modularModeProfile, solveCubicThermodynamic } from '../index';

const fig2 = { width: 700, samples: 3000, dim: 150, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };

// Ŝ(q) written out independently from Eq. 13 (docs/theory/grokking.md §3.3), D = 1 + 2(σ_w² + q²).
const sHat = (q: number, u: number, b: number, c: number, sw2: number) => {
  const D = 1 + 2 * (sw2 + q * q);
  return (q * q) / (2 * sw2) - ((2 * u) / Math.PI) * ((q * q) / D) * (b - (2 * c * q * q) / D) ** 2;
};

describe('cubicActionProfile: d·Ŝ(q) with marked minima', () => {
  it('at the critical point: minima at 0 and ±q* of cubicCriticalPoint, degenerate (d·Ŝ = 0 at all three)', () => {
    const crit = cubicCriticalPoint(fig2);
    const k = { u: crit.uCritical, b: crit.b, c: fig2.epsilon, sigmaW2: fig2.sigmaW2 };
    const pr = cubicActionProfile(k, fig2.dim);
    expect(pr.minima.map((m) => m.q)).toHaveLength(3);
    expect(pr.minima[0]!.q).toBeCloseTo(-crit.qStar, 6);
    expect(pr.minima[1]!.q).toBe(0);
    expect(pr.minima[2]!.q).toBeCloseTo(crit.qStar, 6);
    for (const m of pr.minima) expect(Math.abs(m.action)).toBeLessThan(1e-6 * fig2.dim);
    for (const p of pr.profile) expect(p.action).toBeCloseTo(fig2.dim * sHat(p.q, k.u, k.b, k.c, k.sigmaW2), 9);
    // every marked minimum is below its grid neighbours
    pr.profile.forEach((p, i) => {
      if (!p.minimum) return;
      for (const j of [i - 1, i + 1]) {
        const n = pr.profile[j];
        if (n) expect(n.action).toBeGreaterThan(p.action);
      }
    });
  });

  it('inside GMFL-I (σ² = 0.15): the non-trivial minima sit at ±q* of solveCubicThermodynamic; in GFL (σ² = 0.3) only q = 0', () => {
    const sol = solveCubicThermodynamic({ ...fig2, sigma2: 0.15 });
    const pr = cubicActionProfile({ u: sol.u, b: sol.b, c: sol.c, sigmaW2: fig2.sigmaW2 }, fig2.dim, { points: 101 });
    const pos = pr.minima.filter((m) => m.q > 0);
    expect(pos).toHaveLength(1);
    expect(pos[0]!.q).toBeCloseTo(sol.qStar as number, 6);
    expect(pr.profile.length).toBeGreaterThanOrEqual(101);
    const gfl = solveCubicThermodynamic({ ...fig2, sigma2: 0.3 });
    const pg = cubicActionProfile({ u: gfl.u, b: gfl.b, c: gfl.c, sigmaW2: fig2.sigmaW2 }, fig2.dim);
    expect(pg.minima.map((m) => m.q)).toEqual([0]);
  });
});

describe('modularModeProfile: S_k/P = Ŝ_k(x) with marked minima', () => {
  it('at the degeneracy s* = 2√(γ/3): minima at x = 0 and √(3/γ), both with Ŝ_k = 0', () => {
    const g = 1e-4;
    const pr = modularModeProfile(2 * Math.sqrt(g / 3), g);
    expect(pr.minima).toHaveLength(2);
    expect(pr.minima[1]!.q).toBeCloseTo(Math.sqrt(3 / g), 6);
    expect(Math.abs(pr.minima[1]!.action)).toBeLessThan(1e-9);
    expect(pr.minima[0]).toEqual({ q: 0, action: 0 });
  });

  it('below √γ only x = 0; above, x₊ = (s + √(s² − γ))/γ and the profile is x − s x² + (γ/3)x³', () => {
    const g = 4e-4;
    expect(modularModeProfile(0.9 * Math.sqrt(g), g).minima.map((m) => m.q)).toEqual([0]);
    const s = 0.03;
    const pr = modularModeProfile(s, g, { points: 51 });
    expect(pr.minima[1]!.q).toBeCloseTo((s + Math.sqrt(s * s - g)) / g, 9);
    for (const p of pr.profile) expect(p.action).toBeCloseTo(p.q - s * p.q ** 2 + (g / 3) * p.q ** 3, 9);
  });
});
