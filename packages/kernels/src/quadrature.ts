/**
 * Private quadrature helpers for Gaussian expectations of smooth activations.
 *
 * The workhorse is the Mehler (Hermite) expansion of a dual activation,
 *   E[φ(s₁z₁)φ(s₂z₂)] with corr(z₁,z₂) = ρ  =  Σ_k a_k(s₁) a_k(s₂) ρ^k,   a_k(s) = E[φ(s z) He_k(z)]/√(k!),
 * whose coefficients are computed per distinct variance by a truncated trapezoidal rule on z ∈ [−13, 13]
 * (exponentially convergent for integrands analytic in a strip; the step is chosen from the strip width
 * π/(2s) of tanh-like activations and the highest Hermite degree, see {@link mehlerCoefficients}).
 *
 * TODO: move to @sftdl/field (a high-order Mehler-coefficient routine for smooth φ at large variance); kept
 * private here because field's Gauss–Hermite rules converge only root-exponentially for tanh at large s.
 */

const INV_SQRT_2PI = 0.3989422804014327;
/** Half-width of the z-interval: the integrand carries e^{-z²/4} beyond the Hermite functions, e^{-13²/4} < 5e-19. */
const Z_MAX = 13;

/** Nodes and weights (standard-normal measure, weights summing to ≈1) of the truncated trapezoidal rule. */
export interface GaussRule {
  nodes: Float64Array;
  weights: Float64Array;
}

/**
 * Trapezoidal rule for E_{z~N(0,1)}[g(z)] tuned for g(z) = φ(s z)·He_k(z) with k ≤ maxDegree.
 * Error ≈ exp(−(2π/h − √(2K))·δ) with δ = π/(2s) the distance of tanh's poles from the real axis;
 * the step makes that ≈ e^{−37} ≈ 1e−16.
 */
export function trapezoidRule(s: number, maxDegree: number): GaussRule {
  const delta = Math.PI / (2 * Math.max(s, 1e-300));
  const h = Math.min(0.25, (2 * Math.PI) / (37 / delta + Math.sqrt(2 * maxDegree + 2)));
  const m = Math.ceil(Z_MAX / h);
  const n = 2 * m + 1;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = (i - m) * h;
    nodes[i] = z;
    weights[i] = h * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
  }
  return { nodes, weights };
}

/** Mehler coefficients of one function at one scale, with the Parseval tail bound. */
export interface MehlerCoefficients {
  /** a_k = E[g(s z) He_k(z)]/√(k!), k = 0..K. */
  coeffs: Float64Array;
  /** E[g(s z)²]. */
  norm2: number;
  /** Residual E[g²] − Σ_{k≤K} a_k² (≥ 0 up to rounding): bounds the truncation error at |ρ| ≤ 1. */
  tail: number;
}

/**
 * Mehler coefficients a_k(s) of g(s·z), k = 0..K, where K is the smallest degree (≤ maxDegree, in steps)
 * with tail ≤ tol·E[g²]. Values g(s z_i) are computed once on the trapezoidal nodes.
 */
export function mehlerCoefficients(g: (x: number) => number, s: number, tol: number, maxDegree: number): MehlerCoefficients {
  let degree = Math.min(maxDegree, 128);
  for (;;) {
    const r = mehlerFixedDegree(g, s, degree);
    if (r.tail <= tol * r.norm2 || degree >= maxDegree || s === 0) return trim(r, tol);
    degree = Math.min(maxDegree, degree * 2);
  }
}

/** Drops trailing coefficients that the tolerance does not need (keeps the Parseval tail within tol·E[g²]). */
function trim(r: MehlerCoefficients, tol: number): MehlerCoefficients {
  const c = r.coeffs;
  let tail = r.tail;
  let K = c.length - 1;
  const budget = tol * r.norm2;
  while (K > 0 && tail + c[K]! * c[K]! <= budget) {
    tail += c[K]! * c[K]!;
    K--;
  }
  return { coeffs: c.slice(0, K + 1), norm2: r.norm2, tail: Math.max(0, tail) };
}

