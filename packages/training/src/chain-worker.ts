/**
 * A worker thread of {@link LangevinSampler.advanceAsync}: rebuilds the sampler of a run once (model from its spec,
 * backend from `backendUrl` or the reference backend) and advances chain groups through segments.
 * Started through chain-worker-entry.js; not part of the public API.
 */
import {
  type BackendProvider,
  type ComputeBackend,
  InvalidArgumentError,
  type Precision,
  referenceBackend,
  referenceBackend32,
} from '@sftdl/compute';
import { type GroupResult, type GroupTask, LangevinSampler } from './langevin';
import { twoLayerNet } from './models';

let cached: { run: string; sampler: LangevinSampler } | undefined;

async function backendFor(name: string, precision: string, url?: string): Promise<ComputeBackend> {
  if (name === 'reference') return precision === 'float32' ? referenceBackend32() : referenceBackend;
  if (!url) throw new InvalidArgumentError(`worker threads cannot rebuild backend '${name}': pass workerBackend`);
  const mod = (url.endsWith('.ts') ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url) : await import(url)) as {
    provider?: BackendProvider;
  };
  if (!mod.provider) throw new InvalidArgumentError(`workerBackend ${url} does not export a 'provider'`);
  // one BLAS thread per worker: the workers are the parallelism
  const be = await mod.provider.create({ precision: precision as Precision, threads: 1 } as { precision: Precision });
  if (be.name !== name || be.precision !== precision)
    throw new InvalidArgumentError(`workerBackend ${url} gives ${be.name} ${be.precision}, the run uses ${name} ${precision}`);
  return be;
}

/** Runs one task (see {@link GroupTask}). */
export default async function runGroup(task: GroupTask): Promise<GroupResult> {
  const { setup } = task;
  if (cached?.run !== setup.run) {
    const backend = await backendFor(setup.backend, setup.precision, setup.backendUrl);
    const model = twoLayerNet({ ...setup.spec.options, backend });
    cached = { run: setup.run, sampler: new LangevinSampler({ ...setup.options, model }) };
  }
  return cached.sampler.runGroup(task);
}
