// writeFileAtomic never replaces what is not a regular file; file errors are one line naming the path; the tour's
// Ctrl-C leaves the previous report intact and exits 130 (a real SIGINT to a child process).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyError } from '../src/main';
import { DiskFullError, FileError, fileError, writeFileAtomic } from '../src/io';
import { cliPath, nodeArgs, root } from './fuzz/cases';

const dir = mkdtempSync(join(tmpdir(), 'sftdl-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const leftovers = (d: string) => readdirSync(d).filter((f) => f.includes('.tmp-'));

function mkfifo(path: string): boolean {
  try {
    execFileSync('mkfifo', [path]);
    return true;
  } catch {
    return false;
  }
}

describe('writeFileAtomic', () => {
  it('a regular file is replaced atomically (no temp file left)', () => {
    const p = join(dir, 'plain.json');
    writeFileSync(p, 'old');
    writeFileAtomic(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(leftovers(dir)).toEqual([]);
  });

  it('a symlink stays a symlink; its target is written (also through a relative link and a dangling one)', () => {
    const sub = join(dir, 'links');
    mkdirSync(sub);
    const target = join(sub, 'target.json');
    writeFileSync(target, 'old');
    symlinkSync('target.json', join(sub, 'rel.json'));
    writeFileAtomic(join(sub, 'rel.json'), 'via link');
    expect(lstatSync(join(sub, 'rel.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(sub, 'rel.json'))).toBe('target.json');
    expect(readFileSync(target, 'utf8')).toBe('via link');
    symlinkSync(join(sub, 'new-target.json'), join(sub, 'dangling.json'));
    writeFileAtomic(join(sub, 'dangling.json'), 'created');
    expect(lstatSync(join(sub, 'dangling.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(sub, 'new-target.json'), 'utf8')).toBe('created');
    expect(leftovers(sub)).toEqual([]);
  });

  it('a FIFO gets a plain write when someone reads, a one-line refusal when nobody does; it stays a FIFO', async () => {
    const fifo = join(dir, 'pipe');
    if (!mkfifo(fifo)) return; // no mkfifo on this platform
    expect(() => writeFileAtomic(fifo, 'x')).toThrow(/named pipe with no reader/);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (b) => {
      got += b;
    });
    const done = new Promise((r) => reader.on('close', r));
    // the reader opens the FIFO asynchronously: retry until it is there
    const payload = 'y'.repeat(200_000); // more than a pipe buffer: exercises the EAGAIN wait
    for (let i = 0; ; i++) {
      try {
        writeFileAtomic(fifo, payload);
        break;
      } catch (e) {
        if (i > 200 || !/no reader/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    await done;
    expect(got).toBe(payload);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('a character device gets a plain write and stays a device (/dev/null; a mknod node when root)', () => {
    writeFileAtomic('/dev/null', 'discarded');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    if (!isRoot) return;
    const dev = join(dir, 'null-dev');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    writeFileAtomic(dev, 'discarded');
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
  });

  it('a directory is refused; missing parents are created; errors are FileErrors naming the path', () => {
    expect(() => writeFileAtomic(dir, 'x')).toThrow(FileError);
    expect(() => writeFileAtomic(dir, 'x')).toThrow(new RegExp(`refusing to write ${dir}: it is a directory`));
    writeFileAtomic(join(dir, 'a/b/c.json'), 'deep');
    expect(readFileSync(join(dir, 'a/b/c.json'), 'utf8')).toBe('deep');
    const file = join(dir, 'plain.json');
    expect(() => writeFileAtomic(join(file, 'below.json'), 'x')).toThrow(/cannot (create the folder|write) .*plain\.json/);
  });

  it('permission denied leaves no temp file and is one line (exit 2)', () => {
    if (isRoot) return; // root ignores permissions
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    let err: unknown;
    try {
      writeFileAtomic(join(ro, 'f.json'), 'x');
    } catch (e) {
      err = e;
    }
    chmodSync(ro, 0o700);
    expect(err).toBeInstanceOf(FileError);
    expect(classifyError(err)).toMatchObject({ code: 2 });
    expect(leftovers(ro)).toEqual([]);
  });

  it('ENOSPC is a DiskFullError (exit 1), EISDIR/ENOENT/EACCES FileErrors (exit 2), all naming the path', () => {
    const mk = (code: string) => Object.assign(new Error(code), { code });
    const full = fileError(mk('ENOSPC'), '/x/out.json', 'write');
    expect(full).toBeInstanceOf(DiskFullError);
    expect(classifyError(full)).toMatchObject({ code: 1, message: expect.stringMatching(/\/x\/out\.json: no space left/) });
    for (const code of ['EISDIR', 'ENOENT', 'EACCES']) {
      const e = fileError(mk(code), '/x/out.json', 'write');
      expect(e).toBeInstanceOf(FileError);
      expect(classifyError(e)).toMatchObject({ code: 2, message: expect.stringContaining('/x/out.json') });
    }
  });
});

describe('demo data --out X where X is a character device or a symlink (acceptance)', () => {
  const demo = (args: string[]) =>
    spawnSync(process.execPath, [...nodeArgs, cliPath, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  it('the device stays a device, the symlink stays a symlink and its target gets the data', () => {
    const sub = join(dir, 'accept');
    mkdirSync(sub);
    const link = join(sub, 'link.json');
    symlinkSync(join(sub, 'real.json'), link);
    const r = demo(['data', 'cubic', '--samples', '5', '--dim', '2', '--out', link]);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(sub, 'real.json'), 'utf8')).x).toHaveLength(5);
    const dev = isRoot ? join(sub, 'chr') : '/dev/null';
    if (isRoot) execFileSync('mknod', [dev, 'c', '1', '3']);
    const d = demo(['data', 'cubic', '--samples', '5', '--dim', '2', '--out', dev]);
    expect(d.status, d.stderr).toBe(0);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    const bad = demo(['data', 'cubic', '--samples', '5', '--dim', '2', '--out', sub, '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([`error: refusing to write ${sub}: it is a directory; give a file name`]);
    expect(JSON.parse(bad.stdout).error.type).toBe('FileError');
  });
});

describe('tour: Ctrl-C (a real SIGINT to a child process)', () => {
  it('exits 130 with one line saying where it stopped and how to continue; the previous report is intact', async () => {
    const out = join(dir, 'tour');
    mkdirSync(out);
    writeFileSync(join(out, 'report.html'), 'PREVIOUS REPORT');
    const child = spawn(process.execPath, [...nodeArgs, cliPath, 'tour', '--quick', '--out-dir', out], { cwd: root });
    let stderr = '';
    child.stdout.resume();
    const sent = new Promise<void>((res) => {
      child.stderr.on('data', (b) => {
        stderr += b;
        if (/Langevin/.test(stderr) && !child.killed) {
          child.kill('SIGINT');
          res();
        }
      });
    });
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    await sent;
    expect(code).toBe(130);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('PREVIOUS REPORT');
    const last = stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      /^interrupted \(in part 1 of 4, Langevin σ² = .* at step \d+ of \d+; the previous report .*report\.html is unchanged; .*rerun the same command/,
    );
  }, 120_000);
});
