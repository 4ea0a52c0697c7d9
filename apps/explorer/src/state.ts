/**
 * The explorer's page state and its URL form. The query names follow the CLI flags without the dashes:
 * `?view=cubic&epsilon=-0.3&sigma-w2=0.5&width=700&samples=3000&dim=150` (see apps/explorer/README.md).
 * The bare URL is the cubic teacher at the paper's Fig. 2 parameters.
 */

export type ViewName = 'cubic' | 'modular' | 'kernels' | 'msa';
export const VIEW_NAMES: readonly ViewName[] = ['cubic', 'modular', 'kernels', 'msa'];

/** Cubic teacher (Rubin, Seroussi & Ringel 2024, Fig. 2). `sigmaA2 = null` means σ_a² = 8/N (the paper's mean-field value). */
export interface CubicState {
  epsilon: number;
  sigmaW2: number;
  sigma2: number;
  width: number;
  samples: number;
  dim: number;
  sigmaA2: number | null;
}
/** Modular addition (Fig. 3); `sigma2` is the noise at which the per-mode action is drawn. */
export interface ModularState {
  prime: number;
  width: number;
  sigmaA2: number;
  gamma: number;
  lambdaNormalization: 'paper' | 'first-principles';
  sigma2: number;
}
/** NNGP/NTK of a deep fully connected network; `width` is used by the standard parameterisation only (as `demo kernel --width`). */
export interface KernelsState {
  activation: string;
  depth: number;
  weightVar: number;
  biasVar: number;
  parameterization: 'ntk' | 'standard';
  width: number;
}
/** MSA on a linear two-layer network; `chi` is 1 (standard scaling) or N (mean-field). */
export interface MsaState {
  width: number;
  chi: '1' | 'N';
  activation: 'linear';
}

export type ViewState =
  | { view: 'cubic'; params: CubicState }
  | { view: 'modular'; params: ModularState }
  | { view: 'kernels'; params: KernelsState }
  | { view: 'msa'; params: MsaState };

/** Kernel activations offered by the kernels view (all have closed-form or quadrature dual activations). */
export const KERNEL_ACTIVATIONS = [
  'relu',
  'erf',
  'tanh',
  'gelu',
  'softplus',
  'swish',
  'sigmoid',
  'abs',
  'step',
  'relu2',
  'square',
  'cube',
  'sin',
  'cos',
  'linear',
] as const;

export const DEFAULTS: { cubic: CubicState; modular: ModularState; kernels: KernelsState; msa: MsaState } = {
  cubic: { epsilon: -0.3, sigmaW2: 0.5, sigma2: 0.15, width: 700, samples: 3000, dim: 150, sigmaA2: null },
  modular: { prime: 401, width: 1000, sigmaA2: 2e-6, gamma: 1e-4, lambdaNormalization: 'paper', sigma2: 0.2 },
  kernels: { activation: 'relu', depth: 3, weightVar: 2, biasVar: 0.1, parameterization: 'ntk', width: 512 },
  msa: { width: 256, chi: '1', activation: 'linear' },
};

/** σ_a² actually used by the cubic view: the explicit value, or 8/N. */
export function cubicSigmaA2(p: CubicState): number {
  return p.sigmaA2 ?? 8 / p.width;
}

type NumberField = {
  key: string;
  prop: string;
  kind: 'number';
  min?: number;
  max?: number;
  integer?: boolean;
  positive?: boolean;
};
type ChoiceField = { key: string; prop: string; kind: 'choice'; choices: readonly string[] };
export type Field = NumberField | ChoiceField;

