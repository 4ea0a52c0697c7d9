/**
 * General adaptive-kernel (AK) mean-field solver for a two-layer network f(x) = Σ_i a_i φ(w_i·x) on finite data
 * (Seroussi, Naveh & Ringel 2023; docs/theory/grokking.md §2, docs/theory/field-theory.md §6):
 *
 *   S[w] = d|w|²/(2σ_w²) − (σ_a²/(2N)) Σ_{μν} t̄_μᵀ t̄_ν φ(w·x_μ) φ(w·x_ν),
 *   Q = σ_a² ⟨φ(Xw) φ(Xw)ᵀ⟩_{p(w) ∝ e^{−S}},   t̄ = (Q + σ² I)⁻¹ y,   f̄ = Q t̄.
 *
 * σ_a² is the TOTAL readout scale (per-weight variance σ_a²/N). Expectations under p(w) are computed by
 * self-normalised importance sampling over a fixed set of prior draws w_m ~ N(0, σ_w²/d · I): the tilt
 * e^{(σ_a²/2N) Σ_out (t̄_outᵀ φ(X w_m))²} is an exact reweighting of the prior, and keeping the draws fixed makes
 * the damped, annealed fixed-point iteration deterministic (common random numbers), so it converges tightly to the
 * solution of the equations *for that sample set*; the Monte-Carlo error is controlled by `samples` and reported
 * through the effective sample size.
 *
 * The same function also solves the kernel-saddle form of the theory (`method: 'kernel-saddle'`, `saddle.ts`), whose
 * tilt adds the fluctuation term s·(C + κ_n)⁻¹: one solver, one problem type, one result type.
 */
import { ConvergenceError, InvalidArgumentError, ShapeError, assertFinite, mat, referenceBackend } from '@sftdl/compute';
import type { ComputeBackend, Mat } from '@sftdl/compute';
import { fold, normal, normalMat, split, uniform } from '@sftdl/field';
import type { Key } from '@sftdl/field';
import { ACTIVATION_NAMES, type ActivationName, activationDerivative, activationFunction } from '@sftdl/compute';
import { msaSetup } from '../msa/problem';
import type { MsaActivation } from '../msa/sampling';
import { kernelSaddle } from './saddle';

/** Built-in activations (or pass a scalar function; `kernel-saddle` takes 'linear' | 'erf' | 'relu'). */
export type AdaptiveActivation = 'erf' | 'tanh' | 'relu' | 'linear' | 'square' | ((z: number) => number);

/** The finite-data problem. */
export interface AdaptiveKernelProblem {
  /** Inputs, shape [n, d], one sample per row. */
  x: Mat;
  /** Targets, length n·k, row-major [n, k] (k = `outputs`; a single output is just the n targets). */
  y: ArrayLike<number>;
  /** Number of outputs k (default 1). */
  outputs?: number;
  /** σ_w² (per-component prior variance σ_w²/d). */
  sigmaW2: number;
  /** σ_a², total readout scale (before the 1/χ). */
  sigmaA2: number;
  /** N, width. */
  width: number;
  /** σ², GP noise (before the 1/χ). */
  sigma2: number;
  /**
   * Scaling parameter χ ∈ [1, N] (default 1 = standard scaling, N = mean-field): the readout prior is σ_a²/(χN) per
   * weight and the noise σ²/χ, the convention of the MSA solvers (`MsaInput`).
   */
  chi?: number;
  /** Activation φ (default 'erf'). */
  activation?: AdaptiveActivation;
}

