import {
  type BackendProbe,
  type BackendProvider,
  type CholeskyOptions,
  type ComputeBackend,
  type EighResult,
  type GramOptions,
  type Mat,
  type MatmulOptions,
  BackendUnavailableError,
  ConvergenceError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  SftdlError,
  assertFinite,
  assertProductFinite,
  assertSquare,
  checkAlpha,
  matmulDims,
  powerOfTwoScale,
  referenceBackend,
  suggestJitter,
} from '@sftdl/compute';
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';

const NAME = 'ml-matrix';
/** ml-matrix version this package is built and tested against. */
const ML_MATRIX_VERSION = '6.15.1';

function toMatrix(m: Mat): Matrix {
  const out = new Matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.set(i, j, m.data[i * m.cols + j]!);
  return out;
}

function fromMatrix(x: Matrix, alpha = 1): Mat {
  const rows = x.rows,
    cols = x.columns;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = alpha * x.get(i, j);
  return { rows, cols, data };
}

/** Symmetric ml-matrix built from the lower triangle of `a`, with `shift` added to the diagonal. */
function symmetricFromLower(a: Mat, shift = 0): Matrix {
  const n = a.rows;
  const out = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = a.data[i * n + j]!;
      out.set(i, j, v);
      out.set(j, i, v);
    }
    out.set(i, i, a.data[i * n + i]! + shift);
  }
  return out;
}

function matmul(a: Mat, b: Mat, o: MatmulOptions = {}): Mat {
  const { m, n, k, alpha, transA: ta, transB: tb } = matmulDims(a, b, o);
  assertFinite(a, 'matmul: A');
  assertFinite(b, 'matmul: B');
  if (m === 0 || n === 0 || k === 0) return { rows: m, cols: n, data: new Float64Array(m * n) };
  const A = toMatrix(ta ? referenceBackend.transpose(a) : a);
  const B = toMatrix(tb ? referenceBackend.transpose(b) : b);
  const out = fromMatrix(
    guard('matmul', () => A.mmul(B)),
    alpha,
  );
  assertProductFinite(out.data, out.cols, 'matmul');
  return out;
}

/**
 * Runs an ml-matrix call and turns anything it throws (TypeError from inside the library, RangeError…) into a typed
 * error: the contract allows only sftdl errors out of a backend.
 */
