import type { BackendProbe, BackendProvider, ComputeBackend, Precision } from './backend';
import { BackendUnavailableError, InvalidArgumentError } from './errors';
import { referenceBackend } from './reference';
import { referenceBackend32, referenceFloat32Available } from './reference32';

/**
 * The always-available provider of {@link referenceBackend} (float64, priority 0), which also creates
 * {@link referenceBackend32} (float32 products on WebAssembly SIMD) when float32 is asked for and the runtime has
 * WebAssembly SIMD.
 */
export const referenceProvider: BackendProvider = Object.freeze({
  name: 'reference',
  precisions: Object.freeze(['float64', 'float32'] as const),
  priority: 0,
  probe: async (): Promise<BackendProbe> => ({
    name: 'reference',
    precision: referenceFloat32Available() ? ['float64', 'float32'] : ['float64'],
    available: true,
    engine: 'typescript',
  }),
  create: async ({ precision }: { precision: Precision }): Promise<ComputeBackend> => {
    if (precision === 'float32') return referenceBackend32();
    if (precision !== 'float64')
      throw new BackendUnavailableError({
        backend: 'reference',
        reason: `it computes in float64 or float32 (asked for ${String(precision)})`,
      });
    return referenceBackend;
  },
});

export interface SelectBackendOptions {
  /** Precision the backend must compute in (default 'float64'). */
  precision?: Precision;
  /** Name of the preferred backend; used when available, otherwise selection falls back by priority (see `strict`). */
  prefer?: string;
  /** If true, throw `BackendUnavailableError` when `prefer` is unavailable instead of falling back (default false). */
  strict?: boolean;
  /**
   * Candidate providers (each backend package exports one as `provider`). The reference provider is always added
   * (it is the float64 fallback), so `[]` selects the reference backend.
   */
  providers?: readonly BackendProvider[];
}

export interface SelectBackendResult {
  /** The created backend. */
  backend: ComputeBackend;
  /** One probe per candidate, in the order they were considered (highest priority first), saying why others were not used. */
  probes: BackendProbe[];
}

function withReference(providers: readonly BackendProvider[]): BackendProvider[] {
  const seen = new Set<string>();
  const out: BackendProvider[] = [];
  for (const p of [...providers, referenceProvider]) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push(p);
  }
  return out;
}

async function safeProbe(p: BackendProvider): Promise<BackendProbe> {
  try {
    return await p.probe();
  } catch (err) {
    return {
      name: p.name,
      precision: [...p.precisions],
      available: false,
      reason: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/**
 * Probes every provider (plus the reference one) without creating backends.
 *
 * *When to use*: CLIs and reports that list what is available and why not (`demo backends`).
 *
 * @example
 * ```ts
 * const probes = await listBackends([]); // [{ name: 'reference', precision: ['float64', 'float32'], available: true, … }]
 * ```
 */
export async function listBackends(providers: readonly BackendProvider[] = []): Promise<BackendProbe[]> {
  return Promise.all(withReference(providers).map(safeProbe));
}

/**
 * Picks the highest-priority available backend that computes in `precision` and creates it.
 *
 * *When to use*: at the top of an application, to choose a backend once and pass it explicitly (`{ backend }`)
 * to the science functions. Libraries should take a backend argument rather than call this.
 *
 * *Gotchas*: compute does not know the backend packages (layers); pass their providers. The reference backend is
 * the fallback in both precisions (float32: {@link referenceBackend32}, products on WebAssembly SIMD).
 *
 * @example
 * ```ts
 * import { selectBackend } from '@sftdl/compute';
 * // `openblas` and `tfjs` are the `provider` exports of @sftdl/backend-openblas and @sftdl/backend-tfjs
 * const { backend, probes } = await selectBackend({ precision: 'float64', providers: [openblas, tfjs] });
 * // backend: openblas if its addon loads, else the reference backend; probes say why
 * ```
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<SelectBackendResult> {
  const precision = options.precision ?? 'float64';
  if (precision !== 'float64' && precision !== 'float32') {
    throw new InvalidArgumentError(`selectBackend: precision must be 'float64' or 'float32', got '${String(precision)}'`);
  }
  const all = withReference(options.providers ?? []);
  if (options.prefer !== undefined && !all.some((p) => p.name === options.prefer)) {
    throw new InvalidArgumentError(
      `selectBackend: unknown backend '${options.prefer}'; known: ${all.map((p) => p.name).join(', ')}`,
    );
  }
  // preferred first, then by priority (stable for ties)
  const ordered = all
    .map((p, i) => ({ p, i }))
    .sort(
      (x, y) =>
        Number(y.p.name === options.prefer) - Number(x.p.name === options.prefer) || y.p.priority - x.p.priority || x.i - y.i,
    )
    .map((x) => x.p);
  const probes: BackendProbe[] = [];
  let chosen: ComputeBackend | undefined;
  for (const p of ordered) {
    if (!p.precisions.includes(precision)) {
      probes.push({ name: p.name, precision: [...p.precisions], available: false, reason: `does not compute in ${precision}` });
    } else {
      const probe = await safeProbe(p);
      if (probe.available && !chosen) {
        try {
          chosen = await p.create({ precision });
        } catch (err) {
          probe.available = false;
          probe.reason = `create failed: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      probes.push(probe);
    }
    if (!chosen && options.strict && p.name === options.prefer) {
      throw new BackendUnavailableError({ backend: p.name, reason: probes[probes.length - 1]!.reason ?? 'unavailable' });
    }
  }
  if (!chosen) {
    throw new BackendUnavailableError({
      backend: options.prefer ?? `any ${precision} backend`,
      reason: probes.map((p) => `${p.name}: ${p.reason ?? 'unavailable'}`).join('; '),
    });
  }
  return { backend: chosen, probes };
}
