import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { DataFormatError } from './errors';
import { bytesSource, concatChunks, withFileSource, writeChunksAtomic } from './files';
import { NumericMatrix, NumericVector, readJson, toPlain } from './jsonstream';

/**
 * A dataset: rows are samples. `y` is n × k (a column for scalar targets); the test split is optional and has the
 * same columns as the training split.
 */
export interface Dataset {
  x: Mat;
  y: Mat;
  xTest?: Mat;
  yTest?: Mat;
  /** Free-form metadata (the demo's `data` command records the teacher, the seed and the key here). */
  meta?: Record<string, unknown>;
}

/**
 * Converts a parsed JSON value to a matrix: `number[][]` (rows) is r × c; `number[]` is an n × 1 column when
 * `allowVector`. Errors name `what` and the offending index.
 */
export function jsonToMat(v: unknown, what: string, file: string | undefined, allowVector: boolean): Mat {
  const where = { ...(file !== undefined ? { file } : {}) };
  if (v instanceof NumericMatrix) {
    // 1e999 parses to Infinity: JSON numbers are not always finite
    const k = v.data.findIndex((x) => !Number.isFinite(x));
    if (k >= 0)
      throw new DataFormatError(`${what}[${Math.floor(k / v.cols)}][${k % v.cols}] is not a finite number (${v.data[k]})`, where);
    if (v.cols === 0) throw new DataFormatError(`${what} rows are empty (each row needs at least one number)`, where);
    return { rows: v.rows, cols: v.cols, data: v.data };
  }
  if (v instanceof NumericVector) {
    if (!allowVector) throw new DataFormatError(`${what} must be an array of rows (number[][])`, where);
    const k = v.data.findIndex((x) => !Number.isFinite(x));
    if (k >= 0) throw new DataFormatError(`${what}[${k}] is not a finite number (${v.data[k]})`, where);
    return { rows: v.data.length, cols: 1, data: v.data };
  }
  if (!Array.isArray(v) || v.length === 0) throw new DataFormatError(`${what} must be a non-empty array`, where);
  if (Array.isArray(v[0])) {
    const cols = (v[0] as unknown[]).length;
    if (cols === 0) throw new DataFormatError(`${what} rows are empty (each row needs at least one number)`, where);
    const data = new Float64Array(v.length * cols);
    for (let i = 0; i < v.length; i++) {
      const row: unknown = v[i];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new DataFormatError(
          `${what} has ragged rows (row ${i} has length ${Array.isArray(row) ? row.length : 'n/a'}, expected ${cols})`,
          where,
        );
      }
      for (let j = 0; j < cols; j++) {
        const x: unknown = row[j];
        if (typeof x !== 'number' || !Number.isFinite(x))
          throw new DataFormatError(`${what}[${i}][${j}] is not a finite number (${JSON.stringify(x)})`, where);
        data[i * cols + j] = x;
      }
    }
    return { rows: v.length, cols, data };
  }
  if (!allowVector) throw new DataFormatError(`${what} must be an array of rows (number[][])`, where);
  const data = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new DataFormatError(`${what}[${i}] is not a finite number (${JSON.stringify(x)})`, where);
    data[i] = x;
  }
  return { rows: v.length, cols: 1, data };
}

function parseJsonText(text: string, file: string | undefined): unknown {
  return readJson(bytesSource(Buffer.from(text, 'utf8'), file ?? '<json>'));
}

/**
 * Parses a JSON matrix: `number[][]` (rows), or `number[]` read as a column vector.
 *
 * @param text - the JSON text
 * @param file - a label for error messages
 */
export function parseJsonMatrix(text: string, file?: string): Mat {
  return jsonToMat(parseJsonText(text, file), 'the matrix', file, true);
}

/**
 * Validates a parsed JSON object in the data-file format `{ "x": number[][], "y": number[] | number[][], "xTest"?,
 * "yTest"?, "meta"? }` (the format `pnpm demo data` writes) and converts it to a {@link Dataset}. A 1-D `y` becomes an
 * n × 1 column. Throws {@link DataFormatError} for a missing key, ragged rows, non-finite numbers or mismatched lengths.
 */
export function datasetFromJSON(raw: unknown, file?: string): Dataset {
  const where = file !== undefined ? { file } : {};
  if (
    typeof raw !== 'object' ||
    raw === null ||
    Array.isArray(raw) ||
    raw instanceof NumericVector ||
    raw instanceof NumericMatrix
  )
    throw new DataFormatError('expected a JSON object with "x" and "y"', where);
  const o = raw as Record<string, unknown>;
  if (!('x' in o)) throw new DataFormatError('missing key "x" (the inputs, number[][] with one row per sample)', where);
  if (!('y' in o))
    throw new DataFormatError('missing key "y" (the targets, number[] or number[][] with one row per sample)', where);
  const x = jsonToMat(o.x, '"x"', file, false);
  const y = jsonToMat(o.y, '"y"', file, true);
  if (y.rows !== x.rows) throw new DataFormatError(`"y" has ${y.rows} rows but "x" has ${x.rows}`, where);
  const out: Dataset = { x, y };
  if (o.xTest !== undefined) {
    out.xTest = jsonToMat(o.xTest, '"xTest"', file, false);
    if (out.xTest.cols !== x.cols)
      throw new DataFormatError(`"xTest" has ${out.xTest.cols} columns but "x" has ${x.cols}`, where);
  }
  if (o.yTest !== undefined) {
    out.yTest = jsonToMat(o.yTest, '"yTest"', file, true);
    if (!out.xTest || out.yTest.rows !== out.xTest.rows)
      throw new DataFormatError('"yTest" needs "xTest" with the same number of rows', where);
    if (out.yTest.cols !== y.cols)
      throw new DataFormatError(`"yTest" has ${out.yTest.cols} columns but "y" has ${y.cols}`, where);
  }
  if (typeof o.meta === 'object' && o.meta !== null && !Array.isArray(o.meta))
    out.meta = toPlain(o.meta) as Record<string, unknown>;
  return out;
}

