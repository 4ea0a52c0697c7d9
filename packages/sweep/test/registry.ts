/**
 * Test experiments for the sweep package's tests (imported by worker threads and child processes by path).
 * `walk` is a checkpointed random walk whose every step draws from fold(key, step): its result depends only on
 * (params, key), and a run resumed from any checkpoint gives the same numbers as an uninterrupted one.
 */
import { fold, uniform } from '@sftdl/field';
import { ExperimentRegistry, type Json } from '../src/index';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const registry = new ExperimentRegistry()
  .register({
    name: 'walk',
    version: '1',
    summary: 'checkpointed random walk (test)',
    defaults: { steps: 5, scale: 1, sleepMs: 0, failAt: -1, seed: 0 },
    validate(p) {
      if (!Number.isInteger(p.steps) || (p.steps as number) < 1)
        throw new RangeError(`steps must be a positive integer, got ${p.steps}`);
    },
    cost: (p) => ({ seconds: (p.steps as number) * (1e-3 + (p.sleepMs as number) / 1000), note: 'steps × (1 ms + sleep)' }),
    async run(p, ctx) {
      const steps = p.steps as number;
      const st = (ctx.checkpoint.load() as { step: number; x: number; path: number[] } | undefined) ?? {
        step: 0,
        x: 0,
        path: [],
      };
      while (st.step < steps) {
        if (st.step === p.failAt) throw new Error(`planned failure at step ${st.step}`);
        const u = uniform(fold(ctx.key, st.step), 3);
        st.x += (p.scale as number) * (u[0]! + u[1]! + u[2]! - 1.5);
        st.path.push(st.x);
        st.step++;
        ctx.checkpoint.save(st as unknown as Json);
        ctx.progress(st.step / steps);
        if ((p.sleepMs as number) > 0) await sleep(p.sleepMs as number);
      }
      return { x: st.x, path: st.path, shared: uniform(ctx.sharedKey, 1)[0]! };
    },
  })
  .register({
    name: 'square',
    version: '1',
    summary: 'x² (test)',
    defaults: { x: 0 },
    run: (p) => (p.x as number) ** 2,
  })
  .register({
    name: 'nan',
    version: '1',
    summary: 'returns NaN (test)',
    defaults: { x: 0 },
    run: () => ({ v: Number.NaN }),
  });
