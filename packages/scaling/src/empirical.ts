import { InvalidArgumentError, type Mat, ShapeError } from '@sftdl/compute';
import { type Key, fold, minimize1d, split, uniform } from '@sftdl/field';
import { Fraction } from './fraction';

/**
 * Alignment A_f = ⟨f, y⟩ / ⟨y, y⟩ of predictions f with targets y, estimated on (fresh) test points, optionally with
 * quadrature weights (A_f = Σ wᵢfᵢyᵢ / Σ wᵢyᵢ², e.g. Gauss–Hermite nodes along a teacher direction).
 *
 * *Gotchas*: A_f ≈ 1 is necessary but not sufficient for a small test error (Cauchy–Schwarz). With equal weights on
 * random points, heavy-tailed targets make the estimate noisy: for y = He₃(z)/√6 the sample mean of y² over n points
 * has relative standard deviation √(92/n) (43 % at n = 500).
 *
 * @example
 * ```ts
 * alignment(new Float64Array([1, 2]), new Float64Array([2, 4])); // 0.5
 * alignment([1, 2], [2, 4], [0.5, 0]); // 0.5 (only the first point counts)
 * ```
 */
export function alignment(f: ArrayLike<number>, y: ArrayLike<number>, weights?: ArrayLike<number>): number {
  if (f.length !== y.length) throw new ShapeError(`alignment: predictions have length ${f.length}, targets ${y.length}`);
  if (weights && weights.length !== y.length)
    throw new ShapeError(`alignment: weights have length ${weights.length}, targets ${y.length}`);
  let fy = 0;
  let yy = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (!(w >= 0 && Number.isFinite(w))) throw new InvalidArgumentError('alignment: weights must be non-negative and finite');
    fy += w * f[i]! * y[i]!;
    yy += w * y[i]! * y[i]!;
  }
  if (!(yy > 0)) throw new InvalidArgumentError('alignment: the targets are identically zero; use a non-trivial teacher');
  const a = fy / yy;
  if (!Number.isFinite(a)) throw new InvalidArgumentError('alignment: non-finite predictions');
  return a;
}

/** What a runner is asked for: train at P = `samples`, input dimension d, width N, with a key. */
export interface RunRequest {
  samples: number;
  dim: number;
  width: number;
  key: Key;
}

/** What a runner returns: predictions and targets on fresh test data (plus optional read-in weights). */
export interface RunResult {
  prediction: Float64Array;
  target: Float64Array;
  /** First-layer weights (rows = neurons), for counting specialised neurons. */
  weights?: Mat;
  /** Teacher direction w* (unit norm), for counting specialised neurons. */
  teacherDirection?: Float64Array;
}

/**
 * An injected experiment: any function from (P, d, N, key) to test predictions, e.g. a Langevin
 * ensemble from @sftdl/training or an exact posterior. Keeps @sftdl/scaling free of training code.
 */
export type Runner = (req: RunRequest) => RunResult | Promise<RunResult>;

/**
 * The first P at which the alignment curve crosses `threshold` from below, by linear interpolation in
 * log P; null if it never does on the grid (extend the P range).
 */
export function onsetFromCurve(samples: readonly number[], align: readonly number[], threshold = 0.5): number | null {
  if (samples.length !== align.length) throw new ShapeError('onsetFromCurve: samples and alignment differ in length');
  for (let i = 0; i < samples.length; i++) {
    if (align[i]! >= threshold) {
      if (i === 0) return null; // already above at the smallest P: the onset is below the grid
      const x0 = Math.log(samples[i - 1]!);
      const x1 = Math.log(samples[i]!);
      const t = (threshold - align[i - 1]!) / (align[i]! - align[i - 1]!);
      return Math.exp(x0 + t * (x1 - x0));
    }
  }
  return null;
}

/**
 * The P at which an alignment curve (in increasing P) falls below `threshold` when walked from the top down: the
 * largest i with align[i] < threshold ≤ align[i + 1], interpolated linearly in log P between those two points. This
 * is the onset of a walk that starts in the feature-learning state and lowers P (the state's stability limit). Null
 * when the top point is below the threshold (the walk never started above it) or the curve never falls below it
 * (extend the walk down).
 */
export function onsetFromTop(samples: readonly number[], align: readonly number[], threshold = 0.5): number | null {
  if (samples.length !== align.length) throw new ShapeError('onsetFromTop: samples and alignment differ in length');
  const n = samples.length;
  if (n === 0 || !(align[n - 1]! >= threshold)) return null;
  for (let i = n - 2; i >= 0; i--) {
    if (align[i]! < threshold) {
      const x0 = Math.log(samples[i]!);
      const x1 = Math.log(samples[i + 1]!);
      const t = (threshold - align[i]!) / (align[i + 1]! - align[i]!);
      return Math.exp(x0 + t * (x1 - x0));
    }
  }
  return null;
}

