import { type ComputeBackend, InvalidArgumentError, type Mat } from '@sftdl/compute';
import type { DualActivation } from './dual';
import type { KernelKind, KernelResult, Parameterization } from './recursion';
import { type Layer, type Network, activation, dense, serial } from './stax';

/** Options of {@link fcNetwork} and {@link fcKernel}. */
export interface FcOptions {
  /** φ: a name (`relu`, `erf`, `tanh`, …) or a {@link DualActivation}. */
  activation: string | DualActivation;
  /** L, the number of hidden layers (≥ 1). */
  depth: number;
  /** σ_w² (every layer, including the readout). */
  weightVar: number;
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

/** Options of {@link fcKernel}. */
export interface FcKernelOptions extends FcOptions {
  get?: readonly KernelKind[];
  backend?: ComputeBackend;
  tileRows?: number;
}

/**
 * The deep fully connected network Dense → φ → … → Dense (L hidden layers, one readout unit) as a {@link Network}.
 *
 * @example
 * ```ts
 * const net = fcNetwork({ activation: 'relu', depth: 3, weightVar: 2, biasVar: 0.1, width: 512 });
 * ```
 */
export function fcNetwork(options: FcOptions): Network {
  const { depth, weightVar, biasVar } = options;
  if (!Number.isInteger(depth) || depth < 1) throw new InvalidArgumentError(`depth must be an integer ≥ 1, got ${depth}`);
  for (const [k, v] of [
    ['weightVar', weightVar],
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
    layers.push(dense({ weightVar, biasVar, width: widths[l]!, parameterization }), activation(options.activation));
  }
  layers.push(dense({ weightVar, biasVar, width: 1, parameterization }));
  return serial(...layers);
}

/**
 * NNGP K^L and NTK Θ^L of a deep fully connected network (neural-tangents convention):
 * K⁰ = σ_w² x·x′/d + σ_b², K^l = σ_w² F_φ(K^{l−1}) + σ_b²; Θ⁰ = K⁰, Θ^l = K^l + σ_w² Θ^{l−1} Ḟ_φ(K^{l−1})
 * (NTK parameterisation; see the README for the standard one).
 *
 * *When to use*: the NNGP/NTK Gram matrices of an MLP for GP regression or NTK prediction.
 *
 * *Gotchas*: x2 defaults to x1 (then the result is exactly symmetric); memory is the two outputs plus O(n).
 * The Gram step runs on the backend (syrk/GEMM, so a native backend accelerates it); the layer maps run in
 * float64 on the host.
 *
 * @example
 * ```ts
 * const { nngp, ntk } = fcKernel(fromRows([[1, 0], [0.6, 0.8]]), undefined, {
 *   activation: 'relu', depth: 2, weightVar: 2, biasVar: 0,
 * });
 * ```
 */
export function fcKernel(x1: Mat, x2: Mat | undefined, options: FcKernelOptions): KernelResult {
  const net = fcNetwork(options);
  const o: { get?: readonly KernelKind[]; backend?: ComputeBackend; tileRows?: number } = {};
  if (options.get) o.get = options.get;
  if (options.backend) o.backend = options.backend;
  if (options.tileRows) o.tileRows = options.tileRows;
  return net.kernel(x1, x2, o);
}
