import { type ComputeBackend, InvalidArgumentError, type Mat, referenceBackend } from '@sftdl/compute';
import { type Key, split } from '@sftdl/field';
import { brentRoot } from '../numerics';
import { gpRegression } from '../gp/regression';

/** A kernel spectrum w.r.t. the data measure: eigenvalues λ_k with optional multiplicities m_k. */
export interface LearningSpectrum {
  eigvals: ArrayLike<number>;
  /** Degeneracy of each eigenvalue (default 1). */
  multiplicities?: ArrayLike<number>;
}

function specArrays(s: LearningSpectrum): { l: Float64Array; m: Float64Array } {
  const l = Float64Array.from(s.eigvals);
  const m = s.multiplicities ? Float64Array.from(s.multiplicities) : new Float64Array(l.length).fill(1);
  if (m.length !== l.length) throw new InvalidArgumentError(`multiplicities has length ${m.length}, eigvals ${l.length}`);
  for (let k = 0; k < l.length; k++) {
    if (!(l[k]! >= 0) || !Number.isFinite(l[k]!))
      throw new InvalidArgumentError(`eigvals[${k}] = ${l[k]} must be finite and ≥ 0`);
    if (!(m[k]! >= 0)) throw new InvalidArgumentError(`multiplicities[${k}] = ${m[k]} must be ≥ 0`);
  }
  return { l, m };
}

/**
 * Renormalised ridge ε of the self-consistent (eigenlearning) learning-curve theory:
 * n = Σ_k m_k λ_k/(λ_k + ε) + σ²/ε (equivalently ε = σ²/n + (ε/n)Σ_k m_kλ_k/(λ_k + ε)).
 *
 * *When to use:* predicting GP / kernel-ridge generalisation from a spectrum (Canatar–Bordelon–Pehlevan; Simon et al.).
 * *Gotchas:* with σ² = 0 and at most n modes the ridge is 0 (interpolation) and the variance factor may diverge.
 * @example
 * ```ts
 * renormalizedRidge({ eigvals: [0.1], multiplicities: [10] }, 20, 0.01);
 * ```
 */
export function renormalizedRidge(spectrum: LearningSpectrum, n: number, sigma2: number): number {
  const { l, m } = specArrays(spectrum);
  if (!(n > 0)) throw new InvalidArgumentError(`n must be > 0, got ${n}`);
  if (!(sigma2 >= 0)) throw new InvalidArgumentError(`sigma2 must be ≥ 0, got ${sigma2}`);
  const f = (e: number): number => {
    let s = sigma2 / e - n;
    for (let k = 0; k < l.length; k++) s += (m[k]! * l[k]!) / (l[k]! + e);
    return s;
  };
  let modes = 0,
    top = 0;
  for (let k = 0; k < l.length; k++) {
    if (l[k]! > 0) modes += m[k]!;
    top = Math.max(top, l[k]!);
  }
  if (sigma2 === 0 && modes <= n) return 0;
  let lo = 1e-300,
    hi = Math.max(top, sigma2 / n, 1e-300) * 2;
  for (let k = 0; f(hi) > 0; k++) {
    if (k > 2100 || !Number.isFinite(hi))
      throw new InvalidArgumentError(
        `renormalizedRidge: no root of the ridge equation below ${hi} (n = ${n}, sigma2 = ${sigma2}); check the spectrum for non-finite entries`,
      );
    hi *= 2;
  }
  lo = hi;
  while (f(lo) < 0 && lo > 1e-300) lo /= 16;
  const r = brentRoot((u) => f(Math.exp(u)), Math.log(lo), Math.log(hi), { xtol: 1e-14 });
  return Math.exp(r.root);
}

/** One point of a predicted learning curve. */
export interface LearningCurvePoint {
  n: number;
  /** Renormalised ridge ε (`effRidge`). */
  effRidge: number;
  /** γ = (1/n) Σ_k m_k L_k². */
  gamma: number;
  /** Self-consistent generalisation error of the mean predictor vs the clean target. */
  eg: number;
  /** Plain equivalent-kernel error Σ_k [(σ²/n)/(λ_k + σ²/n)]² g_k² (no renormalisation). */
  egEquivalentKernel: number;
  /** Learnabilities L_k = λ_k/(λ_k + ε) per spectrum entry. */
  learnabilities: Float64Array;
}

