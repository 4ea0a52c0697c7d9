import { readFileSync } from 'node:fs';
import { key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { modularReadoutIntegral } from './modular-readout';

/** Dense P²×P² reference: K = (σ_a²/N)ΦᵀΦ on the table, (K + σ²)⁻¹y_p by Gaussian elimination, log det by its pivots. */
function dense(w: Float64Array, N: number, P: number, sigmaA2: number, sigma2: number) {
  const D = P * P;
  const phi = (i: number, mu: number) => (w[i * 2 * P + Math.floor(mu / P)]! + w[i * 2 * P + P + (mu % P)]!) ** 2;
  const A = Array.from({ length: D }, (_, r) =>
    Array.from({ length: D + P }, (_, c) => {
      if (c >= D) {
        const p = c - D;
        return ((Math.floor(r / P) + (r % P)) % P === p ? 1 : 0) - 1 / P;
      }
      let k = 0;
      for (let i = 0; i < N; i++) k += phi(i, r) * phi(i, c);
      return (sigmaA2 / N) * k + (r === c ? sigma2 : 0);
    }),
  );
  const Y = A.map((row) => row.slice(D));
  let logDet = 0;
  for (let c = 0; c < D; c++) {
    let piv = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    logDet += Math.log(Math.abs(A[c]![c]!));
    for (let r = c + 1; r < D; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < D + P; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  // back substitution for the P right-hand sides
  const X = Array.from({ length: D }, () => new Array<number>(P).fill(0));
  for (let r = D - 1; r >= 0; r--)
    for (let p = 0; p < P; p++) {
      let s = A[r]![D + p]!;
      for (let k = r + 1; k < D; k++) s -= A[r]![k]! * X[k]![p]!;
      X[r]![p] = s / A[r]![r]!;
    }
  let yGy = 0,
    y2 = 0;
  for (let r = 0; r < D; r++)
    for (let p = 0; p < P; p++) {
      yGy += Y[r]![p]! * X[r]![p]!;
      y2 += Y[r]![p]! ** 2;
    }
  return { a: (sigma2 * yGy) / y2, action: 0.5 * yGy + 0.5 * P * (logDet - D * Math.log(sigma2)) };
}

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/grokking/modular_readout.json', import.meta.url), 'utf8'),
) as { cases: { width: number; prime: number; sigmaA2: number; sigma2: number; w: number[]; a: number; action: number }[] };

describe('modularReadoutIntegral (readout integrated exactly, Woodbury)', () => {
  it('matches the numpy dense solve/slogdet fixture (test/fixtures/grokking/modular_readout.py)', () => {
    for (const c of fixture.cases) {
      const got = modularReadoutIntegral(Float64Array.from(c.w), c.width, c.prime, c.sigmaA2, c.sigma2);
      expect(got.a).toBeCloseTo(c.a, 10);
      expect(Math.abs(got.action - c.action)).toBeLessThan(1e-9 * Math.max(1, Math.abs(c.action)));
    }
  });
  it('equals the dense P²×P² solve and log-determinant', () => {
    for (const [N, P, sa, s2] of [
      [1, 5, 0.3, 0.05],
      [3, 7, 0.01, 0.002],
      [9, 5, 2, 0.5],
    ] as const) {
      const w = normal(key(N + P), N * 2 * P);
      const got = modularReadoutIntegral(w, N, P, sa, s2);
      const want = dense(w, N, P, sa, s2);
      expect(got.a).toBeCloseTo(want.a, 10);
      expect(got.action).toBeCloseTo(want.action, 8);
    }
  });
  it('GP limit: Fourier-aligned neurons with σ_a² → 0 give a → 1, and K_W = 0 gives a = 1 and the action ½Σ|y_p|²/σ²', () => {
    const zero = modularReadoutIntegral(new Float64Array(2 * 11), 1, 11, 1e-3, 0.01);
    expect(zero.a).toBeCloseTo(1, 14);
    expect(zero.action).toBeCloseTo((0.5 * 11 * 10) / 0.01, 9);
    const w = normal(key(2), 4 * 2 * 7);
    expect(modularReadoutIntegral(w, 4, 7, 1e-12, 1).a).toBeCloseTo(1, 9);
  });
  it('one neuron: a = 1 − (σ_a²/σ²)Σ_p(φ·y_p)²/((1 + σ_a²|φ|²/σ²)·P(P − 1)) (Sherman–Morrison by hand)', () => {
    const P = 5,
      sa = 0.2,
      s2 = 0.1;
    const w = normal(key(9), 2 * P);
    let phi2 = 0,
      by2 = 0;
    const by = new Array<number>(P).fill(0);
    for (let n = 0; n < P; n++)
      for (let m = 0; m < P; m++) {
        const f = (w[n]! + w[P + m]!) ** 2;
        phi2 += f * f;
        for (let p = 0; p < P; p++) by[p]! += f * (((n + m) % P === p ? 1 : 0) - 1 / P);
      }
    for (const v of by) by2 += v * v;
    const want = 1 - ((sa / s2) * by2) / ((1 + (sa * phi2) / s2) * P * (P - 1));
    expect(modularReadoutIntegral(w, 1, P, sa, s2).a).toBeCloseTo(want, 12);
    expect(modularReadoutIntegral(w, 1, P, sa, s2).action).toBeCloseTo(
      (0.5 * (P * (P - 1) - (sa * by2) / (s2 + sa * phi2))) / s2 + 0.5 * P * Math.log1p((sa * phi2) / s2),
      9,
    );
  });
  it('rejects bad sizes and scales with a message', () => {
    expect(() => modularReadoutIntegral(new Float64Array(3), 1, 5, 1, 1)).toThrow(/read-in weights/);
    expect(() => modularReadoutIntegral(new Float64Array(10), 1, 5, 0, 1)).toThrow(/must be > 0/);
  });
});
