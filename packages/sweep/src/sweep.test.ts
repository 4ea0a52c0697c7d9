import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fold, key, split, uniform } from '@sftdl/field';
import { registry } from '../test/registry';
import { parseGrid } from './grid';
import {
  collectSweep,
  collectedToCsv,
  loadSweep,
  planSweep,
  readResult,
  runTask,
  sweepPaths,
  sweepStatus,
  taskId,
} from './sweep';
import { runLocal } from './local';

const tmp = () => mkdtempSync(join(tmpdir(), 'sweep-'));

/** The walk experiment recomputed from @sftdl/field alone: task key = fold(split(key(seed))[0], index). */
function expectedWalk(rootSeed: number, index: number, steps: number, scale: number): number[] {
  const k = fold(split(key(rootSeed), 2)[0]!, index);
  const path: number[] = [];
  let x = 0;
  for (let s = 0; s < steps; s++) {
    const u = uniform(fold(k, s), 3);
    x += scale * (u[0]! + u[1]! + u[2]! - 1.5);
    path.push(x);
  }
  return path;
}

describe('planning', () => {
  it('expands the grid, derives keys from the root seed by cell index, and IDs by content', () => {
    const dir = tmp();
    const p = planSweep(registry, dir, {
      experiment: 'walk',
      axes: parseGrid('scale=1,2;seed=1..3'),
      set: { steps: 4 },
      rootSeed: 7,
    });
    expect(p.total).toBe(6);
    expect(p.estimatedSeconds).toBeCloseTo(6 * 4 * 1e-3, 12);
    const m = loadSweep(dir);
    const root = split(key(7), 2)[0]!;
    m.tasks.forEach((t, i) => {
      const k = fold(root, i);
      expect(t.key).toEqual({ kind: 'philox4x32', k0: k.k0, k1: k.k1 });
      expect(t.id).toBe(taskId({ experiment: 'walk', params: t.params, key: k, version: '1' }));
    });
    expect(m.tasks[4]!.params).toEqual({ steps: 4, scale: 2, sleepMs: 0, failAt: -1, seed: 2 });
    expect(new Set(m.tasks.map((t) => t.id)).size).toBe(6);
  });

  it('re-planning the same grid finds finished tasks; another seed or version gives new IDs', async () => {
    const dir = tmp();
    const o = { experiment: 'walk', axes: parseGrid('seed=1..3'), set: { steps: 2 } };
    const first = planSweep(registry, dir, o);
    await runLocal(registry, dir);
    const again = planSweep(registry, dir, o);
    expect(again.alreadyDone).toBe(3);
    expect(again.manifest.tasks.map((t) => t.id)).toEqual(first.manifest.tasks.map((t) => t.id));
    const other = planSweep(registry, tmp(), { ...o, rootSeed: 1 });
    expect(other.manifest.tasks.some((t) => first.manifest.tasks.some((u) => u.id === t.id))).toBe(false);
  });

  it('rejects unknown experiments, unknown parameters, invalid cells and a folder of another experiment', () => {
    const dir = tmp();
    expect(() => planSweep(registry, dir, { experiment: 'nope' })).toThrow(/unknown experiment 'nope'/);
    expect(() => planSweep(registry, dir, { experiment: 'walk', axes: parseGrid('width=1,2') })).toThrow(
      /'width' is not a parameter/,
    );
    expect(() => planSweep(registry, dir, { experiment: 'walk', axes: parseGrid('steps=2,0') })).toThrow(
      /cell 1 .*steps must be a positive integer/,
    );
    planSweep(registry, dir, { experiment: 'square', axes: parseGrid('x=1..2') });
    expect(() => planSweep(registry, dir, { experiment: 'walk' })).toThrow(/holds a sweep of 'square'/);
  });
});

