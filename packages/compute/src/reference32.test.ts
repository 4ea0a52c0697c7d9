import { describe, expect, it } from 'vitest';
import { activateInto } from './activations';
import { fromRows } from './mat';
import { referenceProvider } from './select';
import { runConformanceSuite, runRobustnessSuite, testMatrix } from './testing';
import { referenceBackend32 } from './reference32';
import { wasmActivate, wasmElementwiseAvailable, wasmReadout } from './wasm/elementwise';
import { readoutInto } from './readout';
import { wasmGemm32Strided } from './wasm/gemm32';
import { InvalidArgumentError } from './errors';

const b = referenceBackend32();

runConformanceSuite(b, { title: 'conformance: reference float32' });
runRobustnessSuite(b, { title: 'robustness: reference float32' });

const grid = (len: number, s: number) =>
  Float64Array.from({ length: len }, (_, i) => 3 * Math.sin(0.731 * i + s) * Math.cos(0.0173 * i * s));

describe('float32 WebAssembly GEMM', () => {
  it('equals a float32 triple loop within float32 rounding (transposes, edges, several k/m/n blocks, offsets, accumulate)', () => {
    // m, n, k straddle MR = 4, NR = 8, KC = 384, MC = 192 and NC = 2048
    // (and the packing paths: op(A) = Aᵀ packed in WebAssembly with a JavaScript tail sliver, op(B) full slivers)
    const shapes = [
      [33, 17, 800, 0, 1],
      [5, 7, 3, 1, 0],
      [197, 2051, 9, 0, 0],
      [257, 61, 400, 1, 1],
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1],
      [7, 13, 5, 0, 0],
      [7, 13, 5, 1, 0],
      [13, 7, 5, 1, 1],
      [4, 8, 384, 1, 0],
      [194, 9, 769, 1, 0],
      [6, 11, 3001, 0, 1],
      [3, 2, 1000, 1, 1],
    ] as const;
    for (const [m, n, k, ta, tb] of shapes) {
      const A = grid(m * k + 3, 1),
        B = grid(k * n + 5, 2);
      const ars = ta ? 1 : k,
        acs = ta ? m : 1,
        brs = tb ? 1 : n,
        bcs = tb ? k : 1;
      const ldc = n + 2;
      const C0 = grid(m * ldc + 1, 3),
        C = C0.slice();
      expect(wasmGemm32Strided(m, n, k, 0.7, A, 3, ars, acs, B, 5, brs, bcs, C, 1, ldc)).toBe(true);
      let worst = 0;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          // the exact product of the float32-rounded operands (float64 sums: exact enough), and Σ|a·b| for the bound
          let s = 0,
            sa = 0;
          for (let p = 0; p < k; p++) {
            const t = Math.fround(A[3 + i * ars + p * acs]!) * Math.fround(B[5 + p * brs + j * bcs]!);
            s += t;
            sa += Math.abs(t);
          }
          const got = C[1 + i * ldc + j]! - C0[1 + i * ldc + j]!;
          worst = Math.max(worst, Math.abs(got - 0.7 * s) / (0.7 * sa + 1e-300));
        }
      // float32 recursive summation: |error| ≤ k·u·Σ|a·b| (u = 2⁻²⁴), plus the widening of α·c
      expect(worst).toBeLessThan(Math.max(k, 2) * 2 ** -24);
      // the padding columns of C are untouched
      expect(C[1 + n]).toBe(C0[1 + n]);
    }
  });

  it('α = 1 and a fresh output (zeroC) give the same values as α·(product) added to zeros', () => {
    for (const [m, n, k, ta] of [
      [7, 13, 5, 1],
      [197, 30, 900, 1],
      [50, 21, 17, 0],
    ] as const) {
      const A = grid(m * k, 4),
        B = grid(k * n, 5);
      const ars = ta ? 1 : k,
        acs = ta ? m : 1;
      const fresh = new Float64Array(m * n),
        added = new Float64Array(m * n),
        scaled = new Float64Array(m * n);
      wasmGemm32Strided(m, n, k, 1, A, 0, ars, acs, B, 0, n, 1, fresh, 0, n, true);
      wasmGemm32Strided(m, n, k, 1, A, 0, ars, acs, B, 0, n, 1, added, 0, n, false);
      wasmGemm32Strided(m, n, k, -2, A, 0, ars, acs, B, 0, n, 1, scaled, 0, n, true);
      expect(added).toEqual(fresh);
      // scaling by −2 is exact in binary floating point: the α path widens the same float32 sums
      expect(Array.from(scaled)).toEqual(Array.from(fresh, (x) => -2 * x));
    }
  });

  it('every entry depends only on its row of op(A) and column of op(B): the same bits for any batch split', () => {
    // the Langevin products of a batched ensemble: H = X·[W₁ … W_C]ᵀ and G = Dᵀ·X, against one chain's products
    const n = 301,
      d = 37,
      N = 45,
      C = 5;
    const x = { rows: n, cols: d, data: grid(n * d, 6) };
    const wAll = { rows: C * N, cols: d, data: grid(C * N * d, 7) };
    const dAll = { rows: n, cols: C * N, data: grid(n * C * N, 8) };
    const hAll = b.matmul(x, wAll, { transB: true }),
      gAll = b.matmul(dAll, x, { transA: true });
    for (const c of [0, 2, 4]) {
      const w = { rows: N, cols: d, data: wAll.data.slice(c * N * d, (c + 1) * N * d) };
      const dc = { rows: n, cols: N, data: new Float64Array(n * N) };
      for (let mu = 0; mu < n; mu++) dc.data.set(dAll.data.subarray(mu * C * N + c * N, mu * C * N + (c + 1) * N), mu * N);
      const h = b.matmul(x, w, { transB: true }),
        g = b.matmul(dc, x, { transA: true });
      let bad = 0;
      for (let mu = 0; mu < n; mu++)
        for (let i = 0; i < N; i++) if (!Object.is(h.data[mu * N + i], hAll.data[mu * C * N + c * N + i])) bad++;
      for (let q = 0; q < N * d; q++) if (!Object.is(g.data[q], gAll.data[c * N * d + q])) bad++;
      expect(bad, `chain ${c}`).toBe(0);
    }
  });

  it('throws InvalidArgumentError for NaN/Inf operands on every packing path (Aᵀ in WebAssembly and its tail, A, B, Bᵀ)', () => {
    const m = 9,
      k = 6,
      n = 10;
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const [ta, tb, which, at] of [
        [true, false, 'A', 0],
        [true, false, 'A', k * m - 1], // the last row of op(A): the JavaScript tail sliver (m = 9 = 2·4 + 1)
        [true, false, 'A', 3 * m + 5],
        [false, false, 'A', 17],
        [false, false, 'B', 23],
        [false, true, 'B', 41],
      ] as const) {
        const a = testMatrix(ta ? k : m, ta ? m : k, 11),
          c = testMatrix(tb ? n : k, tb ? k : n, 12);
        const target = which === 'A' ? a : c;
        target.data[at] = bad;
        expect(() => b.matmul(a, c, { transA: ta, transB: tb }), `${which}[${at}] = ${bad}`).toThrow(InvalidArgumentError);
      }
    }
  });

  it('gives the same bits for the same product whatever was computed before (no state between calls)', () => {
    const A = grid(300 * 50, 7),
      B = grid(50 * 40, 8);
    const c1 = new Float64Array(300 * 40),
      c2 = new Float64Array(300 * 40);
    wasmGemm32Strided(300, 40, 50, 1, A, 0, 50, 1, B, 0, 40, 1, c1, 0, 40, true);
    wasmGemm32Strided(
      500,
      600,
      70,
      1,
      grid(500 * 70, 1),
      0,
      70,
      1,
      grid(70 * 600, 2),
      0,
      600,
      1,
      new Float64Array(500 * 600),
      0,
      600,
      true,
    );
    wasmGemm32Strided(300, 40, 50, 1, A, 0, 50, 1, B, 0, 40, 1, c2, 0, 40, true);
    expect(c2).toEqual(c1);
  });
});

