import { UsageError } from '@sftdl/cli-kit';
import { type ComputeBackend, type Mat, type Precision, referenceBackend } from '@sftdl/compute';
import { fold, key, normalMat } from '@sftdl/field';
import { BACKEND_NAMES, probeAll, resolveBackend } from '../backends';
import { type TimeMedianResult, median, timeInterleaved, timeMedian } from '../timing';
import { NumpyBaseline } from './numpy-baseline';
import { backendsFlag, repeatsFlag, sizesFlag } from './flags';
import type { Suite } from './types';

const OPS = ['matmul', 'cholesky', 'eigh'] as const;
type Op = (typeof OPS)[number];

/** Nominal flop counts: GEMM 2n³, Cholesky n³/3, symmetric eigen-decomposition with vectors 9n³ (Golub & Van Loan, §8.3). */
const FLOPS: Record<Op, (n: number) => number> = {
  matmul: (n) => 2 * n ** 3,
  cholesky: (n) => n ** 3 / 3,
  eigh: (n) => 9 * n ** 3,
};

/** One row of `bench compute --json`. */
export interface ComputeResult {
  backend: string;
  op: Op;
  n: number;
  /** Median wall time over the repeats, seconds. */
  seconds: number;
  /** Nominal flops / seconds / 1e9. */
  gflops: number;
  precision?: Precision;
  threads?: number;
  engine?: string;
  /** Which GEMM kernels the backend used (the openblas backend: 'sftdl avx512' or 'openblas'). */
  kernels?: string;
  /** Number of timed runs behind the median. */
  repeats?: number;
  /** Median process CPU time (user + system, all threads), seconds: steadier than wall time on a loaded machine. */
  cpuSeconds?: number;
}

const SEED = 20260;

function inputs(n: number): { a: Mat; b: Mat; spd: Mat } {
  const k = key(SEED);
  const a = normalMat(fold(k, n), n, n);
  const b = normalMat(fold(k, n + 1), n, n);
  const spd = referenceBackend.gram(a, { alpha: 1 / n });
  for (let i = 0; i < n; i++) spd.data[i * n + i]! += 1;
  return { a, b, spd };
}

function runOp(backend: ComputeBackend, op: Op, x: { a: Mat; b: Mat; spd: Mat }): unknown {
  if (op === 'matmul') return backend.matmul(x.a, x.b);
  if (op === 'cholesky') return backend.cholesky(x.spd);
  return backend.eigh(x.spd);
}

function fmt(x: number, digits = 3): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(digits);
}

