/**
 * Small SVG charts (no chart library): line charts with vertical marks and labelled points, and a heatmap. Each
 * returns an SVG string; series, marks and points carry `data-*` attributes so tests can find them.
 */

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly (number | null)[];
  color?: string;
  dash?: boolean;
  dots?: boolean;
  noLine?: boolean;
}
export interface VMark {
  x: number;
  label: string;
  id?: string;
  color?: string;
}
export interface PointMark {
  x: number;
  y: number;
  label: string;
  id?: string;
  color?: string;
}
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  marks?: readonly VMark[];
  points?: readonly PointMark[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Forces the y range (otherwise from the data, marks excluded). */
  yRange?: [number, number];
  /** x values the x range must include besides the data (e.g. a mark outside the computed curve). */
  xIncludes?: readonly number[];
  /** Name of the chart (`data-chart`). */
  id: string;
}

export const PALETTE = ['#1f5fa8', '#d2561f', '#2c9a4a', '#8a3fa0', '#b8860b', '#0f8c8c'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f3 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Axis ticks at 1, 2, 5 × 10^k steps covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  for (const mults of [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7]]) {
    const out: number[] = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of mults) {
        const v = m * 10 ** k;
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    if (out.length >= 3) return out;
  }
  return niceTicks(lo, hi, 4).filter((v) => v > 0);
}

/** Short tick label: up to 4 significant digits, exponent form for very small or large values. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

function extent(values: Iterable<number | null>, log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return log ? [1, 10] : [0, 1];
  if (lo === hi) return log ? [lo / 2, hi * 2] : [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  if (log) {
    const f = (hi / lo) ** 0.06;
    return [lo / f, hi * f];
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** A line chart as an SVG string. Points outside the y range are clipped; null or non-finite values break the line. */
export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 480;
  const H = o.height ?? 330;
  const m = { l: 64, r: 14, t: 30, b: 46 };
  const legendRows = Math.ceil(o.series.length / 2);
  const plotH = H - m.t - m.b - legendRows * 16;
  const plotW = W - m.l - m.r;
  const [x0, x1] = extent([...o.series.flatMap((s) => s.x), ...(o.xIncludes ?? [])], !!o.logX);
  const [y0, y1] =
    o.yRange ??
    extent(
      o.series.flatMap((s) => s.y),
      !!o.logY,
    );
  const tx = o.logX ? (v: number) => Math.log(v) : (v: number) => v;
  const ty = o.logY ? (v: number) => Math.log(v) : (v: number) => v;
  const X = (v: number) => m.l + ((tx(v) - tx(x0)) / (tx(x1) - tx(x0))) * plotW;
  const Y = (v: number) => m.t + plotH - ((ty(v) - ty(y0)) / (ty(y1) - ty(y0))) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" data-chart="${esc(o.id)}" role="img" aria-label="${esc(o.title)}">`,
  );
  parts.push(
    `<defs><clipPath id="clip-${esc(o.id)}"><rect x="${m.l}" y="${m.t}" width="${plotW}" height="${plotH}"/></clipPath></defs>`,
  );
  parts.push(`<text x="${W / 2}" y="18" class="title" text-anchor="middle">${esc(o.title)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${plotW}" height="${plotH}" class="frame"/>`);
  const xt = o.logX ? logTicks(x0, x1) : niceTicks(x0, x1);
  const yt = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of xt) {
    const px = f3(X(v));
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${m.t}" y2="${m.t + plotH}" class="grid"/><text x="${px}" y="${m.t + plotH + 14}" text-anchor="middle" class="tick">${tickLabel(v)}</text>`,
    );
  }
  for (const v of yt) {
    const py = f3(Y(v));
    parts.push(
      `<line x1="${m.l}" x2="${m.l + plotW}" y1="${py}" y2="${py}" class="grid"/><text x="${m.l - 5}" y="${py}" dy="0.32em" text-anchor="end" class="tick">${tickLabel(v)}</text>`,
    );
  }
  parts.push(`<text x="${m.l + plotW / 2}" y="${m.t + plotH + 32}" text-anchor="middle" class="axis">${esc(o.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(14 ${m.t + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis">${esc(o.yLabel)}</text>`,
  );
  parts.push(`<g clip-path="url(#clip-${esc(o.id)})">`);
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? '#000';
    let d = '';
    let pen = false;
    let count = 0;
    const dots: string[] = [];
    for (let j = 0; j < s.x.length; j++) {
      const xv = s.x[j];
      const yv = s.y[j];
      const ok =
        xv !== undefined &&
        yv !== undefined &&
        yv !== null &&
        Number.isFinite(xv) &&
        Number.isFinite(yv) &&
        (!o.logX || xv > 0) &&
        (!o.logY || yv > 0);
      if (!ok) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${f3(X(xv))} ${f3(Y(yv))}`;
      pen = true;
      count++;
      if (s.dots) dots.push(`<circle cx="${f3(X(xv))}" cy="${f3(Y(yv))}" r="3" fill="${color}"/>`);
    }
    const stroke = s.noLine ? 'none' : color;
    parts.push(
      `<path d="${d}" fill="none" stroke="${stroke}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''} data-series="${esc(s.name)}" data-points="${count}"/>`,
      ...dots,
    );
  });
  parts.push('</g>');
  // labels in the right fifth of the plot are written to the left of their anchor, so they stay inside the chart
  const anchor = (px: number, gap: number) => (px > m.l + 0.8 * plotW ? `dx="-${gap}" text-anchor="end"` : `dx="${gap}"`);
  let row = 0;
  for (const mk of [...(o.marks ?? [])].sort((a, b) => a.x - b.x)) {
    if (!Number.isFinite(mk.x) || mk.x < x0 || mk.x > x1) continue;
    const px = f3(X(mk.x));
    // labels alternate between three rows so that close marks stay readable
    parts.push(
      `<g data-mark="${esc(mk.id ?? mk.label)}" data-x="${mk.x}"><line x1="${px}" x2="${px}" y1="${m.t}" y2="${m.t + plotH}" stroke="${mk.color ?? '#555'}" stroke-dasharray="3 3"/>` +
        `<text x="${px}" y="${m.t + 11 + 12 * (row++ % 3)}" ${anchor(X(mk.x), 3)} class="mark">${esc(mk.label)}</text></g>`,
    );
  }
  for (const p of o.points ?? []) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1) continue;
    parts.push(
      `<g data-point="${esc(p.id ?? p.label)}" data-x="${p.x}" data-y="${p.y}"><circle cx="${f3(X(p.x))}" cy="${f3(Y(p.y))}" r="5" fill="${p.color ?? '#c00'}" stroke="#fff"/>` +
        `<text x="${f3(X(p.x))}" y="${f3(Y(p.y))}" ${anchor(X(p.x), 7)} dy="-7" class="mark">${esc(p.label)}</text></g>`,
    );
  }
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? '#000';
    const lx = m.l + (i % 2) * (plotW / 2);
    const ly = m.t + plotH + 46 + Math.floor(i / 2) * 16;
    const dash = s.dash ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 27}" y="${ly}" class="legend">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Colour ramp (dark blue → teal → yellow) for t ∈ [0, 1]. */
