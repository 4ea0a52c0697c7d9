import { InvalidArgumentError, erf, erfPrime, normalCdf, normalPdf, type UnaryOp } from '@sftdl/compute';
import { direct2D, gaussianMeanSquare, mehlerCoefficients, mehlerFixedDegree, mehlerTable, numericalDerivative, type MehlerCoefficients } from './quadrature';

/** E[φ(u)φ(v)] (`f`) and E[φ′(u)φ′(v)] (`fdot`) for one 2×2 covariance. */
export interface DualValue {
  f: number;
  fdot: number;
}

/**
 * A dual activation prepared for one layer: the diagonal variances of the two input sets are fixed, so that
 * per-pair work is minimal. `pair(i, j, k12, out)` writes F into out[0] and Ḟ into out[1].
 */
export interface LayerDual {
  pair(i: number, j: number, k12: number, out: Float64Array): void;
  /**
   * In-place map over the block of rows r0..r0+nr−1 and columns c0..c0+nc−1, whose entry (ii, jj) is stored
   * at `off + ii·stride + jj` in K and T: T ← T·Ḟ(K), then K ← F(K).
   */
  block(K: Float64Array, T: Float64Array, off: number, stride: number, r0: number, nr: number, c0: number, nc: number): void;
}

/** The generic block map on top of `pair`. */
function blockFromPair(pair: LayerDual['pair']): LayerDual['block'] {
  const out = new Float64Array(2);
  return (K, T, off, stride, r0, nr, c0, nc) => {
    for (let ii = 0; ii < nr; ii++) {
      const base = off + ii * stride;
      for (let jj = 0; jj < nc; jj++) {
        const idx = base + jj;
        pair(r0 + ii, c0 + jj, K[idx]!, out);
        K[idx] = out[0]!;
        T[idx]! *= out[1]!;
      }
    }
  };
}

/**
 * An activation φ with its dual maps F(Σ) = E[φ(u)φ(v)] and Ḟ(Σ) = E[φ′(u)φ′(v)], (u,v) ~ N(0, Σ).
 *
 * *When to use*: pass one (or its name) wherever an activation is expected; build your own with
 * {@link customActivation}.
 *
 * *Gotchas*: `method` says how the dual is computed: `'closed-form'` (exact up to rounding), `'polynomial'`
 * (exact Isserlis/Hermite algebra) or `'mehler'` (Hermite series with quadrature coefficients, see
 * {@link customActivation} for the accuracy statement).
 */
export interface DualActivation {
  readonly name: string;
  readonly method: 'closed-form' | 'polynomial' | 'mehler';
  /** φ(z). */
  phi(z: number): number;
  /** φ′(z) (a.e. derivative for kinked activations; 0 for step). */
  dphi(z: number): number;
  /** A backend unary op computing φ elementwise, when one exists (used by finite networks). */
  readonly op?: UnaryOp;
  /** F and Ḟ for a single covariance [[k11, k12], [k12, k22]]. Correlations are clamped to [−1, 1]. */
  dual(k11: number, k12: number, k22: number): DualValue;
  /** F and Ḟ on the diagonal (k11 = k12 = k22 = v[i]). */
  diag(v: Float64Array): { f: Float64Array; fdot: Float64Array };
  /** Prepares the per-pair evaluator for rows with variances var1 and columns with variances var2. */
  prepare(var1: Float64Array, var2: Float64Array): LayerDual;
}

const INV_2PI = 1 / (2 * Math.PI);

