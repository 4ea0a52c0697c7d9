import { LANGEVIN_NOISE_STREAM, type ComputeBackend, langevinNormalsInto, referenceBackend } from '@sftdl/compute';
import { fold, key } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { noiseGenerator } from './noise';

describe('noiseGenerator', () => {
  it("uses compute's stream without a native generator, the backend's when it has one", () => {
    expect(noiseGenerator(referenceBackend)).toBe(langevinNormalsInto);
    const calls: number[][] = [];
    const fake = {
      ...referenceBackend,
      normals(k0: number, k1: number, out: Float64Array) {
        calls.push([k0, k1, out.length]);
        out.fill(7);
      },
    } as ComputeBackend;
    const out = new Float64Array(3);
    const k = fold(key(5), 9);
    noiseGenerator(fake)(k.k0, k.k1, out);
    expect(calls).toEqual([[k.k0, k.k1, 3]]);
    expect(Array.from(out)).toEqual([7, 7, 7]);
    expect(LANGEVIN_NOISE_STREAM).toBe(2);
  });
});
