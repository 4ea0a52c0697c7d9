/**
 * @sftdl/backend-openblas — the ComputeBackend on OpenBLAS/LAPACKE through an optional N-API addon, with native
 * AVX-512/AVX2 kernels for the activations, the fused readout and the Langevin update.
 * @packageDocumentation
 */

// ── The backend ───────────────────────────────────────────────────────────────────────────────────────────────────
export { createOpenblasBackend, openblasGemmSeconds } from './backend';
export type { GemmShape, OpenblasBackendOptions } from './backend';

// ── Detection and the provider for selectBackend ──────────────────────────────────────────────────────────────────
export { isOpenblasAvailable, probeOpenblas, provider } from './provider';
