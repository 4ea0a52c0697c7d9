import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { binomial } from './special';

function covEntry(cov: Mat | readonly (readonly number[])[]): (i: number, j: number) => number {
  if (Array.isArray(cov)) {
    const rows = cov as readonly (readonly number[])[];
    return (i, j) => {
      const v = rows[i]?.[j];
      if (v === undefined || !Number.isFinite(v))
        throw new InvalidArgumentError(`gaussianMoment: covariance entry [${i}][${j}] is missing or not finite`);
      return v;
    };
  }
  const m = cov as Mat;
  return (i, j) => {
    if (i >= m.rows || j >= m.cols)
      throw new InvalidArgumentError(`gaussianMoment: index ${Math.max(i, j)} is outside the ${m.rows}×${m.cols} covariance`);
    const v = m.data[i * m.cols + j]!;
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`gaussianMoment: covariance entry [${i}][${j}] = ${v}`);
    return v;
  };
}

/**
 * Wick/Isserlis moment E[x_{i₁} x_{i₂} … x_{i_k}] of a zero-mean Gaussian with covariance `cov`: the sum over
 * all perfect pairings of the products of covariances (zero for odd k). Repeated indices are allowed, e.g.
 * [0, 0, 1, 1] gives C₀₀C₁₁ + 2C₀₁².
 *
 * *When to use:* exact polynomial moments (finite-width cumulants, tests of quadrature). *Gotchas:* the
 * pairing count is (k−1)!!, so keep k ≲ 16 (16 indices = 2·10⁶ pairings).
 *
 * @example
 * gaussianMoment([0, 0, 0, 0], [[2]]); // 3·2² = 12
 */
export function gaussianMoment(indices: readonly number[], cov: Mat | readonly (readonly number[])[]): number {
  for (const i of indices)
    if (!Number.isInteger(i) || i < 0)
      throw new InvalidArgumentError(`gaussianMoment: indices must be non-negative integers, got ${i}`);
  if (indices.length % 2 === 1) return 0;
  if (indices.length > 20)
    throw new InvalidArgumentError(
      `gaussianMoment: ${indices.length} indices means ${indices.length - 1}!! pairings; use Monte Carlo or a generating function`,
    );
  const C = covEntry(cov);
  const rec = (rest: number[]): number => {
    if (rest.length === 0) return 1;
    const [first, ...others] = rest as [number, ...number[]];
    let s = 0;
    for (let j = 0; j < others.length; j++) {
      const c = C(first, others[j]!);
      if (c === 0) continue;
      s += c * rec(others.filter((_, t) => t !== j));
    }
    return s;
  };
  return rec([...indices]);
}

function assertSeries(v: readonly number[], what: string): void {
  if (v.length === 0) throw new InvalidArgumentError(`${what}: need at least the order-0 entry`);
  for (let i = 0; i < v.length; i++)
    if (!Number.isFinite(v[i]!)) throw new InvalidArgumentError(`${what}: entry ${i} is ${v[i]}`);
}

/**
 * Univariate raw moments → cumulants. Input `moments[n] = E[Xⁿ]` with moments[0] = 1; output
 * `cumulants[n] = κₙ` (cumulants[0] = 0), via κₙ = mₙ − Σ_{k=1}^{n−1} C(n−1, k−1) κₖ m_{n−k}.
 *
 * *Gotchas:* high-order cumulants from Monte Carlo moments suffer huge cancellation; use exact moments.
 *
 * @example
 * momentsToCumulants([1, 0, 1, 0, 3, 0, 15]); // [0, 0, 1, 0, 0, 0, 0] (standard normal)
 */
export function momentsToCumulants(moments: readonly number[]): number[] {
  assertSeries(moments, 'momentsToCumulants');
  if (moments[0] !== 1) throw new InvalidArgumentError(`momentsToCumulants: moments[0] must be 1 (E[X⁰]), got ${moments[0]}`);
  const k = [0];
  for (let n = 1; n < moments.length; n++) {
    let s = moments[n]!;
    for (let j = 1; j < n; j++) s -= binomial(n - 1, j - 1) * k[j]! * moments[n - j]!;
    k.push(s);
  }
  return k;
}

/**
 * Univariate cumulants → raw moments: mₙ = Σ_{k=1}^{n} C(n−1, k−1) κₖ m_{n−k}, m₀ = 1 (cumulants[0] ignored).
 *
 * @example
 * cumulantsToMoments([0, 1, 1, 1, 1]); // Poisson(1): [1, 1, 2, 5, 15] (Bell numbers)
 */
