import { type ComputeBackend, InvalidArgumentError, type Mat, referenceBackend } from '@sftdl/compute';
import { type Key, split } from '@sftdl/field';
import type { AllKernelKinds, KernelKind } from './recursion';
import { type Network, type NetworkParams, denseScales, forward } from './stax';

/** A Monte Carlo kernel estimate: elementwise mean and standard error over independent initialisations. */
export interface KernelEstimate {
  mean: Mat;
  stderr: Mat;
}

/** Options of {@link empiricalKernels}. */
export interface EmpiricalKernelOptions {
  /** Random key for the initialisations (required: randomness is explicit). */
  key: Key;
  /** Number of independent initialisations (default 16, ≥ 2 for standard errors). */
  samples?: number;
  /** Kernels to estimate (default both). */
  get?: readonly KernelKind[];
  backend?: ComputeBackend;
}

/** Per-initialisation empirical kernels of a finite network. A field is present when `get` asked for it. */
export interface EmpiricalKernels {
  nngp?: KernelEstimate;
  ntk?: KernelEstimate;
  samples: number;
}

/** The estimates {@link empiricalKernels} returns for a given `get`, typed as present (a runtime list of unknown
 * length → {@link EmpiricalKernels}). */
export type EmpiricalKernelsOf<G extends readonly KernelKind[]> = number extends G['length']
  ? EmpiricalKernels
  : { [K in G[number]]: KernelEstimate } & { samples: number };

/**
 * Empirical NTK of one finite network: Θ̂(x, x′) = Σ_θ ∂f(x)/∂θ · ∂f(x′)/∂θ, averaged over output units.
 *
 * Contracts the parameter Jacobians layer by layer without materialising them: for a dense layer with inputs
 * H and back-propagated output gradients Δ (per output unit), the weight block contributes
 * s_w²·(H₁H₂ᵀ) ⊙ (Δ₁Δ₂ᵀ) and the bias block s_b²·Δ₁Δ₂ᵀ, where s_w, s_b map trainable coordinates to weights
 * (NTK parameterisation: σ_w/√N_in, σ_b; standard: 1, 1). Every product runs on `backend.matmul`.
 *
 * *When to use*: finite-width checks of the analytic NTK, kernel drift during training.
 *
 * *Gotchas*: cost O(n² · Σ widths) per output unit; keep n moderate.
 *
 * @example
 * ```ts
 * const net = fcNetwork({ activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1, width: 256 });
 * const theta = empiricalNtk(net, net.init(key(1), 3), x);
 * ```
 */
export function empiricalNtk(
  net: Network,
  params: NetworkParams,
  x1: Mat,
  x2?: Mat,
  options: { backend?: ComputeBackend } = {},
): Mat {
  const backend = options.backend ?? referenceBackend;
  const ops = net.ops;
  const tr1 = forward(ops, params, x1, backend);
  const tr2 = x2 ? forward(ops, params, x2, backend) : tr1;
  const n1 = x1.rows,
    n2 = (x2 ?? x1).rows;
  const outDim = tr1.output.cols;
  const total = new Float64Array(n1 * n2);
  for (let o = 0; o < outDim; o++) {
    // Δ for the output: ∂f_o/∂(output) = e_o.
    let d1 = unitColumn(n1, outDim, o);
    let d2 = x2 ? unitColumn(n2, outDim, o) : d1;
    for (let p = ops.length - 1; p >= 0; p--) {
      const op = ops[p]!;
      const h1 = tr1.inputs[p]!,
        h2 = tr2.inputs[p]!;
      if (op.kind === 'dense') {
        const prm = params[p]!;
        const s = denseScales(op, h1.cols);
        const dd = backend.matmul(d1, d2, { transB: true });
        const hh = backend.matmul(h1, h2, { transB: true });
        for (let i = 0; i < total.length; i++)
          total[i]! += s.w * s.w * hh.data[i]! * dd.data[i]! + (prm.b ? s.b * s.b * dd.data[i]! : 0);
        if (p > 0) {
          const nd1 = backend.matmul(d1, prm.W, { transB: true, alpha: s.w });
          d2 = d2 === d1 ? nd1 : backend.matmul(d2, prm.W, { transB: true, alpha: s.w });
          d1 = nd1;
        }
      } else {
        const g = op.activation.dphi;
        const same = d2 === d1;
        d1 = { rows: d1.rows, cols: d1.cols, data: d1.data.map((v, i) => v * g(h1.data[i]!)) };
        d2 = same ? d1 : { rows: d2.rows, cols: d2.cols, data: d2.data.map((v, i) => v * g(h2.data[i]!)) };
      }
    }
  }
  for (let i = 0; i < total.length; i++) total[i]! /= outDim;
  return { rows: n1, cols: n2, data: total };
}