describe('running tasks', () => {
  it('results equal an independent recomputation from the field keys; finished tasks are not re-run', async () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'walk', axes: parseGrid('scale=1,3;seed=1..2'), set: { steps: 5 }, rootSeed: 3 });
    const s = await runLocal(registry, dir);
    expect(s.done).toBe(4);
    const m = loadSweep(dir);
    for (const t of m.tasks) {
      const r = readResult(dir, t.id);
      expect(r.state).toBe('done');
      const res = (r as unknown as { record: { result: { path: number[] } } }).record.result;
      expect(res.path).toEqual(expectedWalk(3, t.index, 5, t.params.scale as number));
    }
    const before = readFileSync(sweepPaths.result(dir, m.tasks[0]!.id), 'utf8');
    const again = await runLocal(registry, dir);
    expect(again.skipped).toBe(4);
    expect(again.done).toBe(0);
    expect(readFileSync(sweepPaths.result(dir, m.tasks[0]!.id), 'utf8')).toBe(before);
    const forced = await runLocal(registry, dir, { force: true, tasks: [1] });
    expect(forced.done).toBe(1);
    expect(existsSync(join(dir, 'checkpoints', `${m.tasks[0]!.id}.json`))).toBe(false);
  });

  it('a throwing task is recorded as failed with its error and the rest continue; NaN results fail loudly', async () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'walk', axes: parseGrid('failAt=-1,2,-1'), set: { steps: 4 } });
    const s = await runLocal(registry, dir);
    expect([s.done, s.failed]).toEqual([2, 1]);
    const st = sweepStatus(dir);
    expect([st.total, st.done, st.failed, st.pending, st.running]).toEqual([3, 2, 1, 0, 0]);
    expect(st.tasks[1]!.error).toBe('planned failure at step 2');
    const c = collectSweep(dir);
    expect(c.rows[1]).toMatchObject({ status: 'failed', error: 'planned failure at step 2' });
    // the failed task kept its checkpoint (steps 0, 1 done) and a rerun retries it from there
    const d2 = tmp();
    planSweep(registry, d2, { experiment: 'nan', axes: parseGrid('x=1') });
    const n = await runLocal(registry, d2);
    expect(n.failed).toBe(1);
    expect(sweepStatus(d2).tasks[0]!.error).toMatch(/result\.v is NaN/);
  });

  it('a corrupted result file is detected by its checksum, reported and re-run', async () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'walk', axes: parseGrid('seed=1..2'), set: { steps: 3 } });
    await runLocal(registry, dir);
    const id = loadSweep(dir).tasks[1]!.id;
    const path = sweepPaths.result(dir, id);
    const good = readFileSync(path, 'utf8');
    const rec = JSON.parse(good) as { result: { x: number } };
    rec.result.x += 1e-12; // a silent one-ulp-scale change
    writeFileSync(path, JSON.stringify(rec));
    const r = readResult(dir, id);
    expect(r.state).toBe('corrupt');
    expect(sweepStatus(dir)).toMatchObject({ done: 1, pending: 1, corrupt: 1 });
    expect(sweepStatus(dir).tasks[1]!.note).toMatch(/checksum mismatch/);
    const logs: string[] = [];
    const s = await runLocal(registry, dir, { log: (m) => logs.push(m) });
    expect([s.done, s.skipped]).toEqual([1, 1]);
    expect(logs.some((l) => /task 1 .*corrupt.*checksum mismatch.*re-running/.test(l))).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8')).result).toEqual(JSON.parse(good).result);
    writeFileSync(path, good.slice(0, 40));
    expect(readResult(dir, id).state).toBe('corrupt');
  });

  it('a full disk writes nothing partial: no result, no temp file, the task stays pending and reruns', async () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'square', axes: parseGrid('x=3') });
    const enospc = {
      writeSync: (_fd: number, _b: Uint8Array, _o: number, l: number): number => {
        if (l > 8) {
          // the first few bytes fit, then the disk is full
          const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
          e.code = 'ENOSPC';
          throw e;
        }
        return l;
      },
    };
    const out = await runTask(registry, dir, 0, { fs: enospc, log: () => {} });
    expect(out.status).toBe('error');
    expect(out.message).toMatch(/ENOSPC/);
    expect(readdirSync(join(dir, 'results'))).toEqual([]);
    expect(sweepStatus(dir)).toMatchObject({ done: 0, pending: 1 });
    expect((await runTask(registry, dir, 0)).status).toBe('done');
    expect(collectSweep(dir).rows[0]).toMatchObject({ x: 3, result: 9, status: 'done' });
  });

  it('resumes a task from its checkpoint with the same numbers as an uninterrupted run', async () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'walk', axes: parseGrid('seed=1'), set: { steps: 6, failAt: 3 } });
    await runLocal(registry, dir); // stops at step 3 with a checkpoint (a stand-in for a kill)
    const id = loadSweep(dir).tasks[0]!.id;
    expect(JSON.parse(readFileSync(sweepPaths.checkpoint(dir, id), 'utf8')).state.step).toBe(3);
    // same task (same key) without the failure: plan a sweep whose checkpoint is the one above
    const dir2 = tmp();
    planSweep(registry, dir2, { experiment: 'walk', axes: parseGrid('seed=1'), set: { steps: 6 } });
    const id2 = loadSweep(dir2).tasks[0]!.id;
    const ck = JSON.parse(readFileSync(sweepPaths.checkpoint(dir, id), 'utf8'));
    mkdirSync(join(dir2, 'checkpoints'), { recursive: true });
    writeFileSync(sweepPaths.checkpoint(dir2, id2), JSON.stringify({ ...ck, id: id2 }));
    await runLocal(registry, dir2);
    const r = readResult(dir2, id2) as unknown as { record: { result: { path: number[] } } };
    expect(r.record.result.path).toEqual(expectedWalk(0, 0, 6, 1));
  });
});

describe('collect', () => {
  it('one row per task with parameters and result fields; CSV with the same columns', async () => {
    const dir = tmp();
    planSweep(registry, dir, { experiment: 'walk', axes: parseGrid('scale=1,2'), set: { steps: 2 } });
    await runTask(registry, dir, 0);
    const c = collectSweep(dir);
    expect(c.columns.slice(0, 8)).toEqual(['index', 'id', 'status', 'steps', 'scale', 'sleepMs', 'failAt', 'seed']);
    expect(c.rows[0]).toMatchObject({ index: 0, status: 'done', scale: 1, path: expectedWalk(0, 0, 2, 1) });
    expect(c.rows[1]).toMatchObject({ index: 1, status: 'pending', scale: 2 });
    const csv = collectedToCsv(c).trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]).toBe(c.columns.join(','));
    expect(csv[1]!.split(',')[3]).toBe('2');
  });
});
