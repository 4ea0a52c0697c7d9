import { InvalidArgumentError } from '@sftdl/compute';
import type { Candidate } from './engine';
import { bisectRoot, minimizeBox } from './numeric';

function logMono(
  exps: Readonly<Record<string, { toNumber(): number }>>,
  coef: number,
  logVals: Map<string, number>,
  vars: readonly string[],
  x: Float64Array,
): number {
  let lg = Math.log(coef);
  for (const [k, e] of Object.entries(exps)) {
    const q = vars.indexOf(k);
    const v = q >= 0 ? x[q]! : logVals.get(k);
    if (v === undefined) throw new InvalidArgumentError(`no value for symbol '${k}': pass it in values (e.g. { ${k}: 100 })`);
    lg += e.toNumber() * v;
  }
  return lg;
}

/**
 * The energy of a candidate at concrete sizes, with its O(1) prefactors, minimised over the free
 * variables inside their bounds (M ∈ [1, N], β ∈ (0, N], D > 0; counts treated as continuous).
 *
 * *When to use*: to locate crossovers between mechanisms at finite d, where the exponent calculator only
 * says which one wins asymptotically.
 *
 * @example
 * ```ts
 * const [, spec] = modelCandidates(twoLayerFcn, { degree: 3 });
 * evaluateEnergy(spec!, { d: 100, N: 400 }).energy; // 2·√(400·100) = 400
 * ```
 */
export function evaluateEnergy(
  c: Candidate,
  values: Readonly<Record<string, number>>,
): { energy: number; variables: Record<string, number> } {
  const logVals = new Map<string, number>();
  for (const [k, v] of Object.entries(values)) {
    if (!(v > 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`value of ${k} must be finite and > 0, got ${v}`);
    logVals.set(k, Math.log(v));
  }
  const vars = c.variables.map((v) => v.name);
  const zero = new Float64Array(0);
  const bound = (m: Candidate['variables'][number]['lower']) => (m ? logMono(m.exps, m.coef, logVals, [], zero) : undefined);
  const lo = c.variables.map((v) => bound(v.lower) ?? (bound(v.upper) ?? 0) - 200);
  const hi = c.variables.map((v) => bound(v.upper) ?? (bound(v.lower) ?? 0) + 200);
  const f = (x: Float64Array) => {
    let s = 0;
    for (const t of c.terms) s += Math.exp(logMono(t.monomial.exps, t.monomial.coef, logVals, vars, x));
    return s;
  };
  const r = minimizeBox(f, lo, hi);
  const variables: Record<string, number> = {};
  vars.forEach((k, q) => {
    variables[k] = Math.exp(r.x[q]!);
  });
  return { energy: r.value, variables };
}

/**
 * The value of one size (e.g. N) at which two candidates' energies are equal, with O(1) prefactors,
 * the other sizes fixed: a bisection in log(size) over `range`.
 *
 * @example
 * ```ts
 * const [gp, spec] = modelCandidates(twoLayerFcn, { degree: 3 });
 * crossover(spec!, gp!, { symbol: 'N', values: { d: 10 }, range: [10, 1e8] }); // 2√(N·10) = 10³ → N = 25000
 * ```
 */
export function crossover(
  a: Candidate,
  b: Candidate,
  opts: { symbol: string; values: Readonly<Record<string, number>>; range: readonly [number, number] },
): number {
  const [lo, hi] = opts.range;
  if (!(lo > 0 && hi > lo)) throw new InvalidArgumentError(`crossover: range must satisfy 0 < lo < hi, got [${lo}, ${hi}]`);
  const g = (t: number) => {
    const vals = { ...opts.values, [opts.symbol]: Math.exp(t) };
    return Math.log(evaluateEnergy(a, vals).energy) - Math.log(evaluateEnergy(b, vals).energy);
  };
  return Math.exp(bisectRoot(g, Math.log(lo), Math.log(hi)));
}
