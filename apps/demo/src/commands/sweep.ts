import { availableParallelism } from 'node:os';
import { UsageError } from '@sftdl/cli-kit';
import {
  type Json,
  type PlanSummary,
  collectSweep,
  collectedToCsv,
  parseAssignments,
  parseGrid,
  planSweep,
  runLocal,
  submitSlurm,
  sweepStatus,
  writeSlurmArray,
} from '@sftdl/sweep';
import type { Command, CommandContext } from '../context';
import { registry, registryModule } from '../experiments/index';

const SUBCOMMANDS = ['plan', 'run', 'submit', 'status', 'collect', 'list-experiments'] as const;

/** Every value of a repeatable flag (`--set a=1 --set b=2`, also `--set=a=1`); the parser keeps only the last one. */
function repeated(ctx: CommandContext, name: string): string[] {
  const last = ctx.flags.string(name);
  if (last === undefined) return [];
  const out: string[] = [];
  const argv = process.argv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}` && argv[i + 1] !== undefined) out.push(argv[++i]!);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out.length ? out.flatMap((s) => s.split(';').filter((x) => x.trim() !== '')) : [last];
}

function dirArg(ctx: CommandContext, sub: string): string {
  const dir = ctx.flags.positionals[1];
  if (!dir) throw new UsageError(`sweep ${sub} needs the sweep folder: pnpm demo sweep ${sub} DIR`);
  return dir;
}

/** A duration for people: s, min, h or days. */
export function humanSeconds(s: number): string {
  if (s < 90) return `${s.toPrecision(2)} s`;
  if (s < 5400) return `${(s / 60).toPrecision(3)} min`;
  if (s < 3 * 86400) return `${(s / 3600).toPrecision(3)} h`;
  return `${(s / 86400).toPrecision(3)} days`;
}

/** The plan's JSON object and human summary (shared by `sweep plan` and `demo cubic --full --plan-sweep`). */
export function emitPlan(ctx: CommandContext, p: PlanSummary): void {
  const cores = availableParallelism();
  const json = {
    experiment: p.experiment,
    version: p.version,
    dir: p.dir,
    total: p.total,
    alreadyDone: p.alreadyDone,
    estimatedSeconds: p.estimatedSeconds,
    estimatedCoreHours: p.estimatedSeconds / 3600,
    estimatedWallSecondsLocal: p.estimatedSeconds / Math.min(cores, Math.max(1, p.total)),
    localCores: cores,
    ...(p.costNote ? { costNote: p.costNote } : {}),
    rootSeed: p.manifest.rootSeed,
    axes: p.manifest.axes,
    base: p.manifest.base,
  };
  const human = [
    `planned ${p.total} task${p.total === 1 ? '' : 's'} of '${p.experiment}' (version ${p.version}) in ${p.dir}${p.alreadyDone ? ` — ${p.alreadyDone} already done` : ''}`,
    `  grid: ${p.manifest.axes.map((a) => `${a.name} (${a.values.length})`).join(' × ') || '(one cell)'}`,
    `  estimated cost: ${humanSeconds(p.estimatedSeconds)} on one core (${(p.estimatedSeconds / 3600).toPrecision(3)} core-hours; ${humanSeconds(p.estimatedSeconds / Math.max(1, p.total))} per task)${p.costNote ? ` — ${p.costNote}` : ''}`,
    `  locally on ${cores} cores: about ${humanSeconds(json.estimatedWallSecondsLocal)}; on a cluster: ${humanSeconds(p.estimatedSeconds / Math.max(1, p.total))} per array task`,
    `  next: pnpm demo sweep run ${p.dir} --workers ${cores}   or   pnpm demo sweep submit ${p.dir} --executor slurm`,
  ].join('\n');
  ctx.emit(json, human);
}

async function plan(ctx: CommandContext): Promise<void> {
  const f = ctx.flags;
  const experiment = f.positionals[1];
  if (!experiment)
    throw new UsageError(
      `sweep plan needs an experiment name (one of ${registry
        .list()
        .map((e) => e.name)
        .join('|')})`,
    );
  if (!registry.has(experiment))
    throw new UsageError(
      `unknown experiment '${experiment}'; allowed: ${registry
        .list()
        .map((e) => e.name)
        .join('|')}`,
    );
  const grid = f.string('grid', '');
  const sets = repeated(ctx, 'set');
  if (!f.has('out-dir')) throw new UsageError('missing required flag --out-dir (the sweep folder to create)');
  const out = f.requireString('out-dir');
  const seed = f.number('seed', { integer: true, min: 0, default: 0 });
  const force = f.bool('force');
  f.assertAllUsed();
  let axes, set: Record<string, Json>;
  try {
    axes = parseGrid(grid);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    set = parseAssignments(sets);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  emitPlan(ctx, planSweep(registry, out, { experiment, axes, set, rootSeed: seed, force }));
}

async function run(ctx: CommandContext): Promise<void> {
  const f = ctx.flags;
  const dir = dirArg(ctx, 'run');
  const tasks = f.numberList('task', { integer: true });
  if (tasks?.some((t) => t < 0)) throw new UsageError('--task must be cell indices ≥ 0 (comma-separated)');
  const workers = f.number('workers', { integer: true, positive: true, default: tasks ? 1 : availableParallelism() });
  const force = f.bool('force');
  const lease = f.number('lease-seconds', { positive: true });
  f.assertAllUsed();
  const quiet = f.has('quiet');
  const s = await runLocal(registry, dir, {
    workers,
    registryModule,
    force,
    ...(tasks ? { tasks } : {}),
    ...(lease !== undefined ? { leaseSeconds: lease } : {}),
    log: (m) => {
      if (!quiet) process.stderr.write(m + '\n');
    },
  });
  const failed = s.outcomes.filter((o) => o.status === 'failed' || o.status === 'error');
  ctx.emit(
    { dir, ...s },
    `sweep run ${dir}: ${s.done} done now, ${s.skipped} finished before, ${s.failed} failed, ${s.busy} busy (another executor), ${s.errors} not recorded · ${s.seconds.toFixed(1)} s`,
  );
  if (failed.length) {
    const err = new Error(
      `${failed.length} task(s) failed: ${failed
        .slice(0, 3)
        .map((o) => `#${o.index}: ${o.message}`)
        .join('; ')}${failed.length > 3 ? '; …' : ''} (errors: sweep status ${dir}; stacks: the result files in ${dir}/results)`,
    );
    err.stack = err.message; // exit 1 with one line: the stacks are in the result files
    throw err;
  }
}

async function submit(ctx: CommandContext): Promise<void> {
  const f = ctx.flags;
  const dir = dirArg(ctx, 'submit');
  f.choice('executor', ['slurm'] as const);
  if (!f.string('executor'))
    throw new UsageError(
      'missing required flag --executor (allowed: slurm; for other schedulers run `sweep run DIR --task i` per index, see docs/guides/sweeps.md)',
    );
  const partition = f.string('partition');
  const time = f.string('time');
  const cpusPerTask = f.number('cpus-per-task', { integer: true, positive: true });
  const mem = f.string('mem');
  const cellsPerTask = f.number('cells-per-task', { integer: true, positive: true, default: 1 });
  const maxConcurrent = f.number('max-concurrent', { integer: true, positive: true });
  const missing = f.bool('missing');
  const dryRun = f.bool('dry-run');
  f.assertAllUsed();
  // the array tasks run exactly this CLI, with the same node options (e.g. the tsx loader and source condition)
  const command = [process.execPath, ...process.execArgv, process.argv[1]!, 'sweep', 'run'];
  const o = {
    command,
    cellsPerTask,
    missing,
    ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
    ...(partition ? { partition } : {}),
    ...(time ? { time } : {}),
    ...(cpusPerTask !== undefined ? { cpusPerTask } : {}),
    ...(mem ? { mem } : {}),
  };
  if (dryRun) {
    const a = writeSlurmArray(dir, o);
    ctx.emit(
      { dir, submitted: false, ...a },
      `wrote ${a.script} (--array=${a.array}, ${a.cells.flat().length} cells); submit with: sbatch ${a.script}`,
    );
    return;
  }
  const rec = submitSlurm(dir, o);
  ctx.emit(
    { dir, submitted: true, ...rec },
    `submitted job ${rec.jobId}: --array=${rec.array}, ${rec.cells.flat().length} cells (${rec.script}); follow with: pnpm demo sweep status ${dir}`,
  );
}

async function status(ctx: CommandContext): Promise<void> {
  const dir = dirArg(ctx, 'status');
  ctx.flags.assertAllUsed();
  const s = sweepStatus(dir);
  const lines = [
    `sweep ${s.experiment} in ${s.dir}: ${s.total} tasks — ${s.done} done, ${s.running} running, ${s.failed} failed, ${s.pending} pending${s.corrupt ? ` (${s.corrupt} with a corrupt result file)` : ''}`,
    ...s.tasks
      .filter((t) => t.state !== 'done')
      .slice(0, 40)
      .map(
        (t) =>
          `  #${t.index} ${t.state}${t.progress !== undefined ? ` ${(100 * t.progress).toFixed(0)}%` : ''}${t.host ? ` on ${t.host} pid ${t.pid}` : ''}${t.error ? `: ${t.error}` : ''}${t.note ? ` (${t.note})` : ''}  ${JSON.stringify(t.params)}`,
      ),
  ];
  ctx.emit(s, lines.join('\n'));
}

