import { InvalidArgumentError } from '@sftdl/compute';
import { type Candidate, type EnergyTerm, type FreeVariable, PATTERN_KINDS, type PatternKind } from './engine';
import { type Monomial, monomial, mulMono, powMono } from './monomial';

/** Hidden-layer activation; decides which Hermite degrees a network can express. */
export type Activation = 'erf' | 'relu' | 'linear';

/**
 * A fully connected network described declaratively: its hidden layers (width symbol + activation) and
 * the candidate pattern assignments to minimise over. Copy and edit one of the built-ins to describe
 * another architecture.
 */
export interface FcnModel {
  readonly kind: 'fcn';
  readonly name: string;
  readonly description: string;
  /** Hidden layers from the input upwards; `width` is the scaling symbol of N_l (e.g. 'N', 'N1'). */
  readonly layers: readonly { readonly width: string; readonly activation: Activation }[];
  /** Readout-variance exponent γ (σ_a²/N^γ): 1 standard (validated), 2 mean-field (outside the validated scope). */
  readonly gamma?: 1 | 2;
  /** Pattern assignments (one per hidden layer) in the default minimum; 'all' = every assignment. */
  readonly candidates: readonly (readonly PatternKind[])[] | 'all';
  /** Assignments that appear in the paper's table (flagged `inPaperTable`). */
  readonly paperPatterns?: readonly (readonly PatternKind[])[];
  /** Reliability tag per mechanism ('S' paper, 'R' derived in docs/theory/curse-of-detail.md); others are 'derived'. */
  readonly sources?: Readonly<Record<string, 'S' | 'R'>>;
}

/** A model whose candidate energies are written out directly (e.g. exponents the paper only states). */
export interface ExplicitModel {
  readonly kind: 'explicit';
  readonly name: string;
  readonly description: string;
  /** Hermite degrees of the target the stated results cover. */
  readonly targetDegrees: readonly number[];
  readonly candidates: readonly Candidate[];
}

export type ScalingModel = FcnModel | ExplicitModel;

/** The target: a single-index Hermite polynomial y = He_k(w*·x). */
export interface Target {
  readonly degree: number;
}

/** Parses "he3" → { degree: 3 }. */
export function parseTarget(s: string): Target {
  if (/[+,]|\bmulti|x\d|\*/i.test(s.trim()))
    throw new InvalidArgumentError(
      `multi-index targets (sums of He_k along several directions, got '${s}') are not covered: the paper's scale analysis and its experiments treat single-index targets He_k(w*·x) only (its multi-index extension is not worked out); use one he<k>, e.g. he3`,
    );
  const m = /^he(\d+)$/i.exec(s.trim());
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError(`target must be he<k> with k ≥ 1 (e.g. he3), got '${s}'`);
  return { degree: Number(m[1]) };
}

type Support = 'deg1' | 'odd' | 'relu1' | 'all';
function compose(s: Support, a: Activation): Support {
  if (a === 'linear') return s;
  if (a === 'erf') return s === 'deg1' || s === 'odd' ? 'odd' : 'all';
  return s === 'deg1' ? 'relu1' : 'all';
}
function supports(s: Support, k: number): boolean {
  if (s === 'deg1') return k === 1;
  if (s === 'odd') return k % 2 === 1;
  if (s === 'relu1') return k === 1 || k % 2 === 0;
  return true;
}

/** Throws unless the network can express He_k (erf: odd k; ReLU: k = 1 or even; linear: k = 1). */
export function assertTargetExpressible(model: FcnModel, target: Target): void {
  let s: Support = 'deg1';
  for (const l of model.layers) s = compose(s, l.activation);
  if (!supports(s, target.degree)) {
    const why =
      s === 'deg1'
        ? 'a linear network only expresses the linear target he1'
        : s === 'odd'
          ? 'erf is odd, so its even Hermite coefficients vanish; use an odd k (he1, he3, he5, …)'
          : 'ReLU has vanishing odd Hermite coefficients above k = 1; use he1 or an even k';
    throw new InvalidArgumentError(`target he${target.degree} is not expressible by ${model.name}: ${why}`);
  }
}

function patternName(p: PatternKind): string {
  return p;
}