/** URL key ↔ state property, with the validity rule of each parameter (the same rules as the CLI flags). */
export const FIELDS: Record<ViewName, readonly Field[]> = {
  cubic: [
    { key: 'epsilon', prop: 'epsilon', kind: 'number' },
    { key: 'sigma-w2', prop: 'sigmaW2', kind: 'number', positive: true },
    { key: 'sigma2', prop: 'sigma2', kind: 'number', positive: true },
    { key: 'width', prop: 'width', kind: 'number', positive: true },
    { key: 'samples', prop: 'samples', kind: 'number', positive: true },
    { key: 'dim', prop: 'dim', kind: 'number', positive: true },
    { key: 'sigma-a2', prop: 'sigmaA2', kind: 'number', positive: true },
  ],
  modular: [
    { key: 'prime', prop: 'prime', kind: 'number', integer: true, min: 2 },
    { key: 'width', prop: 'width', kind: 'number', positive: true },
    { key: 'sigma-a2', prop: 'sigmaA2', kind: 'number', positive: true },
    { key: 'gamma', prop: 'gamma', kind: 'number', positive: true },
    { key: 'lambda-normalization', prop: 'lambdaNormalization', kind: 'choice', choices: ['paper', 'first-principles'] },
    { key: 'sigma2', prop: 'sigma2', kind: 'number', positive: true },
  ],
  kernels: [
    { key: 'activation', prop: 'activation', kind: 'choice', choices: KERNEL_ACTIVATIONS },
    { key: 'depth', prop: 'depth', kind: 'number', integer: true, min: 1, max: 50 },
    { key: 'weight-var', prop: 'weightVar', kind: 'number', min: 0 },
    { key: 'bias-var', prop: 'biasVar', kind: 'number', min: 0 },
    { key: 'parameterization', prop: 'parameterization', kind: 'choice', choices: ['ntk', 'standard'] },
    { key: 'width', prop: 'width', kind: 'number', integer: true, min: 1 },
  ],
  msa: [
    { key: 'width', prop: 'width', kind: 'number', integer: true, min: 1 },
    { key: 'chi', prop: 'chi', kind: 'choice', choices: ['1', 'N'] },
    { key: 'activation', prop: 'activation', kind: 'choice', choices: ['linear'] },
  ],
};

function checkNumber(f: NumberField, raw: string): number | string {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) return `${f.key} must be a finite number, got '${raw}'`;
  if (f.positive && !(v > 0)) return `${f.key} must be > 0, got ${raw}`;
  if (f.integer && !Number.isInteger(v)) return `${f.key} must be an integer, got ${raw}`;
  if (f.min !== undefined && v < f.min) return `${f.key} must be ≥ ${f.min}, got ${raw}`;
  if (f.max !== undefined && v > f.max) return `${f.key} must be ≤ ${f.max}, got ${raw}`;
  return v;
}

/**
 * Reads the state from a query string. Unknown or invalid parameters fall back to the view's defaults; each is
 * reported in `warnings` (one line naming the parameter, like the CLI's exit-2 message).
 */
export function parseQuery(search: string): { state: ViewState; warnings: string[] } {
  const q = new URLSearchParams(search);
  const warnings: string[] = [];
  const rawView = q.get('view');
  let view: ViewName = 'cubic';
  if (rawView !== null) {
    if ((VIEW_NAMES as readonly string[]).includes(rawView)) view = rawView as ViewName;
    else warnings.push(`view must be one of ${VIEW_NAMES.join('|')}, got '${rawView}'`);
  }
  const params: Record<string, unknown> = { ...DEFAULTS[view] };
  const known = new Set(['view', ...FIELDS[view].map((f) => f.key)]);
  for (const k of q.keys()) if (!known.has(k)) warnings.push(`unknown parameter '${k}' for the ${view} view (ignored)`);
  for (const f of FIELDS[view]) {
    const raw = q.get(f.key);
    if (raw === null) continue;
    if (f.kind === 'choice') {
      if (f.choices.includes(raw)) params[f.prop] = raw;
      else warnings.push(`${f.key} must be one of ${f.choices.join('|')}, got '${raw}'`);
      continue;
    }
    const v = checkNumber(f, raw);
    if (typeof v === 'string') warnings.push(v);
    else params[f.prop] = v;
  }
  return { state: { view, params } as unknown as ViewState, warnings };
}

/**
 * The query string of a state: `view` plus every parameter (a shared link does not depend on the defaults of the
 * version that opens it). The cubic view's σ_a² is left out while it follows 8/N.
 */
export function toQuery(state: ViewState): string {
  const q = new URLSearchParams();
  q.set('view', state.view);
  const params = state.params as unknown as Record<string, unknown>;
  for (const f of FIELDS[state.view]) {
    const v = params[f.prop];
    if (v === null || v === undefined) continue;
    q.set(f.key, String(v));
  }
  return `?${q.toString()}`;
}

/** Full explorer link for a state, from a base URL (`SFTDL_EXPLORER_URL` in the demo, default http://127.0.0.1:5173/). */
export function explorerLink(base: string, state: ViewState): string {
  return `${base.replace(/\?.*$/, '')}${toQuery(state)}`;
}
