import { erfcx, InvalidArgumentError } from '@sftdl/compute';
import { compositeGaussLegendre } from './quadrature';
import { brent, minimize1d } from './solvers';

/** A local minimum of an action Ŝ on an interval. */
export interface LocalMinimum {
  q: number;
  /** Ŝ(q). */
  S: number;
  /** Ŝ″(q) (one-sided at an interval end). */
  curvature: number;
  /** Ŝ′(q): ≈ 0 inside, pointing into the interval (> 0 at the left end, < 0 at the right end) at a boundary minimum. */
  slope: number;
  /** True when the minimum sits at an end of the interval (a "boundary state", e.g. q = 0 for q = |w|²); its slope may be non-zero. */
  boundary: boolean;
}

export interface MinimaOptions {
  /** Number of grid points for the initial scan (default 2001). Minima narrower than the grid spacing are missed. */
  grid?: number;
  /** Analytic Ŝ′ (default: 5-point finite differences, ~1e-11 relative on smooth Ŝ). */
  dS?: (q: number) => number;
  /** Analytic Ŝ″ (default: 5-point finite differences, ~1e-8 relative). */
  d2S?: (q: number) => number;
}

function checkInterval([a, b]: readonly [number, number], what: string): void {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(b > a))
    throw new InvalidArgumentError(`${what}: interval must be finite with a < b, got [${a}, ${b}]`);
}

function evalS(S: (q: number) => number, q: number, what: string): number {
  const v = S(q);
  if (!Number.isFinite(v))
    throw new InvalidArgumentError(`${what}: Ŝ(${q}) = ${v}; the action must be finite on the whole interval (shrink it)`);
  return v;
}

/** Finite-difference first and second derivatives that never step outside [a, b]. @internal */
export function derivatives(S: (q: number) => number, q: number, [a, b]: readonly [number, number]): { d1: number; d2: number } {
  const scale = Math.max(Math.abs(q), 1e-3 * (b - a), 1e-300);
  const h1 = 1e-3 * scale;
  const h2 = 4e-3 * scale;
  const f = (x: number) => evalS(S, x, 'derivatives');
  const central = (h: number) => q - 2 * h >= a && q + 2 * h <= b;
  let d1: number, d2: number;
  if (central(h1)) {
    d1 = (f(q - 2 * h1) - 8 * f(q - h1) + 8 * f(q + h1) - f(q + 2 * h1)) / (12 * h1);
  } else {
    const s = q - a < b - q ? 1 : -1; // step into the interval
    const h = s * h1;
    d1 = (-25 * f(q) + 48 * f(q + h) - 36 * f(q + 2 * h) + 16 * f(q + 3 * h) - 3 * f(q + 4 * h)) / (12 * h);
  }
  if (central(h2)) {
    d2 = (-f(q - 2 * h2) + 16 * f(q - h2) - 30 * f(q) + 16 * f(q + h2) - f(q + 2 * h2)) / (12 * h2 * h2);
  } else {
    const s = q - a < b - q ? 1 : -1;
    const h = s * h2;
    d2 =
      (45 * f(q) - 154 * f(q + h) + 214 * f(q + 2 * h) - 156 * f(q + 3 * h) + 61 * f(q + 4 * h) - 10 * f(q + 5 * h)) /
      (12 * h * h);
  }
  return { d1, d2 };
}

/**
 * Every local minimum of Ŝ on [a, b]: a grid scan, then polishing of each bracket by Brent on Ŝ′ (position
 * ~1e-12 with analytic or smooth finite-difference derivatives). End points count as (boundary) minima when Ŝ
 * increases into the interval there.
 *
 * *When to use:* before any saddle-point evaluation: the posterior of a large-D action is a mixture over
 * these minima. *Gotchas:* minima narrower than the grid spacing (b − a)/(grid − 1) are missed; the trivial
 * boundary state (e.g. q = 0 for q = |w|²) is included — filter it out yourself when you want min_{q≠0}.
 *
 * @example
 * findLocalMinima((q) => (q * q - 1) ** 2, [-2, 2]).map((m) => m.q); // [−1, 1]
 */
