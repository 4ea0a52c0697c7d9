import { existsSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '@sftdl/compute';
import { type Key, fold, key as makeKey, keyFromJSON, keyToJSON, split } from '@sftdl/field';
import type { CheckpointHandle, ExperimentRegistry, TaskContext } from './experiment';
import { type AtomicWriteFs, writeFileAtomic } from './fsutil';
import { type GridAxis, gridCell, gridSize } from './grid';
import { type Json, canonicalJson, checksumOf, sha256Hex } from './hash';
import { acquireLock, readLock, staleReason } from './lock';

/** One grid cell as planned. */
export interface TaskSpec {
  /** Cell index (row-major over the axes, first axis slowest). */
  index: number;
  /** Content hash of (experiment, parameters, key, version): the name of its result file. */
  id: string;
  params: Record<string, Json>;
  /** The task's key, `fold(split(key(rootSeed))[0], index)`, serialised. */
  key: { kind: 'philox4x32'; k0: number; k1: number };
  /** Estimated seconds on one core (0 when the experiment gives no estimate). */
  estimatedSeconds: number;
}

/** The sweep manifest, `DIR/sweep.json`. */
export interface SweepManifest {
  format: 'sftdl-sweep/1';
  experiment: string;
  /** The experiment's code version at planning time. */
  version: string;
  base: Record<string, Json>;
  axes: GridAxis[];
  rootSeed: number;
  createdAt: string;
  /** The experiment's note on how the cost is estimated. */
  costNote?: string;
  tasks: TaskSpec[];
}

/** Files of a sweep folder. */
export const sweepPaths = {
  manifest: (dir: string) => join(dir, 'sweep.json'),
  result: (dir: string, id: string) => join(dir, 'results', `${id}.json`),
  lock: (dir: string, id: string) => join(dir, 'locks', `${id}.lock`),
  checkpoint: (dir: string, id: string) => join(dir, 'checkpoints', `${id}.json`),
};

/** The two roots derived from the sweep's seed: task keys are folded from the first, the shared key is the second. */
export function sweepRoots(rootSeed: number): { tasks: Key; shared: Key } {
  const [tasks, shared] = split(makeKey(rootSeed), 2) as [Key, Key];
  return { tasks, shared };
}

/** The key of cell `index`: split from the root seed by the cell's index. */
export function taskKey(rootSeed: number, index: number): Key {
  return fold(sweepRoots(rootSeed).tasks, index);
}

/** Content hash (24 hex digits of SHA-256) of (experiment, parameters, key, version). */
export function taskId(o: { experiment: string; params: Record<string, Json>; key: Key; version: string }): string {
  return sha256Hex(
    canonicalJson({ experiment: o.experiment, params: o.params, key: keyToJSON(o.key), version: o.version }),
  ).slice(0, 24);
}

/** Options of {@link planSweep}. */
export interface PlanOptions {
  experiment: string;
  /** Grid axes (see `parseGrid`). */
  axes?: GridAxis[];
  /** Parameters fixed for every cell (over the experiment's defaults; axes override them). */
  set?: Record<string, Json>;
  /** Root seed (non-negative integer; default 0). */
  rootSeed?: number;
  /** Replace a manifest of another experiment in `dir` (results of matching task IDs are kept either way). */
  force?: boolean;
}

/** What {@link planSweep} reports. */
export interface PlanSummary {
  dir: string;
  experiment: string;
  version: string;
  total: number;
  /** Tasks whose result is already in the folder (same ID: same experiment, parameters, key, version). */
  alreadyDone: number;
  /** Sum of the per-task estimates (seconds on one core). */
  estimatedSeconds: number;
  costNote?: string;
  manifest: SweepManifest;
}

/**
 * Plans a sweep: expands the grid over the experiment's defaults, validates every cell, derives each task's key and
 * content-hash ID and writes the manifest `DIR/sweep.json` atomically. Planning the same grid again finds the finished
 * tasks (same IDs) and keeps them.
 *
 * @throws InvalidArgumentError for an unknown experiment, an invalid cell, a grid of more than 10⁶ cells, or a
 * folder holding a sweep of another experiment (unless `force`).
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { ExperimentRegistry, parseGrid, planSweep } from '@sftdl/sweep';
 * const registry = new ExperimentRegistry().register({
 *   name: 'square', version: '1', summary: 'x²', defaults: { x: 0 }, run: (p) => (p.x as number) ** 2,
 * });
 * const plan = planSweep(registry, join(mkdtempSync(join(tmpdir(), 'sw-')), 's'), { experiment: 'square', axes: parseGrid('x=1..3') });
 * console.log(plan.total); // 3
 * ```
 */
export function planSweep(registry: ExperimentRegistry, dir: string, o: PlanOptions): PlanSummary {
  const exp = registry.get(o.experiment);
  const rootSeed = o.rootSeed ?? 0;
  if (!Number.isSafeInteger(rootSeed) || rootSeed < 0)
    throw new InvalidArgumentError(`--seed must be a non-negative integer, got ${rootSeed}`);
  const axes = o.axes ?? [];
  const total = gridSize(axes);
  if (total > 1_000_000) throw new InvalidArgumentError(`--grid has ${total} cells; more than 10⁶ cells is not supported`);
  const known = new Set(Object.keys(exp.defaults));
  for (const name of [...Object.keys(o.set ?? {}), ...axes.map((a) => a.name)]) {
    if (!known.has(name))
      throw new InvalidArgumentError(
        `parameter '${name}' is not a parameter of experiment '${exp.name}' (known: ${[...known].join(', ')})`,
      );
  }
  const base: Record<string, Json> = { ...exp.defaults, ...(o.set ?? {}) };
  const roots = sweepRoots(rootSeed);
  const tasks: TaskSpec[] = [];
  let costNote: string | undefined;
  for (let i = 0; i < total; i++) {
    const params = gridCell(axes, base, i);
    try {
      exp.validate?.(params);
    } catch (e) {
      throw new InvalidArgumentError(`cell ${i} (${canonicalJson(params)}): ${(e as Error).message}`);
    }
    canonicalJson(params, 'params');
    const k = fold(roots.tasks, i);
    const cost = exp.cost?.(params);
    if (cost?.note && costNote === undefined) costNote = cost.note;
    tasks.push({
      index: i,
      id: taskId({ experiment: exp.name, params, key: k, version: exp.version }),
      params,
      key: keyToJSON(k),
      estimatedSeconds: cost?.seconds ?? 0,
    });
  }
  const path = sweepPaths.manifest(dir);
  if (existsSync(path) && !o.force) {
    const old = loadSweep(dir);
    if (old.experiment !== exp.name)
      throw new InvalidArgumentError(`--out ${dir} holds a sweep of '${old.experiment}'; use another folder or --force`);
  }
  const manifest: SweepManifest = {
    format: 'sftdl-sweep/1',
    experiment: exp.name,
    version: exp.version,
    base,
    axes,
    rootSeed,
    createdAt: new Date().toISOString(),
    ...(costNote !== undefined ? { costNote } : {}),
    tasks,
  };
  writeFileAtomic(path, JSON.stringify(manifest, null, 1) + '\n');
  const alreadyDone = tasks.filter((t) => readResult(dir, t.id).state === 'done').length;
  return {
    dir: resolve(dir),
    experiment: exp.name,
    version: exp.version,
    total,
    alreadyDone,
    estimatedSeconds: tasks.reduce((a, t) => a + t.estimatedSeconds, 0),
    ...(costNote !== undefined ? { costNote } : {}),
    manifest,
  };
}

/** Reads `DIR/sweep.json`; throws {@link InvalidArgumentError} when the folder holds no valid sweep. */
export function loadSweep(dir: string): SweepManifest {
  const path = sweepPaths.manifest(dir);
  if (!existsSync(path))
    throw new InvalidArgumentError(`${dir}: no sweep.json here (create one with 'sweep plan … --out ${dir}')`);
  let m: SweepManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
  } catch (e) {
    throw new InvalidArgumentError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== 'sftdl-sweep/1' || !Array.isArray(m.tasks))
    throw new InvalidArgumentError(`${path}: not a sweep manifest (format sftdl-sweep/1)`);
  return m;
}

