import { type ComputeBackend, ConvergenceError, InvalidArgumentError, type Mat, eye, referenceBackend } from '@sftdl/compute';
import { type Key, normal } from '@sftdl/field';
import { type WeightVariance, fcKernel } from '@sftdl/kernels';
import { choleskyWithJitter } from './regression';

/** Result of {@link lbfgsMinimize}. */
export interface LbfgsResult {
  x: Float64Array;
  value: number;
  gradNorm: number;
  iterations: number;
  converged: boolean;
}

/**
 * Limited-memory BFGS with an Armijo backtracking line search (curvature pairs kept only when sᵀy > 0).
 * Stops when ‖∇f‖∞ ≤ gtol or the relative decrease falls below ftol.
 */
export function lbfgsMinimize(
  fg: (x: Float64Array) => { value: number; grad: Float64Array },
  x0: ArrayLike<number>,
  { memory = 8, gtol = 1e-6, ftol = 1e-13, maxIterations = 200 } = {},
): LbfgsResult {
  let x = Float64Array.from(x0);
  const n = x.length;
  let cur = fg(x);
  const S: Float64Array[] = [],
    Y: Float64Array[] = [];
  const inf = (g: Float64Array): number => Math.max(0, ...Array.from(g, Math.abs));
  let it = 0;
  while (it < maxIterations && inf(cur.grad) > gtol) {
    it++;
    // two-loop recursion
    const q = cur.grad.slice();
    const alpha: number[] = [];
    for (let i = S.length - 1; i >= 0; i--) {
      const rho = 1 / dotp(Y[i]!, S[i]!);
      const a = rho * dotp(S[i]!, q);
      alpha[i] = a;
      for (let j = 0; j < n; j++) q[j]! -= a * Y[i]![j]!;
    }
    const gamma = S.length ? dotp(S.at(-1)!, Y.at(-1)!) / dotp(Y.at(-1)!, Y.at(-1)!) : 1 / Math.max(1, inf(cur.grad));
    for (let j = 0; j < n; j++) q[j]! *= gamma;
    for (let i = 0; i < S.length; i++) {
      const rho = 1 / dotp(Y[i]!, S[i]!);
      const b = rho * dotp(Y[i]!, q);
      for (let j = 0; j < n; j++) q[j]! += S[i]![j]! * (alpha[i]! - b);
    }
    let slope = -dotp(cur.grad, q);
    if (!(slope < 0)) {
      for (let j = 0; j < n; j++) q[j] = cur.grad[j]!;
      slope = -dotp(cur.grad, q);
      S.length = 0;
      Y.length = 0;
    }
    let t = 1,
      next: { value: number; grad: Float64Array } | undefined,
      xn = x;
    for (let ls = 0; ls < 40; ls++) {
      xn = x.map((v, j) => v - t * q[j]!);
      try {
        next = fg(xn);
      } catch {
        next = undefined;
      }
      if (next && Number.isFinite(next.value) && next.value <= cur.value + 1e-4 * t * slope) break;
      next = undefined;
      t /= 2;
    }
    if (!next) break;
    const s = xn.map((v, j) => v - x[j]!),
      yv = next.grad.map((v, j) => v - cur.grad[j]!);
    if (dotp(s, yv) > 1e-12 * Math.sqrt(dotp(s, s) * dotp(yv, yv))) {
      S.push(s);
      Y.push(yv);
      if (S.length > memory) {
        S.shift();
        Y.shift();
      }
    }
    const df = cur.value - next.value;
    x = xn;
    cur = next;
    if (df <= ftol * Math.max(1, Math.abs(cur.value))) break;
  }
  const gradNorm = inf(cur.grad);
  return { x, value: cur.value, gradNorm, iterations: it, converged: gradNorm <= gtol || it < maxIterations };
}

