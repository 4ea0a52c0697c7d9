import { InvalidArgumentError } from '@sftdl/compute';
import { hermiteHeAll } from './hermite';
import { compositeGaussLegendre, gaussHermiteCached, gaussLegendreUnit, type QuadratureRule } from './quadrature';

/** Half-width (in standard deviations) of the finite domain of the kink-aware rules; the tail mass beyond is < 1e-32. */
export const GAUSSIAN_TRUNCATION = 12;
const INV_SQRT_2PI = 0.3989422804014327;

function finite(v: number, what: string, at: number): number {
  if (!Number.isFinite(v))
    throw new InvalidArgumentError(`${what} returned ${v} at ${at}; the integrand must be finite on the real line`);
  return v;
}

/**
 * Kink-aware rule for E_{z~N(0,1)}[h(z)]: composite Gauss–Legendre on [−12, 12] split at `breakpoints`
 * (in z units), weights multiplied by the standard normal density.
 * @internal
 */
export function splitGaussianRule(breakpoints: readonly number[], panelOrder = 16, maxPanelWidth = 1): QuadratureRule {
  const L = GAUSSIAN_TRUNCATION;
  const r = compositeGaussLegendre([-L, L], { breakpoints, panelOrder, maxPanelWidth });
  for (let i = 0; i < r.nodes.length; i++) r.weights[i]! *= INV_SQRT_2PI * Math.exp(-0.5 * r.nodes[i]! ** 2);
  return r;
}

/**
 * Allocation-free Σ over the kink-split rule of φ(z)·h(z) on [−12, 12] (same nodes as {@link splitGaussianRule}).
 * @internal
 */
export function splitGaussianSum(
  h: (z: number) => number,
  breakpoints: readonly number[],
  panelOrder: number,
  maxPanelWidth: number,
): number {
  const L = GAUSSIAN_TRUNCATION;
  const cuts = [-L];
  for (const t of breakpoints) if (t > -L && t < L) cuts.push(t);
  cuts.push(L);
  cuts.sort((p, q) => p - q);
  const u = gaussLegendreUnit(panelOrder);
  let total = 0;
  for (let j = 0; j + 1 < cuts.length; j++) {
    const lo = cuts[j]!,
      hi = cuts[j + 1]!;
    if (!(hi > lo)) continue;
    const panels = Math.max(1, Math.ceil((hi - lo) / maxPanelWidth));
    const width = (hi - lo) / panels;
    for (let p = 0; p < panels; p++) {
      const c = lo + (p + 0.5) * width;
      const hw = 0.5 * width;
      let s = 0;
      for (let i = 0; i < panelOrder; i++) {
        const z = c + hw * u.nodes[i]!;
        s += u.weights[i]! * Math.exp(-0.5 * z * z) * h(z);
      }
      total += hw * s;
    }
  }
  return INV_SQRT_2PI * total;
}

export interface GaussianExpectationOptions {
  /** Mean of the Gaussian (default 0). */
  mean?: number;
  /** Variance (default 1; 0 gives f(mean)). */
  variance?: number;
  /** Gauss–Hermite order when no `kinks` are given (default 64). */
  order?: number;
  /**
   * Points (in x units) where f is not smooth. When given, a composite Gauss–Legendre rule split at the kinks
   * is used instead of Gauss–Hermite (accuracy ~1e-14 for piecewise-smooth f of moderate growth).
   */
  kinks?: readonly number[];
}

/**
 * E[f(x)] for x ~ N(mean, variance), by Gauss–Hermite (smooth f) or a kink-split rule (`kinks`).
 *
 * *When to use:* any 1-D Gaussian average (dual activations on the diagonal, Hermite projections, moments).
 * *Gotchas:* Gauss–Hermite is exact for polynomials of degree ≤ 2·order − 1 but converges slowly at kinks
 * (ReLU: ~1e-5 at order 64) — pass `kinks: [0]` there. f must be finite everywhere.
 *
 * @example
 * gaussianExpectation((x) => Math.max(0, x), { kinks: [0] }); // 1/√(2π)
 * gaussianExpectation((x) => x * x, { mean: 1, variance: 2 }); // 3
 */
