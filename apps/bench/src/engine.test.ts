// The engine's native shortcuts change speed, never numbers: a seeded Langevin run on the openblas backend gives the
// same bits with its fused two-layer step and native noise stream as with the separate backend calls and compute's
// TypeScript noise (the path a machine without those kernels takes). Lives here because the bench is the package that
// depends on both the backend and the sampler.
import { createOpenblasBackend, isOpenblasAvailable } from '@sftdl/backend-openblas';
import type { ComputeBackend } from '@sftdl/compute';
import { fold, key, normalMat } from '@sftdl/field';
import { LangevinSampler, twoLayerNet } from '@sftdl/training';
import { describe, expect, it } from 'vitest';
import { profiledBackend } from './suites/langevin';

function run(backend: ComputeBackend, chains: number) {
  const k = key(77);
  const x = normalMat(fold(k, 1), 300, 12),
    y = normalMat(fold(k, 2), 300, 1);
  const model = twoLayerNet({ dim: 12, width: 21, activation: 'erf', backend, hostLimit: 0 });
  const r = new LangevinSampler({ model, x, y, sigma2: 0.5, key: fold(k, 3), steps: 60, burnIn: 20, chains, workers: 1 }).run();
  const { engine, diagnostics: _d, ...rest } = r as unknown as Record<string, unknown> & { engine: Record<string, string> };
  return { engine, numbers: JSON.stringify(rest) };
}

describe.skipIf(!isOpenblasAvailable())('engine: native kernels change speed, not numbers', () => {
  for (const precision of ['float32', 'float64'] as const)
    it(`${precision}: fused step + native noise give the bits of separate calls + TypeScript noise`, () => {
      const be = createOpenblasBackend({ precision, threads: 1 });
      const spent: Record<string, number> = {};
      const fast = run(profiledBackend(be, spent), 3);
      const plain = run({ ...be, twoLayerBatch: undefined, normals: undefined } as ComputeBackend, 3);
      expect(fast.engine.noise).toBe('native');
      expect(plain.engine.noise).not.toBe('native');
      expect(spent.fusedStep).toBeGreaterThan(0); // the fused path really ran
      expect(spent.noise).toBeGreaterThan(0);
      expect(fast.numbers).toBe(plain.numbers);
    });
});