function clampUnit(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/** Shared implementation of closed-form activations from a scalar kernel `(k11, k12, k22, s1s2, out)`. */
function closedForm(
  name: string,
  phi: (z: number) => number,
  dphi: (z: number) => number,
  op: UnaryOp | undefined,
  kernel: (k11: number, k12: number, k22: number, s12: number, out: Float64Array) => void,
  fastBlock?: (var1: Float64Array, var2: Float64Array, s1: Float64Array, s2: Float64Array) => LayerDual['block'],
): DualActivation {
  const tmp = new Float64Array(2);
  const act: DualActivation = {
    name, method: 'closed-form', phi, dphi, op,
    dual(k11, k12, k22) {
      checkVariances(k11, k22);
      kernel(k11, k12, k22, Math.sqrt(k11 * k22), tmp);
      return { f: tmp[0]!, fdot: tmp[1]! };
    },
    diag(v) {
      const f = new Float64Array(v.length), fdot = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) { kernel(v[i]!, v[i]!, v[i]!, v[i]!, tmp); f[i] = tmp[0]!; fdot[i] = tmp[1]!; }
      return { f, fdot };
    },
    prepare(var1, var2) {
      const s1 = var1.map(Math.sqrt), s2 = var2.map(Math.sqrt);
      const out2 = new Float64Array(2);
      if (fastBlock) return { pair: (i, j, k12, out) => kernel(var1[i]!, k12, var2[j]!, s1[i]! * s2[j]!, out), block: fastBlock(var1, var2, s1, s2) };
      return {
        pair: (i, j, k12, out) => kernel(var1[i]!, k12, var2[j]!, s1[i]! * s2[j]!, out),
        block(K, T, off, stride, r0, nr, c0, nc) {
          for (let ii = 0; ii < nr; ii++) {
            const a = var1[r0 + ii]!, sa = s1[r0 + ii]!, base = off + ii * stride;
            for (let jj = 0; jj < nc; jj++) {
              const idx = base + jj;
              kernel(a, K[idx]!, var2[c0 + jj]!, sa * s2[c0 + jj]!, out2);
              K[idx] = out2[0]!;
              T[idx]! *= out2[1]!;
            }
          }
        },
      };
    },
  };
  return Object.freeze(act);
}

function checkVariances(k11: number, k22: number): void {
  if (!(k11 >= 0) || !(k22 >= 0) || !Number.isFinite(k11) || !Number.isFinite(k22)) {
    throw new InvalidArgumentError(`variances must be finite and ≥ 0, got k11 = ${k11}, k22 = ${k22}`);
  }
}

const SPLITTER = 134217729; // 2^27 + 1 (Dekker's split for float64)

/**
 * k11·k22 − k12², formed stably (Kahan): each product is split into its rounded value and exact rounding error
 * (Dekker's two-product), so the cancellation at (near-)parallel inputs leaves the true difference, not rounding
 * noise. Exactly 0 for identical rows (k11 = k22 = k12). Arguments must be of order 1 (see {@link pow2Scale}).
 */
function gramDet(k11: number, k22: number, k12: number): number {
  const p = k11 * k22, q = k12 * k12;
  return (p - q) + (twoProductError(k11, k22, p) - twoProductError(k12, k12, q));
}

/** The rounding error of the float64 product p = fl(a·b): a·b = p + error exactly (Dekker). */
function twoProductError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** A power of two a with k/a² of order 1 (k > 0): dividing by it is exact, so scaled Gram entries keep every bit. */
function pow2Scale(k: number): number {
  return 2 ** Math.round(Math.log2(k) / 2);
}

/**
 * The angle θ ∈ [0, π] between two inputs with variances k11, k22 > 0 and covariance k12:
 * θ = atan2(√(k11k22 − k12²), k12), with the determinant formed stably on entries scaled by powers of two (no
 * underflow of the products, no rounding from the scaling). Writes out[0] = θ, out[1] = r = √(k11k22 − k12²) =
 * √(k11k22)·sin θ and out[2] = the covariance to use, k12 (or ±√(k11k22) = ±s12 when rounding put |k12| beyond it).
 *
 * Unlike arccos(ρ), θ is exact for identical inputs (θ = 0, not √(2·ulp) ≈ 1.5e-8) and well conditioned near them,
 * which keeps the NTK factor (π − θ)/(2π) accurate to full precision on duplicated rows.
 */
function angle(k11: number, k22: number, k12: number, s12: number, ai: number, aj: number, out: Float64Array): void {
  const c = k12 / ai / aj;
  const k11s = k11 / ai / ai, k22s = k22 / aj / aj;
  const det = gramDet(k11s, k22s, c);
  if (!(det > PARALLEL * k11s * k22s)) {
    out[0] = k12 >= 0 ? 0 : Math.PI;
    out[1] = 0;
    out[2] = k12 >= 0 ? s12 : -s12;
    return;
  }
  const rs = Math.sqrt(det);
  out[0] = Math.atan2(rs, c);
  out[1] = rs * ai * aj;
  out[2] = k12;
}
const angleScratch = new Float64Array(3);
/**
 * sin²θ below which two inputs count as parallel (θ = 0): 4ε, i.e. θ < 3e-8. Gram entries carry a few ulps of
 * rounding (the diagonal and the off-diagonal of a duplicated row are summed in different orders), which alone puts
 * sin²θ of identical rows at ~ε; snapping keeps duplicates exact. Below this angle float64 Gram entries cannot resolve
 * θ anyway (a one-ulp change of k12 moves θ by ε/θ ≥ θ).
 */
