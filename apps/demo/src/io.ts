import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { type Mat, SftdlError } from '@sftdl/compute';
import { UsageError } from '@sftdl/cli-kit';
import { readDataset } from '@sftdl/io';
import { type Budget, checkBudget, formatBytes } from './budget';

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
    if (cols === 0) throw new UsageError(`--data ${file}: "${key}" rows are empty (each row needs at least one number)`);
    const data = new Float64Array(v.length * cols);
    v.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== cols)
        throw new UsageError(
          `--data ${file}: "${key}" has ragged rows (row ${i} has length ${Array.isArray(row) ? row.length : 'n/a'}, expected ${cols})`,
        );
      row.forEach((x, j) => {
        if (typeof x !== 'number' || !Number.isFinite(x))
          throw new UsageError(`--data ${file}: "${key}"[${i}][${j}] is not a finite number`);
        data[i * cols + j] = x;
      });
    });
    return { rows: v.length, cols, data };
  }
  if (!allowVector) throw new UsageError(`--data ${file}: "${key}" must be an array of rows (number[][])`);
  const data = new Float64Array(v.length);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new UsageError(`--data ${file}: "${key}"[${i}] is not a finite number`);
    data[i] = x;
  });
  return { rows: v.length, cols: 1, data };
}

/** Heap bytes a parsed JSON data file takes per byte of text (number[][] of doubles: ~16–24 B per ~18-byte number). */
const JSON_HEAP_FACTOR = 4;

/** Table formats `--data` reads besides JSON: the last column is y, the others x (one split; no xTest). */
export const TABLE_EXTENSIONS = ['.npy', '.csv', '.tsv', '.txt'];

function readTableFile(file: string, size: number, budget?: Budget): DataFile {
  if (budget)
    checkBudget(budget, {
      what: `reading --data ${file} (${formatBytes(size)})`,
      bytes: 2 * size,
      flops: size,
      flags: 'the data file (fewer rows or columns)',
    });
  let ds;
  try {
    ds = readDataset(file);
  } catch (e) {
    if (SftdlError.isInstance(e) || e instanceof Error) {
      const msg = e.message.split('\n')[0] ?? '';
      throw new UsageError(`--data ${file}: ${msg.replace(file, '').replace(/^[:\s]+/, '')}`);
    }
    throw e;
  }
  for (const [k, m] of [
    ['x', ds.x],
    ['y', ds.y],
  ] as const)
    for (let i = 0; i < m.data.length; i++)
      if (!Number.isFinite(m.data[i] as number))
        throw new UsageError(
          `--data ${file}: ${k}[${Math.floor(i / m.cols)}][${i % m.cols}] is not a finite number (the last column is y, the others x)`,
        );
  return { x: ds.x, y: ds.y };
}

/**
 * Reads and validates a data file: JSON `{ x, y, xTest?, yTest? }`, or a `.npy`/CSV table whose last column is y.
 * Every problem is a UsageError (exit 2) naming --data. With a `budget`, a file whose parsed size would not fit is
 * refused before it is read.
 */