/**
 * Builds the variational energy of one pattern assignment with the feature-propagation rules
 * (docs/theory/curse-of-detail.md §5 and §6, step 3):
 *   - the input kernel gives the teacher direction Φ = w*·x the RKHS norm d (eigenvalue 1/d);
 *   - GP (lazy): cost 0, the spectrum passes unchanged (rule iii);
 *   - GFL(D): cost N_l·D, the feature's eigenvalue is amplified by D, its m-th power by D^m (rule ii);
 *   - Spec(M): M neurons pinned to Φ cost M·⟨Φ,K⁻¹,Φ⟩; the next kernel gets a spike of norm N_l/M that
 *     carries every power of Φ at O(1) (rule i; "saturated");
 *   - Mag(β): total squared mean β costs β·⟨Φ,K⁻¹,Φ⟩; the spike has norm N_l/β but small means carry
 *     the m-th power only at (β/N_l)^m, as for GFL;
 *   - read-out: a_y = ⟨y,K⁻¹,y⟩ = norm^k for He_k (norm if saturated), times N_last^(γ−1).
 * Bounds: 1 ≤ M_l ≤ N_l, 0 < β_l ≤ N_l, D_l > 0 (the note's box constraints).
 *
 * *When to use*: to build the energy of a pattern assignment for your own {@link FcnModel}.
 *
 * *Gotchas*: the rules are the paper's heuristics, not theorems; prefactors are O(1) conventions
 * (GFL cost N·D as in the note's worked example).
 *
 * @example
 * ```ts
 * const c = buildFcnCandidate(threeLayerFcn, ['Spec', 'Mag'], { degree: 3 });
 * c.terms.map((t) => formatMonomial(t.monomial)); // ["M1*d", "N1*beta2/M1", "N2/beta2"]
 * ```
 */
export function buildFcnCandidate(model: FcnModel, patterns: readonly PatternKind[], target: Target): Candidate {
  if (patterns.length !== model.layers.length) {
    throw new InvalidArgumentError(
      `${model.name}: a pattern assignment needs one pattern per hidden layer (${model.layers.length}), got ${patterns.length}`,
    );
  }
  const L = model.layers.length;
  const terms: EnergyTerm[] = [];
  const variables: FreeVariable[] = [];
  let norm: Monomial = monomial(1, { d: 1 });
  let saturated = false;
  patterns.forEach((p, i) => {
    const layer = i + 1;
    const { width, activation } = model.layers[i]!;
    const W = monomial(1, { [width]: 1 });
    const suffix = L > 1 ? String(layer) : '';
    if (p === 'GP') return;
    if (p === 'GFL') {
      const D = `D${suffix}`;
      variables.push({ name: D, kind: 'D', layer, meaning: `GFL amplification factor of layer ${layer}` });
      terms.push({ label: `GFL cost of layer ${layer}: ${width}·${D}`, monomial: mulMono(W, monomial(1, { [D]: 1 })) });
      norm = mulMono(norm, monomial(1, { [D]: -1 }));
      return;
    }
    const isSpec = p === 'Spec';
    const v = isSpec ? `M${suffix}` : `beta${suffix}`;
    variables.push({
      name: v,
      kind: isSpec ? 'M' : 'beta',
      layer,
      ...(isSpec ? { lower: monomial(1) } : {}),
      upper: W,
      meaning: isSpec ? `number of specialised neurons in layer ${layer}` : `total squared magnetisation of layer ${layer}`,
    });
    terms.push({
      label: `${isSpec ? 'specialisation' : 'magnetisation'} cost of layer ${layer}: ${v}·⟨Φ,K⁻¹,Φ⟩`,
      monomial: mulMono(monomial(1, { [v]: 1 }), norm),
    });
    norm = mulMono(W, monomial(1, { [v]: -1 }));
    if (isSpec && activation !== 'linear') saturated = true;
  });
  let readout = saturated ? norm : powMono(norm, target.degree);
  const gamma = model.gamma ?? 1;
  if (gamma !== 1) readout = mulMono(readout, monomial(1, { [model.layers[L - 1]!.width]: gamma - 1 }));
  terms.push({ label: `read-out RKHS norm a_y = ⟨y,K⁻¹,y⟩`, monomial: readout });
  const mechanism = patterns.map(patternName).join('-');
  const inPaperTable = (model.paperPatterns ?? []).some((q) => q.join('-') === mechanism);
  return {
    mechanism,
    patterns,
    terms,
    variables,
    source: model.sources?.[mechanism] ?? 'derived',
    inPaperTable,
    ...(gamma !== 1 ? { note: 'γ = 2 (mean-field readout): outside the validated scope of the paper' } : {}),
  };
}

/** Every assignment of the four patterns to `layers` hidden layers (4^layers of them). */
export function allPatternAssignments(layers: number): PatternKind[][] {
  let out: PatternKind[][] = [[]];
  for (let i = 0; i < layers; i++) out = out.flatMap((a) => PATTERN_KINDS.map((p) => [...a, p]));
  return out;
}

/** The candidates of a model for a target (the default set, or every assignment with `all`). */
export function modelCandidates(model: ScalingModel, target: Target, opts: { all?: boolean } = {}): Candidate[] {
  if (model.kind === 'explicit') {
    if (!model.targetDegrees.includes(target.degree)) {
      throw new InvalidArgumentError(
        `${model.name}: the stated result covers only he${model.targetDegrees.join(', he')}; got he${target.degree}`,
      );
    }
    return [...model.candidates];
  }
  assertTargetExpressible(model, target);
  const set = opts.all || model.candidates === 'all' ? allPatternAssignments(model.layers.length) : model.candidates;
  return set.map((p) => buildFcnCandidate(model, p, target));
}

