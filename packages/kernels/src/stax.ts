import { type ComputeBackend, InvalidArgumentError, type Mat, ShapeError, assertFinite, referenceBackend } from '@sftdl/compute';
import { type Key, normalMat, split } from '@sftdl/field';
import type { DualActivation } from './dual';
import { getActivation } from './dual-registry';
import {
  type ActivationOp,
  type AllKernelKinds,
  type DenseOp,
  type KernelComputeOptions,
  type KernelKind,
  type KernelOp,
  type KernelsOf,
  type Parameterization,
  kernelProgram,
  validateProgram,
} from './recursion';

/** A layer of the stax-style combinators: the analytic ops it contributes. */
export interface Layer {
  readonly ops: readonly KernelOp[];
}

/** Options of {@link dense}. */
export interface DenseOptions {
  /** σ_w², the weight variance (default 1). */
  sigmaW2?: number;
  /** σ_w² under its old name.
   * @deprecated Use `sigmaW2`; `weightVar` goes away in the next minor version. */
  weightVar?: number;
  /** σ_b² (default 0). */
  biasVar?: number;
  /** Output width N (default 1, the readout). Hidden layers of finite networks need it. */
  width?: number;
  /** Trainable bias (default true; with `biasVar` 0 it starts at 0 but still enters the NTK). */
  bias?: boolean;
  /** 'ntk' (default) or 'standard'. */
  parameterization?: Parameterization;
}

/**
 * A fully connected layer.
 *
 * NTK parameterisation (default): h′ = (σ_w/√N_in)·h·ω + σ_b·β with ω, β ~ N(0, 1) trainable.
 * Standard parameterisation: h′ = h·W + b with W ~ N(0, σ_w²/N_in), b ~ N(0, σ_b²) trainable.
 * Both give the same NNGP; their NTKs differ (neural-tangents' definitions, see the README).
 *
 * @example
 * ```ts
 * const net = serial(dense({ sigmaW2: 2, width: 512 }), reluLayer(), dense({ sigmaW2: 2 }));
 * ```
 */
export function dense(options: DenseOptions = {}): Layer {
  const sigmaW2 = resolveSigmaW2(options, 1);
  const op: DenseOp = {
    kind: 'dense',
    sigmaW2,
    weightVar: sigmaW2,
    biasVar: options.biasVar ?? 0,
    width: options.width ?? 1,
    bias: options.bias ?? true,
    parameterization: options.parameterization ?? 'ntk',
  };
  validateProgram([op]);
  return Object.freeze({ ops: Object.freeze([op]) });
}

/**
 * σ_w² from options that may spell it `sigmaW2` or (deprecated) `weightVar`; `fallback` when neither is given.
 * Throws when both are given with different values. @internal
 */
export function resolveSigmaW2(
  options: { sigmaW2?: number | undefined; weightVar?: number | undefined },
  fallback?: number,
): number {
  const { sigmaW2, weightVar } = options;
  if (sigmaW2 !== undefined && weightVar !== undefined && sigmaW2 !== weightVar)
    throw new InvalidArgumentError(
      `sigmaW2 = ${sigmaW2} and weightVar = ${weightVar} disagree; give only sigmaW2 (weightVar is its deprecated name)`,
    );
  const v = sigmaW2 ?? weightVar ?? fallback;
  if (v === undefined) throw new InvalidArgumentError('sigmaW2 (the weight variance σ_w²) is required, e.g. sigmaW2: 2 for ReLU');
  return v;
}

/** An elementwise activation layer from a name (see {@link getActivation}) or a {@link DualActivation}. */
export function activation(spec: string | DualActivation): Layer {
  const op: ActivationOp = { kind: 'activation', activation: getActivation(spec) };
  return Object.freeze({ ops: Object.freeze([op]) });
}

// Activation layers carry a `Layer` suffix: the bare names clash with the dual activations they wrap (`relu`) and
// with compute's scalar functions (`erf`). neural-tangents spells them `stax.Relu()`, `stax.Erf()`.

