// The @example snippets of the adaptive-kernel and grokking TSDoc, run as tests.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cubicCriticalPoint,
  cubicInvariants,
  erfHermiteProjections,
  gflDiscrepancy,
  reducedActionCubic,
  solveCubicThermodynamic,
  sweepCubic,
} from '../index';
import { modularCurve, modularDegeneracy, modularInvariant, modularOnsets, modularSaddles, solveModular } from './modular';

const ref = JSON.parse(readFileSync(new URL('../../test/fixtures/grokking/cubic_reference.json', import.meta.url), 'utf8')) as {
  critical: { sigma2Critical: number };
};

const fig2 = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };
const fig3 = { prime: 401, width: 1000, sigmaA2: 2e-6, gamma: 1e-4 };

describe('TSDoc examples', () => {
  it('cubic', () => {
    const inv = cubicInvariants({ ...fig2, sigma2: 0.18 });
    // u = n²σ_a²/(σ⁴dN) and κ = nσ_a²/(σ²d) (docs/theory/grokking.md §3.1): ≈ 30.23 and ≈ 1.27
    expect(inv.u).toBeCloseTo((3000 ** 2 * (8 / 700)) / (0.18 ** 2 * 150 * 700), 10);
    expect(inv.kappa).toBeCloseTo((3000 * (8 / 700)) / (0.18 * 150), 12);
    expect(erfHermiteProjections(0.5, 0.75).h1).toBeCloseTo(((2 / Math.sqrt(Math.PI)) * 0.5) / Math.sqrt(2.5), 15);
    expect(reducedActionCubic(0, { u: 30, b: 0.3, c: -0.3, sigmaW2: 0.5 })).toBe(0);
    expect(gflDiscrepancy({ u: 0, kappa: 0, sigmaW2: 0.5 }).b).toBe(1);
    // the independent scipy reference (test/fixtures/grokking/cubic_reference.py) gives σ²_c = 0.178719…
    expect(cubicCriticalPoint(fig2).sigma2Critical).toBeCloseTo(ref.critical.sigma2Critical, 4);
    expect(solveCubicThermodynamic({ ...fig2, sigma2: 0.15 }).phase).toBe('GMFL-I');
    expect(
      sweepCubic(
        [0.3, 0.2, 0.15].map((sigma2) => ({ ...fig2, sigma2 })),
        { limit: 'thermodynamic' },
      ).points.map((p) => p.phase),
    ).toEqual(['GFL', 'GFL', 'GMFL-I']);
  });
  it('modular', () => {
    expect(modularInvariant({ ...fig3, sigma2: 0.2 })).toBeCloseTo((2 * 2e-6 * 401 * 401) / (1000 * 0.04), 15);
    expect(modularSaddles(2 * Math.sqrt(1e-4 / 3), 1e-4)!.xPlus).toBeCloseTo(Math.sqrt(3e4), 8);
    expect(modularDegeneracy(1e-4).sStar).toBeCloseTo(0.011547, 6);
    const on = modularOnsets(fig3);
    // P → ∞ closed forms (docs/theory/grokking.md §4.6): σ²_I = √(2σ_a²P²/(N s*)), s* = 2√(γ/3);
    // σ²_II = σ²_I − 3σ_a²/γ; spinodal σ⁴ = 2σ_a²P²/(N√γ). Numerically 0.2360, 0.1760, 0.2536.
    const g = (2 * fig3.sigmaA2 * fig3.prime ** 2) / fig3.width;
    const sigma2I = Math.sqrt(g / (2 * Math.sqrt(fig3.gamma / 3)));
    expect(on.gmfl1Onset).toBeCloseTo(sigma2I, 4);
    expect(on.gmfl2Onset as number).toBeCloseTo(sigma2I - (3 * fig3.sigmaA2) / fig3.gamma, 4);
    expect(on.spinodal).toBeCloseTo(Math.sqrt(g / Math.sqrt(fig3.gamma)), 4);
    expect(solveModular({ ...fig3, sigma2: 0.2 }).phase).toBe('GMFL-I');
    expect(modularCurve(fig3).gmfl1Onset).toBeCloseTo(0.236, 3);
  });
});
