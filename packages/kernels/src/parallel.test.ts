import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRows } from '@sftdl/compute';
import { fcKernel } from './index';

// 50-digit mpmath reference (test/fixtures/gen_parallel_mp.py): ReLU/step NNGP and NTK on a data set with an exact
// duplicate row and near-duplicates x + δ e₁ (δ = 1e-3 … 1e-9). θ = atan2(√det, k12) with a stable determinant keeps
// the duplicated entries at full precision (θ = arccos ρ lost half the digits there: relative error ~2e-9).
const fx = JSON.parse(readFileSync(new URL('../test/fixtures/parallel-mp.json', import.meta.url), 'utf8')) as {
  x: number[][];
  cases: {
    activation: string;
    depth: number;
    weightVar: number;
    biasVar: number;
    nngp: string[][];
    ntk: string[][];
    roundoffSensitivity: number[][];
  }[];
};

/**
 * Relative error bound of entry (i, j): a few ulps plus 8× the fixture's roundoff sensitivity — the relative change
 * of the exact outputs when the k12 entering each layer is off by one unit roundoff (computed in 50 digits by the
 * generator). Near-duplicates are ill-conditioned in float64 (θ moves by ~ε/θ); no float64 method does better.
 */
function tolerance(c: { roundoffSensitivity: number[][] }, i: number, j: number): number {
  return 1e-14 + 8 * c.roundoffSensitivity[i]![j]!;
}

describe('dual kernels at (near-)parallel inputs vs a 50-digit reference', () => {
  const x = fromRows(fx.x);
  for (const c of fx.cases) {
    it(`${c.activation}, depth ${c.depth}: NNGP and NTK entries duplicates to a few ulps, the rest within 8× their roundoff sensitivity`, () => {
      const r = fcKernel(x, undefined, { activation: c.activation, depth: c.depth, sigmaW2: c.weightVar, biasVar: c.biasVar });
      const n = x.rows;
      let worstDup = 0;
      for (const [name, got, want] of [
        ['nngp', r.nngp!, c.nngp],
        ['ntk', r.ntk!, c.ntk],
      ] as const) {
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            const w = Number(want[i]![j]!);
            const g = got.data[i * n + j]!;
            const rel = Math.abs(g - w) / Math.max(Math.abs(w), 1e-300);
            if ((i === 0 && j === 1) || (i === 1 && j === 0)) worstDup = Math.max(worstDup, rel);
            expect(rel, `${name}[${i}][${j}]: got ${g}, want ${w}`).toBeLessThanOrEqual(
              i === j || (i <= 1 && j <= 1) ? 1e-14 : tolerance(c, i, j),
            );
          }
      }
      // the exact duplicate: full precision
      expect(worstDup).toBeLessThanOrEqual(1e-14);
    });
  }
});
