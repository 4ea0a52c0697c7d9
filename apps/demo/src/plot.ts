/**
 * Small reusable SVG line-chart helper on top of vega-lite → vega (headless, renderer 'none').
 * Generic: the tour and other commands can reuse it. Lines (theory) are told apart by colour AND dash, with a legend
 * that draws them as lines; point series (simulations) get their own legend, optional error bars (±yErr) and hollow
 * markers for flagged points.
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
  /** Points only: half-length of the error bar at each point (e.g. one standard error); non-finite entries draw none. */
  yErr?: ArrayLike<number>;
  /** Points only: draw these points hollow (e.g. runs that missed the equilibration target). */
  hollow?: ArrayLike<boolean>;
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
  yScale?: 'linear' | 'log';
  /** Fixed y range (no rounding to nice values): for log axes whose data span much less than a decade. */
  yDomain?: [number, number];
  /** Legend title of the point series (default: "simulation", with the error-bar and hollow-marker conventions). */
  pointsTitle?: string;
  /** Legend title of the line series (default "theory"). */
  linesTitle?: string;
}

/** Dash patterns of the line series, in order (the first is solid). */
export const LINE_DASHES: number[][] = [
  [1, 0],
  [8, 4],
  [2, 3],
  [10, 3, 2, 3],
  [4, 4],
  [12, 6],
];
const LINE_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#17becf'];
const POINT_COLOURS = ['#000000', '#ff7f0e', '#e377c2', '#7f7f7f', '#bcbd22'];

/** Renders a multi-series chart to an SVG string. Non-finite points are dropped (and non-positive ones on log axes). */
export async function lineChartSvg(o: LineChartOptions): Promise<string> {
  const values: { x: number; y: number; line?: string; pt?: string; kind: string; lo?: number; hi?: number; hollow?: boolean }[] =
    [];
  const logX = o.xScale === 'log',
    logY = o.yScale === 'log';
  const ok = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0) && (!logY || y > 0);
  const lineNames: string[] = [],
    pointNames: string[] = [];
  for (const s of o.series) {
    (s.points ? pointNames : lineNames).push(s.name);
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i] as number;
      const y = s.y[i] as number;
      if (!ok(x, y)) continue;
      if (!s.points) {
        values.push({ x, y, line: s.name, kind: 'line' });
        continue;
      }
      const e = s.yErr?.[i];
      const err =
        e !== undefined && Number.isFinite(e) && e > 0 ? { lo: logY ? Math.max(y - e, y / 100) : y - e, hi: y + e } : {};
      values.push({ x, y, pt: s.name, kind: 'point', hollow: Boolean(s.hollow?.[i]), ...err });
    }
  }
  const xEnc = {
    field: 'x',
    type: 'quantitative',
    title: o.xLabel,
    scale: o.xScale === 'log' ? { type: 'log' } : { zero: false },
  };
  const yEnc = {
    field: 'y',
    type: 'quantitative',
    title: o.yLabel,
    scale: {
      ...(o.yScale === 'log' ? { type: 'log' } : { zero: false }),
      ...(o.yDomain ? { domain: o.yDomain, nice: false } : {}),
    },
  };
  const lineColour = {
    field: 'line',
    type: 'nominal',
    title: o.linesTitle ?? 'theory',
    scale: { domain: lineNames, range: LINE_COLOURS },
    legend: {
      labelLimit: 400,
      symbolType: 'stroke',
      symbolStrokeWidth: 2.5,
      symbolSize: 400,
      orient: 'bottom',
      direction: 'vertical',
    },
  };
  const lineDash = {
    field: 'line',
    type: 'nominal',
    title: 'theory',
    scale: { domain: lineNames, range: LINE_DASHES },
    legend: null,
  };
  const anyErr = o.series.some((x) => x.points && x.yErr),
    anyHollow = o.series.some((x) => x.points && x.hollow && Array.from(x.hollow).some(Boolean));
  const ptTitle =
    o.pointsTitle ?? `simulation${anyErr ? ' (bars: ± 1 SE)' : ''}${anyHollow ? '; hollow: R̂ > 1.05 or ESS < 100' : ''}`;
  const pointColour = {
    field: 'pt',
    type: 'nominal',
    title: ptTitle,
    scale: { domain: pointNames, range: POINT_COLOURS },
    legend: { labelLimit: 400, titleLimit: 600, orient: 'bottom', direction: 'vertical' },
  };
  const layers: unknown[] = [];
  if (lineNames.length) {
    layers.push({
      transform: [{ filter: "datum.kind === 'line'" }],
      mark: { type: 'line', clip: true, strokeWidth: 2 },
      encoding: { x: xEnc, y: yEnc, color: lineColour, strokeDash: lineDash },
    });
  }
  if (pointNames.length) {
    // one group with a shared colour scale, so the simulated series get one legend (filled marker)
    const f = (cond: string) => ({ transform: [{ filter: "datum.kind === 'point'" }, { filter: cond }] });
    layers.push({
      layer: [
        {
          ...f('!datum.hollow'),
          mark: { type: 'point', filled: true, clip: true, size: 60 },
          encoding: { x: xEnc, y: yEnc, color: pointColour },
        },
        {
          ...f('isValid(datum.lo)'),
          mark: { type: 'rule', clip: true, strokeWidth: 1.5 },
          encoding: { x: xEnc, y: { ...yEnc, field: 'lo' }, y2: { field: 'hi' }, color: pointColour },
        },
        {
          ...f('datum.hollow'),
          mark: { type: 'point', filled: false, clip: true, size: 60, strokeWidth: 2 },
          encoding: { x: xEnc, y: yEnc, color: pointColour },
        },
      ],
      resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
    });
  }
  if (o.marks && o.marks.length > 0) {
    layers.push({
      data: { values: o.marks },
      mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
      encoding: { x: { field: 'x', type: 'quantitative' } },
    });
    layers.push({
      data: { values: o.marks },
      mark: { type: 'text', angle: 270, dx: -6, align: 'right', baseline: 'bottom', color: 'gray' },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
    });
  }
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 480,
    height: o.height ?? 300,
    data: { values },
    layer: layers,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  };
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