export function cumulantsToMoments(cumulants: readonly number[]): number[] {
  assertSeries(cumulants, 'cumulantsToMoments');
  const m = [1];
  for (let n = 1; n < cumulants.length; n++) {
    let s = 0;
    for (let j = 1; j <= n; j++) s += binomial(n - 1, j - 1) * cumulants[j]! * m[n - j]!;
    m.push(s);
  }
  return m;
}

/** All set partitions of {0..n−1} (Bell(n) of them), as arrays of blocks. */
function setPartitions(n: number): number[][][] {
  if (n === 0) return [[]];
  const out: number[][][] = [];
  for (const p of setPartitions(n - 1)) {
    for (let b = 0; b < p.length; b++) out.push(p.map((blk, j) => (j === b ? [...blk, n - 1] : blk)));
    out.push([...p, [n - 1]]);
  }
  return out;
}

/**
 * Joint cumulant κ(X₁, …, Xₙ) from joint moments, by the set-partition (Möbius) formula
 * κ = Σ_π (|π|−1)!(−1)^{|π|−1} Π_{B∈π} E[Π_{i∈B} X_i]. `moment(subset)` returns E[Π_{i∈subset} X_i] for a subset
 * of the indices 0..n−1 (e.g. `(s) => gaussianMoment(s.map((i) => idx[i]), C)`).
 *
 * *When to use:* 4-point cumulants (the finite-width interaction U), checks that a law is Gaussian (all
 * joint cumulants beyond order 2 vanish). *Gotchas:* Bell(n) partitions — keep n ≤ 10; moments are cached by
 * subset.
 *
 * @example
 * const C = [[2, 0.5], [0.5, 1]];
 * jointCumulant(4, (s) => gaussianMoment(s.map((i) => [0, 0, 1, 1][i]), C)); // 0: Gaussian
 */
export function jointCumulant(n: number, moment: (subset: readonly number[]) => number): number {
  if (!Number.isInteger(n) || n < 1 || n > 12)
    throw new InvalidArgumentError(`jointCumulant: n must be an integer in [1, 12], got ${n}`);
  const cache = new Map<string, number>();
  const m = (blk: number[]) => {
    const key = blk.join(',');
    let v = cache.get(key);
    if (v === undefined) {
      v = moment(blk);
      if (!Number.isFinite(v)) throw new InvalidArgumentError(`jointCumulant: moment([${key}]) = ${v}`);
      cache.set(key, v);
    }
    return v;
  };
  let fact = [1];
  for (let i = 1; i < n; i++) fact = [...fact, fact[i - 1]! * i];
  let s = 0;
  for (const p of setPartitions(n)) {
    let prod = 1;
    for (const blk of p) prod *= m(blk);
    const k = p.length;
    s += (k % 2 === 1 ? 1 : -1) * fact[k - 1]! * prod;
  }
  return s;
}

/** Unbiased sample cumulants (k-statistics) k₁…k₄ of a sample. */
export interface KStatistics {
  k1: number;
  k2: number;
  k3: number;
  k4: number;
  samples: number;
}

/**
 * k-statistics k₁…k₄: the unique symmetric unbiased estimators of the cumulants κ₁…κ₄ (Fisher), from central
 * sample moments m_r: k₂ = n m₂/(n−1), k₃ = n² m₃/((n−1)(n−2)), k₄ = n²[(n+1)m₄ − 3(n−1)m₂²]/((n−1)(n−2)(n−3)).
 *
 * *When to use:* Monte Carlo estimates of finite-width cumulants (e.g. κ₄ of the network output).
 * *Gotchas:* needs n ≥ 4; the variance of k₄ is large (∝ κ₂⁴·24/n for Gaussian data).
 *
 * @example
 * kStatistics(normal(key(0), 100000)).k4; // ≈ 0 ± 0.015
 */
export function kStatistics(xs: ArrayLike<number>): KStatistics {
  const n = xs.length;
  if (n < 4) throw new InvalidArgumentError(`kStatistics: need at least 4 samples, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(xs[i]!)) throw new InvalidArgumentError(`kStatistics: sample ${i} is ${xs[i]}`);
    mean += xs[i]!;
  }
  mean /= n;
  let m2 = 0,
    m3 = 0,
    m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {
    k1: mean,
    k2: (n * m2) / (n - 1),
    k3: (n * n * m3) / ((n - 1) * (n - 2)),
    k4: (n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2)) / ((n - 1) * (n - 2) * (n - 3)),
    samples: n,
  };
}