/** Options of {@link solveAdaptiveKernel}. */
export interface AdaptiveKernelOptions {
  /** Random key for the prior draws / chains / importance samples (required: all randomness is explicit). */
  key: Key;
  /**
   * How the equations are solved. `importance` (default): self-normalised importance weights on a fixed set of prior
   * draws (deterministic iteration, tight convergence; needs p(w) not too far from the prior). `mala`: persistent
   * Metropolis-adjusted Langevin chains on S[w] (works deep in a GMFL phase; the iteration then converges only to
   * the Monte-Carlo noise level, and the kernel is averaged over the second half of the iterations).
   * `kernel-saddle`: the tilt with the fluctuation term s·(C + κ_n)⁻¹ (`varianceSign`), closed Gaussian form for
   * linear φ, importance sampling from the MSA tree-level Σ_v for erf/ReLU, Anderson-accelerated (one output).
   */
  method?: 'importance' | 'mala' | 'kernel-saddle';
  /**
   * `kernel-saddle`: sign s of the variance term in the tilt exponent (σ²/(2N)) φᵀ[ττᵀ + s·(C + κ_n)⁻¹]φ: −1
   * (default, the form of docs/theory/multi-scale-adaptive.md §8, from the fluctuation determinant), +1 (as in some
   * public adaptive-GP codes) or 0 (no variance term: the equations of the other two methods).
   */
  varianceSign?: -1 | 0 | 1;
  /** MALA: number of chains (default 64), steps per outer iteration (default 40), thinning (default 4). */
  chains?: number;
  stepsPerIteration?: number;
  thin?: number;
  /** MALA: initial step size τ (adapted towards 60% acceptance during the first iterations; default 0.05·σ_w²/d). */
  stepSize?: number;
  /** MALA: outer iterations (default 30). */
  iterations?: number;
  /** Compute backend (default the float64 reference backend). */
  backend?: ComputeBackend;
  /** Number of prior draws M (default 4000; `kernel-saddle`: importance samples, default 40 000). */
  samples?: number;
  /** Damping η of t̄ ← (1 − η) t̄ + η t̄_new (default 0.5; `kernel-saddle` halves it on divergence). */
  damping?: number;
  /** Annealing: the tilt is scaled by min(1, (it + 1)/annealSteps) during the first iterations (default 5). */
  annealSteps?: number;
  /** Iteration cap (default 500; `kernel-saddle`: 2000). */
  maxIterations?: number;
  /**
   * Stopping tolerance: the relative change of t̄ (default 1e-8), or for `kernel-saddle` the residual
   * max|κ_n(τ_new − τ)| relative to max(1, max|y|) (default 1e-11).
   */
  tolerance?: number;
  /** Minimum effective sample size of the importance weights (default 50); below it a ConvergenceError is thrown. */
  minEffectiveSamples?: number;
  /** Optional test inputs [n*, d] for predictions. */
  xTest?: Mat;
  /** Direction used for the multi-modality diagnostic (default: leading eigenvector of the weight covariance). */
  direction?: Float64Array;
}

/** Result of {@link solveAdaptiveKernel}. Vectors over data points are row-major [n, k] (k = outputs). */
export interface AdaptiveKernelResult {
  /** Learned (adaptive) kernel Q on the training inputs, [n, n]. */
  kernel: Mat;
  /** τ = t̄ = (Q + σ²I)⁻¹ y, [n, k]. */
  tau: Float64Array;
  /** f̄ = Q t̄ on the training inputs, [n, k]. */
  trainMean: Float64Array;
  /** Mean squared training discrepancy mean((y − f̄)²). */
  msd: number;
  /** f̄ on `xTest` when given, [n*, k]. */
  testMean?: Float64Array;
  /** Read-in weight covariance ⟨w wᵀ⟩ under p(w), [d, d]. */
  weightCov: Mat;
  /** ⟨w⟩ (zero by symmetry for odd φ; reported as a check). `importance` and `mala` only. */
  weightMean?: Float64Array;
  /** Effective sample size of the importance weights at the solution (the number of retained draws for MALA). */
  effectiveSamples?: number;
  /** Multi-modality of the projection of p(w) on `direction`: mode positions of a weighted KDE. `importance` and `mala` only. */
  multimodality?: { direction: Float64Array; modes: number[]; multimodal: boolean };
  iterations: number;
  residual: number;
}

function checkActivation(a: AdaptiveActivation | undefined): ActivationName {
  const name = a ?? 'erf';
  if (typeof name !== 'string' || !ACTIVATION_NAMES.includes(name as ActivationName)) {
    throw new InvalidArgumentError(
      `adaptive kernel: unknown activation '${String(a)}'; use erf|tanh|relu|linear|square or a function`,
    );
  }
  return name as ActivationName;
}

