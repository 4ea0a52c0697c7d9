import { describe, expect, it } from 'vitest';
import { gemmStrided } from '../gemm';
import { referenceBackend } from '../reference';
import { wasmGemmAvailable, wasmGemmStrided } from './gemm';
import { philoxUniformPairs, wasmPhiloxAvailable } from './philox';

const grid = (len: number, s: number) =>
  Float64Array.from({ length: len }, (_, i) => 3 * Math.sin(0.731 * i + s) * Math.cos(0.0173 * i * s));

describe('WebAssembly SIMD GEMM', () => {
  it('is available in Node', () => {
    expect(wasmGemmAvailable()).toBe(true);
  });

  it('equals the TypeScript gemmStrided bit for bit (transposes, edges, several KC/MC/NC blocks, offsets, accumulate)', () => {
    const shapes = [
      [33, 17, 300, 0, 1],
      [5, 7, 2000, 1, 0],
      [130, 2050, 9, 0, 0],
      [257, 61, 513, 1, 1],
      [64, 64, 64, 0, 0],
    ] as const;
    for (const [m, n, k, ta, tb] of shapes) {
      const A = grid(m * k + 3, 1),
        B = grid(k * n + 5, 2);
      const ars = ta ? 1 : k,
        acs = ta ? m : 1,
        brs = tb ? 1 : n,
        bcs = tb ? k : 1;
      const ldc = n + 2;
      const C1 = grid(m * ldc + 1, 3),
        C2 = C1.slice();
      gemmStrided(m, n, k, 0.7, A, 3, ars, acs, B, 5, brs, bcs, C1, 1, ldc);
      expect(wasmGemmStrided(m, n, k, 0.7, A, 3, ars, acs, B, 5, brs, bcs, C2, 1, ldc)).toBe(true);
      let bad = 0;
      for (let i = 0; i < C1.length; i++) if (!Object.is(C1[i], C2[i])) bad++;
      expect(bad).toBe(0);
      // fresh (zero) output: the copy-in is skipped
      const Z1 = new Float64Array(m * n),
        Z2 = new Float64Array(m * n);
      gemmStrided(m, n, k, -1.3, A, 3, ars, acs, B, 5, brs, bcs, Z1, 0, n);
      expect(wasmGemmStrided(m, n, k, -1.3, A, 3, ars, acs, B, 5, brs, bcs, Z2, 0, n, true)).toBe(true);
      for (let i = 0; i < Z1.length; i++) if (!Object.is(Z1[i], Z2[i])) bad++;
      expect(bad).toBe(0);
    }
  });

  it('agrees with a plain triple loop within rounding, and the reference backend uses it', () => {
    const m = 70,
      n = 90,
      k = 110;
    const a = { rows: k, cols: m, data: grid(m * k, 4) },
      b = { rows: n, cols: k, data: grid(k * n, 5) };
    const c = referenceBackend.matmul(a, b, { transA: true, transB: true, alpha: 2 });
    let worst = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0,
          sa = 0;
        for (let p = 0; p < k; p++) {
          const t = a.data[p * m + i]! * b.data[j * k + p]!;
          s += t;
          sa += Math.abs(t);
        }
        worst = Math.max(worst, Math.abs(c.data[i * n + j]! - 2 * s) / (2 * sa));
      }
    expect(worst).toBeLessThan(k * 2 ** -52);
  });

  it('declines problems below its size threshold (the caller runs TypeScript)', () => {
    expect(wasmGemmStrided(2, 2, 2, 1, grid(4, 1), 0, 2, 1, grid(4, 2), 0, 2, 1, new Float64Array(4), 0, 2)).toBe(false);
  });
});

describe('WebAssembly Philox', () => {
  it('matches an independent BigInt Philox4x32-10 (Salmon et al. 2011) and the uniform mapping', () => {
    expect(wasmPhiloxAvailable()).toBe(true);
    const M0 = 0xd2511f53n,
      M1 = 0xcd9e8d57n,
      W0 = 0x9e3779b9n,
      W1 = 0xbb67ae85n,
      MASK = 0xffffffffn;
    const block = (ctr: bigint[], key: bigint[]) => {
      let [x0, x1, x2, x3] = ctr as [bigint, bigint, bigint, bigint];
      let [k0, k1] = key as [bigint, bigint];
      for (let r = 0; r < 10; r++) {
        const p0 = M0 * x0,
          p1 = M1 * x2;
        [x0, x1, x2, x3] = [((p1 >> 32n) ^ x1 ^ k0) & MASK, p1 & MASK, ((p0 >> 32n) ^ x3 ^ k1) & MASK, p0 & MASK];
        k0 = (k0 + W0) & MASK;
        k1 = (k1 + W1) & MASK;
      }
      return [x0, x1, x2, x3].map(Number) as [number, number, number, number];
    };
    // known-answer vector of the Random123 distribution: counter 0, key 0 → 6627e8d5 e169c58d bc57ac4c 9b00dbd8
    expect(block([0n, 0n, 0n, 0n], [0n, 0n])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const k0 = 0x12345678,
      k1 = 0x9abcdef0;
    const u = philoxUniformPairs(k0, k1, 1000, 50)!;
    for (let q = 0; q < 50; q++) {
      const [x0, x1, x2, x3] = block([BigInt(1000 + q), 0n, 0n, 0n], [BigInt(k0), BigInt(k1)]);
      expect(u[2 * q]).toBe(((x0 >>> 5) * 67108864 + (x1 >>> 6) + 0.5) / 2 ** 53);
      expect(u[2 * q + 1]).toBe(((x2 >>> 5) * 67108864 + (x3 >>> 6) + 0.5) / 2 ** 53);
    }
  });
});