/** Mehler coefficients of g(s·z) at a fixed degree K. */
export function mehlerFixedDegree(g: (x: number) => number, s: number, K: number): MehlerCoefficients {
  if (s === 0) {
    const v = g(0);
    const coeffs = new Float64Array(K + 1);
    coeffs[0] = v;
    return { coeffs, norm2: v * v, tail: 0 };
  }
  // The rule is symmetric (z_{-i} = −z_i) and He_k(−z) = (−1)^k He_k(z): fold onto z ≥ 0 with the even and odd
  // parts of g, halving the work of the recurrence.
  const { nodes, weights } = trapezoidRule(s, K);
  const m = (nodes.length - 1) >> 1; // index of z = 0
  const n = m + 1;
  const z = nodes.subarray(m);
  const even = new Float64Array(n),
    odd = new Float64Array(n);
  let norm2 = 0;
  for (let i = 0; i < n; i++) {
    const zp = s * z[i]!;
    const gp = g(zp),
      gm = i === 0 ? gp : g(-zp);
    if (!Number.isFinite(gp) || !Number.isFinite(gm)) throw new RangeError(`activation returned a non-finite value near ${zp}`);
    const w = weights[m + i]!;
    if (i === 0) {
      even[0] = w * gp;
      odd[0] = 0;
      norm2 += w * gp * gp;
    } else {
      even[i] = w * (gp + gm);
      odd[i] = w * (gp - gm);
      norm2 += w * (gp * gp + gm * gm);
    }
  }
  const coeffs = new Float64Array(K + 1);
  let hPrev = new Float64Array(n).fill(1);
  let hCur = Float64Array.from(z);
  let s0 = 0,
    s1 = 0;
  for (let i = 0; i < n; i++) {
    s0 += even[i]!;
    s1 += odd[i]! * z[i]!;
  }
  coeffs[0] = s0;
  if (K >= 1) coeffs[1] = s1;
  for (let k = 1; k < K; k++) {
    const a = 1 / Math.sqrt(k + 1),
      b = Math.sqrt(k);
    const wgt = (k + 1) & 1 ? odd : even;
    const hNext = hPrev; // reuse storage
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const v = (z[i]! * hCur[i]! - b * hPrev[i]!) * a;
      hNext[i] = v;
      acc += wgt[i]! * v;
    }
    coeffs[k + 1] = acc;
    hPrev = hCur;
    hCur = hNext;
  }
  let sum = 0;
  for (let k = 0; k <= K; k++) sum += coeffs[k]! * coeffs[k]!;
  return { coeffs, norm2, tail: Math.max(0, norm2 - sum) };
}

/** E_{z~N(0,1)}[g(s z)²] by the same trapezoidal rule (accurate to ≈1e−16 relative for tanh-like g). */
export function gaussianMeanSquare(g: (x: number) => number, s: number): number {
  if (s === 0) {
    const v = g(0);
    return v * v;
  }
  const { nodes, weights } = trapezoidRule(s, 0);
  let acc = 0;
  for (let i = 0; i < nodes.length; i++) {
    const v = g(s * nodes[i]!);
    acc += weights[i]! * v * v;
  }
  return acc;
}

/**
 * Direct 2-D quadrature of E[g₁(u) g₂(v)], (u, v) ~ N(0, [[s₁², ρs₁s₂], [ρs₁s₂, s₂²]]), by the conditional
 * decomposition u = s₁z₁, v = s₂(ρz₁ + √(1−ρ²) z₂) and trapezoidal rules in z₁ and z₂. Used for the few
 * pairs where the Mehler series is too slowly convergent (large variance and |ρ| → 1).
 */
export function direct2D(g1: (x: number) => number, g2: (x: number) => number, s1: number, s2: number, rho: number): number {
  const c = Math.sqrt(Math.max(0, 1 - rho * rho));
  const outer = trapezoidRule(Math.max(s1, s2 * Math.abs(rho), 1e-12), 0);
  const inner = c * s2 > 0 ? trapezoidRule(c * s2, 0) : { nodes: Float64Array.of(0), weights: Float64Array.of(1) };
  let acc = 0;
  for (let i = 0; i < outer.nodes.length; i++) {
    const z1 = outer.nodes[i]!;
    const w1 = outer.weights[i]!;
    if (w1 < 1e-300) continue;
    const m = s2 * rho * z1;
    let inn = 0;
    for (let j = 0; j < inner.nodes.length; j++) inn += inner.weights[j]! * g2(m + s2 * c * inner.nodes[j]!);
    acc += w1 * g1(s1 * z1) * inn;
  }
  return acc;
}

