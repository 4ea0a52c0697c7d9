import { writeFileAtomic } from './io';

/** One section of the HTML report: a heading, prose, optional figures (SVG strings) and tables. */
export interface ReportSection {
  title: string;
  paragraphs: string[];
  /** Figures; `explorer` is the interactive explorer's URL for the same parameters ({@link explorerUrl}). */
  figures: { svg: string; caption: string; explorer?: string }[];
  tables: { caption: string; header: string[]; rows: (string | number)[][] }[];
}

/** A table cell containing this mark is highlighted as a failure (e.g. R̂ > 1.05). */
export const FAIL_MARK = '✗';

/**
 * The explorer's URL for a view and its parameters (named like the CLI flags, without dashes): base from
 * SFTDL_EXPLORER_URL, default http://127.0.0.1:5173/.
 * @example explorerUrl('cubic', { epsilon: -0.3, 'sigma-w2': 0.5 }) // 'http://127.0.0.1:5173/?view=cubic&epsilon=-0.3&sigma-w2=0.5'
 */
export function explorerUrl(
  view: 'cubic' | 'modular' | 'kernels' | 'msa',
  params: Record<string, string | number>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const base = env.SFTDL_EXPLORER_URL || 'http://127.0.0.1:5173/';
  const q = new URLSearchParams({ view });
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  return `${base}${base.includes('?') ? '&' : '?'}${q.toString()}`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: string | number): string {
  if (typeof v === 'string') return esc(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

/** Renders the report as a self-contained HTML page (inline SVG, no external assets). */
export function renderReport(o: { title: string; subtitle: string; sections: ReportSection[]; footer: string }): string {
  const body = o.sections
    .map(
      (s, i) => `
<section id="s${i + 1}">
  <h2>${i + 1}. ${esc(s.title)}</h2>
  ${s.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('\n  ')}
  ${s.figures.map((f) => `<figure>${f.svg}<figcaption>${esc(f.caption)}${f.explorer ? ` <a class="explore" href="${esc(f.explorer).replace(/"/g, '&quot;')}">Open in the explorer</a>` : ''}</figcaption></figure>`).join('\n  ')}
  ${s.tables.map((t) => `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td${typeof c === 'string' && c.includes(FAIL_MARK) ? ' class="fail"' : ''}>${fmt(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`).join('\n  ')}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} .sub{color:#555;margin-top:0}
figure{margin:1.2em 0;display:inline-block;vertical-align:top} figcaption{font-size:.9em;color:#444;max-width:560px}
table{border-collapse:collapse;margin:1em 0;font-size:.92em} caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right} th{background:#f4f4f4} td.fail{background:#fdd;color:#a00;font-weight:600}
a.explore{font-size:.9em;white-space:nowrap}
footer{margin-top:3em;color:#666;font-size:.85em}
</style></head><body>
<h1>${esc(o.title)}</h1><p class="sub">${esc(o.subtitle)}</p>
<nav><ol>${o.sections.map((s, i) => `<li><a href="#s${i + 1}">${esc(s.title)}</a></li>`).join('')}</ol></nav>
${body}
<footer>${esc(o.footer)}</footer>
</body></html>
`;
}

/** Writes the report atomically (temp file + rename): an interrupted run never leaves a half-written report. */
export function writeReport(path: string, html: string): void {
  writeFileAtomic(path, html);
}