/** Result of {@link fitDatasetOnsets}. */
export interface DatasetOnsetFit {
  /** Least-squares slope of mean_s log P*_s against log d. */
  exponent: number;
  /** Percentile bootstrap interval, resampling datasets (with replacement) within each d. */
  interval: [number, number];
  level: number;
  /** Per d: the geometric mean of its datasets' onsets and their count. */
  onsets: { dim: number; onset: number; datasets: number }[];
  resamples: number;
  /** Always 0: every dataset carries its own bracketed onset, so no resample can fail (kept for the output shape). */
  failedResamples: number;
}

/**
 * Exponent of P* ∝ d^a from one measured onset per independent dataset: at each d the mean of log P*_s over its
 * datasets, then a least-squares line in (log d, mean log P*). The interval is a percentile bootstrap that resamples
 * the datasets of each d with replacement (datasets are the independent units; chains of one dataset are not).
 *
 * *Gotchas*: every onset must be finite and positive (bracket each dataset's onset before fitting: an unbracketed
 * dataset is an error here, not a silently dropped resample). Captures dataset-to-dataset noise only, not
 * finite-size corrections to scaling.
 *
 * @example
 * ```ts
 * fitDatasetOnsets([{ dim: 8, onsets: [64, 70] }, { dim: 16, onsets: [130, 120] }], { key: key(0) }).exponent; // ≈ 1
 * ```
 */
export function fitDatasetOnsets(
  sizes: readonly { dim: number; onsets: readonly number[] }[],
  o: { resamples?: number; level?: number; key: Key },
): DatasetOnsetFit {
  const B = o.resamples ?? 400;
  const level = o.level ?? 0.9;
  if (sizes.length < 2) throw new InvalidArgumentError('fitDatasetOnsets: need at least two input dimensions');
  for (const s of sizes) {
    if (s.onsets.length === 0) throw new InvalidArgumentError(`fitDatasetOnsets: d = ${s.dim} has no datasets`);
    if (s.onsets.some((v) => !(v > 0) || !Number.isFinite(v)))
      throw new InvalidArgumentError(
        `fitDatasetOnsets: d = ${s.dim} has an onset that is not a positive finite number; bracket every dataset's onset first`,
      );
  }
  const geo = (v: readonly number[]) => Math.exp(v.reduce((a, b) => a + Math.log(b), 0) / v.length);
  const dims = sizes.map((s) => s.dim);
  const exponent = fitPowerLaw(
    dims,
    sizes.map((s) => geo(s.onsets)),
  ).slope;
  const keys = split(o.key, B);
  const reps: number[] = [];
  for (let b = 0; b < B; b++) {
    const means = sizes.map((s, i) => {
      const u = uniform(fold(keys[b]!, i), s.onsets.length);
      return geo(Array.from(u, (v) => s.onsets[Math.min(s.onsets.length - 1, Math.floor(v * s.onsets.length))]!));
    });
    reps.push(fitPowerLaw(dims, means).slope);
  }
  reps.sort((a, b) => a - b);
  const q = (p: number) => reps[Math.min(reps.length - 1, Math.max(0, Math.floor(p * (reps.length - 1) + 0.5)))]!;
  const alpha = (1 - level) / 2;
  return {
    exponent,
    interval: [q(alpha), q(1 - alpha)],
    level,
    onsets: sizes.map((s) => ({ dim: s.dim, onset: geo(s.onsets), datasets: s.onsets.length })),
    resamples: B,
    failedResamples: 0,
  };
}

/** One walked branch of a pooled onset: alignment of every dataset on a common, increasing P grid. */
export interface PooledCurve {
  samples: readonly number[];
  /** alignment[dataset][stage]; every dataset on the same `samples`. */
  alignment: readonly (readonly number[])[];
  /**
   * How the pooled (dataset-mean) curve is read: `first` = the first P where it reaches the threshold walking up
   * ({@link onsetFromCurve}); `fromTop` = where it falls below the threshold walking down from the top
   * ({@link onsetFromTop}).
   */
  crossing: 'first' | 'fromTop';
}

/** One input dimension of {@link fitPooledOnsets}: one or more branches measured on the same datasets. */
export interface PooledSize {
  dim: number;
  /**
   * The branches whose pooled crossings make the onset (one: that branch; several: the geometric mean of their
   * crossings). All have the same datasets (rows), which the bootstrap resamples jointly.
   */
  curves: readonly PooledCurve[];
}