/** A task's result file, `DIR/results/<id>.json`. */
export interface ResultRecord {
  format: 'sftdl-sweep-result/1';
  id: string;
  index: number;
  experiment: string;
  version: string;
  params: Record<string, Json>;
  key: TaskSpec['key'];
  status: 'done' | 'failed';
  /** The experiment's result (status done). */
  result?: Json;
  /** What the experiment threw (status failed). */
  error?: { name: string; message: string; stack?: string };
  /** Wall-clock seconds of the run (not part of the result: it varies from run to run). */
  seconds: number;
  finishedAt: string;
  host: string;
  pid: number;
  /** `sha256:<hex>` of the canonical JSON of every other field. */
  checksum: string;
}

/** A result file as read back. */
export type ResultState =
  { state: 'missing' } | { state: 'corrupt'; reason: string } | { state: 'done' | 'failed'; record: ResultRecord };

/** Reads and verifies a result file (checksum, ID). A file that fails either check is reported as corrupt. */
export function readResult(dir: string, id: string): ResultState {
  const path = sweepPaths.result(dir, id);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: `unreadable: ${(e as Error).message}` };
  }
  let rec: ResultRecord;
  try {
    rec = JSON.parse(text) as ResultRecord;
  } catch (e) {
    return { state: 'corrupt', reason: `not valid JSON (${(e as Error).message})` };
  }
  if (!rec || typeof rec !== 'object' || rec.format !== 'sftdl-sweep-result/1')
    return { state: 'corrupt', reason: 'not a sweep result (format)' };
  const { checksum, ...body } = rec;
  let expected: string;
  try {
    expected = checksumOf(body);
  } catch (e) {
    return { state: 'corrupt', reason: (e as Error).message };
  }
  if (checksum !== expected)
    return {
      state: 'corrupt',
      reason: `checksum mismatch (file says ${String(checksum).slice(0, 19)}…, content hashes to ${expected.slice(0, 19)}…)`,
    };
  if (rec.id !== id) return { state: 'corrupt', reason: `holds task ${rec.id}, expected ${id}` };
  if (rec.status !== 'done' && rec.status !== 'failed')
    return { state: 'corrupt', reason: `unknown status '${String(rec.status)}'` };
  return { state: rec.status, record: rec };
}

