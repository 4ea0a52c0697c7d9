import { describe, expect, it } from 'vitest';
import { type MsaNetworkRow, msaClaimVerdict } from './msa';

const row = (
  regime: 'standard' | 'mean-field',
  width: number,
  net: number,
  se: number,
  tree: number,
  one: number,
): MsaNetworkRow => ({
  regime,
  width,
  chi: regime === 'standard' ? 1 : width,
  nngp: { msd: 1, msdStdError: 0, testError: 1 },
  tree: { msd: tree, msdStdError: 0, testError: 1 },
  oneLoop: { msd: one, msdStdError: 0, testError: 1 },
  network: { msd: net, msdStdError: se, testError: 1, testErrorStdError: 0.1, rhat: 1, method: 'lm' },
});

describe('msaClaimVerdict', () => {
  it('shown: tree misses in SS and one loop is closer; MF tree miss shrinks to within 3 SE', () => {
    const v = msaClaimVerdict([
      row('standard', 16, 0.1, 0.001, 0.09, 0.099),
      row('standard', 64, 0.1, 0.001, 0.095, 0.1005),
      row('mean-field', 16, 0.01, 0.0001, 0.011, 0.0102),
      row('mean-field', 64, 0.01, 0.0001, 0.01015, 0.0101),
    ]);
    expect(v.standard).toBe('shown');
    expect(v.meanField).toBe('shown');
  });
  it('refuted: one loop further than tree where tree fails; MF tree still > 3 SE off at the largest N', () => {
    const v = msaClaimVerdict([
      row('standard', 16, 0.1, 0.001, 0.09, 0.08),
      row('mean-field', 16, 0.01, 0.0001, 0.011, 0.0102),
      row('mean-field', 64, 0.01, 0.0001, 0.0112, 0.0101),
    ]);
    expect(v.standard).toBe('refuted');
    expect(v.meanField).toBe('refuted');
  });
  it('not tested: tree within 3 SE everywhere in SS; a single MF width', () => {
    const v = msaClaimVerdict([row('standard', 16, 0.1, 0.01, 0.09, 0.099), row('mean-field', 16, 0.01, 0.0001, 0.011, 0.0102)]);
    expect(v.standard).toBe('not tested');
    expect(v.meanField).toBe('not tested');
  });
  it('the theory sampling SE enters the distance: a tree miss of 4 network SE with a theory SE as large is not a failure', () => {
    const r = row('standard', 16, 0.1, 0.001, 0.096, 0.099);
    r.tree.msdStdError = 0.001;
    expect(msaClaimVerdict([r]).standard).toBe('not tested');
  });
});
