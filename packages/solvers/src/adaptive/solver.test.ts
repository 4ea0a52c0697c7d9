import { describe, expect, it } from 'vitest';
import type { Mat } from '@sftdl/compute';
import { key, normalMat, split } from '@sftdl/field';
import { solveAdaptiveKernel } from './solver';
import { solveCubicFiniteD } from '../grokking/finite-d';

// Small cubic-teacher problem: d = 6, n = 150, w* = e₁, y = z + ε(z³ − 3z), κ = 1, u = 8 (GFL side).
const d = 6;
const n = 150;
const eps = -0.3;
const sigmaW2 = 0.5;
const sigma2 = 0.1;
const sigmaA2 = (sigma2 * d) / n;
const width = n / (sigma2 * 8);
const [k1, k2, k3] = split(key(1), 3);
const X = normalMat(k1, n, d);
const Xt = normalMat(k2, 1000, d);
const yOf = (A: Mat) =>
  Float64Array.from({ length: A.rows }, (_, i) => {
    const z = A.data[i * d]!;
    return z + eps * (z ** 3 - 3 * z);
  });

/** Least-squares coefficients of f on [H1(z), H3(z)] over the test inputs. */
function hermiteFit(f: Float64Array): { linear: number; cubic: number } {
  let a11 = 0,
    a13 = 0,
    a33 = 0,
    b1 = 0,
    b3 = 0;
  for (let i = 0; i < Xt.rows; i++) {
    const z = Xt.data[i * d]!;
    const h3 = z ** 3 - 3 * z;
    a11 += z * z;
    a13 += z * h3;
    a33 += h3 * h3;
    b1 += z * f[i]!;
    b3 += h3 * f[i]!;
  }
  const det = a11 * a33 - a13 * a13;
  return { linear: (a33 * b1 - a13 * b3) / det, cubic: (a11 * b3 - a13 * b1) / det };
}