export function gaussianExpectation(
  f: (x: number) => number,
  { mean = 0, variance = 1, order = 64, kinks }: GaussianExpectationOptions = {},
): number {
  if (!Number.isFinite(mean)) throw new InvalidArgumentError(`gaussianExpectation: mean must be finite, got ${mean}`);
  if (!(variance >= 0) || !Number.isFinite(variance))
    throw new InvalidArgumentError(`gaussianExpectation: variance must be finite and ≥ 0, got ${variance}`);
  if (variance === 0) return finite(f(mean), 'f', mean);
  const sd = Math.sqrt(variance);
  const rule = kinks ? splitGaussianRule(kinks.map((k) => (k - mean) / sd)) : gaussHermiteCached(order);
  let s = 0;
  for (let i = 0; i < rule.nodes.length; i++) {
    const x = mean + sd * rule.nodes[i]!;
    s += rule.weights[i]! * finite(f(x), 'f', x);
  }
  return s;
}

export interface BivariateOptions {
  /** Var(u). */
  s11: number;
  /** Cov(u, v); |s12| ≤ √(s11·s22) up to rounding (clamped within 1e-12 relative). */
  s12: number;
  /** Var(v). */
  s22: number;
  /**
   * 'split' (default): condition on u and integrate v|u with composite Gauss–Legendre split at the kinks of
   * f and g; 'gauss-hermite': tensor Gauss–Hermite grid after the Cholesky rotation (smooth f, g only).
   */
  method?: 'split' | 'gauss-hermite';
  /** Gauss–Hermite order per dimension for method 'gauss-hermite' (default 64). */
  order?: number;
  /** Points (in u/v units) where f or g may be non-smooth (default [0]: ReLU, step, |·|, sign). */
  kinks?: readonly number[];
  /** Gauss–Legendre nodes per panel for method 'split' (default 16). */
  panelOrder?: number;
  /** Widest panel, in standard deviations, for method 'split' (default 1). Lower it for very steep f, g. */
  maxPanelWidth?: number;
}

/**
 * E[f(u)·g(v)] for (u, v) ~ N(0, [[s11, s12], [s12, s22]]) — the dual-activation integral F_φ(k11, k12, k22).
 *
 * Writing u = s₁z₁, v = s₂(ρz₁ + √(1−ρ²)z₂), the default 'split' method integrates z₂ for each z₁ node with a
 * composite Gauss–Legendre rule broken at the kinks of g, and z₁ with a rule broken at the kinks of f (and of
 * g when ρ → ±1). The outer panels are graded geometrically around
 * the kinks of G(z₁) = E[g(v)|z₁], which sharpen as |ρ| → 1. Measured accuracy: ≤ 1e-15 against the
 * arc-cosine closed forms for ReLU and step (including ρ = 0.999 and ρ = ±1) and against Williams' arcsin
 * formula for erf(a·u)·erf(b·v) with a, b up to 3 (tests assert 1e-14).
 *
 * *When to use:* dual activations / NNGP & NTK layer maps for any φ. *Gotchas:* declare every kink in
 * `kinks` (default [0]); a missed kink degrades accuracy to ~1e-4. 'gauss-hermite' is faster for smooth f, g
 * but ~1e-3 for ReLU (and ~1e-4 for steep erf(3u)). Cost ≈ (nodes)² ≈ 10⁵ evaluations of g (≈5–10 ms).
 *
 * @example
 * // ReLU arc-cosine kernel at k11 = k22 = 1, k12 = 0: 1/(2π)
 * bivariateGaussianExpectation((u) => Math.max(0, u), (v) => Math.max(0, v), { s11: 1, s12: 0, s22: 1 });
 */
