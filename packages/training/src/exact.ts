import {
  type ComputeBackend,
  InvalidArgumentError,
  type Mat,
  ShapeError,
  eigenvaluesDescending,
  referenceBackend,
} from '@sftdl/compute';
import { logGamma } from '@sftdl/field';

/** Options of {@link linearTwoLayerExactPosterior}. */
export interface LinearExactOptions {
  /** Training inputs, shape [n, d]. */
  x: Mat;
  /** Training targets, shape [n, 1] (or a vector of length n). */
  y: Mat | Float64Array;
  /** Optional test inputs, shape [m, d]. */
  xTest?: Mat;
  /** σ² before χ rescaling (the likelihood uses σ²/χ). */
  sigma2: number;
  sigmaW2?: number;
  sigmaA2?: number;
  chi?: number;
  /** N, the hidden width. */
  width: number;
  backend?: ComputeBackend;
  /** Quadrature nodes over log s (default 2000; trapezoid, spectrally accurate). */
  nodes?: number;
}

/** The exact posterior of a linear two-layer network (see {@link linearTwoLayerExactPosterior}). */
export interface LinearExactPosterior {
  /** Posterior mean predictor on the training inputs, length n. */
  meanPrediction: Float64Array;
  meanPredictionTest?: Float64Array;
  /** Mean over training points of (y − f̄)², f̄ the posterior-mean predictor. */
  trainMse: number;
  /** (1/N) Σᵢ ⟨wᵢwᵢᵀ⟩, shape [d, d]. */
  weightCov: Mat;
  /** Its eigenvalues, descending. */
  weightCovEigenvalues: number[];
  /** E[s | D] of the Gamma scale variable (prior mean 1). */
  scalePosteriorMean: number;
  /** Effective kernel scale E[Q] = σ_a²·E[s | D]. */
  effectiveScale: number;
  /** log p(D) (evidence), up to nothing: a normalised density of y. */
  logEvidence: number;
}

/**
 * Exact posterior of the linear two-layer network f(x) = Σᵢ aᵢ wᵢ·x with wᵢ ~ N(0, σ_w²/d I),
 * aᵢ ~ N(0, σ_a²/(χN)) and likelihood exp(−Σ(f−y)²/(2σ²/χ)), by 1-D quadrature over the Gamma scale.
 *
 * Derivation (multi-scale-adaptive note §2.7, in library symbols): with u = Wᵀa, f(x) = u·x. Given |a|²,
 * u ~ N(0, c·s·I) with c = σ_w²σ_a²/(dχ) and s = |a|²χN/σ_a² ~ Gamma(N/2, rate N/2); so the output prior is the
 * scale mixture f | s ~ GP(0, c·s·XXᵀ). p(s | D) ∝ s^{N/2−1}e^{−Ns/2} N(y; 0, c s G + κI), κ = σ²/χ, G = XXᵀ.
 * Given (a, u), W is at its prior orthogonal to a and has âᵀW = uᵀ/|a|, so
 * (1/N)E[WᵀW] = (σ_w²/d)·[I + (c/N)·E_s( s·Xᵀ(ααᵀ − A⁻¹)X )], with A = csG + κI and α = A⁻¹y.
 * The posterior mean is f̄ = E_s[csGα] (and csX*Xᵀα on test points).
 *
 * *When to use*: the exact oracle for Langevin/MALA validation and for the MSA tree/one-loop solvers.
 *
 * *Gotchas*: single output only. Cost O(n³ + nodes·(n² + n d²)).
 *
 * @example
 * ```ts
 * const ex = linearTwoLayerExactPosterior({ x, y, sigma2: 0.1, width: 30, chi: 1 });
 * ex.weightCovEigenvalues[0]; // spike of (1/N)Σ⟨wwᵀ⟩
 * ```
 */
