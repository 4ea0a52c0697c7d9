/** Helpers shared by the registered experiments: parameter checks, JSON-safe conversions and the cost model. */
import { InvalidArgumentError } from '@sftdl/compute';
import type { Json } from '@sftdl/sweep';

type P = Record<string, Json>;

export function int(p: P, name: string, min: number): number {
  const v = p[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new InvalidArgumentError(`parameter ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

export function pos(p: P, name: string): number {
  const v = p[name];
  if (typeof v !== 'number' || !(Number.isFinite(v) && v > 0))
    throw new InvalidArgumentError(`parameter ${name} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

export function num(p: P, name: string): number {
  const v = p[name];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new InvalidArgumentError(`parameter ${name} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

export function oneOf<T extends string>(p: P, name: string, allowed: readonly T[]): T {
  const v = p[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new InvalidArgumentError(`parameter ${name} must be one of ${allowed.join('|')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/**
 * Diagnostics (R̂, τ_int, ESS, …) as JSON: non-finite values (R̂ of a too-short run, NaN standard errors with one
 * chain) become null, meaning "not available". Only for diagnostics: primary result fields must be finite.
 */
export function diagnosticsJson(v: unknown): Json {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v === null || v === undefined) return null;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, diagnosticsJson);
  if (typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, diagnosticsJson(x)]),
    );
  return v as Json;
}

/**
 * Cost model of the Langevin experiments: seconds on one core for `chains × steps` steps of a two-layer network,
 * each costing {@link LANGEVIN_STEP_OVERHEAD_SECONDS} plus 8·n·d·N + 20·n·N flops (forward x·W, activation and
 * readout, gradient) at {@link LANGEVIN_FLOPS_PER_SECOND}.
 */
export function langevinSeconds(o: { chains: number; steps: number; samples: number; dim: number; width: number }): number {
  const flops = 8 * o.samples * o.dim * o.width + 20 * o.samples * o.width;
  return o.chains * o.steps * (LANGEVIN_STEP_OVERHEAD_SECONDS + flops / LANGEVIN_FLOPS_PER_SECOND);
}

/** The note printed with Langevin cost estimates. */
export const LANGEVIN_COST_NOTE = 'chains × steps × (1.3 ms + 8·n·d·N flops at 1 GFLOP/s) per core';

/**
 * Calibration of the cost estimate, measured with `demo train` (openblas backend, 2 chains; N = 16…256,
 * n = 64…1024, d = 8…64) on the project's 2-core machine under load ≈ 5: about 1 GFLOP/s sustained per chain-step
 * at N = 128, n = 512, d = 32, and ≈ 1.3 ms of fixed work per chain-step at the smallest size. An estimate, not a
 * promise: the real rate depends on the backend, the machine and its load.
 */
export const LANGEVIN_FLOPS_PER_SECOND = 1e9;
/** Fixed seconds per chain-step (diagnostics, bookkeeping, small-matrix overheads); see {@link LANGEVIN_FLOPS_PER_SECOND}. */
export const LANGEVIN_STEP_OVERHEAD_SECONDS = 1.3e-3;
