import { fold, key, normal } from '@sftdl/field';
import { wasmPhiloxAvailable } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { normalInto, normalIntoTs } from './noise';

describe('normalInto', () => {
  it('uses the WebAssembly Philox kernel in Node', () => {
    expect(wasmPhiloxAvailable()).toBe(true);
  });
  it("is bit-identical to field's normal (odd and even lengths, several keys, counters past 2^16)", () => {
    for (const [seed, len] of [
      [0, 1],
      [1, 7],
      [2, 1000],
      [3, 200001],
      [4, 2 * 65536 + 3],
    ] as const) {
      const k = fold(key(seed), 12345);
      const want = normal(k, len);
      for (const f of [normalInto, normalIntoTs]) {
        const got = new Float64Array(len);
        f(k.k0, k.k1, got);
        let diff = 0;
        for (let i = 0; i < len; i++) if (!Object.is(got[i], want[i])) diff++;
        expect(diff).toBe(0);
      }
    }
  });
});
