import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, type ActivationName } from '../activations';
import type { ComputeBackend } from '../backend';
import { InvalidArgumentError } from '../errors';
import type { Mat } from '../mat';
import { twoLayerBatchBySeparateCalls } from '../readout';
import { referenceBackend } from '../reference';
import { referenceBackend32 } from '../reference32';
import { erf } from '../special';
import { wasmTwoLayer32MemoryBytes } from './twolayer32';

const b = referenceBackend32();

/** Deterministic pseudo-random entries (a linear congruential generator, independent of the code under test). */
function fill(len: number, seed: number, scale: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: len }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * (s / 4294967296 - 0.5);
  });
}

interface Out {
  grads: Float64Array[];
  preds: Float64Array[];
  losses: Float64Array;
}

/** The separate calls the fused step replaces (matmul, the backend's readout per network, matmul), on fresh outputs. */
function separate(be: ComputeBackend, x: Mat, y: Float64Array, N: number, act: ActivationName, ps: Float64Array[]): Out {
  const out: Out = {
    grads: ps.map((p) => new Float64Array(p.length)),
    preds: ps.map(() => new Float64Array(x.rows)),
    losses: new Float64Array(ps.length),
  };
  twoLayerBatchBySeparateCalls(be, {
    x,
    y,
    width: N,
    activation: act,
    params: ps,
    grads: out.grads,
    preds: out.preds,
    losses: out.losses,
  });
  return out;
}

function fused(x: Mat, y: Float64Array, N: number, act: ActivationName, ps: Float64Array[]): Out {
  const out: Out = {
    grads: ps.map((p) => new Float64Array(p.length)),
    preds: ps.map(() => new Float64Array(x.rows)),
    losses: new Float64Array(ps.length),
  };
  b.twoLayerBatch!({ x, y, width: N, activation: act, params: ps, grads: out.grads, preds: out.preds, losses: out.losses });
  return out;
}

/** Entries whose bits differ (Object.is: −0 and +0 count as different). */
function bitDiffs(a: Out, c: Out): number {
  let k = 0;
  const cmp = (u: ArrayLike<number>, v: ArrayLike<number>) => {
    for (let i = 0; i < u.length; i++) if (!Object.is(u[i], v[i])) k++;
  };
  a.grads.forEach((g, i) => cmp(g, c.grads[i]!));
  a.preds.forEach((p, i) => cmp(p, c.preds[i]!));
  cmp(a.losses, c.losses);
  return k;
}

/** A problem of the given shape; `tail` scales a few inputs so that some pre-activations reach |h| ≥ 6. */
function problem(n: number, d: number, N: number, C: number, seed: number, tail = false) {
  const x: Mat = { rows: n, cols: d, data: fill(n * d, seed, 2) };
  if (tail) for (let i = 0; i < n; i += 5) for (let p = 0; p < d; p++) x.data[i * d + p]! *= 40;
  const y = fill(n, seed + 1, 2);
  const ps = Array.from({ length: C }, (_, c) => {
    const p = fill(N * d + N, seed + 2 + c, 2 / Math.sqrt(d));
    for (let i = 0; i < N; i++) p[N * d + i] = (p[N * d + i]! * Math.sqrt(d)) / Math.sqrt(N);
    return p;
  });
  return { x, y, ps };
}

// (n, d, N, C): n, d and C·N straddle MR = 4, NR = 8, KC = 384 (both products' k), MC = 192 and NC = 2048
const SHAPES = [
  [37, 5, 13, 3],
  [197, 3, 11, 2],
  [401, 7, 9, 1],
  [50, 390, 6, 2],
  [23, 1, 1, 1],
  [9, 2, 2051, 1],
  [390, 9, 700, 3],
  [9, 2050, 3, 1],
] as const;

