import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRows } from '@sftdl/compute';
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
        expect(rel(mine.Q, ref.Q), `${name}.Q`).toBeLessThan(1e-9);
        expect(rel(mine.msd, ref.msd), `${name}.msd`).toBeLessThan(1e-8);
        mine.testMean!.forEach((v, i) => expect(Math.abs(v - ref.testMean[i]!), `${name}.testMean[${i}]`).toBeLessThan(1e-9));
      }
      expect(rel(r.tree.weightCovEigenvalues[0]!, c.tree.spike)).toBeLessThan(1e-10);
      expect(rel(r.kernelRescaling.Q, c.oneLoop.Q)).toBeLessThan(1e-9);
    });
  }
});
