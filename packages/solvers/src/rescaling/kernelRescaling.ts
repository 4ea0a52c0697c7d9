import {
  type ComputeBackend,
  ConvergenceError,
  InvalidArgumentError,
  type Mat,
  ShapeError,
  assertFinite,
  referenceBackend,
} from '@sftdl/compute';
import { type PositiveRoot, meanSquaredDiff, positiveRoots } from '../numerics';

/** A PSD prior kernel in its eigenbasis: C0 = U diag(eigvals) Uᵀ, targets rotated ỹ = Uᵀy. */
export interface KernelEigenSystem {
  eigvals: Float64Array;
  U: Mat;
  yRot: Float64Array;
}

/** Eigen-decomposes a prior kernel (negative round-off eigenvalues clamped to 0) and rotates the targets. */
export function kernelEigenSystem(kernel: Mat, y: Float64Array, backend: ComputeBackend = referenceBackend): KernelEigenSystem {
  if (kernel.rows !== kernel.cols || kernel.rows !== y.length)
    throw new ShapeError(`kernel must be [${y.length}, ${y.length}], got [${kernel.rows}, ${kernel.cols}]`);
  assertFinite(kernel, 'kernel');
  const { values, vectors } = backend.eigh(kernel);
  return {
    eigvals: values.map((v) => Math.max(v, 0)),
    U: vectors,
    yRot: backend.matmul(vectors, { rows: y.length, cols: 1, data: y }, { transA: true }).data.slice(),
  };
}

/** Σ_k C0λ_k/(T + sλ_k) (trace) and Σ_k λ_k ỹ_k²/(T + sλ_k)² (quad), for the scaled kernel s·C0. */
function sums(es: KernelEigenSystem, noise: number, s: number): { trace: number; quad: number; logdet: number; fit: number } {
  let trace = 0,
    quad = 0,
    logdet = 0,
    fit = 0;
  for (let k = 0; k < es.eigvals.length; k++) {
    const l = es.eigvals[k]!,
      a = noise + s * l,
      y2 = es.yRot[k]! ** 2;
    trace += l / a;
    quad += (l * y2) / (a * a);
    logdet += Math.log(a);
    fit += y2 / a;
  }
  return { trace, quad, logdet, fit };
}

/** Options of {@link kernelRescaling}. */
export interface KernelRescalingOptions {
  /** Prior output kernel C0 on the training points (NNGP kernel incl. the readout scale), [n, n]. */
  kernel: Mat;
  y: ArrayLike<number>;
  /** Noise / ridge T (κ_n in docs/theory/multi-scale-adaptive.md; σ²/χ in the library convention). */
  noise: number;
  /** Hidden width N (the kernel-rescaling action carries 1/N). */
  width: number;
  /** Optional cross kernel C0(X*, X), [m, n], for test predictions. */
  crossKernel?: Mat;
  backend?: ComputeBackend;
  /** Precomputed eigen-system of `kernel` (skips the eigendecomposition). */
  eigen?: KernelEigenSystem;
}

/** Result of {@link kernelRescaling}. */
export interface KernelRescalingResult {
  /** Order parameter Q̄ (multiplier of C0) minimising S(Q̄). */
  kernelScale: number;
  /** S(Q̄) at the minimiser. */
  action: number;
  trainMean: Float64Array;
  /** Mean over training points of (y − f̄)². */
  msd: number;
  testMean?: Float64Array;
  iterations: number;
  /** |∂S/∂Q̄| at the solution. */
  residual: number;
}

/** S(Q̄) = Q̄ − ln Q̄ + (1/N) Σ_k ln(T + Q̄λ_k) + (1/N) yᵀ(T + Q̄C0)⁻¹y. */
export function kernelRescalingAction(es: KernelEigenSystem, noise: number, width: number, scale: number): number {
  const s = sums(es, noise, scale);
  return scale - Math.log(scale) + (s.logdet + s.fit) / width;
}

/** Solves ∂S/∂Q̄ = 0 ⇔ 1/Q̄ = 1 + (1/N)tr(C0A⁻¹) − (1/N)yᵀA⁻¹C0A⁻¹y; the minimising root when several exist. */
export function kernelScaleFromSpectrum(es: KernelEigenSystem, noise: number, width: number): PositiveRoot {
  if (!(noise > 0)) throw new InvalidArgumentError(`noise must be > 0 for kernel rescaling, got ${noise}`);
  const F = (q: number): number => {
    const s = sums(es, noise, q);
    return 1 / q - 1 - s.trace / width + s.quad / width;
  };
  const roots = positiveRoots(F, { lo: 1e-12, hi: 1e12, points: 480 });
  if (roots.length === 0)
    throw new ConvergenceError({
      what: 'kernel-rescaling saddle',
      iterations: 480,
      residual: Math.abs(F(1)),
      tolerance: 1e-12,
      hint: 'no stationary point in Q ∈ [1e-12, 1e12]; check noise > 0 and the data scale',
    });
  let best = roots[0]!;
  for (const r of roots)
    if (kernelRescalingAction(es, noise, width, r.x) < kernelRescalingAction(es, noise, width, best.x)) best = r;
  return { ...best, residual: Math.abs(F(best.x)) };
}

/**
 * Kernel rescaling (Li & Sompolinsky 2021; Pacelli et al. 2023) for a two-layer network: the posterior is a GP with
 * kernel Q̄·C0 where Q̄ minimises the effective action S(Q̄). For nonlinear φ pass the NNGP kernel as C0.
 *
 * *When to use:* the scalar finite-width renormalisation of the NNGP (standard scaling, P/N = O(1)); it equals the
 * one-loop MSA mean predictor of a linear network.
 * *Gotchas:* it cannot represent directional feature learning; the noise must be > 0.
 * @example
 * ```ts
 * const kr = kernelRescaling({ kernel: C0, y, noise: 0.1, width: 100 });
 * kr.kernelScale; // Q̄
 * ```
 */
