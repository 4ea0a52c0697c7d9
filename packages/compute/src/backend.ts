import type { ActivationName } from './activations';
import { ShapeError } from './errors';
import type { Mat } from './mat';
import type { ReadoutArgs } from './readout';

/** Numeric precision a backend computes in. Boundary values are always float64 arrays. */
export type Precision = 'float64' | 'float32';

/** Elementwise unary maps every backend implements (activations and their derivatives included). */
export type UnaryOp =
  | 'identity'
  | 'neg'
  | 'abs'
  | 'square'
  | 'sqrt'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'erf'
  | 'relu'
  | 'step'
  | 'sigmoid'
  | 'softplus'
  | 'gelu'
  | 'erfDeriv'
  | 'tanhDeriv'
  | 'sigmoidDeriv';

/** The unary ops, as a runtime list (for validation and docs). */
export const UNARY_OPS: readonly UnaryOp[] = [
  'identity',
  'neg',
  'abs',
  'square',
  'sqrt',
  'exp',
  'log',
  'log1p',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'erf',
  'relu',
  'step',
  'sigmoid',
  'softplus',
  'gelu',
  'erfDeriv',
  'tanhDeriv',
  'sigmoidDeriv',
];

/** Elementwise binary ops on equal shapes (or a 1×cols row / rows×1 column broadcast on `b`). */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

/** Reduction kinds. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'sumsq';

/** `rows`: reduce along each row (result length = rows); `cols`: along each column (length = cols); `all`: length 1. */
export type ReduceAxis = 'rows' | 'cols' | 'all';

export interface MatmulOptions {
  /** Use Aᵀ instead of A. */
  transA?: boolean;
  /** Use Bᵀ instead of B. */
  transB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
}

export interface GramOptions {
  /** false (default): A·Aᵀ (rows × rows). true: Aᵀ·A (cols × cols). */
  trans?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
}

export interface CholeskyOptions {
  /** Added to the diagonal before factorising (default 0). Never added silently. */
  jitter?: number;
}

export interface TriangularSolveOptions {
  /** The factor is lower triangular (default true). */
  lower?: boolean;
  /** Solve with the transpose of the factor (default false). */
  trans?: boolean;
}

/** Result of a symmetric eigendecomposition: A = V diag(values) Vᵀ. */
export interface EighResult {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Orthonormal eigenvectors as columns: column k belongs to values[k]. */
  vectors: Mat;
}

/**
 * Arguments of {@link ComputeBackend.twoLayerBatch}: C networks f = φ(X·Wᵀ)·a with parameters θ_c = (W [width, d]
 * row-major, then a [width]); writes ∇θ_c of ½Σ(f − y)² into grads[c], f into preds[c] and ½Σ(f − y)² into losses[c].
 */
export interface TwoLayerBatchArgs {
  /** Inputs [n, d]. */
  x: Mat;
  /** Targets (n entries, one output). */
  y: Float64Array;
  width: number;
  activation: ActivationName;
  params: readonly Float64Array[];
  grads: readonly Float64Array[];
  preds: readonly Float64Array[];
  losses: Float64Array;
}

/**
 * Arguments of {@link ComputeBackend.langevinUpdate}, for i < len: gᵢ ← gᵢ·invKappa + θᵢ·invVarᵢ (the loss gradient
 * becomes ∇U, written back), then Leimkuhler–Matthews (`xiPrev` given, c = √η/2):
 * θᵢ ← θᵢ − η·mᵢ·gᵢ + c·sᵢ·(ξₚᵢ + ξᵢ), ξₚᵢ ← ξᵢ; or Euler–Maruyama (no `xiPrev`, c = √η): θᵢ ← θᵢ − η·mᵢ·gᵢ + c·sᵢ·ξᵢ;
 * m the preconditioner, s = √(2m). Products and sums in exactly this order, no fused multiply-add.
 */