export function findLocalMinima(
  S: (q: number) => number,
  interval: readonly [number, number],
  { grid = 2001, dS, d2S }: MinimaOptions = {},
): LocalMinimum[] {
  checkInterval(interval, 'findLocalMinima');
  if (!Number.isInteger(grid) || grid < 5)
    throw new InvalidArgumentError(`findLocalMinima: grid must be an integer ≥ 5, got ${grid}`);
  const [a, b] = interval;
  const h = (b - a) / (grid - 1);
  const xs = new Float64Array(grid);
  const fs = new Float64Array(grid);
  for (let i = 0; i < grid; i++) {
    xs[i] = i === grid - 1 ? b : a + i * h;
    fs[i] = evalS(S, xs[i]!, 'findLocalMinima');
  }
  const deriv = (q: number) => {
    const fd = dS && d2S ? undefined : derivatives(S, q, interval);
    return { d1: dS ? dS(q) : fd!.d1, d2: d2S ? d2S(q) : fd!.d2 };
  };
  const d1 = (q: number) => (dS ? dS(q) : derivatives(S, q, interval).d1);
  const out: LocalMinimum[] = [];
  const push = (q: number, boundary: boolean) => {
    if (out.some((m) => Math.abs(m.q - q) < 0.5 * h)) return;
    const { d1: slope, d2: curvature } = deriv(q);
    out.push({ q, S: evalS(S, q, 'findLocalMinima'), curvature, slope, boundary });
  };
  const polish = (lo: number, hi: number) => {
    const dl = d1(lo),
      dh = d1(hi);
    if (dl <= 0 && dh >= 0 && dl !== dh) {
      const r = brent(d1, lo, hi, { tol: 1e-15 * Math.max(1, Math.abs(lo), Math.abs(hi)) });
      return r.root;
    }
    return minimize1d(S, lo, hi, { tol: 1e-12 }).x;
  };
  for (let i = 0; i < grid; i++) {
    const left = i > 0 ? fs[i - 1]! : Infinity;
    const right = i < grid - 1 ? fs[i + 1]! : Infinity;
    if (!(fs[i]! <= left && fs[i]! < right) && !(fs[i]! < left && fs[i]! <= right)) continue;
    if (i === 0 || i === grid - 1) {
      const q = xs[i]!;
      const slope = d1(q);
      const inward = i === 0 ? slope : -slope;
      if (inward > 0) push(q, true);
      else {
        const p = i === 0 ? polish(a, xs[1]!) : polish(xs[grid - 2]!, b);
        push(p, p === a || p === b);
      }
    } else {
      const q = polish(xs[i - 1]!, xs[i + 1]!);
      push(q, q === a || q === b);
    }
  }
  return out.sort((p, q) => p.q - q.q);
}

/** A minimum with its share of the integral. */
export interface WeightedMinimum extends LocalMinimum {
  /** Fraction of ∫e^{−DŜ} carried by this minimum's basin (weights sum to 1): the Gaussian-mixture weight. */
  weight: number;
}

/** Result of a large-parameter integral ∫ g(q) e^{−D·Ŝ(q)} dq. */
export interface LargeDeviationResult {
  /** ln ∫ e^{−DŜ(q)} dq (the normaliser, g ≡ 1). */
  logZ: number;
  /** ∫ g(q) e^{−DŜ(q)} dq. When it would overflow float64, reading it throws (never Inf); use logAbsValue/sign or `mean`. */
  value: number;
  /** ln |∫ g e^{−DŜ}| (−Infinity when the integral is exactly 0). */
  logAbsValue: number;
  sign: number;
  /** ∫ g e^{−DŜ} / ∫ e^{−DŜ}: the posterior mean of g (always representable). */
  mean: number;
  minima: WeightedMinimum[];
}

