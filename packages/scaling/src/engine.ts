import { InvalidArgumentError } from '@sftdl/compute';
import { Fraction } from './fraction';
import { type Affine, evalAffine, lpMinimize, vertices } from './lp';
import { type Exponents, type Monomial, addExps, expsEqual, formatMonomial, monomial } from './monomial';
import { minimizeBox } from './numeric';

/** A per-layer feature-learning pattern (docs/theory/curse-of-detail.md §4). */
export type PatternKind = 'GP' | 'GFL' | 'Spec' | 'Mag';
export const PATTERN_KINDS: readonly PatternKind[] = ['GP', 'GFL', 'Spec', 'Mag'];

/** A free internal parameter of a pattern: M (specialised count), beta (magnetisation) or D (GFL gain). */
export interface FreeVariable {
  readonly name: string;
  readonly kind: 'M' | 'beta' | 'D';
  readonly layer: number;
  /** Lower bound as a monomial in the scaling symbols (e.g. 1 for M); absent = unbounded below (→ 0). */
  readonly lower?: Monomial;
  /** Upper bound (e.g. N_l for M and beta); absent = unbounded above. */
  readonly upper?: Monomial;
  readonly meaning: string;
}

/** One additive piece of a variational energy, e.g. the readout RKHS norm N/M. */
export interface EnergyTerm {
  readonly label: string;
  readonly monomial: Monomial;
}

/**
 * One candidate mechanism: an energy E = Σ terms, to be minimised over its free variables.
 * `source`: 'S' paper content, 'R' derived in docs/theory/curse-of-detail.md, 'stated' an exponent the paper states
 * without a derivation recorded here, 'derived' built by this engine's propagation rules.
 */
export interface Candidate {
  readonly mechanism: string;
  readonly patterns?: readonly PatternKind[];
  readonly terms: readonly EnergyTerm[];
  readonly variables: readonly FreeVariable[];
  readonly source: 'S' | 'R' | 'stated' | 'derived';
  readonly inPaperTable: boolean;
  readonly note?: string;
}

/** Scaling relations: the exponent of each scaling symbol in d (N = d^ν → { N: ν }). d itself is 1. */
export type ScalingRelations = Readonly<Record<string, Fraction | number | string>>;

const BIG = Fraction.of(1_000_000);

function rel(scaling: ScalingRelations): Map<string, Fraction> {
  const m = new Map<string, Fraction>();
  for (const [k, v] of Object.entries(scaling)) {
    const f = v instanceof Fraction ? v : typeof v === 'string' ? Fraction.parse(v) : Fraction.from(v);
    m.set(k, f);
  }
  if (m.has('d') && !m.get('d')!.eq(Fraction.ONE))
    throw new InvalidArgumentError('scaling relations are exponents in d; d itself must have exponent 1 (omit it)');
  m.set('d', Fraction.ONE);
  return m;
}

interface LpForm {
  names: string[]; // LP variable names: free variables, then (optionally) the swept scaling symbol
  terms: Affine[]; // exponent of each energy term
  bounds: Affine[]; // rows ≤ 0
}

/** Exponent of a monomial as an affine form over the LP variables. */
function monoAffine(m: Monomial, names: readonly string[], r: Map<string, Fraction>): Affine {
  const coef = names.map(() => Fraction.ZERO);
  let constant = Fraction.ZERO;
  for (const [sym, e] of Object.entries(m.exps)) {
    const j = names.indexOf(sym);
    if (j >= 0) coef[j] = coef[j]!.add(e);
    else {
      const s = r.get(sym);
      if (s === undefined)
        throw new InvalidArgumentError(
          `no scaling relation for symbol '${sym}': give its exponent in d (e.g. { ${sym}: 1 } for ${sym} ∝ d)`,
        );
      constant = constant.add(e.mul(s));
    }
  }
  return { coef, constant };
}

function buildLp(c: Candidate, r: Map<string, Fraction>, sweep?: string): LpForm {
  const names = c.variables.map((v) => v.name);
  if (sweep !== undefined) names.push(sweep);
  const terms = c.terms.map((t) => monoAffine(t.monomial, names, r));
  const bounds: Affine[] = [];
  const unit = (j: number, s: Fraction) => names.map((_, i) => (i === j ? s : Fraction.ZERO));
  c.variables.forEach((v, j) => {
    if (v.lower) {
      const a = monoAffine(v.lower, names, r);
      bounds.push({ coef: a.coef.map((x, i) => (i === j ? x.sub(Fraction.ONE) : x)), constant: a.constant });
    } else bounds.push({ coef: unit(j, Fraction.ONE.neg()), constant: BIG.neg() });
    if (v.upper) {
      const a = monoAffine(v.upper, names, r);
      bounds.push({ coef: a.coef.map((x, i) => (i === j ? Fraction.ONE.sub(x) : x.neg())), constant: a.constant.neg() });
    } else bounds.push({ coef: unit(j, Fraction.ONE), constant: BIG.neg() });
  });
  return { names, terms, bounds };
}