/**
 * Reads a JSON data file (see {@link datasetFromJSON}), streaming: the file is parsed in 64 KiB chunks and the
 * number arrays go straight into Float64Arrays (about 8 bytes per number; never one string of the whole file).
 */
export function readDatasetJson(path: string): Dataset {
  return withFileSource(path, (src) => datasetFromJSON(readJson(src), path));
}

/** Reads a JSON matrix file (`number[][]`, or `number[]` as a column), streaming like {@link readDatasetJson}. */
export function readJsonMatrix(path: string): Mat {
  return withFileSource(path, (src) => jsonToMat(readJson(src), 'the matrix', path, true));
}

/** Parses the text of a JSON data file (see {@link datasetFromJSON}). */
export function parseDatasetJson(text: string, file?: string): Dataset {
  return datasetFromJSON(parseJsonText(text, file), file);
}

function checkedNumber(v: number, what: string, i: number, j: number): string {
  if (!Number.isFinite(v))
    throw new InvalidArgumentError(
      `${what}[${i}][${j}] is ${v}; JSON cannot hold NaN or Infinity (use .npy with { allowNonFinite: true })`,
    );
  return String(v);
}

/** The JSON text of a matrix, row by row: `[[…],[…]]`, or a flat `[…]` for a column when `vector`. */
function* matrixJsonChunks(m: Mat, what: string, vector: boolean): Generator<string> {
  if (m.data.length !== m.rows * m.cols)
    throw new InvalidArgumentError(`${what} data has ${m.data.length} elements, but rows × cols = ${m.rows * m.cols}`);
  const flat = vector && m.cols === 1;
  let buf: string[] = [];
  let size = 0;
  for (let i = 0; i < m.rows; i++) {
    let s: string;
    if (flat) s = checkedNumber(m.data[i] ?? 0, what, i, 0);
    else {
      const cells: string[] = new Array(m.cols);
      for (let j = 0; j < m.cols; j++) cells[j] = checkedNumber(m.data[i * m.cols + j] ?? 0, what, i, j);
      s = `[${cells.join(',')}]`;
    }
    const piece = (i === 0 ? '[' : ',') + s;
    buf.push(piece);
    size += piece.length;
    if (size >= 1 << 16) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  buf.push(m.rows === 0 ? '[]' : ']');
  yield buf.join('');
}

/** The chunks of a JSON data file for `ds`: a one-column `y`/`yTest` is written as a flat `number[]`, as the demo does. */
function* datasetJsonChunks(ds: Dataset): Generator<string> {
  if (ds.y.rows !== ds.x.rows) throw new InvalidArgumentError(`y has ${ds.y.rows} rows but x has ${ds.x.rows}`);
  if (ds.yTest !== undefined && ds.xTest === undefined) throw new InvalidArgumentError('yTest needs xTest');
  yield '{"x":';
  yield* matrixJsonChunks(ds.x, 'x', false);
  yield ',"y":';
  yield* matrixJsonChunks(ds.y, 'y', true);
  if (ds.xTest) {
    yield ',"xTest":';
    yield* matrixJsonChunks(ds.xTest, 'xTest', false);
  }
  if (ds.yTest) {
    yield ',"yTest":';
    yield* matrixJsonChunks(ds.yTest, 'yTest', true);
  }
  if (ds.meta !== undefined) yield `,"meta":${JSON.stringify(ds.meta)}`;
  yield '}';
}

/** Formats a matrix as JSON rows (`number[][]`). */
export function formatJsonMatrix(m: Mat): string {
  return new TextDecoder().decode(concatChunks(matrixJsonChunks(m, 'matrix', false)));
}

/** Writes a matrix as JSON rows (`number[][]`), streamed row by row into a temporary file renamed into place. */
export function writeJsonMatrix(path: string, m: Mat): void {
  writeChunksAtomic(path, matrixJsonChunks(m, 'matrix', false));
}

/** Formats a dataset in the JSON data-file format (see {@link datasetFromJSON}). */
export function formatDatasetJson(ds: Dataset): string {
  return new TextDecoder().decode(concatChunks(datasetJsonChunks(ds)));
}

/** Writes a dataset in the JSON data-file format, streamed row by row (never one giant string). */
export function writeDatasetJson(path: string, ds: Dataset): void {
  writeChunksAtomic(path, datasetJsonChunks(ds));
}
