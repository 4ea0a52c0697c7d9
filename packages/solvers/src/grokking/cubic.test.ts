import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cubicCriticalPoint,
  cubicInvariants,
  erfHermiteProjections,
  gflDiscrepancy,
  reducedActionCubic,
  solveCubicFiniteD,
  solveCubicThermodynamic,
  sweepCubic,
} from '../index';
import { erf } from '@sftdl/compute';

const ref = JSON.parse(readFileSync(new URL('../../test/fixtures/grokking/cubic_reference.json', import.meta.url), 'utf8'));
const base = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };

describe('cubic teacher: erf–Hermite projections', () => {
  it('match 2-D Gauss–Hermite quadrature over (z, z⊥)', () => {
    // w = q w* + p e⊥ with |w|² = q² + p²; E over z, ζ ~ N(0,1) of g(z) erf(q z + p ζ)
    // a fine trapezoid rule on [−10, 10] for each standard normal (every 4th node of a 0.01 grid)
    const h = 20 / 2000;
    const xs = Array.from({ length: 2001 }, (_, i) => -10 + i * h);
    const ws = xs.map((x) => (h * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI));
    for (const [q, p] of [
      [0.3, 0.5],
      [1.1, 0.7],
    ] as const) {
      let e1 = 0;
      let e3 = 0;
      for (let i = 0; i < xs.length; i += 4)
        for (let j = 0; j < xs.length; j += 4) {
          const z = xs[i]!;
          const w = 16 * ws[i]! * ws[j]!;
          const f = erf(q * z + p * xs[j]!);
          e1 += w * z * f;
          e3 += w * (z ** 3 - 3 * z) * f;
        }
      const r = erfHermiteProjections(q, q * q + p * p);
      expect(r.h1).toBeCloseTo(e1, 6);
      expect(r.h3).toBeCloseTo(e3, 6);
      expect(r.z3).toBeCloseTo(e3 + 3 * e1, 6);
    }
  });
});

describe('cubic teacher: d → ∞ theory', () => {
  it('GFL closed form: b solves b[1 + κA/(1 − uAb²)] = 1 and matches scipy', () => {
    for (const g of ref.gfl) {
      const { u, kappa } = cubicInvariants({ ...base, sigma2: g.sigma2 });
      expect(u).toBeCloseTo(g.u, 10);
      const { b } = gflDiscrepancy({ u, kappa, sigmaW2: 0.5 });
      expect(b).toBeCloseTo(g.b, 12);
      // σ_w² = 0.5 simplification of docs/theory/grokking.md §3.5
      expect(b * (1 + kappa / Math.PI / (1 - (u * b * b) / Math.PI))).toBeCloseTo(1, 13);
    }
    expect(gflDiscrepancy({ u: 5, kappa: 0, sigmaW2: 0.5 }).b).toBe(1);
  });

  it('transition u_c on the Fig. 2 path matches the scipy reference and the paper (u_c ≈ 30.2, σ² ≈ 0.18) within 3%', () => {
    const c = cubicCriticalPoint(base);
    expect(c.sigma2Critical).toBeCloseTo(ref.critical.sigma2Critical, 11);
    expect(c.uCritical).toBeCloseTo(ref.critical.uCritical, 8);
    expect(c.qStar).toBeCloseTo(ref.critical.qStar, 9);
    expect(c.b).toBeCloseTo(ref.critical.b, 11);
    expect(Math.abs(c.uCritical / 30.2 - 1)).toBeLessThan(0.03);
    expect(Math.abs(c.sigma2Critical / 0.18 - 1)).toBeLessThan(0.03);
    // degeneracy: Ŝ(q*) = 0 = Ŝ(0) at b_GFL(u_c), c = ε
    expect(Math.abs(reducedActionCubic(c.qStar, { u: c.uCritical, b: c.b, c: -0.3, sigmaW2: 0.5 }))).toBeLessThan(1e-12);
    // spinodal (minimum appears) lies above the transition in σ²
    expect(c.sigma2Spinodal).toBeGreaterThan(c.sigma2Critical);
  });

  it('App. D width path (n = 600, σ_a² = 0.011, ε = −1.2, σ² = 0.05): 1400 < N_c < 2800 as the paper labels imply', () => {
    const appD = { samples: 600, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 0.011, epsilon: -1.2, sigma2: 0.05 };
    const c = cubicCriticalPoint(appD, { along: 'width' });
    expect(c.criticalValue).toBeGreaterThan(1400);
    expect(c.criticalValue).toBeLessThan(2800);
    expect(solveCubicThermodynamic({ ...appD, width: 2800 }).phase).toBe('GFL');
    expect(solveCubicThermodynamic({ ...appD, width: 1400 }).phase).toBe('GMFL-I');
    // the n path at fixed σ² traces the same (u, κ) curve as the σ² path (κ² = u σ_a² N / d): same u_c
    const n = cubicCriticalPoint({ ...base, sigma2: 0.15 }, { along: 'samples' });
    expect(n.uCritical).toBeCloseTo(ref.critical.uCritical, 8);
  });

  it('the printed M11 typo (2/π) moves the transition to a different σ²', () => {
    const printed = cubicCriticalPoint(base, { m11Convention: 'printed' });
    expect(Math.abs(printed.sigma2Critical - 0.1787)).toBeGreaterThan(0.01);
  });

  it('GMFL-I droplet solution matches the scipy reference', () => {
    for (const g of ref.gmfl1) {
      const s = solveCubicThermodynamic({ ...base, sigma2: g.sigma2 });
      expect(s.phase).toBe('GMFL-I');
      expect(s.b).toBeCloseTo(g.b, 9);
      expect(s.c).toBeCloseTo(g.c, 9);
      expect(s.dropletDensity).toBeCloseTo(g.r, 7);
      expect(s.qStar as number).toBeCloseTo(g.qStar, 8);
      expect(s.learnedCubic).toBeCloseTo(-0.3 - g.c, 9);
    }
    const gfl = solveCubicThermodynamic({ ...base, sigma2: 0.25 });
    expect(gfl.phase).toBe('GFL');
    expect(gfl.c).toBe(-0.3);
    expect(gfl.learnedCubic).toBe(0);
  });

  it('no learning when Q̃ → 0: b = 1, c = ε', () => {
    const s = solveCubicThermodynamic({ ...base, sigmaA2: 1e-12, sigma2: 0.2 });
    expect(s.b).toBeCloseTo(1, 9);
    const f = solveCubicFiniteD({ ...base, sigmaA2: 1e-12, sigma2: 0.2 });
    expect(f.b).toBeCloseTo(1, 9);
    expect(f.c).toBeCloseTo(-0.3, 9);
  });
});

