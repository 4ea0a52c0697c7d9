/**
 * @sftdl/backend-tfjs — a float32 `ComputeBackend` on tfjs-core (engines: tfjs-node, wasm, cpu).
 * @packageDocumentation
 */

// ── Creating a backend on an engine, probing engines ──────────────────────────────────────────────────
export type { CreateTfjsBackendOptions, TfjsEngine } from './backend';
export { createTfjsBackend, probeTfjsEngine } from './backend';

// ── The provider (for `selectBackend({ providers })`) ─────────────────────────────────────────────────
export { provider } from './backend';
