import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '@sftdl/compute';
import { writeFileAtomic } from './fsutil';
import { loadSweep, unfinishedTasks } from './sweep';

/** Options of the Slurm executor. */
export interface SlurmOptions {
  /**
   * The command line that runs `sweep run` for this app, as argv (e.g. `[node, --conditions=@sftdl/source, --import,
   * tsx, /abs/cli.ts, sweep, run]`); the script appends `DIR --task <cells>`.
   */
  command: string[];
  /** Grid cells per array task (default 1). */
  cellsPerTask?: number;
  /** Array tasks running at once (`%M`; default: all). */
  maxConcurrent?: number;
  /** Only the cells that are not done (pending, failed, stale). */
  missing?: boolean;
  /** Passed to sbatch as given. */
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  /** Folder the array tasks start in (default: the current folder, so relative loader flags resolve the same). */
  cwd?: string;
  /** The sbatch binary (default `sbatch` on PATH). */
  sbatch?: string;
  /** Environment of sbatch (default `process.env`; e.g. `SLURM_CONF`). */
  env?: NodeJS.ProcessEnv;
}

/** What was written (and submitted). */
export interface SlurmArray {
  script: string;
  /** Cell indices run by each array task (array task i runs `cells[i]`). */
  cells: number[][];
  arrayTasks: number;
  /** The `--array` value, `0-(K−1)%M`. */
  array: string;
}

/** One recorded submission in `DIR/slurm/jobs.json`. */
export interface SlurmJobRecord extends SlurmArray {
  jobId: string;
  submittedAt: string;
  missing: boolean;
}

/** POSIX shell quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function sbatchValue(name: string, v: string): string {
  if (/[\s'"\\]/.test(v) || v === '')
    throw new InvalidArgumentError(`--${name} '${v}' must be a single word without quotes or spaces`);
  return v;
}

/**
 * Writes `DIR/slurm/array.sbatch`: a job array `--array=0-(K−1)%M` whose task i runs `sweep run DIR --task <cells of
 * group i>` (`cellsPerTask` cells per array task), with `--partition`, `--time`, `--cpus-per-task`, `--mem` passed
 * through and logs under `DIR/slurm/logs/%A_%a.out`.
 *
 * @throws InvalidArgumentError when nothing is left to run with `missing`, or on malformed pass-through values.
 */
export function writeSlurmArray(dir: string, o: SlurmOptions): SlurmArray {
  const m = loadSweep(dir);
  const abs = resolve(dir);
  const per = o.cellsPerTask ?? 1;
  if (!Number.isInteger(per) || per < 1)
    throw new InvalidArgumentError(`--cells-per-task must be a positive integer, got ${per}`);
  if (o.command.length === 0) throw new InvalidArgumentError('slurm: the run command is empty');
  const cellList = o.missing ? unfinishedTasks(dir) : m.tasks.map((t) => t.index);
  if (cellList.length === 0) throw new InvalidArgumentError(`--missing: every task of ${dir} is done; nothing to submit`);
  const cells: number[][] = [];
  for (let i = 0; i < cellList.length; i += per) cells.push(cellList.slice(i, i + per));
  const K = cells.length;
  const M = o.maxConcurrent ?? K;
  if (!Number.isInteger(M) || M < 1) throw new InvalidArgumentError(`--max-concurrent must be a positive integer, got ${M}`);
  const array = `0-${K - 1}%${Math.min(M, K)}`;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${sbatchValue('experiment', `sweep-${m.experiment}`)}`,
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${join(abs, 'slurm', 'logs', '%A_%a.out')}`,
    ...(o.partition ? [`#SBATCH --partition=${sbatchValue('partition', o.partition)}`] : []),
    ...(o.time ? [`#SBATCH --time=${sbatchValue('time', o.time)}`] : []),
    ...(o.cpusPerTask !== undefined ? [`#SBATCH --cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${sbatchValue('mem', o.mem)}`] : []),
    `# sftdl sweep: ${m.experiment} (version ${m.version}), ${cellList.length} cells in ${K} array tasks of ≤ ${per}`,
    '# Array task i runs the comma-separated grid cells CELLS[i]; the sweep folder is the whole contract.',
    'set -euo pipefail',
    `CELLS=(${cells.map((c) => c.join(',')).join(' ')})`,
    `cd ${shellQuote(resolve(o.cwd ?? process.cwd()))}`,
    `exec ${o.command.map(shellQuote).join(' ')} ${shellQuote(abs)} --task "\${CELLS[$SLURM_ARRAY_TASK_ID]}"`,
    '',
  ];
  const script = join(abs, 'slurm', 'array.sbatch');
  mkdirSync(join(abs, 'slurm', 'logs'), { recursive: true });
  writeFileAtomic(script, lines.join('\n'));
  return { script, cells, arrayTasks: K, array };
}

/** Submissions recorded in `DIR/slurm/jobs.json` (oldest first). */
export function slurmJobs(dir: string): SlurmJobRecord[] {
  const p = join(dir, 'slurm', 'jobs.json');
  if (!existsSync(p)) return [];
  return JSON.parse(readFileSync(p, 'utf8')) as SlurmJobRecord[];
}

/**
 * Writes the array script ({@link writeSlurmArray}) and submits it with `sbatch --parsable`; records the job ID in
 * `DIR/slurm/jobs.json`.
 *
 * @throws Error with sbatch's stderr when sbatch is missing or refuses the job.
 */
export function submitSlurm(dir: string, o: SlurmOptions): SlurmJobRecord {
  const arr = writeSlurmArray(dir, o);
  const r = spawnSync(o.sbatch ?? 'sbatch', ['--parsable', arr.script], { env: o.env ?? process.env, encoding: 'utf8' });
  if (r.error) throw new Error(`sbatch could not start (${r.error.message}); is Slurm installed and on PATH?`);
  if (r.status !== 0) throw new Error(`sbatch failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  const jobId = r.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch printed no job ID: '${r.stdout.trim()}'`);
  const rec: SlurmJobRecord = { ...arr, jobId, submittedAt: new Date().toISOString(), missing: Boolean(o.missing) };
  writeFileAtomic(join(resolve(dir), 'slurm', 'jobs.json'), JSON.stringify([...slurmJobs(dir), rec], null, 1) + '\n');
  return rec;
}
