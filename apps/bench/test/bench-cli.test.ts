import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

function bench(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@sftdl/source', '--import', 'tsx', join(root, 'apps/bench/src/cli.ts'), ...args],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('bench CLI', () => {
  it('lists the suites with --help and rejects an unknown suite with exit 2', () => {
    const help = bench(['--help']);
    for (const s of ['compute', 'kernels', 'solvers', 'langevin']) expect(help.stdout).toContain(s);
    expect(bench(['nope']).code).toBe(2);
  });
  it('langevin: --help documents the rows and baselines; a bad flag exits 2 with one line naming it', () => {
    const help = bench(['langevin', '--help']);
    expect(help.code).toBe(0);
    for (const s of ['--chains', '--no-paper', '--python', 'SFTDL_PYTHON', 'chainStepsPerSecond', 'fractionOfGemmRate'])
      expect(help.stdout).toContain(s);
    const bad = bench(['langevin', '--chains', 'x', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: --chains/)]);
  });
});
