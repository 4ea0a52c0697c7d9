/**
 * Real Slurm integration test: a single-node cluster (munged + slurmctld + slurmd) in a temp folder, a sweep submitted
 * through `demo sweep submit --executor slurm`, collected and compared with `demo sweep run --workers 2` of the same
 * plan. Outside CI it is skipped (with the reason printed) where Slurm or root is missing; under CI=true it always
 * runs, and fails with the daemon logs when the cluster cannot start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, demoJson } from '../../test/cli';
import { type SlurmCluster, slurmUnavailable, startSlurmCluster } from '../../test/slurm-cluster';

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const unavailable = slurmUnavailable();
const skip = unavailable !== null && !inCi;
if (skip) process.stderr.write(`SKIPPED: Slurm integration test — ${unavailable} (it always runs under CI=true)\n`);

type Collected = { columns: string[]; rows: Record<string, unknown>[] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)(`Slurm executor on a real single-node cluster${skip ? ` (skipped: ${unavailable})` : ''}`, () => {
  let cluster: SlurmCluster | undefined;

  beforeAll(async () => {
    if (unavailable) throw new Error(`CI=true but the Slurm integration test cannot run: ${unavailable}`);
    cluster = await startSlurmCluster();
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it('plan → submit --executor slurm → collect equals sweep run --workers 2', async () => {
    const c = cluster!;
    const base = mkdtempSync(join(tmpdir(), 'demo-slurm-'));
    const viaSlurm = join(base, 'slurm'),
      local = join(base, 'local');
    const grid = ['--grid', 'width=16,64,256;regime=standard,mean-field', '--set', 'seed=3'];
    const plan = demoJson<{ total: number }>(['sweep', 'plan', 'msa-width', ...grid, '--out-dir', viaSlurm], c.env);
    demoJson(['sweep', 'plan', 'msa-width', ...grid, '--out-dir', local]);
    expect(plan.total).toBe(6);

    const sub = demoJson<{ jobId: string; array: string; cells: number[][]; script: string }>(
      [
        'sweep',
        'submit',
        viaSlurm,
        '--executor',
        'slurm',
        '--cells-per-task',
        '2',
        '--time',
        '5',
        '--cpus-per-task',
        '1',
        '--mem',
        '200M',
      ],
      c.env,
    );
    expect(sub.array).toBe('0-2%3');
    expect(sub.cells).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    const script = readFileSync(sub.script, 'utf8');
    for (const line of ['#SBATCH --array=0-2%3', '#SBATCH --time=5', '#SBATCH --cpus-per-task=1', '#SBATCH --mem=200M'])
      expect(script).toContain(line);
    expect(JSON.parse(readFileSync(join(viaSlurm, 'slurm', 'jobs.json'), 'utf8'))[0].jobId).toBe(sub.jobId);

    const deadline = Date.now() + 120_000;
    let st = demoJson<{ done: number; failed: number }>(['sweep', 'status', viaSlurm]);
    for (;;) {
      const q = spawnSync('squeue', ['-h', '-j', sub.jobId], { env: c.env, encoding: 'utf8' });
      st = demoJson(['sweep', 'status', viaSlurm]);
      if (st.done + st.failed === 6 && q.stdout.trim() === '') break;
      if (Date.now() > deadline) {
        const logs = readdirSync(join(viaSlurm, 'slurm', 'logs'))
          .map((f) => `--- ${f}\n${readFileSync(join(viaSlurm, 'slurm', 'logs', f), 'utf8')}`)
          .join('\n');
        throw new Error(
          `the array did not finish in 120 s (status ${JSON.stringify(st)}; squeue: ${q.stdout.trim()})\n${logs}\n${c.logs()}`,
        );
      }
      await sleep(500);
    }
    expect(st).toMatchObject({ done: 6, failed: 0 });
    expect(readdirSync(join(viaSlurm, 'slurm', 'logs')).sort()).toEqual([0, 1, 2].map((i) => `${sub.jobId}_${i}.out`));

    expect(demoJson<{ done: number }>(['sweep', 'run', local, '--workers', '2']).done).toBe(6);
    const a = demoJson<Collected>(['sweep', 'collect', viaSlurm]),
      b = demoJson<Collected>(['sweep', 'collect', local]);
    expect(a.rows).toEqual(b.rows);
    expect(a.rows.every((r) => r.status === 'done' && typeof r.exact === 'number')).toBe(true);

    // nothing is missing any more: --missing refuses (exit 2, one line)
    const again = demo(['sweep', 'submit', viaSlurm, '--executor', 'slurm', '--missing'], c.env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/every task .* is done/);
  }, 180_000);
});
