/**
 * @sftdl/sweep — resumable experiment grids: plan, run locally or as a Slurm job array, check status, collect.
 * @packageDocumentation
 */

// ── Grids and canonical hashing ───────────────────────────────────────────────────────────────────────────────────
export type { Json } from './hash';
export { canonicalJson, checksumOf, sha256Hex } from './hash';
export type { GridAxis } from './grid';
export { gridCell, gridSize, parseAssignments, parseGrid, parseValue } from './grid';

// ── Experiments: the registry a sweep runs ────────────────────────────────────────────────────────────────────────
export type { CheckpointHandle, Experiment, TaskContext, TaskCost } from './experiment';
export { ExperimentRegistry } from './experiment';

// ── Plans, tasks, results and collection ──────────────────────────────────────────────────────────────────────────
export type {
  CollectRow,
  CollectedSweep,
  PlanOptions,
  PlanSummary,
  ResultRecord,
  ResultState,
  RunTaskOptions,
  SweepManifest,
  SweepStatus,
  TaskOutcome,
  TaskSpec,
  TaskStatus,
} from './sweep';
export {
  collectSweep,
  collectedToCsv,
  loadSweep,
  orphanResults,
  planSweep,
  readResult,
  runTask,
  sweepPaths,
  sweepRoots,
  sweepStatus,
  taskId,
  taskKey,
  unfinishedTasks,
} from './sweep';

// ── Runners: local cores and Slurm job arrays ─────────────────────────────────────────────────────────────────────
export type { LocalRunOptions, LocalRunSummary } from './local';
export { runLocal, workerUrl } from './local';
export type { SlurmArray, SlurmJobRecord, SlurmOptions } from './slurm';
export { shellQuote, slurmJobs, submitSlurm, writeSlurmArray } from './slurm';

// ── Files and locks (atomic writes, stale-lock detection) ─────────────────────────────────────────────────────────
export type { AtomicWriteFs } from './fsutil';
export { writeFileAtomic } from './fsutil';
export type { LockInfo, TaskLock } from './lock';
export { acquireLock, pidAlive, readLock, staleReason } from './lock';