/** ReLU layer. */ export const reluLayer = (): Layer => activation('relu');
/** erf layer. */ export const erfLayer = (): Layer => activation('erf');
/** tanh layer (Mehler-series dual). */ export const tanhLayer = (): Layer => activation('tanh');
/** Identity (linear) layer. */ export const identityLayer = (): Layer => activation('linear');
/** Step (Heaviside) layer. */ export const stepLayer = (): Layer => activation('step');
/** |z| layer. */ export const absLayer = (): Layer => activation('abs');
/** sin layer. */ export const sinLayer = (): Layer => activation('sin');
/** cos layer. */ export const cosLayer = (): Layer => activation('cos');
/** GELU layer (Mehler-series dual). */ export const geluLayer = (): Layer => activation('gelu');
/** softplus layer (Mehler-series dual). */ export const softplusLayer = (): Layer => activation('softplus');

// Deprecated spellings (no alias for `erf`, which would shadow compute's `erf`).
/** @deprecated Use {@link reluLayer}. */ export const relu = reluLayer;
/** @deprecated Use {@link tanhLayer}. */ export const tanh = tanhLayer;
/** @deprecated Use {@link identityLayer}. */ export const identity = identityLayer;
/** @deprecated Use {@link stepLayer}. */ export const step = stepLayer;
/** @deprecated Use {@link absLayer}. */ export const abs = absLayer;
/** @deprecated Use {@link sinLayer}. */ export const sin = sinLayer;
/** @deprecated Use {@link cosLayer}. */ export const cos = cosLayer;
/** @deprecated Use {@link geluLayer}. */ export const gelu = geluLayer;
/** @deprecated Use {@link softplusLayer}. */ export const softplus = softplusLayer;

/** Trainable parameters of one dense layer, in the trainable coordinates of its parameterisation. */
export interface DenseParams {
  /** Shape [N_in, N_out]. NTK parameterisation: ω ~ N(0,1); standard: W ~ N(0, σ_w²/N_in). */
  W: Mat;
  /** Length N_out (absent when the layer has no bias). NTK: β ~ N(0,1); standard: b ~ N(0, σ_b²). */
  b?: Float64Array;
}

/** Parameters of a network: one entry per op (`null` for activations). */
export type NetworkParams = (DenseParams | null)[];

/** Options of {@link Network.apply}. */
export interface ApplyOptions {
  backend?: ComputeBackend;
}

/**
 * A network built by {@link serial}: a finite network (`init`, `apply`) and its infinite-width kernels (`kernel`)
 * from one definition.
 */
export interface Network extends Layer {
  /** Samples parameters with the given key for inputs of dimension `inputDim`. */
  init(key: Key, inputDim: number): NetworkParams;
  /** Forward pass: x of shape [n, d] → outputs [n, N_out]. */
  apply(params: NetworkParams, x: Mat, options?: ApplyOptions): Mat;
  /**
   * Infinite-width NNGP / NTK between the rows of x1 and x2 (x2 defaults to x1). The result has exactly the kernels
   * `get` lists (both by default), typed as present: `net.kernel(x, undefined, { get: ['nngp'] }).nngp` is a `Mat`.
   */
  kernel<const G extends readonly KernelKind[] = AllKernelKinds>(
    x1: Mat,
    x2?: Mat,
    options?: KernelComputeOptions & { get?: G },
  ): KernelsOf<G>;
}

/** Scale factors mapping trainable coordinates to the weights actually used. @internal */
export function denseScales(op: DenseOp, inWidth: number): { w: number; b: number } {
  return op.parameterization === 'ntk' ? { w: Math.sqrt(op.sigmaW2 / inWidth), b: Math.sqrt(op.biasVar) } : { w: 1, b: 1 };
}

/** Intermediate values of a forward pass (pre- and post-activations), used by the empirical kernels. @internal */
export interface ForwardTrace {
  /** Input to each op. */
  inputs: Mat[];
  output: Mat;
}

