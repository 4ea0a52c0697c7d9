import { InvalidArgumentError } from '@sftdl/compute';
import { Fraction } from './fraction';

/** Exponents of a product of powers, e.g. {N: 1/2, d: 1/2} for √(N·d). Missing symbols have exponent 0. */
export type Exponents = Readonly<Record<string, Fraction>>;

/**
 * A monomial `coef · Π symbol^exponent` with exact rational exponents and an O(1) numeric prefactor.
 *
 * Symbols are either *scaling symbols* (d, N, N1, N2, L: set by scaling relations such as N = d^ν) or
 * *free variables* of a feature-learning pattern (M1, beta2, D1: minimised over).
 *
 * @example
 * ```ts
 * const readout = monomial(1, { N: 1, M: -1 }); // N/M
 * formatMonomial(monomial(2, { N: '1/2', d: '1/2' })); // "2*sqrt(N*d)"
 * ```
 */
export interface Monomial {
  readonly coef: number;
  readonly exps: Exponents;
}

function toFrac(v: Fraction | number | string): Fraction {
  if (v instanceof Fraction) return v;
  return typeof v === 'string' ? Fraction.parse(v) : Fraction.from(v);
}

/** Builds a monomial; exponents may be numbers ("0.5" is read exactly as 1/2), strings ("1/3") or Fractions. */
export function monomial(coef: number, exps: Record<string, Fraction | number | string> = {}): Monomial {
  if (!Number.isFinite(coef) || coef <= 0)
    throw new InvalidArgumentError(`monomial: coefficient must be finite and > 0, got ${coef}`);
  const out: Record<string, Fraction> = {};
  for (const [k, v] of Object.entries(exps)) {
    const f = toFrac(v);
    if (!f.isZero()) out[k] = f;
  }
  return { coef, exps: out };
}

/** Product of two monomials. */
export function mulMono(a: Monomial, b: Monomial): Monomial {
  const out: Record<string, Fraction> = { ...a.exps };
  for (const [k, v] of Object.entries(b.exps)) {
    const s = (out[k] ?? Fraction.ZERO).add(v);
    if (s.isZero()) delete out[k];
    else out[k] = s;
  }
  return { coef: a.coef * b.coef, exps: out };
}

/** A monomial raised to a rational power. */
export function powMono(a: Monomial, p: Fraction | number | string): Monomial {
  const f = toFrac(p);
  const out: Record<string, Fraction> = {};
  if (!f.isZero()) for (const [k, v] of Object.entries(a.exps)) out[k] = v.mul(f);
  return { coef: Math.pow(a.coef, f.toNumber()), exps: out };
}

/** Exponent-map arithmetic: a + s·b. */
export function addExps(a: Exponents, b: Exponents, s: Fraction = Fraction.ONE): Record<string, Fraction> {
  const out: Record<string, Fraction> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const t = (out[k] ?? Fraction.ZERO).add(v.mul(s));
    if (t.isZero()) delete out[k];
    else out[k] = t;
  }
  return out;
}

export function expsEqual(a: Exponents, b: Exponents): boolean {
  return Object.keys(addExps(a, b, Fraction.ONE.neg())).length === 0;
}

const ORDER = (s: string): string => (s === 'd' ? '~' : s === 'L' ? '}' : s);

function fgcd(a: Fraction, b: Fraction): Fraction {
  // gcd of rationals p1/q1, p2/q2 = gcd(p1 q2, p2 q1) / (q1 q2)
  let x = a.num * b.den;
  let y = b.num * a.den;
  if (x < 0n) x = -x;
  if (y < 0n) y = -y;
  while (y !== 0n) [x, y] = [y, x % y];
  return Fraction.of(x, a.den * b.den);
}

function formatCoef(c: number): string {
  const r = Math.round(c);
  if (Math.abs(c - r) < 1e-9 * Math.max(1, Math.abs(c))) return String(r);
  return Number(c.toPrecision(4)).toString();
}

/**
 * A readable expression: `2*sqrt(N*d)`, `3*(N1*N2*d)^(1/3)`, `d^3`, `sqrt(N/d)`, `1.755*(N*d)^(3/4)`.
 * Symbols are ordered alphabetically with L and d last; the coefficient is shown to 4 significant digits.
 */
export function formatMonomial(m: Monomial, opts: { coef?: boolean } = {}): string {
  const entries = Object.entries(m.exps)
    .filter(([, v]) => !v.isZero())
    .sort(([a], [b]) => (ORDER(a) < ORDER(b) ? -1 : 1));
  const showCoef = opts.coef ?? true;
  const c = formatCoef(m.coef);
  if (entries.length === 0) return showCoef ? c : '1';
  let g = entries[0]![1].abs();
  for (const [, v] of entries) g = fgcd(g, v);
  const pow = (s: string, e: bigint) => (e === 1n ? s : `${s}^${e}`);
  const numer = entries.filter(([, v]) => v.sign() > 0).map(([k, v]) => pow(k, v.div(g).num));
  const denom = entries.filter(([, v]) => v.sign() < 0).map(([k, v]) => pow(k, -v.div(g).num));
  let inner = numer.length ? numer.join('*') : '1';
  if (denom.length) inner += denom.length === 1 ? `/${denom[0]}` : `/(${denom.join('*')})`;
  const single = entries.length === 1 && entries[0]![1].div(g).abs().isInteger() && numer.length === 1;
  let body: string;
  if (g.eq(Fraction.ONE)) body = inner;
  else if (g.eq(Fraction.of(1, 2))) body = `sqrt(${inner})`;
  else if (g.isInteger() && single) body = `${inner}^${g.toString()}`;
  else body = `${/[*/]/.test(inner) || inner.includes('^') ? `(${inner})` : inner}^(${g.toString()})`;
  if (g.isInteger() && !single && !g.eq(Fraction.ONE)) body = `(${inner})^${g.toString()}`;
  return showCoef && c !== '1' ? `${c}*${body}` : body;
}