function activationDerivativeOf(a: AdaptiveActivation | undefined): (z: number) => number {
  if (typeof a === 'function') return (z) => (a(z + 1e-6) - a(z - 1e-6)) / 2e-6;
  return activationDerivative(checkActivation(a));
}

function activationFn(a: AdaptiveActivation | undefined): (z: number) => number {
  if (typeof a === 'function') return a;
  return activationFunction(checkActivation(a));
}

/** The problem in the χ = 1 form the importance and MALA methods work on (σ_a²/χ, σ²/χ folded in; y as [n, k]). */
interface ScaledProblem {
  x: Mat;
  y: Mat;
  /** Rows n, input dimension d and outputs k. */
  n: number;
  d: number;
  k: number;
  sigmaW2: number;
  sigmaA2: number;
  width: number;
  sigma2: number;
  activation?: AdaptiveActivation;
}

/** The importance / MALA solution in matrix form (mapped to {@link AdaptiveKernelResult} by the caller). */
interface RawResult {
  kernel: Mat;
  tBar: Mat;
  predictions: Mat;
  testPredictions?: Mat;
  weightCovariance: Mat;
  weightMean: Float64Array;
  effectiveSamples: number;
  multimodality: { direction: Float64Array; modes: number[]; multimodal: boolean };
  iterations: number;
  residual: number;
}

const SADDLE_ACTIVATIONS: readonly MsaActivation[] = ['linear', 'erf', 'relu'];

/**
 * Solves the adaptive-kernel mean-field equations of a two-layer network on finite data (one solver for every form
 * of the theory; `method` picks how p(w) is integrated).
 *
 * *When to use*: feature learning of a wide two-layer network on a concrete dataset, e.g. to check the reduced
 * (population) theories of the grokking paper, for multi-output targets, or (`kernel-saddle`) to compare with MSA:
 * it equals MSA tree level in mean-field scaling and stays at tree-level accuracy in standard scaling (it misses the
 * O(P/N) trace term).
 * *Gotchas*: importance sampling from the prior fails when p(w) concentrates far from the prior bulk (large d deep
 * in a GMFL phase) — the effective sample size collapses and a ConvergenceError says so; increase `samples`, use
 * smaller d or `method: 'mala'`. Cost per iteration O(n² M). The sign of the variance term of `kernel-saddle`
 * differs between implementations (`varianceSign`).
 * @example
 * const r = solveAdaptiveKernel({ x, y, sigmaW2: 0.5, sigmaA2: 0.01, width: 100, sigma2: 0.1 }, { key: key(0) });
 * r.trainMean // f̄ on the training inputs
 */
export function solveAdaptiveKernel(problem: AdaptiveKernelProblem, options: AdaptiveKernelOptions): AdaptiveKernelResult {
  const { x, sigmaW2, sigmaA2, width, sigma2 } = problem;
  const chi = problem.chi ?? 1;
  const k = problem.outputs ?? 1;
  const n = x.rows;
  if (!(Number.isInteger(k) && k >= 1))
    throw new InvalidArgumentError(`adaptive kernel: outputs must be an integer ≥ 1, got ${k}`);
  if (problem.y.length !== n * k)
    throw new ShapeError(
      `adaptive kernel: y has ${problem.y.length} values but x has ${n} rows and outputs = ${k}; give n·k targets, row-major`,
    );
  const y = mat(n, k, Float64Array.from(problem.y));
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  for (const [name, v] of [
    ['sigmaW2', sigmaW2],
    ['sigmaA2', sigmaA2],
    ['width', width],
    ['sigma2', sigma2],
    ['chi', chi],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0))
      throw new InvalidArgumentError(`adaptive kernel: ${name} must be a finite number > 0, got ${v}`);
  }
  const backend = options.backend ?? referenceBackend;
  if (options.method === 'kernel-saddle') return viaKernelSaddle(problem, y, chi, options, backend);
  const scaled: ScaledProblem = {
    x,
    y,
    n,
    d: x.cols,
    k,
    sigmaW2,
    sigmaA2: sigmaA2 / chi,
    width,
    sigma2: sigma2 / chi,
    ...(problem.activation !== undefined ? { activation: problem.activation } : {}),
  };
  const phi = activationFn(problem.activation);
  const raw =
    options.method === 'mala'
      ? solveMala(scaled, options, phi, activationDerivativeOf(problem.activation), backend)
      : solveImportance(scaled, options, phi, backend);
  const trainMean = raw.predictions.data;
  let sq = 0;
  for (let i = 0; i < n * k; i++) sq += (y.data[i]! - trainMean[i]!) ** 2;
  const out: AdaptiveKernelResult = {
    kernel: raw.kernel,
    tau: raw.tBar.data,
    trainMean,
    msd: sq / (n * k),
    weightCov: raw.weightCovariance,
    weightMean: raw.weightMean,
    effectiveSamples: raw.effectiveSamples,
    multimodality: raw.multimodality,
    iterations: raw.iterations,
    residual: raw.residual,
  };
  if (raw.testPredictions) out.testMean = raw.testPredictions.data;
  return out;
}

