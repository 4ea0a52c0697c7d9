import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { registry } from '../test/registry';
import { parseGrid } from './grid';
import { shellQuote, slurmJobs, submitSlurm, writeSlurmArray } from './slurm';
import { planSweep, runTask } from './sweep';

const tmp = () => mkdtempSync(join(tmpdir(), 'sweep-slurm-'));

describe('Slurm array script', () => {
  it('groups cells per array task, passes sbatch options through, and --missing keeps only unfinished cells', async () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'square', axes: parseGrid('x=0..6') });
    const a = writeSlurmArray(dir, {
      command: ['node', '--import', 'tsx', '/a b/cli.ts', 'sweep', 'run'],
      cellsPerTask: 3,
      maxConcurrent: 2,
      partition: 'cpu',
      time: '1:00:00',
      cpusPerTask: 2,
      mem: '4G',
    });
    expect(a.cells).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(a.array).toBe('0-2%2');
    const text = readFileSync(a.script, 'utf8');
    for (const l of [
      '#SBATCH --array=0-2%2',
      '#SBATCH --partition=cpu',
      '#SBATCH --time=1:00:00',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --mem=4G',
      'CELLS=(0,1,2 3,4,5 6)',
    ])
      expect(text).toContain(l);
    expect(text).toContain(`exec node --import tsx '/a b/cli.ts' sweep run ${dir} --task "\${CELLS[$SLURM_ARRAY_TASK_ID]}"`);
    // bash itself expands the script's cell table as Slurm would for array task 1
    const cellsLine = text.split('\n').find((l) => l.startsWith('CELLS='))!;
    expect(
      spawnSync('bash', ['-c', `${cellsLine}; SLURM_ARRAY_TASK_ID=1; echo "\${CELLS[$SLURM_ARRAY_TASK_ID]}"`], {
        encoding: 'utf8',
      }).stdout.trim(),
    ).toBe('3,4,5');
    for (const i of [0, 2, 3, 6]) await runTask(registry, dir, i);
    const m = writeSlurmArray(dir, { command: ['x'], cellsPerTask: 2, missing: true });
    expect(m.cells).toEqual([[1, 4], [5]]);
    expect(m.array).toBe('0-1%2');
    expect(() => writeSlurmArray(dir, { command: ['x'], time: '1 day' })).toThrow(/--time/);
  });

  it('submits through sbatch --parsable and records the job IDs', () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'square', axes: parseGrid('x=1..2') });
    const fake = join(tmp(), 'sbatch');
    writeFileSync(fake, `#!/bin/sh\n[ "$1" = --parsable ] || exit 3\necho "4242;cluster"\n`);
    chmodSync(fake, 0o755);
    const rec = submitSlurm(dir, { command: ['x'], sbatch: fake });
    expect(rec.jobId).toBe('4242');
    submitSlurm(dir, { command: ['x'], sbatch: fake, missing: true });
    expect(slurmJobs(dir).map((j) => [j.jobId, j.missing])).toEqual([
      ['4242', false],
      ['4242', true],
    ]);
    const failing = join(tmp(), 'sbatch-fail');
    writeFileSync(failing, '#!/bin/sh\necho "sbatch: error: invalid partition" >&2\nexit 1\n');
    chmodSync(failing, 0o755);
    expect(() => submitSlurm(dir, { command: ['x'], sbatch: failing })).toThrow(
      /sbatch failed \(exit 1\): sbatch: error: invalid partition/,
    );
    expect(() => submitSlurm(dir, { command: ['x'], sbatch: join(dir, 'nope') })).toThrow(/sbatch could not start/);
  });

  it('shellQuote leaves safe words alone and single-quotes the rest', () => {
    expect(shellQuote('--conditions=@sftdl/source')).toBe('--conditions=@sftdl/source');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(spawnSync('bash', ['-c', `printf %s ${shellQuote("a b'c$HOME")}`], { encoding: 'utf8' }).stdout).toBe("a b'c$HOME");
  });
});