/** Result of {@link fitPooledOnsets}. */
export interface PooledOnsetFit {
  /** Least-squares slope of log P* against log d, P* the pooled crossing at each d. */
  exponent: number;
  /** Percentile bootstrap interval of the slope (datasets resampled with replacement within each d). */
  interval: [number, number];
  level: number;
  /** Per d: the pooled onset, its percentile bootstrap interval (same level) and the number of datasets. */
  onsets: { dim: number; onset: number; interval: [number, number] | null; datasets: number; failedResamples: number }[];
  resamples: number;
  /** Replicates in which some d's resampled pooled curve did not cross on its grid (dropped from the interval). */
  failedResamples: number;
  /**
   * With `offset` (three or more d): the same onsets fitted as P* = A·d^a + B, B ≥ 0 ({@link fitPowerLawWithOffset}),
   * with percentile bootstrap intervals from the same replicates. Exploratory: a finite-size form, not the verdict's
   * estimator.
   */
  withOffset?: {
    exponent: number;
    interval: [number, number];
    amplitude: number;
    offset: number;
    offsetInterval: [number, number];
  };
}

/** Dataset-mean curve of rows (all the same length) picked by `pick` (indices into `rows`). */
function pooledMean(rows: readonly (readonly number[])[], pick: ArrayLike<number>): number[] {
  const n = rows[0]!.length;
  const m = new Array<number>(n).fill(0);
  for (let k = 0; k < pick.length; k++) {
    const r = rows[pick[k]!]!;
    for (let i = 0; i < n; i++) m[i]! += r[i]! / pick.length;
  }
  return m;
}

/**
 * Exponent of P* ∝ d^a from pooled onsets: at each d the alignment curves of its datasets are averaged (on the common
 * P grid of each branch), and P* is where that dataset-mean curve crosses `threshold` (interpolated linearly in
 * log P; the geometric mean over branches when several are given). Then a least-squares line of log P* on log d. The
 * interval is a percentile bootstrap that resamples the datasets of each d with replacement and recomputes the pooled
 * crossings (the datasets are the independent units).
 *
 * *Why pooled*: A_f is bounded, so one dataset whose curve plateaus just below the threshold moves the pooled curve by
 * at most 1/(datasets) of its gap, while its own threshold crossing (and so a mean of per-dataset crossings,
 * {@link fitDatasetOnsets}) can land anywhere far up the grid: per-dataset crossings are heavy-tailed, pooled ones are
 * not. If the datasets' curves are A_s(P) = g_s(log P − a·log d) with the g_s drawn from one d-independent
 * distribution, the population pooled curve is G(log P − a·log d) and its crossing scales exactly as d^a.
 *
 * *Gotchas*: each branch's grid must bracket the pooled crossing for the point estimate (an error otherwise); a
 * resample whose pooled curve does not cross on the grid is dropped and counted in `failedResamples` (walk the grid
 * further past the crossing if that count is not small).
 *
 * @example
 * ```ts
 * const curve = (c: number) => [1, 2, 4, 8].map((t) => (t * 8) / (t * 8 + c));
 * fitPooledOnsets(
 *   [
 *     { dim: 8, curves: [{ samples: [8, 16, 32, 64], alignment: [curve(16), curve(32)], crossing: 'first' }] },
 *     { dim: 16, curves: [{ samples: [16, 32, 64, 128], alignment: [curve(32), curve(64)], crossing: 'first' }] },
 *   ],
 *   { key: key(0) },
 * ).exponent; // 1
 * ```
 */
