import { InvalidArgumentError, type Mat, ShapeError, assertFinite } from '@sftdl/compute';

/**
 * Regression targets: a vector of length n (one output), or n rows of k outputs — a `Mat` [n, k] or an array of rows.
 * Columns are independent outputs that share the kernel (as in neural-tangents and scikit-learn).
 */
export type Targets = ArrayLike<number> | Mat | readonly (readonly number[])[];

/** A kernel function in the neural-tangents sense: K(x1, x2) with rows of x1 and columns of x2; x2 defaults to x1. */
export type KernelFn = (x1: Mat, x2?: Mat) => Mat;

/** Whether a value is a `Mat` (has numeric `rows`, `cols` and a `data` array). @internal */
export function isMat(v: unknown): v is Mat {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Mat).rows === 'number' &&
    typeof (v as Mat).cols === 'number' &&
    ArrayBuffer.isView((v as Mat).data)
  );
}

/** Targets as a float64 `Mat` [n, k] (a copy), checked finite and of n rows. @internal */
export function targetMatrix(y: Targets, n: number, name = 'y'): Mat {
  let out: Mat;
  if (isMat(y)) {
    if (y.data.length !== y.rows * y.cols)
      throw new ShapeError(`${name} is a [${y.rows}, ${y.cols}] matrix but holds ${y.data.length} numbers`);
    out = { rows: y.rows, cols: y.cols, data: Float64Array.from(y.data) };
  } else if (Array.isArray(y) && y.length > 0 && Array.isArray(y[0])) {
    const rows = y as readonly (readonly number[])[];
    const k = rows[0]?.length ?? 0;
    const data = new Float64Array(rows.length * k);
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== k)
        throw new ShapeError(`${name}[${i}] has ${Array.isArray(r) ? r.length : 'no'} outputs, expected ${k} like ${name}[0]`);
      for (let j = 0; j < k; j++) data[i * k + j] = r[j]!;
    });
    out = { rows: rows.length, cols: k, data };
  } else {
    const v = Float64Array.from(y as ArrayLike<number>);
    out = { rows: v.length, cols: 1, data: v };
  }
  if (out.rows !== n)
    throw new ShapeError(
      `${name} has ${out.rows} rows (samples) but the training inputs have ${n}; give one target row per input`,
    );
  if (out.cols < 1) throw new InvalidArgumentError(`${name} has no outputs (0 columns); give at least one target per sample`);
  assertFinite(out.data, name);
  return out;
}

/** Column j of a row-major matrix. @internal */
export function column(m: Mat, j: number): Float64Array {
  const c = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) c[i] = m.data[i * m.cols + j]!;
  return c;
}

/** Calls a kernel function and checks the shape and finiteness of what it returns. @internal */
export function callKernel(kernel: KernelFn, x1: Mat, x2: Mat | undefined, what: string): Mat {
  if (typeof kernel !== 'function')
    throw new InvalidArgumentError(
      "kernel must be a function (x1, x2?) => Mat, e.g. (a, b) => fcKernel(a, b, { …, get: ['nngp'] }).nngp",
    );
  const k = x2 === undefined ? kernel(x1) : kernel(x1, x2);
  const cols = (x2 ?? x1).rows;
  if (!isMat(k) || k.rows !== x1.rows || k.cols !== cols)
    throw new ShapeError(
      `kernel(${what}) returned ${isMat(k) ? `[${k.rows}, ${k.cols}]` : typeof k}, expected a Mat [${x1.rows}, ${cols}]: the kernel function must return K(x1, x2) with one row per row of x1 and one column per row of x2 (x2 defaulting to x1)`,
    );
  assertFinite(k, `kernel(${what})`);
  return k;
}

/** Diagonal of K(x, x) evaluated in diagonal blocks of `block` rows (O(m·block) kernel entries, not O(m²)). @internal */
export function kernelDiagonal(kernel: KernelFn, x: Mat, block = 128): Float64Array {
  const m = x.rows,
    d = x.cols;
  const out = new Float64Array(m);
  for (let r0 = 0; r0 < m; r0 += block) {
    const r1 = Math.min(m, r0 + block);
    const xb: Mat = { rows: r1 - r0, cols: d, data: x.data.subarray(r0 * d, r1 * d) };
    const k = callKernel(kernel, xb, undefined, 'xTest');
    const b = r1 - r0;
    for (let i = 0; i < b; i++) out[r0 + i] = k.data[i * b + i]!;
  }
  return out;
}
