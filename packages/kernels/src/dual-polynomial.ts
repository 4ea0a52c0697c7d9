/**
 * Polynomial activations with exact duals (Isserlis / Hermite algebra):
 * φ(√k z) = Σ_j β_j(k) k^{j/2} He_j(z)  ⇒  F = Σ_j j! β_j(k11) β_j(k22) k12^j.
 */
import { InvalidArgumentError } from '@sftdl/compute';
import { factorial, hermiteHe } from '@sftdl/field';
import { type DualActivation, type LayerDual, blockFromPair, diagFrom, dualFrom } from './dual';

/** β_j(k) for φ(z) = Σ_m c_m z^m: β_j(k) = Σ_{m ≥ j, m−j even} c_m k^{(m−j)/2} m!/(((m−j)/2)! j! 2^{(m−j)/2}). */
function monomialBeta(c: readonly number[]): (k: number, out: Float64Array) => void {
  return (k, out) => {
    out.fill(0);
    for (let m = 0; m < c.length; m++) {
      if (c[m] === 0) continue;
      for (let j = m, i = 0; j >= 0; j -= 2, i++) {
        out[j]! += (c[m]! * k ** i * factorial(m)) / (factorial(i) * factorial(j) * 2 ** i);
      }
    }
  };
}

/** β_j(k) for He_n: He_n(s z) = Σ_i s^{n−2i}(s²−1)^i n!/(i!(n−2i)!2^i) He_{n−2i}(z). */
function hermiteBeta(n: number): (k: number, out: Float64Array) => void {
  return (k, out) => {
    out.fill(0);
    if (n < 0) return;
    for (let i = 0; 2 * i <= n; i++) {
      const j = n - 2 * i;
      out[j] = ((k - 1) ** i * factorial(n)) / (factorial(i) * factorial(j) * 2 ** i);
    }
  };
}

function polyEval(c: readonly number[], z: number): number {
  let r = 0;
  for (let m = c.length - 1; m >= 0; m--) r = r * z + c[m]!;
  return r;
}

function polynomialDual(
  name: string,
  degree: number,
  phi: (z: number) => number,
  dphi: (z: number) => number,
  beta: (k: number, out: Float64Array) => void,
  dbeta: (k: number, out: Float64Array) => void,
): DualActivation {
  const fact = Float64Array.from({ length: degree + 1 }, (_, j) => factorial(j));
  const b1 = new Float64Array(degree + 1),
    b2 = new Float64Array(degree + 1);
  const d1 = new Float64Array(degree + 1),
    d2 = new Float64Array(degree + 1);
  const series = (x: Float64Array, y: Float64Array, k12: number): number => {
    let acc = 0;
    for (let j = degree; j >= 0; j--) acc = acc * k12 + fact[j]! * x[j]! * y[j]!;
    return acc;
  };
  const one = (k11: number, k12: number, k22: number, out: Float64Array) => {
    beta(k11, b1);
    beta(k22, b2);
    dbeta(k11, d1);
    dbeta(k22, d2);
    out[0] = series(b1, b2, k12);
    out[1] = series(d1, d2, k12);
  };
  const table = (v: Float64Array, f: (k: number, out: Float64Array) => void) => {
    const t = new Float64Array(v.length * (degree + 1));
    for (let i = 0; i < v.length; i++) f(v[i]!, t.subarray(i * (degree + 1), (i + 1) * (degree + 1)));
    return t;
  };
  return Object.freeze({
    name,
    method: 'polynomial' as const,
    phi,
    dphi,
    // Polynomials need no clamping: the series is exact for any covariance.
    dual: dualFrom(one),
    diag: diagFrom((v, out) => one(v, v, v, out)),
    prepare(var1: Float64Array, var2: Float64Array): LayerDual {
      const D = degree + 1;
      const B1 = table(var1, beta),
        B2 = table(var2, beta),
        E1 = table(var1, dbeta),
        E2 = table(var2, dbeta);
      const pair: LayerDual['pair'] = (i, j, k12, out) => {
        let f = 0,
          g = 0;
        const o1 = i * D,
          o2 = j * D;
        for (let q = degree; q >= 0; q--) {
          f = f * k12 + fact[q]! * B1[o1 + q]! * B2[o2 + q]!;
          g = g * k12 + fact[q]! * E1[o1 + q]! * E2[o2 + q]!;
        }
        out[0] = f;
        out[1] = g;
      };
      return { pair, block: blockFromPair(pair) };
    },
  });
}

/**
 * A polynomial activation φ(z) = Σ_m coeffs[m] z^m with its exact dual (Isserlis / Hermite algebra).
 *
 * *When to use*: monomials and polynomial activations of low degree (≤ 12).
 *
 * *Gotchas*: exact algebra in float64; monomial coefficients of high degree lose digits to cancellation.
 *
 * @example
 * ```ts
 * const q = polynomialActivation([0, 0, 1]); // z²
 * q.dual(1, 0.5, 2).f; // 1·2 + 2·0.25 = 2.5
 * ```
 */
export function polynomialActivation(coeffs: readonly number[], name = `poly(${coeffs.join(',')})`): DualActivation {
  if (coeffs.length === 0 || coeffs.length > 13 || coeffs.some((c) => !Number.isFinite(c))) {
    throw new InvalidArgumentError(`polynomial coefficients must be 1..13 finite numbers, got [${coeffs.join(', ')}]`);
  }
  const deg = coeffs.length - 1;
  const dc = coeffs.slice(1).map((c, m) => (m + 1) * c);
  return polynomialDual(
    name,
    deg,
    (z) => polyEval(coeffs, z),
    (z) => polyEval(dc, z),
    monomialBeta(coeffs),
    monomialBeta(dc.length ? dc : [0]),
  );
}

/**
 * The probabilists' Hermite polynomial He_n as an activation (exact dual; for unit variances F = n!·ρⁿ).
 *
 * @example
 * ```ts
 * hermiteActivation(3).dual(1, 0.5, 1).f; // 3!·0.5³ = 0.75
 * ```
 */
export function hermiteActivation(n: number): DualActivation {
  if (!Number.isInteger(n) || n < 0 || n > 20)
    throw new InvalidArgumentError(`Hermite degree must be an integer in 0..20, got ${n}`);
  const dbeta = hermiteBeta(n - 1);
  return polynomialDual(
    `he${n}`,
    n,
    (z) => hermiteHe(n, z),
    (z) => (n === 0 ? 0 : n * hermiteHe(n - 1, z)),
    hermiteBeta(n),
    (k, out) => {
      dbeta(k, out);
      for (let j = 0; j < out.length; j++) out[j]! *= n;
    },
  );
}
