import { readFileSync } from 'node:fs';
import { solveCubicFiniteD } from '@sftdl/solvers';
import { describe, expect, it } from 'vitest';
import { combineDatasets, meanOverDatasets, poolHistograms } from './datasets';
import type { EnsembleOutcome } from './langevin';

const hist = (counts: number[]) => {
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    edges: [0, 0.5, 1, 1.5],
    counts,
    total,
    negLogP: counts.map((c) => (c > 0 ? -Math.log(c / (total * 0.5)) : null)),
    underflow: 0,
    overflow: 1,
  };
};

function outcome(
  lin: number,
  linSe: number,
  cub: number,
  cubSe: number,
  rhat: number,
  ess: number,
  counts: number[],
): EnsembleOutcome {
  const diag = { rhat, ess, tauInt: 10, mean: lin, se: linSe };
  return {
    sigma2: 0.25,
    stepsPlanned: 1000,
    stepsDone: 800,
    burnIn: 200,
    recordedSamples: 60,
    chains: 2,
    alignedChains: 1,
    starts: {
      prior: { chains: 1, learnedLinear: lin - 0.01, learnedCubic: cub },
      aligned: { chains: 1, learnedLinear: lin + 0.01, learnedCubic: cub },
    },
    seconds: 3,
    stepSize: 0.01,
    he1: lin,
    he3: cub,
    learnedLinear: lin,
    learnedLinearSe: linSe,
    learnedCubic: cub,
    learnedCubicSe: cubSe,
    overlap: hist(counts),
    rhat,
    ess,
    learnedDiagnostics: { linear: diag, cubic: { ...diag, mean: cub, se: cubSe } },
    samplerRhat: rhat,
    samplerEss: ess,
    learnedLinearSeMc: linSe,
    learnedCubicSeMc: cubSe,
    learnedCubicSeFit: 0,
    equilibrated: rhat <= 1.05 && ess >= 100,
    target: { rhat: 1.05, ess: 100 },
    workers: 1,
    warnings: [],
  };
}

describe('averaging over datasets', () => {
  it('mean and standard error: between-dataset sd/√k, or the propagated errors when larger', () => {
    // values 1, 2, 3, 6: mean 3, sample sd √(14/3), se = √(14/3)/2
    const a = meanOverDatasets([1, 2, 3, 6], [0.1, 0.1, 0.1, 0.1]);
    expect(a.mean).toBe(3);
    expect(a.se).toBeCloseTo(Math.sqrt(14 / 3) / 2, 14);
    // identical values: the spread is 0, the propagated √(4·0.2²)/4 = 0.1 remains
    expect(meanOverDatasets([1, 1, 1, 1], [0.2, 0.2, 0.2, 0.2]).se).toBeCloseTo(0.1, 14);
    expect(meanOverDatasets([0.5], [0.03])).toEqual({ mean: 0.5, se: 0.03 });
  });

  it('pools histograms on the same bins and renormalises −log p', () => {
    const p = poolHistograms([hist([1, 3, 0]), hist([3, 1, 0])]);
    expect(p.counts).toEqual([4, 4, 0]);
    expect(p.total).toBe(8);
    expect(p.overflow).toBe(2);
    // density 4/(8·0.5) = 1 in both occupied bins
    expect(p.negLogP[0]).toBeCloseTo(0, 14);
    expect(p.negLogP[2]).toBeNull();
  });

  it('combines ensembles: averages, largest R̂, ESS of the mean k²/Σ(1/ESS_j), flags from every dataset', () => {
    const c = combineDatasets([
      outcome(0.4, 0.01, -0.01, 0.001, 1.01, 200, [2, 2, 0]),
      outcome(0.6, 0.01, -0.02, 0.001, 1.03, 50, [0, 2, 2]),
    ]);
    expect(c.learnedLinear).toBeCloseTo(0.5, 14);
    // sd of (0.4, 0.6) = √0.02, /√2 = 0.1
    expect(c.learnedLinearSe).toBeCloseTo(0.1, 14);
    expect(c.learnedCubic).toBeCloseTo(-0.015, 14);
    expect(c.rhat).toBe(1.03);
    expect(c.ess).toBeCloseTo(4 / (1 / 200 + 1 / 50), 12); // 160
    expect(c.equilibrated).toBe(true);
    expect(
      combineDatasets([
        outcome(0.4, 0.01, -0.01, 0.001, 1.01, 40, [1, 0, 0]),
        outcome(0.6, 0.01, -0.02, 0.001, 1.03, 40, [1, 0, 0]),
      ]).equilibrated,
    ).toBe(false); // ESS 40
    expect(
      combineDatasets([
        outcome(0.4, 0.01, -0.01, 0.001, 1.2, 900, [1, 0, 0]),
        outcome(0.6, 0.01, -0.02, 0.001, 1.0, 900, [1, 0, 0]),
      ]).equilibrated,
    ).toBe(false); // R̂ 1.2
    expect(c.chains).toBe(4);
    expect(c.datasets.map((d) => d.learnedLinear)).toEqual([0.4, 0.6]);
    expect(c.overlap.counts).toEqual([2, 4, 2]);
    const one = combineDatasets([outcome(0.4, 0.01, -0.01, 0.001, 1.01, 200, [2, 2, 0])]);
    expect(one.learnedLinear).toBe(0.4);
    expect(one.equilibrated).toBe(true);
  });
});

describe('cubic teacher at the tour size against an independent sampler (fixture: test/fixtures/cubic-datasets)', () => {
  interface Run {
    lin: number;
    linSe: number;
    cub: number;
    cubSe: number;
    gpLin: number;
  }
  const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/cubic-datasets/results.json', import.meta.url), 'utf8')) as {
    params: { width: number; samples: number; dim: number; sigmaW2: number; sigmaA2: number; epsilon: number };
    sigma2: number;
    tourDataset: Run;
    otherDatasets: Run[];
    gpAverage200: Record<string, { mean: number; se: number }>;
  };
  const all = [fx.tourDataset, ...fx.otherDatasets];
  const theory = solveCubicFiniteD({ ...fx.params, sigma2: fx.sigma2 });

  it('one dataset is many Monte Carlo errors from the theory, the dataset average agrees within 3 SE', () => {
    // the historical 17-SE gap: the tour dataset alone (0.484 ± 0.0006 against 0.600)
    expect(Math.abs(fx.tourDataset.lin - theory.learnedLinear)).toBeGreaterThan(50 * fx.tourDataset.linSe);
    const lin = meanOverDatasets(
      all.map((r) => r.lin),
      all.map((r) => r.linSe),
    );
    const cub = meanOverDatasets(
      all.map((r) => r.cub),
      all.map((r) => r.cubSe),
    );
    expect(Math.abs(lin.mean - theory.learnedLinear)).toBeLessThan(3 * lin.se);
    expect(Math.abs(cub.mean - theory.learnedCubic)).toBeLessThan(3 * cub.se);
  });

  it('GP limit (u → 0, same n, d, σ²): the finite-d theory agrees with the exact GP averaged over 200 datasets', () => {
    const gp = fx.gpAverage200['sigma2=0.25']!;
    const th = solveCubicFiniteD({ ...fx.params, width: fx.params.width * 1e6, sigma2: fx.sigma2 }).learnedLinear;
    expect(Math.abs(th - gp.mean)).toBeLessThan(3 * gp.se);
  });
});
