import type { BackendProbe, BackendProvider, ComputeBackend, Precision } from '@sftdl/compute';
import { createOpenblasBackend } from './backend';
import { loadAddon } from './addon';

const PRECISIONS: readonly Precision[] = Object.freeze(['float64', 'float32']);

/**
 * True when the native addon is built and loads (OpenBLAS and LAPACKE present). Never throws.
 *
 * *When to use*: to branch before calling {@link createOpenblasBackend}; `selectBackend` users need
 * nothing (they pass {@link provider}).
 *
 * *Gotchas*: the result is cached for the process; rebuilding the addon needs a restart.
 *
 * @example
 * ```ts
 * import { isOpenblasAvailable, createOpenblasBackend } from '@sftdl/backend-openblas';
 * import { referenceBackend } from '@sftdl/compute';
 * const backend = isOpenblasAvailable() ? createOpenblasBackend() : referenceBackend;
 * ```
 */
export function isOpenblasAvailable(): boolean {
  return loadAddon().ok;
}

/**
 * Synchronous availability report: `available`, the OpenBLAS core in use as `engine`, or the
 * `reason` it is unavailable (naming the apt command and the rebuild script).
 *
 * @example
 * ```ts
 * import { probeOpenblas } from '@sftdl/backend-openblas';
 * const p = probeOpenblas();
 * if (!p.available) console.error(p.reason);
 * ```
 */
export function probeOpenblas(): BackendProbe {
  const loaded = loadAddon();
  if (!loaded.ok) return { name: 'openblas', precision: PRECISIONS, available: false, reason: loaded.reason };
  const info = loaded.addon.info();
  return {
    name: 'openblas',
    precision: PRECISIONS,
    available: true,
    engine:
      `${info.config.split(' ').slice(0, 2).join(' ')} (${info.corename} kernels)` +
      (info.fastPreferred ? '; GEMM, SYRK and Cholesky on sftdl AVX-512 kernels' : ''),
  };
}

/**
 * The {@link BackendProvider} of this package for `selectBackend` (name `'openblas'`, both
 * precisions, priority 100: preferred over the reference backend whenever it is available).
 *
 * `create` also accepts `threads` (see {@link createOpenblasBackend}).
 *
 * @example
 * ```ts
 * import { selectBackend } from '@sftdl/compute';
 * import { provider } from '@sftdl/backend-openblas';
 * const { backend } = await selectBackend({ precision: 'float64', providers: [provider] });
 * ```
 */
export const provider: BackendProvider = Object.freeze({
  name: 'openblas',
  precisions: PRECISIONS,
  priority: 100,
  probe: async (): Promise<BackendProbe> => probeOpenblas(),
  create: async (options: { precision: Precision; threads?: number }): Promise<ComputeBackend> =>
    createOpenblasBackend(options.threads === undefined ? { precision: options.precision } : options),
});