/** Options of {@link learningCurve}. */
export interface LearningCurveOptions {
  spectrum: LearningSpectrum;
  /**
   * Target power per spectrum entry, Σ over the degenerate block of g_k² (g_k = ⟨y, ϕ_k⟩ in the data measure). Use
   * `coeffs` instead for per-mode coefficients without multiplicities.
   */
  targetPower?: ArrayLike<number>;
  coeffs?: ArrayLike<number>;
  /** Sample sizes. */
  ns: number[];
  /** GP ridge σ² (the noise the predictor assumes). */
  sigma2: number;
  /** Label-noise variance σ_ε² of the training targets (default 0). */
  noise2?: number;
}

/**
 * Self-consistent (renormalised-ridge / eigenlearning) learning curve of GP regression:
 * E_g = [Σ_k (1 − L_k)² g_k² + γ σ_ε²]/(1 − γ), L_k = λ_k/(λ_k + ε), γ = (1/n)Σ_k L_k², alongside plain EK.
 *
 * *When to use:* predicting the test error of the posterior mean vs n from a kernel spectrum.
 * *Gotchas:* the error is against the clean target (add σ_ε² for noisy test labels); the theory is asymptotic in the
 * number of modes and is accurate to a few % at moderate n.
 * @example
 * ```ts
 * learningCurve({ spectrum: { eigvals: [1 / 8], multiplicities: [8] }, targetPower: [1], ns: [4, 8, 16], sigma2: 0.1 });
 * ```
 */
export function learningCurve(options: LearningCurveOptions): LearningCurvePoint[] {
  const { spectrum, ns, sigma2, noise2 = 0 } = options;
  const { l, m } = specArrays(spectrum);
  let g2: Float64Array;
  if (options.targetPower) g2 = Float64Array.from(options.targetPower);
  else if (options.coeffs) g2 = Float64Array.from(options.coeffs, (c) => c * c);
  else throw new InvalidArgumentError('give targetPower (per spectrum entry) or coeffs (per mode)');
  if (g2.length !== l.length) throw new InvalidArgumentError(`target has ${g2.length} entries, spectrum ${l.length}`);
  return ns.map((n) => {
    const eps = renormalizedRidge(spectrum, n, sigma2);
    const L = l.map((v) => (v + eps > 0 ? v / (v + eps) : 0));
    let gamma = 0,
      bias = 0,
      ek = 0;
    const r = sigma2 / n;
    for (let k = 0; k < l.length; k++) {
      gamma += (m[k]! * L[k]! ** 2) / n;
      bias += (1 - L[k]!) ** 2 * g2[k]!;
      ek += (l[k]! + r > 0 ? (r / (l[k]! + r)) ** 2 : 0) * g2[k]!;
    }
    if (!(gamma < 1))
      throw new InvalidArgumentError(
        `the variance factor 1/(1 − γ) diverges at n = ${n} (γ = ${gamma}); use sigma2 > 0 near the interpolation threshold`,
      );
    return { n, effRidge: eps, gamma, eg: (bias + gamma * noise2) / (1 - gamma), egEquivalentKernel: ek, learnabilities: L };
  });
}

/** Equivalent-kernel predictor (Sollich–Williams): mode-wise shrinkage λ_k/(λ_k + σ²/n) of the target. */
export interface EquivalentKernelResult {
  /** Shrinkage factors L_k^EK = λ_k/(λ_k + σ²/n). */
  learnabilities: Float64Array;
  /** Mean-predictor coefficients L_k g_k. */
  meanCoeffs: Float64Array;
  /** EK posterior variance averaged over the data measure: Σ_k m_k λ_k(σ²/n)/(λ_k + σ²/n). */
  variance: number;
  /** EK error of the mean predictor Σ_k [(σ²/n)/(λ_k + σ²/n)]² g_k². */
  eg: number;
}

/**
 * The equivalent-kernel predictor: f̄_k = λ_k/(λ_k + σ²/n)·g_k (leading order of the dataset-averaged GP action).
 * *When to use:* large n (n ≫ number of modes with λ_k ≳ σ²/n). *Gotchas:* wrong near n ~ #modes (use learningCurve).
 * @example
 * ```ts
 * equivalentKernel({ eigvals: [0.5, 0.1] }, [1, 0.3], 100, 0.1).eg;
 * ```
 */
