import { InvalidArgumentError, ShapeError } from './errors';

/**
 * Dense row-major matrix, the boundary type of every backend.
 * Element (i, j) is `data[i * cols + j]`. Values are float64 at the boundary, whatever the backend's precision.
 */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Wraps (without copying) or allocates a matrix. Throws `ShapeError` when `data.length !== rows * cols`. */
export function mat(rows: number, cols: number, data?: Float64Array | ArrayLike<number>): Mat {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeError(`matrix shape must be non-negative integers, got [${rows}, ${cols}]`);
  }
  let d: Float64Array;
  if (data === undefined) d = new Float64Array(rows * cols);
  else d = data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>);
  if (d.length !== rows * cols) throw new ShapeError(`data has length ${d.length}, expected rows*cols = ${rows * cols}`);
  return { rows, cols, data: d };
}

/** Zero matrix of the given shape. */
export function zeros(rows: number, cols: number): Mat {
  return mat(rows, cols);
}

/** Identity matrix of size n. */
export function eye(n: number): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Builds a matrix from nested arrays (rows). Throws `ShapeError` on ragged rows. */
export function fromRows(rows: ReadonlyArray<ArrayLike<number>>): Mat {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const m = mat(r, c);
  for (let i = 0; i < r; i++) {
    const row = rows[i]!;
    if (row.length !== c) throw new ShapeError(`ragged rows: row ${i} has length ${row.length}, expected ${c}`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = row[j]!;
  }
  return m;
}

/** Converts a matrix to nested arrays (rows). */
export function toRows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** Column vector (n × 1) view of a vector, sharing its buffer. */
export function colVec(v: Float64Array): Mat {
  return { rows: v.length, cols: 1, data: v };
}

/** Element accessor (no bounds check beyond the typed array's). */
export function at(m: Mat, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

/**
 * Adds `v` to the n diagonal entries of the row-major n×n storage `data`, in place (`data.length` ≥ n·n).
 * @internal for compute's backends and conformance suite; the public API stays pure.
 */
export function addToDiagonalInPlace(data: Float64Array, n: number, v: number): void {
  for (let i = 0, idx = 0; i < n; i++, idx += n + 1) data[idx] = (data[idx] ?? Number.NaN) + v;
}

/**
 * Matrix–vector product m·v on the host: out[i] = Σ_j m[i, j]·v[j], summed in column order (float64).
 *
 * *When to use*: projections of data rows on a direction (teacher targets, overlaps) — O(rows·cols) work where a
 * backend call would cost more than it saves. For matrix–matrix work use `backend.matmul`.
 *
 * @param m - shape [rows, cols], row-major
 * @param v - length cols
 * @returns length rows
 * @example
 * ```ts
 * matVec(fromRows([[1, 2], [3, 4]]), [1, -1]); // Float64Array [-1, -1]
 * ```
 */
export function matVec(m: Mat, v: ArrayLike<number>): Float64Array {
  if (v.length !== m.cols) throw new ShapeError(`matVec: matrix is ${m.rows}×${m.cols} but the vector has length ${v.length}`);
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    const o = i * m.cols;
    for (let j = 0; j < m.cols; j++) s += m.data[o + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/** Deep copy. */
export function clone(m: Mat): Mat {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** Transpose (new matrix). */
export function transpose(m: Mat): Mat {
  const { rows, cols, data } = m;
  const out = new Float64Array(rows * cols);
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * rows + i] = data[i * cols + j]!;
    }
  }
  return { rows: cols, cols: rows, data: out };
}

/** Throws `InvalidArgumentError` if any entry is NaN or ±Inf. `what` names the argument in the message. */
export function assertFinite(m: Mat | Float64Array, what = 'input'): void {
  const d = 'data' in m ? m.data : m;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) {
      const loc = 'data' in m ? `(${Math.floor(i / m.cols)}, ${i % m.cols})` : `[${i}]`;
      throw new InvalidArgumentError(`${what} has a non-finite entry ${v} at ${loc}; remove NaN/Inf values before calling`);
    }
  }
}

/** Throws `ShapeError` unless the matrix is square. */
export function assertSquare(m: Mat, what = 'matrix'): void {
  if (m.rows !== m.cols) throw new ShapeError(`${what} must be square, got [${m.rows}, ${m.cols}]`);
}

/** Throws `ShapeError` unless `m` has the expected shape (`-1` matches any size). */
export function assertShape(m: Mat, rows: number, cols: number, what = 'matrix'): void {
  if ((rows >= 0 && m.rows !== rows) || (cols >= 0 && m.cols !== cols)) {
    throw new ShapeError(
      `${what} has shape [${m.rows}, ${m.cols}], expected [${rows < 0 ? '*' : rows}, ${cols < 0 ? '*' : cols}]`,
    );
  }
}
