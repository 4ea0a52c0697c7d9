/**
 * Up-front size estimates of the demo commands (memory in bytes, work in flop) and the flag-naming wrappers of
 * library errors. Estimates are deliberately rough (within a small factor): their job is to stop `--depth 1e9` or a
 * 200 MB data file before the work starts, with the flag to change, not to predict run times.
 */
import { type FlagSpec, UsageError } from '@sftdl/cli-kit';
import { InvalidArgumentError, SftdlError } from '@sftdl/compute';
import { ACTIVATION_NAMES, getActivation } from '@sftdl/kernels';
import { ITERATION_FLOOR } from './budget';

/** `--activation` of the kernel commands (kernel, gp): any activation the kernels package knows. */
export const KERNEL_ACTIVATION_FLAG: FlagSpec = {
  name: 'activation',
  type: 'string',
  placeholder: '<name>',
  required: true,
  description: `the nonlinearity: ${ACTIVATION_NAMES.join(', ')}`,
};

const F64 = 8;
/** Bytes per number in a JS number[] (boxed doubles in arrays of arrays, JSON output strings included). */
const JS_NUMBER = 40;
/** Flop-equivalents of one dual-activation evaluation (erf, arccos, quadrature tables…). */
const DUAL_COST = 60;
/** Bytes of the kernel program (op records, prepared activations) per layer. */
const PROGRAM_BYTES_PER_LAYER = 512;

/** Validates `--activation` for the kernel commands: a registered name or he<n> (n ≤ 64), else a UsageError. */
export function checkKernelActivation(name: string): void {
  const m = /^(?:he|hermite)(\d+)$/i.exec(name.trim());
  if (m && Number(m[1]) > 64) throw new UsageError(`--activation ${name}: Hermite degree ${m[1]} is too high (at most he64)`);
  try {
    getActivation(name);
  } catch (e) {
    if (InvalidArgumentError.isInstance(e))
      throw new UsageError(`--activation: unknown activation '${name}'; allowed: ${ACTIVATION_NAMES.join(', ')}`);
    throw e;
  }
}

/**
 * Runs a kernel computation and names the flags when it fails for a reason the flags control: a kernel that became
 * non-finite is `--sigma-w2/--bias-var/--depth` (or the data scale), an unknown activation is `--activation`.
 */
export function withKernelFlags<T>(
  flags: { activation: string; depth: number; weightVar: number; biasVar: number },
  body: () => T,
): T {
  try {
    return body();
  } catch (e) {
    if (SftdlError.isInstance(e) && /non-finite/.test(e.message)) {
      throw new UsageError(
        `--sigma-w2 ${flags.weightVar} / --bias-var ${flags.biasVar} / --depth ${flags.depth} (--activation ${flags.activation}): ${e.message.replace(/; reduce .*$/, '')}; reduce --sigma-w2, --bias-var or --depth, or rescale the data`,
      );
    }
    if (e instanceof RangeError && /activation returned a non-finite/.test(e.message)) {
      throw new UsageError(`--activation ${flags.activation}: ${e.message}; reduce --sigma-w2/--bias-var or rescale the data`);
    }
    throw e;
  }
}

/** Kernel matrices of a depth-L network on n×d training rows and m test rows (NNGP and NTK). */
export function kernelEstimate(o: { n: number; m: number; d: number; depth: number; withNtk: boolean; testDiagOnly?: boolean }): {
  bytes: number;
  flops: number;
} {
  const { n, m, d, depth } = o;
  const pairs = n * n + m * n + (o.testDiagOnly ? m : m * m);
  const mats = o.withNtk ? 6 : 3; // nngp, ntk, derivative kernel + temporaries of the layer maps
  const bytes =
    mats * pairs * F64 + (n + m) * d * F64 + pairs * JS_NUMBER * (o.withNtk ? 2 : 1) + depth * PROGRAM_BYTES_PER_LAYER;
  const flops = 2 * pairs * d + depth * pairs * DUAL_COST * (o.withNtk ? 2 : 1) + depth * ITERATION_FLOOR;
  return { bytes, flops };
}

/** Cholesky + solves + condition number of an n×n GP system with m test points. */
export function gpSolveEstimate(n: number, m: number): { bytes: number; flops: number } {
  return { bytes: 4 * n * n * F64 + 2 * m * n * F64, flops: n ** 3 / 3 + (n <= 400 ? 10 * n ** 3 : 60 * n * n) + 2 * m * n * n };
}

/** A fit of NNGP hyper-parameters: (restarts + 1) L-BFGS runs of ≤ 200 iterations, each ~8 kernel + GP evaluations. */
export function gpFitEstimate(o: { n: number; d: number; depth: number; restarts: number }): { flops: number } {
  const k = kernelEstimate({ n: o.n, m: 0, d: o.d, depth: o.depth, withNtk: false });
  const perEval = k.flops + o.n ** 3 + ITERATION_FLOOR;
  return { flops: (o.restarts + 1) * 200 * 8 * perEval };
}

/** `demo data`: samples × (dim + outputs) doubles, held as typed arrays and again as JSON text/arrays when written. */
export function dataEstimate(o: { rows: number; dim: number; outputs: number }): { bytes: number; flops: number } {
  const numbers = o.rows * (o.dim + o.outputs);
  return { bytes: numbers * (F64 + JS_NUMBER), flops: numbers * 20 + ITERATION_FLOOR };
}

/**
 * `demo msa`: P×P kernels and solves, and for the sampled (erf/relu) theories `samples` Monte Carlo weight vectors of
 * dimension d evaluated on P points, over ~100 Newton/annealing iterations.
 */
export function msaEstimate(o: { n: number; d: number; samples: number; sampled: boolean; width: number }): {
  bytes: number;
  flops: number;
} {
  const { n, d } = o;
  const mc = o.sampled ? o.samples : 0;
  const bytes = 8 * n * n * F64 + mc * (d + n) * F64 * 2 + d * d * F64 * 4;
  // measured: the d×d weight-covariance solves dominate for wide inputs (~1e3·d³ flop-equivalents over all theories)
  const flops = 100 * (n ** 3 + mc * n * (d + 10)) + 1e3 * d ** 3 + ITERATION_FLOOR;
  return { bytes, flops };
}

/** `demo train`: chains × parameters state (plus gradients, proposals, recorded samples) and steps × chains × forward/backward passes. */
export function trainEstimate(o: {
  n: number;
  d: number;
  outputs: number;
  width: number;
  chains: number;
  steps: number;
  layers: number;
}): { bytes: number; flops: number } {
  const params = o.width * (o.d + o.outputs) + (o.layers - 2) * o.width * o.width;
  const bytes = o.chains * (8 * params + 4 * o.n * o.width) * F64;
  // per chain-step: forward/backward on all points, plus ~1e5 flop-equivalents of per-step overhead (allocation, RNG)
  const flops = o.steps * o.chains * (6 * o.n * params + 100 * ITERATION_FLOOR);
  return { bytes, flops };
}

/** `demo grokking modular`: each σ² point solves the per-mode saddle equations (measured: ~1 ms per point at P = 11). */
export function modularCurveEstimate(o: { prime: number; points: number }): { bytes: number; flops: number } {
  return { bytes: o.points * (200 + JS_NUMBER * 8), flops: o.points * (o.prime + 1) * 1e5 };
}
