import type { Mat } from '@sftdl/compute';

/** Metadata every dataset carries: enough to recompute observables (teacher directions, Hermite coefficients, key). */
export interface DatasetMeta {
  /** Teacher name, e.g. 'cubic', 'modular'. */
  teacher: string;
  /** Input distribution, e.g. 'gaussian', 'sphere', 'spins', 'two-hot', 'tokens'. */
  inputs: string;
  samples: number;
  testSamples: number;
  dim: number;
  outputs: number;
  /** Serialised key the data were generated from (`keyToJSON`). */
  key: { kind: 'philox4x32'; k0: number; k1: number };
  /** Integer seed when the key came from `key(seed)`. */
  seed?: number;
  /** Unit teacher direction w* of a single-index teacher. */
  teacherDirection?: number[];
  /** Orthonormal teacher directions of a multi-index teacher (one per row). */
  teacherDirections?: number[][];
  /** Hermite expansion of a single-index target: y = Σ_k coefficients[k]·He_k(w*·x) (or He_k/√k! when normalized). */
  hermite?: { convention: 'plain' | 'normalized'; coefficients: number[] };
  /** Teacher-specific parameters (ε, width, prime, …). */
  params: Record<string, unknown>;
}

/**
 * A dataset value: rows are samples. `y` is n × outputs (a column for scalar targets).
 */
export interface Dataset {
  x: Mat;
  y: Mat;
  xTest?: Mat;
  yTest?: Mat;
  meta: DatasetMeta;
}

/** A teacher: a deterministic target map on a batch of inputs (rows), plus its metadata. */
export interface Teacher {
  readonly name: string;
  readonly dim: number;
  readonly outputs: number;
  /** Targets for inputs `x` (rows = samples, cols = dim). */
  evaluate(x: Mat): Mat;
  /** Metadata merged into the dataset's `meta`. */
  readonly meta: Partial<DatasetMeta> & { params: Record<string, unknown> };
}