export function fitPooledOnsets(
  sizes: readonly PooledSize[],
  o: { threshold?: number; resamples?: number; level?: number; key: Key; offset?: boolean },
): PooledOnsetFit {
  const B = o.resamples ?? 400;
  const level = o.level ?? 0.9;
  const threshold = o.threshold ?? 0.5;
  if (sizes.length < 2) throw new InvalidArgumentError('fitPooledOnsets: need at least two input dimensions');
  const nData = sizes.map((s) => {
    if (s.curves.length === 0) throw new InvalidArgumentError(`fitPooledOnsets: d = ${s.dim} has no branch`);
    const n = s.curves[0]!.alignment.length;
    for (const c of s.curves) {
      if (c.alignment.length !== n || n === 0)
        throw new InvalidArgumentError(`fitPooledOnsets: d = ${s.dim}: every branch needs the same (non-zero) datasets`);
      for (const r of c.alignment)
        if (r.length !== c.samples.length)
          throw new ShapeError(`fitPooledOnsets: d = ${s.dim}: a dataset's curve does not match its P grid`);
      for (let i = 1; i < c.samples.length; i++)
        if (!(c.samples[i]! > c.samples[i - 1]!))
          throw new InvalidArgumentError(`fitPooledOnsets: d = ${s.dim}: the P grid must be increasing`);
    }
    return n;
  });
  const onsetAt = (s: PooledSize, pick: ArrayLike<number>): number | null => {
    let lg = 0;
    for (const c of s.curves) {
      const m = pooledMean(c.alignment, pick);
      const on = c.crossing === 'first' ? onsetFromCurve(c.samples, m, threshold) : onsetFromTop(c.samples, m, threshold);
      if (on === null) return null;
      lg += Math.log(on);
    }
    return Math.exp(lg / s.curves.length);
  };
  const dims = sizes.map((s) => s.dim);
  const all = nData.map((n) => Array.from({ length: n }, (_, i) => i));
  const point = sizes.map((s, i) => onsetAt(s, all[i]!));
  const missing = sizes.filter((_, i) => point[i] === null).map((s) => s.dim);
  if (missing.length)
    throw new InvalidArgumentError(
      `fitPooledOnsets: the dataset-mean alignment does not cross ${threshold} on the walked grid at d = ${missing.join(', ')}; extend the P range`,
    );
  const exponent = fitPowerLaw(dims, point as number[]).slope;
  const withOffset = o.offset === true && new Set(dims).size >= 3;
  const offRep: number[] = [],
    offB: number[] = [];
  const keys = split(o.key, B);
  const reps: number[] = [];
  const perDim: number[][] = sizes.map(() => []);
  const perFail = sizes.map(() => 0);
  let failed = 0;
  for (let b = 0; b < B; b++) {
    const on = sizes.map((s, i) => {
      const u = uniform(fold(keys[b]!, i), nData[i]!);
      const pick = Array.from(u, (v) => Math.min(nData[i]! - 1, Math.floor(v * nData[i]!)));
      const x = onsetAt(s, pick);
      if (x === null) perFail[i]!++;
      else perDim[i]!.push(x);
      return x;
    });
    if (on.some((x) => x === null)) failed++;
    else {
      reps.push(fitPowerLaw(dims, on as number[]).slope);
      if (withOffset) {
        const f = fitPowerLawWithOffset(dims, on as number[]);
        offRep.push(f.exponent);
        offB.push(f.offset);
      }
    }
  }
  const alpha = (1 - level) / 2;
  const pct = (v: number[]): [number, number] | null => {
    if (!v.length) return null;
    const s = [...v].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.floor(p * (s.length - 1) + 0.5)))]!;
    return [q(alpha), q(1 - alpha)];
  };
  const interval = pct(reps);
  if (!interval)
    throw new InvalidArgumentError('fitPooledOnsets: no bootstrap resample crossed the threshold at every d; extend the P range');
  return {
    exponent,
    interval,
    level,
    onsets: sizes.map((s, i) => ({
      dim: s.dim,
      onset: point[i]!,
      interval: pct(perDim[i]!),
      datasets: nData[i]!,
      failedResamples: perFail[i]!,
    })),
    resamples: B,
    failedResamples: failed,
    ...(withOffset && offRep.length
      ? (() => {
          const f = fitPowerLawWithOffset(dims, point as number[]);
          return {
            withOffset: {
              exponent: f.exponent,
              interval: pct(offRep)!,
              amplitude: f.amplitude,
              offset: f.offset,
              offsetInterval: pct(offB)!,
            },
          };
        })()
      : {}),
  };
}

/**
 * Fits y = A·x^a + B with A, B ≥ 0 by least squares in the relative residual (A·x^a + B)/y − 1 (for a fixed a the
 * problem is linear in A and B; a is profiled on a grid over [−1, 4] and refined by golden section). The finite-size
 * form of an onset whose leading term is ∝ d^a and whose remainder does not grow with d: the scale analysis keeps
 * only the leading term of the cost E(α), and an O(1) remainder (e.g. fitting the one-dimensional readout once the
 * direction is found) adds a d-independent offset to P*. Needs three or more distinct x.
 * @example
 * fitPowerLawWithOffset([8, 16, 32], [8 * 10 + 100, 16 * 10 + 100, 32 * 10 + 100]).exponent // ≈ 1
 */
