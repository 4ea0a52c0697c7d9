import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../test/registry';
import { parseGrid } from './grid';
import { runLocal } from './local';
import { loadSweep, planSweep, readResult, sweepPaths, sweepStatus } from './sweep';

const tmp = () => mkdtempSync(join(tmpdir(), 'sweep-local-'));
const registryModule = new URL('../test/registry.ts', import.meta.url).href;
const pkgDir = resolve(import.meta.dirname, '..');
const execArgv = ['--conditions=@sftdl/source'];

function results(dir: string): Map<number, unknown> {
  const out = new Map<number, unknown>();
  for (const t of loadSweep(dir).tasks) {
    const r = readResult(dir, t.id);
    if (r.state === 'done') out.set(t.index, r.record.result);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local executor (tinypool)', () => {
  it('results do not depend on the worker count or order', async () => {
    const grid = { experiment: 'walk', axes: parseGrid('scale=1,2,3;seed=1..2'), set: { steps: 7 }, rootSeed: 11 };
    const a = tmp(),
      b = tmp();
    planSweep(registry, a, grid);
    planSweep(registry, b, grid);
    await runLocal(registry, a, { workers: 1 });
    const lines: string[] = [];
    const s = await runLocal(registry, b, {
      workers: 2,
      registryModule,
      execArgv,
      tasks: [5, 3, 1, 4, 2, 0],
      log: (l) => lines.push(l),
    });
    expect(s.done).toBe(6);
    expect(lines.at(-1)).toMatch(
      /^sweep walk: 6\/6 run \(6 done, 0 failed\), 0 running, 0 skipped · 100% · .* elapsed · ETA 0s$/,
    );
    expect(results(b)).toEqual(results(a));
    expect(results(a).size).toBe(6);
  });

  it('kill -9 of the whole run, then run again: identical results, no finished task re-run', async () => {
    const grid = { experiment: 'walk', axes: parseGrid('seed=1..6'), set: { steps: 12, sleepMs: 30 }, rootSeed: 5 };
    const ref = tmp(),
      dir = tmp();
    planSweep(registry, ref, grid);
    planSweep(registry, dir, grid);
    await runLocal(registry, ref, { workers: 1, tasks: [0, 1, 2, 3, 4, 5] });

    const child = spawn(process.execPath, ['--conditions=@sftdl/source', '--import', 'tsx', 'test/run-child.ts', dir, '2'], {
      cwd: pkgDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    const deadline = Date.now() + 30_000;
    // wait until two tasks are finished and a third has checkpointed part of its work
    for (;;) {
      const done = existsSync(join(dir, 'results'))
        ? readdirSync(join(dir, 'results')).filter((f) => f.endsWith('.json')).length
        : 0;
      const ck = existsSync(join(dir, 'checkpoints'))
        ? readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.json')).length
        : 0;
      if (done >= 2 && ck >= 1) break;
      if (Date.now() > deadline) throw new Error(`child made no progress: ${stderr}`);
      await sleep(20);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const m = loadSweep(dir);
    const finished = new Map(
      m.tasks
        .filter((t) => readResult(dir, t.id).state === 'done')
        .map((t) => [t.index, readFileSync(sweepPaths.result(dir, t.id), 'utf8')]),
    );
    expect(finished.size).toBeGreaterThanOrEqual(2);
    expect(finished.size).toBeLessThan(6);
    const st = sweepStatus(dir);
    expect(st.running).toBe(0); // the killed owner's locks are stale (pid gone)
    expect(st.tasks.some((t) => /stale lock: owner pid \d+ .* gone/.test(t.note ?? ''))).toBe(true);
    const partial = m.tasks.filter((t) => !finished.has(t.index) && existsSync(sweepPaths.checkpoint(dir, t.id)));
    expect(partial.length).toBeGreaterThanOrEqual(1);

    const logs: string[] = [];
    const s = await runLocal(registry, dir, { workers: 2, registryModule, execArgv, log: (l) => logs.push(l) });
    expect(s.skipped).toBe(finished.size);
    expect(s.done).toBe(6 - finished.size);
    for (const [i, text] of finished) expect(readFileSync(sweepPaths.result(dir, m.tasks[i]!.id), 'utf8')).toBe(text);
    expect(results(dir)).toEqual(results(ref));
    expect(sweepStatus(dir)).toMatchObject({ total: 6, done: 6, running: 0, failed: 0, pending: 0 });
  });
});
