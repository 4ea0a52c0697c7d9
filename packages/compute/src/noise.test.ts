import { describe, expect, it } from 'vitest';
import fixture from '../test/fixtures/noise_stream.json';
import { LANGEVIN_NOISE_STREAM, langevinNormalsInto, langevinNormalsIntoTs, streamBoxMuller, streamLog } from './noise';
import { wasmPhiloxAvailable } from './wasm/philox';

function draw(f: typeof langevinNormalsInto, k0: number, k1: number, n: number): Float64Array {
  const out = new Float64Array(n);
  f(k0, k1, out);
  return out;
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) diff++;
  return diff + Math.abs(a.length - b.length);
}

describe('Langevin noise stream', () => {
  it('is version 2 and uses the WebAssembly Philox kernel in Node', () => {
    expect(LANGEVIN_NOISE_STREAM).toBe(fixture.stream);
    expect(wasmPhiloxAvailable()).toBe(true);
  });

  it('reproduces an independent Python implementation bit for bit (test/fixtures/gen_noise_stream.py)', () => {
    for (const c of fixture.cases) {
      const n = c.start + c.values.length;
      for (const f of [langevinNormalsInto, langevinNormalsIntoTs]) {
        const got = draw(f, c.k0, c.k1, n).subarray(c.start);
        expect(sameBits(got, c.values)).toBe(0);
        // and the textbook transform (libm log, cos, sin) of the same uniforms to a few ulps
        c.textbook.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-14 * Math.max(1, Math.abs(v))));
      }
    }
  });

  it('gives the same bits with and without WebAssembly (odd and even lengths, counters past one chunk)', () => {
    // (the kernel draws four counter blocks at a time with SIMD and the rest one at a time: lengths around multiples
    // of 8 normals, and chunks that end off that grid)
    for (const [k0, k1, n] of [
      [1, 2, 1],
      [3, 4, 7],
      [5, 6, 8],
      [7, 8, 9],
      [11, 12, 15],
      [13, 14, 16],
      [15, 16, 17],
      [17, 18, 2 * 65536 + 10],
      [0xffffffff, 0x80000000, 1000],
      [9, 10, 2 * 65536 + 3],
    ] as const)
      expect(sameBits(draw(langevinNormalsInto, k0, k1, n), draw(langevinNormalsIntoTs, k0, k1, n))).toBe(0);
  });

  it('has log, cos and sin accurate to a few ulps (against Math.log, Math.cos, Math.sin)', () => {
    let maxLog = 0;
    for (let i = 1; i <= 20000; i++) {
      const u = (i / 20001) ** (1 + (i % 40));
      maxLog = Math.max(maxLog, Math.abs(streamLog(u) - Math.log(u)) / Math.abs(Math.log(u)));
    }
    expect(maxLog).toBeLessThan(1e-15);
    expect(streamLog(1)).toBe(0);
    const out = new Float64Array(2);
    let maxTrig = 0;
    for (let i = 0; i < 20000; i++) {
      const u2 = (i + 0.5) / 20000;
      streamBoxMuller(Math.exp(-0.5), u2, out, 0, 2); // ρ = 1
      maxTrig = Math.max(maxTrig, Math.abs(out[0]! - Math.cos(2 * Math.PI * u2)), Math.abs(out[1]! - Math.sin(2 * Math.PI * u2)));
    }
    expect(maxTrig).toBeLessThan(2e-15);
  });

  it('is standard normal: moments, tail fractions and lag-1 correlation of 400k draws within 5 standard errors', () => {
    const n = 400000;
    const z = draw(langevinNormalsInto, 0x1234, 0x5678, n);
    let m1 = 0,
      m2 = 0,
      m3 = 0,
      m4 = 0,
      lag = 0,
      below = 0;
    for (let i = 0; i < n; i++) {
      const v = z[i]!;
      m1 += v;
      m2 += v * v;
      m3 += v * v * v;
      m4 += v * v * v * v;
      if (i > 0) lag += v * z[i - 1]!;
      if (v < -1.959963984540054) below++;
    }
    const se = (s: number) => 5 * Math.sqrt(s / n);
    expect(Math.abs(m1 / n)).toBeLessThan(se(1));
    expect(Math.abs(m2 / n - 1)).toBeLessThan(se(2));
    expect(Math.abs(m3 / n)).toBeLessThan(se(15));
    expect(Math.abs(m4 / n - 3)).toBeLessThan(se(96));
    expect(Math.abs(lag / (n - 1))).toBeLessThan(se(1));
    expect(Math.abs(below / n - 0.025)).toBeLessThan(se(0.025 * 0.975));
  });
});
