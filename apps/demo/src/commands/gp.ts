import { COMMON_FLAGS, UsageError } from '@sftdl/cli-kit';
import type { Mat } from '@sftdl/compute';
import { key } from '@sftdl/field';
import { fcKernel } from '@sftdl/kernels';
import { fitNngpHyperparameters, gpRegression } from '@sftdl/solvers';
import { resolveBackend } from '../backends';
import type { Command } from '../context';
import { blockedKernel } from '../blocked';
import { checkBudget } from '../budget';
import { Progress } from '../progress';
import { readDataFile } from '../io';
import {
  KERNEL_ACTIVATION_FLAG,
  checkKernelActivation,
  gpFitEstimate,
  gpSolveEstimate,
  kernelEstimate,
  withKernelFlags,
} from '../sizes';

export const command: Command = {
  name: 'gp',
  summary: 'GP regression with an NNGP kernel (optionally fitting hyper-parameters)',
  usage: [
    'demo gp --activation <name> --depth <n> --sigma-w2 <x> --bias-var <x> --sigma2 <x> --data <file> [--at <train,test>] [flags]',
  ],
  flags: [
    KERNEL_ACTIVATION_FLAG,
    { name: 'depth', type: 'integer', required: true, description: 'hidden layers L of the NNGP, ≥ 1' },
    { ...COMMON_FLAGS.sigmaW2, required: true, description: 'weight variance σ_w² (per fan-in) of every layer, > 0' },
    { ...COMMON_FLAGS.biasVar, required: true },
    { name: 'sigma2', type: 'number', required: true, description: 'observation noise σ² (≥ 0; > 0 with --fit)' },
    { ...COMMON_FLAGS.data, required: true },
    {
      name: 'at',
      type: 'list',
      choices: ['train', 'test'],
      placeholder: '<train,test>',
      defaultText: 'test when the file has xTest, else train',
      description: 'where to report the posterior: the training inputs x, the test inputs xTest, or both',
    },
    {
      name: 'sigma-a2',
      type: 'number',
      description:
        'read-out weight variance σ_a² (the last layer’s, instead of σ_w²), as `demo train --sigma-a2`; not with --fit',
    },
    {
      name: 'chi',
      type: 'number',
      default: 1,
      description:
        'χ-convention of `demo train`: prior readout σ_a²/χ and noise σ²/χ (the mean is unchanged, the variance is divided by χ); not with --fit',
    },
    { name: 'fit', type: 'switch', description: 'fit σ_w², σ_b² and σ² by maximising the marginal likelihood first' },
    { name: 'restarts', type: 'integer', default: 3, description: 'random restarts of --fit' },
    { ...COMMON_FLAGS.seed, description: 'random seed of the --fit restarts' },
    COMMON_FLAGS.backend,
  ],
  output: [
    { key: 'mean, variance', description: 'posterior mean and latent variance at xTest (at x when the file has no xTest)' },
    { key: 'train', description: 'with --at train: { mean, variance } at the training inputs x' },
    { key: 'test', description: 'with --at test: { mean, variance } at xTest' },
    { key: 'at', description: 'the point sets reported' },
    { key: 'logMarginalLikelihood', description: 'ln p(y | x) of the fitted or given hyper-parameters' },
    { key: 'jitter, conditionNumber', description: 'numerical health of K + σ²I' },
    { key: 'fitted', description: 'with --fit: the fitted σ_w², σ_b², σ² and the optimiser report' },
    { key: 'sigmaA2, chi', description: 'the read-out variance and χ used' },
    { key: 'backend', description: 'the compute backend used (auto picks the fastest float64 one)' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const activation = f.requireString('activation');
    const depth = f.requireNumber('depth', { integer: true, min: 1 });
    let weightVar = f.requireNumber('sigma-w2', { positive: true });
    let biasVar = f.requireNumber('bias-var', { min: 0 });
    let sigma2 = f.requireNumber('sigma2', { min: 0 });
    const file = f.requireString('data');
    const fit = f.bool('fit');
    const restarts = f.number('restarts', { integer: true, min: 0, default: 3 });
    const seed = f.number('seed', { integer: true, min: 0, default: 0 });
    const backendName = f.string('backend');
    const atFlag = f.stringList('at', ['train', 'test']) as ('train' | 'test')[] | undefined;
    const sigmaA2Flag = f.number('sigma-a2', { positive: true });
    const chi = f.number('chi', { positive: true, default: 1 });
    f.assertAllUsed();
    if (fit && (sigmaA2Flag !== undefined || f.has('chi')))
      throw new UsageError('--sigma-a2 and --chi fix the prior of a `demo train` network; drop them with --fit');
    checkKernelActivation(activation);
    const data = readDataFile(file, ctx.budget);
    if (atFlag?.includes('test') && !data.xTest)
      throw new UsageError(`--at test: the data file ${file} has no "xTest"; use --at train`);
    if (data.y.cols !== 1) throw new UsageError(`--data ${file}: "y" must be a vector (one output), got ${data.y.cols} columns`);
    const backend = await resolveBackend(backendName);
    const y = data.y.data;
    const xs = data.xTest ?? data.x;
    const diagonalOf = (m: Mat) => Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + i] as number);
    {
      const n = data.x.rows,
        m = xs.rows,
        d = data.x.cols;
      const k = kernelEstimate({ n, m, d, depth, withNtk: false });
      const g = gpSolveEstimate(n, m);
      const fitWork = fit ? gpFitEstimate({ n, d, depth, restarts }).flops : 0;
      checkBudget(ctx.budget, {
        what: `gp on n = ${n} training and m = ${m} test rows (d = ${d}, depth ${depth}${fit ? `, --fit with ${restarts} restarts` : ''})`,
        bytes: k.bytes + g.bytes,
        flops: k.flops + g.flops + fitWork,
        flags: fit ? '--restarts, --depth or the data size' : '--depth or the data size',
      });
    }
    // --sigma-a2 A: the read-out layer has weight variance A instead of σ_w², so its NNGP is
    // K = A·E[φφ] + σ_b² = (A/σ_w²)(K_fc − σ_b²) + σ_b²; --chi c divides the prior (and the noise) by c.
    // progress over kernel rows: K (n), then the cross and test kernels at xTest (m each)
    const progressRows = data.x.rows + (data.xTest ? 2 * data.xTest.rows : 0);
    const progress = new Progress('gp: kernels', progressRows, f.has('quiet') || data.x.rows * progressRows < 250_000);
    let rowsDone = 0;
    const kernelOf = (a: Mat, b: Mat | undefined): Mat => {
      const before = rowsDone;
      const [k] = withKernelFlags({ activation, depth, weightVar, biasVar }, () =>
        blockedKernel(
          a,
          b,
          (rows, other) => {
            const r = fcKernel(rows, other, { activation, depth, weightVar, biasVar, get: ['nngp'], backend }).nngp;
            if (!r) throw new Error('fcKernel returned no nngp');
            return [r];
          },
          (d) => progress.update((rowsDone = before + d)),
        ),
      );
      if (!k) throw new Error('blockedKernel returned no matrix');
      const ratio = sigmaA2Flag === undefined ? 1 : sigmaA2Flag / weightVar;
      if (ratio === 1 && chi === 1) return k;
      const data = new Float64Array(k.data.length);
      for (let i = 0; i < data.length; i++) data[i] = ((k.data[i] as number) - biasVar) * ratio + biasVar;
      for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) / chi;
      return { rows: k.rows, cols: k.cols, data };
    };
    let fitted: Record<string, unknown> | undefined;
    if (fit) {
      if (!(sigma2 > 0)) throw new UsageError('--sigma2 must be > 0 as the starting noise of --fit');
      ctx.log(`gp: fitting σ_w², σ_b², σ² by the marginal likelihood (${restarts} restarts) …`);
      const r = withKernelFlags({ activation, depth, weightVar, biasVar }, () =>
        fitNngpHyperparameters({
          x: data.x,
          y,
          activation,
          depth,
          weightVar,
          biasVar: biasVar > 0 ? biasVar : 0,
          fixBias: biasVar === 0,
          sigma2,
          restarts,
          key: key(seed),
          backend,
        }),
      );
      weightVar = r.params.weightVar!;
      if (biasVar > 0) biasVar = r.params.biasVar!;
      sigma2 = r.sigma2;
      fitted = {
        weightVar,
        biasVar,
        sigma2,
        logMarginalLikelihood: r.logMarginalLikelihood,
        iterations: r.iterations,
        gradNorm: r.gradNorm,
        starts: r.starts.length,
      };
      if (biasVar === 0) ctx.log('note: --bias-var 0 is kept fixed by --fit (log-space fit)');
    }
    const K = kernelOf(data.x, undefined);
    const noise = sigma2 / chi;
    /** Posterior mean and latent variance at the rows `at` (x itself when `at` is undefined). */
    const posterior = (at: Mat | undefined) => {
      const Kc = at ? kernelOf(at, data.x) : K;
      const diag = at ? diagonalOf(kernelOf(at, undefined)) : diagonalOf(K);
      const r = gpRegression({ kernel: K, y, sigma2: noise, crossKernel: Kc, testKernelDiag: diag, backend });
      if (!r.testMean || !r.testVariance) throw new Error('gpRegression returned no test mean/variance');
      return { r, mean: Array.from(r.testMean), variance: Array.from(r.testVariance) };
    };
    const main = posterior(data.xTest);
    const at = atFlag ?? [data.xTest ? 'test' : 'train'];
    const sets: Record<string, { mean: number[]; variance: number[] }> = {};
    for (const where of at) {
      if (where === 'test' || (where === 'train' && !data.xTest)) sets[where] = { mean: main.mean, variance: main.variance };
      else {
        const p = posterior(undefined);
        sets[where] = { mean: p.mean, variance: p.variance };
      }
    }
    const r = main.r;
    const out = {
      mean: main.mean,
      variance: main.variance,
      ...(atFlag ? sets : {}),
      at,
      logMarginalLikelihood: r.logMarginalLikelihood,
      jitter: r.jitter,
      conditionNumber: r.conditionNumber,
      ...(fitted ? { fitted } : {}),
      sigmaA2: sigmaA2Flag ?? weightVar,
      chi,
      backend: backend.name,
    };
    const human = [
      `GP with the ${activation} NNGP (depth ${depth}, σ_w²=${weightVar.toPrecision(6)}, σ_b²=${biasVar.toPrecision(6)}, σ²=${sigma2.toPrecision(6)}) on ${backend.name}`,
      `ln p(y) = ${r.logMarginalLikelihood.toPrecision(10)}   jitter = ${r.jitter}   cond(K + σ²I) ≈ ${r.conditionNumber.toExponential(3)}`,
      ...Object.entries(atFlag ? sets : { [at[0] ?? 'test']: { mean: out.mean, variance: out.variance } }).flatMap(
        ([where, p]) => [
          `  at the ${where === 'train' ? 'training' : 'test'} inputs:`,
          ...p.mean
            .slice(0, 20)
            .map(
              (m, i) =>
                `  ${where === 'train' ? 'x' : 'x*'}[${i}]  mean ${m.toPrecision(8)}  var ${(p.variance[i] ?? NaN).toPrecision(6)}`,
            ),
          ...(p.mean.length > 20 ? [`  … ${p.mean.length - 20} more`] : []),
        ],
      ),
    ].join('\n');
    if (!data.xTest && !atFlag) ctx.log('note: no "xTest" in the data file; reported the posterior at the training inputs');
    ctx.emit(out, human);
  },
};