/** Appends a trailing coordinate (the level variable s) to an affine form. */
function ext(a: Affine, last: Fraction = Fraction.ZERO): Affine {
  return { coef: [...a.coef, last], constant: a.constant };
}

/** The exact minimal exponent t* = min_u max_i term_i(u) (no leximin refinement). */
export function minimalExponent(c: Candidate, scaling: ScalingRelations): Fraction {
  const lp = buildLp(c, rel(scaling));
  return minMax(
    lp.names.length,
    lp.terms.map((t) => ext(t, Fraction.ONE.neg())),
    lp.bounds.map((b) => ext(b)),
  )!.value;
}

function minMax(n: number, termRows: Affine[], other: Affine[]) {
  const rows = [
    ...termRows,
    ...other,
    { coef: [...Array<Fraction>(n).fill(Fraction.ZERO), Fraction.ONE.neg()], constant: BIG.neg() },
  ];
  const obj: Affine = { coef: [...Array<Fraction>(n).fill(Fraction.ZERO), Fraction.ONE], constant: Fraction.ZERO };
  const sol = lpMinimize(n + 1, rows, obj);
  if (!sol)
    throw new InvalidArgumentError(
      'the bounds of the free variables are inconsistent at these scaling exponents (e.g. a lower bound above an upper bound); check the widths',
    );
  if (sol.value.le(BIG.neg()))
    throw new InvalidArgumentError('the energy is unbounded below: every free variable needs a term that penalises it');
  return sol;
}

/** The optimum of one free variable. `exponent` is its exponent in d; `symbolic` its monomial form. */
export interface VariableOptimum {
  exponent: Fraction;
  at: 'lower' | 'upper' | null;
  /** Symbolic exponents in the scaling symbols (valid near the given scaling relations), e.g. {N: 1/2, d: -1/2}. */
  symbolic: Exponents;
  /** O(1) prefactor from the numeric minimisation (with every scaling symbol set to exactly d^exponent). */
  prefactor: number;
  formula: string;
}

/** A group of energy terms that are equal (to leading order) at the optimum: one level of the leximin. */
export interface EnergyLevel {
  exponent: Fraction;
  terms: string[];
  formula: string;
}

/** The exact solution of one candidate at given scaling relations. */
export interface CandidateSolution {
  mechanism: string;
  source: Candidate['source'];
  inPaperTable: boolean;
  /** Exponent of E (hence of P* over κ) in d. */
  exponent: Fraction;
  /** Coefficient of d^exponent in E with symbols set to exactly d^(their exponent); breaks exponent ties. */
  leadingCoefficient: number;
  variables: Record<string, VariableOptimum>;
  levels: EnergyLevel[];
  /** Readable optimised energy, e.g. "2*sqrt(N*d)" or "d + 2*sqrt(N1*N2)". */
  formula: string;
  /** Symbolic exponents of the leading level (e.g. {N: 1/2, d: 1/2} for 2*sqrt(N*d)). */
  leadingExps: Exponents;
  energy: string;
  note?: string;
}

/**
 * Solves one candidate exactly: the minimal exponent t* of E by an LP in log space over the rationals,
 * then a lexicographic min–max (the leading terms are balanced first, then the subleading ones), which
 * fixes the optimal counts uniquely where the leading order leaves them free. Symbolic forms of the
 * optimal counts and of each level are recovered by solving the balance equations with the scaling
 * exponents kept symbolic; O(1) prefactors come from a numeric minimisation.
 *
 * *When to use*: one mechanism at a time (use {@link predict} for the minimum over a model's candidates).
 *
 * *Gotchas*: symbolic forms are those of the linear piece valid at (or just above) the given exponents;
 * exactly at a kink the piece on one side is reported.
 *
 * @example
 * ```ts
 * const spec = buildFcnCandidate(twoLayerFcn, ['Spec'], { degree: 3 });
 * const s = solveCandidate(spec, { N: 2 });
 * s.exponent.toString();       // "3/2"
 * s.variables.M.formula;       // "sqrt(N/d)"
 * ```
 */
