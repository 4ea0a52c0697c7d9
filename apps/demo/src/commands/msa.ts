import { UsageError } from '@sftdl/cli-kit';
import { key } from '@sftdl/field';
import { msaReport } from '@sftdl/solvers';
import type { Command } from '../context';
import { checkBudget } from '../budget';
import { readDataFile } from '../io';
import { msaEstimate } from '../sizes';

const fmt = (v: number | undefined): string => (v === undefined ? '—' : v.toPrecision(8));

export const command: Command = {
  name: 'msa',
  summary: 'multi-scale adaptive theory: NNGP, tree level, one loop, kernel rescaling, exact',
  usage: [
    'demo msa --data F --width N --chi c --sigma-w2 gv --sigma-a2 gw --sigma2 kappa [--activation linear|erf|relu] [--fixed-noise] [--samples S] [--seed s] [--json]',
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
    { name: 'seed', type: 'integer', default: 0, description: 'random seed of the Monte Carlo samples' },
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
    f.assertAllUsed();
    const data = readDataFile(file, ctx.budget);
    checkBudget(ctx.budget, {
      what: `msa on P = ${data.x.rows} points of dimension ${data.x.cols}${activation === 'linear' ? '' : ` with ${samples} Monte Carlo samples`}`,
      ...msaEstimate({ n: data.x.rows, d: data.x.cols, samples, sampled: activation !== 'linear', width }),
      flags: activation === 'linear' ? 'the data size' : '--samples or the data size',
    });
    if (data.y.cols !== 1) throw new UsageError(`--data ${file}: "y" must be a vector (one output), got ${data.y.cols} columns`);
    if (chi > width) ctx.log(`note: --chi ${chi} exceeds --width ${width} (mean-field is chi = N)`);
    const report = msaReport(
      {
        x: data.x,
        y: data.y.data,
        ...(data.xTest ? { xTest: data.xTest } : {}),
        width,
        chi,
        sigmaW2,
        sigmaA2,
        sigma2,
        rescaleNoise: !fixedNoise,
      },
      { activation, samples, key: key(seed) },
    );
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
    ].join('\n');
    ctx.emit(report, human);
  },
};
