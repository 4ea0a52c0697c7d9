/**
 * @sftdl/teachers — seeded synthetic tasks: input distributions, teachers (target maps) and datasets.
 * Every random draw takes a key (`key(seed)` from @sftdl/field); the same key gives the same data.
 * @packageDocumentation
 */

// ── Datasets: the value every solver and the CLI consume ────────────────────────────────────────────────
export type { Dataset, DatasetMeta, Teacher } from './types';
export type { MakeDatasetOptions } from './dataset';
export { datasetChunks, datasetToJSON, makeDataset } from './dataset';

// ── Inputs (Gaussian, sphere, spins, tokens) and random directions ─────────────────────────────────────
export type { InputKind, InputOptions } from './inputs';
export { INPUT_KINDS, randomDirection, randomOrthonormal, sampleInputs } from './inputs';

// ── Teachers: single-index Hermite (linear, cubic), multi-index, two-layer network, Ising, attention, GP samples
export type { DirectionSource } from './teachers';
export {
  attentionTeacher,
  cubicTeacher,
  gpSampleTargets,
  hermiteTeacher,
  isingTeacher,
  linearTeacher,
  multiIndexTeacher,
  twoLayerTeacher,
} from './teachers';

// ── Modular addition (the grokking paper's second task) ────────────────────────────────────────────────
export type { ModularOptions } from './modular';
export { isPrime, modularAddition } from './modular';
