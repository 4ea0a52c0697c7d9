import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const run = (args: string[]) => {
  const r = spawnSync(
    process.execPath,
    ['--conditions=@sftdl/source', '--import', 'tsx', join(root, 'apps/demo/src/cli.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

describe('demo scaling: network runner and honest framing', () => {
  it('measure --runner langevin (tiny): one JSON object with the verdict keys, expected time on stderr, a report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sftdl-scaling-'));
    const report = join(dir, 'r.html');
    const r = run([
      'scaling',
      'measure',
      '--runner',
      'langevin',
      '--dims',
      '4,5',
      '--seeds',
      '2',
      '--chains',
      '2',
      '--burn-in',
      '10',
      '--record',
      '10',
      '--p-max',
      '1024',
      '--bootstrap',
      '20',
      '--test-samples',
      '100',
      '--report',
      report,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/expected time ≤ \d+ s/);
    const j = JSON.parse(r.stdout);
    for (const k of [
      'predicted',
      'fittedExponent',
      'interval',
      'consistent',
      'rivalExponents',
      'expectedSeconds',
      'sizes',
      'specialised',
    ])
      expect(j).toHaveProperty(k);
    expect(j.predicted).toBe(1); // two-layer He3 at N = d: specialisation, E = 2√(N·d)
    expect(j.rivalExponents).toEqual([1.5, 3]); // GFL (N·d)^(3/4) and GP d³ at N = d
    expect(j.kind).toBe('scaling');
    expect(j.branch).toBe('down');
    expect(j.fittedExponent).toBe(j.branches.down.fittedExponent);
    // consistent ⇔ the interval contains 1 and excludes 1.5 and 3
    if (j.interval) {
      const [lo, hi] = j.interval as [number, number];
      expect(j.consistent).toBe(lo <= 1 && 1 <= hi && !(lo <= 1.5 && 1.5 <= hi) && !(lo <= 3 && 3 <= hi));
    } else expect(j.consistent).toBe(false);
    // one onset per dataset; the fitted exponent is the least-squares slope of mean log P*↓ on log d (by hand here)
    expect(j.datasetsPerDim).toEqual([3, 2]); // ⌈2·5/4⌉ = 3 datasets at d = 4, 2 at d = 5
    expect(j.fittedExponent).not.toBeNull(); // every dataset bracketed at these sizes (a fit, not a meaningful one)
    {
      const pts = (j.sizes as { dim: number; down: { datasetOnsets: number[] } }[]).map((s) => ({
        x: Math.log(s.dim),
        y: s.down.datasetOnsets.reduce((a, v) => a + Math.log(v), 0) / s.down.datasetOnsets.length,
      }));
      expect(j.fittedExponent).toBeCloseTo((pts[1]!.y - pts[0]!.y) / (pts[1]!.x - pts[0]!.x), 9);
      expect(j.failedResamples).toBe(0);
    }
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toContain('<svg');
  });

  it('multi-index targets are refused with exit 2 and one line naming --target', () => {
    const r = run(['scaling', 'predict', '--model', 'two-layer', '--target', 'he3+he3', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--target: multi-index/);
  });

  it('the linear-target row below proportional width is a lower bound, compared as one', () => {
    const p = run(['scaling', 'predict', '--model', 'two-layer-linear', '--target', 'he1', '--width-exponent', '1/2', '--json']);
    expect(p.code).toBe(0);
    const j = JSON.parse(p.stdout);
    expect(j.kind).toBe('lower-bound');
    expect(j.pStarExponent).toBe(0.75);
    const m = run([
      'scaling',
      'measure',
      '--runner',
      'linear',
      '--width-exponent',
      '1/2',
      '--dims',
      '8,16',
      '--seeds',
      '2',
      '--bootstrap',
      '20',
      '--test-samples',
      '100',
      '--json',
    ]);
    expect(m.code).toBe(0);
    const k = JSON.parse(m.stdout);
    expect(k.kind).toBe('lower-bound');
    expect(k.consistent).toBe(k.interval[1] >= 0.75);
  });
});