describe('float32 fused two-layer step (twoLayerBatch)', () => {
  it('is bit-identical to the separate calls (matmul, readout, matmul) on odd shapes, chains and |h| ≥ 6 tails', () => {
    for (const [n, d, N, C] of SHAPES) {
      for (const tail of [false, true]) {
        const { x, y, ps } = problem(n, d, N, C, n + 7 * d + N, tail);
        const want = separate(b, x, y, N, 'erf', ps);
        expect(bitDiffs(fused(x, y, N, 'erf', ps), want), `n=${n} d=${d} N=${N} C=${C} tail=${tail}`).toBe(0);
      }
    }
  });

  it('matches the float64 step within the float32 error bound derived from the operation count', () => {
    const u = 2 ** -24,
      k1 = 2 / Math.sqrt(Math.PI),
      k2 = k1 * Math.SQRT2 * Math.exp(-0.5); // max |φ′|, max |φ″| of erf
    for (const [n, d, N, C] of [
      [37, 5, 13, 3],
      [401, 7, 9, 1],
      [50, 390, 6, 2],
    ] as const) {
      const { x, y, ps } = problem(n, d, N, C, 3 * n + d);
      const got = fused(x, y, N, 'erf', ps);
      // and the separate calls on the float64 reference backend: the same quantities to float64 rounding
      const f64 = separate(referenceBackend, x, y, N, 'erf', ps);
      ps.forEach((p, c) => {
        const X = x.data,
          a = p.subarray(N * d);
        // float64 reference with the accurate erf, and first-order error bounds of the float32 computation:
        // H: (d + 2)·u·Σ|x·w| (operands rounded, d float32 sums); f: Σ|a|·max|φ′|·e_h; δ = a·r·φ′: |a|(e_f·max|φ′| +
        // |r|·max|φ″|·e_h) + u|δ| (rounded to float32); G = δᵀX: Σ e_δ|x| + (n + 2)·u·Σ|δ||x|; g_a = φᵀr: Σ |φ|e_f + |r|·max|φ′|·e_h
        const gW = new Float64Array(N * d),
          eW = new Float64Array(N * d),
          ga = new Float64Array(N),
          ea = new Float64Array(N);
        let loss = 0,
          eLoss = 0;
        for (let mu = 0; mu < n; mu++) {
          const h = new Float64Array(N),
            eh = new Float64Array(N);
          for (let i = 0; i < N; i++) {
            let s = 0,
              sa = 0;
            for (let q = 0; q < d; q++) {
              s += X[mu * d + q]! * p[i * d + q]!;
              sa += Math.abs(X[mu * d + q]! * p[i * d + q]!);
            }
            h[i] = s;
            eh[i] = (d + 2) * u * sa + 1e-15;
          }
          let f = 0,
            ef = 0;
          for (let i = 0; i < N; i++) {
            f += erf(h[i]!) * a[i]!;
            ef += Math.abs(a[i]!) * (k1 * eh[i]! + 1e-15);
          }
          expect(Math.abs(got.preds[c]![mu]! - f)).toBeLessThanOrEqual(2 * ef);
          const r = f - y[mu]!;
          loss += 0.5 * r * r;
          eLoss += Math.abs(r) * ef;
          for (let i = 0; i < N; i++) {
            const phi = erf(h[i]!),
              dphi = k1 * Math.exp(-h[i]! * h[i]!);
            const delta = a[i]! * r * dphi;
            const ed = Math.abs(a[i]!) * (ef * k1 + Math.abs(r) * k2 * eh[i]!) + u * Math.abs(delta);
            ga[i]! += phi * r;
            ea[i]! += Math.abs(phi) * ef + Math.abs(r) * k1 * eh[i]!;
            for (let q = 0; q < d; q++) {
              gW[i * d + q]! += delta * X[mu * d + q]!;
              eW[i * d + q]! += ed * Math.abs(X[mu * d + q]!) + (n + 2) * u * Math.abs(delta * X[mu * d + q]!);
            }
          }
        }
        expect(Math.abs(got.losses[c]! - loss)).toBeLessThanOrEqual(2 * eLoss + 1e-12 * loss);
        expect(Math.abs(f64.losses[c]! - loss)).toBeLessThanOrEqual(1e-12 * (loss + 1));
        for (let q = 0; q < N * d; q++) expect(Math.abs(f64.grads[c]![q]! - gW[q]!)).toBeLessThanOrEqual(1e-9 * eW[q]! + 1e-300);
        for (let q = 0; q < N * d; q++) expect(Math.abs(got.grads[c]![q]! - gW[q]!)).toBeLessThanOrEqual(2 * eW[q]! + 1e-300);
        for (let i = 0; i < N; i++) expect(Math.abs(got.grads[c]![N * d + i]! - ga[i]!)).toBeLessThanOrEqual(2 * ea[i]! + 1e-300);
      });
    }
  });

  it('reuses the packed X across steps, repacks an X edited in place or a new shape, and is deterministic', () => {
    const { x, y, ps } = problem(197, 6, 10, 2, 11);
    const first = fused(x, y, 10, 'erf', ps);
    expect(bitDiffs(fused(x, y, 10, 'erf', ps), first)).toBe(0);
    // other parameters with the cached X
    const ps2 = problem(197, 6, 10, 2, 12).ps;
    expect(bitDiffs(fused(x, y, 10, 'erf', ps2), separate(b, x, y, 10, 'erf', ps2))).toBe(0);
    // the same buffer edited in place: the cache must notice
    x.data[5 * 6 + 2] = 1.75;
    expect(bitDiffs(fused(x, y, 10, 'erf', ps), separate(b, x, y, 10, 'erf', ps))).toBe(0);
    // a sign flip of a zero changes only bits
    x.data[7] = 0;
    fused(x, y, 10, 'erf', ps);
    x.data[7] = -0;
    expect(bitDiffs(fused(x, y, 10, 'erf', ps), separate(b, x, y, 10, 'erf', ps))).toBe(0);
    // another shape, then back
    const o = problem(30, 6, 10, 2, 13);
    expect(bitDiffs(fused(o.x, o.y, 10, 'erf', o.ps), separate(b, o.x, o.y, 10, 'erf', o.ps))).toBe(0);
    expect(bitDiffs(fused(x, y, 10, 'erf', ps), separate(b, x, y, 10, 'erf', ps))).toBe(0);
  });

  it('keeps its memory flat over a run (no growth after the first step of a shape)', () => {
    const { x, y, ps } = problem(301, 17, 23, 2, 41);
    fused(x, y, 23, 'erf', ps);
    const bytes = wasmTwoLayer32MemoryBytes();
    expect(bytes).toBeGreaterThan(0);
    for (let s = 0; s < 5; s++) {
      ps[0]![s] = 0.1 * s; // new parameters each step, as in a run
      fused(x, y, 23, 'erf', ps);
    }
    expect(wasmTwoLayer32MemoryBytes()).toBe(bytes);
  });

  it('makes the separate calls for the other activations (same values)', () => {
    for (const act of ACTIVATION_NAMES.filter((a) => a !== 'erf')) {
      const { x, y, ps } = problem(45, 5, 7, 2, 21);
      expect(bitDiffs(fused(x, y, 7, act, ps), separate(b, x, y, 7, act, ps)), act).toBe(0);
    }
  });

  it('throws typed errors for non-finite inputs and float32 overflow', () => {
    const { x, y, ps } = problem(40, 4, 6, 2, 31);
    const bad = (f: () => void) => expect(f).toThrow(InvalidArgumentError);
    const xn = { ...x, data: x.data.slice() };
    xn.data[17] = NaN;
    bad(() => fused(xn, y, 6, 'erf', ps));
    const pn = ps.map((p) => p.slice());
    pn[1]![3] = Infinity;
    bad(() => fused(x, y, 6, 'erf', pn));
    pn[1]![3] = 0;
    pn[1]![4 * 6 + 2] = NaN; // a readout weight
    bad(() => fused(x, y, 6, 'erf', pn));
    const yn = y.slice();
    yn[3] = NaN;
    bad(() => fused(x, yn, 6, 'erf', ps));
    // finite float64 inputs whose float32 products overflow
    const xb = { ...x, data: x.data.map((v) => v * 1e20) };
    const pb = ps.map((p) => p.map((v) => v * 1e20));
    bad(() => fused(xb, y, 6, 'erf', pb));
    // and the step still works afterwards
    expect(bitDiffs(fused(x, y, 6, 'erf', ps), separate(b, x, y, 6, 'erf', ps))).toBe(0);
  });
});
