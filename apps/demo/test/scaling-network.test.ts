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
      '--start',
      'prior', // the full protocol (the ν = 1 default walks down from an aligned top)
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
    // the langevin default level: about half the one-specialist ceiling, on the teacher-quadrature test set
    expect(j).toMatchObject({ threshold: 0.3, testSet: 'quadrature' });
    const thr = j.threshold as number;
    // the same walks read at other levels (not a verdict): the verdict's level reproduces the verdict's exponent
    const scan = j.thresholdScan.rows as { threshold: number; fittedExponent: number | null }[];
    expect(scan.map((r) => r.threshold)).toEqual([0.2, 0.25, 0.3, 0.4, 0.5]);
    expect(scan.find((r) => r.threshold === thr)!.fittedExponent).toBe(j.fittedExponent);
    expect(j.branch).toBe('equilibrium'); // the verdict: the equilibrium onset; up/down are the spinodals
    // consistent ⇔ the interval contains 1 and excludes 1.5 and 3
    if (j.interval) {
      const [lo, hi] = j.interval as [number, number];
      expect(j.consistent).toBe(lo <= 1 && 1 <= hi && !(lo <= 1.5 && 1.5 <= hi) && !(lo <= 3 && 3 <= hi));
    } else expect(j.consistent).toBe(false);
    // the onset per d is where the dataset-mean down curve falls below the threshold walking down from the top (log-linear
    // interpolation); the fitted exponent is the slope through the two d (recomputed by hand here)
    expect(j.datasetsPerDim).toEqual([3, 2]); // ⌈2·5/4⌉ = 3 datasets at d = 4, 2 at d = 5
    expect(j.method).toBe('restricted-free-energy');
    const crossing = (P: number[], rows: number[][]) => {
      const m = P.map((_, i) => rows.reduce((a, r) => a + r[i]!, 0) / rows.length);
      for (let i = P.length - 2; i >= 0; i--)
        if (m[i]! < thr && m[i + 1]! >= thr)
          return Math.exp(Math.log(P[i]!) + ((thr - m[i]!) / (m[i + 1]! - m[i]!)) * Math.log(P[i + 1]! / P[i]!));
      return null;
    };
    const sizes = j.sizes as { dim: number; down: { samples: number[]; alignment: number[][]; onset: number | null } }[];
    const on = sizes.map((s) => crossing(s.down.samples, s.down.alignment));
    if (j.branches.down.fittedExponent !== null) {
      sizes.forEach((s, i) => expect(s.down.onset).toBeCloseTo(on[i]!, 9));
      expect(j.branches.down.fittedExponent).toBeCloseTo(Math.log(on[1]! / on[0]!) / Math.log(5 / 4), 9);
    } else expect(on.some((v) => v === null)).toBe(true);
    // equilibrium: per dataset the mixture w·A_al + (1 − w)·A_lazy; the onset is where its dataset mean first reaches the threshold
    // walking up (P > 0), and at P = 0 ΔF is the log ratio of the regions' exact prior masses
    const first = (P: number[], rows: number[][]) => {
      const m = P.map((_, i) => rows.reduce((a, r) => a + r[i]!, 0) / rows.length);
      for (let i = 0; i < P.length; i++)
        if (m[i]! >= thr)
          return i === 0
            ? null
            : Math.exp(Math.log(P[i - 1]!) + ((thr - m[i - 1]!) / (m[i]! - m[i - 1]!)) * Math.log(P[i]! / P[i - 1]!));
      return null;
    };
    const eq = (
      j.sizes as {
        equilibrium: {
          samples: number[];
          mixture: number[][];
          deltaF: number[][];
          logPriorMass: { lazy: number; aligned: number };
          onset: number | null;
        };
      }[]
    ).map((s) => s.equilibrium);
    const eqOn = eq.map((e) =>
      first(
        e.samples.slice(1),
        e.mixture.map((r) => r.slice(1)),
      ),
    );
    for (const e of eq) {
      expect(e.samples[0]).toBe(0);
      for (const r of e.deltaF) expect(r[0]).toBeCloseTo(e.logPriorMass.lazy - e.logPriorMass.aligned, 12);
    }
    if (j.fittedExponent !== null) {
      eq.forEach((e, i) => expect(e.onset).toBeCloseTo(eqOn[i]!, 9));
      expect(j.fittedExponent).toBeCloseTo(Math.log(eqOn[1]! / eqOn[0]!) / Math.log(5 / 4), 9);
      expect(j.fittedExponent).toBe(j.branches.equilibrium.fittedExponent);
    } else expect(eqOn.some((v) => v === null)).toBe(true);
    // every dataset of a d shares the down grid, which starts from a top where the dataset mean is ≥ the threshold
    for (const s of sizes) {
      for (const r of s.down.alignment) expect(r).toHaveLength(s.down.samples.length);
      const top = s.down.alignment.reduce((a, r) => a + r[r.length - 1]!, 0) / s.down.alignment.length;
      expect(top).toBeGreaterThanOrEqual(thr);
    }
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toContain('<svg');
  });

  it('--full --plan-sweep cells walk up, down and the equilibrium walks; --from pools them into the verdict', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sftdl-scaling-sweep-')), 'plan');
    const tiny = [
      '--dims',
      '4,5',
      '--seeds',
      '2',
      '--burn-in',
      '10',
      '--record',
      '10',
      '--p-max',
      '256',
      '--test-samples',
      '100',
    ];
    const plan = run(['scaling', 'measure', '--runner', 'langevin', '--full', '--plan-sweep', dir, ...tiny, '--json']);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ experiment: 'scaling-onset', version: '4', total: 4 });
    expect(run(['sweep', 'run', dir, '--workers', '2', '--json']).code).toBe(0);
    const collected = JSON.parse(run(['sweep', 'collect', dir, '--json']).stdout) as { rows: Record<string, unknown>[] };
    const r = run(['scaling', 'measure', '--runner', 'langevin', '--from', dir, '--bootstrap', '20', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ model: 'two-layer', predicted: 1, branch: 'equilibrium', method: 'restricted-free-energy' });
    const thr = j.threshold as number;
    expect(j.datasetsPerDim).toEqual([2, 2]);
    // the exploratory offset fit needs three or more d: absent (null) with two
    expect(j.branches.equilibrium.withOffset).toBeNull();
    const grid = [8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256]; // 8·√2^k ≤ 256
    const first = (P: number[], rows: number[][]) => {
      const m = P.map((_, i) => rows.reduce((a, row) => a + row[i]!, 0) / rows.length);
      for (let i = 1; i < P.length; i++)
        if (m[i]! >= thr && m[i - 1]! < thr)
          return Math.exp(Math.log(P[i - 1]!) + ((thr - m[i - 1]!) / (m[i]! - m[i - 1]!)) * Math.log(P[i]! / P[i - 1]!));
      return null;
    };
    const onsets: (number | null)[] = [];
    for (const s of j.sizes as {
      dim: number;
      samples: number[];
      alignment: number[][];
      down: { samples: number[]; alignment: number[][] };
      equilibrium: {
        samples: number[];
        mixture: number[][];
        deltaF: number[][];
        logPriorMass: { lazy: number; aligned: number };
        onset: number | null;
      };
    }[]) {
      // every cell walked the whole grid up, down from its top to its bottom (×2^(−1/4)), and the restricted walks over [0, grid]
      expect(s.samples).toEqual(grid);
      expect(s.down.samples[0]).toBe(8);
      expect(s.down.samples[s.down.samples.length - 1]).toBe(256);
      expect(s.down.samples).toHaveLength(21);
      expect(s.equilibrium.samples).toEqual([0, ...grid]);
      // the pooled rows are the cells' own, in seed order
      const cells = collected.rows.filter((c) => c.dim === s.dim).sort((a, b) => (a.seed as number) - (b.seed as number));
      expect(s.alignment).toEqual(cells.map((c) => c.alignment));
      expect(s.equilibrium.mixture).toEqual(cells.map((c) => (c.equilibrium as { mixture: number[] }).mixture));
      for (const row of s.equilibrium.deltaF)
        expect(row[0]).toBeCloseTo(s.equilibrium.logPriorMass.lazy - s.equilibrium.logPriorMass.aligned, 12);
      const on = first(
        grid,
        s.equilibrium.mixture.map((row) => row.slice(1)),
      );
      onsets.push(on);
      if (on !== null) expect(s.equilibrium.onset).toBeCloseTo(on, 9);
    }
    if (j.fittedExponent !== null) expect(j.fittedExponent).toBeCloseTo(Math.log(onsets[1]! / onsets[0]!) / Math.log(5 / 4), 9);
    // --from refuses other sweeps and a second plan
    const other = join(mkdtempSync(join(tmpdir(), 'sftdl-scaling-sweep-')), 'o');
    expect(run(['sweep', 'plan', 'scaling-onset', '--grid', 'dim=4,8', '--out-dir', other]).code).toBe(0);
    const bad = run(['scaling', 'measure', '--runner', 'langevin', '--from', other, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no langevin cells/);
    expect(run(['scaling', 'measure', '--runner', 'langevin', '--from', dir, '--full', '--plan-sweep', other]).code).toBe(2);
  });

  it('--start aligned: every chain starts aligned at --p-max and walks down; the verdict is the down branch', () => {
    const args = ['scaling', 'measure', '--runner', 'langevin', '--dims', '4,5', '--seeds', '2', '--burn-in', '10'];
    const r = run([
      ...args,
      '--record',
      '10',
      '--p-max',
      '512',
      '--bootstrap',
      '20',
      '--test-samples',
      '100',
      '--start',
      'aligned',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/every chain started aligned at P = 512/);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ start: 'aligned', branch: 'down', method: 'pooled-threshold', threshold: 0.3 });
    expect(j.branches.equilibrium).toBeNull();
    expect(j.branches.mid).toBeNull();
    expect(j.branches.up.fittedExponent).toBeNull();
    const thr = j.threshold as number;
    for (const s of j.sizes as {
      samples: number[];
      equilibrium?: unknown;
      down: { samples: number[]; alignment: number[][]; onset: number | null };
    }[]) {
      expect(s.samples).toEqual([512]); // no up walk: one stage at the top
      expect(s.equilibrium).toBeUndefined();
      // the down grid: 512·2^(−k/4) from the top, rounded, in increasing order
      const P = s.down.samples;
      expect(P[P.length - 1]).toBe(512);
      P.slice(0, -1).forEach((p, i) => expect(p).toBe(Math.round(512 * 2 ** (-(P.length - 1 - i) / 4))));
      // the pooled down onset: where the dataset-mean curve falls below the threshold walking down (by hand)
      const m = P.map((_, i) => s.down.alignment.reduce((a, row) => a + row[i]!, 0) / s.down.alignment.length);
      let want: number | null = null;
      for (let i = P.length - 2; i >= 0 && want === null; i--)
        if (m[i]! < thr && m[i + 1]! >= thr)
          want = Math.exp(Math.log(P[i]!) + ((thr - m[i]!) / (m[i + 1]! - m[i]!)) * Math.log(P[i + 1]! / P[i]!));
      if (want === null) expect(s.down.onset).toBeNull();
      else expect(s.down.onset).toBeCloseTo(want, 9);
    }
    // the down branch only: other verdict branches, extra aligned chains and sweep plans are refused
    expect(run([...args, '--start', 'aligned', '--branch', 'equilibrium']).code).toBe(2);
    expect(run([...args, '--start', 'aligned', '--aligned-chains', '1']).code).toBe(2);
    const dir = join(mkdtempSync(join(tmpdir(), 'sftdl-scaling-')), 'plan');
    expect(run([...args, '--start', 'aligned', '--full', '--plan-sweep', dir]).code).toBe(2);
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
