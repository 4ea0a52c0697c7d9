import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, readLock, staleReason } from './lock';

function deadPid(): number {
  // a process that has exited: its pid is free (reuse within the test is vanishingly unlikely)
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('task locks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-lock-'));

  it('one owner at a time; released locks can be taken again', () => {
    const p = join(dir, 'a.lock');
    const a = acquireLock(p);
    expect(a).not.toBeNull();
    expect(acquireLock(p)).toBeNull();
    expect(readLock(p)?.token).toBe(a!.info.token);
    a!.release();
    expect(existsSync(p)).toBe(false);
    const b = acquireLock(p);
    expect(b).not.toBeNull();
    b!.release();
  });

  it('takes over a lock whose owner pid is gone on this host', () => {
    const p = join(dir, 'dead.lock');
    const pid = deadPid();
    writeFileSync(p, JSON.stringify({ pid, host: hostname(), token: 'old', acquiredAt: 0, leaseUntil: Date.now() + 3.6e6 }));
    expect(staleReason(readLock(p))).toMatch(new RegExp(`pid ${pid}.*gone`));
    const l = acquireLock(p);
    expect(l?.tookOver).toMatch(/gone/);
    expect(readLock(p)?.token).toBe(l!.info.token);
    l!.release();
  });

  it('takes over an expired lease from another host, but not a live one', () => {
    const p = join(dir, 'remote.lock');
    writeFileSync(
      p,
      JSON.stringify({ pid: 1, host: 'other-node', token: 'live', acquiredAt: 0, leaseUntil: Date.now() + 60_000 }),
    );
    expect(acquireLock(p)).toBeNull();
    writeFileSync(p, JSON.stringify({ pid: 1, host: 'other-node', token: 'old', acquiredAt: 0, leaseUntil: Date.now() - 1000 }));
    const l = acquireLock(p);
    expect(l?.tookOver).toMatch(/lease .* expired/);
    l!.release();
  });

  it('a live owner in this process (pid alive) is never taken over', () => {
    const p = join(dir, 'live.lock');
    writeFileSync(
      p,
      JSON.stringify({ pid: process.pid, host: hostname(), token: 't', acquiredAt: 0, leaseUntil: Date.now() + 60_000 }),
    );
    expect(acquireLock(p)).toBeNull();
  });

  it('renew extends the lease and records progress', async () => {
    const p = join(dir, 'renew.lock');
    const l = acquireLock(p, { leaseSeconds: 8 })!;
    const before = readLock(p)!.leaseUntil;
    await new Promise((r) => setTimeout(r, 1100));
    l.renew(0.5);
    const after = readLock(p)!;
    expect(after.leaseUntil).toBeGreaterThan(before);
    expect(after.progress).toBe(0.5);
    l.release();
  });
});