export function solveCandidate(c: Candidate, scaling: ScalingRelations): CandidateSolution {
  const r = rel(scaling);
  const lp = buildLp(c, r);
  const n = lp.names.length;
  const T = lp.terms.length;
  if (T === 0) throw new InvalidArgumentError(`candidate ${c.mechanism} has no energy terms`);
  const caps: (Fraction | null)[] = lp.terms.map(() => null);
  const levels: { exponent: Fraction; terms: number[] }[] = [];
  const boundRows = lp.bounds.map((b) => ext(b));
  while (caps.some((x) => x === null)) {
    const capped = lp.terms.flatMap((t, i) => (caps[i] ? [ext({ coef: t.coef, constant: t.constant.sub(caps[i]!) })] : []));
    const free = lp.terms.flatMap((t, i) => (caps[i] ? [] : [ext(t, Fraction.ONE.neg())]));
    const s = minMax(n, free, [...capped, ...boundRows]).value;
    const tight: number[] = [];
    const cappedN = lp.terms.flatMap((t, i) => (caps[i] ? [{ coef: t.coef, constant: t.constant.sub(caps[i]!) }] : []));
    const freeAtS = lp.terms.flatMap((t, i) => (caps[i] ? [] : [{ coef: t.coef, constant: t.constant.sub(s) }]));
    for (let i = 0; i < T; i++) {
      if (caps[i]) continue;
      const m = lpMinimize(n, [...freeAtS, ...cappedN, ...lp.bounds], lp.terms[i]!)!;
      if (m.value.eq(s)) tight.push(i);
    }
    if (tight.length === 0) throw new Error('internal: leximin stage found no tight term');
    for (const i of tight) caps[i] = s;
    levels.push({ exponent: s, terms: tight });
  }
  const finalRows = [...lp.terms.map((t, i) => ({ coef: t.coef, constant: t.constant.sub(caps[i]!) })), ...lp.bounds];
  const vs = vertices(n, finalRows);
  if (vs.length === 0) throw new Error('internal: no vertex at the leximin optimum');
  const u = vs[0]!;
  c.variables.forEach((v, j) => {
    if (u[j]!.abs().ge(BIG))
      throw new InvalidArgumentError(
        `free variable ${v.name} does not enter the energy of ${c.mechanism}; remove it or add its cost`,
      );
  });
  // bound status
  const atBound = c.variables.map((v, j) => {
    if (v.lower && evalAffine(monoAffine(v.lower, [], r), []).eq(u[j]!)) return 'lower' as const;
    if (v.upper && evalAffine(monoAffine(v.upper, [], r), []).eq(u[j]!)) return 'upper' as const;
    return null;
  });
  // ---- symbolic forms, level by level ----
  const termExps = (i: number, known: Map<string, Exponents>): { vars: Map<string, Fraction>; sym: Exponents } => {
    const vars = new Map<string, Fraction>();
    let sym: Exponents = {};
    for (const [k, e] of Object.entries(c.terms[i]!.monomial.exps)) {
      if (lp.names.includes(k)) {
        const kn = known.get(k);
        if (kn) sym = addExps(sym, kn, e);
        else vars.set(k, (vars.get(k) ?? Fraction.ZERO).add(e));
      } else sym = addExps(sym, { [k]: Fraction.ONE }, e);
    }
    return { vars, sym };
  };
  const known = new Map<string, Exponents>();
  const determinedAt = new Map<string, number>();
  const numericOf = (e: Exponents) => {
    let s = Fraction.ZERO;
    for (const [k, v] of Object.entries(e)) s = s.add(v.mul(r.get(k)!));
    return s;
  };
  const boundExps = (j: number): Exponents | null => {
    const v = c.variables[j]!;
    const b = atBound[j] === 'lower' ? v.lower : atBound[j] === 'upper' ? v.upper : undefined;
    return b ? b.exps : null;
  };
  const trySolve = (terms: number[], subst: Map<string, Exponents>): Map<string, Exponents> | null => {
    const rowsInfo = terms.map((i) => termExps(i, subst));
    const unknowns = [...new Set(rowsInfo.flatMap((x) => [...x.vars.keys()]))];
    if (unknowns.length === 0) return new Map();
    // equations: term_0 = term_i
    const A: Fraction[][] = [];
    const B: Exponents[] = [];
    for (let q = 1; q < rowsInfo.length; q++) {
      A.push(unknowns.map((v) => (rowsInfo[0]!.vars.get(v) ?? Fraction.ZERO).sub(rowsInfo[q]!.vars.get(v) ?? Fraction.ZERO)));
      B.push(addExps(rowsInfo[q]!.sym, rowsInfo[0]!.sym, Fraction.ONE.neg()));
    }
    // RREF
    const piv: number[] = [];
    let row = 0;
    for (let col = 0; col < unknowns.length && row < A.length; col++) {
      let p = -1;
      for (let rr = row; rr < A.length; rr++)
        if (!A[rr]![col]!.isZero()) {
          p = rr;
          break;
        }
      if (p < 0) continue;
      [A[p], A[row]] = [A[row]!, A[p]!];
      [B[p], B[row]] = [B[row]!, B[p]!];
      const pv = A[row]![col]!;
      A[row] = A[row]!.map((x) => x.div(pv));
      B[row] = addExps({}, B[row]!, Fraction.ONE.div(pv));
      for (let rr = 0; rr < A.length; rr++) {
        if (rr === row || A[rr]![col]!.isZero()) continue;
        const f = A[rr]![col]!;
        A[rr] = A[rr]!.map((x, k) => x.sub(f.mul(A[row]![k]!)));
        B[rr] = addExps(B[rr]!, B[row]!, f.neg());
      }
      piv.push(col);
      row++;
    }
    const out = new Map<string, Exponents>();
    piv.forEach((col, rr) => {
      const dependsOnFree = A[rr]!.some((x, k) => k !== col && !piv.includes(k) && !x.isZero());
      if (!dependsOnFree) out.set(unknowns[col]!, B[rr]!);
    });
    // consistency with the exact numeric optimum
    for (const [v, e] of out) if (!numericOf(e).eq(u[lp.names.indexOf(v)]!)) return null;
    return out;
  };
  const inLevel = (k: string, lv: { terms: number[] }) => lv.terms.some((i) => c.terms[i]!.monomial.exps[k] !== undefined);
  levels.forEach((lv, li) => {
    const unknownHere = c.variables.filter((v) => !known.has(v.name) && inLevel(v.name, lv)).map((v) => v.name);
    let sol = trySolve(lv.terms, known);
    if (sol === null || unknownHere.some((k) => !sol!.has(k))) {
      // substitute the variables sitting at a bound, then balance the rest
      const sub = new Map(known);
      c.variables.forEach((v, j) => {
        const be = boundExps(j);
        if (be && !sub.has(v.name) && unknownHere.includes(v.name)) sub.set(v.name, be);
      });
      const s2 = trySolve(lv.terms, sub);
      const merged = new Map<string, Exponents>();
      for (const [k, e] of sub) if (!known.has(k)) merged.set(k, e);
      if (s2) for (const [k, e] of s2) merged.set(k, e);
      else if (sol) for (const [k, e] of sol) if (!merged.has(k)) merged.set(k, e);
      sol = merged;
    }
    for (const [k, e] of sol)
      if (unknownHere.includes(k)) {
        known.set(k, e);
        determinedAt.set(k, li);
      }
  });
  c.variables.forEach((v, j) => {
    if (!known.has(v.name)) {
      known.set(v.name, atBound[j] ? boundExps(j)! : u[j]!.isZero() ? {} : { d: u[j]! });
      determinedAt.set(v.name, levels.length);
    }
  });
  // ---- numeric prefactors, level by level (every scaling symbol set to 1) ----
  const prefactor = new Map<string, number>();
  c.variables.forEach((v, j) => {
    if (atBound[j]) prefactor.set(v.name, (atBound[j] === 'lower' ? v.lower : v.upper)!.coef);
  });
  const levelOut: EnergyLevel[] = [];
  let leading = Number.NaN;
  let leadingExps: Exponents = {};
  levels.forEach((lv, li) => {
    const vars = c.variables.filter((v) => determinedAt.get(v.name) === li && !prefactor.has(v.name)).map((v) => v.name);
    const evalLevel = (x: Float64Array) => {
      let s = 0;
      for (const i of lv.terms) {
        const m = c.terms[i]!.monomial;
        let lg = Math.log(m.coef);
        for (const [k, e] of Object.entries(m.exps)) {
          const q = vars.indexOf(k);
          if (q >= 0) lg += e.toNumber() * x[q]!;
          else if (lp.names.includes(k)) lg += e.toNumber() * Math.log(prefactor.get(k) ?? 1);
        }
        s += Math.exp(lg);
      }
      return s;
    };
    const res = minimizeBox(
      evalLevel,
      vars.map(() => -40),
      vars.map(() => 40),
    );
    vars.forEach((k, q) => prefactor.set(k, Math.exp(res.x[q]!)));
    const monos = lv.terms.map((i) => {
      const m = c.terms[i]!.monomial;
      let coef = m.coef;
      let sym: Exponents = {};
      for (const [k, e] of Object.entries(m.exps)) {
        if (lp.names.includes(k)) {
          coef *= Math.pow(prefactor.get(k) ?? 1, e.toNumber());
          sym = addExps(sym, known.get(k)!, e);
        } else sym = addExps(sym, { [k]: Fraction.ONE }, e);
      }
      return { coef, sym };
    });
    const allEqual = monos.every((m) => expsEqual(m.sym, monos[0]!.sym));
    const formula = allEqual
      ? formatMonomial({ coef: res.value, exps: monos[0]!.sym })
      : monos.map((m) => formatMonomial({ coef: m.coef, exps: m.sym })).join(' + ');
    if (li === 0) {
      leading = res.value;
      // the leading monomial in symbols: the first term's map (all tight terms share the numeric exponent)
      leadingExps = monos[0]!.sym;
    }
    levelOut.push({ exponent: lv.exponent, terms: lv.terms.map((i) => c.terms[i]!.label), formula });
  });
  const variables: Record<string, VariableOptimum> = {};
  c.variables.forEach((v, j) => {
    const symbolic = known.get(v.name)!;
    const pf = prefactor.get(v.name) ?? 1;
    variables[v.name] = {
      exponent: u[j]!,
      at: atBound[j]!,
      symbolic,
      prefactor: pf,
      formula: formatMonomial({ coef: pf, exps: symbolic }),
    };
  });
  return {
    mechanism: c.mechanism,
    source: c.source,
    inPaperTable: c.inPaperTable,
    exponent: levels[0]!.exponent,
    leadingCoefficient: leading,
    variables,
    levels: levelOut,
    formula: levelOut.map((l) => l.formula).join(' + '),
    leadingExps,
    energy: c.terms.map((t) => formatMonomial(t.monomial)).join(' + '),
    ...(c.note ? { note: c.note } : {}),
  };
}

