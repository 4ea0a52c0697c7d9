import { type ComputeBackend, referenceBackend } from '@sftdl/compute';
import { fold, key, normalMat } from '@sftdl/field';
import { fcKernel } from '@sftdl/kernels';
import { BACKEND_NAMES, probeAll, resolveBackend } from '../backends';
import { timeMedian } from '../timing';
import { backendsFlag, repeatsFlag, sizesFlag } from './flags';
import type { Suite } from './types';

/** One row of `bench kernels --json`. */
export interface KernelBenchResult {
  backend: string;
  n: number;
  d: number;
  depth: number;
  /** Median wall time of one NNGP + NTK evaluation (symmetric n × n), seconds. */
  seconds: number;
  /** CPU time (user + system, all threads) of the process per evaluation, seconds: robust on a busy machine. */
  cpuSeconds?: number;
  precision?: string;
  /** Number of timed runs behind the median. */
  repeats?: number;
}

const SEED = 784;
const D = 784;
const DEPTH = 3;

export const suite: Suite = {
  name: 'kernels',
  summary: 'NNGP+NTK of a depth-3 ReLU net at n = 1000…4000, d = 784, per backend',
  usage: ['bench kernels [flags]'],
  flags: [
    sizesFlag('1000,2000,4000', 'numbers of inputs n (x ~ N(0, I_784), n × 784)'),
    backendsFlag('reference and the fastest available float64 backend'),
    repeatsFlag(3),
  ],
  output: [
    {
      key: 'results',
      description:
        'one row per n × backend: { backend, n, d, depth, seconds (median wall), cpuSeconds (mean process CPU), precision, repeats }',
    },
  ],
  notes: ['Times fcKernel(x, undefined, { activation: relu, depth: 3, weightVar: 2, biasVar: 0.1 }) on x ~ N(0, I_784).'],
  async run({ flags, log }) {
    const sizes = flags.numberList('sizes', { integer: true, positive: true }) ?? [1000, 2000, 4000];
    const requested = flags.stringList('backends', BACKEND_NAMES);
    const repeats = flags.number('repeats', { integer: true, min: 1, default: 3 });
    flags.assertAllUsed();
    const backends: ComputeBackend[] = [];
    if (requested) {
      for (const name of requested) backends.push(await resolveBackend(name, 'float64'));
    } else {
      backends.push(referenceBackend);
      try {
        const best = await resolveBackend(undefined, 'float64');
        if (best.name !== referenceBackend.name) backends.push(best);
      } catch (err) {
        log(`note: no native float64 backend (${err instanceof Error ? err.message : String(err)})`);
      }
      for (const p of await probeAll()) if (!p.available) log(`note: ${p.name} unavailable: ${p.reason ?? 'unknown reason'}`);
    }
    const results: KernelBenchResult[] = [];
    for (const n of sizes) {
      const x = normalMat(fold(key(SEED), n), n, D);
      for (const backend of backends) {
        log(`kernels: n = ${n}, d = ${D}, depth ${DEPTH}, backend ${backend.name} …`);
        let cpu = 0,
          calls = 0;
        const t = await timeMedian(
          () => {
            const c0 = process.cpuUsage();
            const r = fcKernel(x, undefined, { activation: 'relu', depth: DEPTH, weightVar: 2, biasVar: 0.1, backend });
            const c = process.cpuUsage(c0);
            cpu += (c.user + c.system) / 1e6;
            calls++;
            return r;
          },
          { repeats, minTime: 0, maxTime: 30, warmup: 1 },
        );
        const cpuSeconds = cpu / Math.max(1, calls);
        results.push({
          backend: backend.name,
          n,
          d: D,
          depth: DEPTH,
          seconds: t.seconds,
          cpuSeconds,
          precision: backend.precision,
          repeats: t.samples.length,
        });
        log(`  ${t.seconds.toFixed(3)} s wall, ${cpuSeconds.toFixed(3)} s CPU (mean over ${calls} runs incl. warm-up)`);
      }
    }
    const table = [
      'NNGP + NTK, depth-3 ReLU, d = 784 (median wall time)',
      `${'backend'.padEnd(12)}${'n'.padStart(7)}${'seconds'.padStart(10)}${'cpu s'.padStart(10)}`,
      ...results.map(
        (r) =>
          `${r.backend.padEnd(12)}${String(r.n).padStart(7)}${r.seconds.toFixed(3).padStart(10)}${(r.cpuSeconds ?? 0).toFixed(3).padStart(10)}`,
      ),
    ].join('\n');
    return { json: { results }, table };
  },
};
