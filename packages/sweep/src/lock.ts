import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './fsutil';

/** What a lock file holds: who owns the task and until when the lease runs. */
export interface LockInfo {
  pid: number;
  host: string;
  /** Random owner token (tells two owners in the same process apart). */
  token: string;
  /** ms since the epoch. */
  acquiredAt: number;
  /** ms since the epoch; the owner renews it while the task reports progress. */
  leaseUntil: number;
  /** Fraction done as last reported by the task (0 … 1). */
  progress?: number;
}

/** Why a lock is stale, or null when its owner is (as far as can be told) alive. */
export function staleReason(info: LockInfo | null, now = Date.now(), host = hostname()): string | null {
  if (!info) return 'unreadable lock file';
  if (info.host === host && !pidAlive(info.pid)) return `owner pid ${info.pid} on ${host} is gone`;
  if (now > info.leaseUntil)
    return `lease of pid ${info.pid} on ${info.host} expired ${((now - info.leaseUntil) / 1000).toFixed(0)} s ago`;
  return null;
}

/** Whether a process with this pid exists on this host (EPERM counts as alive). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a lock file; null when missing, empty or unparseable. */
export function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof v?.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** A held task lock. */
export interface TaskLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Extends the lease (and records progress); cheap to call often — it writes at most every min(leaseSeconds/8, 2 s). */
  renew(progress?: number): void;
  /** Releases the lock if it is still ours. */
  release(): void;
  /** A note when the lock was taken over from a dead or expired owner. */
  readonly tookOver?: string;
}

/**
 * Tries to take the lock file `path` for one task. Creation is atomic (a complete temp file is hard-linked into
 * place, which fails if the lock exists). An existing lock is taken over when it is stale: its owner's pid is gone
 * on this host, or its lease expired (owners on other hosts), or it is unreadable and older than a minute.
 * Takeovers are serialised by a mutex folder `path.takeover` and re-check the stale owner's token before removing it.
 *
 * @returns the lock, or null when another live owner holds it.
 */
export function acquireLock(path: string, o: { leaseSeconds?: number } = {}): TaskLock | null {
  const leaseMs = (o.leaseSeconds ?? 3600) * 1000;
  mkdirSync(dirname(path), { recursive: true });
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const now = Date.now();
  const info: LockInfo = { pid: process.pid, host: hostname(), token, acquiredAt: now, leaseUntil: now + leaseMs };
  const tryLink = (): boolean => {
    const tmp = `${path}.new-${token}`;
    writeFileAtomic(tmp, JSON.stringify(info));
    try {
      linkSync(tmp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      try {
        unlinkSync(tmp);
      } catch {
        /* gone */
      }
    }
  };
  let tookOver: string | undefined;
  if (!tryLink()) {
    const old = readLock(path);
    let reason = staleReason(old);
    if (reason === 'unreadable lock file') {
      try {
        if (Date.now() - statSync(path).mtimeMs < 60_000) reason = null;
      } catch {
        reason = 'lock vanished';
      }
    }
    if (reason === null) return null;
    const mutex = `${path}.takeover`;
    try {
      mkdirSync(mutex);
    } catch {
      try {
        if (Date.now() - statSync(mutex).mtimeMs > 60_000) rmdirSync(mutex);
      } catch {
        /* someone else cleaned up */
      }
      return null;
    }
    try {
      const aside = `${path}.stale-${token}`;
      try {
        renameSync(path, aside);
      } catch {
        /* vanished: just try to link */
      }
      const moved = readLock(aside);
      if (moved && old && moved.token !== old.token) {
        // a new owner linked in between: put its lock back
        try {
          linkSync(aside, path);
        } catch {
          /* a third owner: leave it */
        }
        try {
          unlinkSync(aside);
        } catch {
          /* gone */
        }
        return null;
      }
      try {
        unlinkSync(aside);
      } catch {
        /* gone */
      }
      if (!tryLink()) return null;
      tookOver = reason;
    } finally {
      try {
        rmdirSync(mutex);
      } catch {
        /* gone */
      }
    }
  }
  let lastWrite = Date.now();
  const lock: TaskLock = {
    path,
    info,
    ...(tookOver ? { tookOver } : {}),
    renew(progress) {
      const t = Date.now();
      if (t - lastWrite < Math.min(leaseMs / 8, 2000)) return;
      const cur = readLock(path);
      if (!cur || cur.token !== token) return;
      lastWrite = t;
      writeFileAtomic(
        path,
        JSON.stringify({ ...info, leaseUntil: t + leaseMs, ...(progress !== undefined ? { progress } : {}) }),
      );
    },
    release() {
      const cur = readLock(path);
      if (cur && cur.token === token) {
        try {
          unlinkSync(path);
        } catch {
          /* gone */
        }
      }
    },
  };
  return lock;
}
