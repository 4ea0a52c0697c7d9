// Backend discovery for the CLI: the app (not @sftdl/compute, which sits below the backend packages) knows which
// backend packages exist. Every package is imported lazily so commands that use the reference backend never pay
// for tfjs or a native addon, and a package that fails to load is reported unavailable instead of crashing.
import {
  type BackendProbe,
  type BackendProvider,
  type ComputeBackend,
  type Precision,
  BackendUnavailableError,
  SftdlError,
  listBackends,
  referenceProvider,
  selectBackend,
} from '@sftdl/compute';
import { UsageError } from './args';

/** Backend names the CLI knows, in display order. */
export const BACKEND_NAMES = ['reference', 'ml-matrix', 'tfjs', 'openblas'] as const;

function unavailable(name: string, precisions: readonly Precision[], reason: string): BackendProvider {
  return {
    name,
    precisions,
    priority: -Infinity,
    probe: async (): Promise<BackendProbe> => ({ name, precision: [...precisions], available: false, reason }),
    create: async () => {
      throw new BackendUnavailableError({ backend: name, reason });
    },
  };
}

function isProvider(x: unknown): x is BackendProvider {
  const p = x as BackendProvider | undefined;
  return (
    !!p &&
    typeof p.name === 'string' &&
    typeof p.probe === 'function' &&
    typeof p.create === 'function' &&
    Array.isArray(p.precisions)
  );
}

async function lazyProvider(
  name: string,
  pkg: string,
  precisions: readonly Precision[],
  load: () => Promise<unknown>,
): Promise<BackendProvider> {
  try {
    const mod = (await load()) as Record<string, unknown>;
    if (isProvider(mod.provider)) return mod.provider;
    return unavailable(name, precisions, `${pkg} does not export a 'provider' (BackendProvider) yet`);
  } catch (err) {
    return unavailable(
      name,
      precisions,
      `${pkg} failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  }
}

let cached: Promise<BackendProvider[]> | undefined;

/** The providers of every backend package (reference, ml-matrix, tfjs, openblas), loaded lazily and once. */
export function allProviders(): Promise<BackendProvider[]> {
  return (cached ??= Promise.all([
    Promise.resolve(referenceProvider),
    lazyProvider('ml-matrix', '@sftdl/backend-ml-matrix', ['float64'], () => import('@sftdl/backend-ml-matrix')),
    lazyProvider('tfjs', '@sftdl/backend-tfjs', ['float32'], () => import('@sftdl/backend-tfjs')),
    lazyProvider('openblas', '@sftdl/backend-openblas', ['float64', 'float32'], () => import('@sftdl/backend-openblas')),
  ]));
}

/** Probes of all known backends, in {@link BACKEND_NAMES} order. */
export async function probeAll(): Promise<BackendProbe[]> {
  const probes = await listBackends(await allProviders());
  const rank = (n: string) => {
    const i = (BACKEND_NAMES as readonly string[]).indexOf(n);
    return i < 0 ? BACKEND_NAMES.length : i;
  };
  return probes.sort((a, b) => rank(a.name) - rank(b.name));
}

/**
 * Resolves the `--backend <name>` flag of a demo/bench command.
 *
 * - no name or `auto`: the fastest available backend for `precision` (default float64) among all providers;
 * - a name: that backend, in `precision` if given, else in float64 when it supports it, else its own precision.
 *
 * Unknown names and unavailable backends are `UsageError`s (exit code 2) naming `--backend`.
 */
export async function resolveBackend(name?: string, precision?: Precision): Promise<ComputeBackend> {
  const providers = await allProviders();
  if (name === undefined || name === 'auto')
    return (await selectBackend({ precision: precision ?? 'float64', providers })).backend;
  const p = providers.find((x) => x.name === name);
  if (!p) throw new UsageError(`--backend must be one of auto|${providers.map((x) => x.name).join('|')}, got '${name}'`);
  const want: Precision = precision ?? (p.precisions.includes('float64') ? 'float64' : (p.precisions[0] ?? 'float64'));
  if (!p.precisions.includes(want)) throw new UsageError(`--backend ${name} computes in ${p.precisions.join('/')}, not ${want}`);
  try {
    return (await selectBackend({ precision: want, prefer: name, strict: true, providers })).backend;
  } catch (err) {
    if (BackendUnavailableError.isInstance(err)) throw new UsageError(`--backend ${name} is unavailable: ${err.reason}`);
    if (SftdlError.isInstance(err)) throw new UsageError(`--backend ${name}: ${err.message}`);
    throw err;
  }
}
