import { InvalidArgumentError } from '@sftdl/compute';

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * An exact rational number p/q (bigint numerator and denominator, always reduced, q > 0).
 *
 * *When to use*: exponents of scaling monomials and everything the exact exponent LP touches, so that
 * "3/2" stays 3/2 and ties between mechanisms are detected exactly rather than to 1e-12.
 *
 * *Gotchas*: immutable; `Fraction.from(0.1)` reads the shortest decimal string of the double ("0.1") and
 * gives exactly 1/10, not the binary value of the double.
 *
 * @example
 * ```ts
 * const nu = Fraction.parse('5/2');
 * nu.add(Fraction.ONE).div(Fraction.from(2)).toString(); // "7/4"
 * ```
 */
export class Fraction {
  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    this.num = num;
    this.den = den;
  }

  static readonly ZERO = new Fraction(0n, 1n);
  static readonly ONE = new Fraction(1n, 1n);

  /** p/q from integers (bigint or safe-integer numbers). */
  static of(p: bigint | number, q: bigint | number = 1n): Fraction {
    const n = typeof p === 'number' ? Fraction.intToBig(p) : p;
    const d = typeof q === 'number' ? Fraction.intToBig(q) : q;
    if (d === 0n) throw new InvalidArgumentError('Fraction: zero denominator');
    const g = gcd(n, d) || 1n;
    const s = d < 0n ? -1n : 1n;
    return new Fraction((s * n) / g, (s * d) / g);
  }

  private static intToBig(x: number): bigint {
    if (!Number.isSafeInteger(x)) throw new InvalidArgumentError(`Fraction: expected a safe integer, got ${x}`);
    return BigInt(x);
  }

  /** A finite double, read through its shortest decimal representation (0.1 → 1/10). */
  static from(x: number | Fraction): Fraction {
    if (x instanceof Fraction) return x;
    if (!Number.isFinite(x)) throw new InvalidArgumentError(`Fraction: expected a finite number, got ${x}`);
    return Fraction.parse(String(x));
  }

  /** Parses "3", "-1.25", "2e-3", "7/4" or "-1/3". Throws InvalidArgumentError on anything else. */
  static parse(s: string): Fraction {
    const t = s.trim();
    const frac = /^([+-]?\d+)\s*\/\s*([+-]?\d+)$/.exec(t);
    if (frac) return Fraction.of(BigInt(frac[1]!), BigInt(frac[2]!));
    const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(t);
    if (!dec || (dec[2] === '' && (dec[3] === undefined || dec[3] === ''))) {
      throw new InvalidArgumentError(`Fraction: cannot parse '${s}' (use a decimal such as 0.5 or a ratio such as 1/3)`);
    }
    const sign = dec[1] === '-' ? -1n : 1n;
    const intPart = dec[2] ?? '';
    const fracPart = dec[3] ?? '';
    const exp = dec[4] ? Number(dec[4]) : 0;
    if (Math.abs(exp) > 400) throw new InvalidArgumentError(`Fraction: exponent out of range in '${s}'`);
    let num = BigInt((intPart || '0') + fracPart) * sign;
    let den = 10n ** BigInt(fracPart.length);
    if (exp > 0) num *= 10n ** BigInt(exp);
    else if (exp < 0) den *= 10n ** BigInt(-exp);
    return Fraction.of(num, den);
  }

  add(o: Fraction): Fraction {
    return Fraction.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Fraction): Fraction {
    return Fraction.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Fraction): Fraction {
    return Fraction.of(this.num * o.num, this.den * o.den);
  }
  div(o: Fraction): Fraction {
    if (o.num === 0n) throw new InvalidArgumentError('Fraction: division by zero');
    return Fraction.of(this.num * o.den, this.den * o.num);
  }
  neg(): Fraction {
    return new Fraction(-this.num, this.den);
  }
  abs(): Fraction {
    return this.num < 0n ? this.neg() : this;
  }
  /** -1, 0 or 1. */
  cmp(o: Fraction): number {
    const l = this.num * o.den;
    const r = o.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  eq(o: Fraction): boolean {
    return this.num === o.num && this.den === o.den;
  }
  lt(o: Fraction): boolean {
    return this.cmp(o) < 0;
  }
  le(o: Fraction): boolean {
    return this.cmp(o) <= 0;
  }
  gt(o: Fraction): boolean {
    return this.cmp(o) > 0;
  }
  ge(o: Fraction): boolean {
    return this.cmp(o) >= 0;
  }
  isZero(): boolean {
    return this.num === 0n;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }
  sign(): number {
    return this.num < 0n ? -1 : this.num > 0n ? 1 : 0;
  }
  static min(a: Fraction, b: Fraction): Fraction {
    return a.le(b) ? a : b;
  }
  static max(a: Fraction, b: Fraction): Fraction {
    return a.ge(b) ? a : b;
  }
  toNumber(): number {
    return Number(this.num) / Number(this.den);
  }
  /** "3/2", "-1/3", "2". */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** Shorthand: `frac(3, 2)`, `frac('1/3')`, `frac(0.5)`. */
export function frac(p: number | string | bigint | Fraction, q?: number | bigint): Fraction {
  if (p instanceof Fraction) return p;
  if (typeof p === 'string') return Fraction.parse(p);
  if (q !== undefined) return Fraction.of(p, q);
  if (typeof p === 'bigint') return Fraction.of(p);
  return Fraction.from(p);
}