/** The `kernel-saddle` method on the MSA set-up of the problem. */
function viaKernelSaddle(
  problem: AdaptiveKernelProblem,
  y: Mat,
  chi: number,
  options: AdaptiveKernelOptions,
  backend: ComputeBackend,
): AdaptiveKernelResult {
  const activation = problem.activation ?? 'erf';
  if (typeof activation !== 'string' || !SADDLE_ACTIVATIONS.includes(activation as MsaActivation)) {
    throw new InvalidArgumentError(
      `adaptive kernel (kernel-saddle): activation must be one of ${SADDLE_ACTIVATIONS.join('|')}, got '${String(activation)}'`,
    );
  }
  if (y.cols !== 1) throw new ShapeError(`adaptive kernel (kernel-saddle): one output only, got outputs = ${y.cols}`);
  const setup = msaSetup({
    x: problem.x,
    y: y.data,
    width: problem.width,
    chi,
    sigmaW2: problem.sigmaW2,
    sigmaA2: problem.sigmaA2,
    sigma2: problem.sigma2,
    backend,
    ...(options.xTest ? { xTest: options.xTest } : {}),
  });
  const r = kernelSaddle(setup, {
    activation: activation as MsaActivation,
    varianceSign: options.varianceSign ?? -1,
    damping: options.damping ?? 0.5,
    tol: options.tolerance ?? 1e-11,
    maxIterations: options.maxIterations ?? 2000,
    samples: options.samples ?? 40000,
    key: options.key,
  });
  const out: AdaptiveKernelResult = {
    kernel: r.kernel,
    tau: r.tau,
    trainMean: r.trainMean,
    msd: r.msd,
    weightCov: r.weightCov,
    iterations: r.iterations,
    residual: r.residual,
  };
  if (r.testMean) out.testMean = r.testMean;
  if (r.effectiveSamples !== undefined) out.effectiveSamples = r.effectiveSamples;
  return out;
}