export function fitPowerLawWithOffset(
  x: readonly number[],
  y: readonly number[],
): { exponent: number; amplitude: number; offset: number; residual: number } {
  if (x.length !== y.length || new Set(x).size < 3)
    throw new InvalidArgumentError('fitPowerLawWithOffset: need (x, y) pairs at three or more distinct x');
  if (x.some((v) => !(v > 0)) || y.some((v) => !(v > 0)))
    throw new InvalidArgumentError('fitPowerLawWithOffset: x and y must be positive');
  // for fixed a: minimise Σ (A·u_i + B·v_i − 1)², u_i = x_i^a / y_i, v_i = 1 / y_i, over A, B ≥ 0
  const solve = (a: number) => {
    let uu = 0,
      uv = 0,
      vv = 0,
      u1 = 0,
      v1 = 0;
    for (let i = 0; i < x.length; i++) {
      const u = x[i]! ** a / y[i]!,
        v = 1 / y[i]!;
      uu += u * u;
      uv += u * v;
      vv += v * v;
      u1 += u;
      v1 += v;
    }
    const cost = (A: number, B: number) => {
      let r = 0;
      for (let i = 0; i < x.length; i++) r += ((A * x[i]! ** a + B) / y[i]! - 1) ** 2;
      return r;
    };
    const det = uu * vv - uv * uv;
    const cands: [number, number][] = [
      [u1 / uu, 0],
      [0, v1 / vv],
    ];
    if (det > 1e-12 * uu * vv) {
      const A = (u1 * vv - v1 * uv) / det,
        B = (v1 * uu - u1 * uv) / det;
      if (A >= 0 && B >= 0) cands.push([A, B]);
    }
    let best = { A: 0, B: 0, r: Number.POSITIVE_INFINITY };
    for (const [A, B] of cands) {
      const r = cost(A, B);
      if (r < best.r) best = { A, B, r };
    }
    return best;
  };
  const lo = -1,
    hi = 4,
    steps = 500;
  let ia = 0,
    rBest = Number.POSITIVE_INFINITY;
  for (let k = 0; k <= steps; k++) {
    const r = solve(lo + ((hi - lo) * k) / steps).r;
    if (r < rBest) {
      rBest = r;
      ia = k;
    }
  }
  let a0 = lo + ((hi - lo) * Math.max(0, ia - 1)) / steps,
    a1 = lo + ((hi - lo) * Math.min(steps, ia + 1)) / steps;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const c = a1 - g * (a1 - a0),
      d = a0 + g * (a1 - a0);
    if (solve(c).r <= solve(d).r) a1 = d;
    else a0 = c;
  }
  const a = (a0 + a1) / 2;
  const f = solve(a);
  return { exponent: a, amplitude: f.A, offset: f.B, residual: f.r };
}

