import { InvalidArgumentError } from '@sftdl/compute';
import { derivatives, findLocalMinima, type LocalMinimum } from './laplace';
import { brent } from './solvers';

/** A one-parameter family of actions Ŝ(q; s). */
export type ActionFamily = (q: number, s: number) => number;

export interface TransitionOptions {
  /** The q interval [a, b] searched at every s (required). End points are admissible boundary states. */
  interval: readonly [number, number];
  /** q-grid points of the minimum scan (default 2001). */
  grid?: number;
  /** Analytic ∂Ŝ/∂q (optional; default finite differences). */
  dS?: (q: number, s: number) => number;
  /** Analytic ∂²Ŝ/∂q² (optional). */
  d2S?: (q: number, s: number) => number;
}

function minimaAt(S: ActionFamily, s: number, { interval, grid = 2001, dS, d2S }: TransitionOptions): LocalMinimum[] {
  return findLocalMinima((q) => S(q, s), interval, {
    grid,
    dS: dS ? (q) => dS(q, s) : undefined,
    d2S: d2S ? (q) => d2S(q, s) : undefined,
  });
}

function globalOf(ms: readonly LocalMinimum[]): LocalMinimum {
  let g = ms[0]!;
  for (const m of ms) if (m.S < g.S) g = m;
  return g;
}

function nearest(ms: readonly LocalMinimum[], q: number, exclude?: LocalMinimum): LocalMinimum | undefined {
  let best: LocalMinimum | undefined;
  for (const m of ms) if (m !== exclude && (!best || Math.abs(m.q - q) < Math.abs(best.q - q))) best = m;
  return best;
}

function checkRange([lo, hi]: readonly [number, number], what: string): void {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo))
    throw new InvalidArgumentError(`${what}: parameter range must be finite with sLo < sHi, got [${lo}, ${hi}]`);
}

/** Result of {@link degeneracyPoint}. */
export interface DegeneracyResult {
  /** The parameter s* where the two competing minima have equal action. */
  s: number;
  /** The minimum that is global below s* (first) and the one global above s* (second), evaluated at s*. */
  minima: [LocalMinimum, LocalMinimum];
  iterations: number;
  /** |Ŝ(q₁; s*) − Ŝ(q₂; s*)|. */
  residual: number;
}

/**
 * The degeneracy point of a first-order transition (the Maxwell-construction analogue): the s* in
 * [sLo, sHi] where the global minimum of Ŝ(·; s) jumps from one branch to another, i.e. two minima have equal
 * action. Found by bisection on which branch is global (branches followed by proximity), to ~1e-14·|s|.
 *
 * The competing states may include a boundary state: for the modular-addition action
 * Ŝ(x; s) = x − s·x² + (γ/3)x³ on x = |w_k|² ∈ [0, X], the trivial state x = 0 (Ŝ = 0, Ŝ′ = 1) competes with
 * the interior minimum x₊, and s* = 2√(γ/3), x₊ = √(3/γ).
 *
 * *When to use:* critical couplings u_c / σ²_c of first-order transitions. *Gotchas:* the global minimum at
 * sLo and at sHi must lie on different branches (else `InvalidArgumentError`); if several jumps lie in the
 * range one of them is returned — scan with {@link trackMinima} first.
 *
 * @example
 * const g = 1;
 * degeneracyPoint((x, s) => x - s * x * x + (g / 3) * x ** 3, [1.05, 2], { interval: [0, 10] }).s; // 2/√3
 */
export function degeneracyPoint(S: ActionFamily, range: readonly [number, number], options: TransitionOptions): DegeneracyResult {
  checkRange(range, 'degeneracyPoint');
  let [lo, hi] = range;
  const gLo = globalOf(minimaAt(S, lo, options));
  const gHi = globalOf(minimaAt(S, hi, options));
  const [a, b] = options.interval;
  const sep = 1e-6 * (b - a);
  let refA = gLo.q,
    refB = gHi.q;
  if (Math.abs(refA - refB) < sep) {
    throw new InvalidArgumentError(
      `degeneracyPoint: the global minimum is on the same branch at s = ${lo} and s = ${hi} (q ≈ ${refA}); widen the s range or use trackMinima to locate the jump`,
    );
  }
  let pair: [LocalMinimum, LocalMinimum] | undefined;
  let it = 0;
  for (; it < 200 && hi - lo > 4 * Number.EPSILON * Math.max(1, Math.abs(lo), Math.abs(hi)); it++) {
    const mid = 0.5 * (lo + hi);
    const ms = minimaAt(S, mid, options);
    const g = globalOf(ms);
    const ma = nearest(ms, refA)!;
    const mb = nearest(ms, refB, ms.length > 1 ? ma : undefined)!;
    const onA = ms.length > 1 ? g === ma : Math.abs(g.q - refA) <= Math.abs(g.q - refB);
    if (onA) {
      lo = mid;
      refA = ma.q;
    } else {
      hi = mid;
      refB = mb.q;
    }
    if (ms.length > 1) pair = [ma, mb];
  }
  const s = 0.5 * (lo + hi);
  const ms = minimaAt(S, s, options);
  if (ms.length < 2 || !pair)
    throw new InvalidArgumentError(
      `degeneracyPoint: fewer than two minima at the jump s = ${s}; the global minimum moves continuously there (not first order) or the q grid is too coarse`,
    );
  const ma = nearest(ms, refA)!;
  const mb = nearest(ms, refB, ma)!;
  return { s, minima: [ma, mb], iterations: it, residual: Math.abs(ma.S - mb.S) };
}

