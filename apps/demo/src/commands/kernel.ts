import { basename, dirname, extname, join } from 'node:path';
import { COMMON_FLAGS, UsageError } from '@sftdl/cli-kit';
import { type ComputeBackend, type Mat, toRows } from '@sftdl/compute';
import { writeMatrix } from '@sftdl/io';
import { type Parameterization, fcKernel } from '@sftdl/kernels';
import { resolveBackend } from '../backends';
import type { Command } from '../context';
import { checkBudget } from '../budget';
import { fileError, readDataFile } from '../io';
import { blockedKernel } from '../blocked';
import { Progress } from '../progress';
import { KERNEL_ACTIVATION_FLAG, checkKernelActivation, kernelEstimate, withKernelFlags } from '../sizes';

/** Above this many matrix entries in total, `--json` without `--out` prints shapes instead of the matrices. */
export const JSON_MATRIX_LIMIT = 250_000;

/** The matrix file extensions of `--out` (the format follows the extension, as in @sftdl/io). */
const OUT_EXTENSIONS = ['.npy', '.csv', '.tsv', '.txt', '.json'];

function summary(name: string, m: Mat): string {
  let min = Infinity,
    max = -Infinity;
  for (const v of m.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return `  ${name.padEnd(9)} ${`${m.rows}×${m.cols}`.padEnd(11)} min ${min.toPrecision(6).padStart(12)}   max ${max.toPrecision(6).padStart(12)}`;
}

/**
 * The file of one matrix for `--out K.npy`: `K.nngp.npy`, `K.ntk.npy`, `K.nngpTest.npy`, `K.ntkTest.npy` (the name is
 * inserted before the extension, in the folder of `--out`).
 */
export function matrixPath(out: string, name: string): string {
  const ext = extname(out);
  return join(dirname(out), `${basename(out, ext)}.${name}${ext}`);
}

export const command: Command = {
  name: 'kernel',
  summary: 'NNGP and NTK kernels of a deep fully connected network on a dataset',
  usage: ['demo kernel --activation <name> --depth <n> --sigma-w2 <x> --bias-var <x> --data <file> [--out <file>] [flags]'],
  flags: [
    KERNEL_ACTIVATION_FLAG,
    { name: 'depth', type: 'integer', required: true, description: 'hidden layers L (L activations, L + 1 dense layers), ≥ 1' },
    { ...COMMON_FLAGS.sigmaW2, required: true },
    { ...COMMON_FLAGS.biasVar, required: true },
    {
      name: 'parameterization',
      type: 'choice',
      choices: ['ntk', 'standard'],
      default: 'ntk',
      description:
        "standard without --width: learning rates scaled by the prior variances (the NTK equals the ntk recursion); with --width: neural-tangents' finite-width standard NTK",
    },
    { name: 'width', type: 'integer', description: 'hidden width of the standard parameterisation' },
    { ...COMMON_FLAGS.data, required: true },
    {
      name: 'out',
      type: 'string',
      placeholder: '<file>',
      description:
        'write the matrices instead of printing them: --out K.npy writes K.nngp.npy and K.ntk.npy (+ K.nngpTest.npy, K.ntkTest.npy with xTest); .npy, .csv or .json by the extension',
    },
    COMMON_FLAGS.backend,
  ],
  output: [
    {
      key: 'nngp, ntk',
      description: `the x × x matrices as rows (only when they have ≤ ${JSON_MATRIX_LIMIT} entries in total and no --out)`,
    },
    { key: 'nngpTest, ntkTest', description: 'xTest × x, when the data file has xTest (same rule)' },
    { key: 'shapes', description: '{ nngp: [n, n], ntk: [n, n], nngpTest?: [m, n], ntkTest?: [m, n] }' },
    { key: 'files', description: 'with --out: { nngp, ntk, nngpTest?, ntkTest? } → the paths written' },
    { key: 'message', description: 'why the matrices are not printed (too large: use --out), when they are not' },
    { key: 'backend', description: 'the compute backend used (auto picks the fastest float64 one)' },
    { key: 'meta', description: 'the flags, n, d, nTest, backend, precision, seconds' },
  ],
  async run(ctx) {
    const { flags } = ctx;
    const activationName = flags.requireString('activation');
    checkKernelActivation(activationName);
    const depth = flags.requireNumber('depth', { integer: true, min: 1 });
    const weightVar = flags.requireNumber('sigma-w2', { min: 0 });
    const biasVar = flags.requireNumber('bias-var', { min: 0 });
    const parameterization = flags.choice<Parameterization>('parameterization', ['ntk', 'standard'], 'ntk');
    const widthFlag = flags.number('width', { integer: true, min: 1 });
    const dataPath = flags.requireString('data');
    const out = flags.string('out');
    if (out !== undefined && !OUT_EXTENSIONS.includes(extname(out).toLowerCase()))
      throw new UsageError(`--out ${out}: the extension sets the format; use one of ${OUT_EXTENSIONS.join(', ')}`);
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
    const backend: ComputeBackend = await resolveBackend(backendName);
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
    const n = data.x.rows;
    const m = data.xTest?.rows ?? 0;
    // progress in units of kernel rows (a test row costs the same as a training row: both are against all of x)
    const progress = new Progress('kernel', n + m, flags.has('quiet') || n * (n + m) < 250_000);
    const one = (rows: Mat, other: Mat | undefined): [Mat, Mat] => {
      const r = fcKernel(rows, other, options);
      if (!r.nngp || !r.ntk) throw new Error('fcKernel returned no nngp/ntk');
      return [r.nngp, r.ntk];
    };
    const pair = ([nngp, ntk]: Mat[]) => {
      if (!nngp || !ntk) throw new Error('blockedKernel returned no nngp/ntk');
      return { nngp, ntk };
    };
    const train = pair(withKernelFlags(kflags, () => blockedKernel(data.x, undefined, one, (d) => progress.update(d))));
    const xTest = data.xTest;
    const test = xTest
      ? pair(withKernelFlags(kflags, () => blockedKernel(xTest, data.x, one, (d) => progress.update(n + d))))
      : undefined;
    progress.done();
    const seconds = (performance.now() - t0) / 1000;
    const matrices: [string, Mat][] = [
      ['nngp', train.nngp],
      ['ntk', train.ntk],
      ...(test
        ? ([
            ['nngpTest', test.nngp],
            ['ntkTest', test.ntk],
          ] as [string, Mat][])
        : []),
    ];
    const entries = matrices.reduce((s, [, mat]) => s + mat.rows * mat.cols, 0);
    const result: Record<string, unknown> = {};
    const shapes = Object.fromEntries(matrices.map(([k, mat]) => [k, [mat.rows, mat.cols]]));
    let files: Record<string, string> | undefined;
    let message: string | undefined;
    if (out !== undefined) {
      files = {};
      for (const [k, mat] of matrices) {
        const path = matrixPath(out, k);
        try {
          writeMatrix(path, mat);
        } catch (e) {
          throw fileError(e, path, 'write');
        }
        files[k] = path;
        ctx.log(`wrote ${path} (${mat.rows}×${mat.cols})`);
      }
    } else if (ctx.json && entries > JSON_MATRIX_LIMIT) {
      message = `the matrices have ${entries} entries (more than ${JSON_MATRIX_LIMIT}); not printed as JSON — write them with --out K.npy (or .csv, .json)`;
      ctx.log(`note: ${message}`);
    } else for (const [k, mat] of matrices) result[k] = toRows(mat);
    result.shapes = shapes;
    if (files) result.files = files;
    if (message) result.message = message;
    result.backend = backend.name;
    result.meta = {
      activation: activationName,
      depth,
      sigmaW2: weightVar,
      weightVar,
      biasVar,
      parameterization,
      width: widthFlag ?? null,
      ...(standardConvention ? { standardNtkConvention: standardConvention } : {}),
      n,
      d: data.x.cols,
      nTest: m,
      backend: backend.name,
      precision: backend.precision,
      seconds,
    };
    const lines = [
      `NNGP / NTK of a depth-${depth} ${activationName} network (σ_w² = ${weightVar}, σ_b² = ${biasVar}, ${parameterization})`,
      ...matrices.map(([k, mat]) => summary(k, mat)),
      ...(files ? Object.values(files).map((p) => `  wrote ${p}`) : []),
      `  computed in ${seconds.toFixed(3)} s on ${backend.name}; ${files ? 'numpy.load reads the .npy files' : 'use --out K.npy to write the matrices, --json to print them'}`,
    ];
    ctx.emit(result, lines.join('\n'));
  },
};