describe('cubic teacher: finite d', () => {
  it('self-consistent (b, c) match the scipy reference (Fig. 2 base point and a smaller system)', () => {
    for (const g of ref.finite.filter((x: { sigma2: number }) => x.sigma2 === 0.15 || x.sigma2 === 0.25)) {
      const s = solveCubicFiniteD({ ...base, sigma2: g.sigma2 }, { multiStart: false, guess: { b: g.b + 0.05, c: g.c } });
      expect(s.b).toBeCloseTo(g.b, 10);
      expect(s.c).toBeCloseTo(g.c, 10);
    }
    const sm = ref.finiteSmall;
    const g = sm.points[1];
    const s = solveCubicFiniteD({ ...sm.params, sigma2: g.sigma2 });
    expect(s.roots?.length).toBe(1);
    expect(s.b).toBeCloseTo(g.b, 10);
    expect(s.c).toBeCloseTo(g.c, 10);
  });

  it('approaches the d → ∞ GFL solution as β grows (α = β scaling)', () => {
    const at = (beta: number) => ({
      samples: 3000 * beta,
      dim: 150 * Math.sqrt(beta),
      width: 700 * beta,
      sigmaW2: 0.5,
      sigmaA2: 8 / 700 / Math.sqrt(beta),
      epsilon: -0.3,
      sigma2: 0.25,
    });
    const thermo = solveCubicThermodynamic(at(1));
    const e1 = Math.abs(solveCubicFiniteD(at(1), { multiStart: false, guess: { b: 0.4, c: -0.3 } }).b - thermo.b);
    const e16 = Math.abs(solveCubicFiniteD(at(16), { multiStart: false, guess: { b: 0.4, c: -0.3 } }).b - thermo.b);
    expect(e16).toBeLessThan(e1 / 2);
  });

  it('sweeps a σ² path with forward/backward continuation', () => {
    const path = [0.22, 0.17, 0.14].map((sigma2) => ({ ...base, sigma2 }));
    const r = sweepCubic(path, { limit: 'finite' });
    expect(r.points.map((p) => p.learnedCubic < 0)).toEqual([true, true, true]);
    expect(Math.abs(r.points[2]!.learnedCubic)).toBeGreaterThan(Math.abs(r.points[0]!.learnedCubic));
    expect(r.hysteresis).toEqual([]);
    const t = sweepCubic(path);
    expect(t.points.map((p) => p.phase)).toEqual(['GFL', 'GMFL-I', 'GMFL-I']);
  });
});
