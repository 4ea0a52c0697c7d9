import { availableParallelism, loadavg } from 'node:os';
import { UsageError } from '@sftdl/cli-kit';
import type { ComputeBackend } from '@sftdl/compute';
import { fold, key, normalMat } from '@sftdl/field';
import { ACTIVATIONS, type Activation, type LangevinOptions, LangevinSampler, twoLayerNet } from '@sftdl/training';
import { resolveBackend } from '../backends';
import { type Contestant, type TimeMedianResult, timeRounds } from '../timing';
import { TorchBaseline, type TorchPython, type TorchVariant, describeProbe, findTorchPython } from './torch-python';
import { backendFlag, repeatsFlag } from './flags';
import type { Suite } from './types';

const SEED = 4242;
/** The grokking paper's size (n = 3000 samples, d = 150, N = 700). */
export const PAPER = { n: 3000, d: 150, N: 700 } as const;
/** Fixed step size and noise scale of every timed run (small enough that no run diverges; the cost does not depend on it). */
const ETA = 1e-4,
  SIGMA2 = 1;

/**
 * GEMM FLOPs of one full-batch Langevin step of a two-layer net (n samples, input dim d, width N, `outputs` readout
 * columns) for `chains` chains: per chain, forward H = X·Wᵀ (2ndN), readout f = φ(H)·a (2nNO), readout gradient
 * φ(H)ᵀ·r (2nNO) and weight gradient Dᵀ·X (2ndN). Elementwise work (φ, φ′, D = (r aᵀ) ⊙ φ′, noise, update) is not
 * counted; neither is a gradient with respect to X, which no sampler computes.
 */
export function langevinStepFlops(s: { n: number; d: number; N: number; chains?: number; outputs?: number }): number {
  const O = s.outputs ?? 1;
  return (s.chains ?? 1) * (4 * s.n * s.d * s.N + 4 * s.n * s.N * O);
}

/** FLOPs of the two big GEMMs alone (X·Wᵀ and Dᵀ·X for all chains at once): what the same-run GEMM rate times. */
export function langevinGemmFlops(s: { n: number; d: number; N: number; chains?: number }): number {
  return (s.chains ?? 1) * 4 * s.n * s.d * s.N;
}

/** One row of `bench langevin --json`: one contestant on one (shape, chains, threads) configuration. */
export interface LangevinRow {
  /** 'sftdl', 'torch-loop' (C nets stepped one after another) or 'torch-batched' (one GEMM for all chains). */
  name: string;
  backend: string;
  precision: string;
  samples: number;
  dim: number;
  width: number;
  chains: number;
  /** Thread budget of the row: OpenBLAS threads and sampler workers for sftdl, torch.set_num_threads for PyTorch. */
  threads: number;
  /** Steps per timed run (every chain advances this many steps). */
  steps: number;
  /** Timed runs behind the medians. */
  repeats: number;
  /** Ensemble steps per second (all chains advance one step) = steps / median seconds. */
  stepsPerSecond: number;
  msPerStep: number;
  /** chains × steps / seconds. */
  chainStepsPerSecond: number;
  /** Median process CPU time per step (this process for sftdl, the python process for PyTorch), ms. */
  cpuMsPerStep: number;
  /** {@link langevinStepFlops} for the row's shape and chains. */
  flopsPerStep: number;
  /** Achieved GEMM FLOP rate: flopsPerStep / seconds per step / 1e9. */
  gflops: number;
  /**
   * sftdl rows: the backend's rate on the step's two big GEMMs (X·Wᵀ, Dᵀ·X at the row's shape, chains and threads), timed
   * in the same rounds: for openblas on its own buffers in the backend's precision (`openblasGemmSeconds`, the kernels
   * the fused step calls), else the backend's `matmul`.
   */
  gemmGflops?: number;
  /** sftdl rows: gflops / gemmGflops. */
  fractionOfGemmRate?: number;
  /** sftdl rows: chainStepsPerSecond ÷ that of the better PyTorch baseline at the same threads (> 1: sftdl is faster). */
  ratio?: number;
  /** sftdl rows: which baseline `ratio` is against ('torch-loop' or 'torch-batched'). */
  ratioBaseline?: string;
  ratioVsTorchLoop?: number;
  ratioVsTorchBatched?: number;
  /** PyTorch rows: torch version. */
  version?: string;
  /** sftdl rows: where a separate profiled run of the same steps (one thread of workers) spent its time. */
  phases?: LangevinPhases;
}

