/**
 * The page: builds the controls of the current view, keeps the state in the URL, sends each change to the
 * computation worker and draws what comes back (read-outs as DOM text, charts as SVG).
 */
import './style.css';
import type { Reply, Request, Result } from './protocol';
import { type ViewName, type ViewState, DEFAULTS, VIEW_NAMES, parseQuery, toQuery } from './state';
import { type Control, VIEWS, fmt } from './views';

/** What the page exposes for its browser tests and benchmark (read-only use). */
export interface ExplorerProbe {
  requestId: number;
  completedId: number;
  renders: number;
  lastSeconds: number;
}
declare global {
  interface Window {
    __explorer: ExplorerProbe;
  }
}

const probe: ExplorerProbe = { requestId: 0, completedId: 0, renders: 0, lastSeconds: 0 };
window.__explorer = probe;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
let state: ViewState;
let warnings: string[] = [];
let shown: Result = {};
let complete = false;

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return el;
};
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const params = (): Record<string, unknown> => state.params as unknown as Record<string, unknown>;

// ── slider ↔ value ────────────────────────────────────────────────────────────────────────────────────────────────
const LOG_STEPS = 1000;
function sliderToValue(c: Extract<Control, { kind: 'range' }>, pos: number): number {
  let v = c.log ? Math.exp(Math.log(c.min) + ((Math.log(c.max) - Math.log(c.min)) * pos) / LOG_STEPS) : pos;
  if (c.integer) v = Math.round(v);
  else if (c.digits) v = Number(v.toPrecision(c.digits));
  return v;
}
function valueToSlider(c: Extract<Control, { kind: 'range' }>, v: number): number {
  if (!c.log) return v;
  const t = (Math.log(Math.min(Math.max(v, c.min), c.max)) - Math.log(c.min)) / (Math.log(c.max) - Math.log(c.min));
  return Math.round(t * LOG_STEPS);
}

function controlHtml(c: Control): string {
  const v = params()[c.prop];
  const id = `ctl-${c.key}`;
  if (c.kind === 'select') {
    const opts = c.options
      .map((o) => `<option value="${esc(o.value)}"${o.value === v ? ' selected' : ''}>${esc(o.label)}</option>`)
      .join('');
    return `<label class="ctl" for="${id}"><span>${esc(c.label)}</span><select id="${id}" data-param="${c.key}">${opts}</select></label>`;
  }
  if (c.kind === 'optional-number') {
    const value = v === null ? '' : esc(String(v));
    return (
      `<label class="ctl" for="${id}"><span>${esc(c.label)}</span>` +
      `<input id="${id}" type="text" inputmode="decimal" data-param="${c.key}" placeholder="${esc(c.placeholder)}" value="${value}"></label>`
    );
  }
  const range = c.log ? `min="0" max="${LOG_STEPS}" step="1"` : `min="${c.min}" max="${c.max}" step="${c.step ?? 1}"`;
  return (
    `<label class="ctl" for="${id}"><span>${esc(c.label)}</span><span class="pair"><input id="${id}" type="range" ${range} value="${valueToSlider(c, Number(v))}" data-param="${c.key}">` +
    `<input type="text" inputmode="decimal" class="num" data-value-for="${c.key}" value="${esc(String(v))}" aria-label="${esc(c.label)} value"></span></label>`
  );
}

/** Applies a raw value of URL parameter `key` to the state (the URL rules of state.ts validate it). */
function applyValue(key: string, raw: string): string | null {
  const q = new URLSearchParams(toQuery(state));
  if (raw === '') q.delete(key);
  else q.set(key, raw);
  const parsed = parseQuery(`?${q.toString()}`);
  const bad = parsed.warnings.find((w) => w.startsWith(`${key} `));
  if (bad) return bad;
  state = parsed.state;
  return null;
}

function onControl(ev: Event): void {
  const el = ev.target as HTMLInputElement | HTMLSelectElement;
  const key = el.dataset.param ?? el.dataset.valueFor;
  if (!key) return;
  const spec = VIEWS[state.view].controls.find((c) => c.key === key);
  if (!spec) return;
  let raw = el.value.trim();
  if (spec.kind === 'range' && el.dataset.param) raw = String(sliderToValue(spec, Number(el.value)));
  const err = applyValue(key, raw);
  warnings = err ? [err] : [];
  syncControls(el);
  history.replaceState(null, '', toQuery(state));
  request();
}

