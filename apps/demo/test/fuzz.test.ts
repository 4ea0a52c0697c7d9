// The CLI fuzz suite in CI (see test/fuzz/cases.ts for the generator and the checks), plus the reproductions of the
// hardening issue as real child processes: EPIPE, --debug, the one-line messages, and the exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CASES, DEFAULT_SEED } from './fuzz/config';
import { cliPath, generateCases, nodeArgs, root, runCases, violations, writeDataFiles } from './fuzz/cases';

const dir = mkdtempSync(join(tmpdir(), 'sftdl-fuzz-'));
const files = writeDataFiles(join(dir, 'data'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function demo(args: string[]): { code: number; stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeArgs, cliPath, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

describe('CLI fuzz (fixed seed, in-process, 30 s cap per case)', () => {
  it(`${DEFAULT_CASES} generated bad-flag / bad-data cases: exit 0|2, ≤ 1 stderr line, valid JSON without undocumented nulls`, async () => {
    const cases = generateCases({ seed: DEFAULT_SEED, count: DEFAULT_CASES, files, outDir: join(dir, 'out') });
    const res = await runCases(cases, { capMs: 30_000 });
    const report = res.failures.map((f) => `#${f.c.id} ${f.c.argv.join(' ')}\n  ${f.v.join('\n  ')}`).join('\n');
    // the counts, for the record (inputs tried / passed)
    console.log(`fuzz: seed ${DEFAULT_SEED}, ${res.tried} inputs tried, ${res.passed} passed`);
    expect(res.failures, report).toEqual([]);
    // the sample covers every command
    expect(new Set(cases.map((c) => c.command)).size).toBeGreaterThanOrEqual(14);
  }, 600_000);
});

describe('hardening reproductions (real child processes)', () => {
  const one = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l.trim() !== '');

  it('gp on a zero kernel (relu, no bias, all-zero inputs, σ² = 0) terminates: exit 0 with finite output', () => {
    const r = demo([
      'gp',
      '--activation',
      'relu',
      '--depth',
      '2',
      '--sigma-w2',
      '1',
      '--bias-var',
      '0',
      '--sigma2',
      '0',
      '--data',
      files.zeros!,
      '--json',
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.mean.every((v: number) => v === 0)).toBe(true);
    expect(Number.isFinite(out.logMarginalLikelihood)).toBe(true);
    expect(out.jitter).toBeGreaterThan(0);
  });

  it('messages name the flag: gp --sigma-w2 1e300, kernel --activation constructor, grokking cubic --epsilon 0 --find-transition', () => {
    const a = demo([
      'gp',
      '--activation',
      'relu',
      '--depth',
      '2',
      '--sigma-w2',
      '1e300',
      '--bias-var',
      '0',
      '--sigma2',
      '0.1',
      '--data',
      files.valid!,
      '--json',
    ]);
    expect(a.code).toBe(2);
    expect(one(a)).toHaveLength(1);
    expect(a.stderr).toMatch(/^error: --sigma-w2 1e\+300/);
    expect(JSON.parse(a.stdout).error.type).toBe('UsageError');
    const b = demo([
      'kernel',
      '--activation',
      'constructor',
      '--depth',
      '2',
      '--sigma-w2',
      '1',
      '--bias-var',
      '0',
      '--data',
      files.valid!,
    ]);
    expect(b.code).toBe(2);
    expect(one(b)).toEqual([expect.stringMatching(/^error: --activation: unknown activation 'constructor'; allowed: .*relu/)]);
    const c = demo([
      'grokking',
      'cubic',
      '--epsilon',
      '0',
      '--find-transition',
      '--sigma-w2',
      '1',
      '--sigma-a2',
      '1',
      '--width',
      '100',
      '--samples',
      '100',
      '--dim',
      '10',
    ]);
    expect(c.code).toBe(2);
    expect(one(c)).toEqual([expect.stringMatching(/^error: --epsilon 0: no first-order transition/)]);
    expect(c.stderr).not.toMatch(/NaN/);
  });

  it('targets ≈ 1e200: a typed overflow error (exit 2), not a null likelihood', () => {
    const r = demo([
      'gp',
      '--activation',
      'relu',
      '--depth',
      '2',
      '--sigma-w2',
      '1',
      '--bias-var',
      '0',
      '--sigma2',
      '0.1',
      '--data',
      files.hugeY!,
      '--json',
      '--quiet',
    ]);
    expect(r.code).toBe(2);
    expect(one(r)).toEqual([expect.stringMatching(/^error: GP posterior overflowed.*rescale the targets/)]);
  });

  it('sizes are checked before work: --depth 1e9, --samples 1e9, --prime 1000003, --restarts 1e9 exit 2 within seconds, naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [
        ['kernel', '--activation', 'relu', '--depth', '1e9', '--sigma-w2', '1', '--bias-var', '0', '--data', files.valid!],
        /reduce --depth/,
      ],
      [['data', 'cubic', '--samples', '1e9', '--dim', '2', '--json'], /reduce --samples/],
      [['data', 'modular', '--prime', '1000003', '--json'], /reduce --prime/],
      [
        [
          'gp',
          '--activation',
          'erf',
          '--depth',
          '2',
          '--sigma-w2',
          '1',
          '--bias-var',
          '0.1',
          '--sigma2',
          '0.1',
          '--fit',
          '--restarts',
          '1e9',
          '--data',
          files.valid!,
        ],
        /reduce --restarts/,
      ],
      [
        [
          'kernel',
          '--activation',
          'relu',
          '--depth',
          '2',
          '--sigma-w2',
          '1',
          '--bias-var',
          '0',
          '--data',
          files.big!,
          '--max-memory',
          '4M',
        ],
        /over the budget of 4\.19 MB \(--max-memory 4M\)/,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = demo(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(one(r), args.join(' ')).toEqual([expect.stringMatching(msg)]);
      expect(r.ms).toBeLessThan(30_000);
    }
  });

  it('unexpected failures are one line (exit 1); --debug adds the stack', () => {
    // a typed error and --debug: the line, then the stack
    const r = demo([
      'grokking',
      'cubic',
      '--epsilon',
      '0',
      '--find-transition',
      '--sigma-w2',
      '1',
      '--sigma-a2',
      '1',
      '--width',
      '100',
      '--samples',
      '100',
      '--dim',
      '10',
      '--debug',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --epsilon 0/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('… --json | head -c 10 does not crash with EPIPE', () => {
    const cmd = [process.execPath, ...nodeArgs, cliPath, 'data', 'modular', '--prime', '3', '--json']
      .map((a) => `'${a}'`)
      .join(' ');
    // a JSON object far larger than the pipe buffer: the 600×600 NNGP and NTK (~14 MB)
    const rows = Array.from({ length: 600 }, (_, i) => [Math.sin(i), Math.cos(3 * i), 0.5]);
    const file = join(dir, 'rows600.json');
    writeFileSync(file, JSON.stringify({ x: rows, y: rows.map((r) => r[0]) }));
    const big = [
      process.execPath,
      ...nodeArgs,
      cliPath,
      'kernel',
      '--activation',
      'relu',
      '--depth',
      '1',
      '--sigma-w2',
      '1',
      '--bias-var',
      '0',
      '--data',
      file,
      '--json',
      '--quiet',
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    for (const c of [cmd, big]) {
      const r = spawnSync('bash', ['-c', `${c} | head -c 10 > /dev/null; echo "rc=\${PIPESTATUS[0]}" >&2`], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(r.stderr).toMatch(/rc=0/);
    }
  }, 120_000);

  // `train --sigma-w2 1e300` once exited 0 with null diagnostics (rhat, tauInt, per-observable ESS).
  it('train --sigma-w2 1e300 is a typed error or finite output', () => {
    const r = demo([
      'train',
      '--data',
      files.valid!,
      '--width',
      '4',
      '--sigma2',
      '0.1',
      '--steps',
      '100',
      '--chains',
      '2',
      '--sigma-w2',
      '1e300',
      '--json',
      '--quiet',
    ]);
    expect(violations({ argv: ['--json'] }, r, 60_000)).toEqual([]);
  });

  it('violations() flags what it should (self-test of the checker)', () => {
    const base = { code: 0, stdout: '{"a":1}', stderr: '', ms: 1 };
    expect(violations({ argv: ['--json'] }, base, 1)).toEqual([]);
    expect(violations({ argv: ['--json'] }, { ...base, code: 1 }, 1)[0]).toMatch(/exit 1/);
    expect(violations({ argv: ['--json'] }, { ...base, stdout: '{"a":null}' }, 1)[0]).toMatch(/undocumented null .* a/);
    expect(violations({ argv: ['--json'] }, { ...base, stdout: '{"meta":{"width":null}}' }, 1)).toEqual([]);
    expect(violations({ argv: [] }, { ...base, stderr: 'error: x\n    at f (a.ts:1)\n' }, 1).join()).toMatch(/2 lines|stack/);
    expect(violations({ argv: ['--json'] }, { ...base, code: 2, stderr: 'error: bad\n', stdout: '{}' }, 1)[0]).toMatch(
      /error: \{ type, message \}/,
    );
    expect(violations({ argv: [] }, 'timeout', 30_000)).toEqual(['no result within 30 s']);
  });
});
