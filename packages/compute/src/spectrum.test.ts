import { describe, expect, it } from 'vitest';
import { eigenvaluesDescending } from './spectrum';
import { referenceBackend } from './reference';

describe('eigenvaluesDescending', () => {
  it('returns the closed-form eigenvalues of [[2,1],[1,2]] (3, 1) in descending order', () => {
    const ev = eigenvaluesDescending(referenceBackend, { rows: 2, cols: 2, data: new Float64Array([2, 1, 1, 2]) });
    expect(ev[0]).toBeCloseTo(3, 14);
    expect(ev[1]).toBeCloseTo(1, 14);
  });
  it('symmetrises first: [[1,2],[0,1]] has the eigenvalues of [[1,1],[1,1]] (2, 0)', () => {
    const ev = eigenvaluesDescending(referenceBackend, { rows: 2, cols: 2, data: new Float64Array([1, 2, 0, 1]) });
    expect(ev[0]).toBeCloseTo(2, 14);
    expect(ev[1]).toBeCloseTo(0, 14);
  });
  it('refuses a non-square matrix', () => {
    expect(() => eigenvaluesDescending(referenceBackend, { rows: 2, cols: 3, data: new Float64Array(6) })).toThrow(/square/);
  });
});
