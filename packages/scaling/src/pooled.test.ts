import { type Key, fold, key, normal, uniform } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { fitDatasetOnsets, fitPooledOnsets, onsetFromCurve, onsetFromTop } from './empirical';

/**
 * Synthetic onset generator with a known exponent, shaped like the network runner's alignment curves: dataset s at
 * input dimension d rises at x = ln P − a·ln d − ln 25 − ε_s (ε_s ~ N(0, 0.45²): the dataset-to-dataset spread of
 * onsets), to 0.8 for most datasets; a quarter of them ("stuck") first level off at h_s ∈ `stuck` (just under or over
 * ½) and reach 0.8 only δ_s = 1.5–7.5 later in ln P (heavy-tailed per-dataset crossings, some beyond the grid). All
 * of this is d-independent in x, so the population dataset-mean curve is G(ln P − a·ln d) and its ½-crossing scales
 * exactly as d^a: the truth is `a` by construction, not by the code under test.
 */
function synthetic(k: Key, o: { a: number; dims: number[]; datasets: number[]; stuck: [number, number] }) {
  const grid = Array.from({ length: 48 }, (_, i) => 8 * 2 ** (i / 4)); // 8 … ≈ 30 000, ×2^¼, the same for every d
  return o.dims.map((dim) => {
    const n = o.datasets[o.dims.indexOf(dim)]!;
    const kd = fold(k, dim);
    const u = uniform(fold(kd, 0), 3 * n);
    const eps = normal(fold(kd, 1), n);
    const noise = normal(fold(kd, 2), n * grid.length);
    const alignment = Array.from({ length: n }, (_, s) => {
      const stuck = u[s]! < 0.25;
      const h = o.stuck[0] + (o.stuck[1] - o.stuck[0]) * u[n + s]!;
      const delta = 1.5 + 6 * u[2 * n + s]!;
      return grid.map((P, i) => {
        const x = Math.log(P) - o.a * Math.log(dim) - Math.log(25) - 0.45 * eps[s]!;
        const rise = 1 / (1 + Math.exp(-x / 0.3));
        const top = stuck ? h + (0.8 - h) / (1 + Math.exp(-(x - delta) / 0.3)) : 0.8;
        return top * rise + 0.03 * noise[s * grid.length + i]!;
      });
    });
    return { dim, samples: grid, alignment };
  });
}

const dims = [8, 12, 16, 24, 32, 48];
const datasets = [16, 16, 14, 12, 10, 8];