// ------------------------------------------------------------------------------------------------
// Built-in models

/** Two-layer erf FCN, f(x) = Σ_i a_i erf(w_i·x), N = width; every single-layer pattern competes. */
export const twoLayerFcn: FcnModel = {
  kind: 'fcn',
  name: 'two-layer',
  description: 'two-layer erf network f(x) = Σ_i a_i erf(w_i·x), hidden width N, standard scaling',
  layers: [{ width: 'N', activation: 'erf' }],
  candidates: [['GP'], ['Spec'], ['GFL'], ['Mag']],
  paperPatterns: [['GP'], ['Spec'], ['GFL']],
  sources: { GP: 'S', Spec: 'S', GFL: 'R', Mag: 'R' },
};

/** Two-layer linear network with a linear target (he1 only). */
export const twoLayerLinear: FcnModel = {
  kind: 'fcn',
  name: 'two-layer-linear',
  description: 'two-layer linear network f(x) = Σ_i a_i (w_i·x), hidden width N, linear target y = w*·x',
  layers: [{ width: 'N', activation: 'linear' }],
  candidates: [['GP'], ['Spec'], ['GFL'], ['Mag']],
  paperPatterns: [['GP'], ['Spec'], ['GFL']],
  sources: { GP: 'R', Spec: 'R', GFL: 'R', Mag: 'R' },
};

/**
 * Three-layer erf FCN with widths N1 (first hidden layer) and N2 (second). The default minimum runs over
 * the paper's Table 1 patterns (GP-GP, GP-Spec, Spec-Mag); every other pair is available with `all`.
 */
export const threeLayerFcn: FcnModel = {
  kind: 'fcn',
  name: 'three-layer',
  description: 'three-layer erf network, hidden widths N1 then N2, standard scaling',
  layers: [
    { width: 'N1', activation: 'erf' },
    { width: 'N2', activation: 'erf' },
  ],
  candidates: [
    ['GP', 'GP'],
    ['GP', 'Spec'],
    ['Spec', 'Mag'],
  ],
  paperPatterns: [
    ['GP', 'GP'],
    ['GP', 'Spec'],
    ['Spec', 'Mag'],
  ],
  sources: { 'GP-GP': 'S', 'GP-Spec': 'S', 'Spec-Mag': 'S' },
};

/**
 * Single softmax attention head with context length L and a cubic target. The paper states
 * P* ∝ √(L·d³); its derivation is not written down (docs/theory/curse-of-detail.md §7), so the model carries the stated
 * formula, plus the lazy (GP) baseline L·d³ derived for the library's task (mean-pooled values: the
 * token-summed cubic feature has kernel eigenvalue d⁻³/L).
 */
export const attentionHeadModel: ExplicitModel = {
  kind: 'explicit',
  name: 'attention',
  description: 'single softmax attention head, context length L, cubic target y = L^(-1/2) Σ_l He3(w*·x_l)',
  targetDegrees: [3],
  candidates: [
    {
      mechanism: 'stated',
      terms: [{ label: 'stated scale √(L·d³)', monomial: monomial(1, { L: '1/2', d: '3/2' }) }],
      variables: [],
      source: 'stated',
      inPaperTable: true,
      note: 'exponent stated by the paper (Fig. 3b collapse on P/√(L d³)); derivation not recorded, prefactor unknown (1 used)',
    },
    {
      mechanism: 'GP',
      terms: [{ label: 'lazy read-out norm L·d³', monomial: monomial(1, { L: 1, d: 3 }) }],
      variables: [],
      source: 'R',
      inPaperTable: false,
      note: 'lazy baseline for mean-pooled values (library derivation)',
    },
  ],
};

/** Two-layer CNN with non-overlapping patches: the paper only states P* ∝ d^(3/4) (setup not recorded). */
export const cnnStated: ExplicitModel = {
  kind: 'explicit',
  name: 'cnn',
  description: 'two-layer CNN with non-overlapping patches (paper states P* ∝ d^(3/4); setup not recorded)',
  targetDegrees: [3],
  candidates: [
    {
      mechanism: 'stated',
      terms: [{ label: 'stated scale d^(3/4)', monomial: monomial(1, { d: '3/4' }) }],
      variables: [],
      source: 'stated',
      inPaperTable: true,
      note: 'stated only; equals the fixed-width exponent of the GFL trade-off N·D + d³/D³ (note [R]), unverified',
    },
  ],
};

/** The built-in models by name. */
export const builtinModels: Readonly<Record<string, ScalingModel>> = {
  'two-layer': twoLayerFcn,
  'two-layer-linear': twoLayerLinear,
  'three-layer': threeLayerFcn,
  attention: attentionHeadModel,
  cnn: cnnStated,
};
