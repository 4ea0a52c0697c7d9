export type {
  BackendProbe, BackendProvider, BinaryOp, CholeskyOptions, ComputeBackend, EighResult, GramOptions, LangevinUpdateArgs, MatmulOptions,
  Precision, ReduceAxis, ReduceOp, TriangularSolveOptions, UnaryOp,
} from './backend';
export { UNARY_OPS, matmulInto } from './backend';
export {
  BackendUnavailableError, ConvergenceError, InvalidArgumentError, NotPositiveDefiniteError, SftdlError, ShapeError,
} from './errors';
export type { Mat } from './mat';
export { assertFinite, assertShape, assertSquare, at, clone, colVec, eye, fromRows, mat, toRows, transpose, zeros } from './mat';
export { assertProductFinite, referenceBackend, suggestJitter, unaryScalar } from './reference';
export { listBackends, referenceProvider, selectBackend } from './select';
export type { SelectBackendOptions, SelectBackendResult } from './select';
export { erf, erfc, erfcx, normalCdf, normalPdf } from './special';
export type { ActivationName } from './activations';
export {
  ACTIVATION_NAMES, TWO_OVER_SQRT_PI, activateInto, activationDerivative, activationFunction, erfPrime, fastErf, fastErfTable,
} from './activations';
export { powerOfTwoScale, tridiagonalEigenvalues } from './linalg';
export { eigenvaluesDescending } from './spectrum';
export type { ReadoutArgs } from './readout';
export { readoutInto } from './readout';
export type { MatmulDims } from './validate';
export { checkAlpha, checkJitter, matmulDims } from './validate';
export { PHILOX_CHUNK, philoxUniformPairs, wasmPhiloxAvailable } from './wasm/philox';
