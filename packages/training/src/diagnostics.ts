import { InvalidArgumentError } from '@sftdl/compute';

/**
 * Integrated autocorrelation time τ_int = 1 + 2Σ_{t≥1} ρ(t) of a scalar trace, in units of the trace's spacing.
 * Uses Sokal's automatic window (smallest W with W ≥ c·τ(W), c = 5) on the chain-averaged autocorrelation.
 *
 * *When to use*: effective sample size ESS = (samples)/τ_int of a Langevin trace.
 *
 * *Gotchas*: needs traces much longer than τ_int; for a trace shorter than ~50τ it underestimates (the sampler
 * warns). A constant trace returns 1.
 *
 * @example
 * ```ts
 * integratedAutocorrTime([[1, 2, 1, 2, 1, 2]]); // < 1: anticorrelated
 * ```
 */
export function integratedAutocorrTime(chains: ArrayLike<number>[], c = 5): number {
  const m = Math.min(...chains.map((t) => t.length));
  if (!(m >= 2)) throw new InvalidArgumentError('integratedAutocorrTime: each chain needs at least 2 values');
  const cs: Array<{ tr: ArrayLike<number>; mean: number; v0: number }> = [];
  for (const tr of chains) {
    let mean = 0;
    for (let i = 0; i < m; i++) mean += tr[i]! / m;
    let v0 = 0;
    for (let i = 0; i < m; i++) v0 += (tr[i]! - mean) ** 2;
    if (v0 > 0) cs.push({ tr, mean, v0 });
  }
  if (cs.length === 0) return 1;
  // ρ(t) averaged over chains, computed lazily up to the window (cost O(m·W))
  let tau = 1;
  for (let w = 1; w < m; w++) {
    let r = 0;
    for (const { tr, mean, v0 } of cs) {
      let s = 0;
      for (let i = 0; i + w < m; i++) s += (tr[i]! - mean) * (tr[i + w]! - mean);
      r += s / v0;
    }
    tau += (2 * r) / cs.length;
    if (w >= c * tau) break;
  }
  return Math.max(tau, 1 / m);
}

/**
 * Split-R̂ (Gelman–Rubin with every chain split in halves) over chains of equal length.
 *
 * *When to use*: convergence check across independent chains; values above ≈1.05 mean the chains disagree.
 *
 * *Gotchas*: chains are truncated to the shortest length (an odd last value is dropped); a constant set of traces
 * returns 1.
 *
 * @example
 * ```ts
 * splitRhat([[0, 1, 0, 1], [0, 1, 1, 0]]); // ≈ 1
 * ```
 */
export function splitRhat(chains: ArrayLike<number>[]): number {
  const m = Math.floor(Math.min(...chains.map((t) => t.length)) / 2);
  if (chains.length === 0 || m < 2) throw new InvalidArgumentError('splitRhat: need at least one chain of length ≥ 4');
  const halves: number[][] = [];
  for (const tr of chains) {
    halves.push(Array.from({ length: m }, (_, i) => tr[i]!));
    halves.push(Array.from({ length: m }, (_, i) => tr[i + m]!));
  }
  const k = halves.length;
  const means = halves.map((h) => h.reduce((a, b) => a + b, 0) / m);
  const grand = means.reduce((a, b) => a + b, 0) / k;
  const B = (m / (k - 1)) * means.reduce((a, b) => a + (b - grand) ** 2, 0);
  const W = halves.reduce((acc, h, j) => acc + h.reduce((a, b) => a + (b - means[j]!) ** 2, 0) / (m - 1), 0) / k;
  if (!(W > 0)) return B > 0 ? Infinity : 1;
  const vhat = ((m - 1) / m) * W + B / m;
  return Math.sqrt(vhat / W);
}

/**
 * Stationarity check of a histogram: compares the first-half and second-half counts of the sampling phase with a
 * χ² statistic per degree of freedom (bins with fewer than 5 expected counts are pooled), corrected by the
 * autocorrelation time (counts of correlated samples fluctuate τ times more than Poisson).
 *
 * *When to use*: the overlap histogram of the grokking experiments (a first-order transition can leave chains
 * stuck; a drifting histogram means the run is too short).
 *
 * @example
 * ```ts
 * histogramStationarity([10, 20, 10], [11, 19, 10], 1).stationary; // true
 * ```
 */
export function histogramStationarity(
  first: ArrayLike<number>,
  second: ArrayLike<number>,
  tau = 1,
): { chi2PerDof: number; dof: number; stationary: boolean } {
  let n1 = 0,
    n2 = 0;
  for (let i = 0; i < first.length; i++) {
    n1 += first[i]!;
    n2 += second[i]!;
  }
  if (n1 === 0 || n2 === 0) return { chi2PerDof: 0, dof: 0, stationary: true };
  let chi2 = 0,
    dof = -1,
    p1 = 0,
    p2 = 0;
  const flush = () => {
    const tot = p1 + p2;
    if (tot === 0) return;
    const e1 = (tot * n1) / (n1 + n2),
      e2 = (tot * n2) / (n1 + n2);
    chi2 += (p1 - e1) ** 2 / e1 + (p2 - e2) ** 2 / e2;
    dof++;
    p1 = 0;
    p2 = 0;
  };
  for (let i = 0; i < first.length; i++) {
    p1 += first[i]!;
    p2 += second[i]!;
    if (((p1 + p2) * Math.min(n1, n2)) / (n1 + n2) >= 5) flush();
  }
  flush();
  if (dof < 1) return { chi2PerDof: 0, dof: 0, stationary: true };
  const chi2PerDof = chi2 / dof / Math.max(1, tau);
  // 3σ bound of χ²/dof under the null: 1 + 3√(2/dof)
  return { chi2PerDof, dof, stationary: chi2PerDof < 1 + 3 * Math.sqrt(2 / dof) };
}