export interface LangevinUpdateArgs {
  len: number;
  theta: Float64Array;
  grad: Float64Array;
  xi: Float64Array;
  xiPrev?: Float64Array;
  invVar: Float64Array;
  m: Float64Array;
  sqrt2m: Float64Array;
  invKappa: number;
  eta: number;
  /** √η/2 (Leimkuhler–Matthews) or √η (Euler), computed by the caller. */
  noiseScale: number;
}

/**
 * The compute backend contract, version 1.
 *
 * Every op is pure: inputs are never mutated, outputs are new matrices. Every op validates shapes
 * (`ShapeError`) and rejects NaN/Inf inputs (`InvalidArgumentError`). Factorisations throw
 * `NotPositiveDefiniteError` with a suggested jitter. A float32 backend computes in float32 and
 * returns float64 arrays; it must meet float32 tolerances or throw, never return garbage.
 */
export interface ComputeBackend {
  readonly specificationVersion: 'v1';
  /** Stable backend name, e.g. 'reference', 'ml-matrix', 'tfjs', 'openblas'. */
  readonly name: string;
  readonly precision: Precision;
  /** Free-form details (engine, threads, library versions), reported by CLIs and benchmarks. */
  readonly info?: Readonly<Record<string, string | number | boolean>>;

  /** alpha · op(A) · op(B). */
  matmul(a: Mat, b: Mat, options?: MatmulOptions): Mat;
  /** alpha · A·Aᵀ (or Aᵀ·A with `trans`), exactly symmetric. */
  gram(a: Mat, options?: GramOptions): Mat;
  /** Lower Cholesky factor L of (A + jitter·I), A symmetric (only its lower triangle is read). */
  cholesky(a: Mat, options?: CholeskyOptions): Mat;
  /** Solves op(T)·X = B for triangular T. */
  triangularSolve(t: Mat, b: Mat, options?: TriangularSolveOptions): Mat;
  /** Solves (L·Lᵀ)·X = B given the lower Cholesky factor L. */
  choleskySolve(l: Mat, b: Mat): Mat;
  /** log det(L·Lᵀ) = 2 Σ log L_ii, from a lower Cholesky factor. */
  choleskyLogDet(l: Mat): number;
  /** Symmetric eigendecomposition (lower triangle read), ascending eigenvalues. */
  eigh(a: Mat): EighResult;

