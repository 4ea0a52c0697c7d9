import { langevinNormalsInto } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { loadAddon } from './addon';
import { createOpenblasBackend, isOpenblasAvailable } from './index';

function diffs(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) d++;
  return d;
}

describe.skipIf(!isOpenblasAvailable())('native Langevin noise stream', () => {
  it("is bit-identical to compute's langevinNormalsInto on every instruction set (odd, even, short and long)", () => {
    const loaded = loadAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    for (const [k0, k1, n] of [
      [0, 0, 1],
      [1, 2, 15],
      [3, 4, 16],
      [5, 6, 17],
      [0xffffffff, 0x80000000, 1001],
      [9, 10, 2 * 65536 + 3],
    ] as const) {
      const want = new Float64Array(n);
      langevinNormalsInto(k0, k1, want);
      for (const isa of [2, 0]) {
        const got = new Float64Array(n);
        loaded.addon.normals(k0, k1, got, isa);
        expect(diffs(got, want)).toBe(0);
      }
    }
  });

  it("is the backend's normals (keys taken as unsigned 32-bit words)", () => {
    const b = createOpenblasBackend({ precision: 'float32', threads: 1 });
    const got = new Float64Array(33),
      want = new Float64Array(33);
    b.normals!(-1, 7, got);
    langevinNormalsInto(0xffffffff, 7, want);
    expect(diffs(got, want)).toBe(0);
    expect(() => b.normals!(1, 2, [] as unknown as Float64Array)).toThrow(/Float64Array/);
  });
});
