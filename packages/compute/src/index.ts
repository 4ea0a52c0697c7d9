/**
 * @sftdl/compute — the boundary every sftdl package shares: the `Mat` type, the `ComputeBackend` v1 contract with
 * its pure-TypeScript float64 reference backend, typed errors, special functions and activations.
 * Backends are passed explicitly (`{ backend }` options, default `referenceBackend`); nothing is global.
 * @packageDocumentation
 */

// ── Matrices (row-major float64 `Mat`) ─────────────────────────────────────────────────────────────────────
export type { Mat } from './mat';
export {
  assertFinite,
  assertShape,
  assertSquare,
  at,
  clone,
  colVec,
  eye,
  fromRows,
  mat,
  matVec,
  toRows,
  transpose,
  zeros,
} from './mat';

// ── Errors (one base class, typed subclasses; messages say what to change) ──────────────────────────────────
export {
  BackendUnavailableError,
  ConvergenceError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  SftdlError,
  ShapeError,
} from './errors';

// ── The backend contract (ComputeBackend v1) ────────────────────────────────────────────────────────────────
export type {
  BackendProbe,
  BackendProvider,
  BinaryOp,
  CholeskyOptions,
  ComputeBackend,
  EighResult,
  GramOptions,
  LangevinUpdateArgs,
  MatmulOptions,
  Precision,
  ReduceAxis,
  ReduceOp,
  TriangularSolveOptions,
  TwoLayerBatchArgs,
  UnaryOp,
} from './backend';
export { UNARY_OPS, matmulInto } from './backend';
export type { MatmulDims } from './validate';
export { checkAlpha, checkJitter, checkTwoLayerBatch, matmulDims } from './validate';

// ── The reference backend and backend selection ─────────────────────────────────────────────────────────────
export { assertProductFinite, referenceBackend, suggestJitter, unaryScalar } from './reference';
export { referenceBackend32, referenceFloat32Available } from './reference32';
export type { SelectBackendOptions, SelectBackendResult } from './select';
export { listBackends, referenceProvider, selectBackend } from './select';

// ── Linear algebra helpers on top of a backend ──────────────────────────────────────────────────────────────
export { eigenvaluesDescending } from './spectrum';
export { powerOfTwoScale, tridiagonalEigenvalues } from './linalg';

// ── Special functions ───────────────────────────────────────────────────────────────────────────────────────
export { erf, erfc, erfcx, normalCdf, normalPdf } from './special';

// ── Activations (φ, φ′, fast erf) and the fused readout ─────────────────────────────────────────────────────
export type { ActivationName } from './activations';
export {
  ACTIVATION_NAMES,
  TWO_OVER_SQRT_PI,
  activateInto,
  activationDerivative,
  activationFunction,
  erfPrime,
  fastErf,
  fastErfTable,
} from './activations';
export type { ReadoutArgs } from './readout';
export { readoutInto, twoLayerBatchBySeparateCalls } from './readout';

// ── WebAssembly kernels (Philox integer stream for the Langevin noise) ───────────────────────────────────────────────
export { PHILOX_CHUNK, philoxUniformPairs, wasmPhiloxAvailable } from './wasm/philox';
// ── The Langevin noise stream (Philox4x32-10 + an exactly portable Box–Muller; native backends reproduce its bits) ──
export { LANGEVIN_NOISE_STREAM, langevinNormalsInto, langevinNormalsIntoTs } from './noise';
export { philox4x32 } from './philox';
