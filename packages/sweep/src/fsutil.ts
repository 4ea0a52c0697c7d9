import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

/** The file-system calls {@link writeFileAtomic} uses; tests replace `writeSync` to simulate a full disk. */
export interface AtomicWriteFs {
  writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
}

const defaultFs: AtomicWriteFs = { writeSync: (fd, b, o, l) => writeSync(fd, b, o, l) };

/**
 * Writes `content` to `path` atomically and durably: a fresh temp file in the same folder, every byte written,
 * fsync, rename over `path`, fsync of the folder. Readers see either the old file or the complete new one.
 *
 * Gotchas: on any error (ENOSPC on a full disk, EIO, …) the temp file is removed and the error rethrown; `path`
 * is untouched, so a full disk never leaves a partial result behind.
 */
export function writeFileAtomic(path: string, content: string, fs: AtomicWriteFs = defaultFs): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const bytes = Buffer.from(content, 'utf8');
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  fsyncDir(dir);
}

/** fsync of a folder (makes a rename durable); ignored where the platform cannot open folders. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