/** The `importance` method (see the module comment). */
function solveImportance(
  problem: ScaledProblem,
  options: AdaptiveKernelOptions,
  phi: (z: number) => number,
  backend: ComputeBackend,
): RawResult {
  const { x, y, n, d, k, sigmaW2, sigmaA2, width, sigma2 } = problem;
  const M = options.samples ?? 4000;
  const eta = options.damping ?? 0.5;
  const annealSteps = options.annealSteps ?? 5;
  const maxIt = options.maxIterations ?? 500;
  const tol = options.tolerance ?? 1e-8;
  const minEss = options.minEffectiveSamples ?? 50;
  // Prior draws W (M × d) and features Φ (n × M), fixed for the whole iteration.
  const W = normalMat(options.key, M, d, Math.sqrt(sigmaW2 / d));
  const pre = backend.matmul(x, W, { transB: true });
  const Phi = new Float64Array(n * M);
  for (let i = 0; i < n * M; i++) Phi[i] = phi(pre.data[i]!);
  const PhiMat = mat(n, M, Phi);
  const tilt = new Float64Array(M);
  const omega = new Float64Array(M);
  const weights = (tb: Mat, scale: number): number => {
    // tilt_m = (σ_a²/(2N)) Σ_out (t̄_outᵀ φ_m)²
    const proj = backend.matmul(tb, PhiMat, { transA: true }); // k × M
    let tmax = -Infinity;
    for (let m = 0; m < M; m++) {
      let s = 0;
      for (let o = 0; o < k; o++) {
        const v = proj.data[o * M + m]!;
        s += v * v;
      }
      tilt[m] = (scale * sigmaA2 * s) / (2 * width);
      if (tilt[m]! > tmax) tmax = tilt[m]!;
    }
    let z = 0;
    for (let m = 0; m < M; m++) {
      omega[m] = Math.exp(tilt[m]! - tmax);
      z += omega[m]!;
    }
    let z2 = 0;
    for (let m = 0; m < M; m++) {
      omega[m]! /= z;
      z2 += omega[m]! * omega[m]!;
    }
    return 1 / z2;
  };
  const kernelOf = (): Mat => {
    const Psi = new Float64Array(n * M);
    for (let i = 0; i < n; i++) for (let m = 0; m < M; m++) Psi[i * M + m] = Phi[i * M + m]! * Math.sqrt(omega[m]!);
    return backend.gram(mat(n, M, Psi), { alpha: sigmaA2 });
  };
  const solveT = (Q: Mat): Mat => solveLinear(backend, Q, y, sigma2);
  let tBar = mat(n, k, new Float64Array(n * k));
  let Q = mat(n, n);
  let ess = M;
  let residual = Infinity;
  let it = 0;
  for (; it < maxIt; it++) {
    const scale = Math.min(1, (it + 1) / annealSteps);
    ess = weights(tBar, scale);
    Q = kernelOf();
    const tNew = solveT(Q);
    let num = 0;
    let den = 0;
    const next = new Float64Array(n * k);
    for (let i = 0; i < n * k; i++) {
      next[i] = (1 - eta) * tBar.data[i]! + eta * tNew.data[i]!;
      num += (tNew.data[i]! - tBar.data[i]!) ** 2;
      den += tNew.data[i]! ** 2;
    }
    residual = Math.sqrt(num / Math.max(den, 1e-300));
    tBar = mat(n, k, next);
    if (scale === 1 && residual < tol) {
      it++;
      break;
    }
  }
  if (!(residual < tol))
    throw new ConvergenceError({
      what: 'adaptive-kernel fixed point',
      iterations: it,
      residual,
      tolerance: tol,
      hint: 'increase maxIterations or lower damping (near a first-order transition the iteration can oscillate)',
    });
  // Final consistent quantities at the converged t̄.
  ess = weights(tBar, 1);
  if (!(ess >= minEss)) {
    throw new ConvergenceError({
      what: 'adaptive-kernel importance sampling',
      iterations: it,
      residual: ess,
      tolerance: minEss,
      detail: `effective sample size ${ess.toFixed(1)} < required ${minEss} (minEss)`,
      hint: 'p(w) is far from the prior; increase samples, lower the input dimension, or move away from the deep GMFL phase',
    });
  }
  Q = kernelOf();
  tBar = solveT(Q);
  const predictions = backend.matmul(Q, tBar);
  let testPredictions: Mat | undefined;
  if (options.xTest) {
    if (options.xTest.cols !== d)
      throw new ShapeError(`adaptive kernel: xTest has ${options.xTest.cols} columns, expected d = ${d}`);
    const preT = backend.matmul(options.xTest, W, { transB: true });
    const proj = backend.matmul(tBar, PhiMat, { transA: true }); // k × M
    const nt = options.xTest.rows;
    const out = new Float64Array(nt * k);
    for (let i = 0; i < nt; i++)
      for (let m = 0; m < M; m++) {
        const v = sigmaA2 * omega[m]! * phi(preT.data[i * M + m]!);
        for (let o = 0; o < k; o++) out[i * k + o]! += v * proj.data[o * M + m]!;
      }
    testPredictions = mat(nt, k, out);
  }
  const cov = new Float64Array(d * d);
  const mean = new Float64Array(d);
  for (let m = 0; m < M; m++) {
    const om = omega[m]!;
    for (let a = 0; a < d; a++) {
      const wa = W.data[m * d + a]!;
      mean[a]! += om * wa;
      for (let b = 0; b < d; b++) cov[a * d + b]! += om * wa * W.data[m * d + b]!;
    }
  }
  const weightCovariance = mat(d, d, cov);
  const multimodality = multimodalityOf(backend, W.data, omega, weightCovariance, options.direction);
  return {
    kernel: Q,
    tBar,
    predictions,
    ...(testPredictions ? { testPredictions } : {}),
    weightCovariance,
    weightMean: mean,
    effectiveSamples: ess,
    multimodality,
    iterations: it,
    residual,
  };
}