function dotp(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A positive hyper-parameter optimised in log space. */
export interface HyperParameter {
  name: string;
  /** Initial value (> 0). */
  init: number;
  /** Bounds (> 0); the optimiser works on log θ clipped to [log lower, log upper]. */
  lower?: number;
  upper?: number;
}

/** Options of {@link fitGpHyperparameters}. */
export interface GpFitOptions {
  /** Kernel hyper-parameters (the noise is separate). */
  params: HyperParameter[];
  /** Builds K(X, X) for the given parameter values. */
  kernel: (p: Record<string, number>) => Mat;
  y: ArrayLike<number>;
  /** Initial noise σ² (optimised too unless `fixNoise`). */
  sigma2: number;
  fixNoise?: boolean;
  /** Random restarts around the initial point (log-normal perturbations, std 1), default 3. */
  restarts?: number;
  /** Random key of the restart perturbations (required: all randomness is explicit). */
  key: Key;
  backend?: ComputeBackend;
  /** Gradient tolerance on ∂(−ln p)/∂ log θ (default 1e-6). */
  gtol?: number;
  maxIterations?: number;
}

/** Result of {@link fitGpHyperparameters}. */
export interface GpFitResult {
  params: Record<string, number>;
  sigma2: number;
  logMarginalLikelihood: number;
  iterations: number;
  gradNorm: number;
  /** Per start: final ln p(y) and convergence. */
  starts: { logMarginalLikelihood: number; iterations: number; converged: boolean }[];
}

/**
 * Maximum-marginal-likelihood fit of kernel hyper-parameters and the noise by L-BFGS on log-parameters, with random
 * restarts. Gradient: ∂ ln p/∂θ = ½ tr((ααᵀ − A⁻¹) ∂K/∂θ), with ∂K/∂ log θ by central differences of the kernel
 * (step 1e-5) and the exact noise derivative.
 *
 * *When to use:* NNGP/NTK hyper-parameter selection (σ_w², σ_b², noise).
 * *Gotchas:* O(n³) per evaluation; restarts are seeded by `key`; bounds are enforced by clipping in log space.
 * @example
 * ```ts
 * const fit = fitGpHyperparameters({ params: [{ name: 'a', init: 1 }], kernel: (p) => scaled(K, p.a), y, sigma2: 0.1, key: key(0) });
 * ```
 */
export function fitGpHyperparameters(options: GpFitOptions): GpFitResult {
  const {
    params,
    kernel,
    sigma2,
    fixNoise = false,
    restarts = 3,
    backend = referenceBackend,
    gtol = 1e-6,
    maxIterations = 200,
  } = options;
  const y = Float64Array.from(options.y);
  const n = y.length;
  for (const p of params)
    if (!(p.init > 0)) throw new InvalidArgumentError(`hyper-parameter ${p.name} needs init > 0, got ${p.init}`);
  if (!(sigma2 > 0)) throw new InvalidArgumentError(`sigma2 must be > 0 to be fitted in log space, got ${sigma2}`);
  const k = params.length + (fixNoise ? 0 : 1);
  const lo = [...params.map((p) => Math.log(p.lower ?? 1e-8)), ...(fixNoise ? [] : [Math.log(1e-10)])];
  const hi = [...params.map((p) => Math.log(p.upper ?? 1e8)), ...(fixNoise ? [] : [Math.log(1e8)])];
  const clip = (u: Float64Array): Float64Array => u.map((v, i) => Math.min(hi[i]!, Math.max(lo[i]!, v)));
  const unpack = (u: Float64Array) => {
    const p: Record<string, number> = {};
    params.forEach((h, i) => {
      p[h.name] = Math.exp(u[i]!);
    });
    return { p, s2: fixNoise ? sigma2 : Math.exp(u[params.length]!) };
  };
  const h = 1e-5;
  const fg = (u0: Float64Array) => {
    const u = clip(u0);
    const { p, s2 } = unpack(u);
    const K = kernel(p);
    const { factor: L } = choleskyWithJitter(K, s2, { backend });
    const alpha = backend.choleskySolve(L, { rows: n, cols: 1, data: y }).data;
    const Ainv = backend.choleskySolve(L, eye(n)).data;
    const value = 0.5 * dotp(y, alpha) + 0.5 * backend.choleskyLogDet(L) + 0.5 * n * Math.log(2 * Math.PI);
    const grad = new Float64Array(k);
    // W = ααᵀ − A⁻¹; ∂(−ln p)/∂θ = −½ tr(W ∂K/∂θ)
    const trW = (dK: Float64Array): number => {
      let s = 0;
      for (let i = 0; i < n * n; i++) s += (alpha[Math.floor(i / n)]! * alpha[i % n]! - Ainv[i]!) * dK[i]!;
      return s;
    };
    params.forEach((hp, i) => {
      const up = { ...p, [hp.name]: p[hp.name]! * Math.exp(h) },
        dn = { ...p, [hp.name]: p[hp.name]! * Math.exp(-h) };
      const Kp = kernel(up).data,
        Km = kernel(dn).data;
      const dK = new Float64Array(n * n);
      for (let j = 0; j < n * n; j++) dK[j] = (Kp[j]! - Km[j]!) / (2 * h);
      grad[i] = -0.5 * trW(dK);
    });
    if (!fixNoise) {
      let tr = 0,
        aa = 0;
      for (let i = 0; i < n; i++) {
        tr += Ainv[i * n + i]!;
        aa += alpha[i]! ** 2;
      }
      grad[params.length] = -0.5 * s2 * (aa - tr);
    }
    // projected gradient at active bounds
    for (let i = 0; i < k; i++) if ((u0[i]! <= lo[i]! && grad[i]! > 0) || (u0[i]! >= hi[i]! && grad[i]! < 0)) grad[i] = 0;
    return { value, grad };
  };
  const u0 = Float64Array.from([...params.map((p) => Math.log(p.init)), ...(fixNoise ? [] : [Math.log(sigma2)])]);
  const z = normal(options.key, Math.max(1, restarts) * k);
  const starts: GpFitResult['starts'] = [];
  let best: LbfgsResult | undefined;
  for (let r = 0; r <= restarts; r++) {
    const start = r === 0 ? u0 : clip(u0.map((v, i) => v + z[(r - 1) * k + i]!));
    let res: LbfgsResult;
    try {
      res = lbfgsMinimize(fg, start, { gtol, maxIterations });
    } catch {
      continue;
    }
    starts.push({ logMarginalLikelihood: -res.value, iterations: res.iterations, converged: res.converged });
    if (!best || res.value < best.value) best = res;
  }
  if (!best)
    throw new ConvergenceError({
      what: 'GP hyper-parameter fit',
      iterations: 0,
      residual: NaN,
      tolerance: gtol,
      detail: 'no start could be evaluated',
      hint: 'every start failed to factorise K + σ²I; start from a larger sigma2',
    });
  if (!best.converged)
    throw new ConvergenceError({
      what: 'GP hyper-parameter fit (L-BFGS)',
      iterations: best.iterations,
      residual: best.gradNorm,
      tolerance: gtol,
    });
  const { p, s2 } = unpack(clip(best.x));
  return {
    params: p,
    sigma2: s2,
    logMarginalLikelihood: -best.value,
    iterations: best.iterations,
    gradNorm: best.gradNorm,
    starts,
  };
}

/** Options of {@link fitNngpHyperparameters}. The initial σ_w² is `sigmaW2` (or the deprecated `weightVar`). */
export type NngpFitOptions = NngpFitBaseOptions & WeightVariance;

/** Options of {@link fitNngpHyperparameters} other than the initial σ_w². */
export interface NngpFitBaseOptions {
  /** Training inputs [n, d]. */
  x: Mat;
  y: ArrayLike<number>;
  activation: string;
  depth: number;
  /** Initial σ_b² and noise σ². */
  biasVar: number;
  sigma2: number;
  /** Keep σ_b² fixed (e.g. at 0). */
  fixBias?: boolean;
  fixNoise?: boolean;
  restarts?: number;
  /** Random key of the restart perturbations (required). */
  key: Key;
  backend?: ComputeBackend;
}

/**
 * Fits (σ_w², σ_b², σ²) of a deep fully connected NNGP (`@sftdl/kernels`' `fcKernel`) by maximising the GP marginal
 * likelihood (L-BFGS on log-parameters, restarts).
 *
 * *When to use:* choosing NNGP hyper-parameters from data (what neural-tangents users do by hand).
 * *Gotchas:* σ_b² = 0 cannot be fitted in log space: pass `fixBias: true` to keep it at 0. The fitted σ_w² is
 * `params.sigmaW2` (also under its deprecated name `params.weightVar`).
 * @example
 * ```ts
 * const fit = fitNngpHyperparameters({ x, y, activation: 'relu', depth: 2, sigmaW2: 1, biasVar: 0.1, sigma2: 0.1, key: key(0) });
 * fit.params.sigmaW2; fit.sigma2;
 * ```
 */
export function fitNngpHyperparameters(options: NngpFitOptions): GpFitResult {
  const { x, activation, depth, backend = referenceBackend, fixBias = false } = options;
  const names = options as { sigmaW2?: number; weightVar?: number }; // JavaScript callers may give both
  const sigmaW2 = names.sigmaW2 ?? names.weightVar;
  if (names.sigmaW2 !== undefined && names.weightVar !== undefined && names.sigmaW2 !== names.weightVar)
    throw new InvalidArgumentError(
      `sigmaW2 = ${names.sigmaW2} and weightVar = ${names.weightVar} disagree; give only sigmaW2 (weightVar is its deprecated name)`,
    );
  if (sigmaW2 === undefined)
    throw new InvalidArgumentError('sigmaW2 (the initial weight variance σ_w²) is required, e.g. sigmaW2: 2 for ReLU');
  const params: HyperParameter[] = [{ name: 'sigmaW2', init: sigmaW2, lower: 1e-4, upper: 1e3 }];
  if (!fixBias) params.push({ name: 'biasVar', init: options.biasVar, lower: 1e-8, upper: 1e3 });
  const kernel = (p: Record<string, number>): Mat =>
    fcKernel(x, undefined, {
      activation,
      depth,
      sigmaW2: p.sigmaW2!,
      biasVar: fixBias ? options.biasVar : p.biasVar!,
      get: ['nngp'],
      backend,
    }).nngp!;
  const fit = fitGpHyperparameters({
    params,
    kernel,
    y: options.y,
    sigma2: options.sigma2,
    backend,
    ...(options.fixNoise !== undefined ? { fixNoise: options.fixNoise } : {}),
    ...(options.restarts !== undefined ? { restarts: options.restarts } : {}),
    key: options.key,
  });
  // the deprecated spelling of the fitted σ_w², for one minor version
  return { ...fit, params: { ...fit.params, weightVar: fit.params.sigmaW2! } };
}
