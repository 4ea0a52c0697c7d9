/**
 * Equilibrium (coexistence) onsets of a first-order feature-learning transition from restricted-ensemble free
 * energies.
 *
 * Split the read-in weights by a dividing surface on the largest teacher overlap m(W) = maxᵢ |ŵᵢ·ŵ*|: the lazy region
 * m ≤ c and the aligned (feature-learning) region m > c. Each region R has its own partition function
 * Z_R(P) = ∫_R p₀(θ) Π_{μ≤P} exp(−(f_θ(x_μ) − y_μ)²/(2σ²)) dθ, and the posterior weight of the aligned phase is
 * Z_al/(Z_al + Z_lazy). Two exact facts give each log Z_R(P) without crossing the barrier between the phases:
 * 1. at P = 0, Z_R(0) is the prior mass of R, known in closed form ({@link regionPriorLogMass});
 * 2. adding one training point multiplies Z_R by the restricted posterior's expectation of that point's likelihood
 *    factor, so E[log Z_R(P + 1) − log Z_R(P)] = g_R(P), the expected held-out log predictive factor of the restricted
 *    posterior at P points (the prequential identity). Summing, E log Z_R(P) = log Z_R(0) + Σ_{n<P} g_R(n).
 * The runner samples each restricted posterior on a P grid (a chain that never leaves its region), measures g_R on a
 * held-out set, and {@link freeEnergyCurve} integrates it (trapezoid in n). The equilibrium onset is where the
 * dataset-mean ΔF(P) = F_al − F_lazy (F = −log Z) changes sign: both phases carry equal posterior weight there (the
 * Maxwell / coexistence point of the first-order transition), as opposed to the spinodals where one phase stops
 * being metastable.
 * @module
 */
import { InvalidArgumentError, ShapeError } from '@sftdl/compute';
import { chanceSpecialised } from './empirical';

/**
 * Prior probability that one read-in row of an isotropic Gaussian prior has teacher overlap |ŵ·ŵ*| > c in d
 * dimensions: the direction is uniform on the sphere, so this is I_{1−c²}((d−1)/2, 1/2).
 */
export function overlapTail(dim: number, threshold: number): number {
  if (!(threshold >= 0 && threshold <= 1)) throw new InvalidArgumentError(`overlapTail: c must lie in [0, 1], got ${threshold}`);
  return chanceSpecialised(1, dim, threshold);
}

/**
 * log of the prior mass of a region of the read-in weights of `width` independent isotropic rows in d dimensions:
 * 'lazy' (every row's teacher overlap ≤ c): width·log(1 − q); 'aligned' (some row beyond c): log(1 − (1 − q)^width),
 * q = {@link overlapTail}(d, c).
 */
export function regionPriorLogMass(width: number, dim: number, threshold: number, side: 'lazy' | 'aligned'): number {
  if (!(Number.isInteger(width) && width >= 1))
    throw new InvalidArgumentError(`regionPriorLogMass: width must be a positive integer, got ${width}`);
  const q = overlapTail(dim, threshold);
  const logLazy = width * Math.log1p(-q);
  const v = side === 'lazy' ? logLazy : Math.log(-Math.expm1(logLazy));
  if (!Number.isFinite(v))
    throw new InvalidArgumentError(
      `regionPriorLogMass: the ${side} region has zero prior mass at c = ${threshold}; move the dividing surface`,
    );
  return v;
}

/**
 * The dividing overlap c at which the aligned region (some read-in row with |ŵ·ŵ*| > c) holds the prior mass
 * `alignedMass` (bisection on the exact mass; the mass decreases with c). A fixed prior mass, rather than a fixed c,
 * keeps the surface at the same place relative to the lazy phase's chance overlaps (≈ 1/√d) at every d.
 */
export function dividingThreshold(width: number, dim: number, alignedMass: number): number {
  if (!(alignedMass > 0 && alignedMass < 1))
    throw new InvalidArgumentError(`dividingThreshold: the aligned prior mass must lie in (0, 1), got ${alignedMass}`);
  const mass = (c: number) => 1 - (1 - overlapTail(dim, c)) ** width;
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 60; it++) {
    const mid = 0.5 * (lo + hi);
    if (mass(mid) > alignedMass) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Restricted-ensemble free energy F(P) = −E log Z_R(P) = −logMass0 − Σ_{n<P} g(n) on a grid `samples` that starts at
 * P = 0, from the measured per-point log predictive factors g(P_k). Between grid points a and b the sum over the
 * integers n = a … b − 1 is taken exactly for the learning-curve form g(n) = α + β/(n + 1) through g(a) and g(b)
 * (Bayesian predictive losses decay like 1/n; a trapezoid in n is off by percents on the first, steepest intervals of
 * a ×√2 grid). Returns F at every grid point (F(0) = −logMass0).
 */
export function freeEnergyCurve(samples: readonly number[], logPredictive: readonly number[], logMass0: number): number[] {
  if (samples.length !== logPredictive.length)
    throw new ShapeError('freeEnergyCurve: samples and logPredictive differ in length');
  if (samples[0] !== 0)
    throw new InvalidArgumentError('freeEnergyCurve: the grid must start at P = 0 (the prior, whose mass is known)');
  for (let i = 1; i < samples.length; i++)
    if (!(samples[i]! > samples[i - 1]!) || !Number.isInteger(samples[i]))
      throw new InvalidArgumentError('freeEnergyCurve: the P grid must be increasing integers');
  for (const g of logPredictive)
    if (!Number.isFinite(g)) throw new InvalidArgumentError('freeEnergyCurve: a log predictive factor is not finite');
  const out = [-logMass0];
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    const [ga, gb] = [logPredictive[i - 1]!, logPredictive[i]!];
    const beta = (ga - gb) / (1 / (a + 1) - 1 / (b + 1));
    const alpha = gb - beta / (b + 1);
    let h = 0; // Σ_{n=a}^{b−1} 1/(n + 1)
    for (let n = a; n < b; n++) h += 1 / (n + 1);
    out.push(out[i - 1]! - alpha * (b - a) - beta * h);
  }
  return out;
}
