import { UsageError } from '@sftdl/cli-kit';
import { type ComputeBackend, type Mat, referenceBackend, toRows } from '@sftdl/compute';
import { ACTIVATION_NAMES, type Parameterization, fcKernel } from '@sftdl/kernels';
import { resolveBackend } from '../backends';
import type { Command } from '../context';
import { checkBudget } from '../budget';
import { readDataFile } from '../io';
import { checkKernelActivation, kernelEstimate, withKernelFlags } from '../sizes';

function summary(name: string, m: Mat): string {
  let min = Infinity,
    max = -Infinity;
  for (const v of m.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return `  ${name.padEnd(9)} ${`${m.rows}×${m.cols}`.padEnd(11)} min ${min.toPrecision(6).padStart(12)}   max ${max.toPrecision(6).padStart(12)}`;
}

export const command: Command = {
  name: 'kernel',
  summary: 'NNGP and NTK kernels of a deep fully connected network on a dataset',
  usage: [
    'demo kernel --activation <name> --depth L --weight-var v --bias-var b [--parameterization ntk|standard] [--width N] --data F [--backend NAME] [--json]',
    `activations: ${ACTIVATION_NAMES.join(', ')}`,
    'prints { nngp, ntk } for the x rows of F against themselves, plus nngpTest / ntkTest (xTest × x) when F has xTest;',
    "--parameterization standard: without --width, learning rates scaled by the prior variances (the NTK equals the recursion above); with --width N, neural-tangents' finite-width standard NTK",
  ],
  async run(ctx) {
    const { flags } = ctx;
    const activationName = flags.string('activation');
    if (activationName === undefined)
      throw new UsageError(`missing required flag --activation (one of ${ACTIVATION_NAMES.join(', ')})`);
    checkKernelActivation(activationName);
    const depth = flags.requireNumber('depth', { integer: true, min: 1 });
    const weightVar = flags.requireNumber('weight-var', { min: 0 });
    const biasVar = flags.requireNumber('bias-var', { min: 0 });
    const parameterization = flags.choice<Parameterization>('parameterization', ['ntk', 'standard'], 'ntk');
    const widthFlag = flags.number('width', { integer: true, min: 1 });
    const dataPath = flags.string('data');
    if (dataPath === undefined) throw new UsageError('missing required flag --data (a JSON file with "x" rows)');
    const backendName = flags.string('backend');
    flags.assertAllUsed();
    const data = readDataFile(dataPath, ctx.budget);
    {
      const n = data.x.rows,
        m = data.xTest?.rows ?? 0,
        d = data.x.cols;
      const k = kernelEstimate({ n, m: 0, d, depth, withNtk: true });
      const kt = kernelEstimate({ n: m, m: 0, d, depth, withNtk: true });
      checkBudget(ctx.budget, {
        what: `kernel on n = ${n} rows${m ? ` and ${m} test rows` : ''} (d = ${d}, depth ${depth})`,
        bytes: k.bytes + 2 * kt.bytes,
        flops: k.flops + 2 * kt.flops,
        flags: '--depth or the data size',
      });
    }
    const backend: ComputeBackend = backendName === undefined ? referenceBackend : await resolveBackend(backendName);
    // Standard parameterisation without --width: the infinite-width NTK of a standard-parameterised net trained
    // with per-layer learning rates scaled by the prior variances (σ_w²/fan-in, σ_b²). By the chain rule through
    // θ = σ·ω that is exactly the NTK-parameterisation recursion of the issue/README. With --width N, neural-tangents'
    // finite-width standard NTK (weight-gradient terms N_in·K, bias term 1) is used instead.
    const standardConvention =
      parameterization === 'standard'
        ? widthFlag === undefined
          ? 'fan-in-scaled-learning-rates'
          : 'neural-tangents-width'
        : undefined;
    const width = widthFlag ?? 1;
    const kernelParameterization: Parameterization =
      standardConvention === 'fan-in-scaled-learning-rates' ? 'ntk' : parameterization;
    const options = {
      activation: activationName,
      depth,
      weightVar,
      biasVar,
      parameterization: kernelParameterization,
      width,
      backend,
    };
    ctx.log(
      `kernel: ${activationName}, depth ${depth}, σ_w² = ${weightVar}, σ_b² = ${biasVar}, ${parameterization} parameterisation, n = ${data.x.rows}, d = ${data.x.cols}, backend ${backend.name}`,
    );
    const t0 = performance.now();
    const kflags = { activation: activationName, depth, weightVar, biasVar };
    const train = withKernelFlags(kflags, () => fcKernel(data.x, undefined, options));
    const test = data.xTest ? withKernelFlags(kflags, () => fcKernel(data.xTest!, data.x, options)) : undefined;
    const seconds = (performance.now() - t0) / 1000;
    const result: Record<string, unknown> = { nngp: toRows(train.nngp!), ntk: toRows(train.ntk!) };
    if (test) {
      result.nngpTest = toRows(test.nngp!);
      result.ntkTest = toRows(test.ntk!);
    }
    result.meta = {
      activation: activationName,
      depth,
      weightVar,
      biasVar,
      parameterization,
      width: widthFlag ?? null,
      ...(standardConvention ? { standardNtkConvention: standardConvention } : {}),
      n: data.x.rows,
      d: data.x.cols,
      nTest: data.xTest?.rows ?? 0,
      backend: backend.name,
      precision: backend.precision,
      seconds,
    };
    const lines = [
      `NNGP / NTK of a depth-${depth} ${activationName} network (σ_w² = ${weightVar}, σ_b² = ${biasVar}, ${parameterization})`,
      summary('nngp', train.nngp!),
      summary('ntk', train.ntk!),
      ...(test ? [summary('nngpTest', test.nngp!), summary('ntkTest', test.ntk!)] : []),
      `  computed in ${seconds.toFixed(3)} s on ${backend.name}; use --json for the matrices`,
    ];
    ctx.emit(result, lines.join('\n'));
  },
};
