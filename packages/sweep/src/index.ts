export type { Json } from './hash';
export { canonicalJson, checksumOf, sha256Hex } from './hash';
export type { GridAxis } from './grid';
export { gridCell, gridSize, parseAssignments, parseGrid, parseValue } from './grid';
export type { AtomicWriteFs } from './fsutil';
export { writeFileAtomic } from './fsutil';
export type { LockInfo, TaskLock } from './lock';
export { acquireLock, pidAlive, readLock, staleReason } from './lock';
export type { CheckpointHandle, Experiment, TaskContext, TaskCost } from './experiment';
export { ExperimentRegistry } from './experiment';
export type {
  CollectRow, CollectedSweep, PlanOptions, PlanSummary, ResultRecord, ResultState, RunTaskOptions, SweepManifest, SweepStatus, TaskOutcome, TaskSpec, TaskStatus,
} from './sweep';
export {
  collectSweep, collectedToCsv, loadSweep, orphanResults, planSweep, readResult, runTask, sweepPaths, sweepRoots, sweepStatus, taskId, taskKey, unfinishedTasks,
} from './sweep';
export type { LocalRunOptions, LocalRunSummary } from './local';
export { runLocal, workerUrl } from './local';
export type { SlurmArray, SlurmJobRecord, SlurmOptions } from './slurm';
export { shellQuote, slurmJobs, submitSlurm, writeSlurmArray } from './slurm';
