import { extname } from 'node:path';
import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { type ReadCsvOptions, type WriteCsvOptions, readCsv, writeCsv } from './csv';
import { DataFormatError } from './errors';
import { type Dataset, readDatasetJson, readJsonMatrix, writeDatasetJson, writeJsonMatrix } from './json';
import { type NpyDtype, readNpy, writeNpy } from './npy';

/** The file formats: numpy's `.npy`, CSV (`.csv`, `.tsv`, `.txt`) and JSON. */
export type FileFormat = 'npy' | 'csv' | 'json';

/** The file formats, in the order they are documented. */
export const FILE_FORMATS: readonly FileFormat[] = ['npy', 'csv', 'json'];

const EXTENSIONS: Record<string, FileFormat> = { '.npy': 'npy', '.csv': 'csv', '.tsv': 'csv', '.txt': 'csv', '.json': 'json' };

/**
 * The format of a file from its extension (`.npy`, `.csv`/`.tsv`/`.txt`, `.json`; case-insensitive), or the explicit
 * `format` when given. Throws {@link @sftdl/compute!InvalidArgumentError} for an unknown extension without `format`.
 */
export function formatOf(path: string, format?: FileFormat): FileFormat {
  if (format !== undefined) {
    if (!FILE_FORMATS.includes(format))
      throw new InvalidArgumentError(`format must be one of ${FILE_FORMATS.join('|')}, got '${String(format)}'`);
    return format;
  }
  const ext = extname(path).toLowerCase();
  const f = EXTENSIONS[ext];
  if (f === undefined) {
    throw new InvalidArgumentError(
      `cannot tell the format of '${path}' from its extension '${ext}'; use .npy, .csv, .tsv, .txt or .json, or pass { format: 'npy' | 'csv' | 'json' }`,
    );
  }
  return f;
}

/** Options of {@link readMatrix} and {@link readDataset}. */
export interface ReadMatrixOptions extends ReadCsvOptions {
  /** Overrides the format the extension implies. */
  format?: FileFormat;
}

/** Options of {@link writeMatrix}. */
export interface WriteMatrixOptions extends WriteCsvOptions {
  /** Overrides the format the extension implies. */
  format?: FileFormat;
  /** `.npy` element type (default float64). */
  dtype?: NpyDtype;
}

function csvDefaults<T extends { delimiter?: string }>(path: string, options: T): T {
  return options.delimiter === undefined && extname(path).toLowerCase() === '.tsv' ? { ...options, delimiter: '\t' } : options;
}

/**
 * Reads a matrix from a `.npy`, CSV or JSON (`number[][]`) file; the format comes from the extension unless `format`
 * is given. 1-D data (a `.npy` of shape `(n,)`, a JSON `number[]`) is read as an **n × 1 column vector**.
 *
 * @example
 * ```ts
 * const k = readMatrix('K.npy');             // numpy.save(…) output
 * const x = readMatrix('x.txt', { delimiter: 'whitespace' }); // numpy.savetxt default
 * ```
 */
export function readMatrix(path: string, options: ReadMatrixOptions = {}): Mat {
  const format = formatOf(path, options.format);
  if (format === 'npy') return readNpy(path, options);
  if (format === 'csv') return readCsv(path, csvDefaults(path, options));
  return readJsonMatrix(path);
}

/**
 * Writes a matrix as `.npy` (numpy.load reads it), CSV or JSON rows; the format comes from the extension unless
 * `format` is given. Every writer streams through a temporary file renamed into place.
 */
export function writeMatrix(path: string, m: Mat, options: WriteMatrixOptions = {}): void {
  const format = formatOf(path, options.format);
  if (format === 'npy')
    writeNpy(path, m, {
      ...(options.dtype ? { dtype: options.dtype } : {}),
      ...(options.allowNonFinite ? { allowNonFinite: true } : {}),
    });
  else if (format === 'csv') writeCsv(path, m, csvDefaults(path, options));
  else writeJsonMatrix(path, m);
}

/** Options of {@link readDataset}. */
export interface ReadDatasetOptions extends ReadMatrixOptions {
  /** For `.npy`/CSV tables: how many trailing columns are targets `y` (default 1); the rest are inputs `x`. */
  targets?: number;
}

function splitColumns(m: Mat, targets: number, file: string): Dataset {
  if (!Number.isInteger(targets) || targets < 1)
    throw new InvalidArgumentError(`targets must be a positive integer, got ${targets}`);
  if (m.cols <= targets)
    throw new DataFormatError(
      `has ${m.cols} columns; a data table needs at least one input column before the ${targets} target column(s)`,
      { file },
    );
  const d = m.cols - targets;
  const x = new Float64Array(m.rows * d);
  const y = new Float64Array(m.rows * targets);
  for (let i = 0; i < m.rows; i++) {
    x.set(m.data.subarray(i * m.cols, i * m.cols + d), i * d);
    y.set(m.data.subarray(i * m.cols + d, (i + 1) * m.cols), i * targets);
  }
  return { x: { rows: m.rows, cols: d, data: x }, y: { rows: m.rows, cols: targets, data: y } };
}

/**
 * Reads a dataset. JSON files use the data-file format `{ x, y, xTest?, yTest?, meta? }` (what `pnpm demo data`
 * writes). `.npy` and CSV files hold one table whose last `targets` columns (default 1) are `y` and the others `x`.
 */
export function readDataset(path: string, options: ReadDatasetOptions = {}): Dataset {
  const format = formatOf(path, options.format);
  if (format === 'json') return readDatasetJson(path);
  return splitColumns(readMatrix(path, { ...options, format }), options.targets ?? 1, path);
}

/**
 * Writes a dataset: JSON in the data-file format (streamed row by row), or `.npy`/CSV as one table `[x | y]`. A
 * table holds one split only: a dataset with `xTest` must be written as JSON (or as two tables).
 */
export function writeDataset(path: string, ds: Dataset, options: WriteMatrixOptions = {}): void {
  const format = formatOf(path, options.format);
  if (format === 'json') {
    writeDatasetJson(path, ds);
    return;
  }
  if (ds.xTest !== undefined || ds.yTest !== undefined) {
    throw new InvalidArgumentError(
      `a ${format} table holds one split; write JSON, or the test split to a second file: writeDataset(path2, { x: xTest, y: yTest })`,
    );
  }
  if (ds.y.rows !== ds.x.rows) throw new InvalidArgumentError(`y has ${ds.y.rows} rows but x has ${ds.x.rows}`);
  const cols = ds.x.cols + ds.y.cols;
  const data = new Float64Array(ds.x.rows * cols);
  for (let i = 0; i < ds.x.rows; i++) {
    data.set(ds.x.data.subarray(i * ds.x.cols, (i + 1) * ds.x.cols), i * cols);
    data.set(ds.y.data.subarray(i * ds.y.cols, (i + 1) * ds.y.cols), i * cols + ds.x.cols);
  }
  writeMatrix(path, { rows: ds.x.rows, cols, data }, { ...options, format });
}
