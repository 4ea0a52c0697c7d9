import { MessageChannel } from 'node:worker_threads';
import { Tinypool } from 'tinypool';
import { InvalidArgumentError } from '@sftdl/compute';
import type { ExperimentRegistry } from './experiment';
import { type TaskOutcome, loadSweep, readResult, runTask } from './sweep';
import type { WorkerJob } from './worker';

/** Options of {@link runLocal}. */
export interface LocalRunOptions {
  /** Worker threads (default 1: run in this thread). */
  workers?: number;
  /**
   * Module specifier (absolute path or file: URL) that exports `registry`, the same registry, for the worker threads
   * to import. Required when `workers > 1`.
   */
  registryModule?: string;
  /** Only these cell indices (default: all). */
  tasks?: readonly number[];
  /** Re-run finished tasks too. */
  force?: boolean;
  /** Node options of the worker threads (default `process.execArgv`, so a `--import tsx` loader carries over). */
  execArgv?: string[];
  /** Lock lease in seconds (default 3600). */
  leaseSeconds?: number;
  /** Progress and task log lines (stderr); default: none. */
  log?: (message: string) => void;
  /** Minimum seconds between two progress lines (default 5). */
  progressEverySeconds?: number;
}

/** What {@link runLocal} (and one `sweep run`) did. */
export interface LocalRunSummary {
  total: number;
  /** Tasks run now that succeeded. */
  done: number;
  /** Tasks run now that threw (recorded as failed). */
  failed: number;
  /** Already finished before (not re-run). */
  skipped: number;
  /** Held by another live executor. */
  busy: number;
  /** Could not be recorded (e.g. disk full); nothing was written for them. */
  errors: number;
  seconds: number;
  outcomes: TaskOutcome[];
}

/**
 * The worker threads' entry module (plain JavaScript next to this file, loadable without a loader; it loads the
 * compiled worker of a built package or the TypeScript sources through tsx).
 */
