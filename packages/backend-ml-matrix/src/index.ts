/**
 * @sftdl/backend-ml-matrix — a float64 `ComputeBackend` on ml-matrix.
 * @packageDocumentation
 */

// ── The backend and its provider (for `selectBackend({ providers })`) ─────────────────────────────────
export { mlMatrixBackend, provider } from './backend';