export function ramp(t: number): string {
  const stops: [number, number, number][] = [
    [32, 24, 96],
    [33, 120, 160],
    [60, 180, 120],
    [250, 225, 60],
  ];
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const a = stops[i] ?? [0, 0, 0];
  const b = stops[i + 1] ?? a;
  const w = u - i;
  return `rgb(${a.map((c, k) => Math.round(c + ((b[k] ?? c) - c) * w)).join(',')})`;
}

/** An n × n matrix (row-major) as an SVG heatmap with a colour bar. */
export function heatmap(o: { id: string; title: string; n: number; values: readonly number[]; size?: number }): string {
  const size = o.size ?? 300;
  const cell = size / o.n;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of o.values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  const W = size + 90;
  const H = size + 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" data-chart="${esc(o.id)}" role="img" aria-label="${esc(o.title)}">`,
  ];
  parts.push(
    `<text x="10" y="18" class="title">${esc(o.title)}</text><g transform="translate(10 28)" data-cells="${o.n * o.n}">`,
  );
  for (let i = 0; i < o.n; i++) {
    for (let j = 0; j < o.n; j++) {
      const v = o.values[i * o.n + j] ?? 0;
      parts.push(
        `<rect x="${f3(j * cell)}" y="${f3(i * cell)}" width="${f3(cell + 0.3)}" height="${f3(cell + 0.3)}" fill="${ramp((v - lo) / span)}"/>`,
      );
    }
  }
  parts.push('</g>');
  const bx = size + 24;
  for (let k = 0; k < 20; k++)
    parts.push(
      `<rect x="${bx}" y="${f3(28 + (size * (19 - k)) / 20)}" width="14" height="${f3(size / 20 + 0.5)}" fill="${ramp(k / 19)}"/>`,
    );
  parts.push(
    `<text x="${bx + 18}" y="36" class="tick">${tickLabel(hi)}</text><text x="${bx + 18}" y="${28 + size}" class="tick">${tickLabel(lo)}</text></svg>`,
  );
  return parts.join('');
}
