/**
 * Averaging Langevin ensembles over independent training sets. The adaptive-kernel theory predicts the learned
 * coefficients of a typical (dataset-averaged) training set, while one ensemble measures the posterior of ONE training
 * set. On the cubic teacher at the tour's sizes the dataset-to-dataset spread of the learned linear coefficient is
 * large (the GFL amplification 1/(1 − uAb²) multiplies the finite-n fluctuation of the GP's fit by ≈ 4: e.g. 0.48 and
 * 0.66 on two datasets at σ² = 0.25, with Monte Carlo errors of 0.001), so a comparison with the theory must average
 * over datasets and include the between-dataset spread in its standard error.
 */
import type { OverlapHistogram } from '@sftdl/training';
import { EQUILIBRATION_TARGET, type EnsembleOutcome } from './langevin';

/** The per-dataset numbers kept in the JSON (`datasets` of a run). */
export interface DatasetSummary {
  learnedLinear: number;
  learnedLinearSe: number;
  learnedCubic: number;
  learnedCubicSe: number;
  rhat: number;
  ess: number;
  equilibrated: boolean;
  stepsDone: number;
  seconds: number;
}

/**
 * Hysteresis check of a σ² point: learned coefficients of the teacher-aligned chains minus those of the prior-started
 * chains, paired within each dataset (so the dataset spread cancels) and averaged over the datasets with the standard
 * error of that mean (needs at least two datasets having both starts). `mix` is true when both differences are
 * within 3 SE of 0: the chains forget their start, i.e. they move between the GFL and droplet branches.
 */
export interface StartComparison {
  datasets: number;
  cubicGap: number;
  cubicGapSe: number;
  linearGap: number;
  linearGapSe: number;
  mix: boolean;
}

/** An ensemble outcome averaged over datasets, with the per-dataset numbers. */
export type DatasetAveragedOutcome = EnsembleOutcome & { datasets: DatasetSummary[]; startComparison?: StartComparison };

/**
 * Aligned-minus-prior differences of the learned coefficients, paired per dataset ({@link StartComparison}).
 * @example compareStarts([]) // null
 */
export function compareStarts(outs: Pick<EnsembleOutcome, 'starts'>[]): StartComparison | null {
  const pairs = outs.flatMap((o) =>
    o.starts.prior && o.starts.aligned
      ? [
          {
            c: o.starts.aligned.learnedCubic - o.starts.prior.learnedCubic,
            l: o.starts.aligned.learnedLinear - o.starts.prior.learnedLinear,
          },
        ]
      : [],
  );
  const k = pairs.length;
  if (k < 2) return null;
  const stat = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / k;
    return { m, se: Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (k - 1) / k) };
  };
  const c = stat(pairs.map((p) => p.c));
  const l = stat(pairs.map((p) => p.l));
  return {
    datasets: k,
    cubicGap: c.m,
    cubicGapSe: c.se,
    linearGap: l.m,
    linearGapSe: l.se,
    mix: Math.abs(c.m) <= 3 * c.se && Math.abs(l.m) <= 3 * l.se,
  };
}

/**
 * Mean over k datasets and its standard error: the larger of the between-dataset estimate sd/√k (which contains the
 * Monte Carlo noise too) and the propagated per-dataset errors √(Σ seⱼ²)/k. With one dataset: that dataset's value and error.
 * @example meanOverDatasets([1, 3], [0.1, 0.1]) // { mean: 2, se: 1 }
 */
export function meanOverDatasets(values: number[], ses: number[]): { mean: number; se: number } {
  const k = values.length;
  if (k === 0) throw new RangeError('meanOverDatasets: no datasets');
  const mean = values.reduce((a, b) => a + b, 0) / k;
  const propagated = Math.sqrt(ses.reduce((a, s) => a + s * s, 0)) / k;
  if (k === 1) return { mean, se: propagated };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (k - 1));
  return { mean, se: Math.max(sd / Math.sqrt(k), propagated) };
}

