import { InvalidArgumentError } from '@sftdl/compute';
import {
  type Candidate,
  type CandidateSolution,
  type ScalingRelations,
  exponentBreakpoints,
  minimalExponent,
  rankSolutions,
  solveCandidate,
} from './engine';
import { Fraction } from './fraction';
import { addExps, formatMonomial } from './monomial';
import { type ScalingModel, type Target, modelCandidates } from './models';

/** A change of the winning mechanism along one scaling exponent. */
export interface PhaseBoundary {
  /** The scaling symbol varied (e.g. 'N1'); its exponent in d crosses `at`. */
  symbol: string;
  at: Fraction;
  /** Winner below / above the boundary. */
  from: string;
  to: string;
  /** The boundary as a relation between the symbols, e.g. "N1 = sqrt(N2*d)"; null for a prefactor-only switch. */
  condition: string | null;
}

/** The prediction of the scale analysis at given scaling relations. */
export interface Prediction {
  model: string;
  target: Target;
  scaling: Record<string, Fraction>;
  /** Exponent in d of P* (P* over κ ∝ E_min). */
  pStarExponent: Fraction;
  mechanism: string;
  winner: CandidateSolution;
  /** Every candidate in the minimum, in the model's order. */
  candidates: CandidateSolution[];
  /** Extra candidates outside the default minimum (e.g. every other pattern pair), reported only. */
  otherCandidates: CandidateSolution[];
  formula: string;
  phaseBoundaries: PhaseBoundary[];
  /**
   * 'scaling': the paper presents P* ∝ d^exponent as the scale of the onset. 'lower-bound': the paper gives only a
   * lower bound here (the large-deviation bound P* ≳ κE without a matching mechanism), so a measured exponent may lie
   * above it; see {@link Prediction.kindReason}.
   */
  kind: 'scaling' | 'lower-bound';
  /** Why a row is a lower bound (absent for scalings). */
  kindReason?: string;
}

/** Options of {@link predict}. */
export interface PredictOptions {
  target: Target;
  /** Exponent in d of each scaling symbol (N, N1, N2, L, …). */
  scaling: ScalingRelations;
  /** Minimise over every pattern assignment instead of the model's default set (default false). */
  allPatterns?: boolean;
  /** Also solve the assignments outside the default set and report them in `otherCandidates` (default false). */
  reportOthers?: boolean;
  /** Sweep each scaling symbol over [0, sweepMax] for phase boundaries (default 4k; 0 disables). */
  sweepMax?: number;
}

function toFracMap(s: ScalingRelations): Record<string, Fraction> {
  const out: Record<string, Fraction> = {};
  for (const [k, v] of Object.entries(s)) {
    const f = v instanceof Fraction ? v : typeof v === 'string' ? Fraction.parse(v) : Fraction.from(v);
    if (f.sign() < 0)
      throw new InvalidArgumentError(`scaling exponent of ${k} must be ≥ 0 (a width or length at least O(1)), got ${f}`);
    out[k] = f;
  }
  return out;
}

/**
 * The curse-of-detail prediction: solves every candidate mechanism exactly and takes the minimum.
 *
 * *When to use*: to get the sample-complexity exponent P* ∝ κ·d^a, the winning feature-learning
 * mechanism, the optimal internal counts and the phase boundaries for a model at given width/context
 * exponents (N = d^ν, …).
 *
 * *Gotchas*: this is the equilibrium (Bayesian posterior) heuristic of Rubin–Davidovich–Ringel; it bounds
 * P* from below up to O(1) and says nothing about SGD-specific laws (n ~ d^{k−1}, d^{k/2}). Exponent ties
 * are broken by the O(1) leading coefficients with every symbol set to exactly d^(its exponent).
 *
 * @example
 * ```ts
 * const p = predict(twoLayerFcn, { target: { degree: 3 }, scaling: { N: 1 } });
 * p.pStarExponent.toString(); // "1"  (P* ∝ d at proportional width)
 * p.mechanism;                // "Spec"
 * ```
 */
export function predict(model: ScalingModel, opts: PredictOptions): Prediction {
  const scaling = toFracMap(opts.scaling);
  const cands = modelCandidates(model, opts.target, { all: opts.allPatterns ?? false });
  const sols = cands.map((c) => solveCandidate(c, scaling));
  const ranked = rankSolutions(sols);
  const winner = ranked[0]!;
  let others: CandidateSolution[] = [];
  if (opts.reportOthers && !opts.allPatterns && model.kind === 'fcn') {
    const names = new Set(cands.map((c) => c.mechanism));
    others = modelCandidates(model, opts.target, { all: true })
      .filter((c) => !names.has(c.mechanism))
      .map((c) => solveCandidate(c, scaling));
  }
  const sweepMax = opts.sweepMax ?? 4 * opts.target.degree;
  const boundaries: PhaseBoundary[] = [];
  if (sweepMax > 0) {
    for (const sym of Object.keys(scaling))
      boundaries.push(...sweepBoundaries(cands, scaling, sym, Fraction.ZERO, Fraction.from(sweepMax)));
  }
  return {
    model: model.name,
    target: opts.target,
    scaling,
    pStarExponent: winner.exponent,
    mechanism: winner.mechanism,
    winner,
    candidates: sols,
    otherCandidates: others,
    formula: winner.formula,
    phaseBoundaries: boundaries,
    ...predictionKind(model, winner),
  };
}