function syncControls(except?: Element): void {
  for (const c of VIEWS[state.view].controls) {
    const v = params()[c.prop];
    const main = document.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-param="${c.key}"]`);
    if (main && main !== except)
      main.value = c.kind === 'range' ? String(valueToSlider(c, Number(v))) : v === null ? '' : String(v);
    const num = document.querySelector<HTMLInputElement>(`[data-value-for="${c.key}"]`);
    if (num && num !== except) num.value = String(v);
  }
}

// ── page ──────────────────────────────────────────────────────────────────────────────────────────────────────────
function build(): void {
  const spec = VIEWS[state.view];
  document.title = `sftdl explorer — ${spec.tab}`;
  const tabs = VIEW_NAMES.map(
    (v) => `<a href="?view=${v}" data-view="${v}"${v === state.view ? ' aria-current="page"' : ''}>${esc(VIEWS[v].tab)}</a>`,
  ).join('');
  $('#app').innerHTML = `
    <header><h1>sftdl explorer</h1><nav>${tabs}</nav></header>
    <main data-view="${state.view}">
      <aside><h2>Parameters</h2><form id="controls" onsubmit="return false">${spec.controls.map(controlHtml).join('')}</form>
        <p class="link">Link to this view: <a id="share" href="${esc(toQuery(state))}">${esc(toQuery(state))}</a></p></aside>
      <section>
        <h2 id="view-title">${esc(spec.title)}</h2>
        <p class="explanation">${esc(spec.explanation)}</p>
        <p class="reference"><strong>Reference:</strong> ${esc(spec.reference)}</p>
        <div id="notes" role="status"></div>
        <dl id="readouts"></dl>
        <div id="status" aria-live="polite"></div>
        <div id="charts"></div>
      </section>
    </main>`;
  $('#controls').addEventListener('input', onControl);
  $('#controls').addEventListener('change', onControl);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const v = a.dataset.view as ViewName;
      if (v === state.view) return;
      state = { view: v, params: { ...DEFAULTS[v] } } as ViewState;
      warnings = [];
      history.pushState(null, '', toQuery(state));
      start();
    });
  }
}

function render(): void {
  const spec = VIEWS[state.view];
  const notes = [...warnings, ...spec.notes(state, shown)];
  $('#notes').innerHTML = notes.map((n) => `<p class="note">${esc(n)}</p>`).join('');
  $('#readouts').innerHTML = spec
    .readouts(state, shown)
    .map(
      (r) =>
        `<div class="ro"><dt>${esc(r.label)}</dt><dd data-out="${esc(r.key)}"${r.title ? ` title="${esc(r.title)}"` : ''}>${esc(r.value)}</dd></div>`,
    )
    .join('');
  $('#charts').innerHTML = spec
    .charts(state, shown)
    .map((svg) => `<figure class="chart">${svg}</figure>`)
    .join('');
  $('#charts').classList.toggle('updating', !complete);
  $('#status').textContent = complete ? `computed in ${fmt(probe.lastSeconds * 1000, 3)} ms (Web Worker)` : 'computing…';
  const share = $<HTMLAnchorElement>('#share');
  share.href = toQuery(state);
  share.textContent = toQuery(state);
}

function request(): void {
  probe.requestId += 1;
  complete = false;
  const msg: Request = { id: probe.requestId, state };
  worker.postMessage(msg);
}

worker.onmessage = (ev: MessageEvent<Reply>) => {
  const r = ev.data;
  if (r.id !== probe.requestId) return;
  shown = { ...shown, ...r.data };
  complete = r.complete;
  probe.lastSeconds = r.seconds;
  if (r.error) warnings = [...warnings, `computation failed: ${r.error}`];
  render();
  probe.renders += 1;
  if (r.complete) probe.completedId = r.id;
  document.dispatchEvent(new CustomEvent('explorer:render', { detail: { id: r.id, complete: r.complete } }));
};
worker.onerror = (ev) => {
  warnings = [...warnings, `the computation worker failed: ${ev.message}`];
  render();
};

function start(): void {
  shown = {};
  build();
  render();
  request();
}

function load(): void {
  const parsed = parseQuery(location.search);
  state = parsed.state;
  warnings = parsed.warnings;
  start();
}

window.addEventListener('popstate', load);
load();