export function equivalentKernel(
  spectrum: LearningSpectrum,
  coeffs: ArrayLike<number>,
  n: number,
  sigma2: number,
): EquivalentKernelResult {
  const { l, m } = specArrays(spectrum);
  const g = Float64Array.from(coeffs);
  if (g.length !== l.length) throw new InvalidArgumentError(`coeffs has ${g.length} entries, spectrum ${l.length}`);
  const r = sigma2 / n;
  const L = l.map((v) => (v + r > 0 ? v / (v + r) : 0));
  let variance = 0,
    eg = 0;
  for (let k = 0; k < l.length; k++) {
    variance += (m[k]! * l[k]! * r) / (l[k]! + r || 1);
    eg += (1 - L[k]!) ** 2 * g[k]! ** 2;
  }
  return { learnabilities: L, meanCoeffs: L.map((v, k) => v * g[k]!), variance, eg };
}

/** Empirical learning-curve point: mean test error over trials with its standard error. */
export interface EmpiricalCurvePoint {
  n: number;
  eg: number;
  stderr: number;
  trials: number;
}

/**
 * Empirical GP learning curve: for each n and trial draws a training set and a test set with `sample`, fits GP
 * regression with `kernel` and ridge σ², and averages the test error of the posterior mean against the clean target.
 *
 * *When to use:* checking spectral learning-curve predictions. *Gotchas:* cost trials × O(n³); keys are split per
 * (n, trial) so curves are reproducible.
 */
export function empiricalLearningCurve(options: {
  ns: number[];
  trials: number;
  testSize: number;
  sigma2: number;
  key: Key;
  /** Draws `count` inputs (rows) with clean targets and noisy labels. */
  sample: (key: Key, count: number) => { x: Mat; target: Float64Array; y: Float64Array };
  kernel: (a: Mat, b: Mat) => Mat;
  backend?: ComputeBackend;
}): EmpiricalCurvePoint[] {
  const { ns, trials, testSize, sigma2, sample, kernel, backend = referenceBackend } = options;
  const keys = split(options.key, ns.length);
  return ns.map((n, i) => {
    const tk = split(keys[i]!, trials);
    const errs = tk.map((k) => {
      const [ka, kb] = split(k, 2);
      const tr = sample(ka!, n),
        te = sample(kb!, testSize);
      const r = gpRegression({
        kernel: kernel(tr.x, tr.x),
        y: tr.y,
        sigma2,
        crossKernel: kernel(te.x, tr.x),
        backend,
        conditionNumber: 'none',
      });
      let e = 0;
      for (let j = 0; j < testSize; j++) e += (r.testMean![j]! - te.target[j]!) ** 2;
      return e / testSize;
    });
    const mean = errs.reduce((s, v) => s + v, 0) / trials;
    const v = errs.reduce((s, e) => s + (e - mean) ** 2, 0) / Math.max(1, trials - 1);
    return { n, eg: mean, stderr: Math.sqrt(v / trials), trials };
  });
}

/** Row of {@link compareLearningCurves}. */
export interface CurveComparison {
  n: number;
  predicted: number;
  empirical: number;
  stderr: number;
  relativeError: number;
  zScore: number;
}

/** Compares a predicted curve with an empirical one at matching n (relative error and z-score in standard errors). */
export function compareLearningCurves(
  predicted: { n: number; eg: number }[],
  empirical: EmpiricalCurvePoint[],
): { rows: CurveComparison[]; maxRelativeError: number } {
  const rows = empirical.map((e) => {
    const p = predicted.find((q) => q.n === e.n);
    if (!p) throw new InvalidArgumentError(`no predicted point at n = ${e.n}`);
    return {
      n: e.n,
      predicted: p.eg,
      empirical: e.eg,
      stderr: e.stderr,
      relativeError: Math.abs(p.eg - e.eg) / e.eg,
      zScore: (p.eg - e.eg) / Math.max(e.stderr, Number.MIN_VALUE),
    };
  });
  return { rows, maxRelativeError: Math.max(...rows.map((r) => r.relativeError)) };
}
