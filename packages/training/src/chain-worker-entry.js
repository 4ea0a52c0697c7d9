// The Langevin worker threads' entry (plain JavaScript, so that a worker thread can load it without a loader:
// Node 20 does not run `--import` hooks such as tsx in worker threads). It loads the worker module next to it:
// the compiled ./chain-worker.js of a built package, or ./chain-worker.ts through tsx's tsImport from sources.
import { existsSync } from 'node:fs';

let handler;

async function load() {
  const js = new URL('./chain-worker.js', import.meta.url);
  if (existsSync(js)) return (await import(js.href)).default;
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(new URL('./chain-worker.ts', import.meta.url).href, import.meta.url)).default;
}

/** Runs one chain group's segment (see chain-worker.ts). */
export default async function run(task) {
  handler ??= await load();
  return handler(task);
}
