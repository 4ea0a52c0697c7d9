import { COMMON_FLAGS, UsageError } from '@sftdl/cli-kit';
import { key } from '@sftdl/field';
import { msaAnneal, msaReport } from '@sftdl/solvers';
import type { Command } from '../context';
import { resolveBackend } from '../backends';
import { checkBudget } from '../budget';
import { readDataFile } from '../io';
import { Progress } from '../progress';
import { msaEstimate, trainEstimate } from '../sizes';
import { simulateMsaNetwork } from '../tour/msa-network';

const fmt = (v: number | undefined): string => (v === undefined ? '—' : v.toPrecision(8));

/**
 * Default run of `--simulate` (MALA): measured at P = 10, d = 4, N = 64 and 256, χ = 1 and χ = N: R̂ ≤ 1.006 and msd
 * standard errors 7e-6 … 3.5e-5, within 1.6 SE of the independent reference (guide: multi-scale-adaptive.md).
 */
export const SIMULATE_DEFAULTS = { steps: 12000, chains: 16 } as const;

/** Geometric χ grid from 1 to `chi` with `points` values (Algorithm 1's annealing path). */
export function annealGrid(chi: number, points: number): number[] {
  if (chi <= 1 || points < 2) return [chi];
  return Array.from({ length: points }, (_, i) => (i === points - 1 ? chi : chi ** (i / (points - 1))));
}

