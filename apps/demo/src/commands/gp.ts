import { UsageError } from '@sftdl/cli-kit';
import { key } from '@sftdl/field';
import { fcKernel } from '@sftdl/kernels';
import { fitNngpHyperparameters, gpRegression } from '@sftdl/solvers';
import { resolveBackend } from '../backends';
import type { Command } from '../context';
import { checkBudget } from '../budget';
import { readDataFile } from '../io';
import { checkKernelActivation, gpFitEstimate, gpSolveEstimate, kernelEstimate, withKernelFlags } from '../sizes';

export const command: Command = {
  name: 'gp',
  summary: 'GP regression with an NNGP kernel (optionally fitting hyper-parameters)',
  usage: [
    'demo gp --activation a --depth L --weight-var v --bias-var b --sigma2 s --data F [--fit] [--restarts R] [--seed k] [--backend b] [--json]',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const activation = f.requireString('activation');
    const depth = f.requireNumber('depth', { integer: true, min: 1 });
    let weightVar = f.requireNumber('weight-var', { positive: true });
    let biasVar = f.requireNumber('bias-var', { min: 0 });
    let sigma2 = f.requireNumber('sigma2', { min: 0 });
    const file = f.requireString('data');
    const fit = f.bool('fit');
    const restarts = f.number('restarts', { integer: true, min: 0, default: 3 });
    const seed = f.number('seed', { integer: true, min: 0, default: 0 });
    const backendName = f.string('backend');
    f.assertAllUsed();
    checkKernelActivation(activation);
    const data = readDataFile(file, ctx.budget);
    if (data.y.cols !== 1) throw new UsageError(`--data ${file}: "y" must be a vector (one output), got ${data.y.cols} columns`);
    const backend = await resolveBackend(backendName);
    const y = data.y.data;
    const xs = data.xTest ?? data.x;
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
    const kernelOf = (a: typeof xs, b: typeof xs | undefined) =>
      withKernelFlags(
        { activation, depth, weightVar, biasVar },
        () => fcKernel(a, b, { activation, depth, weightVar, biasVar, get: ['nngp'], backend }).nngp!,
      );
    let fitted: Record<string, unknown> | undefined;
    if (fit) {
      if (!(sigma2 > 0)) throw new UsageError('--sigma2 must be > 0 as the starting noise of --fit');
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
    const Kc = kernelOf(xs, data.x);
    const Kss = kernelOf(xs, undefined);
    const r = gpRegression({
      kernel: K,
      y,
      sigma2,
      crossKernel: Kc,
      testKernelDiag: Array.from({ length: xs.rows }, (_, i) => Kss.data[i * xs.rows + i]!),
      backend,
    });
    const out = {
      mean: Array.from(r.testMean!),
      variance: Array.from(r.testVariance!),
      logMarginalLikelihood: r.logMarginalLikelihood,
      jitter: r.jitter,
      conditionNumber: r.conditionNumber,
      ...(fitted ? { fitted } : {}),
      backend: backend.name,
    };
    const human = [
      `GP with the ${activation} NNGP (depth ${depth}, σ_w²=${weightVar.toPrecision(6)}, σ_b²=${biasVar.toPrecision(6)}, σ²=${sigma2.toPrecision(6)}) on ${backend.name}`,
      `ln p(y) = ${r.logMarginalLikelihood.toPrecision(10)}   jitter = ${r.jitter}   cond(K + σ²I) ≈ ${r.conditionNumber.toExponential(3)}`,
      ...out.mean.slice(0, 20).map((m, i) => `  x*[${i}]  mean ${m.toPrecision(8)}  var ${out.variance[i]!.toPrecision(6)}`),
      ...(out.mean.length > 20 ? [`  … ${out.mean.length - 20} more`] : []),
    ].join('\n');
    if (!data.xTest) ctx.log('note: no "xTest" in the data file; reported the posterior at the training inputs');
    ctx.emit(out, human);
  },
};
