import { type ActivationName, type ComputeBackend, type Mat } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { loadAddon } from './addon';
import { createOpenblasBackend, isOpenblasAvailable } from './index';

/** Deterministic pseudo-random matrix entries (no dependence on the code under test). */
function fill(len: number, seed: number, scale: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: len }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * (s / 4294967296 - 0.5);
  });
}

/**
 * The separate calls the fused step replaces: matmul, the fused readout per network, matmul, scatter. With
 * `unfused`, φ and φ′ come from the standalone `activate` kernel first and the readout gets them precomputed (the
 * readout's own activation path is then not used at all).
 */
function separate(
  b: ComputeBackend,
  x: Mat,
  y: Float64Array,
  N: number,
  act: ActivationName,
  ps: Float64Array[],
  unfused = false,
) {
  const n = x.rows,
    d = x.cols,
    C = ps.length,
    CN = C * N;
  const w: Mat = { rows: CN, cols: d, data: new Float64Array(CN * d) };
  ps.forEach((p, c) => w.data.set(p.subarray(0, N * d), c * N * d));
  const h = b.matmul(x, w, { transB: true }).data;
  const phi = unfused ? new Float64Array(h.length) : undefined,
    dphi = unfused ? new Float64Array(h.length) : undefined;
  if (phi && dphi) b.activate!(act, h, phi, dphi, h.length);
  const grads = ps.map((p) => new Float64Array(p.length));
  const preds = ps.map(() => new Float64Array(n));
  const losses = ps.map((p, c) =>
    b.readout!({
      n,
      width: N,
      outputs: 1,
      stride: CN,
      offset: c * N,
      a: p,
      aOffset: N * d,
      y,
      pred: preds[c]!,
      res: new Float64Array(n),
      grad: grads[c]!,
      gradOffset: N * d,
      delta: h,
      ...(phi && dphi ? { phi, dphi } : { h, activation: act }),
    }),
  );
  const g = b.matmul({ rows: n, cols: CN, data: h }, x, { transA: true }).data;
  grads.forEach((gr, c) => gr.set(g.subarray(c * N * d, (c + 1) * N * d), 0));
  return { grads, preds, losses };
}

function bitDiffs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) k++;
  return k;
}

const loaded = loadAddon();
// sftdl's own AVX-512 GEMM as well as OpenBLAS' where the CPU can run it ('auto' picks one of the two)
const avx512 = loaded.ok && loaded.addon.info().avx512;