function writeResult(dir: string, body: Omit<ResultRecord, 'checksum'>, fs?: AtomicWriteFs): void {
  const rec: ResultRecord = { ...body, checksum: checksumOf(body) };
  writeFileAtomic(sweepPaths.result(dir, body.id), JSON.stringify(rec) + '\n', fs);
}

function checkpointHandle(dir: string, id: string, log: (m: string) => void): CheckpointHandle {
  const path = sweepPaths.checkpoint(dir, id);
  return {
    load() {
      if (!existsSync(path)) return undefined;
      try {
        const v = JSON.parse(readFileSync(path, 'utf8')) as { id: string; state: Json; checksum: string };
        if (v.id === id && v.checksum === checksumOf(v.state)) return v.state;
        log(`task ${id}: checkpoint ${path} fails its checksum; starting fresh`);
      } catch (e) {
        log(`task ${id}: checkpoint ${path} unreadable (${(e as Error).message}); starting fresh`);
      }
      return undefined;
    },
    save(state) {
      writeFileAtomic(path, JSON.stringify({ id, checksum: checksumOf(state), state }));
    },
  };
}

/** What happened to one task in one executor call. */
export interface TaskOutcome {
  index: number;
  id: string;
  /** done: ran and succeeded now · failed: ran and threw · skipped: already done · busy: locked by a live owner · error: could not record (e.g. disk full). */
  status: 'done' | 'failed' | 'skipped' | 'busy' | 'error';
  seconds?: number;
  message?: string;
}

/** Options of {@link runTask}. */
export interface RunTaskOptions {
  /** Re-run a task even if its result is there. */
  force?: boolean;
  /** Log lines (stderr). */
  log?: (message: string) => void;
  /** Lock lease in seconds (default 3600); renewed whenever the task reports progress. */
  leaseSeconds?: number;
  /** Progress of this task (fraction in [0, 1]). */
  onProgress?: (fraction: number) => void;
  /** File-system hook for the result write (tests simulate a full disk with it). */
  fs?: AtomicWriteFs;
}

/**
 * Runs one task of a sweep in this process: skips it when its verified result is there (unless `force`), takes its
 * lock (or reports `busy`), runs the experiment with the task's key, progress and checkpoint handle, and writes the
 * result file atomically with its checksum. A task that throws is recorded as failed with its error. A corrupt result
 * file is reported through `log` and the task re-run. Failed tasks are re-run.
 */
