import type {
  BinaryOp,
  CholeskyOptions,
  ComputeBackend,
  EighResult,
  GramOptions,
  MatmulOptions,
  ReduceAxis,
  ReduceOp,
  TriangularSolveOptions,
  UnaryOp,
} from './backend';
import { ConvergenceError, InvalidArgumentError, NotPositiveDefiniteError, ShapeError } from './errors';
import { gemmStrided, syrkLowerStrided } from './gemm';
import { choleskyInPlace, symmetricEigen, trsmInPlace } from './linalg';
import { type Mat, addToDiagonalInPlace, assertFinite, assertSquare, transpose as transposeMat } from './mat';
import { erf } from './special';
import { wasmActivate, wasmReadout } from './wasm/elementwise';
import { wasmGemmStrided } from './wasm/gemm';
import { checkAlpha, checkJitter, matmulDims } from './validate';

// The pure-TypeScript float64 reference backend: packed, cache-blocked GEMM (gemm.ts), blocked Cholesky and
// triangular solves, Householder + implicit-QL symmetric eigensolver (linalg.ts). Every op validates and is pure.

const NAME = 'reference';

function matmul(a: Mat, b: Mat, o: MatmulOptions = {}): Mat {
  const { m, n, k, alpha, transA: ta, transB: tb } = matmulDims(a, b, o);
  assertFinite(a, 'matmul: A');
  assertFinite(b, 'matmul: B');
  const out = new Float64Array(m * n);
  // op(A)(i,p) = a[i*ars + p*acs]
  const ars = ta ? 1 : a.cols,
    acs = ta ? a.cols : 1;
  const brs = tb ? 1 : b.cols,
    bcs = tb ? b.cols : 1;
  // the WebAssembly SIMD kernel where the runtime has it (bit-identical, several times faster), else TypeScript
  if (!wasmGemmStrided(m, n, k, alpha, a.data, 0, ars, acs, b.data, 0, brs, bcs, out, 0, n, true))
    gemmStrided(m, n, k, alpha, a.data, 0, ars, acs, b.data, 0, brs, bcs, out, 0, n);
  assertProductFinite(out, n, 'matmul');
  return { rows: m, cols: n, data: out };
}

function gram(a: Mat, o: GramOptions = {}): Mat {
  const alpha = checkAlpha(o.alpha, 'gram');
  assertFinite(a, 'gram: A');
  const tr = o.trans ?? false;
  const n = tr ? a.cols : a.rows,
    k = tr ? a.rows : a.cols;
  const out = new Float64Array(n * n);
  syrkLowerStrided(n, k, alpha, a.data, 0, tr ? 1 : a.cols, tr ? a.cols : 1, out, 0, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j]!;
  assertProductFinite(out, n, 'gram');
  return { rows: n, cols: n, data: out };
}

/**
 * Throws `InvalidArgumentError` when a product of finite matrices overflowed to ±Inf (or NaN from Inf − Inf):
 * a backend never returns a non-finite product silently. O(m·n), negligible next to the product.
 */
export function assertProductFinite(out: Float64Array, cols: number, op: string): void {
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new InvalidArgumentError(
        `${op}: the product overflowed (entry (${Math.floor(i / cols)}, ${i % cols}) is ${out[i]}); rescale the inputs (their entries are too large for float64 products)`,
      );
    }
  }
}

function maxAbsDiag(a: Mat): number {
  let m = 0;
  for (let i = 0; i < a.rows; i++) m = Math.max(m, Math.abs(a.data[i * a.cols + i]!));
  return m;
}

/**
 * A diagonal jitter (a power of ten) likely to make a symmetric matrix factorisable after a failed Cholesky pivot:
 * at least 1e-10, 1e-8·max|A_ii|, twice the negative pivot, and ten times the jitter already used.
 * Backends use it to fill `NotPositiveDefiniteError.suggestedJitter`.
 */
export function suggestJitter(maxDiag: number, pivotValue: number, jitter: number): number {
  const base = Math.max(1e-10, 1e-8 * maxDiag, 2 * Math.max(0, -pivotValue), 10 * jitter);
  const e = Math.ceil(Math.log10(base));
  return 10 ** e;
}

function cholesky(a: Mat, o: CholeskyOptions = {}): Mat {
  assertSquare(a, 'cholesky: A');
  const jitter = checkJitter(o.jitter);
  assertFinite(a, 'cholesky: A');
  const n = a.rows;
  const W = a.data.slice();
  if (jitter !== 0) addToDiagonalInPlace(W, n, jitter);
  const fail = { pivot: -1, value: 0 };
  if (!choleskyInPlace(W, n, fail)) {
    throw new NotPositiveDefiniteError({
      pivot: fail.pivot,
      backend: NAME,
      suggestedJitter: suggestJitter(maxAbsDiag(a), fail.value, jitter),
      detail: `pivot value ${fail.value.toExponential(3)}${jitter ? ` with jitter ${jitter}` : ''}`,
    });
  }
  return { rows: n, cols: n, data: W };
}