export function bivariateGaussianExpectation(
  f: (u: number) => number,
  g: (v: number) => number,
  options: BivariateOptions,
): number {
  const { s11, s12, s22, method = 'split', order = 64, kinks = [0], panelOrder = 16, maxPanelWidth = 1 } = options;
  for (const [name, v] of [
    ['s11', s11],
    ['s12', s12],
    ['s22', s22],
  ] as const) {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`bivariateGaussianExpectation: ${name} must be finite, got ${v}`);
  }
  if (s11 < 0 || s22 < 0)
    throw new InvalidArgumentError(`bivariateGaussianExpectation: variances must be ≥ 0, got s11=${s11}, s22=${s22}`);
  const s1 = Math.sqrt(s11);
  const s2 = Math.sqrt(s22);
  const bound = s1 * s2;
  if (Math.abs(s12) > bound * (1 + 1e-12) + 1e-300) {
    throw new InvalidArgumentError(
      `bivariateGaussianExpectation: covariance not positive semi-definite (s12² = ${s12 * s12} > s11·s22 = ${s11 * s22}); check the kernel`,
    );
  }
  if (s1 === 0) return finite(f(0), 'f', 0) * gaussianExpectation(g, { variance: s22, kinks });
  if (s2 === 0) return finite(g(0), 'g', 0) * gaussianExpectation(f, { variance: s11, kinks });
  const rho = Math.max(-1, Math.min(1, s12 / bound));
  const c = Math.sqrt(Math.max(0, 1 - rho * rho));
  const a = s2 * rho; // v = a·z1 + b·z2
  const b = s2 * c;

  if (method === 'gauss-hermite') {
    const r = gaussHermiteCached(order);
    let total = 0;
    for (let i = 0; i < order; i++) {
      const u = s1 * r.nodes[i]!;
      const fu = finite(f(u), 'f', u);
      let inner = 0;
      for (let j = 0; j < order; j++) {
        const v = a * r.nodes[i]! + b * r.nodes[j]!;
        inner += r.weights[j]! * finite(g(v), 'g', v);
      }
      total += r.weights[i]! * fu * inner;
    }
    return total;
  }
  if (method !== 'split')
    throw new InvalidArgumentError(
      `bivariateGaussianExpectation: method must be 'split' or 'gauss-hermite', got '${String(method)}'`,
    );

  const outerBreaks = kinks.map((k) => k / s1);
  if (a !== 0) {
    // G(z1) = E[g(a·z1 + b·z2)] varies on the scale b/|a| around each kink of g: grade the panels there.
    const scale = b / Math.abs(a);
    for (const k of kinks) {
      const z = k / a;
      outerBreaks.push(z);
      for (let m = scale; m < 2 * GAUSSIAN_TRUNCATION && m > 0; m *= 2) outerBreaks.push(z - m, z + m);
    }
  }
  const innerBreaks = new Array<number>(kinks.length);
  return splitGaussianSum(
    (z1) => {
      const u = s1 * z1;
      const fu = finite(f(u), 'f', u);
      if (fu === 0) return 0;
      const mu = a * z1;
      if (b === 0) return fu * finite(g(mu), 'g', mu);
      for (let j = 0; j < kinks.length; j++) innerBreaks[j] = (kinks[j]! - mu) / b;
      return (
        fu *
        splitGaussianSum(
          (z2) => {
            const v = mu + b * z2;
            return finite(g(v), 'g', v);
          },
          innerBreaks,
          panelOrder,
          maxPanelWidth,
        )
      );
    },
    outerBreaks,
    panelOrder,
    maxPanelWidth,
  );
}

export interface HermiteCoefficientOptions {
  /** Divide by √k! (default true): aₖ = E[f(z)Heₖ(z)]/√k!, so E[f²] = Σ aₖ² (Parseval). */
  normalized?: boolean;
  /** Kinks of f in z units (default [0]); pass [] for smooth f. */
  kinks?: readonly number[];
  /** Gauss–Legendre nodes per panel (default 24). */
  panelOrder?: number;
  /**
   * Widest panel in z units (default 1). Lower it for steep f: tanh(s·z) has poles at distance π/(2s), so
   * use ≈ 2/s for s ≫ 1 to keep ~1e-14.
   */
  maxPanelWidth?: number;
  /** Variance of the input: coefficients of x ↦ f(σz) (default 1). */
  variance?: number;
  /**
   * Use a Gauss–Hermite rule of this order instead of the kink-split rule (fast, for smooth f only; exact
   * when f is a polynomial of degree ≤ 2·order − 1 − kMax).
   */
  order?: number;
}

/**
 * Hermite coefficients a₀…a_{kMax} of f under z ~ N(0,1): aₖ = E[f(σz)·Heₖ(z)] (/√k! when normalized).
 *
 * Computed with a kink-split composite rule (accuracy ~1e-14 for ReLU/step/erf/tanh up to kMax ≈ 40).
 *
 * *When to use:* Mehler/dual-activation expansions (F_φ = Σ aₖ(s₁)aₖ(s₂)ρᵏ), Gaussian-data kernel spectra.
 * *Gotchas:* declare kinks; for very high degrees (kMax > 60) accuracy degrades as Heₖ oscillates faster
 * than the panels resolve — raise `panelOrder`.
 *
 * @example
 * hermiteCoefficients((z) => Math.max(0, z), 4); // [1/√(2π), 1/2, 1/(2√π), 0, −1/(4√(3π))]
 */