describe('pooled onsets (dataset-mean crossing, bootstrap over datasets)', () => {
  it('recovers a known exponent from heavy-tailed synthetic onsets, and tells 1 from 3/2', () => {
    for (const a of [1, 1.5]) {
      const sw = synthetic(key(3), { a, dims, datasets, stuck: [0.42, 0.49] });
      const fit = fitPooledOnsets(
        sw.map((s) => ({ dim: s.dim, curves: [{ samples: s.samples, alignment: s.alignment, crossing: 'first' as const }] })),
        { key: key(4), resamples: 300 },
      );
      const rival = a === 1 ? 1.5 : 1;
      expect(Math.abs(fit.exponent - a)).toBeLessThan(0.25);
      expect(fit.interval[0]).toBeLessThanOrEqual(a);
      expect(fit.interval[1]).toBeGreaterThanOrEqual(a);
      expect(rival < fit.interval[0] || rival > fit.interval[1]).toBe(true);
      expect(fit.interval[1] - fit.interval[0]).toBeLessThan(0.5);
      expect(fit.failedResamples).toBe(0);
      for (const o of fit.onsets) {
        expect(o.interval![0]).toBeLessThanOrEqual(o.onset);
        expect(o.interval![1]).toBeGreaterThanOrEqual(o.onset);
      }
    }
  });

  it('its 90% interval covers the true exponent in most independent synthetic experiments (not artificially narrow)', () => {
    let covered = 0;
    const reps = 30;
    for (let r = 0; r < reps; r++) {
      const sw = synthetic(key(100 + r), { a: 1, dims, datasets, stuck: [0.42, 0.49] });
      const fit = fitPooledOnsets(
        sw.map((s) => ({ dim: s.dim, curves: [{ samples: s.samples, alignment: s.alignment, crossing: 'first' as const }] })),
        { key: key(200 + r), resamples: 200 },
      );
      if (fit.interval[0] <= 1 && 1 <= fit.interval[1]) covered++;
    }
    // nominal 0.9; a percentile bootstrap with 6–16 datasets per d under-covers somewhat; 30 draws at 0.9 give ≥ 23
    // with probability ≈ 0.99
    expect(covered).toBeGreaterThanOrEqual(23);
  });

  it('needs no per-dataset crossing: datasets that never reach ½ on the grid still count', () => {
    const sw = synthetic(key(9), { a: 1, dims, datasets, stuck: [0.3, 0.4] });
    const per = sw.map((s) => s.alignment.map((r) => onsetFromCurve(s.samples, r)));
    expect(per.flat().some((v) => v === null)).toBe(true); // some stuck datasets never cross ½ on the grid
    expect(() =>
      fitDatasetOnsets(
        sw.map((s, i) => ({ dim: s.dim, onsets: per[i]!.map((v) => v ?? Number.NaN) })),
        { key: key(1) },
      ),
    ).toThrow(/bracket/);
    const pooled = fitPooledOnsets(
      sw.map((s) => ({ dim: s.dim, curves: [{ samples: s.samples, alignment: s.alignment, crossing: 'first' as const }] })),
      { key: key(1), resamples: 300 },
    );
    expect(Math.abs(pooled.exponent - 1)).toBeLessThan(0.45); // its spread over synthetic draws is ≈ 0.12 (unbiased)
    expect(pooled.failedResamples).toBeLessThan(6); // ≤ 2%: a resample with mostly stuck datasets may not cross
  });

  it('reads a down branch from the top, averages branches geometrically, and refuses an unbracketed grid', () => {
    // exact two-point case: A = P/(P + c) crosses ½ at P = c; the log-interpolated crossing of the grid 8·2^k
    const samples = [8, 16, 32, 64, 128, 256];
    const curve = (c: number) => samples.map((p) => p / (p + c));
    const sizes = [
      { dim: 4, up: [curve(20), curve(40)], down: [curve(10), curve(20)] },
      { dim: 16, up: [curve(80), curve(160)], down: [curve(40), curve(80)] },
    ];
    const fit = fitPooledOnsets(
      sizes.map((s) => ({
        dim: s.dim,
        curves: [
          { samples, alignment: s.up, crossing: 'first' as const },
          { samples, alignment: s.down, crossing: 'fromTop' as const },
        ],
      })),
      { key: key(2), resamples: 50 },
    );
    const mean = (rows: number[][]) => samples.map((_, i) => (rows[0]![i]! + rows[1]![i]!) / 2);
    const expected = sizes.map((s) => Math.sqrt(onsetFromCurve(samples, mean(s.up))! * onsetFromTop(samples, mean(s.down))!));
    expect(fit.onsets.map((o) => o.onset)).toEqual(expected);
    expect(fit.exponent).toBeCloseTo(Math.log(expected[1]! / expected[0]!) / Math.log(4), 12);
    // the crossings themselves: curves shifted by exactly 4× in P (grid-aligned) give slope 1 up to interpolation
    expect(fit.exponent).toBeGreaterThan(0.9);
    expect(fit.exponent).toBeLessThan(1.1);
    expect(() =>
      fitPooledOnsets(
        [
          { dim: 4, curves: [{ samples, alignment: [curve(1000)], crossing: 'first' }] },
          { dim: 8, curves: [{ samples, alignment: [curve(20)], crossing: 'first' }] },
        ],
        { key: key(0) },
      ),
    ).toThrow(/does not cross 0.5 .* d = 4/);
  });
});
