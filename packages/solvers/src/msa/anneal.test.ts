import { fromRows } from '@sftdl/compute';
import { fold, key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { msaAnneal } from './anneal';
import { linearMsaTree } from './linear';
import { sampledMsa } from './sampled';

const d = 4,
  P = 10;
const x = { rows: P, cols: d, data: normal(fold(key(5), 1), P * d) };
const u = normal(fold(key(5), 2), d);
const y = Float64Array.from({ length: P }, (_, a) => {
  let s = 0;
  for (let j = 0; j < d; j++) s += x.data[a * d + j]! * u[j]!;
  return Math.tanh(s);
});
const xTest = fromRows([
  [0.3, -1, 0.5, 0.2],
  [1, 1, -0.4, 0],
]);
const base = { x, y, xTest, width: 64, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 };

describe('msaAnneal (Algorithm 1): the end point is the direct tree-level solve at the target χ', () => {
  it('linear: end msd, Q and test means equal linearMsaTree at χ = N (to solver tolerance)', () => {
    const chis = [1, 2, 4, 8, 16, 32, 64];
    const path = msaAnneal(base, { chis });
    expect(path.map((s) => s.chi)).toEqual(chis);
    const end = path[path.length - 1]!;
    const direct = linearMsaTree({ ...base, chi: 64 });
    expect(Math.abs(end.msd / direct.msd - 1)).toBeLessThan(1e-9);
    expect(Math.abs(end.Q! / direct.Q - 1)).toBeLessThan(1e-9);
    end.testMean!.forEach((v, i) => expect(v).toBeCloseTo(direct.testMean![i]!, 9));
    // the path is not constant: the msd moves from the χ = 1 value
    expect(Math.abs(path[0]!.msd - end.msd)).toBeGreaterThan(1e-3 * end.msd);
  });
  it('erf: end msd equals sampledMsa at χ = N with the same samples (within its Monte Carlo tolerance)', () => {
    const sampled = { samples: 8000, key: key(9) };
    const path = msaAnneal(base, { chis: [1, 4, 16, 64], activation: 'erf', sampled });
    const end = path[path.length - 1]!;
    const direct = sampledMsa({ ...base, chi: 64 }, { ...sampled, activation: 'erf' });
    expect(Math.abs(end.msd / direct.msd - 1)).toBeLessThan(1e-3);
    end.testMean!.forEach((v, i) => expect(Math.abs(v - direct.testMean![i]!)).toBeLessThan(1e-3));
  });
});
