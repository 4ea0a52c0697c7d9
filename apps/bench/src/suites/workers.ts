import { availableParallelism, loadavg } from 'node:os';
import { fold, key, normalMat } from '@sftdl/field';
import { LangevinSampler, twoLayerNet } from '@sftdl/training';
import { resolveBackend } from '../backends';
import { type Contestant, timeRounds } from '../timing';
import { backendFlag, repeatsFlag } from './flags';
import type { Suite } from './types';

const SEED = 808;

/** One row of `bench workers --json`: one worker setting on one (shape, chains) configuration. */
export interface WorkersRow {
  samples: number;
  dim: number;
  width: number;
  chains: number;
  /** The `workers` option: a count or 'auto'. */
  workers: number | 'auto';
  /** The worker count the sampler used (`resolveWorkers()`; 1 = the calling thread, no pool). */
  resolved: number;
  steps: number;
  repeats: number;
  msPerStep: number;
  chainStepsPerSecond: number;
  /** Wall time of this setting ÷ that of the fastest setting of the configuration (1 = fastest). */
  slowdown: number;
}

/** The default configurations: two below the two-layer net's host-loop limit (n·N·d ≤ 65536), one above it. */
const DEFAULT_SHAPES = [
  { n: 64, d: 8, N: 32, chains: 16 },
  { n: 64, d: 8, N: 32, chains: 32 },
  { n: 16, d: 4, N: 16, chains: 8 },
  { n: 200, d: 20, N: 50, chains: 16 },
];

export const suite: Suite = {
  name: 'workers',
  summary: "Langevin worker threads: ensemble steps/s at each worker count and 'auto' (the default rule)",
  usage: ['bench workers [flags]'],
  flags: [
    { name: 'steps', type: 'integer', default: 400, description: 'Langevin steps per timed run (at least 2)' },
    repeatsFlag(5, 'timed rounds (the settings alternate within a round)'),
    backendFlag('reference', 'compute backend of the nets (auto: the fastest available float64 backend)'),
  ],
  output: [
    { key: 'backend', description: 'the backend used' },
    { key: 'cores', description: 'available parallelism of the machine' },
    {
      key: 'rows',
      description:
        'one per shape × setting: { samples, dim, width, chains, workers, resolved, steps, repeats, msPerStep, chainStepsPerSecond, slowdown }',
    },
    {
      key: 'autoChoices',
      description: "one per shape: { samples, dim, width, chains, resolved, fastest, autoSlowdown } ('auto' against the fastest)",
    },
    { key: 'loadAverage', description: '{ start, end }: load averages around the run (the machine is shared)' },
  ],
  notes: [
    'Times LangevinSampler.advanceAsync (the default integrator, fixed step, burn-in only) for workers = 1 … cores and',
    "'auto' on small two-layer erf nets (n·N·d at and above the host-loop limit 65536) and reports which setting was",
    'fastest; rounds alternate the settings. Results are bit-identical for every worker count (tested), so only speed differs.',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const steps = f.number('steps', { integer: true, min: 2, default: 400 });
    const repeats = f.number('repeats', { integer: true, positive: true, default: 5 });
    const backendName = f.string('backend');
    f.assertAllUsed();
    const cores = Math.max(1, availableParallelism());
    const backend = await resolveBackend(backendName ?? 'reference', 'float64');
    const settings: (number | 'auto')[] = [...Array.from({ length: Math.min(cores, 4) }, (_, i) => i + 1), 'auto'];
    const load0 = loadavg();
    const rows: WorkersRow[] = [];
    const autoChoices: {
      samples: number;
      dim: number;
      width: number;
      chains: number;
      resolved: number;
      fastest: number | 'auto';
      autoSlowdown: number;
    }[] = [];
    const k = key(SEED);
    for (const s of DEFAULT_SHAPES) {
      const x = normalMat(fold(k, 1), s.n, s.d),
        y = normalMat(fold(k, 2), s.n, 1);
      const model = twoLayerNet({ dim: s.d, width: s.N, activation: 'erf', backend });
      const total = steps * (repeats + 1);
      const samplers = settings.map(
        (w) =>
          new LangevinSampler({
            model,
            x,
            y,
            sigma2: 0.5,
            key: fold(k, 3),
            steps: total + 1,
            burnIn: total,
            chains: s.chains,
            stepSize: 1e-3,
            thin: 1,
            workers: w,
          }),
      );
      const resolved = await Promise.all(samplers.map((sm) => sm.resolveWorkers()));
      const at = samplers.map(() => 0);
      const contestants: Contestant[] = samplers.map((sm, i) => ({
        run: () => {
          at[i]! += steps;
          return sm.advanceAsync(at[i]!);
        },
      }));
      ctx.log(`n=${s.n} d=${s.d} N=${s.N} chains=${s.chains}: workers ${settings.join(', ')} (auto → ${resolved.at(-1)}) …`);
      let times;
      try {
        times = await timeRounds(contestants, { repeats, minTime: 0, maxRepeats: repeats, gap: 0.05 });
      } finally {
        for (const sm of samplers) await sm.close();
      }
      const best = Math.min(...times.map((t) => t.seconds));
      settings.forEach((w, i) => {
        const t = times[i]!;
        rows.push({
          samples: s.n,
          dim: s.d,
          width: s.N,
          chains: s.chains,
          workers: w,
          resolved: resolved[i]!,
          steps,
          repeats: t.samples.length,
          msPerStep: (1000 * t.seconds) / steps,
          chainStepsPerSecond: (s.chains * steps) / t.seconds,
          slowdown: t.seconds / best,
        });
      });
      const fastestIdx = times.findIndex((t) => t.seconds === best);
      autoChoices.push({
        samples: s.n,
        dim: s.d,
        width: s.N,
        chains: s.chains,
        resolved: resolved.at(-1)!,
        fastest: settings[fastestIdx]!,
        autoSlowdown: times.at(-1)!.seconds / best,
      });
    }
    const json = {
      backend: backend.name,
      cores,
      rows,
      autoChoices,
      loadAverage: { start: load0.map((q) => Number(q.toFixed(2))), end: loadavg().map((q) => Number(q.toFixed(2))) },
    };
    const head =
      'shape (n d N chains)'.padEnd(24) +
      'workers'.padStart(8) +
      'used'.padStart(6) +
      'ms/step'.padStart(10) +
      'chain-steps/s'.padStart(15) +
      'vs fastest'.padStart(12);
    const lines = rows.map(
      (r) =>
        `${r.samples} ${r.dim} ${r.width} ${r.chains}`.padEnd(24) +
        String(r.workers).padStart(8) +
        String(r.resolved).padStart(6) +
        r.msPerStep.toFixed(3).padStart(10) +
        r.chainStepsPerSecond.toFixed(0).padStart(15) +
        `${r.slowdown.toFixed(2)}×`.padStart(12),
    );
    const table = [
      `Langevin worker threads (${backend.name}, ${cores} cores)`,
      head,
      ...lines,
      '',
      `load average ${json.loadAverage.start.join(' ')} at the start, ${json.loadAverage.end.join(' ')} at the end`,
    ].join('\n');
    return { json, table };
  },
};
