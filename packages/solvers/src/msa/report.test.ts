import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRows } from '@sftdl/compute';
import { key } from '@sftdl/field';
import { msaReport } from './report';

interface Case {
  width: number;
  chi: number;
  tree: { Q: number; msd: number; testMean: number[]; spike: number };
  oneLoop: { Q: number; msd: number; testMean: number[] };
  exact: { Q: number; msd: number; testMean: number[] };
}
const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/msa/msa_linear.json', import.meta.url), 'utf8')) as {
  data: { x: number[][]; y: number[]; xTest: number[][] };
  sigmaW2: number;
  sigmaA2: number;
  sigma2: number;
  cases: Case[];
};
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('msaReport vs the independent numpy/scipy implementation (test/fixtures/msa/gen_msa_linear.py)', () => {
  for (const c of fx.cases) {
    it(`N=${c.width}, chi=${c.chi}`, () => {
      const r = msaReport({
        x: fromRows(fx.data.x),
        y: fx.data.y,
        xTest: fromRows(fx.data.xTest),
        width: c.width,
        chi: c.chi,
        sigmaW2: fx.sigmaW2,
        sigmaA2: fx.sigmaA2,
        sigma2: fx.sigma2,
      });
      for (const [name, mine, ref] of [
        ['tree', r.tree, c.tree],
        ['oneLoop', r.oneLoop, c.oneLoop],
        ['exact', r.exact!, c.exact],
      ] as const) {
        expect(rel(mine.Q ?? NaN, ref.Q), `${name}.Q`).toBeLessThan(1e-9);
        expect(rel(mine.msd, ref.msd), `${name}.msd`).toBeLessThan(1e-8);
        mine.testMean!.forEach((v, i) => expect(Math.abs(v - ref.testMean[i]!), `${name}.testMean[${i}]`).toBeLessThan(1e-9));
      }
      expect(rel(r.tree.weightCovEigenvalues[0]!, c.tree.spike)).toBeLessThan(1e-10);
      expect(rel(r.kernelRescaling.Q, c.oneLoop.Q)).toBeLessThan(1e-9);
    });
  }
});

describe('msaReport for a nonlinear activation', () => {
  it('erf: oneLoop has no Q (a note says why); its msd is its own, not a copy of tree or kernel rescaling', () => {
    const x = fromRows(fx.data.x.slice(0, 8).map((r) => r.slice(0, 4)));
    const y = fx.data.y.slice(0, 8);
    const r = msaReport(
      { x, y, width: 64, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 },
      { activation: 'erf', samples: 4000, key: key(3) },
    );
    expect('Q' in r.oneLoop).toBe(false);
    expect(r.oneLoop.note).toMatch(/not defined for a nonlinear activation/);
    expect(r.oneLoop.msd).not.toBe(r.tree.msd);
    expect(r.oneLoop.msd).not.toBe(r.kernelRescaling.msd);
    expect(r.tree.Q).not.toBe(r.kernelRescaling.Q);
    // linear: Q is defined and equals the scalar kernel-rescaling root (the same equation for φ = id)
    const lin = msaReport({ x, y, width: 64, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 });
    expect(lin.oneLoop.note).toBeUndefined();
    expect(lin.oneLoop.Q).toBeCloseTo(lin.kernelRescaling.Q, 10);
  });
});

describe('sampled MSA control variate', () => {
  it('erf, standard scaling, N = 256: the tree-level msd shift from the NNGP is resolved (seed spread ≪ shift)', () => {
    const x = fromRows(fx.data.x.slice(0, 8).map((r) => r.slice(0, 4)));
    const y = fx.data.y.slice(0, 8);
    const run = (s: number) =>
      msaReport(
        { x, y, width: 256, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 },
        { activation: 'erf', samples: 8000, key: key(s) },
      );
    const [a, b] = [run(1), run(2)];
    const shift = Math.abs(a.tree.msd - a.nngp.msd);
    expect(shift).toBeGreaterThan(0);
    expect(Math.abs(a.tree.msd - b.tree.msd)).toBeLessThan(0.1 * shift);
    expect(Math.abs(a.oneLoop.msd - b.oneLoop.msd)).toBeLessThan(0.1 * shift);
  });
});
