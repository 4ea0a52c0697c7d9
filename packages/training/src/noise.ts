import { type ComputeBackend, langevinNormalsInto } from '@sftdl/compute';

/**
 * The sampler's noise generator for a backend: its native `normals` where it has one, else compute's
 * `langevinNormalsInto`. Both produce the Langevin noise stream (compute's LANGEVIN_NOISE_STREAM) bit for bit, so a
 * run's numbers do not depend on whether the native addon is present.
 */
export function noiseGenerator(backend: ComputeBackend): (k0: number, k1: number, out: Float64Array) => void {
  const native = backend.normals;
  return native ? (k0, k1, out) => native.call(backend, k0, k1, out) : langevinNormalsInto;
}