/** @internal */
export function forward(ops: readonly KernelOp[], params: NetworkParams, x: Mat, backend: ComputeBackend): ForwardTrace {
  assertFinite(x, 'x');
  if (params.length !== ops.length)
    throw new ShapeError(
      `params has ${params.length} entries but the network has ${ops.length} ops; use init() of the same network`,
    );
  const inputs: Mat[] = [];
  let h = x;
  let width = x.cols;
  ops.forEach((op, p) => {
    inputs.push(h);
    if (op.kind === 'dense') {
      const prm = params[p];
      if (!prm) throw new InvalidArgumentError(`params[${p}] is missing for a dense layer`);
      if (prm.W.rows !== width) throw new ShapeError(`dense op #${p} expects inputs of width ${prm.W.rows}, got ${width}`);
      const s = denseScales(op, width);
      let out = backend.matmul(h, prm.W, { alpha: s.w });
      if (prm.b) {
        const row: Mat = { rows: 1, cols: prm.b.length, data: s.b === 1 ? prm.b : prm.b.map((v) => v * s.b) };
        out = backend.binary(out, row, 'add');
      }
      h = out;
      width = op.width;
    } else {
      const act = op.activation;
      if (act.op) h = backend.map(h, act.op);
      else h = { rows: h.rows, cols: h.cols, data: h.data.map(act.phi) };
    }
  });
  return { inputs, output: h };
}

/**
 * Composes layers, in the spirit of neural-tangents' `stax.serial`.
 *
 * *When to use*: to define a network once and get both a finite network on a compute backend and its
 * analytic NNGP/NTK.
 *
 * *Gotchas*: the kernels are those of the network's output unit (all output units are i.i.d.); the input
 * kernel is x·x′/d (inputs are not normalised for you).
 *
 * @example
 * ```ts
 * const net = serial(dense({ sigmaW2: 1.5, biasVar: 0.1, width: 256 }), erfLayer(), dense({ sigmaW2: 1.5, biasVar: 0.1 }));
 * const { nngp, ntk } = net.kernel(fromRows([[1, 0], [0, 1]]));
 * const params = net.init(key(0), 2);
 * const y = net.apply(params, fromRows([[1, 0]]));
 * ```
 */
export function serial(...layers: Layer[]): Network {
  if (layers.length === 0) throw new InvalidArgumentError('serial() needs at least one layer');
  const ops = Object.freeze(
    layers.flatMap((l) => {
      if (!l || !Array.isArray(l.ops))
        throw new InvalidArgumentError('serial() takes layers made by dense(), activation(), reluLayer(), … or serial()');
      return l.ops;
    }),
  );
  validateProgram(ops);
  return Object.freeze({
    ops,
    init(k: Key, inputDim: number): NetworkParams {
      if (!Number.isInteger(inputDim) || inputDim < 1)
        throw new InvalidArgumentError(`inputDim must be a positive integer, got ${inputDim}`);
      const keys = split(k, ops.length);
      let width = inputDim;
      return ops.map((op, p) => {
        if (op.kind !== 'dense') return null;
        const [kw, kb] = split(keys[p]!, 2);
        const std =
          op.parameterization === 'ntk' ? { w: 1, b: 1 } : { w: Math.sqrt(op.sigmaW2 / width), b: Math.sqrt(op.biasVar) };
        const W = normalMat(kw!, width, op.width, std.w);
        const res: DenseParams = { W };
        if (op.bias) res.b = normalMat(kb!, 1, op.width, std.b).data;
        width = op.width;
        return res;
      });
    },
    apply(params: NetworkParams, x: Mat, options: ApplyOptions = {}): Mat {
      return forward(ops, params, x, options.backend ?? referenceBackend).output;
    },
    kernel<const G extends readonly KernelKind[] = AllKernelKinds>(
      x1: Mat,
      x2?: Mat,
      options: KernelComputeOptions & { get?: G } = {},
    ): KernelsOf<G> {
      return kernelProgram(ops, x1, x2, options);
    },
  });
}