function table(results: ComputeResult[], baseline: string | undefined): string {
  const head = [
    'op',
    'n',
    'backend',
    'precision',
    'seconds',
    'GFLOP/s',
    'cpu s',
    '× slowest',
    ...(baseline ? [`time ÷ ${baseline}`] : []),
  ];
  const rows: string[][] = [];
  for (const op of OPS) {
    for (const n of [...new Set(results.map((r) => r.n))].sort((a, b) => a - b)) {
      const group = results.filter((r) => r.op === op && r.n === n);
      if (group.length === 0) continue;
      const slowest = Math.max(...group.map((r) => r.seconds));
      const base = group.find((r) => r.backend === baseline);
      for (const r of group.sort((x, y) => x.seconds - y.seconds)) {
        rows.push([
          op,
          String(n),
          r.backend + (r.engine ? ` (${r.engine})` : ''),
          r.precision ?? '',
          fmt(r.seconds),
          fmt(r.gflops),
          r.cpuSeconds === undefined ? '–' : fmt(r.cpuSeconds),
          `${fmt(slowest / r.seconds)}×`,
          ...(baseline ? [base ? fmt(r.seconds / base.seconds) : '–'] : []),
        ]);
      }
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i <= 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const notes = [
    '',
    'seconds: median wall time of the repeats (with --baseline numpy, backend and NumPy runs alternate); GFLOP/s from nominal flops (matmul 2n³, cholesky n³/3, eigh 9n³ incl. vectors);',
    'cpu s: median process CPU time (all threads) — compare it with seconds to see contention on a shared machine.',
    '× slowest: speed-up over the slowest backend for that op and n' +
      (baseline ? `; time ÷ ${baseline}: < 1 means faster than ${baseline}.` : '.'),
  ];
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...notes].join('\n');
}

export const suite: Suite = {
  name: 'compute',
  summary: 'matmul, cholesky and eigh per backend (GFLOP/s), optional NumPy baseline',
  usage: ['bench compute [flags]'],
  flags: [
    sizesFlag('500,1000', 'matrix sizes n (n × n operands)'),
    backendsFlag('every available backend; with --precision, those that compute in it'),
    {
      name: 'ops',
      type: 'list',
      choices: OPS,
      items: 'string',
      placeholder: '<op,…>',
      default: OPS.join(','),
      description: `operations to time, comma-separated (${OPS.join(', ')})`,
    },
    {
      name: 'precision',
      type: 'choice',
      choices: ['float64', 'float32'],
      defaultText: 'each backend in float64 where it has it, else its own precision',
      description: 'the precision every backend computes in',
    },
    {
      name: 'threads',
      type: 'integer',
      defaultText: 'the BLAS library default',
      description: 'BLAS threads (sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS before a backend loads)',
    },
    repeatsFlag(3),
    {
      name: 'baseline',
      type: 'choice',
      choices: ['numpy'],
      defaultText: 'none',
      description: 'also time NumPy (python3) on the same inputs, alternating with each backend',
    },
  ],
  output: [
    {
      key: 'results',
      description:
        'one row per backend × op × n: { backend, op, n, seconds (median wall), gflops (nominal flops ÷ seconds), precision, threads?, engine?, kernels?, repeats, cpuSeconds }',
    },
  ],
  notes: ['Nominal flops: matmul 2n³, cholesky n³/3, eigh 9n³. Rows with backend numpy are the baseline.'],
  async run({ flags, log }) {
    const sizes = flags.numberList('sizes', { integer: true, positive: true }) ?? [500, 1000];
    const requested = flags.stringList('backends', BACKEND_NAMES);
    const ops = (flags.stringList('ops', OPS) ?? [...OPS]) as Op[];
    const precision = flags.choice('precision', ['float64', 'float32'] as const);
    const threads = flags.number('threads', { integer: true, positive: true });
    const repeats = flags.number('repeats', { integer: true, positive: true, default: 3 });
    const baseline = flags.choice('baseline', ['numpy'] as const);
    flags.assertAllUsed();
    if (threads !== undefined) {
      // read by OpenBLAS (and OpenMP) when the native backend loads; set before any backend is created
      for (const v of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS']) process.env[v] = String(threads);
    }

    let names: string[];
    if (requested) names = requested;
    else {
      const probes = await probeAll();
      names = probes.filter((p) => p.available && (!precision || p.precision.includes(precision))).map((p) => p.name);
      for (const p of probes)
        if (!names.includes(p.name)) log(`note: skipping ${p.name}: ${p.reason ?? `no ${precision} support`}`);
    }
    const backends: ComputeBackend[] = [];
    for (const name of names) {
      try {
        backends.push(await resolveBackend(name, precision));
      } catch (err) {
        // the shared resolver names the demo's --backend flag; this suite's flag is --backends
        if (err instanceof UsageError) throw new UsageError(err.message.replace(/^--backend /, '--backends '));
        throw err;
      }
    }

    const timing = { repeats, minTime: 0.5, maxTime: 20 };
    const results: ComputeResult[] = [];
    // NumPy runs are alternated with the backend's runs (one each per round) so that both sides of a ratio see
    // the same machine load; its samples for an (op, n) are pooled over the backends it was paired with.
    const numpy =
      baseline === 'numpy'
        ? await NumpyBaseline.start(
            { precision: precision ?? 'float64', seed: SEED, ...(threads !== undefined ? { threads } : {}) },
            log,
          )
        : undefined;
    try {
      for (const n of sizes) {
        const x = inputs(n);
        const numpySamples = new Map<Op, { samples: number[]; cpu: number[] }>();
        for (const backend of backends) {
          for (const op of ops) {
            log(`${backend.name} ${op} n=${n}${numpy ? ' (alternating with numpy)' : ''} …`);
            let t: TimeMedianResult;
            if (numpy) {
              // at most max(repeats, 8) rounds: each round sleeps 0.5 s in gaps, which would dominate for small n
              const both = await timeInterleaved(
                () => runOp(backend, op, x),
                () => numpy.time(op, n),
                { ...timing, gap: 0.25, maxRepeats: Math.max(repeats, 8) },
              );
              t = both.own;
              const pool = numpySamples.get(op) ?? { samples: [], cpu: [] };
              pool.samples.push(...both.partner.samples);
              pool.cpu.push(both.partner.cpuSeconds);
              numpySamples.set(op, pool);
            } else {
              t = await timeMedian(() => runOp(backend, op, x), timing);
            }
            const th = threads ?? (typeof backend.info?.threads === 'number' ? backend.info.threads : undefined);
            results.push({
              backend: backend.name,
              op,
              n,
              seconds: t.seconds,
              gflops: FLOPS[op](n) / t.seconds / 1e9,
              precision: backend.precision,
              ...(th !== undefined ? { threads: th } : {}),
              ...(typeof backend.info?.engine === 'string' ? { engine: backend.info.engine } : {}),
              ...(typeof backend.info?.gemm === 'string' ? { kernels: backend.info.gemm } : {}),
              repeats: t.samples.length,
              cpuSeconds: t.cpuSeconds,
            });
          }
        }
        for (const [op, pool] of numpySamples) {
          const seconds = median(pool.samples);
          results.push({
            backend: 'numpy',
            op,
            n,
            seconds,
            gflops: FLOPS[op](n) / seconds / 1e9,
            precision: precision ?? 'float64',
            ...(threads !== undefined ? { threads } : {}),
            engine: `numpy ${numpy!.version}`,
            repeats: pool.samples.length,
            cpuSeconds: median(pool.cpu),
          });
        }
      }
    } finally {
      numpy?.close();
    }
    if (results.length === 0) throw new UsageError('nothing to benchmark: no backend selected');
    return { json: { results }, table: table(results, baseline) };
  },
};