describe('reference backend, float32', () => {
  it('is created by the reference provider for float32 and reports its precision', async () => {
    const be = await referenceProvider.create({ precision: 'float32' });
    expect(be).toBe(b);
    expect([be.name, be.precision]).toEqual(['reference', 'float32']);
    expect((await referenceProvider.probe()).precision).toEqual(['float64', 'float32']);
  });

  it('matmul rounds its operands to float32 (an exactly representable case and a float32-only result)', () => {
    expect(Array.from(b.matmul(fromRows([[1, 2]]), fromRows([[3], [4]])).data)).toEqual([11]);
    // (1 + 2⁻³⁰) is 1 in float32: the product is exactly 2, where float64 gives 2 + 2⁻²⁹
    expect(b.matmul(fromRows([[1 + 2 ** -30, 1]]), fromRows([[1], [1]])).data[0]).toBe(2);
  });

  it('matmulInto writes into the caller buffer and equals matmul', () => {
    const a = testMatrix(37, 23, 1),
      c = testMatrix(29, 23, 2);
    const out = new Float64Array(37 * 29 + 5).fill(9);
    const r = b.matmulInto!(a, c, out, { transB: true, alpha: -0.5 });
    expect(r.data.buffer).toBe(out.buffer);
    expect(Array.from(r.data)).toEqual(Array.from(b.matmul(a, c, { transB: true, alpha: -0.5 }).data));
    expect(out[37 * 29]).toBe(9);
  });

  it('gram is exactly symmetric', () => {
    const g = b.gram(testMatrix(20, 31, 3));
    for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) expect(g.data[i * 20 + j]).toBe(g.data[j * 20 + i]);
  });

  it('throws instead of returning Inf when a product leaves float32 range', () => {
    expect(() => b.matmul(fromRows([[1e20, 1e20]]), fromRows([[1e20], [1e20]]))).toThrow(InvalidArgumentError);
    expect(() => b.matmul(fromRows([[1e20, 1e20]]), fromRows([[1e20], [1e20]]))).toThrow(/float32.*precision float64/);
    // one overflowing entry among finite ones, in the four-wide widening path, and in the one-at-a-time tail
    const big = fromRows([
      [1, 1, 1e20, 1, 1, 1e20],
      [1, 1, 1e20, 1, 1, 1e20],
    ]);
    expect(() => b.matmul(fromRows([[1e20, 1e20]]), { ...big, cols: 6 })).toThrow(/entry \(0, 2\)/);
    const tail = fromRows([
      [1, 1, 1, 1, 1e20],
      [1, 1, 1, 1, 1e20],
    ]);
    expect(() => b.matmul(fromRows([[1e20, 1e20]]), tail)).toThrow(/entry \(0, 4\)/);
    expect(b.matmul(fromRows([[1e10, 1e10]]), tail).data[0]).toBe(2e10);
    // a finite operand entry beyond float32's range (Inf once rounded) is an overflow too, on every packing path
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const a = testMatrix(9, 9, 21),
        c = testMatrix(9, 10, 22);
      a.data[40] = 1e39;
      expect(() => b.matmul(a, tb ? testMatrix(10, 9, 23) : c, { transA: ta, transB: tb })).toThrow(/float32.*precision float64/);
    }
  });
});