export async function runTask(
  registry: ExperimentRegistry,
  dir: string,
  index: number,
  o: RunTaskOptions = {},
): Promise<TaskOutcome> {
  const m = loadSweep(dir);
  const spec = m.tasks[index];
  if (!spec || spec.index !== index)
    throw new InvalidArgumentError(`--task ${index}: the sweep has tasks 0 … ${m.tasks.length - 1}`);
  const log = o.log ?? ((msg: string) => process.stderr.write(msg + '\n'));
  const exp = registry.get(m.experiment);
  if (exp.version !== m.version)
    throw new InvalidArgumentError(
      `${dir}: planned with ${m.experiment} version ${m.version}, the code has version ${exp.version}; plan again (finished tasks of the new version are kept)`,
    );
  const before = readResult(dir, spec.id);
  if (before.state === 'done' && !o.force) return { index, id: spec.id, status: 'skipped' };
  if (before.state === 'corrupt') log(`task ${index} (${spec.id}): result file corrupt — ${before.reason}; re-running`);
  const lock = acquireLock(sweepPaths.lock(dir, spec.id), o.leaseSeconds !== undefined ? { leaseSeconds: o.leaseSeconds } : {});
  if (!lock) return { index, id: spec.id, status: 'busy', message: 'locked by another live executor' };
  try {
    if (lock.tookOver) log(`task ${index} (${spec.id}): took over a stale lock (${lock.tookOver})`);
    const again = readResult(dir, spec.id);
    if (again.state === 'done' && !o.force) return { index, id: spec.id, status: 'skipped' };
    const k = keyFromJSON(spec.key);
    const ctx: TaskContext = {
      key: k,
      sharedKey: sweepRoots(m.rootSeed).shared,
      index,
      progress: (f) => {
        lock.renew(f);
        o.onProgress?.(f);
      },
      checkpoint: checkpointHandle(dir, spec.id, log),
      log,
    };
    const t0 = performance.now();
    let status: 'done' | 'failed';
    let payload: { result: Json } | { error: { name: string; message: string; stack?: string } };
    try {
      const result = await exp.run(spec.params, ctx);
      canonicalJson(result, 'result');
      status = 'done';
      payload = { result };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      status = 'failed';
      payload = { error: { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) } };
    }
    const seconds = (performance.now() - t0) / 1000;
    try {
      writeResult(
        dir,
        {
          format: 'sftdl-sweep-result/1',
          id: spec.id,
          index,
          experiment: m.experiment,
          version: m.version,
          params: spec.params,
          key: spec.key,
          status,
          ...payload,
          seconds,
          finishedAt: new Date().toISOString(),
          host: hostname(),
          pid: process.pid,
        },
        o.fs,
      );
    } catch (e) {
      return { index, id: spec.id, status: 'error', seconds, message: `could not write the result: ${(e as Error).message}` };
    }
    if (status === 'done') {
      try {
        unlinkSync(sweepPaths.checkpoint(dir, spec.id));
      } catch {
        /* none */
      }
    }
    return { index, id: spec.id, status, seconds, ...('error' in payload ? { message: payload.error.message } : {}) };
  } finally {
    lock.release();
  }
}

/** One task's state in {@link sweepStatus}. */
export interface TaskStatus {
  index: number;
  id: string;
  params: Record<string, Json>;
  state: 'done' | 'running' | 'failed' | 'pending';
  /** For pending tasks: why (never run, result corrupt, stale lock). */
  note?: string;
  error?: string;
  seconds?: number;
  progress?: number;
  host?: string;
  pid?: number;
}

/** The `sweep status` object. */
export interface SweepStatus {
  dir: string;
  experiment: string;
  total: number;
  done: number;
  running: number;
  failed: number;
  pending: number;
  /** Result files that failed verification (counted as pending). */
  corrupt: number;
  tasks: TaskStatus[];
}