export function workerUrl(): URL {
  return new URL('./worker-entry.js', import.meta.url);
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${s.toFixed(0)}s`;
  if (s < 5400) return `${(s / 60).toFixed(1)}min`;
  return `${(s / 3600).toFixed(1)}h`;
}

/**
 * Runs the sweep's unfinished tasks on this machine: in this thread (`workers ≤ 1`) or on a tinypool pool of worker
 * threads. Each task's result depends only on its parameters, key and the code version, so the worker count and the
 * order never change a result. Progress with an ETA (weighted by the tasks' cost estimates and the running tasks'
 * reported progress) goes to `log`.
 *
 * Gotchas: worker threads import `registryModule` themselves; under a TypeScript loader (tsx) they inherit it through
 * `execArgv` (default `process.execArgv`). A killed run leaves locks whose owner pid is gone; the next run takes
 * them over and resumes checkpointed tasks.
 */
export async function runLocal(registry: ExperimentRegistry, dir: string, o: LocalRunOptions = {}): Promise<LocalRunSummary> {
  const m = loadSweep(dir);
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new InvalidArgumentError(`--workers must be a positive integer, got ${workers}`);
  const indices = o.tasks ? [...o.tasks] : m.tasks.map((t) => t.index);
  for (const i of indices)
    if (!m.tasks[i]) throw new InvalidArgumentError(`--task ${i}: the sweep has tasks 0 … ${m.tasks.length - 1}`);
  registry.get(m.experiment);
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const outcomes: TaskOutcome[] = [];
  const todo: number[] = [];
  for (const i of indices) {
    if (!o.force && readResult(dir, m.tasks[i]!.id).state === 'done')
      outcomes.push({ index: i, id: m.tasks[i]!.id, status: 'skipped' });
    else todo.push(i);
  }
  const est = (i: number) => Math.max(m.tasks[i]!.estimatedSeconds, 1e-9);
  const costTotal = todo.reduce((a, i) => a + est(i), 0);
  let costDone = 0;
  const running = new Map<number, number>();
  let lastLine = 0;
  const counts = () => {
    const c = { done: 0, failed: 0, other: 0 };
    for (const x of outcomes) {
      if (x.status === 'done') c.done++;
      else if (x.status === 'failed') c.failed++;
      else if (x.status !== 'skipped') c.other++;
    }
    return c;
  };
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastLine < (o.progressEverySeconds ?? 5) * 1000) return;
    lastLine = now;
    const el = (now - t0) / 1000;
    let partial = 0;
    for (const [i, f] of running) partial += f * est(i);
    const frac = costTotal > 0 ? (costDone + partial) / costTotal : 1;
    const eta = frac > 0 ? (el * (1 - frac)) / frac : Infinity;
    const c = counts();
    log(
      `sweep ${m.experiment}: ${c.done + c.failed + c.other}/${todo.length} run (${c.done} done, ${c.failed} failed${c.other ? `, ${c.other} busy/error` : ''}), ${running.size} running, ${outcomes.length - c.done - c.failed - c.other} skipped · ${(100 * frac).toFixed(0)}% · ${fmtSeconds(el)} elapsed · ETA ${frac >= 1 ? '0s' : fmtSeconds(eta)}`,
    );
  };
  const finish = (i: number, out: TaskOutcome) => {
    running.delete(i);
    costDone += est(i);
    outcomes.push(out);
    if (out.status === 'failed') log(`task ${i} failed: ${out.message}`);
    if (out.status === 'error') log(`task ${i}: ${out.message}`);
    report(true);
  };
  const timer = setInterval(() => report(), 1000);
  timer.unref();
  try {
    if (todo.length === 0) {
      /* nothing to do */
    } else if (workers <= 1) {
      for (const i of todo) {
        running.set(i, 0);
        const out = await runTask(registry, dir, i, {
          ...(o.force ? { force: true } : {}),
          log,
          ...(o.leaseSeconds !== undefined ? { leaseSeconds: o.leaseSeconds } : {}),
          onProgress: (f) => {
            running.set(i, f);
            report();
          },
        });
        finish(i, out);
      }
    } else {
      if (!o.registryModule)
        throw new InvalidArgumentError(
          'runLocal: workers > 1 needs registryModule (the module exporting the registry for the worker threads)',
        );
      const pool = new Tinypool({
        filename: workerUrl().href,
        minThreads: Math.min(workers, todo.length),
        maxThreads: Math.min(workers, todo.length),
        execArgv: o.execArgv ?? process.execArgv,
        isolateWorkers: false,
      });
      try {
        await Promise.all(
          todo.map(async (i) => {
            const { port1, port2 } = new MessageChannel();
            port1.on('message', (f: number) => {
              running.set(i, f);
            });
            port1.unref();
            const job: WorkerJob = {
              dir,
              index: i,
              registryModule: o.registryModule!,
              force: Boolean(o.force),
              port: port2,
              ...(o.leaseSeconds !== undefined ? { leaseSeconds: o.leaseSeconds } : {}),
            };
            let out: TaskOutcome;
            try {
              out = (await pool.run(job, { transferList: [port2] })) as TaskOutcome;
            } catch (e) {
              out = { index: i, id: m.tasks[i]!.id, status: 'error', message: `worker failed: ${(e as Error).message}` };
            } finally {
              port1.close();
            }
            finish(i, out);
          }),
        );
      } finally {
        await pool.destroy();
      }
    }
  } finally {
    clearInterval(timer);
  }
  const c = counts();
  outcomes.sort((a, b) => a.index - b.index);
  return {
    total: indices.length,
    done: c.done,
    failed: c.failed,
    skipped: outcomes.filter((x) => x.status === 'skipped').length,
    busy: outcomes.filter((x) => x.status === 'busy').length,
    errors: outcomes.filter((x) => x.status === 'error').length,
    seconds: (performance.now() - t0) / 1000,
    outcomes,
  };
}