const PARALLEL = 4 * Number.EPSILON;
/** {@link angle} for a scalar evaluation (scales computed on the fly). */
function angleOf(k11: number, k22: number, k12: number, s12: number): Float64Array {
  angle(k11, k22, k12, s12, pow2Scale(k11), pow2Scale(k22), angleScratch);
  return angleScratch;
}

// ---------------------------------------------------------------------------------------------------------
// Closed forms
// ---------------------------------------------------------------------------------------------------------

/** φ(z) = z: F = k12, Ḟ = 1. */
export const linear: DualActivation = closedForm('linear', (z) => z, () => 1, 'identity', (_a, k12, _b, _s, out) => {
  out[0] = k12; out[1] = 1;
});

/** φ(z) = erf(z) (Williams 1997): F = (2/π) arcsin(2k12/√((1+2k11)(1+2k22))), Ḟ = (4/π)/√((1+2k11)(1+2k22) − 4k12²). */
export const erfActivation: DualActivation = closedForm(
  'erf', erf, erfPrime, 'erf',
  (k11, k12, k22, _s, out) => {
    const a = 1 + 2 * k11, b = 1 + 2 * k22;
    const ab = a * b;
    out[0] = (2 / Math.PI) * Math.asin(clampUnit((2 * k12) / Math.sqrt(ab)));
    // ab − 4k12² ≥ 1 + 2(k11 + k22) > 0 whenever |k12| ≤ √(k11k22); clamp k12 for safety.
    const s12 = Math.sqrt(k11 * k22);
    const c = k12 > s12 ? s12 : k12 < -s12 ? -s12 : k12;
    out[1] = 4 / (Math.PI * Math.sqrt(ab - 4 * c * c));
  },
);

/** ReLU (arc-cosine kernel of order 1): F = √(k11k22)/(2π)[sin θ + (π−θ)cos θ], Ḟ = (π−θ)/(2π). */
// With θ = atan2(r, k12), r = √(k11k22 − k12²): √(k11k22)(sin θ + (π−θ) cos θ) = r + (π−θ) k12.
export const relu: DualActivation = closedForm('relu', (z) => (z > 0 ? z : 0), (z) => (z > 0 ? 1 : 0), 'relu', (k11, k12, k22, s12, out) => {
  if (s12 === 0) { out[0] = 0; out[1] = 0; return; }
  const a = angleOf(k11, k22, k12, s12);
  const pt = Math.PI - a[0]!;
  out[0] = INV_2PI * (a[1]! + pt * a[2]!);
  out[1] = pt * INV_2PI;
}, (v1, v2, s1, s2) => {
  // per-row/column power-of-two scales and scaled variances, once per layer
  const scales = (v: Float64Array) => { const a = new Float64Array(v.length), k = new Float64Array(v.length); for (let i = 0; i < v.length; i++) { a[i] = v[i]! > 0 ? pow2Scale(v[i]!) : 1; k[i] = v[i]! / a[i]! / a[i]!; } return { a, k }; };
  const r1 = scales(v1), r2 = v2 === v1 ? r1 : scales(v2);
  return (K, T, off, stride, r0, nr, c0, nc) => {
    // Inlined tile loop (the hot path of large ReLU kernels).
    for (let ii = 0; ii < nr; ii++) {
      const a = s1[r0 + ii]!, ai = r1.a[r0 + ii]!, k11 = r1.k[r0 + ii]!, base = off + ii * stride;
      for (let jj = 0; jj < nc; jj++) {
        const idx = base + jj;
        const s12 = a * s2[c0 + jj]!;
        if (s12 === 0) { K[idx] = 0; T[idx] = 0; continue; }
        const k12 = K[idx]!, aj = r2.a[c0 + jj]!;
        const c = k12 / ai / aj, k22 = r2.k[c0 + jj]!;
        const det = gramDet(k11, k22, c);
        if (det > PARALLEL * k11 * k22) {
          const rs = Math.sqrt(det);
          const pt = Math.PI - Math.atan2(rs, c);
          K[idx] = INV_2PI * (rs * ai * aj + pt * k12);
          T[idx]! *= pt * INV_2PI;
        } else {
          // (anti)parallel within rounding (see PARALLEL): θ = 0 (F = s12/2, Ḟ = 1/2) or θ = π (F = Ḟ = 0)
          K[idx] = k12 >= 0 ? 0.5 * s12 : 0;
          T[idx]! *= k12 >= 0 ? 0.5 : 0;
        }
      }
    }
  };
});