export function linearTwoLayerExactPosterior(options: LinearExactOptions): LinearExactPosterior {
  const { x, sigma2, sigmaW2 = 1, sigmaA2 = 1, chi = 1, width: N, backend = referenceBackend, nodes = 2000 } = options;
  const yv = options.y instanceof Float64Array ? options.y : options.y.data;
  const n = x.rows,
    d = x.cols;
  if (!(options.y instanceof Float64Array) && options.y.cols !== 1)
    throw new ShapeError('linearTwoLayerExactPosterior: y must have one column (single output)');
  if (yv.length !== n) throw new ShapeError(`linearTwoLayerExactPosterior: y has length ${yv.length}, x has ${n} rows`);
  for (const [k, v] of [
    ['sigma2', sigma2],
    ['sigmaW2', sigmaW2],
    ['sigmaA2', sigmaA2],
    ['chi', chi],
    ['width', N],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0)
      throw new InvalidArgumentError(`linearTwoLayerExactPosterior: ${k} must be finite and > 0, got ${v}`);
  }
  const c = (sigmaW2 * sigmaA2) / (d * chi);
  const kappa = sigma2 / chi;
  const G = backend.gram(x);
  const { values: lam, vectors: U } = backend.eigh(G);
  const ly = new Float64Array(n); // Uᵀy
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += U.data[i * n + k]! * yv[i]!;
    ly[k] = s;
  }
  for (let k = 0; k < n; k++) if (lam[k]! < 0) lam[k] = 0;
  const logp = (t: number): number => {
    const s = Math.exp(t);
    let v = (N / 2) * t - (N * s) / 2; // includes the Jacobian ds = s dt
    for (let k = 0; k < n; k++) {
      const e = c * s * lam[k]! + kappa;
      v -= 0.5 * Math.log(e) + (0.5 * ly[k]! * ly[k]!) / e;
    }
    return v;
  };
  // locate the mass on a coarse grid in t = log s, then integrate on a fine grid (trapezoid)
  let tmax = -Infinity,
    lmax = -Infinity;
  const coarse: Array<[number, number]> = [];
  for (let t = -40; t <= 25; t += 0.02) {
    const l = logp(t);
    coarse.push([t, l]);
    if (l > lmax) {
      lmax = l;
      tmax = t;
    }
  }
  let lo = tmax,
    hi = tmax;
  for (const [t, l] of coarse)
    if (l > lmax - 80) {
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
  lo -= 0.05;
  hi += 0.05;
  const h = (hi - lo) / (nodes - 1);
  const B = backend.matmul(U, x, { transA: true }).data; // Uᵀ X, [n, d]
  const fbar = new Float64Array(n);
  const M = new Float64Array(d * d); // E[s Xᵀ(ααᵀ − A⁻¹)X]
  const xta = new Float64Array(d),
    Uty = new Float64Array(n);
  const testCoef = new Float64Array(d); // E[c s Xᵀα] → f̄* = X* · testCoef
  let Z = 0,
    Es = 0,
    mx = -Infinity;
  const ls = new Float64Array(nodes);
  for (let j = 0; j < nodes; j++) {
    ls[j] = logp(lo + j * h);
    if (ls[j]! > mx) mx = ls[j]!;
  }
  let logZsum = 0;
  for (let j = 0; j < nodes; j++) {
    const wq = Math.exp(ls[j]! - mx) * (j === 0 || j === nodes - 1 ? 0.5 : 1);
    logZsum += wq;
    if (wq < 1e-300) continue;
    const s = Math.exp(lo + j * h);
    Z += wq;
    Es += wq * s;
    for (let k = 0; k < n; k++) {
      const e = c * s * lam[k]! + kappa;
      Uty[k] = ly[k]! / e;
    } // Uᵀα
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += U.data[i * n + k]! * c * s * lam[k]! * Uty[k]!;
      fbar[i]! += wq * v;
    }
    xta.fill(0);
    for (let k = 0; k < n; k++) for (let a = 0; a < d; a++) xta[a]! += B[k * d + a]! * Uty[k]!; // Xᵀα = Bᵀ(Uᵀα)
    for (let a = 0; a < d; a++) testCoef[a]! += wq * c * s * xta[a]!;
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) {
        let inv = 0;
        for (let k = 0; k < n; k++) inv += (B[k * d + a]! * B[k * d + b]!) / (c * s * lam[k]! + kappa);
        M[a * d + b]! += wq * s * (xta[a]! * xta[b]! - inv);
      }
  }
  for (let i = 0; i < n; i++) fbar[i]! /= Z;
  for (let a = 0; a < d; a++) testCoef[a]! /= Z;
  const wc = new Float64Array(d * d);
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) wc[a * d + b] = (sigmaW2 / d) * ((a === b ? 1 : 0) + (c / N) * (M[a * d + b]! / Z));
  let trainMse = 0;
  for (let i = 0; i < n; i++) trainMse += (yv[i]! - fbar[i]!) ** 2 / n;
  // evidence: log ∫ Gamma(s) N(y; 0, csG+κ) ds  = log ∫ exp(logp(t)) dt + const terms
  const logGammaNorm = (N / 2) * Math.log(N / 2) - logGamma(N / 2);
  const logEvidence = Math.log(logZsum * h) + mx + logGammaNorm - (n / 2) * Math.log(2 * Math.PI);
  const weightCov: Mat = { rows: d, cols: d, data: wc };
  const out: LinearExactPosterior = {
    meanPrediction: fbar,
    trainMse,
    weightCov,
    weightCovEigenvalues: eigenvaluesDescending(backend, weightCov),
    scalePosteriorMean: Es / Z,
    effectiveScale: (sigmaA2 * Es) / Z,
    logEvidence,
  };
  if (options.xTest) {
    const xt = options.xTest;
    if (xt.cols !== d) throw new ShapeError(`linearTwoLayerExactPosterior: xTest has ${xt.cols} columns, x has ${d}`);
    const ft = new Float64Array(xt.rows);
    for (let i = 0; i < xt.rows; i++) {
      let v = 0;
      for (let a = 0; a < d; a++) v += xt.data[i * d + a]! * testCoef[a]!;
      ft[i] = v;
    }
    out.meanPredictionTest = ft;
  }
  return out;
}