/** Five-point central difference (error O(h⁴)), used when a user activation gives no derivative. */
export function numericalDerivative(f: (x: number) => number): (x: number) => number {
  return (x: number) => {
    const h = 1e-3 * Math.max(1, Math.abs(x));
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);
  };
}

/**
 * Mehler coefficients at a common degree K for many variances. With few distinct variances each is computed
 * directly; otherwise a barycentric Chebyshev interpolant in s = √v over [s_min, s_max] is built with m nodes
 * and validated at m − 1 interleaved points (‖δa‖₂ ≤ tol·√E[g²] there, which bounds the relative error of
 * F by ≈ tol); m doubles from 16 to 128 until validation passes, else every variance is computed directly.
 */
export function mehlerTable(g: (x: number) => number, variances: Float64Array, K: number, tol: number): MehlerCoefficients[] {
  const uniq = Array.from(new Set(variances)).sort((a, b) => a - b);
  const direct = new Map<number, MehlerCoefficients>();
  const finish = (get: (v: number) => MehlerCoefficients) => Array.from(variances, (v) => get(v));
  if (uniq.length <= 48) {
    for (const v of uniq) direct.set(v, mehlerFixedDegree(g, Math.sqrt(v), K));
    return finish((v) => direct.get(v)!);
  }
  const a = Math.sqrt(uniq[0]!),
    b = Math.sqrt(uniq[uniq.length - 1]!);
  const comp = (s: number) => mehlerFixedDegree(g, s, K);
  for (let m = 16; m <= 128; m *= 2) {
    const sNodes = Array.from({ length: m }, (_, j) => 0.5 * (a + b) + 0.5 * (b - a) * Math.cos((j * Math.PI) / (m - 1)));
    const vals = sNodes.map(comp);
    const bw = sNodes.map((_, j) => (j % 2 ? -1 : 1) * (j === 0 || j === m - 1 ? 0.5 : 1));
    const interp = (s: number): MehlerCoefficients => {
      const coeffs = new Float64Array(K + 1);
      let den = 0,
        norm2 = 0;
      for (let j = 0; j < m; j++) {
        const dx = s - sNodes[j]!;
        if (dx === 0) return vals[j]!;
        const c = bw[j]! / dx;
        den += c;
        norm2 += c * vals[j]!.norm2;
        const cj = vals[j]!.coeffs;
        for (let k = 0; k <= K; k++) coeffs[k]! += c * cj[k]!;
      }
      let sum = 0;
      for (let k = 0; k <= K; k++) {
        coeffs[k]! /= den;
        sum += coeffs[k]! * coeffs[k]!;
      }
      norm2 /= den;
      return { coeffs, norm2, tail: Math.max(0, norm2 - sum) };
    };
    let ok = true;
    for (let j = 0; j < m - 1 && ok; j++) {
      const s = 0.5 * (a + b) + 0.5 * (b - a) * Math.cos(((j + 0.5) * Math.PI) / (m - 1));
      const exact = comp(s),
        approx = interp(s);
      let e2 = 0;
      for (let k = 0; k <= K; k++) e2 += (exact.coeffs[k]! - approx.coeffs[k]!) ** 2;
      if (Math.sqrt(e2) > tol * Math.sqrt(Math.max(exact.norm2, 1e-300))) ok = false;
    }
    if (ok) {
      const cache = new Map<number, MehlerCoefficients>();
      return finish((v) => {
        let r = cache.get(v);
        if (!r) {
          r = interp(Math.sqrt(v));
          cache.set(v, r);
        }
        return r;
      });
    }
    if (2 * m - 1 >= uniq.length) break;
  }
  for (const v of uniq) direct.set(v, mehlerFixedDegree(g, Math.sqrt(v), K));
  return finish((v) => direct.get(v)!);
}
