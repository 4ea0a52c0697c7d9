/**
 * Small reusable SVG line-chart helper on top of vega-lite → vega (headless, renderer 'none').
 * Generic: the tour and other commands can reuse it.
 */
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/** One named line (or point series) of a chart. */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Draw points instead of a line. */
  points?: boolean;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  series: Series[];
  xLabel: string;
  yLabel: string;
  title?: string;
  /** Vertical rules, e.g. transition points: `{ x, label }`. */
  marks?: { x: number; label: string }[];
  width?: number;
  height?: number;
  xScale?: 'linear' | 'log';
}

/** Renders a multi-series line chart to an SVG string. Non-finite points are dropped. */
export async function lineChartSvg(o: LineChartOptions): Promise<string> {
  const values: { x: number; y: number; series: string; kind: string }[] = [];
  for (const s of o.series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i] as number;
      const y = s.y[i] as number;
      if (Number.isFinite(x) && Number.isFinite(y)) values.push({ x, y, series: s.name, kind: s.points ? 'point' : 'line' });
    }
  }
  const color = { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400 } };
  const layers: unknown[] = [
    { transform: [{ filter: "datum.kind === 'line'" }], mark: { type: 'line', clip: true }, encoding: { x: { field: 'x', type: 'quantitative', title: o.xLabel, scale: { type: o.xScale ?? 'linear', zero: false } }, y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: { zero: false } }, color } },
    { transform: [{ filter: "datum.kind === 'point'" }], mark: { type: 'point', filled: true, clip: true }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color } },
  ];
  if (o.marks && o.marks.length > 0) {
    layers.push({ data: { values: o.marks }, mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { x: { field: 'x', type: 'quantitative' } } });
    layers.push({ data: { values: o.marks }, mark: { type: 'text', angle: 270, dx: -6, align: 'right', baseline: 'bottom', color: 'gray' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 480,
    height: o.height ?? 300,
    data: { values },
    layer: layers,
  };
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
