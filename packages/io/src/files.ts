import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Random-access bytes: an open file or an in-memory buffer, read in chunks so large files are never held twice. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A label for error messages (the file path or `'<bytes>'`). */
  readonly label: string;
  /** Copies up to `target.length` bytes starting at `position` into `target`; returns the count read (0 at the end). */
  read(position: number, target: Uint8Array): number;
}

/** A {@link ByteSource} over a buffer. */
export function bytesSource(bytes: Uint8Array, label = '<bytes>'): ByteSource {
  return {
    size: bytes.length,
    label,
    read(position, target) {
      const n = Math.max(0, Math.min(target.length, bytes.length - position));
      target.set(bytes.subarray(position, position + n));
      return n;
    },
  };
}

/** Opens `path` as a {@link ByteSource}, runs `fn`, and closes the file whatever happens. */
export function withFileSource<T>(path: string, fn: (src: ByteSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    return fn({
      size,
      label: path,
      read(position, target) {
        let done = 0;
        while (done < target.length) {
          const n = readSync(fd, target, done, target.length - done, position + done);
          if (n === 0) break;
          done += n;
        }
        return done;
      },
    });
  } finally {
    closeSync(fd);
  }
}

/** Reads exactly `length` bytes at `position`, or fewer at the end of the source. */
export function readRange(src: ByteSource, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(Math.max(0, Math.min(length, src.size - position)));
  const n = src.read(position, buf);
  return buf.subarray(0, n);
}

let tmpCounter = 0;

/**
 * Writes the chunks of `content` to `path` through a temporary file in the same folder renamed over `path` at the
 * end, so a reader never sees a half-written file and a failure leaves no partial file. Chunks are written as they
 * are produced: a large matrix is never formatted into one string. The parent folder is created when missing; a
 * file-system error names `path` (see {@link fileError}).
 */
export function writeChunksAtomic(path: string, content: Iterable<Uint8Array | string>): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${tmpCounter++}`);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(tmp, 'wx');
  } catch (e) {
    throw fileError(e, path);
  }
  try {
    for (const chunk of content) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already renamed or never created */
    }
    throw fileError(e, path);
  }
}

/**
 * A file-system error re-worded to name the file the caller asked for (not the temporary file), keeping Node's
 * `code` (`'ENOSPC'`, `'EACCES'`, …) and the original error as `cause`. Other errors pass through.
 */
function fileError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return e;
  const reason: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    EISDIR: 'it is a directory; give a file name',
    ENOTDIR: 'a part of the path is not a directory',
    ENOENT: 'no such folder',
    ENAMETOOLONG: 'file name too long',
  };
  const err = new Error(`cannot write ${path}: ${reason[code] ?? (e as Error).message}`, { cause: e }) as NodeJS.ErrnoException;
  err.code = code;
  return err;
}

/** Joins chunks into one buffer (for the in-memory encoders). */
export function concatChunks(chunks: Iterable<Uint8Array | string>): Uint8Array {
  const parts = [...chunks].map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** True on little-endian hosts (every platform Node supports today); big-endian hosts take the DataView path. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