describe('general adaptive-kernel solver', () => {
  const problem = { x: X, y: yOf(X), sigmaW2, sigmaA2, width, sigma2 };
  const imp = solveAdaptiveKernel(problem, { key: k3, samples: 1500, xTest: Xt });

  it('converges to a self-consistent fixed point: t̄ = (Q + σ²I)⁻¹y and f̄ = y − σ² t̄', () => {
    expect(imp.residual).toBeLessThan(1e-8);
    for (let i = 0; i < n; i++) expect(imp.trainMean[i]).toBeCloseTo(problem.y[i]! - sigma2 * imp.tau[i]!, 9);
    expect(imp.effectiveSamples).toBeGreaterThan(100);
    expect(imp.weightCov.rows).toBe(d);
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (problem.y[i]! - imp.trainMean[i]!) ** 2;
    expect(imp.msd).toBeCloseTo(sq / n, 14);
  });

  it('agrees with the finite-d reduced theory on the learned linear coefficient (≤ 5%)', () => {
    const fit = hermiteFit(imp.testMean!);
    const th = solveCubicFiniteD({ samples: n, dim: d, width, sigmaW2, sigmaA2, sigma2, epsilon: eps });
    expect(th.phase).toBe('GFL');
    expect(Math.abs(fit.linear / th.learnedLinear - 1)).toBeLessThan(0.05);
    // the feature is learned along w*: the weight variance along e₁ exceeds the prior σ_w²/d
    expect(imp.weightCov.data[0]).toBeGreaterThan((1.2 * sigmaW2) / d);
    expect(imp.multimodality!.multimodal).toBe(false);
  });

  it('MALA sampling agrees with the importance-sampling integration (≤ 8% on 1 − b)', () => {
    const mala = solveAdaptiveKernel(problem, {
      key: k3,
      method: 'mala',
      chains: 32,
      stepsPerIteration: 16,
      iterations: 14,
      xTest: Xt,
    });
    const a = hermiteFit(mala.testMean!).linear;
    const b = hermiteFit(imp.testMean!).linear;
    expect(Math.abs(a / b - 1)).toBeLessThan(0.08); // both are Monte-Carlo estimates (≈ 900 correlated MALA draws, ESS ≈ 500)
  });

  it('multi-output targets: two copies of y give identical columns', () => {
    const y2 = Float64Array.from({ length: 2 * n }, (_, i) => problem.y[i >> 1]!);
    const r = solveAdaptiveKernel({ ...problem, y: y2, outputs: 2 }, { key: k3, samples: 1500 });
    for (let i = 0; i < n; i++) expect(r.trainMean[2 * i]).toBeCloseTo(r.trainMean[2 * i + 1]!, 12);
  });

  it('rejects mismatched shapes and bad scales', () => {
    expect(() => solveAdaptiveKernel({ ...problem, y: new Float64Array(3) }, { key: k3 })).toThrow(/rows/);
    expect(() => solveAdaptiveKernel({ ...problem, outputs: 0 }, { key: k3 })).toThrow(/outputs/);
    expect(() => solveAdaptiveKernel({ ...problem, chi: 0 }, { key: k3 })).toThrow(/chi/);
    expect(() => solveAdaptiveKernel({ ...problem, activation: 'tanh' }, { key: k3, method: 'kernel-saddle' })).toThrow(
      /linear\|erf\|relu/,
    );
    expect(() => solveAdaptiveKernel({ ...problem, sigma2: 0 }, { key: k3 })).toThrow(/sigma2/);
  });

  it('deep in the aligned phase p(w) is bimodal along w* (MALA), as the reduced theory predicts (GMFL-II, q* ≈ 1.33)', () => {
    const dd = 3;
    const nn = 80;
    const Xs = normalMat(k1, nn, dd);
    const ys = Float64Array.from({ length: nn }, (_, i) => {
      const z = Xs.data[i * dd]!;
      return z + eps * (z ** 3 - 3 * z);
    });
    const sA2 = (1.5 * sigma2 * dd) / nn;
    const N = (1.5 * nn) / (sigma2 * 80);
    const r = solveAdaptiveKernel(
      { x: Xs, y: ys, sigmaW2, sigmaA2: sA2, width: N, sigma2 },
      { key: k3, method: 'mala', chains: 32, stepsPerIteration: 16, iterations: 12, direction: Float64Array.from([1, 0, 0]) },
    );
    expect(r.multimodality!.multimodal).toBe(true);
    expect(r.multimodality!.modes.length).toBe(2);
    const th = solveCubicFiniteD({ samples: nn, dim: dd, width: N, sigmaW2, sigmaA2: sA2, sigma2, epsilon: eps });
    expect(th.phase).toBe('GMFL-II');
    // finite n = 80 and d = 3 are far from the EK / large-d limits of the reduced theory: agreement to ~15%
    for (const m of r.multimodality!.modes) expect(Math.abs(Math.abs(m) / (th.qStar as number) - 1)).toBeLessThan(0.2);
  });

  it('chi folds into the scales: the χ-model equals the χ = 1 model with σ_a²/χ and σ²/χ (same key, same numbers)', () => {
    const chi = 1.25;
    const a = solveAdaptiveKernel({ ...problem, chi }, { key: k3, samples: 1500 });
    const b = solveAdaptiveKernel({ ...problem, sigmaA2: sigmaA2 / chi, sigma2: sigma2 / chi }, { key: k3, samples: 1500 });
    expect(Array.from(a.trainMean)).toEqual(Array.from(b.trainMean));
  });

  it('kernel-saddle with varianceSign 0 solves the same equations as the importance method (linear φ, Gaussian closed form)', () => {
    // For φ = id the tilted measure is Gaussian and the kernel-saddle method integrates it exactly; the importance
    // method samples it from the prior: they agree to Monte Carlo accuracy.
    const lin = { ...problem, activation: 'linear' as const };
    const exact = solveAdaptiveKernel(lin, { key: k3, method: 'kernel-saddle', varianceSign: 0 });
    const sampled = solveAdaptiveKernel(lin, { key: k3, samples: 4000 });
    let err = 0,
      scale = 0;
    for (let i = 0; i < n; i++) {
      err = Math.max(err, Math.abs(exact.trainMean[i]! - sampled.trainMean[i]!));
      scale = Math.max(scale, Math.abs(problem.y[i]!));
    }
    expect(err).toBeLessThan(0.02 * scale);
    expect(exact.effectiveSamples).toBeUndefined();
  });
});
