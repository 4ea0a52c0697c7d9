import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gridCell, gridSize, parseAssignments, parseGrid, parseValue } from './grid';

describe('parseGrid', () => {
  it('parses lists and inclusive integer ranges in order', () => {
    expect(parseGrid('sigma2=0.1,0.15,0.2;seed=1..4')).toEqual([
      { name: 'sigma2', values: [0.1, 0.15, 0.2] },
      { name: 'seed', values: [1, 2, 3, 4] },
    ]);
    expect(parseGrid('n=0..10:5; act=erf,relu ;flag=true,false')).toEqual([
      { name: 'n', values: [0, 5, 10] },
      { name: 'act', values: ['erf', 'relu'] },
      { name: 'flag', values: [true, false] },
    ]);
    expect(parseGrid('')).toEqual([]);
  });

  it('rejects malformed axes with a message naming --grid', () => {
    for (const bad of ['sigma2', 'a=1;a=2', 'a=', '1a=3', 'a=5..1']) expect(() => parseGrid(bad)).toThrow(/--grid/);
  });

  it('parses values and --set assignments', () => {
    expect(parseValue('1e-3')).toBe(0.001);
    expect(parseValue('[1,2]')).toEqual([1, 2]);
    expect(parseValue('two-layer')).toBe('two-layer');
    expect(parseAssignments(['steps=200', 'model=two-layer'])).toEqual({ steps: 200, model: 'two-layer' });
    expect(() => parseAssignments(['steps'])).toThrow(/--set/);
  });
});

describe('grid cells', () => {
  it('row-major order, first axis slowest, axes override the base', () => {
    const axes = parseGrid('a=1,2;b=x,y,z');
    expect(gridSize(axes)).toBe(6);
    const cells = Array.from({ length: 6 }, (_, i) => gridCell(axes, { a: 0, c: 7 }, i));
    expect(cells.map((c) => `${c.a}${c.b}`)).toEqual(['1x', '1y', '1z', '2x', '2y', '2z']);
    expect(cells.every((c) => c.c === 7)).toBe(true);
    expect(() => gridCell(axes, {}, 6)).toThrow(/outside the grid/);
  });

  it('every cell of a random grid is distinct and the cells enumerate the cartesian product', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }), (lens) => {
        const axes = lens.map((n, a) => ({ name: `p${a}`, values: Array.from({ length: n }, (_, v) => v) }));
        const total = gridSize(axes);
        expect(total).toBe(lens.reduce((x, y) => x * y, 1));
        const seen = new Set(Array.from({ length: total }, (_, i) => JSON.stringify(gridCell(axes, {}, i))));
        expect(seen.size).toBe(total);
      }),
    );
  });
});
