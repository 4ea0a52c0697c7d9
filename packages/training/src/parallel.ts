// The worker pool of LangevinSampler.advanceAsync (loaded on demand, so the sampler itself needs no Node APIs).
import { Tinypool } from 'tinypool';

/**
 * A tinypool pool of `threads` worker threads running chain groups (see chain-worker.ts). The entry is plain
 * JavaScript next to this file (Node 20 does not run `--import` loaders such as tsx in worker threads; the entry loads
 * the compiled worker or the TypeScript sources through tsx).
 */
export async function startPool(threads: number): Promise<{ run(task: unknown): Promise<unknown>; destroy(): Promise<void> }> {
  const pool = new Tinypool({
    filename: new URL('./chain-worker-entry.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    execArgv: process.execArgv,
    isolateWorkers: false,
  });
  return { run: (task) => pool.run(task) as Promise<unknown>, destroy: () => pool.destroy() };
}