function triangularSolve(t: Mat, b: Mat, o: TriangularSolveOptions = {}): Mat {
  assertSquare(t, 'triangularSolve: T');
  if (b.rows !== t.rows)
    throw new ShapeError(`triangularSolve: T is [${t.rows}, ${t.cols}] but B has ${b.rows} rows (B must be [${t.rows}, m])`);
  assertFinite(t, 'triangularSolve: T');
  assertFinite(b, 'triangularSolve: B');
  const lower = o.lower ?? true;
  const trans = o.trans ?? false;
  const n = t.rows,
    m = b.cols;
  const X = b.data.slice();
  // op(T)(i,j) = T[i*rs + j*cs]; op(T) is lower iff lower !== trans
  const bad = trsmInPlace(t.data, trans ? 1 : n, trans ? n : 1, lower !== trans, X, n, m);
  if (bad >= 0)
    throw new InvalidArgumentError(
      `triangularSolve: zero diagonal entry at ${bad}; the triangular factor is singular (add jitter before factorising)`,
    );
  return { rows: n, cols: m, data: X };
}

function choleskySolve(l: Mat, b: Mat): Mat {
  const y = triangularSolve(l, b, { lower: true });
  return triangularSolve(l, y, { lower: true, trans: true });
}

function choleskyLogDet(l: Mat): number {
  assertSquare(l, 'choleskyLogDet: L');
  assertFinite(l, 'choleskyLogDet: L');
  let s = 0;
  for (let i = 0; i < l.rows; i++) {
    const v = l.data[i * l.cols + i]!;
    if (!(v > 0))
      throw new InvalidArgumentError(
        `choleskyLogDet: diagonal entry ${i} is ${v}; pass a lower Cholesky factor (positive diagonal)`,
      );
    s += Math.log(v);
  }
  return 2 * s;
}

/** Householder tridiagonalisation + implicit QL with Wilkinson shifts. */
function eigh(a: Mat): EighResult {
  assertSquare(a, 'eigh: A');
  assertFinite(a, 'eigh: A');
  const n = a.rows;
  const r = symmetricEigen(a.data, n);
  if ('residual' in r) {
    throw new ConvergenceError({
      what: 'eigh (implicit QL)',
      iterations: 30 * n,
      residual: r.residual,
      tolerance: Number.EPSILON,
      hint: 'the matrix may have entries spanning too many orders of magnitude; rescale it',
    });
  }
  return { values: r.values, vectors: { rows: n, cols: n, data: r.vectors } };
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Scalar implementation of each unary op (shared by host fallbacks of other backends). */
export const unaryScalar: Readonly<Record<UnaryOp, (x: number) => number>> = {
  identity: (x) => x,
  neg: (x) => -x,
  abs: Math.abs,
  square: (x) => x * x,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  erf,
  relu: (x) => (x > 0 ? x : 0),
  step: (x) => (x > 0 ? 1 : 0),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  softplus: (x) => (x > 30 ? x : Math.log1p(Math.exp(x))),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  erfDeriv: (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x),
  tanhDeriv: (x) => {
    const t = Math.tanh(x);
    return 1 - t * t;
  },
  sigmoidDeriv: (x) => {
    const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    return s * (1 - s);
  },
};

function assertFiniteResult(out: Float64Array, a: Mat, op: string, why: string): void {
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new InvalidArgumentError(
        `${op}: result is ${out[i]} at (${Math.floor(i / a.cols)}, ${i % a.cols}); ${why} — check the input range`,
      );
    }
  }
}

function map(a: Mat, op: UnaryOp): Mat {
  const f = unaryScalar[op];
  if (!f) throw new InvalidArgumentError(`unknown unary op '${op}'; known: ${Object.keys(unaryScalar).join(', ')}`);
  assertFinite(a, `map(${op})`);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!);
  assertFiniteResult(
    out,
    a,
    `map(${op})`,
    'the input is outside the domain of the op (e.g. log/sqrt of a negative number, reciprocal of 0) or overflows',
  );
  return { rows: a.rows, cols: a.cols, data: out };
}

const binaryScalar: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  max: (x, y) => Math.max(x, y),
  min: (x, y) => Math.min(x, y),
};

function binary(a: Mat, b: Mat, op: BinaryOp): Mat {
  const f = binaryScalar[op];
  if (!f) throw new InvalidArgumentError(`unknown binary op '${op}'; known: ${Object.keys(binaryScalar).join(', ')}`);
  assertFinite(a, `binary(${op}): A`);
  assertFinite(b, `binary(${op}): B`);
  const { rows, cols } = a;
  const out = new Float64Array(rows * cols);
  if (b.rows === rows && b.cols === cols) for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!, b.data[i]!);
  else if (b.rows === 1 && b.cols === cols)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = f(a.data[i * cols + j]!, b.data[j]!);
  else if (b.cols === 1 && b.rows === rows)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = f(a.data[i * cols + j]!, b.data[i]!);
  else
    throw new ShapeError(
      `binary(${op}): B of shape [${b.rows}, ${b.cols}] does not fit or broadcast to A of shape [${rows}, ${cols}]`,
    );
  assertFiniteResult(out, a, `binary(${op})`, 'division by zero or overflow');
  return { rows, cols, data: out };
}

