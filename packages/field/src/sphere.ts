import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { normal, type Key } from './keys';
import { compositeGaussLegendre } from './quadrature';
import { logGamma, logGammaRatio } from './special';

function assertDim(d: number, what: string): void {
  if (!Number.isInteger(d) || d < 2)
    throw new InvalidArgumentError(`${what}: dim d must be an integer ≥ 2 (sphere S^{d−1} ⊂ ℝ^d), got ${d}`);
}
function assertDegree(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what}: degree must be a non-negative integer, got ${n}`);
}

/**
 * Gegenbauer polynomial C_n^{(α)}(t) by the three-term recurrence
 * n·C_n = 2t(n+α−1)·C_{n−1} − (n+2α−2)·C_{n−2}, C₀ = 1, C₁ = 2αt (α > −½; α = 0 gives 0 for n ≥ 1 —
 * use {@link legendreNormalized} for d = 2).
 *
 * @example
 * gegenbauer(2, 1, 0.5); // U₂(0.5) = 4·0.25 − 1 = 0
 */
export function gegenbauer(n: number, alpha: number, t: number): number {
  assertDegree(n, 'gegenbauer');
  if (!(alpha > -0.5) || !Number.isFinite(alpha))
    throw new InvalidArgumentError(`gegenbauer: alpha must be > −1/2, got ${alpha}`);
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`gegenbauer: t must be finite, got ${t}`);
  if (n === 0) return 1;
  let prev = 1;
  let cur = 2 * alpha * t;
  for (let k = 2; k <= n; k++) {
    const next = (2 * t * (k + alpha - 1) * cur - (k + 2 * alpha - 2) * prev) / k;
    prev = cur;
    cur = next;
  }
  return cur;
}

/**
 * All normalised Gegenbauer (Legendre) polynomials P_ℓ^{(d)}(t), ℓ = 0..lMax, with P_ℓ(1) = 1:
 * P_ℓ = [(2ℓ+d−4)·t·P_{ℓ−1} − (ℓ−1)·P_{ℓ−2}]/(ℓ+d−3). d = 3: Legendre; d = 2: Chebyshev T_ℓ.
 *
 * @example
 * legendreNormalizedAll(2, 3, 0.5); // [1, 0.5, −0.125]
 */
export function legendreNormalizedAll(lMax: number, d: number, t: number): Float64Array<ArrayBuffer> {
  assertDegree(lMax, 'legendreNormalizedAll');
  assertDim(d, 'legendreNormalizedAll');
  const out = new Float64Array(lMax + 1);
  out[0] = 1;
  if (lMax >= 1) out[1] = t;
  for (let l = 2; l <= lMax; l++) out[l] = ((2 * l + d - 4) * t * out[l - 1]! - (l - 1) * out[l - 2]!) / (l + d - 3);
  return out;
}

/**
 * Normalised Gegenbauer polynomial P_ℓ^{(d)}(t) = C_ℓ^{((d−2)/2)}(t)/C_ℓ^{((d−2)/2)}(1) (Legendre for d = 3,
 * Chebyshev for d = 2): the zonal spherical harmonic on S^{d−1}.
 *
 * @example
 * legendreNormalized(2, 3, 0.5); // P₂(0.5) = −0.125
 */
export function legendreNormalized(l: number, d: number, t: number): number {
  return legendreNormalizedAll(l, d, t)[l]!;
}

/**
 * Multiplicity N(d, ℓ) = (2ℓ+d−2)(ℓ+d−3)!/(ℓ!(d−2)!) of degree-ℓ spherical harmonics on S^{d−1}
 * (N(d, 0) = 1; N(2, ℓ) = 2; N(3, ℓ) = 2ℓ+1). Exact integers while below 2^53, log-gamma beyond.
 *
 * @example
 * sphereMultiplicity(3, 2); // 5
 */
export function sphereMultiplicity(d: number, l: number): number {
  assertDim(d, 'sphereMultiplicity');
  assertDegree(l, 'sphereMultiplicity');
  if (l === 0) return 1;
  if (d === 2) return 2;
  // (2ℓ+d−2)/(ℓ+d−2) · C(ℓ+d−2, ℓ), with C built incrementally (exact while small).
  let c = 1;
  for (let i = 1; i <= l; i++) c = (c * (d - 2 + i)) / i;
  if (c < 2 ** 52) c = Math.round(c);
  const n = ((2 * l + d - 2) * c) / (l + d - 2);
  return n < 2 ** 52 ? Math.round(n) : n;
}

/** One Funk–Hecke eigenvalue with its multiplicity. */
export interface SphereEigen {
  degree: number;
  /** λ_ℓ of the integral operator with the uniform probability measure on S^{d−1}. */
  eigenvalue: number;
  multiplicity: number;
}

/**
 * Funk–Hecke eigenvalues of the dot-product kernel K(x, x′) = κ(x·x′) on the unit sphere S^{d−1} with the
 * uniform probability measure: λ_ℓ = c_d ∫₋₁¹ κ(t) P_ℓ^{(d)}(t)(1−t²)^{(d−3)/2} dt, c_d = Γ(d/2)/(√π Γ((d−1)/2)).
 *
 * Evaluated as ∫₀^π κ(cos θ)P_ℓ(cos θ) sin^{d−2}θ dθ (so √(1−t²) kinks at t = ±1, e.g. the ReLU kernel,
 * become smooth) with composite Gauss–Legendre concentrated where sin^{d−2}θ lives (|θ − π/2| ≲ 14/√d).
 *
 * *When to use:* spectra of NNGP/NTK kernels on the sphere (spectral bias, learning curves).
 * *Gotchas:* the quadrature has ABSOLUTE accuracy ~1e-16·max|κ|, so eigenvalues far below that (high ℓ at
 * large d: λ_ℓ ≈ ℓ!b_ℓ/d^ℓ) are pure rounding — use {@link funkHeckeFromPowerSeries} when κ's Taylor
 * coefficients are known. Sum rule: Σ N(d,ℓ)λ_ℓ = κ(1).
 *
 * @example
 * funkHeckeEigenvalues((t) => Math.exp(t), 3, 4); // λ_ℓ = i_ℓ(1) (modified spherical Bessel), N = 2ℓ+1
 */
export function funkHeckeEigenvalues(
  kappa: (t: number) => number,
  d: number,
  lMax: number,
  { panels = 48, panelOrder = 24 }: { panels?: number; panelOrder?: number } = {},
): SphereEigen[] {
  assertDim(d, 'funkHeckeEigenvalues');
  assertDegree(lMax, 'funkHeckeEigenvalues');
  const logCd = logGammaRatio((d - 1) / 2, 0.5) - 0.5 * Math.log(Math.PI);
  const half = d > 4 ? Math.min(Math.PI / 2, 14 / Math.sqrt(d - 2)) : Math.PI / 2;
  const rule = compositeGaussLegendre([Math.PI / 2 - half, Math.PI / 2 + half], {
    panelOrder,
    maxPanelWidth: (2 * half) / panels,
  });
  const lambda = new Float64Array(lMax + 1);
  for (let i = 0; i < rule.nodes.length; i++) {
    const th = rule.nodes[i]!;
    const t = Math.cos(th);
    const s = Math.sin(th);
    const w = rule.weights[i]! * Math.exp(logCd + (d - 2) * Math.log(s));
    if (w === 0) continue;
    const k = kappa(t);
    if (!Number.isFinite(k))
      throw new InvalidArgumentError(`funkHeckeEigenvalues: kappa(${t}) = ${k}; κ must be finite on [−1, 1]`);
    const P = legendreNormalizedAll(lMax, d, t);
    for (let l = 0; l <= lMax; l++) lambda[l]! += w * k * P[l]!;
  }
  return Array.from(lambda, (eigenvalue, degree) => ({ degree, eigenvalue, multiplicity: sphereMultiplicity(d, degree) }));
}

/**
 * Exact Funk–Hecke eigenvalues of κ(t) = Σ_k b_k t^k on S^{d−1} (no cancellation, any d, any ℓ):
 * for κ = t^k with k − ℓ = 2m ≥ 0, λ_ℓ = Γ(d/2)·k!·Γ(m+½) / (√π·2^ℓ·(2m)!·Γ(m+ℓ+d/2)) (Rodrigues + Beta
 * integral), and 0 otherwise. Large d: λ_ℓ(t^ℓ) → ℓ!/d^ℓ.
 *
 * *When to use:* polynomial / analytic kernels with known Taylor coefficients (truncate the series).
 *
 * @example
 * funkHeckeFromPowerSeries([0, 1], 3, 1)[1].eigenvalue; // linear kernel on S²: 1/3
 */
export function funkHeckeFromPowerSeries(b: readonly number[], d: number, lMax: number): SphereEigen[] {
  assertDim(d, 'funkHeckeFromPowerSeries');
  assertDegree(lMax, 'funkHeckeFromPowerSeries');
  const out: SphereEigen[] = [];
  for (let l = 0; l <= lMax; l++) {
    let lam = 0;
    for (let k = l; k < b.length; k += 2) {
      const bk = b[k]!;
      if (!Number.isFinite(bk)) throw new InvalidArgumentError(`funkHeckeFromPowerSeries: b[${k}] = ${bk}`);
      if (bk === 0) continue;
      const m = (k - l) / 2;
      const lg =
        -logGammaRatio(d / 2, m + l) +
        logGamma(k + 1) +
        logGamma(m + 0.5) -
        0.5 * Math.log(Math.PI) -
        l * Math.LN2 -
        logGamma(2 * m + 1);
      lam += bk * Math.exp(lg);
    }
    out.push({ degree: l, eigenvalue: lam, multiplicity: sphereMultiplicity(d, l) });
  }
  return out;
}

/**
 * n points uniform on the sphere of the given radius in ℝ^d (default the unit sphere S^{d−1}), as the rows of
 * an n×d matrix: normalised standard Gaussian vectors drawn with `key`.
 *
 * *When to use:* data for dot-product kernels, Monte Carlo checks of Funk–Hecke spectra. *Gotchas:* for the
 * √d-sphere convention of the papers pass `radius: Math.sqrt(d)`.
 *
 * @example
 * const X = sphereSample(key(0), 100, 3); // 100 points on S²
 */
export function sphereSample(k: Key, n: number, d: number, { radius = 1 }: { radius?: number } = {}): Mat {
  assertDim(d, 'sphereSample');
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`sphereSample: n must be a non-negative integer, got ${n}`);
  if (!(radius > 0) || !Number.isFinite(radius))
    throw new InvalidArgumentError(`sphereSample: radius must be finite and > 0, got ${radius}`);
  const z = normal(k, n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += z[i * d + j]! ** 2;
    const c = radius / Math.sqrt(s);
    for (let j = 0; j < d; j++) z[i * d + j]! *= c;
  }
  return { rows: n, cols: d, data: z };
}