/**
 * Which rows are bounds, not scalings: the linear two-layer network's feature-learning rows (N < d, E = √(N·d)) —
 * the paper derives only the large-deviation lower bound there (no exact theory or experiment backs a √(N·d)
 * onset; the exact linear posterior measures a steeper exponent).
 */
function predictionKind(model: ScalingModel, winner: CandidateSolution): Pick<Prediction, 'kind' | 'kindReason'> {
  if (model.kind === 'fcn' && model.layers.every((l) => l.activation === 'linear') && winner.mechanism !== 'GP')
    return {
      kind: 'lower-bound',
      kindReason:
        'linear network below proportional width (N < d): the paper gives only the lower bound P* ≳ κ·√(N·d) here, not a scaling; a measured exponent at or above it is consistent',
    };
  return { kind: 'scaling' };
}

function winnerAt(cands: readonly Candidate[], scaling: Record<string, Fraction>): CandidateSolution {
  const exps = cands.map((c) => minimalExponent(c, scaling));
  let best = exps[0]!;
  for (const e of exps) if (e.lt(best)) best = e;
  const tied = cands.filter((_, i) => exps[i]!.eq(best));
  return rankSolutions(tied.map((c) => solveCandidate(c, scaling)))[0]!;
}

/**
 * Exact phase boundaries of the minimum over `cands` as the exponent of `symbol` runs over [lo, hi] with
 * the other exponents fixed. Each candidate's exponent is convex piecewise linear in the swept exponent;
 * its breakpoints come from vertex enumeration, crossings between candidates are solved exactly, and the
 * winner is decided on every piece.
 */
export function sweepBoundaries(
  cands: readonly Candidate[],
  scaling: Record<string, Fraction>,
  symbol: string,
  lo: Fraction,
  hi: Fraction,
): PhaseBoundary[] {
  const pts = new Map<string, Fraction>();
  for (const c of cands) for (const x of exponentBreakpoints(c, scaling, symbol, lo, hi)) pts.set(x.toString(), x);
  let xs = [...pts.values()].sort((a, b) => a.cmp(b));
  const at = (x: Fraction) => cands.map((c) => minimalExponent(c, { ...scaling, [symbol]: x }));
  const vals = xs.map(at);
  // exact crossings inside each linear piece
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = xs[i]!;
    const b = xs[i + 1]!;
    for (let p = 0; p < cands.length; p++) {
      for (let q = p + 1; q < cands.length; q++) {
        const da = vals[i]![p]!.sub(vals[i]![q]!);
        const db = vals[i + 1]![p]!.sub(vals[i + 1]![q]!);
        if (da.sign() * db.sign() < 0) {
          const x = a.add(b.sub(a).mul(da).div(da.sub(db)));
          pts.set(x.toString(), x);
        }
      }
    }
  }
  xs = [...pts.values()].sort((a, b) => a.cmp(b));
  const out: PhaseBoundary[] = [];
  const pieces: { x: Fraction; winner: CandidateSolution; mid: Record<string, Fraction> }[] = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    const mid = xs[i]!.add(xs[i + 1]!).div(Fraction.of(2));
    const sc = { ...scaling, [symbol]: mid };
    pieces.push({ x: xs[i]!, winner: winnerAt(cands, sc), mid: sc });
  }
  for (let i = 1; i < pieces.length; i++) {
    const a = pieces[i - 1]!;
    const b = pieces[i]!;
    if (a.winner.mechanism === b.winner.mechanism) continue;
    const ca = cands.find((c) => c.mechanism === a.winner.mechanism)!;
    const cb = cands.find((c) => c.mechanism === b.winner.mechanism)!;
    // the boundary relation: try the loser's piece on the winner's side first, then the other pairings
    const tries: [CandidateSolution, CandidateSolution][] = [
      [solveCandidate(ca, b.mid), b.winner],
      [a.winner, solveCandidate(cb, a.mid)],
      [a.winner, b.winner],
    ];
    let condition: string | null = null;
    for (const [p, q] of tries) if ((condition = boundaryCondition(p, q, symbol)) !== null) break;
    out.push({ symbol, at: b.x, from: a.winner.mechanism, to: b.winner.mechanism, condition });
  }
  return out;
}

function boundaryCondition(a: CandidateSolution, b: CandidateSolution, symbol: string): string | null {
  const ea = a.leadingExps;
  const eb = b.leadingExps;
  const delta = addExps(ea, eb, Fraction.ONE.neg());
  const cs = delta[symbol];
  if (!cs || cs.isZero()) return null;
  const rhs: Record<string, Fraction> = {};
  for (const [k, v] of Object.entries(delta)) if (k !== symbol) rhs[k] = v.neg().div(cs);
  return `${symbol} = ${formatMonomial({ coef: 1, exps: rhs })}`;
}