/** Step Θ(z) (arc-cosine order 0, Θ(0) = 0): F = (π−θ)/(2π); Ḟ = 0 (the a.e. derivative, as gradient descent sees it). */
export const step: DualActivation = closedForm('step', (z) => (z > 0 ? 1 : 0), () => 0, 'step', (k11, k12, k22, s12, out) => {
  out[0] = s12 === 0 ? 0 : (Math.PI - angleOf(k11, k22, k12, s12)[0]!) * INV_2PI;
  out[1] = 0;
});

/** ReLU² = max(0,z)² (arc-cosine order 2): F = k11k22/(2π)[3 sinθ cosθ + (π−θ)(1+2cos²θ)], Ḟ = 4·F_relu. */
// k11k22[3 sinθ cosθ + (π−θ)(1 + 2cos²θ)] = 3 r k12 + (π−θ)(k11k22 + 2k12²).
export const relu2: DualActivation = closedForm('relu2', (z) => (z > 0 ? z * z : 0), (z) => (z > 0 ? 2 * z : 0), undefined, (k11, k12, k22, s12, out) => {
  if (s12 === 0) { out[0] = 0; out[1] = 0; return; }
  const a = angleOf(k11, k22, k12, s12);
  const pt = Math.PI - a[0]!, r = a[1]!, c = a[2]!;
  out[0] = INV_2PI * (3 * r * c + pt * (s12 * s12 + 2 * c * c));
  out[1] = 4 * INV_2PI * (r + pt * c);
});

/** |z|: F = (2√(k11k22)/π)[√(1−ρ²) + ρ arcsin ρ], Ḟ = E[sign u sign v] = (2/π) arcsin ρ. */
// arcsin ρ = π/2 − θ and √(k11k22)√(1−ρ²) = r: F = (2/π)[r + k12 (π/2 − θ)].
export const abs: DualActivation = closedForm('abs', Math.abs, Math.sign, 'abs', (k11, k12, k22, s12, out) => {
  if (s12 === 0) { out[0] = 0; out[1] = 0; return; }
  const a = angleOf(k11, k22, k12, s12);
  const as = Math.PI / 2 - a[0]!;
  out[0] = (2 / Math.PI) * (a[1]! + a[2]! * as);
  out[1] = (2 / Math.PI) * as;
});

/** z²: F = k11k22 + 2k12², Ḟ = 4k12 (Isserlis). */
export const square: DualActivation = closedForm('square', (z) => z * z, (z) => 2 * z, 'square', (k11, k12, k22, _s, out) => {
  out[0] = k11 * k22 + 2 * k12 * k12; out[1] = 4 * k12;
});

/** z³: F = 9k11k22k12 + 6k12³, Ḟ = 9(k11k22 + 2k12²) (Isserlis). */
export const cube: DualActivation = closedForm('cube', (z) => z * z * z, (z) => 3 * z * z, undefined, (k11, k12, k22, _s, out) => {
  out[0] = 9 * k11 * k22 * k12 + 6 * k12 * k12 * k12; out[1] = 9 * (k11 * k22 + 2 * k12 * k12);
});

/** sin z: F = e^{−(k11+k22)/2} sinh k12, Ḟ = e^{−(k11+k22)/2} cosh k12. */
export const sin: DualActivation = closedForm('sin', Math.sin, Math.cos, 'sin', (k11, k12, k22, _s, out) => {
  const e = Math.exp(-0.5 * (k11 + k22));
  out[0] = e * Math.sinh(k12); out[1] = e * Math.cosh(k12);
});

