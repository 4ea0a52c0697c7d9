// The float32 reference backend's fused two-layer step (compute's referenceBackend32().twoLayerBatch, one WebAssembly
// module) changes speed, not numbers: a seeded Langevin run gives the bits of the same backend without it (the
// separate matmul / readout / matmul calls), for one chain and for a batched ensemble.
import { type ComputeBackend, referenceBackend32 } from '@sftdl/compute';
import { fold, key, normalMat } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { LangevinSampler } from './langevin';
import { twoLayerNet } from './models';

function run(backend: ComputeBackend, chains: number, spent: { calls: number }) {
  const counted: ComputeBackend = backend.twoLayerBatch
    ? {
        ...backend,
        twoLayerBatch: (a) => {
          spent.calls++;
          backend.twoLayerBatch!(a);
        },
      }
    : backend;
  const k = key(78);
  // n, d and the width are not multiples of the kernel's blocks; several inputs large enough for |h| ≥ 6
  const x = normalMat(fold(k, 1), 203, 11),
    y = normalMat(fold(k, 2), 203, 1);
  for (let i = 0; i < 203; i += 17) x.data[i * 11] = 9;
  const model = twoLayerNet({ dim: 11, width: 19, activation: 'erf', backend: counted });
  const r = new LangevinSampler({ model, x, y, sigma2: 0.5, key: fold(k, 3), steps: 25, burnIn: 5, chains, workers: 1 }).run();
  const { diagnostics: _d, ...rest } = r as unknown as Record<string, unknown>;
  return JSON.stringify(rest);
}

describe('float32 reference backend: the fused two-layer step changes speed, not numbers', () => {
  for (const chains of [1, 3])
    it(`${chains} chain(s): a seeded run gives the bits of the separate calls`, () => {
      const be = referenceBackend32();
      const spent = { calls: 0 };
      const fused = run(be, chains, spent);
      expect(spent.calls).toBeGreaterThan(0); // the fused step really ran
      const plain = run({ ...be, twoLayerBatch: undefined } as ComputeBackend, chains, { calls: 0 });
      expect(fused).toBe(plain);
    });
});