/** A configuration to time: a shape, a chain count and the steps per timed run. */
export interface BenchConfig {
  n: number;
  d: number;
  N: number;
  chains: number;
  steps: number;
}

/**
 * The fewest steps per timed run of the default paper row. With 3 (the earlier minimum) the run's setup and its first
 * step, whose caches the other contestants of the round have just used, took ≈ 10% of a paper-size run (sftdl's
 * `other` phase 7–10% against 1–2% at 30 steps; 14.6 against 12.6 ms per step, load 2.5).
 */
export const MIN_PAPER_STEPS = 10;

/**
 * The configurations of a run: the given shape at each chain count, then (with `paper`) the paper size at one chain
 * unless the given shape already is the paper size at one chain. The paper row runs `paperSteps` steps per timed run,
 * by default the given step count scaled to the same GEMM work as one chain of the given shape, at least
 * {@link MIN_PAPER_STEPS}.
 */
export function benchConfigs(o: {
  n: number;
  d: number;
  N: number;
  steps: number;
  chains: readonly number[];
  paper: boolean;
  paperSteps?: number;
}): BenchConfig[] {
  const configs: BenchConfig[] = [...new Set(o.chains)].map((chains) => ({ n: o.n, d: o.d, N: o.N, chains, steps: o.steps }));
  if (!o.paper) {
    if (o.paperSteps !== undefined) throw new UsageError('--paper-steps needs the paper row: drop --no-paper');
    return configs;
  }
  const isPaper = o.n === PAPER.n && o.d === PAPER.d && o.N === PAPER.N;
  if (!(isPaper && o.chains.includes(1))) {
    const scaled = Math.round((o.steps * o.n * o.d * o.N) / (PAPER.n * PAPER.d * PAPER.N));
    configs.push({ ...PAPER, chains: 1, steps: o.paperSteps ?? Math.max(MIN_PAPER_STEPS, scaled) });
  }
  return configs;
}

/**
 * Options handed to the sampler beyond the common ones: the ONE place the engine's newer options are wired.
 * `workers` (worker threads for the chains) gets the row's thread budget when it is 1; with more threads the engine
 * chooses (its default, 'auto'). The integrator is the engine's default (`method` unset): what users run. Typed as a
 * plain object so that the bench compiles against engines with and without these options.
 */
function engineOptions(threads: number): object {
  return threads === 1 ? { workers: 1 } : {};
}

/** Where a profiled sftdl step spends its time (fractions of the profiled run's wall time; see {@link profiledBackend}). */
export interface LangevinPhases {
  /** The backend's fused two-layer step (products, activation and readout in one native call). */
  fusedStep: number;
  /** matmul / matmulInto calls (the products, when the step is not fused). */
  products: number;
  /** activate / readout calls (activation, readout and its gradient, when the step is not fused). */
  elementwise: number;
  /** The backend's native Langevin noise generator. */
  noise: number;
  /** The backend's fused Langevin update. */
  update: number;
  /** Everything else: the sampler's own loops, noise and update in TypeScript where the backend has no kernel for them. */
  other: number;
}

const PHASE_OF: Record<string, keyof LangevinPhases> = {
  twoLayerBatch: 'fusedStep',
  matmul: 'products',
  matmulInto: 'products',
  activate: 'elementwise',
  readout: 'elementwise',
  normals: 'noise',
  langevinUpdate: 'update',
};

/**
 * A copy of `backend` whose step methods (fused step, products, activation/readout, noise, update) add their wall
 * time to `spent` (milliseconds per phase). Same numbers as the backend; only for the separate profiling run.
 */
export function profiledBackend(backend: ComputeBackend, spent: Record<string, number>): ComputeBackend {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(backend)) {
    const phase = PHASE_OF[k];
    out[k] =
      typeof v === 'function' && phase
        ? (...args: unknown[]) => {
            const t0 = performance.now();
            try {
              return (v as (...a: unknown[]) => unknown).apply(backend, args);
            } finally {
              spent[phase] = (spent[phase] ?? 0) + performance.now() - t0;
            }
          }
        : v;
  }
  return out as unknown as ComputeBackend;
}

