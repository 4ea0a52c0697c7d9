import type {
  BinaryOp, CholeskyOptions, ComputeBackend, EighResult, GramOptions, MatmulOptions, ReduceAxis, ReduceOp,
  TriangularSolveOptions, UnaryOp,
} from './backend';
import { InvalidArgumentError, NotPositiveDefiniteError, ShapeError } from './errors';
import { type Mat, assertFinite, assertSquare, transpose as transposeMat } from './mat';
import { erf } from './special';

// NOTE: first, straightforward version of the reference backend. Correct, float64, pure.
// Performance work (cache-blocked GEMM, blocked Cholesky, Householder + implicit QL) replaces these kernels.

const NAME = 'reference';

function checkJitter(j: number | undefined): number {
  const v = j ?? 0;
  if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError(`jitter must be a finite non-negative number, got ${v}`);
  return v;
}

function matmul(a: Mat, b: Mat, o: MatmulOptions = {}): Mat {
  assertFinite(a, 'matmul: A');
  assertFinite(b, 'matmul: B');
  const A = o.transA ? transposeMat(a) : a;
  const B = o.transB ? transposeMat(b) : b;
  if (A.cols !== B.rows) throw new ShapeError(`matmul: inner dimensions differ: op(A) is [${A.rows}, ${A.cols}], op(B) is [${B.rows}, ${B.cols}]`);
  const m = A.rows, k = A.cols, n = B.cols;
  const alpha = o.alpha ?? 1;
  const out = new Float64Array(m * n);
  const ad = A.data, bd = B.data;
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let p = 0; p < k; p++) {
      const aip = alpha * ad[i * k + p]!;
      if (aip === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[oi + j]! += aip * bd[bp + j]!;
    }
  }
  return { rows: m, cols: n, data: out };
}

function gram(a: Mat, o: GramOptions = {}): Mat {
  const g = o.trans ? matmul(a, a, { transA: true, alpha: o.alpha ?? 1 }) : matmul(a, a, { transB: true, alpha: o.alpha ?? 1 });
  const n = g.rows, d = g.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[j * n + i] = d[i * n + j]!;
  return g;
}

function cholesky(a: Mat, o: CholeskyOptions = {}): Mat {
  assertSquare(a, 'cholesky: A');
  assertFinite(a, 'cholesky: A');
  const jitter = checkJitter(o.jitter);
  const n = a.rows;
  const L = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a.data[i * n + i]!));
  for (let j = 0; j < n; j++) {
    let s = a.data[j * n + j]! + jitter;
    for (let p = 0; p < j; p++) s -= L[j * n + p]! * L[j * n + p]!;
    if (!(s > 0)) {
      throw new NotPositiveDefiniteError({ pivot: j, backend: NAME, suggestedJitter: Math.max(1e-10, 1e-8 * maxDiag, -s * 2) });
    }
    const ljj = Math.sqrt(s);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = a.data[i * n + j]!;
      for (let p = 0; p < j; p++) t -= L[i * n + p]! * L[j * n + p]!;
      L[i * n + j] = t / ljj;
    }
  }
  return { rows: n, cols: n, data: L };
}

function triangularSolve(t: Mat, b: Mat, o: TriangularSolveOptions = {}): Mat {
  assertSquare(t, 'triangularSolve: T');
  if (b.rows !== t.rows) throw new ShapeError(`triangularSolve: T is [${t.rows}, ${t.cols}] but B has ${b.rows} rows`);
  assertFinite(t, 'triangularSolve: T');
  assertFinite(b, 'triangularSolve: B');
  const lower = o.lower ?? true;
  const trans = o.trans ?? false;
  const n = t.rows, m = b.cols, T = t.data;
  const X = b.data.slice();
  // effective lower-triangular forward solve iff (lower && !trans) || (!lower && trans)
  const forward = lower !== trans;
  const el = (i: number, j: number) => (trans ? T[j * n + i]! : T[i * n + j]!);
  for (let c = 0; c < m; c++) {
    if (forward) {
      for (let i = 0; i < n; i++) {
        let s = X[i * m + c]!;
        for (let p = 0; p < i; p++) s -= el(i, p) * X[p * m + c]!;
        const dii = el(i, i);
        if (dii === 0) throw new InvalidArgumentError(`triangularSolve: zero diagonal at ${i}; the factor is singular`);
        X[i * m + c] = s / dii;
      }
    } else {
      for (let i = n - 1; i >= 0; i--) {
        let s = X[i * m + c]!;
        for (let p = i + 1; p < n; p++) s -= el(i, p) * X[p * m + c]!;
        const dii = el(i, i);
        if (dii === 0) throw new InvalidArgumentError(`triangularSolve: zero diagonal at ${i}; the factor is singular`);
        X[i * m + c] = s / dii;
      }
    }
  }
  return { rows: n, cols: m, data: X };
}