/**
 * Orders solutions: smaller exponent first; equal exponents by the leading O(1) coefficient (relative
 * tolerance 1e-9), then by the order the model lists them.
 */
export function rankSolutions(sols: readonly CandidateSolution[]): CandidateSolution[] {
  return sols
    .map((s, i) => ({ s, i }))
    .sort((a, b) => {
      const c = a.s.exponent.cmp(b.s.exponent);
      if (c !== 0) return c;
      const ca = a.s.leadingCoefficient;
      const cb = b.s.leadingCoefficient;
      if (Math.abs(ca - cb) > 1e-9 * Math.max(Math.abs(ca), Math.abs(cb))) return ca - cb;
      return a.i - b.i;
    })
    .map((x) => x.s);
}

/**
 * Exact breakpoints of t*(x) = min_u max_i term_i(u) as the scaling exponent of `symbol` runs over
 * [lo, hi] (others fixed): t* is convex piecewise linear in x, and its breakpoints are among the
 * x-coordinates of the vertices of the polyhedron {(u, x, t) : t ≥ terms, bounds, lo ≤ x ≤ hi}.
 */
export function exponentBreakpoints(
  c: Candidate,
  scaling: ScalingRelations,
  symbol: string,
  lo: Fraction,
  hi: Fraction,
): Fraction[] {
  const r = rel({ ...scaling, [symbol]: 0 });
  const lp = buildLp(c, r, symbol);
  const n = lp.names.length; // includes x
  const xi = n - 1;
  const rows: Affine[] = [
    ...lp.terms.map((t) => ext(t, Fraction.ONE.neg())),
    ...lp.bounds.map((b) => ext(b)),
    { coef: [...lp.names.map((_, i) => (i === xi ? Fraction.ONE.neg() : Fraction.ZERO)), Fraction.ZERO], constant: lo },
    { coef: [...lp.names.map((_, i) => (i === xi ? Fraction.ONE : Fraction.ZERO)), Fraction.ZERO], constant: hi.neg() },
    { coef: [...lp.names.map(() => Fraction.ZERO), Fraction.ONE.neg()], constant: BIG.neg() },
  ];
  const xs = new Map<string, Fraction>();
  for (const v of vertices(n + 1, rows)) xs.set(v[xi]!.toString(), v[xi]!);
  xs.set(lo.toString(), lo);
  xs.set(hi.toString(), hi);
  return [...xs.values()].sort((a, b) => a.cmp(b));
}

export { monomial };