export const command: Command = {
  name: 'msa',
  summary: 'multi-scale adaptive theory: NNGP, tree level, one loop, kernel rescaling, exact; --simulate: the network',
  usage: [
    'demo msa --data F --width N --chi c --sigma-w2 gv --sigma-a2 gw --sigma2 kappa [--activation linear|erf|relu] [--fixed-noise] [--samples S] [--seed s] [--json]',
    '         [--simulate [--steps S] [--chains C] [--method lm|mala]] [--anneal [--anneal-points K]] [--backend b]',
    '--simulate: a Langevin ensemble of exactly this network (@sftdl/training; default 12000 steps × 16 chains, MALA — exact; --method lm: Leimkuhler–Matthews, ≤ 1% variance bias) →',
    '  "network": { msd, msdStdError, testMean, testMeanStdError, weightCovEigenvalues, rhat, method }',
    '--anneal: Algorithm 1 (tree level annealed over a geometric χ grid 1 … c of --anneal-points values, default 8) → "anneal": { path, … }',
  ],
  flags: [
    { name: 'data', type: 'string', placeholder: '<file>', required: true, description: 'data file (JSON { x, y, xTest? })' },
    { name: 'width', type: 'number', required: true, description: 'hidden width N (> 0)' },
    { name: 'chi', type: 'number', default: 1, description: 'mean-field scale χ (1: standard, N: mean-field)' },
    { name: 'sigma-w2', type: 'number', required: true, description: 'read-in weight variance σ_w² (> 0)' },
    { name: 'sigma-a2', type: 'number', required: true, description: 'read-out weight variance σ_a² (> 0)' },
    { name: 'sigma2', type: 'number', required: true, description: 'noise κ (> 0)' },
    {
      name: 'activation',
      type: 'choice',
      choices: ['linear', 'erf', 'relu'],
      default: 'linear',
      description: 'hidden activation',
    },
    { name: 'fixed-noise', type: 'switch', description: 'keep the noise fixed (no rescaling with χ)' },
    { name: 'samples', type: 'integer', default: 40000, description: 'Monte Carlo samples (erf, relu)' },
    { name: 'seed', type: 'integer', default: 0, description: 'random seed of the Monte Carlo samples (and of --simulate)' },
    {
      name: 'simulate',
      type: 'switch',
      description: 'add "network": a Langevin ensemble of exactly this network (msd ± SE, test means, Σ_v eigenvalues, R̂)',
    },
    {
      name: 'steps',
      type: 'integer',
      default: SIMULATE_DEFAULTS.steps,
      description: 'with --simulate: steps per chain, burn-in (a fifth) included, ≥ 10',
    },
    {
      name: 'chains',
      type: 'integer',
      default: SIMULATE_DEFAULTS.chains,
      description: 'with --simulate: independent chains, ≥ 2',
    },
    {
      name: 'method',
      type: 'choice',
      choices: ['lm', 'mala'],
      default: 'mala',
      description: 'with --simulate: mala (Metropolis-adjusted, exact) or lm (Leimkuhler–Matthews, ≤ 1% variance bias)',
    },
    {
      name: 'anneal',
      type: 'switch',
      description: 'add "anneal": Algorithm 1 (tree level annealed over χ = 1 … --chi) and its path',
    },
    { name: 'anneal-points', type: 'integer', default: 8, description: 'with --anneal: points of the geometric χ grid, ≥ 2' },
    COMMON_FLAGS.backend,
  ],
  async run(ctx) {
    const f = ctx.flags;
    const file = f.requireString('data');
    const width = f.requireNumber('width', { positive: true });
    const chi = f.number('chi', { positive: true, default: 1 });
    const sigmaW2 = f.requireNumber('sigma-w2', { positive: true });
    const sigmaA2 = f.requireNumber('sigma-a2', { positive: true });
    const sigma2 = f.requireNumber('sigma2', { positive: true });
    const activation = f.choice('activation', ['linear', 'erf', 'relu'] as const, 'linear');
    const fixedNoise = f.bool('fixed-noise');
    const samples = f.number('samples', { integer: true, positive: true, default: 40000 });
    const seed = f.number('seed', { integer: true, min: 0, default: 0 });
    const simulate = f.bool('simulate');
    const steps = f.number('steps', { integer: true, min: 10, default: SIMULATE_DEFAULTS.steps });
    const chains = f.number('chains', { integer: true, min: 2, default: SIMULATE_DEFAULTS.chains });
    const method = f.choice('method', ['lm', 'mala'] as const, 'mala');
    const anneal = f.bool('anneal');
    const annealPoints = f.number('anneal-points', { integer: true, min: 2, default: 8 });
    const backendName = f.string('backend');
    f.assertAllUsed();
    if (!simulate)
      for (const fl of ['steps', 'chains', 'method'])
        if (f.has(fl)) throw new UsageError(`--${fl} applies to the network simulation: add --simulate`);
    if (!anneal && f.has('anneal-points')) throw new UsageError('--anneal-points applies to --anneal');
    const data = readDataFile(file, ctx.budget);
    checkBudget(ctx.budget, {
      what: `msa on P = ${data.x.rows} points of dimension ${data.x.cols}${activation === 'linear' ? '' : ` with ${samples} Monte Carlo samples`}`,
      ...msaEstimate({ n: data.x.rows, d: data.x.cols, samples, sampled: activation !== 'linear', width }),
      flags: activation === 'linear' ? 'the data size' : '--samples or the data size',
    });
    if (simulate) {
      if (!Number.isInteger(width)) throw new UsageError(`--width must be an integer with --simulate, got ${width}`);
      checkBudget(ctx.budget, {
        what: `msa --simulate (${chains} chains × ${steps} steps, width ${width}, n = ${data.x.rows}, d = ${data.x.cols})`,
        ...trainEstimate({ n: data.x.rows, d: data.x.cols, outputs: 1, width, chains, steps, layers: 2 }),
        flags: '--steps, --chains, --width or the data size',
      });
    }
    if (data.y.cols !== 1) throw new UsageError(`--data ${file}: "y" must be a vector (one output), got ${data.y.cols} columns`);
    if (chi > width) ctx.log(`note: --chi ${chi} exceeds --width ${width} (mean-field is chi = N)`);
    const input = {
      x: data.x,
      y: data.y.data,
      ...(data.xTest ? { xTest: data.xTest } : {}),
      width,
      chi,
      sigmaW2,
      sigmaA2,
      sigma2,
      rescaleNoise: !fixedNoise,
    };
    const report = msaReport(input, { activation, samples, key: key(seed) });
    const out: Record<string, unknown> = { ...report };
    const extra: string[] = [];
    if (report.oneLoop.note) extra.push(`note: ${report.oneLoop.note}`);
    if (anneal) {
      const chis = annealGrid(chi, annealPoints);
      const { chi: _c, ...base } = input;
      const path =
        activation === 'linear'
          ? msaAnneal(base, { chis })
          : msaAnneal(base, { chis, activation, sampled: { samples, key: key(seed) } });
      const end = path[path.length - 1]!;
      const rel = Math.abs(end.msd - report.tree.msd) / Math.max(Math.abs(report.tree.msd), 1e-300);
      out.anneal = {
        algorithm:
          'Algorithm 1 (Rubin et al. 2025): tree level solved on a geometric χ grid from the NNGP predictor, each step warm-started from the previous one',
        chis,
        path: path.map((s) => ({
          chi: s.chi,
          ...(s.Q !== undefined ? { Q: s.Q } : {}),
          msd: s.msd,
          iterations: s.iterations,
          residual: s.residual,
          ...(s.testMean ? { testMean: Array.from(s.testMean) } : {}),
        })),
        endMsd: end.msd,
        directTreeMsd: report.tree.msd,
        endRelativeDifference: rel,
      };
      extra.push(
        `anneal (Algorithm 1) over χ = ${chis.map((c) => c.toPrecision(3)).join(', ')}: msd ${path.map((s) => s.msd.toPrecision(4)).join(' → ')}; end vs direct tree solve: relative difference ${rel.toExponential(2)}`,
      );
    }
    if (simulate) {
      const backend = await resolveBackend(backendName);
      const progress = new Progress(`msa --simulate (${chains} chains)`, steps, f.has('quiet'));
      const net = await simulateMsaNetwork({
        x: data.x,
        y: data.y.data,
        ...(data.xTest ? { xTest: data.xTest } : {}),
        width,
        chi,
        activation,
        sigmaW2,
        sigmaA2,
        sigma2,
        rescaleNoise: !fixedNoise,
        steps,
        chains,
        method,
        seed,
        backend,
        onProgress: (t) => progress.update(t),
      });
      for (const w of net.warnings) ctx.log(`warning: ${w}`);
      const dist = (m: number) => Math.abs(m - net.msd);
      const closer = dist(report.oneLoop.msd) < dist(report.tree.msd) ? 'oneLoop' : 'tree';
      out.network = net;
      out.comparison = {
        treeMinusNetwork: report.tree.msd - net.msd,
        oneLoopMinusNetwork: report.oneLoop.msd - net.msd,
        nngpMinusNetwork: report.nngp.msd - net.msd,
        ...(report.exact ? { exactMinusNetwork: report.exact.msd - net.msd } : {}),
        treeInStdErrors: (report.tree.msd - net.msd) / net.msdStdError,
        oneLoopInStdErrors: (report.oneLoop.msd - net.msd) / net.msdStdError,
        closer,
      };
      extra.push(
        `network (Langevin, ${net.method}, ${net.chains} chains × ${net.steps} steps, R̂ ${net.rhat.toFixed(3)}): msd ${net.msd.toPrecision(6)} ± ${net.msdStdError.toPrecision(2)}`,
        `  tree − network = ${(report.tree.msd - net.msd).toPrecision(3)}, one loop − network = ${(report.oneLoop.msd - net.msd).toPrecision(3)}: ${closer === 'oneLoop' ? 'one loop' : 'tree level'} is closer`,
      );
    }
    const rows: [string, number | undefined, number][] = [
      ['nngp', undefined, report.nngp.msd],
      ['tree', report.tree.Q, report.tree.msd],
      ['oneLoop', report.oneLoop.Q, report.oneLoop.msd],
      ['kernelRescaling', report.kernelRescaling.Q, report.kernelRescaling.msd],
    ];
    if (report.exact) rows.push(['exact', report.exact.Q, report.exact.msd]);
    const human = [
      `MSA (${activation}) P=${data.x.rows} d=${data.x.cols} N=${width} chi=${chi} κ_n=${fmt(report.conventions.noise)} σ²=σ_a²/χ=${fmt(report.conventions.priorScale)}`,
      `${'theory'.padEnd(16)} ${'Q'.padStart(16)} ${'msd'.padStart(16)}`,
      ...rows.map(([n, q, m]) => `${n.padEnd(16)} ${fmt(q).padStart(16)} ${fmt(m).padStart(16)}`),
      `Σ_v eigenvalues (tree, largest first): ${report.tree.weightCovEigenvalues.map((v) => v.toPrecision(5)).join(', ')}`,
      ...extra,
    ].join('\n');
    ctx.emit(out, human);
  },
};