/** Modes of a weighted Gaussian KDE (Silverman bandwidth) that hold at least 2% of the mass each. */
function weightedModes(v: Float64Array, w: Float64Array): number[] {
  let mu = 0;
  for (let i = 0; i < v.length; i++) mu += w[i]! * v[i]!;
  let varr = 0;
  for (let i = 0; i < v.length; i++) varr += w[i]! * (v[i]! - mu) ** 2;
  let ess = 0;
  for (let i = 0; i < w.length; i++) ess += w[i]! * w[i]!;
  ess = 1 / ess;
  const sd = Math.sqrt(varr);
  if (!(sd > 0)) return [mu];
  const h = 0.9 * sd * ess ** -0.2;
  const G = 256;
  const lo = mu - 4 * sd;
  const hi = mu + 4 * sd;
  const dens = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    const xg = lo + ((hi - lo) * g) / (G - 1);
    let s = 0;
    for (let i = 0; i < v.length; i++) {
      const z = (xg - v[i]!) / h;
      s += w[i]! * Math.exp(-0.5 * z * z);
    }
    dens[g] = s;
  }
  const total = dens.reduce((a, b) => a + b, 0);
  const modes: number[] = [];
  for (let g = 1; g < G - 1; g++) {
    if (dens[g]! > dens[g - 1]! && dens[g]! >= dens[g + 1]!) {
      // mass of the basin between the neighbouring minima
      let l = g;
      while (l > 0 && dens[l - 1]! <= dens[l]!) l--;
      let r = g;
      while (r < G - 1 && dens[r + 1]! <= dens[r]!) r++;
      let m = 0;
      for (let j = l; j <= r; j++) m += dens[j]!;
      if (m / total >= 0.02) modes.push(lo + ((hi - lo) * g) / (G - 1));
    }
  }
  return modes;
}

/**
 * The multi-modality diagnostic: the draws (rows of `draws`, [m, d]) projected on `direction` (default: the leading
 * eigenvector of `cov`), and the modes of their weighted KDE.
 */
function multimodalityOf(
  backend: ComputeBackend,
  draws: Float64Array,
  weights: Float64Array,
  cov: Mat,
  direction?: Float64Array,
): { direction: Float64Array; modes: number[]; multimodal: boolean } {
  const d = cov.rows;
  let dir = direction;
  if (!dir) {
    const e = backend.eigh(cov);
    dir = new Float64Array(d);
    for (let a = 0; a < d; a++) dir[a] = e.vectors.data[a * d + (d - 1)]!;
  }
  const M = weights.length;
  const proj = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    let s = 0;
    for (let a = 0; a < d; a++) s += draws[m * d + a]! * dir[a]!;
    proj[m] = s;
  }
  const modes = weightedModes(proj, weights);
  return { direction: dir, modes, multimodal: modes.length > 1 };
}