function choleskySolve(l: Mat, b: Mat): Mat {
  const y = triangularSolve(l, b, { lower: true });
  return triangularSolve(l, y, { lower: true, trans: true });
}

function choleskyLogDet(l: Mat): number {
  assertSquare(l, 'choleskyLogDet: L');
  let s = 0;
  for (let i = 0; i < l.rows; i++) {
    const v = l.data[i * l.cols + i]!;
    if (!(v > 0)) throw new InvalidArgumentError(`choleskyLogDet: diagonal entry ${i} is ${v}; pass a Cholesky factor`);
    s += Math.log(v);
  }
  return 2 * s;
}

/** Cyclic Jacobi eigensolver (first version; replaced by Householder + implicit QL). */
function eigh(a: Mat): EighResult {
  assertSquare(a, 'eigh: A');
  assertFinite(a, 'eigh: A');
  const n = a.rows;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { const v = a.data[i * n + j]!; A[i * n + j] = v; A[j * n + i] = v; }
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * n + p]!, aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!, akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq; A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!, aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk; A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!, vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq; V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i]! - A[j * n + j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  idx.forEach((src, k) => {
    values[k] = A[src * n + src]!;
    for (let r = 0; r < n; r++) vectors[r * n + k] = V[r * n + src]!;
  });
  return { values, vectors: { rows: n, cols: n, data: vectors } };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
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
  tanhDeriv: (x) => { const t = Math.tanh(x); return 1 - t * t; },
  sigmoidDeriv: (x) => { const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)); return s * (1 - s); },
};
void SQRT_2_OVER_PI;

function map(a: Mat, op: UnaryOp): Mat {
  const f = unaryScalar[op];
  if (!f) throw new InvalidArgumentError(`unknown unary op '${op}'; known: ${Object.keys(unaryScalar).join(', ')}`);
  assertFinite(a, `map(${op})`);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!);
  return { rows: a.rows, cols: a.cols, data: out };
}

const binaryScalar: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
  max: (x, y) => Math.max(x, y), min: (x, y) => Math.min(x, y),
};

function binary(a: Mat, b: Mat, op: BinaryOp): Mat {
  const f = binaryScalar[op];
  if (!f) throw new InvalidArgumentError(`unknown binary op '${op}'; known: ${Object.keys(binaryScalar).join(', ')}`);
  assertFinite(a, `binary(${op}): A`);
  assertFinite(b, `binary(${op}): B`);
  const { rows, cols } = a;
  const out = new Float64Array(rows * cols);
  if (b.rows === rows && b.cols === cols) for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!, b.data[i]!);
  else if (b.rows === 1 && b.cols === cols) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = f(a.data[i * cols + j]!, b.data[j]!);
  else if (b.cols === 1 && b.rows === rows) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = f(a.data[i * cols + j]!, b.data[i]!);
  else throw new ShapeError(`binary(${op}): B of shape [${b.rows}, ${b.cols}] does not fit or broadcast to A of shape [${rows}, ${cols}]`);
  return { rows, cols, data: out };
}

function affine(a: Mat, alpha: number, beta = 0): Mat {
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new InvalidArgumentError(`affine: alpha and beta must be finite, got ${alpha}, ${beta}`);
  assertFinite(a, 'affine: A');
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = alpha * a.data[i]! + beta;
  return { rows: a.rows, cols: a.cols, data: out };
}

function reduce(a: Mat, op: ReduceOp, axis: ReduceAxis): Float64Array {
  assertFinite(a, `reduce(${op})`);
  const { rows, cols, data } = a;
  const init = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
  const step = (acc: number, v: number) => (op === 'max' ? Math.max(acc, v) : op === 'min' ? Math.min(acc, v) : op === 'sumsq' ? acc + v * v : acc + v);
  if (axis === 'all') {
    let acc = init;
    for (let i = 0; i < data.length; i++) acc = step(acc, data[i]!);
    if (op === 'mean') acc /= data.length;
    return Float64Array.of(acc);
  }
  if (axis === 'rows') {
    const out = new Float64Array(rows).fill(init);
    for (let i = 0; i < rows; i++) { let acc = init; for (let j = 0; j < cols; j++) acc = step(acc, data[i * cols + j]!); out[i] = op === 'mean' ? acc / cols : acc; }
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
  info: Object.freeze({ language: 'typescript' }),
  matmul, gram, cholesky, triangularSolve, choleskySolve, choleskyLogDet, eigh, map, binary, affine, reduce,
  transpose: (a: Mat) => transposeMat(a),
});