function logSumExp(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

function finishValue(logZ: number, mean: number, minima: WeightedMinimum[], what: string): LargeDeviationResult {
  const sign = Math.sign(mean);
  const logAbsValue = logZ + Math.log(Math.abs(mean));
  const value = sign === 0 ? 0 : sign * Math.exp(logAbsValue);
  const result = { logZ, logAbsValue, sign, mean, minima } as LargeDeviationResult;
  if (Number.isFinite(value)) {
    result.value = value;
  } else {
    // Everything else stays usable; only reading `value` throws (and JSON.stringify skips it).
    Object.defineProperty(result, 'value', {
      enumerable: false,
      get() {
        throw new InvalidArgumentError(
          `${what}: ∫ g e^{−DŜ} overflows float64 (ln|value| = ${logAbsValue.toFixed(1)}); read logAbsValue/sign, or subtract a constant from Ŝ`,
        );
      },
    });
  }
  return result;
}

export interface LargeDeviationOptions extends MinimaOptions {
  /** The observable g (default 1). */
  g?: (q: number) => number;
}

/**
 * Laplace (saddle-point) approximation of ∫ₐᵇ g(q) e^{−D·Ŝ(q)} dq summed over all local minima: interior
 * minima contribute g(q*)e^{−DŜ(q*)}√(2π/(DŜ″(q*))) (the Gaussian fluctuation); boundary minima with slope
 * σ and curvature c contribute g·e^{−DŜ}·√(π/(2Dc))·e^{x²}erfc(x), x = σ√(D/(2c)) (→ 1/(Dσ) for large x,
 * → half a Gaussian for σ → 0). Exact for a quadratic action (and linear g) on a wide interval; relative
 * error O(1/D) otherwise.
 *
 * *When to use:* the D → ∞ asymptotics, and a cross-check of {@link largeDeviationIntegral}.
 * *Gotchas:* a flat (quartic) minimum has Ŝ″ = 0 and breaks Laplace — this throws; use
 * largeDeviationIntegral. Weights are the Laplace mixture weights.
 *
 * @example
 * laplaceApproximation((q) => 0.5 * (q - 1) ** 2, 100, [-9, 11]).logZ; // ½ ln(2π/100)
 */
export function laplaceApproximation(
  S: (q: number) => number,
  D: number,
  interval: readonly [number, number],
  options: LargeDeviationOptions = {},
): LargeDeviationResult {
  if (!(D > 0) || !Number.isFinite(D)) throw new InvalidArgumentError(`laplaceApproximation: D must be finite and > 0, got ${D}`);
  const g = options.g ?? (() => 1);
  const minima = findLocalMinima(S, interval, options);
  const logs = minima.map((m) => {
    if (m.boundary) {
      // ∫₀^∞ e^{−D(σq + cq²/2)} dq = √(π/(2Dc))·erfcx(σ√(D/(2c))): uniform in σ, exact for a quadratic action.
      const sigma = Math.abs(m.slope);
      if (m.curvature > 0)
        return (
          -D * m.S + 0.5 * Math.log(Math.PI / (2 * D * m.curvature)) + Math.log(erfcx(sigma * Math.sqrt(D / (2 * m.curvature))))
        );
      return -D * m.S - Math.log(D * sigma);
    }
    if (!(m.curvature > 0))
      throw new InvalidArgumentError(
        `laplaceApproximation: Ŝ″(${m.q}) = ${m.curvature} ≤ 0 at a minimum (flat/quartic); use largeDeviationIntegral`,
      );
    return -D * m.S + 0.5 * Math.log((2 * Math.PI) / (D * m.curvature));
  });
  const logZ = logSumExp(logs);
  const weighted = minima.map((m, i) => ({ ...m, weight: Math.exp(logs[i]! - logZ) }));
  let mean = 0;
  for (const m of weighted) mean += m.weight * g(m.q);
  if (!Number.isFinite(mean)) throw new InvalidArgumentError('laplaceApproximation: g is not finite at a minimum');
  return finishValue(logZ, mean, weighted, 'laplaceApproximation');
}

/**
 * ∫ₐᵇ g(q) e^{−D·Ŝ(q)} dq evaluated robustly for large D (tested to D = 10⁴): minima are located first,
 * a composite Gauss–Legendre rule is graded geometrically around each (panel widths ∝ the Gaussian width
 * 1/√(DŜ″), or 1/(D|Ŝ′|) at boundary minima), and the sum is done in log space (log-sum-exp), so nothing
 * underflows. Each minimum's mixture weight is the integral over its basin (split at the maxima between
 * minima) divided by the total.
 *
 * *When to use:* finite-D posteriors p(q) ∝ e^{−DŜ(q)} (order-parameter distributions, first-order
 * transitions), where Laplace misses O(1/D) corrections or the minima are nearly degenerate.
 * *Gotchas:* Ŝ must be finite on [a, b]; measured accuracy ~1e-13 relative on logZ and mean for smooth Ŝ
 * (Gamma-function closed forms); g should be smooth on the scale of the Gaussian width.
 *
 * @example
 * // ∫₀^∞ e^{−D(q − ln q)} dq = Γ(D+1)/D^{D+1}
 * largeDeviationIntegral(() => 1, (q) => q - Math.log(q), 1000, [1e-9, 5]).logZ;
 */
export function largeDeviationIntegral(
  g: (q: number) => number,
  S: (q: number) => number,
  D: number,
  interval: readonly [number, number],
  { grid = 2001, dS, d2S, panelOrder = 16, panels = 64 }: MinimaOptions & { panelOrder?: number; panels?: number } = {},
): LargeDeviationResult {
  if (!(D > 0) || !Number.isFinite(D))
    throw new InvalidArgumentError(`largeDeviationIntegral: D must be finite and > 0, got ${D}`);
  checkInterval(interval, 'largeDeviationIntegral');
  const [a, b] = interval;
  const minima = findLocalMinima(S, interval, { grid, dS, d2S });
  if (minima.length === 0)
    throw new InvalidArgumentError(
      'largeDeviationIntegral: no minimum found on the interval (is Ŝ finite and the grid fine enough?)',
    );
  // Basin boundaries: the highest grid point between consecutive minima.
  const cuts: number[] = [];
  for (let j = 0; j + 1 < minima.length; j++) {
    const lo = minima[j]!.q,
      hi = minima[j + 1]!.q;
    let best = lo,
      fb = -Infinity;
    const n = 200;
    for (let i = 1; i < n; i++) {
      const x = lo + ((hi - lo) * i) / n;
      const v = evalS(S, x, 'largeDeviationIntegral');
      if (v > fb) {
        fb = v;
        best = x;
      }
    }
    cuts.push(best);
  }
  const breaks: number[] = [...cuts];
  for (let i = 1; i < panels; i++) breaks.push(a + ((b - a) * i) / panels);
  for (const m of minima) {
    const inv = Math.max(m.boundary ? D * Math.abs(m.slope) : 0, Math.sqrt(D * Math.max(0, m.curvature)));
    const width = inv > 0 ? 1 / inv : (b - a) / panels;
    breaks.push(m.q);
    for (let w = width / 4; w < b - a; w *= 2) breaks.push(m.q - w, m.q + w);
  }
  const rule = compositeGaussLegendre([a, b], { breakpoints: breaks, panelOrder, maxPanelWidth: b - a });
  const n = rule.nodes.length;
  const logw = new Float64Array(n);
  let maxLog = -Infinity;
  for (let i = 0; i < n; i++) {
    logw[i] = Math.log(rule.weights[i]!) - D * evalS(S, rule.nodes[i]!, 'largeDeviationIntegral');
    if (logw[i]! > maxLog) maxLog = logw[i]!;
  }
  const basin = new Float64Array(minima.length);
  let z = 0,
    gz = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(logw[i]! - maxLog);
    if (w === 0) continue;
    const q = rule.nodes[i]!;
    const gv = g(q);
    if (!Number.isFinite(gv)) throw new InvalidArgumentError(`largeDeviationIntegral: g(${q}) = ${gv}`);
    z += w;
    gz += w * gv;
    let k = 0;
    while (k < cuts.length && q > cuts[k]!) k++;
    basin[k]! += w;
  }
  const logZ = maxLog + Math.log(z);
  const weighted = minima.map((m, i) => ({ ...m, weight: basin[i]! / z }));
  return finishValue(logZ, gz / z, weighted, 'largeDeviationIntegral');
}
