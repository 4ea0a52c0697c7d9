import { describe, expect, it } from 'vitest';
import { heatmap, lineChart, niceTicks, tickLabel } from './plot';

describe('SVG charts', () => {
  it('ticks at 1-2-5 steps', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(niceTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6]);
    expect(tickLabel(2e-6)).toBe('2e-6');
    expect(tickLabel(0.12345)).toBe('0.1235');
  });

  it('draws each series with its finite points, marks in range and labelled points', () => {
    const svg = lineChart({
      id: 't',
      title: 'T <1>',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 'a', x: [0, 1, 2, 3], y: [0, 1, null, 3] },
        { name: 'b', x: [1, 2], y: [Number.NaN, 2] },
      ],
      marks: [
        { x: 1.5, label: 'm', id: 'mark' },
        { x: 10, label: 'out' },
      ],
      points: [{ x: 2, y: 2, label: 'p', id: 'pt' }],
    });
    expect(svg).toContain('data-series="a" data-points="3"');
    expect(svg).toContain('data-series="b" data-points="1"');
    expect(svg).toContain('data-mark="mark"');
    expect(svg).not.toContain('data-mark="out"');
    expect(svg).toContain('data-point="pt"');
    expect(svg).toContain('T &lt;1&gt;');
    // a gap (null) starts a new sub-path
    expect((svg.match(/d="M[^"]*M/g) ?? []).length).toBe(1);
  });

  it('a heatmap has n² cells', () => {
    const svg = heatmap({ id: 'h', title: 'H', n: 3, values: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(svg).toContain('data-cells="9"');
    expect((svg.match(/<rect /g) ?? []).length).toBe(9 + 20);
  });
});