function unitColumn(n: number, cols: number, o: number): Mat {
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) data[i * cols + o] = 1;
  return { rows: n, cols, data };
}

/**
 * Conditional NNGP of one finite network: E[f(x)f(x′) | hidden layers] = σ_w²·(1/N)Σ_i φ_i(x)φ_i(x′) + σ_b²,
 * with the readout weights and bias integrated out exactly (φ = the last hidden representation, N its
 * width; the same in both parameterisations). Its mean over initialisations is the finite-width NNGP.
 */
export function conditionalNngp(
  net: Network,
  params: NetworkParams,
  x1: Mat,
  x2?: Mat,
  options: { backend?: ComputeBackend } = {},
): Mat {
  const backend = options.backend ?? referenceBackend;
  const ops = net.ops;
  const last = ops.length - 1;
  const op = ops[last]!;
  if (op.kind !== 'dense')
    throw new InvalidArgumentError('the network must end with a dense (readout) layer for the NNGP estimate');
  const h1 = forward(ops, params, x1, backend).inputs[last]!;
  const h2 = x2 ? forward(ops, params, x2, backend).inputs[last]! : h1;
  return backend.affine(backend.matmul(h1, h2, { transB: true, alpha: op.sigmaW2 / h1.cols }), 1, op.biasVar);
}

/**
 * Monte Carlo NNGP and empirical NTK of a finite network over independent initialisations, with standard
 * errors (sample standard deviation / √samples, elementwise).
 *
 * The NNGP estimate per initialisation is {@link conditionalNngp} (readout integrated out exactly, which
 * removes the readout's sampling noise); the NTK estimate is {@link empiricalNtk}. Both converge to the
 * analytic kernels as the widths grow, with O(1/√width) fluctuations per initialisation.
 *
 * *When to use*: validating analytic kernels, finite-width corrections.
 *
 * @example
 * ```ts
 * const net = fcNetwork({ activation: 'erf', depth: 2, sigmaW2: 1.5, biasVar: 0.1, width: 512 });
 * const est = empiricalKernels(net, x, undefined, { key: key(7), samples: 8 });
 * est.ntk.mean; est.ntk.stderr;
 * ```
 */
export function empiricalKernels<const G extends readonly KernelKind[] = AllKernelKinds>(
  net: Network,
  x1: Mat,
  x2: Mat | undefined,
  options: EmpiricalKernelOptions & { get?: G },
): EmpiricalKernelsOf<G> {
  const samples = options.samples ?? 16;
  if (!Number.isInteger(samples) || samples < 2)
    throw new InvalidArgumentError(`samples must be an integer ≥ 2 (standard errors need two), got ${samples}`);
  if (!options.key) throw new InvalidArgumentError('empiricalKernels needs a random key: { key: key(seed) }');
  const get = options.get ?? ['nngp', 'ntk'];
  const keys = split(options.key, samples);
  const n = x1.rows * (x2 ?? x1).rows;
  const acc = { nngp: [new Float64Array(n), new Float64Array(n)], ntk: [new Float64Array(n), new Float64Array(n)] };
  const o = options.backend ? { backend: options.backend } : {};
  for (const k of keys) {
    const params = net.init(k, x1.cols);
    for (const kind of get) {
      const m = kind === 'nngp' ? conditionalNngp(net, params, x1, x2, o) : empiricalNtk(net, params, x1, x2, o);
      const [s, s2] = acc[kind];
      for (let i = 0; i < n; i++) {
        s![i]! += m.data[i]!;
        s2![i]! += m.data[i]! * m.data[i]!;
      }
    }
  }
  const finish = (kind: KernelKind): KernelEstimate => {
    const [s, s2] = acc[kind];
    const mean = new Float64Array(n),
      se = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const mu = s![i]! / samples;
      const v = Math.max(0, (s2![i]! - samples * mu * mu) / (samples - 1));
      mean[i] = mu;
      se[i] = Math.sqrt(v / samples);
    }
    const shape = { rows: x1.rows, cols: (x2 ?? x1).rows };
    return { mean: { ...shape, data: mean }, stderr: { ...shape, data: se } };
  };
  const res: EmpiricalKernels = { samples };
  if (get.includes('nngp')) res.nngp = finish('nngp');
  if (get.includes('ntk')) res.ntk = finish('ntk');
  return res as EmpiricalKernelsOf<G>;
}
