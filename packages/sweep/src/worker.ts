/**
 * The local executor's worker: loads the app's experiment registry module (once per thread) and runs one task.
 * Started (through worker-entry.js) by the local executor; not part of the public API.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ExperimentRegistry } from './experiment';
import { type TaskOutcome, runTask } from './sweep';

/** The message the pool sends for one task. */
export interface WorkerJob {
  dir: string;
  index: number;
  registryModule: string;
  force: boolean;
  leaseSeconds?: number;
  port?: MessagePort;
}

const registries = new Map<string, Promise<ExperimentRegistry>>();

/** Imports `spec` and returns its `registry` (or default) export, checked by shape (it may come from another copy of this package). */
export function loadRegistry(spec: string): Promise<ExperimentRegistry> {
  let p = registries.get(spec);
  if (!p) {
    // A TypeScript registry (running from sources) is imported through tsx's tsImport: worker threads do not inherit
    // `--import tsx` on Node 20.
    const load = /\.[mc]?ts$/.test(spec)
      ? import('tsx/esm/api').then((m) => m.tsImport(spec, import.meta.url) as Promise<Record<string, unknown>>)
      : (import(spec) as Promise<Record<string, unknown>>);
    p = load.then((mod) => {
      const r = (mod.registry ?? mod.default) as ExperimentRegistry | undefined;
      if (!r || typeof r.get !== 'function' || typeof r.list !== 'function') {
        throw new Error(`${spec} must export 'registry' (an ExperimentRegistry) or a default export of one`);
      }
      return r;
    });
    registries.set(spec, p);
  }
  return p;
}

/** Runs one task in this worker thread. */
export default async function runJob(job: WorkerJob): Promise<TaskOutcome> {
  const registry = await loadRegistry(job.registryModule);
  let last = 0;
  job.port?.postMessage(0);
  try {
    return await runTask(registry, job.dir, job.index, {
      force: job.force,
      ...(job.leaseSeconds !== undefined ? { leaseSeconds: job.leaseSeconds } : {}),
      log: (m) => {
        process.stderr.write(m + '\n');
      },
      onProgress: (f) => {
        const t = Date.now();
        if (job.port && t - last > 250) {
          last = t;
          job.port.postMessage(f);
        }
      },
    });
  } finally {
    job.port?.close();
  }
}