/** A spinodal: a local minimum appears or vanishes as s increases. */
export interface Spinodal {
  s: number;
  /** Where the minimum and the adjacent maximum merge (the inflection point with Ŝ′ = Ŝ″ = 0). */
  q: number;
  kind: 'appear' | 'vanish';
}

/**
 * Spinodals of Ŝ(q; s) in [sLo, sHi]: the parameters where an interior local minimum is born or dies (it
 * merges with a neighbouring maximum: Ŝ′ = Ŝ″ = 0). The count of minima is scanned on `sGrid` points, then each
 * change is refined by Brent in s on F(s) = Ŝ′(q_infl(s); s), q_infl the nearby inflection point
 * (F is insensitive to errors in q_infl because Ŝ″(q_infl) = 0). Accuracy ~1e-10 in s with finite differences.
 *
 * *When to use:* metastability limits of first-order transitions (hysteresis ends, σ² of first appearance
 * of the non-trivial saddle). *Gotchas:* minima born narrower than the q-grid are detected a few s-steps late
 * (the refinement walks back to the true sign change); boundary states never count.
 *
 * @example
 * spinodals((x, s) => x - s * x * x + x ** 3 / 3, [0.5, 2], { interval: [0, 10] }); // [{ s: 1, q: 1, kind: 'appear' }]
 */
export function spinodals(
  S: ActionFamily,
  range: readonly [number, number],
  options: TransitionOptions & { sGrid?: number },
): Spinodal[] {
  checkRange(range, 'spinodals');
  const { sGrid = 100, interval } = options;
  if (!Number.isInteger(sGrid) || sGrid < 2)
    throw new InvalidArgumentError(`spinodals: sGrid must be an integer ≥ 2, got ${sGrid}`);
  const [sLo, sHi] = range;
  const ss = Array.from({ length: sGrid + 1 }, (_, i) => (i === sGrid ? sHi : sLo + ((sHi - sLo) * i) / sGrid));
  const interior = (s: number) => minimaAt(S, s, options).filter((m) => !m.boundary);
  const maxima = (s: number) =>
    findLocalMinima((q) => -S(q, s), interval, { grid: options.grid ?? 2001 }).filter((m) => !m.boundary);
  const counts = ss.map((s) => interior(s));
  const out: Spinodal[] = [];
  const [qa, qb] = interval;
  for (let j = 0; j < sGrid; j++) {
    const n0 = counts[j]!.length,
      n1 = counts[j + 1]!.length;
    if (n0 === n1) continue;
    // Side where the extra minimum exists, and that minimum (the one without a partner on the other side).
    const withIt = n1 > n0 ? j + 1 : j;
    const without = n1 > n0 ? j : j + 1;
    const extra = counts[withIt]!.reduce((best, m) => {
      const d = Math.min(...counts[without]!.map((o) => Math.abs(o.q - m.q)), Infinity);
      const bd = Math.min(...counts[without]!.map((o) => Math.abs(o.q - best.q)), Infinity);
      return d > bd ? m : best;
    });
    const mx = nearest(maxima(ss[withIt]!), extra.q);
    const width = mx ? Math.abs(mx.q - extra.q) : 1e-3 * (qb - qa);
    const d2 = (q: number, s: number) => (options.d2S ? options.d2S(q, s) : derivatives((x) => S(x, s), q, interval).d2);
    const d1 = (q: number, s: number) => (options.dS ? options.dS(q, s) : derivatives((x) => S(x, s), q, interval).d1);
    let qRef = mx ? 0.5 * (mx.q + extra.q) : extra.q;
    const inflection = (s: number): number => {
      const w = Math.max(2 * width, (8 * (qb - qa)) / ((options.grid ?? 2001) - 1));
      const lo = Math.max(qa, qRef - w),
        hi = Math.min(qb, qRef + w);
      const n = 64;
      let best: number | undefined;
      let prevQ = lo,
        prevV = d2(lo, s);
      for (let i = 1; i <= n; i++) {
        const q = lo + ((hi - lo) * i) / n;
        const v = d2(q, s);
        if (prevV * v <= 0 && prevV !== v) {
          const r = brent((x) => d2(x, s), prevQ, q, { tol: 1e-13 * Math.max(1, Math.abs(q)) }).root;
          if (best === undefined || Math.abs(r - qRef) < Math.abs(best - qRef)) best = r;
        }
        prevQ = q;
        prevV = v;
      }
      if (best === undefined)
        throw new InvalidArgumentError(`spinodals: no inflection point near q = ${qRef} at s = ${s}; refine the q grid`);
      qRef = best;
      return best;
    };
    const F = (s: number) => d1(inflection(s), s);
    // Bracket a sign change of F, walking from the side with the minimum across (late detection is possible).
    const step = ss[without]! - ss[withIt]!;
    let sIn = ss[withIt]!,
      fIn = F(sIn);
    let sOut = ss[without]!,
      fOut = F(sOut);
    for (let k = 0; fIn * fOut > 0 && k < sGrid; k++) {
      sIn = sOut;
      fIn = fOut;
      sOut = Math.min(sHi, Math.max(sLo, sOut + step));
      fOut = F(sOut);
      if (sOut === sLo || sOut === sHi) break;
    }
    if (fIn * fOut > 0 && Math.min(Math.abs(fIn), Math.abs(fOut)) > 1e-10 * Math.max(Math.abs(fIn), Math.abs(fOut))) continue;
    // An end point can sit on the spinodal itself (F ≈ 0 up to finite-difference noise): take it directly.
    let root: number;
    if (Math.abs(fOut) <= 1e-10 * Math.abs(fIn)) root = sOut;
    else if (Math.abs(fIn) <= 1e-10 * Math.abs(fOut)) root = sIn;
    else root = brent(F, Math.min(sIn, sOut), Math.max(sIn, sOut), { tol: 1e-14 * Math.max(1, Math.abs(sIn)) }).root;
    out.push({ s: root, q: inflection(root), kind: n1 > n0 ? 'appear' : 'vanish' });
  }
  return out;
}