/** cos z: F = e^{−(k11+k22)/2} cosh k12, Ḟ = e^{−(k11+k22)/2} sinh k12. */
export const cos: DualActivation = closedForm('cos', Math.cos, (z) => -Math.sin(z), 'cos', (k11, k12, k22, _s, out) => {
  const e = Math.exp(-0.5 * (k11 + k22));
  out[0] = e * Math.cosh(k12); out[1] = e * Math.sinh(k12);
});

// ---------------------------------------------------------------------------------------------------------
// Polynomials (exact): φ(√k z) = Σ_j β_j(k) k^{j/2} He_j(z)  ⇒  F = Σ_j j! β_j(k11) β_j(k22) k12^j
// ---------------------------------------------------------------------------------------------------------

function factorial(n: number): number {
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

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

function hermiteEval(n: number, z: number): number {
  if (n < 0) return 0;
  let h0 = 1, h1 = z;
  if (n === 0) return 1;
  for (let k = 1; k < n; k++) { const h2 = z * h1 - k * h0; h0 = h1; h1 = h2; }
  return h1;
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
  const b1 = new Float64Array(degree + 1), b2 = new Float64Array(degree + 1);
  const d1 = new Float64Array(degree + 1), d2 = new Float64Array(degree + 1);
  const series = (x: Float64Array, y: Float64Array, k12: number): number => {
    let acc = 0;
    for (let j = degree; j >= 0; j--) acc = acc * k12 + fact[j]! * x[j]! * y[j]!;
    return acc;
  };
  const one = (k11: number, k12: number, k22: number, out: Float64Array) => {
    beta(k11, b1); beta(k22, b2); dbeta(k11, d1); dbeta(k22, d2);
    out[0] = series(b1, b2, k12); out[1] = series(d1, d2, k12);
  };
  const tmp = new Float64Array(2);
  const table = (v: Float64Array, f: (k: number, out: Float64Array) => void) => {
    const t = new Float64Array(v.length * (degree + 1));
    for (let i = 0; i < v.length; i++) f(v[i]!, t.subarray(i * (degree + 1), (i + 1) * (degree + 1)));
    return t;
  };
  return Object.freeze({
    name, method: 'polynomial' as const, phi, dphi,
    dual(k11: number, k12: number, k22: number) {
      checkVariances(k11, k22);
      // Polynomials need no clamping: the series is exact for any covariance.
      one(k11, k12, k22, tmp);
      return { f: tmp[0]!, fdot: tmp[1]! };
    },
    diag(v: Float64Array) {
      const f = new Float64Array(v.length), fdot = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) { one(v[i]!, v[i]!, v[i]!, tmp); f[i] = tmp[0]!; fdot[i] = tmp[1]!; }
      return { f, fdot };
    },
    prepare(var1: Float64Array, var2: Float64Array): LayerDual {
      const D = degree + 1;
      const B1 = table(var1, beta), B2 = table(var2, beta), E1 = table(var1, dbeta), E2 = table(var2, dbeta);
      const self: LayerDual = {
        block: (K, T, off, stride, r0, nr, c0, nc) => blockFromPair(self.pair)(K, T, off, stride, r0, nr, c0, nc),
        pair(i, j, k12, out) {
          let f = 0, g = 0;
          const o1 = i * D, o2 = j * D;
          for (let q = degree; q >= 0; q--) {
            f = f * k12 + fact[q]! * B1[o1 + q]! * B2[o2 + q]!;
            g = g * k12 + fact[q]! * E1[o1 + q]! * E2[o2 + q]!;
          }
          out[0] = f; out[1] = g;
        },
      };
      return self;
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
  return polynomialDual(name, deg, (z) => polyEval(coeffs, z), (z) => polyEval(dc, z), monomialBeta(coeffs), monomialBeta(dc.length ? dc : [0]));
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
  if (!Number.isInteger(n) || n < 0 || n > 20) throw new InvalidArgumentError(`Hermite degree must be an integer in 0..20, got ${n}`);
  const dbeta = hermiteBeta(n - 1);
  return polynomialDual(
    `he${n}`, n, (z) => hermiteEval(n, z), (z) => n * hermiteEval(n - 1, z), hermiteBeta(n),
    (k, out) => { dbeta(k, out); for (let j = 0; j < out.length; j++) out[j]! *= n; },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Mehler-series activations (any smooth φ)
// ---------------------------------------------------------------------------------------------------------

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
  if (!(tol > 0) || !(maxDegree >= 8)) throw new InvalidArgumentError('customActivation: tolerance must be > 0 and maxDegree ≥ 8');
  // Per-variance coefficient caches: the degree each variance needs, and coefficients at a given degree.
  type Cache = { need: Map<number, number>; at: Map<string, MehlerCoefficients> };
  const cF: Cache = { need: new Map(), at: new Map() };
  const cD: Cache = { need: new Map(), at: new Map() };
  const needed = (c: Cache, g: (x: number) => number, v: number): number => {
    let K = c.need.get(v);
    if (K === undefined) {
      const r = mehlerCoefficients(g, Math.sqrt(v), tol, maxDegree);
      K = r.coeffs.length - 1;
      if (c.need.size > 2000 || c.at.size > 2000) { c.need.clear(); c.at.clear(); } // bounded memory (≈10 MB)
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
  const evalPair = (ca: MehlerCoefficients, cb: MehlerCoefficients, rho: number, g: (x: number) => number, s1: number, s2: number) => {
    const K = ca.coeffs.length - 1;
    const scale = Math.sqrt(ca.norm2 * cb.norm2);
    const ar = Math.abs(rho);
    let Kp = K;
    if (ar === 0) Kp = 0;
    else if (ar < 1) Kp = Math.min(K, Math.max(0, Math.ceil(Math.log(tol) / Math.log(ar))));
    const tailBound = Kp < K ? 0 : Math.sqrt(ca.tail * cb.tail) * ar ** (K + 1);
    if (tailBound > 100 * tol * scale) return direct2D(g, g, s1, s2, rho);
    const a = ca.coeffs, b = cb.coeffs;
    let acc = 0;
    for (let k = Kp; k >= 0; k--) acc = acc * rho + a[k]! * b[k]!;
    return acc;
  };
  const pairValue = (k11: number, k12: number, k22: number, out: Float64Array) => {
    const s1 = Math.sqrt(k11), s2 = Math.sqrt(k22);
    const rho = s1 > 0 && s2 > 0 ? clampUnit(k12 / (s1 * s2)) : 0;
    const KF = Math.max(needed(cF, phi, k11), needed(cF, phi, k22));
    const KD = Math.max(needed(cD, dphi, k11), needed(cD, dphi, k22));
    out[0] = evalPair(coefAt(cF, phi, k11, KF), coefAt(cF, phi, k22, KF), rho, phi, s1, s2);
    out[1] = evalPair(coefAt(cD, dphi, k11, KD), coefAt(cD, dphi, k22, KD), rho, dphi, s1, s2);
  };
  const tmp = new Float64Array(2);
  return Object.freeze({
    name, method: 'mehler' as const, phi, dphi, op: options.op,
    dual(k11: number, k12: number, k22: number) {
      checkVariances(k11, k22);
      pairValue(k11, k12, k22, tmp);
      return { f: tmp[0]!, fdot: tmp[1]! };
    },
    diag(v: Float64Array) {
      const f = new Float64Array(v.length), fdot = new Float64Array(v.length);
      const memo = new Map<number, [number, number]>();
      for (let i = 0; i < v.length; i++) {
        let r = memo.get(v[i]!);
        if (!r) {
          const s = Math.sqrt(v[i]!);
          r = [gaussianMeanSquare(phi, s), gaussianMeanSquare(dphi, s)];
          memo.set(v[i]!, r);
        }
        f[i] = r[0]; fdot[i] = r[1];
      }
      return { f, fdot };
    },
    prepare(var1: Float64Array, var2: Float64Array): LayerDual {
      // Degree for the layer: the adaptive degree of the smallest, median and largest variances (the degree
      // grows with the variance for tanh-like φ); pairs whose tail bound still fails use direct quadrature.
      const all = Float64Array.from([...var1, ...var2]).sort();
      const probes = all.length ? [all[0]!, all[all.length >> 1]!, all[all.length - 1]!] : [];
      let KF = 0, KD = 0;
      for (const v of probes) {
        KF = Math.max(KF, needed(cF, phi, v));
        KD = Math.max(KD, needed(cD, dphi, v));
      }
      const n1 = var1.length;
      const joint = var2 === var1 ? var1 : Float64Array.from([...var1, ...var2]);
      const tf = mehlerTable(phi, joint, KF, tol);
      const td = mehlerTable(dphi, joint, KD, tol);
      const F1 = tf.slice(0, n1), D1 = td.slice(0, n1);
      const F2 = var2 === var1 ? F1 : tf.slice(n1), D2 = var2 === var1 ? D1 : td.slice(n1);
      const s1 = var1.map(Math.sqrt), s2 = var2.map(Math.sqrt);
      const pair: LayerDual['pair'] = (i, j, k12, out) => {
        const a = s1[i]!, b = s2[j]!;
        const rho = a > 0 && b > 0 ? clampUnit(k12 / (a * b)) : 0;
        out[0] = evalPair(F1[i]!, F2[j]!, rho, phi, a, b);
        out[1] = evalPair(D1[i]!, D2[j]!, rho, dphi, a, b);
      };
      const out2 = new Float64Array(2);
      // Column-blocked so that the columns' coefficient arrays stay in cache across the rows of the tile.
      const block: LayerDual['block'] = (K, T, off, stride, r0, nr, c0, nc) => {
        const CB = 48;
        for (let j0 = 0; j0 < nc; j0 += CB) {
          const j1 = Math.min(nc, j0 + CB);
          for (let ii = 0; ii < nr; ii++) {
            const base = off + ii * stride;
            for (let jj = j0; jj < j1; jj++) {
              const idx = base + jj;
              pair(r0 + ii, c0 + jj, K[idx]!, out2);
              K[idx] = out2[0]!;
              T[idx]! *= out2[1]!;
            }
          }
        }
      };
      return { pair, block };
    },
  });
}

const sigmoidFn = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** tanh (Mehler series). */
export const tanh: DualActivation = customActivation(Math.tanh, { name: 'tanh', deriv: (z) => { const t = Math.tanh(z); return 1 - t * t; }, op: 'tanh' });
/** softplus log(1 + eᶻ) (Mehler series). */
export const softplus: DualActivation = customActivation((z) => (z > 30 ? z : Math.log1p(Math.exp(z))), { name: 'softplus', deriv: sigmoidFn, op: 'softplus' });
/** GELU z·Φ(z) (Mehler series). */
export const gelu: DualActivation = customActivation((z) => z * normalCdf(z), { name: 'gelu', deriv: (z) => normalCdf(z) + z * normalPdf(z), op: 'gelu' });
/** swish / SiLU z·σ(z) (Mehler series). */
export const swish: DualActivation = customActivation((z) => z * sigmoidFn(z), { name: 'swish', deriv: (z) => { const s = sigmoidFn(z); return s + z * s * (1 - s); } });
/** logistic sigmoid (Mehler series). */
export const sigmoid: DualActivation = customActivation(sigmoidFn, { name: 'sigmoid', deriv: (z) => { const s = sigmoidFn(z); return s * (1 - s); }, op: 'sigmoid' });

const REGISTRY: Record<string, DualActivation> = {
  linear, identity: linear, erf: erfActivation, relu, step, relu2, abs, square, z2: square, cube, z3: cube,
  sin, cos, tanh, softplus, gelu, swish, silu: swish, sigmoid,
};

/** Names accepted by {@link getActivation} (plus `he<n>` for Hermite polynomials, e.g. `he3`). */
export const ACTIVATION_NAMES: readonly string[] = [...Object.keys(REGISTRY), 'he<n>'];

/**
 * Looks up an activation by name (`relu`, `erf`, `tanh`, `he3`, …) or passes a {@link DualActivation} through.
 *
 * @throws InvalidArgumentError listing the known names.
 * @example
 * ```ts
 * getActivation('relu').dual(1, 1, 1).f; // 0.5
 * ```
 */
export function getActivation(spec: string | DualActivation): DualActivation {
  if (typeof spec !== 'string') {
    if (spec && typeof spec.prepare === 'function' && typeof spec.dual === 'function') return spec;
    throw new InvalidArgumentError('activation must be a name or a DualActivation');
  }
  const key = spec.trim().toLowerCase();
  const hit = Object.hasOwn(REGISTRY, key) ? REGISTRY[key] : undefined; // not inherited names such as 'constructor'
  if (hit) return hit;
  const m = /^(?:he|hermite)(\d+)$/.exec(key);
  if (m) return hermiteActivation(Number(m[1]));
  throw new InvalidArgumentError(`unknown activation '${spec}'; known: ${ACTIVATION_NAMES.join(', ')}`);
}