async function collect(ctx: CommandContext): Promise<void> {
  const dir = dirArg(ctx, 'collect');
  const csv = ctx.flags.bool('csv');
  ctx.flags.assertAllUsed();
  if (csv && ctx.json) throw new UsageError('--csv and --json exclude each other (choose one output format)');
  const c = collectSweep(dir);
  if (csv) {
    process.stdout.write(collectedToCsv(c));
    return;
  }
  ctx.emit(c, collectedToCsv(c).trimEnd());
}

async function listExperiments(ctx: CommandContext): Promise<void> {
  ctx.flags.assertAllUsed();
  const experiments = registry
    .list()
    .map((e) => ({ name: e.name, version: e.version, summary: e.summary, defaults: e.defaults }));
  ctx.emit(
    { experiments },
    experiments
      .map((e) => `${e.name.padEnd(15)} v${e.version}  ${e.summary}\n${' '.repeat(19)}defaults: ${JSON.stringify(e.defaults)}`)
      .join('\n'),
  );
}

export const command: Command = {
  name: 'sweep',
  summary: 'resumable experiment grids: plan, run locally (worker pool), submit to Slurm, status, collect',
  usage: [
    "demo sweep plan <experiment> --grid 'sigma2=0.1,0.15,0.2;seed=1..4' [--set <k=v> …] [--seed <n>] [--force] --out-dir <dir>   (task count + estimated cost)",
    'demo sweep run <dir> [--workers <n>] [--task <n,…>] [--force] [--lease-seconds <seconds>]   (progress and ETA on stderr)',
    'demo sweep submit <dir> --executor slurm [--partition <name>] [--time <time>] [--cpus-per-task <n>] [--mem <size>] [--cells-per-task <n>] [--max-concurrent <n>] [--missing] [--dry-run]',
    'demo sweep status <dir> [--json]        → { total, done, running, failed, pending, tasks: […] }',
    'demo sweep collect <dir> --json|--csv   (one row per task: parameters and result fields)',
    'demo sweep list-experiments [--json]',
  ],
  flags: [
    {
      name: 'grid',
      type: 'string',
      placeholder: '<axes>',
      description: "plan: the grid, e.g. 'sigma2=0.1,0.15,0.2;seed=1..4'",
    },
    { name: 'set', type: 'string', placeholder: '<k=v>', description: 'plan: fixed parameters (repeatable, or k=v;k2=v2)' },
    { name: 'seed', type: 'integer', default: 0, description: 'plan: root seed of the tasks' },
    { name: 'force', type: 'switch', description: 'plan: replace an existing plan; run: rerun done tasks' },
    {
      name: 'workers',
      type: 'integer',
      defaultText: 'the core count (1 with --task)',
      description: 'run: worker processes',
    },
    { name: 'task', type: 'list', items: 'integer', placeholder: '<n,…>', description: 'run: only these task indices' },
    {
      name: 'lease-seconds',
      type: 'number',
      placeholder: '<seconds>',
      description: 'run: how long a claimed task stays locked without a heartbeat',
    },
    { name: 'executor', type: 'choice', choices: ['slurm'], description: 'submit: the scheduler (required)' },
    { name: 'partition', type: 'string', placeholder: '<name>', description: 'submit: Slurm partition' },
    { name: 'time', type: 'string', placeholder: '<time>', description: 'submit: Slurm time limit per array task' },
    { name: 'cpus-per-task', type: 'integer', description: 'submit: Slurm CPUs per task' },
    { name: 'mem', type: 'string', placeholder: '<size>', description: 'submit: Slurm memory per task' },
    { name: 'cells-per-task', type: 'integer', default: 1, description: 'submit: grid cells per array task' },
    { name: 'max-concurrent', type: 'integer', description: 'submit: array throttle (%m)' },
    { name: 'missing', type: 'switch', description: 'submit: only tasks not done yet' },
    { name: 'dry-run', type: 'switch', description: 'submit: write the script, do not call sbatch' },
    { name: 'csv', type: 'switch', description: 'collect: CSV on stdout instead of JSON' },
  ],
  notes: [
    'any other scheduler: the sweep folder on a shared filesystem plus `demo sweep run <dir> --task <n>` per index (docs/guides/sweeps.md)',
  ],
  async run(ctx) {
    const sub = ctx.flags.positionals[0];
    if (sub === 'plan') return plan(ctx);
    if (sub === 'run') return run(ctx);
    if (sub === 'submit') return submit(ctx);
    if (sub === 'status') return status(ctx);
    if (sub === 'collect') return collect(ctx);
    if (sub === 'list-experiments') return listExperiments(ctx);
    throw new UsageError(`sweep needs a subcommand: ${SUBCOMMANDS.join(' | ')}${sub ? ` (got '${sub}')` : ''}`);
  },
};
