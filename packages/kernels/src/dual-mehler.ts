/**
 * Dual activations of any smooth φ by the Mehler (Hermite) series, with quadrature coefficients: tanh, softplus,
 * GELU, swish/SiLU, sigmoid and user functions ({@link customActivation}).
 */
import { InvalidArgumentError, normalCdf, normalPdf, type UnaryOp } from '@sftdl/compute';
import { type DualActivation, type LayerDual, blockFromPair, clampUnit, dualFrom } from './dual';
import {
  direct2D,
  gaussianMeanSquare,
  mehlerCoefficients,
  mehlerFixedDegree,
  mehlerTable,
  numericalDerivative,
  type MehlerCoefficients,
} from './quadrature';

/** Options of {@link customActivation}. */
export interface CustomActivationOptions {
  /** Name used in messages (default 'custom'). */
  name?: string;
  /** φ′; when absent a 5-point central difference is used (≈1e−11 relative for smooth φ). */
  deriv?: (z: number) => number;
  /** Backend op computing φ, if any (used by finite networks built with the layer combinators). */
  op?: UnaryOp;
  /** Relative truncation tolerance of the Mehler series (default 1e−14). */
  tolerance?: number;
  /** Highest Hermite degree (default 1024). */
  maxDegree?: number;
}

/**
 * An activation with a numerically computed dual, for any smooth φ (tanh, softplus, GELU, swish, user functions).
 *
 * Method: the Mehler expansion F(s₁, s₂, ρ) = Σ_k a_k(s₁) a_k(s₂) ρ^k with a_k(s) = E[φ(s z) He_k(z)]/√(k!).
 * Coefficients are computed once per distinct variance (a trapezoidal rule, exponentially convergent for
 * analytic φ) until the Parseval tail E[φ²] − Σ a_k² drops below `tolerance`·E[φ²]; per pair the series
 * is cut where |ρ|^K times the coefficient norms is below tolerance, so that a kernel entry costs tens to a
 * few hundred multiply–adds. Pairs whose tail bound is not met (very large variances with |ρ| → 1) fall
 * back to a direct 2-D quadrature.
 *
 * *Accuracy*: for tanh-like activations (poles at distance ≥ π/2 from the real axis) about 1e−13 relative
 * for pre-activation variances up to ~16, degrading gracefully beyond; kinked φ converge only
 * algebraically (use the closed forms for ReLU, step, abs).
 *
 * *When to use*: any activation without a closed form.
 *
 * @example
 * ```ts
 * const act = customActivation(Math.tanh, { name: 'tanh', deriv: (z) => 1 - Math.tanh(z) ** 2 });
 * act.dual(1, 0, 1).f; // 0 (tanh is odd)
 * ```
 */