  /** Elementwise unary map. */
  map(a: Mat, op: UnaryOp): Mat;
  /** Elementwise binary op; `b` may be a 1×cols row or rows×1 column that is broadcast. */
  binary(a: Mat, b: Mat, op: BinaryOp): Mat;
  /** alpha·A + beta (scalar affine map). */
  affine(a: Mat, alpha: number, beta?: number): Mat;
  /** Row/column/all reductions. */
  reduce(a: Mat, op: ReduceOp, axis: ReduceAxis): Float64Array;
  /** Transpose. */
  transpose(a: Mat): Mat;
  /**
   * Optional native fused activation: φ(h[i]) → phi[i] and φ′(h[i]) → dphi[i] for i < len, in place, with the same
   * definitions as `activateInto` (erf from the same fast-erf table, with the same arithmetic: bit-identical values,
   * see `activateInto`), for any thread count. Backends without native kernels leave it
   * undefined and callers use `activateInto`. Inputs are not validated (hot path); h must be finite.
   */
  activate?(name: ActivationName, h: Float64Array, phi: Float64Array, dphi: Float64Array, len: number): void;
  /**
   * Optional native fused two-layer readout: the same outputs as `readoutInto` (predictions, residuals, φᵀr, the
   * hidden-layer signal (r·aᵀ) ⊙ φ′) and its return value ½Σr², possibly summed in another (fixed) order, so values
   * may differ from `readoutInto` by rounding but depend only on the arguments. Backends without it leave it
   * undefined and callers use `readoutInto`. Inputs are not validated (hot path).
   */
  readout?(args: ReadoutArgs): number;
  /**
   * Optional native fused Langevin update of one chain with a diagonal preconditioner (the arithmetic of
   * @sftdl/training's `langevinUpdateInto`, operation for operation, so float64 results are bit-identical).
   * Backends without it leave it undefined.
   */
  langevinUpdate?(args: LangevinUpdateArgs): void;
  /**
   * Optional native generator of the Langevin noise stream: writes `out.length` standard normals for the key words
   * (k0, k1), bit-identical to compute's `langevinNormalsInto` (stream version `LANGEVIN_NOISE_STREAM`). Backends
   * without it leave it undefined; samplers then call `langevinNormalsInto` (same numbers, slower).
   */
  normals?(k0: number, k1: number, out: Float64Array): void;
  /**
   * Optional fused loss and gradient of an ensemble of two-layer networks with one output (see
   * {@link TwoLayerBatchArgs}): the values of `matmul` (H = X·[W₁…W_C]ᵀ), `readout` per network with the fused
   * activation, and `matmul` (G = Dᵀ·X), in one call and without float64 intermediates in float32 mode. Backends
   * without it leave it undefined; callers then make those calls themselves (same numbers).
   */
  twoLayerBatch?(args: TwoLayerBatchArgs): void;
  /**
   * Optional `matmul` into a caller-owned buffer: the product's m·n entries are written to `out[0 … m·n)` (out may
   * be longer; ShapeError if shorter; it must not overlap A or B) and returned as a Mat viewing them. Same values and errors as `matmul`; saves
   * allocating (and faulting in) a fresh output in loops that multiply the same shapes every step. Callers use
   * compute's `matmulInto`, which falls back to `matmul` and a copy.
   */
  matmulInto?(a: Mat, b: Mat, out: Float64Array, options?: MatmulOptions): Mat;
}

/**
 * alpha·op(A)·op(B) written into `out` (length ≥ m·n) and returned as a Mat viewing its first m·n entries: the
 * backend's `matmulInto` where it has one, else its `matmul` and a copy (same values either way).
 *
 * *When to use*: hot loops that multiply the same shapes every step (the Langevin sampler's batched GEMMs).
 *
 * @example
 * ```ts
 * const out = new Float64Array(4);
 * matmulInto(referenceBackend, fromRows([[1, 2], [3, 4]]), eye(2), out).data; // out = [1, 2, 3, 4]
 * ```
 */
export function matmulInto(backend: ComputeBackend, a: Mat, b: Mat, out: Float64Array, options?: MatmulOptions): Mat {
  if (backend.matmulInto) return backend.matmulInto(a, b, out, options);
  const c = backend.matmul(a, b, options);
  if (out.length < c.data.length) {
    throw new ShapeError(`matmulInto: out has ${out.length} entries, the [${c.rows}, ${c.cols}] product needs ${c.data.length}`);
  }
  const view = out.length === c.data.length ? out : out.subarray(0, c.data.length);
  view.set(c.data);
  return { rows: c.rows, cols: c.cols, data: view };
}

/** Availability report of a backend on this machine. */
export interface BackendProbe {
  name: string;
  precision: readonly Precision[];
  available: boolean;
  /** Engine in use (tfjs: 'node' | 'wasm' | 'cpu'). */
  engine?: string;
  /** Why it is unavailable, with the command that fixes it. */
  reason?: string;
}

/**
 * How `selectBackend` discovers and creates a backend. Backend packages export one as `provider`.
 */
export interface BackendProvider {
  readonly name: string;
  readonly precisions: readonly Precision[];
  /** Higher is preferred when several are available (reference = 0, openblas = 100). */
  readonly priority: number;
  /** Checks availability without throwing. */
  probe(): Promise<BackendProbe>;
  /** Creates a backend; throws `BackendUnavailableError` if it cannot. */
  create(options: { precision: Precision }): Promise<ComputeBackend>;
}
