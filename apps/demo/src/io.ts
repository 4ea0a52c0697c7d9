import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Mat } from '@sftdl/compute';
import { UsageError } from '@sftdl/cli-kit';

/** A dataset file in the CLI data format: rows are samples; y may be a vector or a matrix. */
export interface DataFile {
  x: Mat;
  y: Mat;
  xTest?: Mat;
  yTest?: Mat;
  meta?: Record<string, unknown>;
}

function toMat(v: unknown, key: string, file: string, allowVector: boolean): Mat {
  if (!Array.isArray(v) || v.length === 0) throw new UsageError(`--data ${file}: "${key}" must be a non-empty array`);
  if (Array.isArray(v[0])) {
    const cols = (v[0] as unknown[]).length;
    const data = new Float64Array(v.length * cols);
    v.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols) throw new UsageError(`--data ${file}: "${key}" has ragged rows (row ${i} has length ${Array.isArray(row) ? row.length : 'n/a'}, expected ${cols})`);
      row.forEach((x, j) => {
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new UsageError(`--data ${file}: "${key}"[${i}][${j}] is not a finite number`);
        data[i * cols + j] = x;
      });
    });
    return { rows: v.length, cols, data };
  }
  if (!allowVector) throw new UsageError(`--data ${file}: "${key}" must be an array of rows (number[][])`);
  const data = new Float64Array(v.length);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new UsageError(`--data ${file}: "${key}"[${i}] is not a finite number`);
    data[i] = x;
  });
  return { rows: v.length, cols: 1, data };
}

/** Reads and validates a data file; every problem is a UsageError (exit 2) naming --data. */
export function readDataFile(file: string): DataFile {
  if (!existsSync(file)) throw new UsageError(`--data ${file}: file not found`);
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new UsageError(`--data ${file}: not valid JSON (${(e as Error).message})`); }
  if (typeof raw !== 'object' || raw === null) throw new UsageError(`--data ${file}: expected a JSON object with "x" and "y"`);
  const o = raw as Record<string, unknown>;
  if (!('x' in o)) throw new UsageError(`--data ${file}: missing key "x"`);
  if (!('y' in o)) throw new UsageError(`--data ${file}: missing key "y"`);
  const x = toMat(o.x, 'x', file, false);
  const y = toMat(o.y, 'y', file, true);
  if (y.rows !== x.rows) throw new UsageError(`--data ${file}: "y" has ${y.rows} rows but "x" has ${x.rows}`);
  const out: DataFile = { x, y };
  if (o.xTest !== undefined) {
    out.xTest = toMat(o.xTest, 'xTest', file, false);
    if (out.xTest.cols !== x.cols) throw new UsageError(`--data ${file}: "xTest" has ${out.xTest.cols} columns but "x" has ${x.cols}`);
  }
  if (o.yTest !== undefined) {
    out.yTest = toMat(o.yTest, 'yTest', file, true);
    if (!out.xTest || out.yTest.rows !== out.xTest.rows) throw new UsageError(`--data ${file}: "yTest" needs "xTest" with the same number of rows`);
  }
  if (o.meta !== undefined && typeof o.meta === 'object' && o.meta !== null) out.meta = o.meta as Record<string, unknown>;
  return out;
}

/** Writes a file atomically (temp file + rename), creating the folder. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