describe('WebAssembly φ, φ′', () => {
  it('equals activateInto bit for bit for every activation (erf: table interior, |h| ≥ 6 tail, ±0, chunk edges)', () => {
    const len = 16384 * 2 + 37;
    const h = Float64Array.from({ length: len }, (_, i) => 8 * Math.sin(0.37 * i) * Math.cos(0.011 * i));
    h.set([-0, 0, 6, -6, 5.999999999, -5.9999999, 1 / 256, -1 / 256, 3 / 256, 1e-300], 0);
    for (const name of ['erf', 'linear', 'relu', 'tanh', 'square'] as const) {
      const p1 = new Float64Array(len),
        d1 = new Float64Array(len),
        p2 = new Float64Array(len + 1),
        d2 = new Float64Array(len + 1);
      activateInto(name, h, p1, d1, len);
      wasmActivate(name, h, p2, d2, len);
      let bad = 0;
      for (let i = 0; i < len; i++) if (!Object.is(p1[i], p2[i]) || !Object.is(d1[i], d2[i])) bad++;
      expect(bad, name).toBe(0);
      expect(p2[len]).toBe(0);
    }
  });
});

describe('WebAssembly fused readout', () => {
  it.each([300, 301, 302, 303, 8, 5])(
    'equals readoutInto bit for bit (erf, one output, N = %i, batched buffer, several row chunks, |h| ≥ 6 entries, δ over h)',
    (N) => {
      // N = 300: 54 rows per WebAssembly chunk, so n = 130 takes three chunks; eight columns at a time (four f64x2
      // pairs), then pairs, then a scalar last column (N = 301, 302, 303); N = 8, 5: a whole row in one group / none
      expect(wasmElementwiseAvailable()).toBe(true);
      const n = N < 100 ? 600 : 130,
        stride = 3 * N + 7,
        offset = N + 3;
      const h = Float64Array.from({ length: n * stride }, (_, i) => 4 * Math.sin(0.37 * i) * Math.cos(0.0071 * i));
      h.set([6.5, -7, 6, -0, 1 / 256], offset + 5 * stride);
      h[offset + 7 * stride + N - 2] = -6.25; // in the last pair of its row (after the groups of eight when N % 8 ≥ 2)
      const a = Float64Array.from({ length: N + 2 }, (_, i) => Math.cos(0.9 * i)),
        y = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
      const run = (f: (x: Parameters<typeof readoutInto>[0]) => number) => {
        const hh = h.slice();
        const out = { pred: new Float64Array(n), res: new Float64Array(n), grad: new Float64Array(N + 4).fill(5) };
        const loss = f({
          n,
          width: N,
          outputs: 1,
          stride,
          offset,
          a,
          aOffset: 2,
          y,
          gradOffset: 4,
          ...out,
          delta: hh,
          h: hh,
          activation: 'erf',
        });
        return { loss, ...out, hh };
      };
      const ours = run(wasmReadout),
        ref = run(readoutInto);
      expect(ours.loss).toBe(ref.loss);
      for (const k of ['pred', 'res', 'grad', 'hh'] as const) {
        let bad = 0;
        for (let i = 0; i < ref[k].length; i++) if (!Object.is(ours[k][i], ref[k][i])) bad++;
        expect(bad, k).toBe(0);
      }
    },
  );
});