describe.skipIf(!isOpenblasAvailable())('fused two-layer batch', () => {
  it('gives the bits of the separate gemm/readout/gemm calls (both precisions and kernels, several shapes)', () => {
    for (const precision of ['float32', 'float64'] as const)
      for (const kernels of avx512 ? (['openblas', 'avx512'] as const) : (['openblas'] as const))
        for (const [n, d, N, C, act] of [
          [300, 7, 13, 3, 'erf'],
          [64, 5, 8, 1, 'relu'],
          [257, 12, 21, 2, 'tanh'],
          [40, 3, 9, 2, 'linear'],
        ] as const) {
          const b = createOpenblasBackend({ precision, kernels, threads: 2 });
          const x: Mat = { rows: n, cols: d, data: fill(n * d, n + d, 2) };
          const y = fill(n, 7 * n, 1);
          const ps = Array.from({ length: C }, (_, c) => fill(N * d + N, 100 * c + N, 1));
          const want = separate(b, x, y, N, act, ps);
          const grads = ps.map((p) => new Float64Array(p.length).fill(NaN));
          const preds = ps.map(() => new Float64Array(n));
          const losses = new Float64Array(C);
          b.twoLayerBatch!({ x, y, width: N, activation: act, params: ps, grads, preds, losses });
          for (let c = 0; c < C; c++) {
            expect(bitDiffs(grads[c]!, want.grads[c]!)).toBe(0);
            expect(bitDiffs(preds[c]!, want.preds[c]!)).toBe(0);
            expect(Object.is(losses[c], want.losses[c])).toBe(true);
          }
        }
  });

  it('erf: equals the standalone activate kernel followed by the readout on precomputed φ, φ′ (tails, odd blocks, |h| ≥ 6)', () => {
    // the fused erf evaluates φ, φ′ in the readout's own sweep (table columns, 64-bit gathers) and accumulates φ·a
    // from registers; this pins it to the separate kernels: every width tail (N mod 8), even and odd counts of 8-blocks,
    // pre-activations beyond the table's end (|h| ≥ 6: the scalar fix-up lanes) and several row parts (n ≥ 256)
    for (const precision of ['float32', 'float64'] as const)
      for (const [n, d, N, C, scale] of [
        [300, 5, 7, 2, 9],
        [40, 3, 8, 1, 12],
        [64, 4, 16, 2, 6],
        [270, 6, 23, 3, 7],
        [33, 4, 40, 1, 10],
        [520, 8, 203, 2, 5],
      ] as const) {
        const b = createOpenblasBackend({ precision, threads: 2 });
        const x: Mat = { rows: n, cols: d, data: fill(n * d, 3 * n + d, scale) };
        const y = fill(n, 11 * n, 1);
        const ps = Array.from({ length: C }, (_, c) => fill(N * d + N, 50 * c + N, 3));
        const want = separate(b, x, y, N, 'erf', ps, true);
        const grads = ps.map((p) => new Float64Array(p.length).fill(NaN));
        const preds = ps.map(() => new Float64Array(n));
        const losses = new Float64Array(C);
        b.twoLayerBatch!({ x, y, width: N, activation: 'erf', params: ps, grads, preds, losses });
        for (let c = 0; c < C; c++) {
          expect(bitDiffs(grads[c]!, want.grads[c]!), `${precision} N=${N} grads`).toBe(0);
          expect(bitDiffs(preds[c]!, want.preds[c]!), `${precision} N=${N} preds`).toBe(0);
          expect(losses[c], `${precision} N=${N} loss`).toBe(want.losses[c]);
        }
        // the inputs really reach past the table (else the fix-up lanes would be untested)
        const h = b.matmul(x, { rows: N, cols: d, data: ps[0]!.subarray(0, N * d) }, { transB: true }).data;
        const big = h.filter((v) => Math.abs(v) >= 6).length;
        expect(big, `N=${N}: entries with |h| ≥ 6`).toBeGreaterThan(0);
        expect(big).toBeLessThan(h.length / 2);
      }
  });

  it('matches a float64 triple loop (the definition) to float32 rounding, and rejects non-finite input', () => {
    const [n, d, N] = [50, 4, 6];
    const x: Mat = { rows: n, cols: d, data: fill(n * d, 3, 2) };
    const y = fill(n, 4, 1);
    const p = fill(N * d + N, 5, 1);
    // definition: h = x·Wᵀ, f = tanh(h)·a, loss ½Σ(f − y)², ∇a = φᵀr, ∇W = ((r aᵀ) ⊙ φ′)ᵀ x
    const gW = new Float64Array(N * d),
      ga = new Float64Array(N);
    let loss = 0;
    for (let mu = 0; mu < n; mu++) {
      const phi = new Float64Array(N),
        dphi = new Float64Array(N);
      let f = 0;
      for (let i = 0; i < N; i++) {
        let h = 0;
        for (let k = 0; k < d; k++) h += x.data[mu * d + k]! * p[i * d + k]!;
        phi[i] = Math.tanh(h);
        dphi[i] = 1 - phi[i]! ** 2;
        f += phi[i]! * p[N * d + i]!;
      }
      const r = f - y[mu]!;
      loss += 0.5 * r * r;
      for (let i = 0; i < N; i++) {
        ga[i]! += phi[i]! * r;
        for (let k = 0; k < d; k++) gW[i * d + k]! += r * p[N * d + i]! * dphi[i]! * x.data[mu * d + k]!;
      }
    }
    for (const precision of ['float32', 'float64'] as const) {
      const b = createOpenblasBackend({ precision, threads: 1 });
      const grads = [new Float64Array(p.length)],
        preds = [new Float64Array(n)],
        losses = new Float64Array(1);
      b.twoLayerBatch!({ x, y, width: N, activation: 'tanh', params: [p], grads, preds, losses });
      const tol = precision === 'float32' ? 2e-5 : 1e-12;
      expect(Math.abs(losses[0]! - loss)).toBeLessThan(tol * loss);
      gW.forEach((v, i) => expect(Math.abs(grads[0]![i]! - v)).toBeLessThan(tol * 10));
      ga.forEach((v, i) => expect(Math.abs(grads[0]![N * d + i]! - v)).toBeLessThan(tol * 10));
      const bad = p.slice();
      bad[3] = NaN;
      expect(() => b.twoLayerBatch!({ x, y, width: N, activation: 'tanh', params: [bad], grads, preds, losses })).toThrow(
        /parameters contain a non-finite value/,
      );
      const xBad: Mat = { ...x, data: x.data.slice() };
      xBad.data[7] = Infinity;
      expect(() => b.twoLayerBatch!({ x: xBad, y, width: N, activation: 'tanh', params: [p], grads, preds, losses })).toThrow(
        /x contains a non-finite value/,
      );
    }
  });
});