/** (Q + σ²I)⁻¹ y by Cholesky. */
function solveLinear(backend: ComputeBackend, Q: Mat, y: Mat, sigma2: number): Mat {
  const n = Q.rows;
  const A = mat(n, n, Float64Array.from(Q.data));
  for (let i = 0; i < n; i++) A.data[i * n + i]! += sigma2;
  return backend.choleskySolve(backend.cholesky(A), y);
}

/** MALA variant of {@link solveAdaptiveKernel}: persistent chains on S[w], damped iteration, averaged kernel. */
function solveMala(
  problem: ScaledProblem,
  options: AdaptiveKernelOptions,
  phi: (z: number) => number,
  dphi: (z: number) => number,
  backend: ComputeBackend,
): RawResult {
  const { x, y, n, d, k, sigmaW2, sigmaA2, width, sigma2 } = problem;
  const C = options.chains ?? 64;
  const steps = options.stepsPerIteration ?? 40;
  const thin = options.thin ?? 4;
  const iters = options.iterations ?? 30;
  const eta = options.damping ?? 0.5;
  const annealSteps = options.annealSteps ?? 5;
  let tau = options.stepSize ?? (0.05 * sigmaW2) / d;
  const [kInit, kRun] = split(options.key, 2);
  const W = Float64Array.from(normalMat(kInit, C, d, Math.sqrt(sigmaW2 / d)).data);
  const X = x.data;
  const pre = new Float64Array(n);
  // action and gradient of one chain state w (length d) at tilt scale `sc`
  const actionGrad = (w: Float64Array, tb: Float64Array, sc: number, grad: Float64Array | null): number => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += X[i * d + a]! * w[a]!;
      pre[i] = s;
    }
    let w2 = 0;
    for (let a = 0; a < d; a++) w2 += w[a]! * w[a]!;
    let S = (d * w2) / (2 * sigmaW2);
    if (grad) for (let a = 0; a < d; a++) grad[a] = (d * w[a]!) / sigmaW2;
    for (let o = 0; o < k; o++) {
      let proj = 0;
      for (let i = 0; i < n; i++) proj += tb[i * k + o]! * phi(pre[i]!);
      S -= (sc * sigmaA2 * proj * proj) / (2 * width);
      if (grad) {
        const f = (sc * sigmaA2 * proj) / width;
        for (let i = 0; i < n; i++) {
          const g = f * tb[i * k + o]! * dphi(pre[i]!);
          if (g !== 0) for (let a = 0; a < d; a++) grad[a]! -= g * X[i * d + a]!;
        }
      }
    }
    return S;
  };
  let tBar = new Float64Array(n * k);
  const Qsum = new Float64Array(n * n);
  let Qcount = 0;
  const covSum = new Float64Array(d * d);
  const meanSum = new Float64Array(d);
  const projSamples: Float64Array[] = [];
  let residual = Infinity;
  let stepCounter = 0;
  const g0 = new Float64Array(d);
  const g1 = new Float64Array(d);
  const wp = new Float64Array(d);
  for (let it = 0; it < iters; it++) {
    const sc = Math.min(1, (it + 1) / annealSteps);
    const feats: number[] = [];
    let accepted = 0;
    let proposed = 0;
    const collect = it >= Math.floor(iters / 2);
    for (let s = 0; s < steps; s++) {
      const noise = normal(fold(kRun, stepCounter), C * d);
      const unif = uniform(fold(kRun, stepCounter + 0x40000000), C);
      stepCounter++;
      for (let c = 0; c < C; c++) {
        const w = W.subarray(c * d, (c + 1) * d);
        const S0 = actionGrad(w, tBar, sc, g0);
        for (let a = 0; a < d; a++) wp[a] = w[a]! - tau * g0[a]! + Math.sqrt(2 * tau) * noise[c * d + a]!;
        const S1 = actionGrad(wp, tBar, sc, g1);
        let lq = 0;
        for (let a = 0; a < d; a++) {
          const fwd = wp[a]! - w[a]! + tau * g0[a]!;
          const bwd = w[a]! - wp[a]! + tau * g1[a]!;
          lq += (fwd * fwd - bwd * bwd) / (4 * tau);
        }
        proposed++;
        if (Math.log(unif[c]!) < S0 - S1 + lq) {
          w.set(wp);
          accepted++;
        }
      }
      if ((s + 1) % thin === 0) {
        for (let c = 0; c < C; c++) {
          const w = W.subarray(c * d, (c + 1) * d);
          for (let i = 0; i < n; i++) {
            let z = 0;
            for (let a = 0; a < d; a++) z += X[i * d + a]! * w[a]!;
            feats.push(phi(z));
          }
          if (collect && sc === 1) {
            for (let a = 0; a < d; a++) {
              meanSum[a]! += w[a]!;
              for (let b = 0; b < d; b++) covSum[a * d + b]! += w[a]! * w[b]!;
            }
            projSamples.push(Float64Array.from(w));
          }
        }
      }
    }
    const rate = accepted / proposed;
    if (it < Math.floor(iters / 2)) tau *= Math.exp(rate - 0.6);
    const S = feats.length / n;
    // feats is S blocks of n values: Φ (S × n) → Q = σ_a²/S · ΦᵀΦ
    const Qit = backend.gram(mat(S, n, Float64Array.from(feats)), { trans: true, alpha: sigmaA2 / S });
    if (collect && sc === 1) {
      for (let i = 0; i < n * n; i++) Qsum[i]! += Qit.data[i]!;
      Qcount++;
    }
    const tNew = solveLinear(backend, Qit, y, sigma2).data;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n * k; i++) {
      num += (tNew[i]! - tBar[i]!) ** 2;
      den += tNew[i]! ** 2;
      tBar[i] = (1 - eta) * tBar[i]! + eta * tNew[i]!;
    }
    residual = Math.sqrt(num / Math.max(den, 1e-300));
  }
  if (Qcount === 0)
    throw new ConvergenceError({
      what: 'adaptive-kernel MALA',
      iterations: iters,
      residual,
      tolerance: 0,
      detail: 'no post-annealing iterations were recorded',
      hint: 'use at least annealSteps + 2 iterations',
    });
  const Q = mat(
    n,
    n,
    Qsum.map((v) => v / Qcount),
  );
  const tb = solveLinear(backend, Q, y, sigma2);
  const nS = projSamples.length;
  const cov = mat(
    d,
    d,
    covSum.map((v) => v / nS),
  );
  const mean = meanSum.map((v) => v / nS);
  const draws = new Float64Array(nS * d);
  projSamples.forEach((w, m) => draws.set(w, m * d));
  const multimodality = multimodalityOf(backend, draws, new Float64Array(nS).fill(1 / nS), cov, options.direction);
  let testPredictions: Mat | undefined;
  if (options.xTest) {
    // f̄(x*) = σ_a² ⟨φ(w·x*) φ(Xw)ᵀ⟩ t̄ over the retained samples
    const xt = options.xTest;
    if (xt.cols !== d) throw new ShapeError(`adaptive kernel: xTest has ${xt.cols} columns, expected d = ${d}`);
    const out = new Float64Array(xt.rows * k);
    for (const w of projSamples) {
      const pv = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        let z = 0;
        for (let a = 0; a < d; a++) z += X[i * d + a]! * w[a]!;
        const f = phi(z);
        for (let o = 0; o < k; o++) pv[o]! += f * tb.data[i * k + o]!;
      }
      for (let j = 0; j < xt.rows; j++) {
        let z = 0;
        for (let a = 0; a < d; a++) z += xt.data[j * d + a]! * w[a]!;
        const f = (sigmaA2 * phi(z)) / nS;
        for (let o = 0; o < k; o++) out[j * k + o]! += f * pv[o]!;
      }
    }
    testPredictions = mat(xt.rows, k, out);
  }
  return {
    kernel: Q,
    tBar: tb,
    predictions: backend.matmul(Q, tb),
    ...(testPredictions ? { testPredictions } : {}),
    weightCovariance: cov,
    weightMean: mean,
    effectiveSamples: nS,
    multimodality,
    iterations: iters,
    residual,
  };
}
