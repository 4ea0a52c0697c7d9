/**
 * Size budgets checked before a command starts working. Each command estimates the memory (bytes) and the work
 * (floating-point operations, with a floor per iteration for interpreter overhead) it will need from its flags and
 * the data shape; beyond the budget it stops with exit 2, the estimate and the flag to change — instead of an
 * out-of-memory abort, a RangeError or a run without end.
 *
 * Defaults: memory = half of the memory free now (and no more than the JS heap can hold for heap-resident data);
 * work = 1e13 flop (an hour or more of pure-JS compute). `--max-memory 8G` and `--max-work 1e15` change them.
 */
import { freemem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { type Flags, UsageError } from '@sftdl/cli-kit';

export interface Budget {
  /** Largest estimated memory a command may use, bytes. */
  maxBytes: number;
  /** Largest estimated work, flop. */
  maxFlops: number;
  /** Where the memory limit came from, for messages. */
  memorySource: string;
  /** Where the work limit came from, for messages. */
  workSource: string;
}

/** Default work budget (flop). */
export const DEFAULT_MAX_WORK = 1e13;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1e3,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1e9,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1e12,
  tib: 1024 ** 4,
};

/** Parses a size such as `4G`, `512M`, `1.5GiB`, `2e9` (bytes). Returns undefined when malformed. */
export function parseSize(s: string): number | undefined {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  const v = Number(m[1]) * (unit ?? NaN);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Human size, e.g. `12.3 GB`. */
export function formatBytes(b: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  let v = b;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toPrecision(3)} ${units[i]}`;
}

/** Reads `--max-memory` and `--max-work` (both optional). */
export function readBudget(flags: Flags): Budget {
  const mem = flags.string('max-memory');
  let maxBytes: number;
  let memorySource: string;
  if (mem !== undefined) {
    const v = parseSize(mem);
    if (v === undefined)
      throw new UsageError(`--max-memory must be a positive size such as 4G, 512M or 2e9 (bytes), got '${mem}'`);
    maxBytes = v;
    memorySource = `--max-memory ${mem}`;
  } else {
    maxBytes = 0.5 * freemem();
    memorySource = 'half of the free memory; raise it with --max-memory';
  }
  const work = flags.string('max-work');
  let maxFlops = DEFAULT_MAX_WORK;
  let workSource = `the default ${DEFAULT_MAX_WORK.toExponential(0)} flop; raise it with --max-work`;
  if (work !== undefined) {
    const v = Number(work);
    if (work.trim() === '' || !Number.isFinite(v) || !(v > 0))
      throw new UsageError(`--max-work must be a positive number of floating-point operations such as 1e14, got '${work}'`);
    maxFlops = v;
    workSource = `--max-work ${work}`;
  }
  return { maxBytes, maxFlops, memorySource, workSource };
}

/** The budget used where a command runs without the CLI (tests): half the free memory, default work. */
export function defaultBudget(): Budget {
  return {
    maxBytes: 0.5 * freemem(),
    maxFlops: DEFAULT_MAX_WORK,
    memorySource: 'half of the free memory; raise it with --max-memory',
    workSource: `the default ${DEFAULT_MAX_WORK.toExponential(0)} flop; raise it with --max-work`,
  };
}

/** What a command expects to need. */
export interface Estimate {
  /** What is being estimated, e.g. `kernel of n = 40000 rows`. */
  what: string;
  /** Estimated peak memory, bytes (typed arrays and JS arrays together). */
  bytes: number;
  /** Estimated work, flop. */
  flops: number;
  /** The flags that drive the estimate, e.g. `--samples/--dim`. */
  flags: string;
  /** Bytes that live on the JS heap (number[][] from JSON, result arrays): also checked against the heap limit. */
  heapBytes?: number;
}

/** Throws a `UsageError` (exit 2) when the estimate exceeds the budget; the message has the estimate and the flag to change. */
export function checkBudget(budget: Budget, e: Estimate): void {
  const bytes = Number.isFinite(e.bytes) ? e.bytes : Infinity;
  const flops = Number.isFinite(e.flops) ? e.flops : Infinity;
  if (bytes > budget.maxBytes) {
    throw new UsageError(
      `${e.what} needs about ${formatBytes(bytes)} of memory, over the budget of ${formatBytes(budget.maxBytes)} (${budget.memorySource}); reduce ${e.flags}`,
    );
  }
  const heap = heapRoom();
  if (e.heapBytes !== undefined && e.heapBytes > heap) {
    throw new UsageError(
      `${e.what} needs about ${formatBytes(e.heapBytes)} of JavaScript heap, over the ${formatBytes(heap)} available (node --max-old-space-size raises it); reduce ${e.flags}`,
    );
  }
  if (flops > budget.maxFlops) {
    throw new UsageError(
      `${e.what} needs about ${flops.toExponential(1)} floating-point operations, over the work budget of ${budget.maxFlops.toExponential(1)} (${budget.workSource}); reduce ${e.flags}`,
    );
  }
}

/** Bytes the JS heap can still grow by. */
export function heapRoom(): number {
  const h = getHeapStatistics();
  return Math.max(0, h.heap_size_limit - h.used_heap_size);
}

/** Per-iteration floor of the work estimate: interpreter overhead of one step of any loop over whole matrices. */
export const ITERATION_FLOOR = 1e3;