export function kernelRescaling(options: KernelRescalingOptions): KernelRescalingResult {
  const { kernel, noise, width, crossKernel, backend = referenceBackend } = options;
  const y = Float64Array.from(options.y);
  if (!(width > 0)) throw new InvalidArgumentError(`width must be > 0, got ${width}`);
  const es = options.eigen ?? kernelEigenSystem(kernel, y, backend);
  const root = kernelScaleFromSpectrum(es, noise, width);
  const q = root.x,
    n = y.length;
  const g = new Float64Array(n);
  for (let k = 0; k < n; k++) g[k] = es.yRot[k]! / (noise + q * es.eigvals[k]!);
  const alpha = backend.matmul(es.U, { rows: n, cols: 1, data: g }).data;
  const trainMean = y.map((v, i) => v - noise * alpha[i]!);
  const res: KernelRescalingResult = {
    kernelScale: q,
    action: kernelRescalingAction(es, noise, width, q),
    trainMean,
    msd: meanSquaredDiff(y, trainMean),
    iterations: root.iterations,
    residual: root.residual,
  };
  if (crossKernel) res.testMean = backend.matmul(crossKernel, { rows: n, cols: 1, data: alpha }, { alpha: q }).data.slice();
  return res;
}

/** Result of {@link deepLinearKernelRescaling}. */
export interface DeepLinearRescalingResult {
  /** Per-layer scales u_l. */
  layerScales: number[];
  /** Total kernel scale s = Π_l u_l (the GP kernel is s·C0). */
  kernelScale: number;
  trainMean: Float64Array;
  msd: number;
  iterations: number;
  residual: number;
}

/**
 * Kernel rescaling of a deep linear network (Li–Sompolinsky back-propagating renormalisation): the prior is exactly a
 * Gaussian scale mixture with one Gamma(N_l/2, N_l/2) scale per hidden layer; the saddle point is
 * N_l(1 − u_l) = s[tr(A⁻¹C0) − yᵀA⁻¹C0A⁻¹y], A = T + sC0, s = Π_l u_l, solved as a scalar equation in s.
 *
 * *When to use:* deep linear networks at finite width in standard scaling (α_l = n/N_l = O(1)).
 * *Gotchas:* `kernel` is the infinite-width output kernel C0 = σ_a²Πσ_w² K0; the T → 0 limit needs n ≤ d.
 * @example
 * ```ts
 * const r = deepLinearKernelRescaling({ kernel: C0, y, noise: 0.01, widths: [100, 100] });
 * r.layerScales; r.kernelScale;
 * ```
 */
export function deepLinearKernelRescaling(options: {
  kernel: Mat;
  y: ArrayLike<number>;
  noise: number;
  widths: number[];
  backend?: ComputeBackend;
  eigen?: KernelEigenSystem;
}): DeepLinearRescalingResult {
  const { kernel, noise, widths, backend = referenceBackend } = options;
  const y = Float64Array.from(options.y);
  if (widths.length === 0 || widths.some((w) => !(w > 0)))
    throw new InvalidArgumentError(`widths must be a non-empty list of positive numbers, got [${widths.join(', ')}]`);
  if (!(noise > 0)) throw new InvalidArgumentError(`noise must be > 0, got ${noise}`);
  const es = options.eigen ?? kernelEigenSystem(kernel, y, backend);
  const R = (s: number): number => {
    const t = sums(es, noise, s);
    return s * (t.trace - t.quad);
  };
  const F = (s: number): number => {
    const r = R(s);
    let prod = 1;
    for (const N of widths) prod *= 1 - r / N;
    return Math.log(s) - (prod > 0 ? Math.log(prod) : -1e300);
  };
  const logPost = (s: number): number => {
    const r = R(s);
    let v = 0;
    for (const N of widths) {
      const u = 1 - r / N;
      if (!(u > 0)) return -Infinity;
      v += 0.5 * N * (Math.log(u) - u);
    }
    const t = sums(es, noise, s);
    return v - 0.5 * (t.logdet + t.fit);
  };
  const roots = positiveRoots(F, { lo: 1e-12, hi: 1e12, points: 480 }).filter((r) => Number.isFinite(logPost(r.x)));
  if (roots.length === 0)
    throw new ConvergenceError({
      what: 'deep linear kernel rescaling',
      iterations: 480,
      residual: NaN,
      tolerance: 1e-12,
      detail: 'no admissible root',
      hint: 'no admissible saddle (all u_l > 0); increase the widths or the noise',
    });
  let best = roots[0]!;
  for (const r of roots) if (logPost(r.x) > logPost(best.x)) best = r;
  const s = best.x,
    r = R(s),
    n = y.length;
  const g = new Float64Array(n);
  for (let k = 0; k < n; k++) g[k] = es.yRot[k]! / (noise + s * es.eigvals[k]!);
  const alpha = backend.matmul(es.U, { rows: n, cols: 1, data: g }).data;
  const trainMean = y.map((v, i) => v - noise * alpha[i]!);
  return {
    layerScales: widths.map((N) => 1 - r / N),
    kernelScale: s,
    trainMean,
    msd: meanSquaredDiff(y, trainMean),
    iterations: best.iterations,
    residual: Math.abs(F(s)),
  };
}