/** Least-squares slope and intercept of log y against log x (a power-law fit y ∝ x^slope). */
export function fitPowerLaw(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  if (x.length !== y.length || x.length < 2)
    throw new InvalidArgumentError('fitPowerLaw: need at least two (x, y) pairs of equal length');
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  if (!(sxx > 0)) throw new InvalidArgumentError('fitPowerLaw: all x are equal; use at least two different sizes');
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** One size of a sweep: the alignment of every seed at every P. */
export interface SweepSize {
  dim: number;
  width: number;
  samples: number[];
  /** alignment[seed][p]. */
  alignment: number[][];
  /** Specialised-neuron counts per seed at the largest P (when the runner returns weights). */
  specialised?: number[];
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  dims: readonly number[];
  /** Width N as a function of d (e.g. d => 4 * d). */
  width: (dim: number) => number;
  /** The P grid for each d (increasing). */
  samples: (dim: number) => readonly number[];
  seeds: number;
  key: Key;
  /** Threshold for specialised neurons |ŵ·w*| > c (default 0.5). */
  specialisationThreshold?: number;
  onProgress?: (msg: string) => void;
}

/**
 * Runs the injected runner over the (d, P, seed) grid. Each run gets its own folded key.
 *
 * *When to use*: to collect alignment curves for {@link fitOnsetExponent}.
 *
 * *Gotchas*: the P grid must bracket the onset for every d (the fit throws otherwise); put the grid on
 * multiples of d^a around the expected scale and widen it if the onset falls outside.
 *
 * @example
 * ```ts
 * const sweep = await runSweep(myRunner, {
 *   dims: [16, 32, 64], width: (d) => 2 * d, samples: (d) => [0.25, 0.5, 1, 2, 4].map((c) => Math.round(c * d)),
 *   seeds: 4, key: key(0),
 * });
 * ```
 */
export async function runSweep(runner: Runner, o: SweepOptions): Promise<SweepSize[]> {
  if (!Number.isInteger(o.seeds) || o.seeds < 1)
    throw new InvalidArgumentError(`seeds must be a positive integer, got ${o.seeds}`);
  const out: SweepSize[] = [];
  for (let di = 0; di < o.dims.length; di++) {
    const dim = o.dims[di]!;
    const width = o.width(dim);
    const samples = [...o.samples(dim)];
    for (let i = 1; i < samples.length; i++)
      if (!(samples[i]! > samples[i - 1]!)) throw new InvalidArgumentError(`the P grid for d = ${dim} must be increasing`);
    const al: number[][] = [];
    const spec: number[] = [];
    for (let s = 0; s < o.seeds; s++) {
      const row: number[] = [];
      for (let p = 0; p < samples.length; p++) {
        const k = fold(fold(fold(o.key, di), s), p);
        const r = await runner({ samples: samples[p]!, dim, width, key: k });
        row.push(alignment(r.prediction, r.target));
        if (p === samples.length - 1 && r.weights && r.teacherDirection) {
          spec.push(countSpecialised(r.weights, r.teacherDirection, { threshold: o.specialisationThreshold ?? 0.5 }).count);
        }
      }
      al.push(row);
      o.onProgress?.(`d = ${dim}, seed ${s + 1}/${o.seeds}: A_f = ${row.map((a) => a.toFixed(2)).join(' ')}`);
    }
    out.push({ dim, width, samples, alignment: al, ...(spec.length ? { specialised: spec } : {}) });
  }
  return out;
}

function meanCurve(rows: readonly number[][]): number[] {
  const m = rows[0]!.map(() => 0);
  for (const r of rows)
    r.forEach((v, i) => {
      m[i]! += v / rows.length;
    });
  return m;
}

/** Result of {@link fitOnsetExponent}. */
export interface ExponentFit {
  method: 'threshold' | 'collapse';
  exponent: number;
  /** Percentile bootstrap interval (resampling seeds within each d). */
  interval: [number, number];
  level: number;
  /** Onset P* per d from the seed-mean curves (threshold method). */
  onsets?: { dim: number; onset: number | null }[];
  resamples: number;
  /** Bootstrap replicates that failed (an onset outside the P grid) and were dropped. */
  failedResamples: number;
}

/**
 * Exponent of the onset P* ∝ d^a from a sweep. `threshold`: P* where the seed-mean alignment crosses
 * the threshold, then a log–log fit across d. `collapse`: the a that best collapses A_f(P/d^a) across d
 * (least squared spread between interpolated curves). The interval is a percentile bootstrap over seeds.
 *
 * *Gotchas*: the bootstrap resamples seeds within each d, so it captures seed-to-seed noise only, not
 * finite-size corrections to scaling; use several d spanning at least a factor 4.
 *
 * @example
 * ```ts
 * const fit = fitOnsetExponent(sweep, { key: key(1) });
 * compareWithPrediction(fit, prediction.pStarExponent).consistent;
 * ```
 */
export function fitOnsetExponent(
  sweep: readonly SweepSize[],
  o: {
    method?: 'threshold' | 'collapse';
    threshold?: number;
    resamples?: number;
    level?: number;
    key: Key;
    range?: [number, number];
  },
): ExponentFit {
  const method = o.method ?? 'threshold';
  const threshold = o.threshold ?? 0.5;
  const B = o.resamples ?? 200;
  const level = o.level ?? 0.9;
  if (sweep.length < 2) throw new InvalidArgumentError('fitOnsetExponent: need at least two input dimensions');
  const estimate = (curves: number[][]): number | null => {
    if (method === 'threshold') {
      const on = sweep.map((s, i) => onsetFromCurve(s.samples, curves[i]!, threshold));
      if (on.some((x) => x === null)) return null;
      return fitPowerLaw(
        sweep.map((s) => s.dim),
        on as number[],
      ).slope;
    }
    return collapseExponent(
      sweep.map((s, i) => ({ dim: s.dim, samples: s.samples, alignment: curves[i]! })),
      o.range ?? [0, 4],
    );
  };
  const base = sweep.map((s) => meanCurve(s.alignment));
  const point = estimate(base);
  if (point === null) {
    throw new InvalidArgumentError(
      `the mean alignment does not cross ${threshold} inside the P grid for every d; widen the P range (onsets: ${sweep.map((s, i) => `d=${s.dim}: ${onsetFromCurve(s.samples, base[i]!, threshold) ?? 'none'}`).join(', ')})`,
    );
  }
  const reps: number[] = [];
  let failed = 0;
  const keys = split(o.key, B);
  for (let b = 0; b < B; b++) {
    const curves = sweep.map((s, i) => {
      const u = uniform(fold(keys[b]!, i), s.alignment.length);
      return meanCurve(Array.from(u, (v) => s.alignment[Math.min(s.alignment.length - 1, Math.floor(v * s.alignment.length))]!));
    });
    const e = estimate(curves);
    if (e === null) failed++;
    else reps.push(e);
  }
  reps.sort((a, b) => a - b);
  const q = (p: number) =>
    reps.length ? reps[Math.min(reps.length - 1, Math.max(0, Math.floor(p * (reps.length - 1) + 0.5)))]! : Number.NaN;
  const alpha = (1 - level) / 2;
  return {
    method,
    exponent: point,
    interval: [q(alpha), q(1 - alpha)],
    level,
    ...(method === 'threshold'
      ? { onsets: sweep.map((s, i) => ({ dim: s.dim, onset: onsetFromCurve(s.samples, base[i]!, threshold) })) }
      : {}),
    resamples: B,
    failedResamples: failed,
  };
}

/**
 * The exponent a that best collapses alignment curves A_f(P/d^a) across d: minimises the mean squared
 * difference between every pair of curves (linear interpolation in log P) on their overlap.
 */
export function collapseExponent(
  curves: readonly { dim: number; samples: readonly number[]; alignment: readonly number[] }[],
  range: [number, number] = [0, 4],
): number {
  const interp = (xs: number[], ys: readonly number[], x: number) => {
    let i = 0;
    while (i + 2 < xs.length && x > xs[i + 1]!) i++;
    const t = (x - xs[i]!) / (xs[i + 1]! - xs[i]!);
    return ys[i]! + t * (ys[i + 1]! - ys[i]!);
  };
  const spread = (a: number) => {
    const xs = curves.map((c) => c.samples.map((p) => Math.log(p) - a * Math.log(c.dim)));
    let s = 0;
    let n = 0;
    for (let i = 0; i < curves.length; i++) {
      for (let j = i + 1; j < curves.length; j++) {
        const lo = Math.max(xs[i]![0]!, xs[j]![0]!);
        const hi = Math.min(xs[i]![xs[i]!.length - 1]!, xs[j]![xs[j]!.length - 1]!);
        if (!(hi > lo)) {
          s += 1;
          n += 1;
          continue;
        } // no overlap: maximal penalty
        for (let q = 0; q <= 20; q++) {
          const x = lo + ((hi - lo) * q) / 20;
          s += (interp(xs[i]!, curves[i]!.alignment, x) - interp(xs[j]!, curves[j]!.alignment, x)) ** 2;
          n++;
        }
      }
    }
    return s / n;
  };
  return minimize1d(spread, range[0], range[1], { tol: 1e-8 }).x;
}

/**
 * Counts neurons whose normalised read-in weight overlaps the teacher direction: |ŵ_i·w*| > threshold
 * (default 0.5, the note's operational definition; the bulk overlap is O(1/√d)).
 */
export function countSpecialised(
  weights: Mat,
  teacherDirection: ArrayLike<number>,
  o: { threshold?: number } = {},
): { count: number; overlaps: Float64Array } {
  const d = weights.cols;
  if (teacherDirection.length !== d)
    throw new ShapeError(`countSpecialised: weights have ${d} columns, w* has length ${teacherDirection.length}`);
  let nn = 0;
  for (let j = 0; j < d; j++) nn += teacherDirection[j]! ** 2;
  const c = o.threshold ?? 0.5;
  const overlaps = new Float64Array(weights.rows);
  let count = 0;
  for (let i = 0; i < weights.rows; i++) {
    let dot = 0;
    let ww = 0;
    for (let j = 0; j < d; j++) {
      const w = weights.data[i * d + j]!;
      dot += w * teacherDirection[j]!;
      ww += w * w;
    }
    overlaps[i] = ww > 0 ? dot / Math.sqrt(ww * nn) : 0;
    if (Math.abs(overlaps[i]!) > c) count++;
  }
  return { count, overlaps };
}

/** Measured exponent vs the predicted one (and the rival mechanisms' exponents). */
export interface Comparison {
  predicted: number;
  predictedExact: string;
  /** 'scaling': the prediction is the onset's scale; 'lower-bound': the paper gives only a bound on it. */
  kind: 'scaling' | 'lower-bound';
  measured: number;
  interval: [number, number];
  /** Exponents of the mechanisms that lost the minimum (distinct from the prediction), ascending. */
  rivalExponents: number[];
  /** The interval contains the prediction (scaling), or does not lie entirely below it (lower-bound). */
  containsPrediction: boolean;
  /** Rival exponents inside the interval (a scaling verdict needs none). */
  rivalsInside: number[];
  /**
   * Scaling: the interval contains the prediction, excludes every rival, and is no wider than the gap between the
   * prediction and its nearest rival. Lower-bound: the interval does not lie entirely below the bound (a measured
   * exponent at or above a lower bound agrees with it).
   */
  consistent: boolean;
  /**
   * Whether the measurement can tell the mechanisms apart: false when the interval contains the prediction and is
   * either wider than the gap to the nearest rival or contains a rival (too wide to decide; more seeds or sizes
   * needed). Always true for a lower-bound comparison.
   */
  decisive: boolean;
  /** One sentence saying what the comparison found. */
  verdict: string;
}

/**
 * Compares a fitted onset exponent with the scale-analysis prediction. For `kind: 'scaling'` the verdict is
 * consistent when the bootstrap interval contains the predicted exponent and excludes every rival exponent; for
 * `kind: 'lower-bound'` when the interval does not lie entirely below the bound.
 *
 * @example
 * ```ts
 * compareWithPrediction(fit, Fraction.ONE, { rivals: [Fraction.of(3, 2), Fraction.of(3)] }).consistent;
 * ```
 */
export function compareWithPrediction(
  fit: Pick<ExponentFit, 'exponent' | 'interval'>,
  predicted: Fraction,
  o: { rivals?: readonly Fraction[]; kind?: 'scaling' | 'lower-bound' } = {},
): Comparison {
  const p = predicted.toNumber();
  const kind = o.kind ?? 'scaling';
  const [lo, hi] = fit.interval;
  if (!(lo <= hi)) throw new InvalidArgumentError(`compareWithPrediction: interval [${lo}, ${hi}] is empty or NaN`);
  const rivals = [...new Set((o.rivals ?? []).filter((r) => !r.eq(predicted)).map((r) => r.toNumber()))].sort((a, b) => a - b);
  const inside = (x: number) => lo <= x && x <= hi;
  const rivalsInside = rivals.filter(inside);
  const iv = `[${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
  const base = { predicted: p, predictedExact: predicted.toString(), kind, measured: fit.exponent, interval: fit.interval };
  if (kind === 'lower-bound') {
    const ok = hi >= p;
    const verdict = ok
      ? `the interval ${iv} is not below the lower bound ${predicted} (consistent with a bound)`
      : `the interval ${iv} lies below the lower bound ${predicted}: the bound is violated`;
    return { ...base, rivalExponents: rivals, containsPrediction: ok, rivalsInside, consistent: ok, decisive: true, verdict };
  }
  const contains = inside(p);
  // an interval wider than the gap between the prediction and its nearest rival cannot tell them apart, even when
  // it happens to stop short of the rival
  const gap = Math.min(...rivals.map((r) => Math.abs(r - p)));
  const narrow = hi - lo <= gap;
  const consistent = contains && rivalsInside.length === 0 && narrow;
  const decisive = !(contains && rivalsInside.length > 0) && (narrow || !contains);
  const tooWide = ': too wide to decide (use more seeds, a wider range of d or longer runs)';
  const verdict = consistent
    ? `the interval ${iv} contains the predicted ${predicted} and excludes the rivals ${rivals.join(', ') || '(none)'}`
    : contains
      ? rivalsInside.length
        ? `the interval ${iv} contains the predicted ${predicted} but also the rival(s) ${rivalsInside.join(', ')}${tooWide}`
        : `the interval ${iv} contains the predicted ${predicted} but is wider than its gap ${gap.toFixed(3)} to the nearest rival${tooWide}`
      : `the interval ${iv} excludes the predicted ${predicted}${rivalsInside.length ? ` and contains the rival(s) ${rivalsInside.join(', ')}` : ''}`;
  return { ...base, rivalExponents: rivals, containsPrediction: contains, rivalsInside, consistent, decisive, verdict };
}

/**
 * Expected number of bulk (unspecialised) neurons above the overlap threshold c by chance: a random direction in d
 * dimensions has |ŵ·w*| > c with probability I_{1−c²}((d−1)/2, 1/2) (regularised incomplete beta); here by the exact
 * finite-d density of the overlap t, (1 − t²)^((d−3)/2), integrated numerically. Subtract it from a raw count.
 */
export function chanceSpecialised(width: number, dim: number, threshold = 0.5): number {
  if (!(dim >= 2)) throw new InvalidArgumentError(`chanceSpecialised: need d ≥ 2, got ${dim}`);
  const e = (dim - 3) / 2;
  const f = (t: number) => (1 - t * t) ** e;
  const simpson = (a: number, b: number, n = 2000) => {
    const h = (b - a) / n;
    let s = f(a) + f(b);
    for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
    return (s * h) / 3;
  };
  if (dim === 2) {
    // density ∝ (1 − t²)^(−1/2): P(|t| > c) = 1 − (2/π) asin(c)
    return width * (1 - (2 / Math.PI) * Math.asin(Math.min(1, threshold)));
  }
  return (width * simpson(threshold, 1)) / simpson(0, 1);
}