export function hermiteCoefficients(
  f: (x: number) => number,
  kMax: number,
  { normalized = true, kinks = [0], panelOrder = 24, maxPanelWidth = 1, variance = 1, order }: HermiteCoefficientOptions = {},
): Float64Array<ArrayBuffer> {
  if (!Number.isInteger(kMax) || kMax < 0)
    throw new InvalidArgumentError(`hermiteCoefficients: kMax must be a non-negative integer, got ${kMax}`);
  if (!(variance > 0) || !Number.isFinite(variance))
    throw new InvalidArgumentError(`hermiteCoefficients: variance must be finite and > 0, got ${variance}`);
  const sd = Math.sqrt(variance);
  const rule =
    order !== undefined
      ? gaussHermiteCached(order)
      : splitGaussianRule(
          kinks.map((k) => k / sd),
          panelOrder,
          maxPanelWidth,
        );
  const out = new Float64Array(kMax + 1);
  for (let i = 0; i < rule.nodes.length; i++) {
    const z = rule.nodes[i]!;
    const fz = finite(f(sd * z), 'f', sd * z) * rule.weights[i]!;
    if (fz === 0) continue;
    const h = hermiteHeAll(kMax, z, { normalized: true });
    for (let k = 0; k <= kMax; k++) out[k]! += fz * h[k]!;
  }
  if (!normalized) {
    let sq = 1;
    for (let k = 1; k <= kMax; k++) {
      sq *= Math.sqrt(k);
      out[k]! *= sq;
    }
  }
  return out;
}

function unnormalize(a: Float64Array<ArrayBuffer>, normalized: boolean): Float64Array<ArrayBuffer> {
  if (normalized) return a;
  let sq = 1;
  for (let k = 1; k < a.length; k++) {
    sq *= Math.sqrt(k);
    a[k]! *= sq;
  }
  return a;
}

/**
 * Closed-form Hermite coefficients of φ(z) = erf(a·z), z ~ N(0,1): zero for even k and, for k = 2j+1,
 * E[erf(az)Heₖ(z)] = (2a/√π)(1+2a²)^{−1/2}(−2a²/(1+2a²))ʲ(2j−1)!! (Stein's lemma on e^{−a²z²}).
 *
 * @example
 * erfHermiteCoefficients(1, 3)[1]; // 2/√(3π)
 */
export function erfHermiteCoefficients(
  a: number,
  kMax: number,
  { normalized = true }: { normalized?: boolean } = {},
): Float64Array<ArrayBuffer> {
  if (!Number.isFinite(a)) throw new InvalidArgumentError(`erfHermiteCoefficients: a must be finite, got ${a}`);
  if (!Number.isInteger(kMax) || kMax < 0)
    throw new InvalidArgumentError(`erfHermiteCoefficients: kMax must be a non-negative integer, got ${kMax}`);
  const out = new Float64Array(kMax + 1);
  const c = 1 + 2 * a * a;
  const pref = (2 * a) / Math.sqrt(Math.PI * c);
  const beta = -(2 * a * a) / c;
  // normalised: (2j−1)!!/√((2j+1)!) by the ratio r_j = r_{j−1}(2j−1)/√(2j(2j+1)).
  let r = 1;
  let bj = 1;
  for (let k = 1; k <= kMax; k += 2) {
    const j = (k - 1) / 2;
    if (j > 0) {
      r *= (2 * j - 1) / Math.sqrt(2 * j * (2 * j + 1));
      bj *= beta;
    }
    out[k] = pref * bj * r;
  }
  return unnormalize(out, normalized);
}

/**
 * Closed-form Hermite coefficients of ReLU(z) = max(0, z): a₀ = 1/√(2π), a₁ = 1/2, and for even k ≥ 2
 * E[ReLU·Heₖ] = φ(0)·He_{k−2}(0) = (−1)^{k/2−1}(k−3)!!/√(2π); zero for odd k ≥ 3.
 *
 * @example
 * reluHermiteCoefficients(2)[2]; // 1/(2√π)
 */
