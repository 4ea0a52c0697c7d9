import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@sftdl/compute';
import { findLocalMinima, laplaceApproximation, largeDeviationIntegral, logGamma } from './index';

describe('findLocalMinima', () => {
  it('finds interior and boundary minima with slope and curvature', () => {
    const m = findLocalMinima((q) => (q * q - 1) ** 2, [-2, 2]);
    expect(m.length).toBe(2);
    expect(Math.abs(m[0]!.q + 1)).toBeLessThan(1e-12);
    expect(Math.abs(m[1]!.q - 1)).toBeLessThan(1e-12);
    expect(m[1]!.curvature).toBeCloseTo(8, 7);
    // x − x² + x³/3 on [0, 4]: boundary state at 0 (slope 1); Ŝ′ = (1−x)² has no interior minimum
    const b = findLocalMinima((x) => x - x * x + x ** 3 / 3, [0, 4]);
    expect(b.length).toBe(1);
    expect(b[0]!.boundary).toBe(true);
    expect(b[0]!.slope).toBeCloseTo(1, 9);
  });
});

describe('laplaceApproximation and largeDeviationIntegral', () => {
  it('Laplace is exact for a quadratic action (logZ, and the mean of a linear g)', () => {
    for (const D of [1, 100, 1e4]) {
      const c = 2.5,
        q0 = 0.3,
        S0 = -0.7;
      const S = (q: number) => S0 + 0.5 * c * (q - q0) ** 2;
      const exact = -D * S0 + 0.5 * Math.log((2 * Math.PI) / (D * c));
      const lap = laplaceApproximation(S, D, [q0 - 40, q0 + 40], { g: (q) => 2 * q + 1 });
      expect(Math.abs(lap.logZ - exact)).toBeLessThan(1e-8 * Math.max(1, Math.abs(exact))); // FD curvature ~1e-9
      expect(lap.mean).toBeCloseTo(2 * q0 + 1, 12);
      const ana = laplaceApproximation(S, D, [q0 - 40, q0 + 40], { dS: (q) => c * (q - q0), d2S: () => c });
      expect(Math.abs(ana.logZ - exact)).toBeLessThan(1e-13 * Math.max(1, Math.abs(exact)));
      const num = largeDeviationIntegral((q) => 2 * q + 1, S, D, [q0 - 40, q0 + 40]);
      expect(Math.abs(num.logZ - exact)).toBeLessThan(1e-12 * Math.max(1, Math.abs(exact)));
      expect(num.mean).toBeCloseTo(2 * q0 + 1, 12);
      if (D <= 100) expect(num.value / ((2 * q0 + 1) * Math.exp(exact))).toBeCloseTo(1, 11);
    }
  });
  it('∫₀^∞ e^{−D(q − ln q)} dq = Γ(D+1)/D^{D+1} and E[q] = (D+1)/D, for D up to 1e4', () => {
    for (const D of [5, 100, 1e4]) {
      const exact = logGamma(D + 1) - (D + 1) * Math.log(D);
      const r = largeDeviationIntegral(
        (q) => q,
        (q) => q - Math.log(q),
        D,
        [1e-12, 40],
      );
      expect(Math.abs(r.logZ - exact)).toBeLessThan(1e-12 * Math.max(1, Math.abs(exact)));
      expect(Math.abs(r.mean - (D + 1) / D)).toBeLessThan(1e-13);
      expect(r.minima.length).toBe(1);
      expect(r.minima[0]!.weight).toBeCloseTo(1, 14);
      // Laplace (Stirling) error is O(1/D): ln Γ(D+1) ≈ (D+½)ln D − D + ½ ln 2π + 1/(12D)
      const lap = laplaceApproximation((q) => q - Math.log(q), D, [1e-12, 40]);
      expect(Math.abs(lap.logZ - exact - -1 / (12 * D))).toBeLessThan(2 / D ** 2 + 1e-7);
    }
  });
  it('mixture weights: symmetric double well ½/½; asymmetric wells → Laplace ratio at large D', () => {
    const sym = largeDeviationIntegral(
      () => 1,
      (q) => (q * q - 1) ** 2,
      1e4,
      [-2, 2],
    );
    expect(sym.minima.map((m) => m.weight)).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0.5, 12)]);
    // Wells at ±1 with curvatures 8 and 2 (same depth): weights ∝ 1/√curvature → 1/3, 2/3, up to O(1/D)
    const r = largeDeviationIntegral(
      () => 1,
      (q) => (q * q - 1) ** 2 * (q < 0 ? 1 : 0.25),
      1e4,
      [-2, 2],
    );
    expect(r.minima[0]!.weight).toBeCloseTo(1 / 3, 3);
    expect(r.minima[1]!.weight).toBeCloseTo(2 / 3, 3);
  });
  it('modular action at the degeneracy s* = 2/√3 (γ = 1), D = 1e4: boundary-state vs x₊ mixture weights', () => {
    const s = 2 / Math.sqrt(3);
    const D = 1e4;
    const r = largeDeviationIntegral(
      () => 1,
      (x) => x - s * x * x + x ** 3 / 3,
      D,
      [0, 10],
    );
    expect(r.minima.length).toBe(2);
    expect(r.minima[0]!.q).toBe(0);
    expect(Math.abs(r.minima[1]!.q - Math.sqrt(3))).toBeLessThan(1e-10);
    // Equal actions: weight ratio w₊/w₀ = √(2π/(D c₊)) / (1/D) with c₊ = Ŝ″(√3) = 2/√3, up to O(1/D).
    const ratio = Math.sqrt((2 * Math.PI * D) / (2 / Math.sqrt(3)));
    expect(r.minima[0]!.weight * (1 + ratio)).toBeCloseTo(1, 2);
    expect(r.minima[0]!.weight + r.minima[1]!.weight).toBeCloseTo(1, 14);
  });
  it('boundary minimum: ∫₀^L e^{−D(q + q²)} dq ≈ 1/D and the boundary weight; overflow throws', () => {
    const D = 1e4;
    const r = largeDeviationIntegral(
      () => 1,
      (q) => q + q * q,
      D,
      [0, 1],
    );
    // exact: e^{D/4}√(π/(4D))·erfc(√D/2) ≈ (1/D)(1 − 2/D + 12/D² …)
    expect(r.value * D).toBeCloseTo(1 - 2 / D + 12 / D ** 2, 9);
    expect(r.minima[0]!.boundary).toBe(true);
    // the boundary Laplace term (erfc form) is exact for this quadratic action
    for (const DD of [1, 30, D]) {
      const num = largeDeviationIntegral(
        () => 1,
        (q) => q + q * q,
        DD,
        [0, 30],
      );
      const lap = laplaceApproximation((q) => q + q * q, DD, [0, 30]);
      expect(Math.abs(lap.logZ - num.logZ)).toBeLessThan(1e-7); // finite-difference curvature/slope
    }
    // zero slope at the boundary: half a Gaussian
    const half = laplaceApproximation((q) => q * q, 100, [0, 3], { dS: (q) => 2 * q, d2S: () => 2 });
    expect(half.logZ).toBeCloseTo(0.5 * Math.log(Math.PI / 100) - Math.log(2), 13);
    // e^{+D} overflows: value throws with a hint, and the same integral shifted by the constant is fine
    const big = largeDeviationIntegral(
      () => 1,
      (q) => q * q - 1,
      1e4,
      [-1, 1],
    );
    expect(() => big.value).toThrow(InvalidArgumentError);
    expect(big.logZ).toBeCloseTo(1e4 + 0.5 * Math.log(Math.PI / 1e4), 9);
    expect(
      largeDeviationIntegral(
        () => 1,
        (q) => q * q,
        1e4,
        [-1, 1],
      ).logZ,
    ).toBeCloseTo(0.5 * Math.log(Math.PI / 1e4), 12);
  });
});
