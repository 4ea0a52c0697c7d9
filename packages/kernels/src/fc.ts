import { type ComputeBackend, InvalidArgumentError, type Mat } from '@sftdl/compute';
import type { DualActivation } from './dual';
import type { AllKernelKinds, KernelKind, KernelsOf, Parameterization } from './recursion';
import { type Layer, type Network, activation, dense, resolveSigmaW2, serial } from './stax';

/**
 * The weight variance σ_w² (every layer, including the readout), as `sigmaW2`, or under its deprecated name
 * `weightVar` (one of the two).
 */
export type WeightVariance =
  | {
      /** σ_w², the weight variance (every layer, including the readout). */
      sigmaW2: number;
      weightVar?: undefined;
    }
  | {
      sigmaW2?: undefined;
      /** σ_w² under its old name.
       * @deprecated Use `sigmaW2`; `weightVar` goes away in the next minor version. */
      weightVar: number;
    };

/** Options of {@link fcNetwork} and {@link fcKernel} other than the weight variance. */
export interface FcBaseOptions {
  /** φ: a name (`relu`, `erf`, `tanh`, …) or a {@link DualActivation}. */
  activation: string | DualActivation;
  /** L, the number of hidden layers (≥ 1). */
  depth: number;
  /** σ_b² (every layer, including the readout). */
  biasVar: number;
  /** 'ntk' (default) or 'standard'. */
  parameterization?: Parameterization;
  /**
   * Hidden width N, or one width per hidden layer (default 1). It only affects finite networks and the
   * standard-parameterisation NTK, whose weight-gradient terms are N_in·K (neural-tangents' convention).
   */
  width?: number | readonly number[];
}

/** Options of {@link fcNetwork}: the architecture, with σ_w² as `sigmaW2` (or the deprecated `weightVar`). */
export type FcOptions = FcBaseOptions & WeightVariance;

/** Options of {@link fcKernel}. */
export type FcKernelOptions = FcOptions & {
  /** Kernels to return (default both); the result has exactly these fields. */
  get?: readonly KernelKind[];
  backend?: ComputeBackend;
  tileRows?: number;
};

/**
 * The deep fully connected network Dense → φ → … → Dense (L hidden layers, one readout unit) as a {@link Network}.
 *
 * @example
 * ```ts
 * const net = fcNetwork({ activation: 'relu', depth: 3, sigmaW2: 2, biasVar: 0.1, width: 512 });
 * ```
 */
export function fcNetwork(options: FcOptions): Network {
  const { depth, biasVar } = options;
  if (!Number.isInteger(depth) || depth < 1) throw new InvalidArgumentError(`depth must be an integer ≥ 1, got ${depth}`);
  const sigmaW2 = resolveSigmaW2(options);
  for (const [k, v] of [
    ['sigmaW2', sigmaW2],
    ['biasVar', biasVar],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new InvalidArgumentError(`${k} must be a finite number ≥ 0, got ${v}`);
  }
  const w = options.width ?? 1;
  const widths = typeof w === 'number' ? Array.from({ length: depth }, () => w) : [...w];
  if (widths.length !== depth) throw new InvalidArgumentError(`width lists ${widths.length} widths but depth is ${depth}`);
  const parameterization = options.parameterization ?? 'ntk';
  const layers: Layer[] = [];
  for (let l = 0; l < depth; l++) {
    layers.push(dense({ sigmaW2, biasVar, width: widths[l]!, parameterization }), activation(options.activation));
  }
  layers.push(dense({ sigmaW2, biasVar, width: 1, parameterization }));
  return serial(...layers);
}

/**
 * NNGP K^L and NTK Θ^L of a deep fully connected network (neural-tangents convention):
 * K⁰ = σ_w² x·x′/d + σ_b², K^l = σ_w² F_φ(K^{l−1}) + σ_b²; Θ⁰ = K⁰, Θ^l = K^l + σ_w² Θ^{l−1} Ḟ_φ(K^{l−1})
 * (NTK parameterisation; see the README for the standard one).
 *
 * *When to use*: the NNGP/NTK Gram matrices of an MLP for GP regression or NTK prediction. The result has exactly
 * the kernels `get` lists, typed as present (`fcKernel(x, undefined, { …, get: ['nngp'] }).nngp` is a `Mat`).
 *
 * *Gotchas*: x2 defaults to x1 (then the result is exactly symmetric); memory is the two outputs plus O(n).
 * The Gram step runs on the backend (syrk/GEMM, so a native backend accelerates it); the layer maps run in
 * float64 on the host.
 *
 * @example
 * ```ts
 * const { nngp, ntk } = fcKernel(fromRows([[1, 0], [0.6, 0.8]]), undefined, {
 *   activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0,
 * });
 * ```
 */
export function fcKernel<const G extends readonly KernelKind[] = AllKernelKinds>(
  x1: Mat,
  x2: Mat | undefined,
  options: FcKernelOptions & { get?: G },
): KernelsOf<G> {
  const net = fcNetwork(options);
  const o: { get?: G; backend?: ComputeBackend; tileRows?: number } = {};
  if (options.get) o.get = options.get;
  if (options.backend) o.backend = options.backend;
  if (options.tileRows) o.tileRows = options.tileRows;
  return net.kernel(x1, x2, o);
}
