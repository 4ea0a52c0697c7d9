import { InvalidArgumentError, referenceBackend, type ComputeBackend, type Mat } from '@sftdl/compute';
import { normalMat, type Key } from './keys';

/** A Monte Carlo estimate with its standard error. */
export interface MonteCarloEstimate {
  mean: number;
  /** √(sample variance / n). */
  stdError: number;
  /** Unbiased sample variance of f. */
  variance: number;
  samples: number;
}

/**
 * Monte Carlo estimate of E[f(X)] with a standard error, X drawn by `sampler(key, n)` (one array entry per
 * sample). Uses Welford's update (no cancellation). Like every sampler, it takes the key first.
 *
 * *When to use:* checking quadrature/closed forms, high-dimensional Gaussian averages. *Gotchas:* the
 * standard error assumes i.i.d. samples and finite variance (heavy tails make it meaningless); the same key
 * gives the same estimate.
 *
 * @example
 * const est = monteCarloExpectation(key(1), 10_000, (z) => z * z, (k, n) => normal(k, n));
 * // est.mean ≈ 1 ± est.stdError (≈0.014)
 */
export function monteCarloExpectation<T>(
  k: Key,
  n: number,
  f: (x: T) => number,
  sampler: (key: Key, n: number) => ArrayLike<T>,
): MonteCarloEstimate;
/** @deprecated The key comes first: `monteCarloExpectation(key, n, f, sampler)`. */
export function monteCarloExpectation<T>(
  f: (x: T) => number,
  sampler: (key: Key, n: number) => ArrayLike<T>,
  k: Key,
  n: number,
): MonteCarloEstimate;
export function monteCarloExpectation<T>(
  a: Key | ((x: T) => number),
  b: number | ((key: Key, n: number) => ArrayLike<T>),
  c: ((x: T) => number) | Key,
  d: ((key: Key, n: number) => ArrayLike<T>) | number,
): MonteCarloEstimate {
  const [k, n, f, sampler] =
    typeof a === 'function'
      ? [c as Key, d as number, a, b as (key: Key, n: number) => ArrayLike<T>]
      : [a, b as number, c as (x: T) => number, d as (key: Key, n: number) => ArrayLike<T>];
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError(`monteCarloExpectation: n must be an integer ≥ 2, got ${n}`);
  const xs = sampler(k, n);
  if (xs.length !== n)
    throw new InvalidArgumentError(`monteCarloExpectation: sampler returned ${xs.length} samples, expected ${n}`);
  let mean = 0,
    m2 = 0;
  for (let i = 0; i < n; i++) {
    const v = f(xs[i]!);
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`monteCarloExpectation: f returned ${v} at sample ${i}`);
    const d = v - mean;
    mean += d / (i + 1);
    m2 += d * (v - mean);
  }
  const variance = m2 / (n - 1);
  return { mean, stdError: Math.sqrt(variance / n), variance, samples: n };
}

/**
 * n samples of N(mean, cov) as the rows of an n×d matrix: X = Z·Lᵀ + mean with L = chol(cov) on `backend`,
 * Z from {@link normal} with `key` — identical numbers on every backend up to its rounding.
 *
 * *When to use:* GP prior draws, Monte Carlo checks of kernels. *Gotchas:* a singular cov needs a `jitter`
 * (NotPositiveDefiniteError suggests one); the jitter is never added silently.
 *
 * @example
 * const X = multivariateNormal(key(0), [0, 0], mat(2, 2, [1, 0.5, 0.5, 1]), 1000);
 */
export function multivariateNormal(
  k: Key,
  mean: ArrayLike<number>,
  cov: Mat,
  n: number,
  { backend = referenceBackend, jitter = 0 }: { backend?: ComputeBackend; jitter?: number } = {},
): Mat {
  const d = mean.length;
  if (cov.rows !== d || cov.cols !== d)
    throw new InvalidArgumentError(`multivariateNormal: cov must be ${d}×${d} to match mean, got ${cov.rows}×${cov.cols}`);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`multivariateNormal: n must be a non-negative integer, got ${n}`);
  for (let i = 0; i < d; i++)
    if (!Number.isFinite(mean[i]!)) throw new InvalidArgumentError(`multivariateNormal: mean[${i}] = ${mean[i]}`);
  const L = backend.cholesky(cov, { jitter });
  const Z = normalMat(k, n, d);
  if (n === 0) return Z;
  const X = backend.matmul(Z, L, { transB: true });
  const out = new Float64Array(X.data);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) out[r * d + c]! += mean[c]!;
  return { rows: n, cols: d, data: out };
}