/** Frees what an engine may hold between runs (a worker pool): calls close/destroy/dispose when the sampler has one. */
async function release(sampler: object): Promise<void> {
  const s = sampler as Record<string, unknown>;
  for (const m of ['close', 'destroy', 'dispose'])
    if (typeof s[m] === 'function') {
      await (s[m] as () => unknown).call(sampler);
      return;
    }
}

async function backendWithThreads(base: ComputeBackend, threads: number): Promise<ComputeBackend> {
  if (base.name !== 'openblas') return base; // reference, ml-matrix, tfjs: single-threaded (or self-managed) compute
  const { createOpenblasBackend } = await import('@sftdl/backend-openblas');
  return createOpenblasBackend({ precision: base.precision, threads });
}

function fmt(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(digits);
}

function table(rows: LangevinRow[], activation: string, notes: string[]): string {
  const head = ['shape', 'chains', 'threads', 'contestant', 'ms/step', 'chain-steps/s', 'GFLOP/s', 'of GEMM', 'ratio'];
  const body = rows.map((r) => [
    `n=${r.samples} d=${r.dim} N=${r.width}`,
    String(r.chains),
    String(r.threads),
    r.name === 'sftdl' ? `sftdl ${r.backend} ${r.precision}` : `${r.name} ${r.version ?? ''}`.trim(),
    fmt(r.msPerStep),
    fmt(r.chainStepsPerSecond),
    fmt(r.gflops),
    r.fractionOfGemmRate === undefined ? '' : `${(100 * r.fractionOfGemmRate).toFixed(0)}%`,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× ${r.ratioBaseline}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 || i === 3 || i === 8 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `Langevin step, two-layer ${activation} net, full batch (medians of interleaved rounds: sftdl, torch-loop, torch-batched, GEMMs)`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    "GFLOP/s: GEMM FLOPs of a step (4ndN + 4nN per chain) per second; of GEMM: that ÷ the backend's same-run rate on the step's two GEMMs;",
    'ratio: sftdl chain-steps/s ÷ the better PyTorch baseline at the same thread count (> 1: sftdl faster).',
    ...notes.map((m) => `note: ${m}`),
  ].join('\n');
}

export const suite: Suite = {
  name: 'langevin',
  summary: 'Langevin chain-steps/s, GFLOP/s and ratios against PyTorch (per-chain loop and batched), interleaved',
  usage: ['bench langevin [flags]'],
  flags: [
    {
      name: 'samples',
      type: 'integer',
      placeholder: '<n>',
      default: 800,
      defaultText: `800; ${PAPER.n} with --paper`,
      description: 'training samples n of the given shape',
    },
    {
      name: 'dim',
      type: 'integer',
      placeholder: '<d>',
      default: 40,
      defaultText: `40; ${PAPER.d} with --paper`,
      description: 'input dimension d of the given shape',
    },
    {
      name: 'width',
      type: 'integer',
      placeholder: '<n>',
      default: 200,
      defaultText: `200; ${PAPER.N} with --paper`,
      description: 'hidden width N of the given shape',
    },
    { name: 'steps', type: 'integer', default: 50, description: 'Langevin steps per timed run (at least 2)' },
    {
      name: 'chains',
      type: 'list',
      items: 'integer',
      placeholder: '<n,…>',
      default: '1,8',
      description: 'chain counts: one row of the given shape per count',
    },
    {
      name: 'threads',
      type: 'list',
      items: 'integer',
      placeholder: '<n,…>',
      defaultText: '1 and all cores',
      description: 'thread counts: every configuration is timed at each',
    },
    repeatsFlag(5, 'timed rounds after one warm-up round'),
    {
      name: 'no-paper',
      type: 'switch',
      description: `leave out the paper-size row (n = ${PAPER.n}, d = ${PAPER.d}, N = ${PAPER.N}, one chain)`,
    },
    {
      name: 'paper-steps',
      type: 'integer',
      defaultText: `scaled to the work of --steps on the given shape, at least ${MIN_PAPER_STEPS}`,
      description: 'steps per timed run of the paper-size row',
    },
    { name: 'paper', type: 'switch', description: 'make the paper size the given shape' },
    {
      name: 'activation',
      type: 'choice',
      choices: ACTIVATIONS,
      placeholder: '<name>',
      default: 'erf',
      description: `hidden activation (${ACTIVATIONS.join(', ')})`,
    },
    backendFlag('auto', 'compute backend: auto (the fastest available), reference, ml-matrix, tfjs or openblas'),
    {
      name: 'precision',
      type: 'choice',
      choices: ['float64', 'float32'],
      defaultText: "float64, or the backend's own if it has none",
      description: 'precision of the products: float32 needs openblas (native sgemm) or reference (WebAssembly f32x4)',
    },
    {
      name: 'baseline',
      type: 'choice',
      choices: ['auto', 'torch', 'none'],
      default: 'auto',
      description: 'PyTorch baselines: auto skips them with a note when no python has torch; torch then exits 2',
    },
    {
      name: 'python',
      type: 'string',
      placeholder: '<path>',
      defaultText: '$SFTDL_PYTHON, else the first of python3, /usr/bin/python3 that imports torch',
      description: 'the python interpreter of the PyTorch baselines',
    },
  ],
  output: [
    { key: 'backend', description: 'the backend used' },
    { key: 'precision', description: 'float64 or float32' },
    {
      key: 'stepsPerSecond',
      description: 'headline: steps/s of the sftdl row of the given shape at the first --chains count and the most threads',
    },
    { key: 'msPerStep', description: 'headline: milliseconds per step' },
    { key: 'samples', description: 'n of the given shape' },
    { key: 'dim', description: 'd of the given shape' },
    { key: 'width', description: 'N of the given shape' },
    { key: 'steps', description: 'steps per timed run' },
    { key: 'activation', description: 'hidden activation' },
    { key: 'chains', description: 'headline chain count' },
    { key: 'threads', description: 'headline thread count' },
    { key: 'chainStepsPerSecond', description: 'headline chains × steps / seconds' },
    { key: 'chainCounts', description: 'the --chains counts' },
    { key: 'threadCounts', description: 'the --threads counts' },
    {
      key: 'rows',
      description:
        'one per configuration: name, backend, precision, samples, dim, width, chains, threads, steps, repeats, stepsPerSecond, msPerStep, chainStepsPerSecond (= chains × steps / seconds), cpuMsPerStep, flopsPerStep (4ndN + 4nN per chain: X·Wᵀ, φ·a, φᵀ·r, Dᵀ·X), gflops; sftdl rows also gemmGflops, fractionOfGemmRate (= gflops / gemmGflops), ratio and ratioBaseline (against the better PyTorch baseline at equal threads), ratioVsTorchLoop, ratioVsTorchBatched, and phases { fusedStep, products, elementwise, noise, update, other }: fractions of a separate profiled run of the same steps',
    },
    { key: 'ratio', description: 'headline sftdl ÷ the better PyTorch baseline (only with a baseline; > 1: sftdl faster)' },
    { key: 'baseline', description: "'torch' (only with a baseline)" },
    {
      key: 'python',
      description:
        "{ command, source, executable, version, torch, openblas } of the baseline interpreter, or null (openblas: the OpenBLAS library torch's BLAS calls go to, whose thread count the baseline sets with torch's; null when torch's BLAS is not OpenBLAS)",
    },
    { key: 'loadAverage', description: '{ start, end, cores }: load averages around the run (the machine is shared)' },
    { key: 'notes', description: 'why something was skipped (only when there is something to say)' },
  ],
  notes: [
    'Rows: the given shape (n = --samples, d = --dim, N = --width) at each --chains count, plus the paper size at one',
    'chain unless --no-paper; each at each --threads count. Every configuration is timed in rounds that alternate sftdl,',
    "the two PyTorch baselines at the same thread count, and the backend's two GEMMs of the step; --repeats rounds after",
    'one warm-up.',
    '',
    'PyTorch (float32, the same Euler–Maruyama step in standardised coordinates): torch-loop steps C nets one after',
    'another with autograd; torch-batched steps all chains with one GEMM per product (X·[W1…WC]ᵀ, hand-written',
    'gradients). Python: --python, else $SFTDL_PYTHON, else the first of python3, /usr/bin/python3 that imports torch.',
    '',
    'phases: after the timed rounds, one more run of the same steps on a copy of the backend that times its step',
    'methods (fused step, products, activation/readout, noise, update; the rest is "other"), as fractions of its time.',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const paper = f.bool('paper');
    const n = f.number('samples', { integer: true, positive: true, default: paper ? PAPER.n : 800 });
    const d = f.number('dim', { integer: true, positive: true, default: paper ? PAPER.d : 40 });
    const N = f.number('width', { integer: true, positive: true, default: paper ? PAPER.N : 200 });
    const steps = f.number('steps', { integer: true, min: 2, default: 50 });
    const chainList = f.numberList('chains', { integer: true, positive: true }) ?? [1, 8];
    const cores = Math.max(1, availableParallelism());
    const threadList = [...new Set(f.numberList('threads', { integer: true, positive: true }) ?? [1, cores])];
    const repeats = f.number('repeats', { integer: true, positive: true, default: 5 });
    const noPaper = f.bool('no-paper');
    const paperStepsFlag = f.number('paper-steps', { integer: true, min: 2 });
    const activation = f.choice('activation', ACTIVATIONS, 'erf') as Activation;
    const baselineFlag = f.choice('baseline', ['auto', 'torch', 'none'] as const, 'auto');
    const pythonFlag = f.string('python');
    const backendName = f.string('backend');
    const precision = f.choice('precision', ['float64', 'float32'] as const);
    f.assertAllUsed();
    if (pythonFlag !== undefined && baselineFlag === 'none') throw new UsageError('--python has no effect with --baseline none');

    const configs = benchConfigs({
      n,
      d,
      N,
      steps,
      chains: chainList,
      paper: !noPaper,
      ...(paperStepsFlag !== undefined ? { paperSteps: paperStepsFlag } : {}),
    });

    const base = await resolveBackend(backendName, precision);
    const backends = new Map<number, ComputeBackend>();
    for (const T of threadList) backends.set(T, await backendWithThreads(base, T));

    // the PyTorch side
    const notes: string[] = [];
    let python: TorchPython | undefined;
    let torch: TorchBaseline | undefined;
    if (baselineFlag !== 'none') {
      const envPython = process.env.SFTDL_PYTHON;
      const probe = findTorchPython({
        ...(pythonFlag !== undefined ? { flag: pythonFlag } : {}),
        ...(envPython ? { env: envPython } : {}),
      });
      if (probe.found) {
        python = probe.found;
        ctx.log(
          `torch ${python.torch} baseline: ${python.executable} (Python ${python.python}, from ${python.source === 'probe' ? 'the probe' : python.source === 'flag' ? '--python' : 'SFTDL_PYTHON'})`,
        );
        torch = await TorchBaseline.start(python);
      } else {
        const why = `no python with torch: ${describeProbe(probe)}`;
        if (baselineFlag === 'torch') throw new UsageError(`--baseline torch: ${why}; pass --python P or set SFTDL_PYTHON`);
        notes.push(`PyTorch baselines skipped (${why}); rows have no ratio. Pass --python P or set SFTDL_PYTHON.`);
        ctx.log(`note: ${notes.at(-1)}`);
      }
    }

    const load0 = loadavg();
    const rows: LangevinRow[] = [];
    const k = key(SEED);
    try {
      for (const cfg of configs) {
        const x = normalMat(fold(k, cfg.n * 7 + cfg.d), cfg.n, cfg.d);
        const y = normalMat(fold(k, cfg.n * 7 + cfg.d + 1), cfg.n, 1);
        // GEMM-rate operands: X·[W₁…W_C]ᵀ ([n, d]·[d, C·N]) and Dᵀ·X ([C·N, n]·[n, d]), the step's products for all chains
        const wAll = normalMat(fold(k, 3), cfg.chains * cfg.N, cfg.d);
        const dAll = normalMat(fold(k, 4), cfg.n, cfg.chains * cfg.N);
        const gemmReps = Math.max(2, Math.ceil(cfg.steps / 4));
        if (torch) {
          await torch.setup({
            n: cfg.n,
            d: cfg.d,
            N: cfg.N,
            chains: cfg.chains,
            activation,
            eta: ETA,
            sigma2: SIGMA2,
            seed: SEED,
          });
        }
        for (const T of threadList) {
          const backend = backends.get(T)!;
          const model = twoLayerNet({ dim: cfg.d, width: cfg.N, activation, backend });
          const total = cfg.steps * (repeats + 1);
          // fixed step, burn-in only: times the update itself (noise, forward, backward), not the end-of-run diagnostics
          const common: LangevinOptions = {
            model,
            x,
            y,
            sigma2: SIGMA2,
            key: fold(k, 2),
            steps: total + 1,
            burnIn: total,
            chains: cfg.chains,
            stepSize: ETA,
            thin: 1,
          };
          const sampler = new LangevinSampler({ ...common, ...engineOptions(T) });
          let at = 0;
          // the return value is handed on so that an engine whose advance is asynchronous (worker threads) is awaited
          const contestants: Contestant[] = [
            {
              run: () => {
                at += cfg.steps;
                return sampler.advance(at) as unknown;
              },
            },
          ];
          const variants: TorchVariant[] = torch ? ['loop', 'batched'] : [];
          for (const v of variants) contestants.push({ time: () => torch!.time(v, T, cfg.steps) });
          // the GEMM rate: on the openblas backend its own buffers in the backend's precision (the path the fused step
          // takes, no float64 conversions); elsewhere the backend's matmul on the step's operands
          const CN = cfg.chains * cfg.N;
          const nativeGemm = backend.name === 'openblas' ? await import('@sftdl/backend-openblas') : undefined;
          const gemmOpts = { precision: backend.precision, threads: T };
          contestants.push(
            nativeGemm
              ? {
                  time: () => {
                    const sec =
                      nativeGemm.openblasGemmSeconds(gemmOpts, { m: cfg.n, n: CN, k: cfg.d, transB: true }, gemmReps) +
                      nativeGemm.openblasGemmSeconds(gemmOpts, { m: CN, n: cfg.d, k: cfg.n, transA: true }, gemmReps);
                    return Promise.resolve({ seconds: sec, cpuSeconds: sec });
                  },
                }
              : {
                  run: () => {
                    for (let r = 0; r < gemmReps; r++) {
                      backend.matmul(x, wAll, { transB: true });
                      backend.matmul(dAll, x, { transA: true });
                    }
                  },
                },
          );
          ctx.log(
            `n=${cfg.n} d=${cfg.d} N=${cfg.N} chains=${cfg.chains} threads=${T}: ${repeats} rounds of ${cfg.steps} steps (sftdl ${backend.name}${variants.map((v) => `, torch-${v}`).join('')}, GEMMs) …`,
          );
          let times: TimeMedianResult[];
          try {
            times = await timeRounds(contestants, { repeats, minTime: 0, maxRepeats: repeats, gap: T > 1 ? 0.1 : 0 });
          } finally {
            await release(sampler);
          }
          const flopsPerStep = langevinStepFlops(cfg);
          const row = (name: string, t: TimeMedianResult, extra: Partial<LangevinRow>): LangevinRow => ({
            name,
            backend: extra.backend ?? '',
            precision: extra.precision ?? '',
            samples: cfg.n,
            dim: cfg.d,
            width: cfg.N,
            chains: cfg.chains,
            threads: T,
            steps: cfg.steps,
            repeats: t.samples.length,
            stepsPerSecond: cfg.steps / t.seconds,
            msPerStep: (1000 * t.seconds) / cfg.steps,
            chainStepsPerSecond: (cfg.chains * cfg.steps) / t.seconds,
            cpuMsPerStep: (1000 * t.cpuSeconds) / cfg.steps,
            flopsPerStep,
            gflops: (flopsPerStep * cfg.steps) / t.seconds / 1e9,
            ...extra,
          });
          // the profile: a separate run of the same steps on a backend copy that times its step methods
          const spent: Record<string, number> = {};
          const profModel = twoLayerNet({ dim: cfg.d, width: cfg.N, activation, backend: profiledBackend(backend, spent) });
          const prof = new LangevinSampler({
            ...common,
            model: profModel,
            steps: cfg.steps + 2,
            burnIn: cfg.steps + 1,
            workers: 1,
          });
          prof.advance(1);
          for (const k of Object.keys(spent)) spent[k] = 0;
          const tp = performance.now();
          prof.advance(cfg.steps + 1);
          const profMs = performance.now() - tp;
          await release(prof);
          const share = (k: keyof LangevinPhases) => (spent[k] ?? 0) / profMs;
          const phases: LangevinPhases = {
            fusedStep: share('fusedStep'),
            products: share('products'),
            elementwise: share('elementwise'),
            noise: share('noise'),
            update: share('update'),
            other: 0,
          };
          phases.other = Math.max(0, 1 - Object.values(phases).reduce((a, b) => a + b, 0));
          const gemm = times.at(-1)!;
          const gemmGflops = (langevinGemmFlops(cfg) * gemmReps) / gemm.seconds / 1e9;
          const ours = row('sftdl', times[0]!, { backend: backend.name, precision: backend.precision, gemmGflops, phases });
          ours.fractionOfGemmRate = ours.gflops / gemmGflops;
          const theirs = variants.map((v, i) =>
            row(`torch-${v}`, times[1 + i]!, { backend: 'pytorch-cpu', precision: 'float32', version: python!.torch }),
          );
          if (theirs.length > 0) {
            const best = theirs.reduce((a, b) => (b.chainStepsPerSecond > a.chainStepsPerSecond ? b : a));
            ours.ratio = ours.chainStepsPerSecond / best.chainStepsPerSecond;
            ours.ratioBaseline = best.name;
            ours.ratioVsTorchLoop = ours.chainStepsPerSecond / theirs[0]!.chainStepsPerSecond;
            ours.ratioVsTorchBatched = ours.chainStepsPerSecond / theirs[1]!.chainStepsPerSecond;
          }
          ctx.log(
            `  sftdl ${fmt(ours.msPerStep)} ms/step, ${fmt(ours.gflops)} GFLOP/s (${(100 * ours.fractionOfGemmRate).toFixed(0)}% of ${fmt(gemmGflops)})` +
              theirs.map((r) => `; ${r.name} ${fmt(r.msPerStep)} ms/step`).join('') +
              (ours.ratio !== undefined ? `; ratio ${ours.ratio.toFixed(2)}` : '') +
              `; profile ${Object.entries(phases)
                .filter(([, v]) => v >= 0.005)
                .map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`)
                .join(', ')}`,
          );
          rows.push(ours, ...theirs);
        }
      }
    } finally {
      torch?.close();
    }

    const headline = rows.find(
      (r) =>
        r.name === 'sftdl' &&
        r.samples === n &&
        r.dim === d &&
        r.width === N &&
        r.chains === chainList[0] &&
        r.threads === Math.max(...threadList),
    )!;
    const json = {
      backend: base.name,
      precision: base.precision,
      stepsPerSecond: headline.stepsPerSecond,
      msPerStep: headline.msPerStep,
      samples: n,
      dim: d,
      width: N,
      steps,
      activation,
      chains: headline.chains,
      threads: headline.threads,
      chainStepsPerSecond: headline.chainStepsPerSecond,
      chainCounts: chainList,
      threadCounts: threadList,
      rows,
      ...(headline.ratio !== undefined ? { ratio: headline.ratio, baseline: 'torch' } : {}),
      python: python
        ? {
            command: python.command,
            source: python.source,
            executable: python.executable,
            version: python.python,
            torch: python.torch,
            openblas: torch?.openblas ?? null,
          }
        : null,
      loadAverage: { start: load0.map((v) => Number(v.toFixed(2))), end: loadavg().map((v) => Number(v.toFixed(2))), cores },
      ...(notes.length ? { notes } : {}),
    };
    const loadNote =
      `load average ${json.loadAverage.start.join(' ')} at the start, ${json.loadAverage.end.join(' ')} at the end, ${cores} cores` +
      (python
        ? `; PyTorch ${python.torch} from ${python.executable} (Python ${python.python}` +
          (torch?.openblas ? `; its OpenBLAS ${torch.openblas} set to each row's thread count)` : ')')
        : '');
    return { json, table: table(rows, activation, [...notes, loadNote]) };
  },
};