function affine(a: Mat, alpha: number, beta = 0): Mat {
  if (!Number.isFinite(alpha) || !Number.isFinite(beta))
    throw new InvalidArgumentError(`affine: alpha and beta must be finite, got ${alpha}, ${beta}`);
  assertFinite(a, 'affine: A');
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = alpha * a.data[i]! + beta;
  assertFiniteResult(out, a, 'affine', 'overflow');
  return { rows: a.rows, cols: a.cols, data: out };
}

function reduce(a: Mat, op: ReduceOp, axis: ReduceAxis): Float64Array {
  const out = reduceRaw(a, op, axis);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!))
      throw new InvalidArgumentError(`reduce(${op}, '${axis}'): the result overflowed (${out[i]} at ${i}); rescale the input`);
  }
  return out;
}

function reduceRaw(a: Mat, op: ReduceOp, axis: ReduceAxis): Float64Array {
  assertFinite(a, `reduce(${op})`);
  const { rows, cols, data } = a;
  if (op === 'mean' || op === 'max' || op === 'min') {
    // sum/sumsq of nothing is 0; a mean, max or min of nothing does not exist
    const empty =
      axis === 'all'
        ? data.length === 0
        : axis === 'rows'
          ? cols === 0 && rows > 0
          : axis === 'cols'
            ? rows === 0 && cols > 0
            : false;
    if (empty)
      throw new InvalidArgumentError(
        `reduce(${op}, '${axis}'): the ${axis === 'all' ? 'matrix is' : axis === 'rows' ? 'rows are' : 'columns are'} empty (shape [${rows}, ${cols}]); a ${op} of no values is undefined`,
      );
  }
  const init = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
  const step = (acc: number, v: number) =>
    op === 'max' ? Math.max(acc, v) : op === 'min' ? Math.min(acc, v) : op === 'sumsq' ? acc + v * v : acc + v;
  if (axis === 'all') {
    let acc = init;
    for (let i = 0; i < data.length; i++) acc = step(acc, data[i]!);
    if (op === 'mean') acc /= data.length;
    return Float64Array.of(acc);
  }
  if (axis === 'rows') {
    const out = new Float64Array(rows).fill(init);
    for (let i = 0; i < rows; i++) {
      let acc = init;
      for (let j = 0; j < cols; j++) acc = step(acc, data[i * cols + j]!);
      out[i] = op === 'mean' ? acc / cols : acc;
    }
    return out;
  }
  if (axis === 'cols') {
    const out = new Float64Array(cols).fill(init);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] = step(out[j]!, data[i * cols + j]!);
    if (op === 'mean') for (let j = 0; j < cols; j++) out[j]! /= rows;
    return out;
  }
  throw new InvalidArgumentError(`reduce: axis must be 'rows', 'cols' or 'all', got '${String(axis)}'`);
}

/**
 * The pure-TypeScript float64 reference backend. Always available; the default everywhere.
 *
 * *When to use*: by default. It needs no native code, is deterministic across platforms, and is fast for pure
 * JS: packed, cache-blocked GEMM/syrk (2.5–3.5 GFLOP/s on one core at n = 1000), blocked Cholesky and triangular
 * solves, Householder + implicit-QL `eigh`. For n ≳ 2000 prefer a native backend (openblas) when available.
 * Products above a small size run on a WebAssembly SIMD kernel with the same values; `activate` and `readout` (the
 * Langevin sampler's φ, φ′ and fused readout) run in WebAssembly with the same values as `activateInto` and
 * `readoutInto`. For float32 speed see {@link referenceBackend32}.
 *
 * *Gotchas*: single-threaded. `cholesky` reads only the lower triangle and throws `NotPositiveDefiniteError`
 * (with `suggestedJitter`) instead of clamping; `map`/`binary`/`affine` throw `InvalidArgumentError` when a result
 * would be NaN/Inf (e.g. `log` of a negative number) rather than returning it.
 *
 * @example
 * ```ts
 * import { referenceBackend, fromRows } from '@sftdl/compute';
 * const L = referenceBackend.cholesky(fromRows([[4, 2], [2, 3]]));
 * // L = [[2, 0], [1, √2]]
 * ```
 */
export const referenceBackend: ComputeBackend = Object.freeze({
  specificationVersion: 'v1' as const,
  name: NAME,
  precision: 'float64' as const,
  info: Object.freeze({ language: 'typescript', products: 'webassembly-simd-f64x2', elementwise: 'webassembly (erf readout)' }),
  matmul,
  gram,
  cholesky,
  triangularSolve,
  choleskySolve,
  choleskyLogDet,
  eigh,
  map,
  binary,
  affine,
  reduce,
  transpose: (a: Mat) => {
    assertFinite(a, 'transpose: A');
    return transposeMat(a);
  },
  // the Langevin hot path in WebAssembly where the runtime has it: the same values as activateInto and readoutInto
  activate: wasmActivate,
  readout: wasmReadout,
});
