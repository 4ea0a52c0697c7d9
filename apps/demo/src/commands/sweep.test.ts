import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demo, demoJson, demoSpawn } from '../../test/cli';

const tmp = () => mkdtempSync(join(tmpdir(), 'demo-sweep-'));
type Collected = { columns: string[]; rows: Record<string, unknown>[] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('demo sweep CLI', () => {
  it('plan → run --workers 2 → status → collect; JSON and CSV agree', () => {
    const dir = join(tmp(), 's');
    const plan = demoJson<{ total: number; estimatedSeconds: number; experiment: string }>([
      'sweep',
      'plan',
      'scaling-onset',
      '--grid',
      'dim=4,8;samples=2,8,32',
      '--set',
      'testSamples=50',
      '--out-dir',
      dir,
    ]);
    expect(plan).toMatchObject({ total: 6, experiment: 'scaling-onset' });
    expect(plan.estimatedSeconds).toBeGreaterThan(0);
    const run = demoJson<{ done: number; failed: number }>(['sweep', 'run', dir, '--workers', '2']);
    expect(run).toMatchObject({ done: 6, failed: 0 });
    const st = demoJson<{ total: number; done: number; running: number; failed: number; pending: number; tasks: unknown[] }>([
      'sweep',
      'status',
      dir,
    ]);
    expect(st).toMatchObject({ total: 6, done: 6, running: 0, failed: 0, pending: 0 });
    expect(st.tasks).toHaveLength(6);
    const c = demoJson<Collected>(['sweep', 'collect', dir]);
    expect(c.rows).toHaveLength(6);
    // exact linear-network posterior: alignment in (0, 1], growing with P at fixed d (more data → better aligned)
    for (const d of [4, 8]) {
      const a = c.rows.filter((r) => r.dim === d).map((r) => r.alignment as number);
      expect(a.every((v) => v > 0 && v <= 1.05)).toBe(true);
      expect(a[2]!).toBeGreaterThan(a[0]!);
    }
    const csv = demo(['sweep', 'collect', dir, '--csv']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(c.columns.join(','));
    expect(Number(lines[1]!.split(',')[c.columns.indexOf('alignment')])).toBe(c.rows[0]!.alignment);
  });

  it('bad input exits 2 with one line naming the problem', () => {
    const dir = join(tmp(), 's');
    for (const [args, re] of [
      [['sweep', 'plan', 'nope', '--out-dir', dir], /unknown experiment 'nope'/],
      [['sweep', 'plan', 'msa-width', '--grid', 'width', '--out-dir', dir], /--grid/],
      [['sweep', 'plan', 'msa-width', '--grid', 'depth=1,2', '--out-dir', dir], /'depth' is not a parameter/],
      [['sweep', 'plan', 'msa-width', '--set', 'width=-3', '--out-dir', dir], /width must be an integer/],
      [['sweep', 'run', join(dir, 'missing')], /no sweep\.json/],
      [['sweep', 'frobnicate'], /sweep needs a subcommand/],
    ] as const) {
      const r = demo([...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
  });

  it('list-experiments names the demo experiments', () => {
    const r = demoJson<{ experiments: { name: string }[] }>(['sweep', 'list-experiments']);
    expect(r.experiments.map((e) => e.name)).toEqual(['train', 'cubic-point', 'modular-point', 'msa-width', 'scaling-onset']);
  });

  it('cubic-point cells: the paper invariants u, κ at β-scaled sizes; same results on 1 and 2 workers', () => {
    const base = tmp();
    const args = ['--grid', 'sigma2=0.3,0.1', '--set', 'steps=40', '--set', 'testSamples=40'];
    demoJson(['sweep', 'plan', 'cubic-point', ...args, '--out-dir', join(base, 'a')]);
    demoJson(['sweep', 'plan', 'cubic-point', ...args, '--out-dir', join(base, 'b')]);
    demoJson(['sweep', 'run', join(base, 'a'), '--workers', '1']);
    demoJson(['sweep', 'run', join(base, 'b'), '--workers', '2']);
    const a = demoJson<Collected>(['sweep', 'collect', join(base, 'a')]),
      b = demoJson<Collected>(['sweep', 'collect', join(base, 'b')]);
    expect(b.rows).toEqual(a.rows);
    for (const r of a.rows) {
      const s2 = r.sigma2 as number;
      // paper Fig. 2 base point: u = n²σ_a²/(σ⁴dN), κ = nσ_a²/(σ²d) with N = 700, n = 3000, d = 150, σ_a² = 8/700
      expect(r.u as number).toBeCloseTo((3000 ** 2 * (8 / 700)) / (s2 ** 2 * 150 * 700), 9);
      expect(r.kappa as number).toBeCloseTo((3000 * (8 / 700)) / (s2 * 150), 9);
      expect(r).toMatchObject({ status: 'done', width: 7, samples: 30, stepsDone: 40 });
    }
  });

  it('demo cubic --full --plan-sweep: the paper protocol as a sweep plan with its cost', () => {
    const dir = join(tmp(), 'cubic');
    const p = demoJson<{
      total: number;
      estimatedSeconds: number;
      axes: { name: string; values: number[] }[];
      base: Record<string, unknown>;
    }>(['cubic', '--full', '--plan-sweep', dir]);
    expect(p.total).toBe(5 * 50);
    expect(p.axes.map((a) => a.name)).toEqual(['sigma2', 'seed']);
    expect(p.axes[0]!.values).toEqual([0.3, 0.25, 0.2, 0.15, 0.1]);
    expect(p.base).toMatchObject({ beta: 1, chains: 4, steps: 360000 });
    // closed form of the cost model: 250 cells × 4 chains × 360 000 steps × (1.3 ms + (8·3000·150·700 + 20·3000·700) / 1e9 s)
    expect(p.estimatedSeconds).toBeCloseTo(250 * 4 * 360000 * (1.3e-3 + (8 * 3000 * 150 * 700 + 20 * 3000 * 700) / 1e9), -3);
    expect(demo(['cubic', '--plan-sweep', dir]).code).toBe(2);
  });

  it('kill -9 of a local train sweep mid-way, then run again: bit-identical to an uninterrupted run, finished tasks not re-run', async () => {
    const base = tmp();
    const grid = [
      '--grid',
      'sigma2=0.05,0.2;seed=1..2',
      '--set',
      'steps=600',
      '--set',
      'burnIn=100',
      '--set',
      'checkpointEvery=40',
      '--set',
      'chains=2',
      '--set',
      'width=8',
      '--set',
      'samples=32',
      '--set',
      'testSamples=32',
      '--set',
      'dim=4',
    ];
    const ref = join(base, 'ref'),
      dir = join(base, 'killed');
    demoJson(['sweep', 'plan', 'train', ...grid, '--out-dir', ref]);
    demoJson(['sweep', 'plan', 'train', ...grid, '--out-dir', dir]);
    expect(demoJson<{ done: number }>(['sweep', 'run', ref, '--workers', '2']).done).toBe(4);

    const child = demoSpawn(['sweep', 'run', dir, '--workers', '2']);
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    const count = (sub: string) =>
      existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json')).length : 0;
    const deadline = Date.now() + 60_000;
    while (!(count('results') >= 1 && count('checkpoints') >= 1)) {
      if (Date.now() > deadline) throw new Error(`no progress before the kill: ${stderr}`);
      await sleep(25);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const finished = readdirSync(join(dir, 'results')).filter((f) => f.endsWith('.json'));
    const before = new Map(finished.map((f) => [f, readFileSync(join(dir, 'results', f), 'utf8')]));
    expect(before.size).toBeGreaterThanOrEqual(1);
    expect(before.size).toBeLessThan(4);

    const again = demo(['sweep', 'run', dir, '--workers', '2', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const s = JSON.parse(again.stdout) as { done: number; skipped: number };
    expect(s.skipped).toBe(before.size);
    expect(s.done).toBe(4 - before.size);
    expect(again.stderr).toMatch(/took over a stale lock \(owner pid \d+ on .* is gone\)/);
    expect(again.stderr).toMatch(/train: resuming from step \d+ of 600/);
    for (const [f, text] of before) expect(readFileSync(join(dir, 'results', f), 'utf8')).toBe(text);
    const a = demoJson<Collected>(['sweep', 'collect', ref]),
      b = demoJson<Collected>(['sweep', 'collect', dir]);
    expect(b.rows).toEqual(a.rows);
    expect(a.rows.every((r) => r.status === 'done' && typeof r.trainMse === 'number')).toBe(true);
  });
});