/** One s value of a {@link trackMinima} scan. */
export interface TrackPoint {
  s: number;
  minima: LocalMinimum[];
  /** Index into `minima` of the global minimum. */
  global: number;
}

/** A jump of the global minimum between two consecutive s values. */
export interface MinimumJump {
  sBefore: number;
  sAfter: number;
  /** Global-minimum position before and after the jump. */
  from: number;
  to: number;
  /** Refined degeneracy point ({@link degeneracyPoint}) inside [sBefore, sAfter], when `refine` is on. */
  sStar?: number;
}

/**
 * Path tracker along s: all local minima at every s, which one is global, and where the global minimum jumps
 * to another branch (a first-order transition), with the jump refined to the degeneracy point.
 *
 * *When to use:* phase diagrams along a control parameter (σ², u, P) — it reports metastable branches too.
 * *Gotchas:* a jump is declared when the global minimum at the next s is not the minimum nearest to the
 * previous global one; use s steps small compared with how fast the minima move.
 *
 * @example
 * const path = trackMinima((x, s) => x - s * x * x + x ** 3 / 3, [1, 1.1, 1.2, 1.3], { interval: [0, 10] });
 * path.jumps[0].sStar; // 2/√3 ≈ 1.1547
 */
export function trackMinima(
  S: ActionFamily,
  sValues: readonly number[],
  options: TransitionOptions & { refine?: boolean },
): { points: TrackPoint[]; jumps: MinimumJump[] } {
  const { refine = true } = options;
  const points: TrackPoint[] = [];
  const jumps: MinimumJump[] = [];
  for (const s of sValues) {
    if (!Number.isFinite(s)) throw new InvalidArgumentError(`trackMinima: s values must be finite, got ${s}`);
    const ms = minimaAt(S, s, options);
    const g = globalOf(ms);
    const prev = points[points.length - 1];
    if (prev) {
      const pg = prev.minima[prev.global]!;
      const cont = nearest(ms, pg.q)!;
      if (cont !== g) {
        const jump: MinimumJump = { sBefore: prev.s, sAfter: s, from: pg.q, to: g.q };
        if (refine) jump.sStar = degeneracyPoint(S, [Math.min(prev.s, s), Math.max(prev.s, s)], options).s;
        jumps.push(jump);
      }
    }
    points.push({ s, minima: ms, global: ms.indexOf(g) });
  }
  return { points, jumps };
}