/** Sum of overlap histograms on the same bins, with −log p recomputed from the pooled counts. */
export function poolHistograms(hs: OverlapHistogram[]): OverlapHistogram {
  const first = hs[0];
  if (!first) throw new RangeError('poolHistograms: no histograms');
  const counts = first.counts.map((_, i) => hs.reduce((a, h) => a + (h.counts[i] ?? 0), 0));
  const total = hs.reduce((a, h) => a + h.total, 0);
  const width = (first.edges[1] ?? 1) - (first.edges[0] ?? 0);
  return {
    edges: first.edges,
    counts,
    total,
    negLogP: counts.map((c) => (c > 0 ? -Math.log(c / (total * width)) : null)),
    underflow: hs.reduce((a, h) => a + h.underflow, 0),
    overflow: hs.reduce((a, h) => a + h.overflow, 0),
  };
}

/**
 * Combines the ensembles of one σ² run on k independent datasets: learned coefficients averaged over datasets
 * ({@link meanOverDatasets}), R̂ the largest, ESS of the dataset mean k²/Σ(1/ESSⱼ) (exact when the per-sample variances
 * are equal), equilibrated when every dataset is, overlap histograms pooled. One dataset: returned as is.
 */
export function combineDatasets(outs: EnsembleOutcome[]): DatasetAveragedOutcome {
  const first = outs[0];
  if (!first) throw new RangeError('combineDatasets: no ensembles');
  const datasets: DatasetSummary[] = outs.map((o) => ({
    learnedLinear: o.learnedLinear,
    learnedLinearSe: o.learnedLinearSe,
    learnedCubic: o.learnedCubic,
    learnedCubicSe: o.learnedCubicSe,
    rhat: o.rhat,
    ess: o.ess,
    equilibrated: o.equilibrated,
    stepsDone: o.stepsDone,
    seconds: o.seconds,
  }));
  const sc = compareStarts(outs);
  const startComparison = sc ? { startComparison: sc } : {};
  if (outs.length === 1) return { ...first, datasets, ...startComparison };
  const k = outs.length;
  const lin = meanOverDatasets(
    outs.map((o) => o.learnedLinear),
    outs.map((o) => o.learnedLinearSe),
  );
  const cub = meanOverDatasets(
    outs.map((o) => o.learnedCubic),
    outs.map((o) => o.learnedCubicSe),
  );
  const linMc = meanOverDatasets(
    outs.map((o) => o.learnedLinear),
    outs.map((o) => o.learnedLinearSeMc),
  );
  const cubMc = meanOverDatasets(
    outs.map((o) => o.learnedCubic),
    outs.map((o) => o.learnedCubicSeMc),
  );
  const essMean = (e: number[]) => (k * k) / e.reduce((a, x) => a + 1 / Math.max(x, 1e-12), 0);
  const sum = (f: (o: EnsembleOutcome) => number) => outs.reduce((a, o) => a + f(o), 0);
  const max = (f: (o: EnsembleOutcome) => number) => Math.max(...outs.map(f));
  const ess = essMean(outs.map((o) => o.ess));
  const rhat = max((o) => o.rhat);
  // judged against the tour's target: every dataset's R̂ and the ESS of the dataset mean
  const equilibrated = outs.every((o) => o.rhat <= EQUILIBRATION_TARGET.rhat) && ess >= EQUILIBRATION_TARGET.ess;
  const warnings = outs.flatMap((o, j) => o.warnings.map((w) => `dataset ${j}: ${w}`));
  return {
    ...first,
    stepsPlanned: max((o) => o.stepsPlanned),
    stepsDone: Math.round(sum((o) => o.stepsDone) / k),
    recordedSamples: sum((o) => o.recordedSamples),
    chains: sum((o) => o.chains),
    alignedChains: sum((o) => o.alignedChains),
    seconds: sum((o) => o.seconds),
    he1: sum((o) => o.he1) / k,
    he3: sum((o) => o.he3) / k,
    learnedLinear: lin.mean,
    learnedLinearSe: lin.se,
    learnedCubic: cub.mean,
    learnedCubicSe: cub.se,
    learnedLinearSeMc: linMc.se,
    learnedCubicSeMc: cubMc.se,
    learnedCubicSeFit: Math.sqrt(sum((o) => o.learnedCubicSeFit ** 2)) / k,
    overlap: poolHistograms(outs.map((o) => o.overlap)),
    rhat,
    ess,
    samplerRhat: max((o) => o.samplerRhat),
    samplerEss: essMean(outs.map((o) => o.samplerEss)),
    equilibrated,
    target: { rhat: EQUILIBRATION_TARGET.rhat, ess: EQUILIBRATION_TARGET.ess },
    warnings,
    datasets,
    ...startComparison,
  };
}