function guard<T>(op: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (SftdlError.isInstance(e)) throw e;
    throw new ConvergenceError({
      what: `${op} (ml-matrix)`,
      iterations: 0,
      residual: NaN,
      tolerance: 0,
      detail: `ml-matrix failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      hint: 'rescale the matrix, or use the reference backend',
    });
  }
}

function gram(a: Mat, o: GramOptions = {}): Mat {
  const alpha = checkAlpha(o.alpha, 'gram');
  const trans = o.trans ?? false;
  const g = matmul(a, a, trans ? { transA: true, alpha } : { transB: true, alpha });
  const n = g.rows,
    d = g.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[j * n + i] = d[i * n + j]!;
  return g;
}

function cholesky(a: Mat, o: CholeskyOptions = {}): Mat {
  assertSquare(a, 'cholesky: A');
  const jitter = o.jitter ?? 0;
  if (!Number.isFinite(jitter) || jitter < 0)
    throw new InvalidArgumentError(`jitter must be a finite non-negative number, got ${jitter}`);
  assertFinite(a, 'cholesky: A');
  const n = a.rows;
  if (n === 0) return { rows: 0, cols: 0, data: new Float64Array(0) };
  // ml-matrix insists on exact symmetry and reads both triangles: symmetrise from the lower triangle.
  const sym = symmetricFromLower(a, jitter);
  const dec = guard('cholesky', () => new CholeskyDecomposition(sym));
  const L = dec.lowerTriangularMatrix;
  if (!dec.isPositiveDefinite()) {
    // ml-matrix only clamps the failing pivot to 0 and carries on; recover the first failing pivot and its value.
    let pivot = 0;
    while (pivot < n && L.get(pivot, pivot) > 0 && Number.isFinite(L.get(pivot, pivot))) pivot++;
    let value = sym.get(pivot, pivot);
    for (let k = 0; k < pivot; k++) value -= L.get(pivot, k) ** 2;
    let maxDiag = 0;
    for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a.data[i * n + i]!));
    throw new NotPositiveDefiniteError({
      pivot,
      backend: NAME,
      suggestedJitter: suggestJitter(maxDiag, value, jitter),
      detail: `pivot value ${value.toExponential(3)}`,
    });
  }
  return fromMatrix(L);
}

function eigh(a: Mat): EighResult {
  assertSquare(a, 'eigh: A');
  assertFinite(a, 'eigh: A');
  const n = a.rows;
  if (n === 0) return { values: new Float64Array(0), vectors: { rows: 0, cols: 0, data: new Float64Array(0) } };
  // JAMA's tql2 underflows on tiny entries (wrong eigenvalues, then a TypeError) and overflows on huge ones: work on
  // A·2^k with the largest entry of order 1 (exact), scale the eigenvalues back.
  const scale = powerOfTwoScale(a.data, n);
  const sym = symmetricFromLower(a);
  if (scale !== 1) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym.set(i, j, sym.get(i, j) * scale);
  const dec = guard('eigh', () => new EigenvalueDecomposition(sym, { assumeSymmetric: true }));
  const d = dec.realEigenvalues.map((v) => v / scale);
  const V = dec.eigenvectorMatrix;
  for (const v of d) {
    if (!Number.isFinite(v)) {
      throw new ConvergenceError({
        what: 'eigh (ml-matrix tql2)',
        iterations: 30 * n,
        residual: Infinity,
        tolerance: Number.EPSILON,
        hint: 'rescale the matrix or use the reference backend',
      });
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i]! - d[j]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = d[src]!;
    // same deterministic sign convention as the reference backend: largest-magnitude component positive
    let big = 0,
      sign = 1;
    for (let r = 0; r < n; r++) {
      const z = V.get(r, src);
      if (Math.abs(z) > big) {
        big = Math.abs(z);
        sign = z < 0 ? -1 : 1;
      }
    }
    for (let r = 0; r < n; r++) vectors[r * n + k] = sign * V.get(r, src);
  });
  return { values, vectors: { rows: n, cols: n, data: vectors } };
}

/**
 * float64 backend on [ml-matrix](https://github.com/mljs/matrix) (JAMA-style algorithms on arrays of rows).
 *
 * matmul, gram, Cholesky and eigh run in ml-matrix; triangular solves, logdet and the elementwise ops, which
 * ml-matrix does not provide in a form that fits the contract, use the reference backend's host code.
 *
 * *When to use*: as an independent float64 implementation to cross-check results, or where ml-matrix is already
 * a dependency. The reference backend is faster (blocked, packed kernels).
 *
 * *Gotchas*: ml-matrix's Cholesky needs exact symmetry and silently clamps non-positive pivots; this backend
 * symmetrises from the lower triangle first and turns a failed factorisation into `NotPositiveDefiniteError`.
 *
 * @example
 * ```ts
 * import { fromRows } from '@sftdl/compute';
 * import { mlMatrixBackend } from '@sftdl/backend-ml-matrix';
 * const L = mlMatrixBackend.cholesky(fromRows([[4, 2], [2, 3]])); // [[2, 0], [1, √2]]
 * ```
 */
export const mlMatrixBackend: ComputeBackend = Object.freeze({
  specificationVersion: 'v1' as const,
  name: NAME,
  precision: 'float64' as const,
  info: Object.freeze({ library: 'ml-matrix', version: ML_MATRIX_VERSION }),
  matmul,
  gram,
  cholesky,
  eigh,
  triangularSolve: referenceBackend.triangularSolve,
  choleskySolve: referenceBackend.choleskySolve,
  choleskyLogDet: referenceBackend.choleskyLogDet,
  map: referenceBackend.map,
  binary: referenceBackend.binary,
  affine: referenceBackend.affine,
  reduce: referenceBackend.reduce,
  transpose: referenceBackend.transpose,
});

/**
 * `selectBackend` provider of {@link mlMatrixBackend}: float64, always available (pure JavaScript).
 *
 * Priority −10: below the reference backend (0), which is faster (~4× on Cholesky at n = 2000), so automatic
 * selection never prefers it; ask for it by name (`prefer: 'ml-matrix'`).
 *
 * @example
 * ```ts
 * import { selectBackend } from '@sftdl/compute';
 * import { provider } from '@sftdl/backend-ml-matrix';
 * const { backend } = await selectBackend({ prefer: 'ml-matrix', providers: [provider] }); // ml-matrix
 * ```
 */
export const provider: BackendProvider = Object.freeze({
  name: NAME,
  precisions: Object.freeze(['float64'] as const),
  priority: -10,
  probe: async (): Promise<BackendProbe> => ({
    name: NAME,
    precision: ['float64'],
    available: true,
    engine: `ml-matrix ${ML_MATRIX_VERSION}`,
  }),
  create: async ({ precision }: { precision: 'float64' | 'float32' }): Promise<ComputeBackend> => {
    if (precision !== 'float64')
      throw new BackendUnavailableError({ backend: NAME, reason: `computes in float64 only (asked for ${precision})` });
    return mlMatrixBackend;
  },
});
