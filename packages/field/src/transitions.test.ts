import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@sftdl/compute';
import { degeneracyPoint, spinodals, trackMinima } from './index';

/**
 * Modular-addition per-mode action (docs/theory/grokking.md §4.3): Ŝ(x; s) = x − s·x² + (γ/3)x³ on x = |w_k|² ≥ 0.
 * The competing states are the boundary state x = 0 (Ŝ = 0, slope 1) and the interior minimum
 * x₊ = (s + √(s² − γ))/γ, which exists for s ≥ √γ (spinodal, at x = 1/√γ) and is degenerate with x = 0 at
 * s* = 2√(γ/3), x₊ = √(3/γ) (solve Ŝ = Ŝ′ = 0).
 */
const family = (gamma: number) => (x: number, s: number) => x - s * x * x + (gamma / 3) * x ** 3;

describe('first-order transitions on Ŝ(x) = x − s x² + (γ/3) x³', () => {
  for (const gamma of [1, 0.3, 2.5]) {
    const interval: [number, number] = [0, 10 / Math.sqrt(gamma)];
    it(`γ = ${gamma}: degeneracy s* = 2√(γ/3), x₊ = √(3/γ) to 1e-10 (finite differences)`, () => {
      const r = degeneracyPoint(family(gamma), [1.01 * Math.sqrt(gamma), 2 * Math.sqrt(gamma)], { interval });
      expect(Math.abs(r.s - 2 * Math.sqrt(gamma / 3))).toBeLessThan(1e-10);
      const [zero, plus] = r.minima;
      expect(zero.q).toBe(0);
      expect(zero.boundary).toBe(true);
      expect(Math.abs(plus.q - Math.sqrt(3 / gamma))).toBeLessThan(1e-10);
      expect(r.residual).toBeLessThan(1e-12);
    });
    it(`γ = ${gamma}: spinodal at s = √γ, x = 1/√γ (appearance of the non-trivial minimum)`, () => {
      const sp = spinodals(family(gamma), [0.5 * Math.sqrt(gamma), 2 * Math.sqrt(gamma)], { interval, sGrid: 30 });
      expect(sp.length).toBe(1);
      expect(sp[0]!.kind).toBe('appear');
      expect(Math.abs(sp[0]!.s - Math.sqrt(gamma))).toBeLessThan(1e-10);
      expect(Math.abs(sp[0]!.q - 1 / Math.sqrt(gamma))).toBeLessThan(1e-6);
    });
  }
  it('analytic derivatives give the same s* (and the tracker reports the jump 0 → x₊ with sStar = s*)', () => {
    const gamma = 1;
    const opts = {
      interval: [0, 10] as [number, number],
      dS: (x: number, s: number) => 1 - 2 * s * x + gamma * x * x,
      d2S: (x: number, s: number) => -2 * s + 2 * gamma * x,
    };
    const r = degeneracyPoint(family(gamma), [1.01, 2], opts);
    expect(Math.abs(r.s - 2 / Math.sqrt(3))).toBeLessThan(1e-12);
    const ss = Array.from({ length: 11 }, (_, i) => 0.9 + 0.05 * i);
    const path = trackMinima(family(gamma), ss, opts);
    expect(path.jumps.length).toBe(1);
    const j = path.jumps[0]!;
    expect(j.from).toBe(0);
    expect(j.sBefore).toBeCloseTo(1.15, 12);
    expect(j.sAfter).toBeCloseTo(1.2, 12);
    expect(Math.abs(j.sStar! - 2 / Math.sqrt(3))).toBeLessThan(1e-12);
    expect(Math.abs(j.to - (1.2 + Math.sqrt(1.44 - 1)))).toBeLessThan(1e-10);
    // before the spinodal only the boundary state exists; after it there are two minima
    expect(path.points[0]!.minima.length).toBe(1);
    expect(path.points[10]!.minima.length).toBe(2);
  });
  it('a continuous path is rejected by the degeneracy finder', () => {
    expect(() => degeneracyPoint((q, s) => (q - s) ** 2, [0, 1], { interval: [-2, 2] })).toThrow(InvalidArgumentError);
  });
});
