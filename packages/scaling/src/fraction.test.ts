import { describe, expect, it } from 'vitest';
import { Fraction, frac } from './fraction';
import { affine, lpMinimize, vertices } from './lp';
import { formatMonomial, monomial } from './monomial';

describe('Fraction', () => {
  it('parses decimals and ratios exactly and reduces', () => {
    expect(Fraction.parse('0.5').toString()).toBe('1/2');
    expect(Fraction.parse('-1.25').toString()).toBe('-5/4');
    expect(Fraction.parse('6/4').toString()).toBe('3/2');
    expect(Fraction.parse('2e-3').toString()).toBe('1/500');
    expect(Fraction.from(0.1).toString()).toBe('1/10');
    expect(() => Fraction.parse('abc')).toThrow(/cannot parse/);
  });
  it('does exact arithmetic', () => {
    const a = frac('1/3');
    const b = frac('1/6');
    expect(a.add(b).toString()).toBe('1/2');
    expect(a.sub(b).mul(frac(6)).toString()).toBe('1');
    expect(a.div(b).toString()).toBe('2');
    expect(a.cmp(b)).toBe(1);
    expect(frac(1, 3).add(frac(1, 3)).add(frac(1, 3)).eq(Fraction.ONE)).toBe(true);
  });
});

describe('exact LP', () => {
  it('minimises max(1 + m, ν − m) for ν = 2 at m = 1/2 (two-layer specialisation in log space)', () => {
    // variables (m, t): t ≥ 1 + m, t ≥ 2 − m, 0 ≤ m ≤ 2
    const rows = [affine([1, -1], 1), affine([-1, -1], 2), affine([-1, 0], 0), affine([1, 0], -2)];
    const s = lpMinimize(2, rows, affine([0, 1]))!;
    expect(s.value.toString()).toBe('3/2');
    expect(s.x[0]!.toString()).toBe('1/2');
  });
  it('enumerates the vertices of the unit square', () => {
    const v = vertices(2, [affine([-1, 0]), affine([1, 0], -1), affine([0, -1]), affine([0, 1], -1)]);
    expect(v.map((x) => x.join(',')).sort()).toEqual(['0,0', '0,1', '1,0', '1,1']);
  });
});

describe('formatMonomial', () => {
  it('writes readable expressions', () => {
    expect(formatMonomial(monomial(2, { N: '1/2', d: '1/2' }))).toBe('2*sqrt(N*d)');
    expect(formatMonomial(monomial(3, { N1: '1/3', N2: '1/3', d: '1/3' }))).toBe('3*(N1*N2*d)^(1/3)');
    expect(formatMonomial(monomial(1, { d: 3 }))).toBe('d^3');
    expect(formatMonomial(monomial(1, { N: '1/2', d: '-1/2' }))).toBe('sqrt(N/d)');
    expect(formatMonomial(monomial(1, { L: '1/2', d: '3/2' }))).toBe('sqrt(L*d^3)');
    expect(formatMonomial(monomial(1, {}))).toBe('1');
  });
});
