import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@sftdl/compute';
import { hermiteHe, hermiteHeAll, hermiteHeNormalized } from './index';

describe('Hermite polynomials', () => {
  it('match the explicit low-degree forms', () => {
    for (const x of [-2.5, -1, 0, 0.3, 1.7, 4]) {
      expect(hermiteHe(0, x)).toBe(1);
      expect(hermiteHe(1, x)).toBe(x);
      expect(hermiteHe(2, x)).toBeCloseTo(x * x - 1, 13);
      expect(hermiteHe(3, x)).toBeCloseTo(x ** 3 - 3 * x, 12);
      expect(hermiteHe(4, x)).toBeCloseTo(x ** 4 - 6 * x * x + 3, 11);
      expect(hermiteHe(5, x)).toBeCloseTo(x ** 5 - 10 * x ** 3 + 15 * x, 10);
    }
  });
  it('He_{2m}(0) = (−1)^m (2m−1)!!, and normalised = He/√k!', () => {
    let df = 1;
    for (let m = 1; m <= 10; m++) {
      df *= 2 * m - 1;
      expect(hermiteHe(2 * m, 0)).toBe((m % 2 ? -1 : 1) * df);
    }
    let fact = 1;
    for (let k = 1; k <= 20; k++) {
      fact *= k;
      expect(hermiteHeNormalized(k, 1.3)).toBeCloseTo(hermiteHe(k, 1.3) / Math.sqrt(fact), 10);
    }
  });
  it('hermiteHeAll agrees with single evaluations, both normalisations', () => {
    const all = hermiteHeAll(12, 0.7);
    const alln = hermiteHeAll(12, 0.7, { normalized: true });
    for (let k = 0; k <= 12; k++) {
      expect(all[k]).toBeCloseTo(hermiteHe(k, 0.7), 9);
      expect(alln[k]).toBeCloseTo(hermiteHeNormalized(k, 0.7), 12);
    }
    expect(Array.from(hermiteHeAll(3, 2))).toEqual([1, 2, 3, 2]);
  });
  it('throws on overflow and bad input instead of returning Inf/NaN', () => {
    expect(() => hermiteHe(400, 30)).toThrow(InvalidArgumentError);
    expect(() => hermiteHe(2, Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => hermiteHe(-1, 0)).toThrow(InvalidArgumentError);
    expect(Number.isFinite(hermiteHeNormalized(400, 30))).toBe(true);
  });
});
