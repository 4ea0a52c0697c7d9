import { InvalidArgumentError } from '@sftdl/compute';
import type { Key } from '@sftdl/field';
import type { Json } from './hash';

/** Where a task keeps its resumable state: an opaque JSON value, written atomically in the sweep folder. */
export interface CheckpointHandle {
  /** The last saved state, or undefined when the task starts fresh. */
  load(): Json | undefined;
  /** Saves the state atomically (temp file + fsync + rename). */
  save(state: Json): void;
}

/** What a task's function receives besides its parameters. */
export interface TaskContext {
  /** The task's random key: split from the sweep's root seed by the cell index. Use it (and keys folded from it) for every random number. */
  key: Key;
  /** A key shared by all cells of the sweep (e.g. for datasets that must be the same along an axis); derive per-item keys with `fold`. */
  sharedKey: Key;
  /** The cell index in the grid (row-major, first axis slowest). */
  index: number;
  /** Report progress as a fraction in [0, 1]; renews the task's lock lease. Cheap to call often. */
  progress(fraction: number): void;
  /** Resumable state of this task (removed once the task's result is written). */
  checkpoint: CheckpointHandle;
  /** A log line (stderr of the executor; never stdout). */
  log(message: string): void;
}

/** Estimated cost of one task. */
export interface TaskCost {
  /** Estimated seconds on one core of the machine the experiment was calibrated on. */
  seconds: number;
  /** A short human note on how the estimate is made (e.g. `4 chains × 360000 steps × 1.3 GFLOP`). */
  note?: string;
}

/**
 * A named experiment: a function from (parameters, key, progress, checkpoint) to a JSON result.
 *
 * The result must depend only on the parameters, the key and the code version — never on timing, the machine or
 * the number of workers — so that reruns and resumed runs are bit-identical. Put timings in logs, not in the result.
 */
export interface Experiment<P extends Record<string, Json> = Record<string, Json>> {
  name: string;
  /** Code version: bump it when the results change for the same parameters and key (it is part of every task ID). */
  version: string;
  summary: string;
  /** Default parameters (grid axes and `--set` override them). */
  defaults: P;
  /** Validates one cell's parameters; throw {@link InvalidArgumentError} naming the parameter. */
  validate?(params: P): void;
  /** Estimated cost of one cell. */
  cost?(params: P): TaskCost;
  run(params: P, ctx: TaskContext): Json | Promise<Json>;
}

/** An explicit collection of experiments (no global state: apps build one and pass it to the executors). */
export class ExperimentRegistry {
  private readonly map = new Map<string, Experiment>();

  /** Adds an experiment; a name can be registered once. */
  register<P extends Record<string, Json>>(e: Experiment<P>): this {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(e.name))
      throw new InvalidArgumentError(`experiment name '${e.name}' must be kebab-case (a-z, 0-9, -)`);
    if (this.map.has(e.name)) throw new InvalidArgumentError(`experiment '${e.name}' is already registered`);
    this.map.set(e.name, e as unknown as Experiment);
    return this;
  }

  /** The experiment with this name; throws {@link InvalidArgumentError} listing the known names otherwise. */
  get(name: string): Experiment {
    const e = this.map.get(name);
    if (!e)
      throw new InvalidArgumentError(`unknown experiment '${name}'; registered: ${[...this.map.keys()].join(', ') || '(none)'}`);
    return e;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** All experiments, in registration order. */
  list(): Experiment[] {
    return [...this.map.values()];
  }
}