/** Counts done / running / failed / pending tasks from the result and lock files (no scheduler queries needed). */
export function sweepStatus(dir: string): SweepStatus {
  const m = loadSweep(dir);
  const tasks: TaskStatus[] = [];
  let corrupt = 0;
  for (const t of m.tasks) {
    const r = readResult(dir, t.id);
    const base = { index: t.index, id: t.id, params: t.params };
    if (r.state === 'done') {
      tasks.push({ ...base, state: 'done', seconds: r.record.seconds });
      continue;
    }
    const lockPath = sweepPaths.lock(dir, t.id);
    const lock = existsSync(lockPath) ? readLock(lockPath) : null;
    const stale = existsSync(lockPath) ? staleReason(lock) : null;
    if (lock && !stale) {
      tasks.push({
        ...base,
        state: 'running',
        host: lock.host,
        pid: lock.pid,
        ...(lock.progress !== undefined ? { progress: lock.progress } : {}),
      });
      continue;
    }
    if (r.state === 'failed') {
      tasks.push({ ...base, state: 'failed', error: r.record.error?.message ?? 'unknown error', seconds: r.record.seconds });
      continue;
    }
    if (r.state === 'corrupt') corrupt++;
    const note = r.state === 'corrupt' ? `result corrupt: ${r.reason}` : stale ? `stale lock: ${stale}` : undefined;
    tasks.push({ ...base, state: 'pending', ...(note ? { note } : {}) });
  }
  const count = (s: TaskStatus['state']) => tasks.filter((t) => t.state === s).length;
  return {
    dir: resolve(dir),
    experiment: m.experiment,
    total: tasks.length,
    done: count('done'),
    running: count('running'),
    failed: count('failed'),
    pending: count('pending'),
    corrupt,
    tasks,
  };
}

/** Cell indices that are not done (pending, failed, or running under a stale lock), ascending. */
export function unfinishedTasks(dir: string): number[] {
  return sweepStatus(dir)
    .tasks.filter((t) => t.state !== 'done')
    .map((t) => t.index);
}

/** One row of {@link collectSweep}. */
export type CollectRow = Record<string, Json>;

/** The collected table. */
export interface CollectedSweep {
  experiment: string;
  version: string;
  /** Column names: `index`, `id`, `status`, the parameters, then the result fields (prefixed `result.` where they clash). */
  columns: string[];
  rows: CollectRow[];
}

/**
 * One row per task: its index, ID, status, parameters and result fields (an object result contributes its
 * top-level fields, a scalar result a `result` column; a failed task an `error` column). Pending tasks have
 * status `pending` and no result fields.
 */
export function collectSweep(dir: string): CollectedSweep {
  const m = loadSweep(dir);
  const columns: string[] = ['index', 'id', 'status'];
  const add = (c: string) => {
    if (!columns.includes(c)) columns.push(c);
  };
  for (const t of m.tasks) for (const k of Object.keys(t.params)) add(k);
  const paramCols = new Set(columns);
  const rows: CollectRow[] = [];
  for (const t of m.tasks) {
    const r = readResult(dir, t.id);
    const row: CollectRow = {
      index: t.index,
      id: t.id,
      status: r.state === 'done' || r.state === 'failed' ? r.state : 'pending',
      ...t.params,
    };
    if (r.state === 'done') {
      const res = r.record.result;
      if (res !== null && typeof res === 'object' && !Array.isArray(res)) {
        for (const [k, v] of Object.entries(res)) {
          const c = paramCols.has(k) ? `result.${k}` : k;
          row[c] = v;
          add(c);
        }
      } else {
        row.result = res ?? null;
        add('result');
      }
    } else if (r.state === 'failed') {
      row.error = r.record.error?.message ?? 'unknown error';
      add('error');
    }
    rows.push(row);
  }
  return { experiment: m.experiment, version: m.version, columns, rows };
}

function csvCell(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The collected table as CSV (header row; nested values as JSON text; missing values empty). */
export function collectedToCsv(c: CollectedSweep): string {
  return [c.columns.join(','), ...c.rows.map((r) => c.columns.map((k) => csvCell(r[k])).join(','))].join('\n') + '\n';
}

/** Lists the result files in `DIR/results` that belong to no task of the manifest (left from an earlier plan). */
export function orphanResults(dir: string): string[] {
  const ids = new Set(loadSweep(dir).tasks.map((t) => t.id));
  let files: string[] = [];
  try {
    files = readdirSync(join(dir, 'results'));
  } catch {
    return [];
  }
  return files.filter((f) => f.endsWith('.json') && !ids.has(f.slice(0, -5)));
}
