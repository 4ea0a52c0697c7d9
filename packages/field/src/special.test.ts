import { InvalidArgumentError } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { binomial, doubleFactorialOdd, factorial } from './special';

describe('factorial', () => {
  it('is exact through 22! (checked against BigInt products) and consistent with binomial and (2k−1)!!', () => {
    let exact = 1n;
    for (let n = 0; n <= 22; n++) {
      if (n > 1) exact *= BigInt(n);
      expect(BigInt(factorial(n))).toBe(exact);
    }
    for (let n = 0; n <= 12; n++)
      for (let k = 0; k <= n; k++) expect(factorial(n) / (factorial(k) * factorial(n - k))).toBe(binomial(n, k));
    for (let k = 0; k <= 10; k++) expect(factorial(2 * k) / (2 ** k * factorial(k))).toBe(doubleFactorialOdd(k));
  });
  it('rejects non-integers, negatives and overflow', () => {
    for (const n of [-1, 1.5, 171, Number.NaN]) expect(() => factorial(n)).toThrow(InvalidArgumentError);
    expect(Number.isFinite(factorial(170))).toBe(true);
  });
});