export function readDataFile(file: string, budget?: Budget): DataFile {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`--data ${file}: is a directory; give a JSON file`);
    if (!st.isFile()) throw new UsageError(`--data ${file}: not a regular file (a pipe or device); give a JSON file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`--data ${file}: file not found`);
    const fe = fileError(e, file, 'read');
    throw new UsageError(
      `--data ${file}: ${fe instanceof Error ? fe.message.replace(/^cannot read [^:]*: /, '') : 'unreadable'}`,
    );
  }
  if (TABLE_EXTENSIONS.includes(extname(file).toLowerCase())) return readTableFile(file, size, budget);
  if (budget)
    checkBudget(budget, {
      what: `reading --data ${file} (${formatBytes(size)})`,
      bytes: JSON_HEAP_FACTOR * size,
      heapBytes: JSON_HEAP_FACTOR * size,
      flops: size,
      flags: 'the data file (fewer rows or columns)',
    });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const fe = fileError(e, file, 'read');
    throw new UsageError(
      `--data ${file}: ${fe instanceof Error ? fe.message.replace(/^cannot read [^:]*: /, '') : 'unreadable'}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--data ${file}: not valid JSON (${(e as Error).message})`);
  }
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
    if (out.xTest.cols !== x.cols)
      throw new UsageError(`--data ${file}: "xTest" has ${out.xTest.cols} columns but "x" has ${x.cols}`);
  }
  if (o.yTest !== undefined) {
    out.yTest = toMat(o.yTest, 'yTest', file, true);
    if (!out.xTest || out.yTest.rows !== out.xTest.rows)
      throw new UsageError(`--data ${file}: "yTest" needs "xTest" with the same number of rows`);
  }
  if (o.meta !== undefined && typeof o.meta === 'object' && o.meta !== null) out.meta = o.meta as Record<string, unknown>;
  return out;
}

/** A file could not be read or written (missing folder, permission, a folder in the way…): exit 2, one line naming the path. */
export class FileError extends Error {
  override readonly name: string = 'FileError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The disk (or quota) is full: exit 1 — the input was fine, the machine was not. */
export class DiskFullError extends FileError {
  override readonly name = 'DiskFullError';
}

/** Turns a Node file-system error into a {@link FileError} (one line naming `path`); other errors pass through. */
export function fileError(e: unknown, path: string, verb: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new DiskFullError(
        path,
        `cannot ${verb} ${path}: no space left on the device (free some space or choose another --out)`,
        { cause: e },
      );
    case 'EISDIR':
      return new FileError(path, `cannot ${verb} ${path}: it is a directory; give a file name`, { cause: e });
    case 'ENOENT':
      return new FileError(path, `cannot ${verb} ${path}: no such file or directory`, { cause: e });
    case 'ENOTDIR':
      return new FileError(path, `cannot ${verb} ${path}: a part of the path is not a directory`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new FileError(path, `cannot ${verb} ${path}: permission denied`, { cause: e });
    case 'EROFS':
      return new FileError(path, `cannot ${verb} ${path}: read-only file system`, { cause: e });
    case 'ELOOP':
      return new FileError(path, `cannot ${verb} ${path}: too many levels of symbolic links`, { cause: e });
    case 'ENAMETOOLONG':
      return new FileError(path, `cannot ${verb} ${path}: file name too long`, { cause: e });
    case 'EEXIST':
      return new FileError(path, `cannot ${verb} ${path}: a file is in the way`, { cause: e });
    default:
      return e;
  }
}

let tmpCounter = 0;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `content` to an open descriptor; a full non-blocking pipe is waited on (up to `patienceMs`). */
function writeAll(fd: number, content: string | Uint8Array, path: string, patienceMs = 60_000): void {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let off = 0;
  let waited = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
      waited = 0;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      if (waited >= patienceMs)
        throw new FileError(path, `cannot write ${path}: the reader of the pipe stopped reading for ${patienceMs / 1000} s`);
      Atomics.wait(sleepCell, 0, 0, 5);
      waited += 5;
    }
  }
}

/**
 * Writes a file so that a reader never sees it half-written and nothing that is not a regular file is ever replaced:
 *
 * - target missing or a regular file: write a temp file beside it, then rename it over the target (atomic);
 * - a symbolic link: the link stays; its resolved target is written atomically (temp file beside the target);
 * - a character device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe): a plain write into it, never a rename;
 * - a directory, socket or block device: refused (exit 2).
 *
 * The temp file is removed on any failure. File-system errors become one-line {@link FileError}s naming the path
 * (exit 2; {@link DiskFullError}, exit 1, for a full disk). Creates the parent folder if needed.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  let target = path;
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(e, path, 'write');
  }
  if (st?.isSymbolicLink()) {
    // write through the link: to its final target (a dangling link gets its target created)
    try {
      target = realpathSync(path);
      st = statSync(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(e, path, 'write');
      target = danglingTarget(path);
      st = undefined;
    }
  }
  if (st && !st.isFile()) {
    if (st.isCharacterDevice() || st.isFIFO()) {
      // a FIFO opened without a reader would block for ever: open non-blocking and refuse when nobody reads
      let fd: number | undefined;
      try {
        fd = openSync(target, st.isFIFO() ? constants.O_WRONLY | constants.O_NONBLOCK : 'w');
        writeAll(fd, content, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENXIO')
          throw new FileError(path, `cannot write ${path}: it is a named pipe with no reader`);
        throw fileError(e, path, 'write');
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      return;
    }
    const kind = st.isDirectory()
      ? 'a directory; give a file name'
      : st.isSocket()
        ? 'a socket'
        : st.isBlockDevice()
          ? 'a block device'
          : 'not a regular file';
    throw new FileError(path, `refusing to write ${path}: it is ${kind}`);
  }
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (e) {
    throw fileError(e, dirname(target), 'create the folder');
  }
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${tmpCounter++}`);
  try {
    writeFileSync(tmp, content, { flag: 'wx', mode: st ? Number(st.mode) & 0o777 : 0o666 });
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw fileError(e, path, 'write');
  }
}

/** The path a dangling symbolic link points at (resolved relative to the link's folder, following a chain of links). */
function danglingTarget(link: string): string {
  let p = link;
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return p;
    }
    if (!st.isSymbolicLink()) return p;
    p = readlinkAbs(p);
  }
  throw new FileError(link, `cannot write ${link}: too many levels of symbolic links`);
}

function readlinkAbs(p: string): string {
  const to = readlinkSync(p);
  return isAbsolute(to) ? to : join(dirname(p), to);
}
