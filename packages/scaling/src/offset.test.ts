import { fold, key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { fitPooledOnsets, fitPowerLaw, fitPowerLawWithOffset } from './empirical';

const dims = [8, 12, 16, 24, 32, 48];

describe('fitPowerLawWithOffset: y = A·x^a + B, A, B ≥ 0', () => {
  it('recovers an exact affine law, and an exact power law with B = 0', () => {
    const f = fitPowerLawWithOffset(
      dims,
      dims.map((d) => 12 * d + 180),
    );
    expect(f.exponent).toBeCloseTo(1, 6);
    expect(f.amplitude).toBeCloseTo(12, 4);
    expect(f.offset).toBeCloseTo(180, 3);
    // the plain log–log slope of the same points is well below 1 (the offset bends the line)
    expect(
      fitPowerLaw(
        dims,
        dims.map((d) => 12 * d + 180),
      ).slope,
    ).toBeLessThan(0.75);
    const g = fitPowerLawWithOffset(
      dims,
      dims.map((d) => 3 * d ** 1.5),
    );
    expect(g.exponent).toBeCloseTo(1.5, 6);
    expect(g.offset).toBeCloseTo(0, 6);
    expect(g.amplitude).toBeCloseTo(3, 4);
  });

  it('keeps B ≥ 0 (a negative offset is not a finite-size remainder) and refuses too few sizes', () => {
    const f = fitPowerLawWithOffset(
      dims,
      dims.map((d) => 20 * d - 60),
    );
    expect(f.offset).toBe(0);
    expect(f.exponent).toBeGreaterThan(1);
    expect(() => fitPowerLawWithOffset([8, 16], [10, 20])).toThrow(/three or more/);
    expect(() => fitPowerLawWithOffset([8, 16, 32], [10, -20, 30])).toThrow(/positive/);
  });

  it('pooled onsets with a d-independent offset: the offset fit covers the true exponent, the plain slope does not', () => {
    // dataset s at d: A(P) = 0.8·σ((ln(P − B) − ln 25 − ln d − 0.3ε_s)/0.3) for P > B, B = 300; the truth is
    // P* = B + c·d (exponent 1) by construction
    const grid = Array.from({ length: 40 }, (_, i) => 8 * 2 ** (i / 4));
    const B = 300;
    const sizes = dims.map((dim) => {
      const eps = normal(fold(key(11), dim), 12);
      const noise = normal(fold(key(12), dim), 12 * grid.length);
      return {
        dim,
        curves: [
          {
            samples: grid,
            crossing: 'first' as const,
            alignment: Array.from({ length: 12 }, (_, s) =>
              grid.map((P, i) => {
                const x = P > B ? Math.log(P - B) - Math.log(25) - Math.log(dim) - 0.3 * eps[s]! : -50;
                return 0.8 / (1 + Math.exp(-x / 0.3)) + 0.01 * noise[s * grid.length + i]!;
              }),
            ),
          },
        ],
      };
    });
    const f = fitPooledOnsets(sizes, { key: key(3), resamples: 200, offset: true });
    expect(f.withOffset).toBeDefined();
    const w = f.withOffset!;
    expect(w.interval[0]).toBeLessThanOrEqual(1);
    expect(w.interval[1]).toBeGreaterThanOrEqual(1);
    expect(w.offsetInterval[0]).toBeLessThanOrEqual(B);
    expect(w.offsetInterval[1]).toBeGreaterThanOrEqual(B);
    expect(f.interval[1]).toBeLessThan(1); // the plain slope is pulled below the truth
    // without the flag, or with two sizes, there is no offset fit
    expect(fitPooledOnsets(sizes, { key: key(3), resamples: 20 }).withOffset).toBeUndefined();
    expect(fitPooledOnsets(sizes.slice(0, 2), { key: key(3), resamples: 20, offset: true }).withOffset).toBeUndefined();
  });
});