export function customActivation(phi: (z: number) => number, options: CustomActivationOptions = {}): DualActivation {
  if (typeof phi !== 'function') throw new InvalidArgumentError('customActivation: phi must be a function of one number');
  const name = options.name ?? 'custom';
  const dphi = options.deriv ?? numericalDerivative(phi);
  const tol = options.tolerance ?? 1e-14;
  const maxDegree = options.maxDegree ?? 1024;
  if (!(tol > 0) || !(maxDegree >= 8))
    throw new InvalidArgumentError('customActivation: tolerance must be > 0 and maxDegree ≥ 8');
  // Per-variance coefficient caches: the degree each variance needs, and coefficients at a given degree.
  type Cache = { need: Map<number, number>; at: Map<string, MehlerCoefficients> };
  const cF: Cache = { need: new Map(), at: new Map() };
  const cD: Cache = { need: new Map(), at: new Map() };
  const needed = (c: Cache, g: (x: number) => number, v: number): number => {
    let K = c.need.get(v);
    if (K === undefined) {
      const r = mehlerCoefficients(g, Math.sqrt(v), tol, maxDegree);
      K = r.coeffs.length - 1;
      if (c.need.size > 2000 || c.at.size > 2000) {
        c.need.clear();
        c.at.clear();
      } // bounded memory (≈10 MB)
      c.need.set(v, K);
      c.at.set(`${v}|${K}`, r);
    }
    return K;
  };
  const coefAt = (c: Cache, g: (x: number) => number, v: number, K: number): MehlerCoefficients => {
    const key = `${v}|${K}`;
    let r = c.at.get(key);
    if (!r) {
      r = mehlerFixedDegree(g, Math.sqrt(v), K);
      if (c.at.size > 2000) c.at.clear();
      c.at.set(key, r);
    }
    return r;
  };
  /** Σ_k a_k b_k ρ^k cut where |ρ|^{K'+1}√(E_a E_b) < tol; direct quadrature when the tail bound fails. */
  const evalPair = (
    ca: MehlerCoefficients,
    cb: MehlerCoefficients,
    rho: number,
    g: (x: number) => number,
    s1: number,
    s2: number,
  ) => {
    const K = ca.coeffs.length - 1;
    const scale = Math.sqrt(ca.norm2 * cb.norm2);
    const ar = Math.abs(rho);
    let Kp = K;
    if (ar === 0) Kp = 0;
    else if (ar < 1) Kp = Math.min(K, Math.max(0, Math.ceil(Math.log(tol) / Math.log(ar))));
    const tailBound = Kp < K ? 0 : Math.sqrt(ca.tail * cb.tail) * ar ** (K + 1);
    if (tailBound > 100 * tol * scale) return direct2D(g, g, s1, s2, rho);
    const a = ca.coeffs,
      b = cb.coeffs;
    let acc = 0;
    for (let k = Kp; k >= 0; k--) acc = acc * rho + a[k]! * b[k]!;
    return acc;
  };
  const pairValue = (k11: number, k12: number, k22: number, out: Float64Array) => {
    const s1 = Math.sqrt(k11),
      s2 = Math.sqrt(k22);
    const rho = s1 > 0 && s2 > 0 ? clampUnit(k12 / (s1 * s2)) : 0;
    const KF = Math.max(needed(cF, phi, k11), needed(cF, phi, k22));
    const KD = Math.max(needed(cD, dphi, k11), needed(cD, dphi, k22));
    out[0] = evalPair(coefAt(cF, phi, k11, KF), coefAt(cF, phi, k22, KF), rho, phi, s1, s2);
    out[1] = evalPair(coefAt(cD, dphi, k11, KD), coefAt(cD, dphi, k22, KD), rho, dphi, s1, s2);
  };
  return Object.freeze({
    name,
    method: 'mehler' as const,
    phi,
    dphi,
    op: options.op,
    dual: dualFrom(pairValue),
    diag(v: Float64Array) {
      const f = new Float64Array(v.length),
        fdot = new Float64Array(v.length);
      const memo = new Map<number, [number, number]>();
      for (let i = 0; i < v.length; i++) {
        let r = memo.get(v[i]!);
        if (!r) {
          const s = Math.sqrt(v[i]!);
          r = [gaussianMeanSquare(phi, s), gaussianMeanSquare(dphi, s)];
          memo.set(v[i]!, r);
        }
        f[i] = r[0];
        fdot[i] = r[1];
      }
      return { f, fdot };
    },
    prepare(var1: Float64Array, var2: Float64Array): LayerDual {
      // Degree for the layer: the adaptive degree of the smallest, median and largest variances (the degree
      // grows with the variance for tanh-like φ); pairs whose tail bound still fails use direct quadrature.
      const all = Float64Array.from([...var1, ...var2]).sort();
      const probes = all.length ? [all[0]!, all[all.length >> 1]!, all[all.length - 1]!] : [];
      let KF = 0,
        KD = 0;
      for (const v of probes) {
        KF = Math.max(KF, needed(cF, phi, v));
        KD = Math.max(KD, needed(cD, dphi, v));
      }
      const n1 = var1.length;
      const joint = var2 === var1 ? var1 : Float64Array.from([...var1, ...var2]);
      const tf = mehlerTable(phi, joint, KF, tol);
      const td = mehlerTable(dphi, joint, KD, tol);
      const F1 = tf.slice(0, n1),
        D1 = td.slice(0, n1);
      const F2 = var2 === var1 ? F1 : tf.slice(n1),
        D2 = var2 === var1 ? D1 : td.slice(n1);
      const s1 = var1.map(Math.sqrt),
        s2 = var2.map(Math.sqrt);
      const pair: LayerDual['pair'] = (i, j, k12, out) => {
        const a = s1[i]!,
          b = s2[j]!;
        const rho = a > 0 && b > 0 ? clampUnit(k12 / (a * b)) : 0;
        out[0] = evalPair(F1[i]!, F2[j]!, rho, phi, a, b);
        out[1] = evalPair(D1[i]!, D2[j]!, rho, dphi, a, b);
      };
      // Column-blocked so that the columns' coefficient arrays stay in cache across the rows of the tile.
      return { pair, block: blockFromPair(pair, 48) };
    },
  });
}

const sigmoidFn = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** tanh (Mehler series). */
export const tanhDual: DualActivation = customActivation(Math.tanh, {
  name: 'tanh',
  deriv: (z) => {
    const t = Math.tanh(z);
    return 1 - t * t;
  },
  op: 'tanh',
});
/** softplus log(1 + eᶻ) (Mehler series). */
export const softplusDual: DualActivation = customActivation((z) => (z > 30 ? z : Math.log1p(Math.exp(z))), {
  name: 'softplus',
  deriv: sigmoidFn,
  op: 'softplus',
});
/** GELU z·Φ(z) (Mehler series). */
export const geluDual: DualActivation = customActivation((z) => z * normalCdf(z), {
  name: 'gelu',
  deriv: (z) => normalCdf(z) + z * normalPdf(z),
  op: 'gelu',
});
/** swish / SiLU z·σ(z) (Mehler series). */
export const swishDual: DualActivation = customActivation((z) => z * sigmoidFn(z), {
  name: 'swish',
  deriv: (z) => {
    const s = sigmoidFn(z);
    return s + z * s * (1 - s);
  },
});
/** logistic sigmoid (Mehler series). */
export const sigmoidDual: DualActivation = customActivation(sigmoidFn, {
  name: 'sigmoid',
  deriv: (z) => {
    const s = sigmoidFn(z);
    return s * (1 - s);
  },
  op: 'sigmoid',
});