export function reluHermiteCoefficients(
  kMax: number,
  { normalized = true }: { normalized?: boolean } = {},
): Float64Array<ArrayBuffer> {
  if (!Number.isInteger(kMax) || kMax < 0)
    throw new InvalidArgumentError(`reluHermiteCoefficients: kMax must be a non-negative integer, got ${kMax}`);
  const out = new Float64Array(kMax + 1);
  out[0] = INV_SQRT_2PI;
  if (kMax >= 1) out[1] = 0.5;
  // normalised t_k = He_{k−2}(0)/√k!, with He_{2m}(0) = (−1)^m (2m−1)!!.
  let t = 1 / Math.SQRT2; // k = 2
  for (let k = 2; k <= kMax; k += 2) {
    if (k > 2) t *= -(k - 3) / Math.sqrt(k * (k - 1));
    out[k] = INV_SQRT_2PI * t;
  }
  return unnormalize(out, normalized);
}

/**
 * Hermite coefficients of the monomial zⁿ: zⁿ = Σⱼ n!/(2ʲ j! (n−2j)!) He_{n−2j}(z), so for k = n − 2j,
 * E[zⁿHeₖ] = n!/(2ʲ j!).
 *
 * @example
 * monomialHermiteCoefficients(2, 2, { normalized: false }); // [1, 0, 2]  (z² = He₂ + He₀, E[He₂²] = 2)
 */
export function monomialHermiteCoefficients(
  n: number,
  kMax: number,
  { normalized = true }: { normalized?: boolean } = {},
): Float64Array<ArrayBuffer> {
  if (!Number.isInteger(n) || n < 0 || n > 170)
    throw new InvalidArgumentError(`monomialHermiteCoefficients: n must be an integer in [0, 170], got ${n}`);
  if (!Number.isInteger(kMax) || kMax < 0)
    throw new InvalidArgumentError(`monomialHermiteCoefficients: kMax must be a non-negative integer, got ${kMax}`);
  const out = new Float64Array(kMax + 1);
  for (let k = n % 2; k <= Math.min(n, kMax); k += 2) {
    const j = (n - k) / 2;
    // log of n!/(2^j j!) − ½ log k!
    let lg = 0;
    for (let i = 2; i <= n; i++) lg += Math.log(i);
    for (let i = 2; i <= j; i++) lg -= Math.log(i);
    lg -= j * Math.LN2;
    let lk = 0;
    for (let i = 2; i <= k; i++) lk += Math.log(i);
    out[k] = normalized ? Math.exp(lg - 0.5 * lk) : Math.round(Math.exp(lg));
  }
  return out;
}

/**
 * Hermite coefficients of the affine map φ(z) = slope·z + intercept: a₀ = intercept, a₁ = slope.
 *
 * @example
 * linearHermiteCoefficients(2, 1, 3); // [1, 2, 0, 0]
 */
export function linearHermiteCoefficients(slope: number, intercept: number, kMax: number): Float64Array<ArrayBuffer> {
  if (!Number.isFinite(slope) || !Number.isFinite(intercept))
    throw new InvalidArgumentError('linearHermiteCoefficients: slope and intercept must be finite');
  if (!Number.isInteger(kMax) || kMax < 0)
    throw new InvalidArgumentError(`linearHermiteCoefficients: kMax must be a non-negative integer, got ${kMax}`);
  const out = new Float64Array(kMax + 1);
  out[0] = intercept;
  if (kMax >= 1) out[1] = slope;
  return out;
}

/**
 * Mehler sum Σₖ aₖ bₖ ρᵏ of two normalised Hermite coefficient vectors: E[f(u)g(v)] for unit-variance u, v
 * with correlation ρ (truncated at the shorter vector).
 *
 * *Gotchas:* converges slowly at |ρ| → 1 for kinked φ (ReLU coefficients decay like k^{−5/4}).
 *
 * @example
 * const a = erfHermiteCoefficients(1, 41);
 * mehlerSum(a, a, 0.5); // (2/π)·arcsin(1/3)
 */
export function mehlerSum(a: ArrayLike<number>, b: ArrayLike<number>, rho: number): number {
  if (!(Math.abs(rho) <= 1)) throw new InvalidArgumentError(`mehlerSum: |rho| must be ≤ 1, got ${rho}`);
  const n = Math.min(a.length, b.length);
  let s = 0;
  let p = 1;
  for (let k = 0; k < n; k++) {
    s += a[k]! * b[k]! * p;
    p *= rho;
  }
  return s;
}
