import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const cli = join(root, 'apps/demo/src/cli.ts');

/** Runs the demo CLI like `pnpm --silent demo …` does. */
export function demo(args: string[], opts: { cwd?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=@sftdl/source', '--import', 'tsx', cli, ...args], {
    cwd: opts.cwd ?? root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('demo CLI contract', () => {
  it('--help lists the commands', () => {
    const r = demo(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['backends', 'data', 'kernel', 'train', 'msa', 'gp', 'grokking', 'scaling']) expect(r.stdout).toContain(c);
  });
  it('modular --method, --screened-sweeps, --sweeps, --environment-check, --cavity-check, --second-prime and the screened closure: validated, only for the scenario run', () => {
    const bad = demo(['modular', '--method', 'euler']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--method must be lm or mala, got euler/);
    const plan = demo(['modular', '--full', '--plan-sweep', join(tmpdir(), 'sftdl-never'), '--method', 'mala']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/--method applies to the scenario run/);
    const sweeps = demo(['modular', '--full', '--plan-sweep', join(tmpdir(), 'sftdl-never'), '--screened-sweeps']);
    expect(sweeps.code).toBe(2);
    expect(sweeps.stderr).toMatch(/--screened-sweeps applies to the scenario run/);
    const only = demo(['modular', '--full', '--plan-sweep', join(tmpdir(), 'sftdl-never'), '--sweeps', 'gmfl2']);
    expect(only.code).toBe(2);
    expect(only.stderr).toMatch(/--sweeps applies to the scenario run/);
    const env = demo(['modular', '--full', '--plan-sweep', join(tmpdir(), 'sftdl-never'), '--environment-check']);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--environment-check applies to the scenario run/);
    const cav = demo(['modular', '--full', '--plan-sweep', join(tmpdir(), 'sftdl-never'), '--cavity-check']);
    expect(cav.code).toBe(2);
    expect(cav.stderr).toMatch(/--cavity-check applies to the scenario run/);
    const cavP = demo(['modular', '--prime', '29', '--cavity-check']);
    expect(cavP.code).toBe(2);
    expect(cavP.stderr).toMatch(/--cavity-check needs --prime ≤ 23/);
    const notPrime = demo(['modular', '--second-prime', '15']);
    expect(notPrime.code).toBe(2);
    expect(notPrime.stderr).toMatch(/--second-prime needs a prime above --prime 11 \(e\.g\. 13\), got 15/);
    const below = demo(['modular', '--second-prime', '7']);
    expect(below.code).toBe(2);
    expect(below.stderr).toMatch(/--second-prime needs a prime above --prime 11/);
    const tooWide = demo(['modular', '--width', '64', '--second-prime', '47']);
    expect(tooWide.code).toBe(2);
    expect(tooWide.stderr).toMatch(/N' = N·\(P'\/P\)⁴ = 21\d{3} > 4096/);
    const planP2 = demo(['modular', '--full', '--plan-sweep', join(tmpdir(), 'sftdl-never'), '--second-prime', '13']);
    expect(planP2.code).toBe(2);
    expect(planP2.stderr).toMatch(/--second-prime applies to the scenario run, not to --plan-sweep/);
    const badSweep = demo(['modular', '--sweeps', 'gmfl3']);
    expect(badSweep.code).toBe(2);
    expect(badSweep.stderr).toMatch(/gmfl3/);
    expect(badSweep.stderr).toMatch(/gfl.*gmfl1-mid.*gmfl2/);
    const badCoupling = demo(['modular', '--screened-coupling', 'cubic']);
    expect(badCoupling.code).toBe(2);
    expect(badCoupling.stderr).toMatch(/--screened-coupling must be linear or exact, got cubic/);
    const badDiscrepancy = demo(['modular', '--screened-discrepancy', 'third-order']);
    expect(badDiscrepancy.code).toBe(2);
    expect(badDiscrepancy.stderr).toMatch(/second-order or deterministic-equivalent, got third-order/);
    const closure = demo(['modular', '--full', '--plan-sweep', join(tmpdir(), 'sftdl-never'), '--screened-coupling', 'exact']);
    expect(closure.code).toBe(2);
    expect(closure.stderr).toMatch(/--screened-coupling applies to the scenario run's screened theory/);
  });
  it('an unknown command is a usage error (exit 2, one line naming the allowed values)', () => {
    const r = demo(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/allowed: .*grokking/);
  });
  it('data: writes the data format and prints exactly one JSON object with --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sftdl-demo-'));
    const out = join(dir, 'd.json');
    const r = demo([
      'data',
      'cubic',
      '--samples',
      '20',
      '--dim',
      '5',
      '--seed',
      '3',
      '--epsilon',
      '0.5',
      '--test-samples',
      '4',
      '--out',
      out,
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ samples: 20, dim: 5, outputs: 1 });
    expect(summary.meta.teacherDirection).toHaveLength(5);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.x).toHaveLength(20);
    expect(file.yTest).toHaveLength(4);
    // y = He1(z) + ε He3(z) on every row, with w* from meta
    const w: number[] = file.meta.teacherDirection;
    file.x.forEach((row: number[], i: number) => {
      const z = row.reduce((s, v, j) => s + v * w[j]!, 0);
      expect(file.y[i]).toBeCloseTo(z + 0.5 * (z ** 3 - 3 * z), 10);
    });
    // same seed → same file
    const again = join(dir, 'e.json');
    demo([
      'data',
      'cubic',
      '--samples',
      '20',
      '--dim',
      '5',
      '--seed',
      '3',
      '--epsilon',
      '0.5',
      '--test-samples',
      '4',
      '--out',
      again,
    ]);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });
  it('data modular: full table by default; composite P is exit 2 naming --prime', () => {
    const r = demo(['data', 'modular', '--prime', '5', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ samples: 25, dim: 10, outputs: 5 });
    const bad = demo(['data', 'modular', '--prime', '9', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--prime/);
  });
  it('bad flags: negative sizes, NaN, unknown flags and missing data files are exit 2 naming the flag', () => {
    expect(demo(['data', 'cubic', '--samples', '-3', '--dim', '5', '--json'])).toMatchObject({ code: 2 });
    const nan = demo(['data', 'cubic', '--samples', '10', '--dim', 'NaN', '--json']);
    expect(nan.code).toBe(2);
    expect(nan.stderr).toMatch(/--dim/);
    const unknown = demo(['data', 'cubic', '--samples', '10', '--dim', '3', '--bogus', '1', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--bogus/);
  });
  it('the data-file reader rejects ragged rows and NaN with exit 2', async () => {
    const { readDataFile } = await import('../src/io');
    const dir = mkdtempSync(join(tmpdir(), 'sftdl-io-'));
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ x: [[1, 2], [3]], y: [1, 2] }));
    expect(() => readDataFile(f)).toThrow(/ragged/);
    writeFileSync(
      f,
      JSON.stringify({
        x: [
          [1, 2],
          [3, 4],
        ],
        y: [1],
      }),
    );
    expect(() => readDataFile(f)).toThrow(/rows/);
    writeFileSync(f, '{"x": [[1, 2]], "y": [NaN]}');
    expect(() => readDataFile(f)).toThrow(/JSON/);
    expect(() => readDataFile(join(dir, 'missing.json'))).toThrow(/not found/);
  });
});
