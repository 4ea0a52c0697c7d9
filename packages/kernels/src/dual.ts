/**
 * Dual activations: the interface every activation's Gaussian dual implements, and the helpers shared by the
 * three ways of computing it (closed forms in `dual-closed-form.ts`, exact polynomial algebra in
 * `dual-polynomial.ts`, Mehler series in `dual-mehler.ts`); names are looked up in `dual-registry.ts`.
 */
import { InvalidArgumentError, type UnaryOp } from '@sftdl/compute';

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

/**
 * The generic block map on top of `pair`, visiting columns in blocks of `columnBlock` (default: the whole tile) so
 * that per-column data stays in cache across the rows of the tile. Entries are independent: the order does not
 * change any value.
 * @internal
 */
export function blockFromPair(pair: LayerDual['pair'], columnBlock = Infinity): LayerDual['block'] {
  const out = new Float64Array(2);
  return (K, T, off, stride, r0, nr, c0, nc) => {
    const cb = Math.min(nc, columnBlock);
    for (let j0 = 0; j0 < nc; j0 += cb) {
      const j1 = Math.min(nc, j0 + cb);
      for (let ii = 0; ii < nr; ii++) {
        const base = off + ii * stride;
        for (let jj = j0; jj < j1; jj++) {
          const idx = base + jj;
          pair(r0 + ii, c0 + jj, K[idx]!, out);
          K[idx] = out[0]!;
          T[idx]! *= out[1]!;
        }
      }
    }
  };
}

/** Clamps a correlation to [−1, 1]. @internal */
export function clampUnit(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/** @internal */
export function checkVariances(k11: number, k22: number): void {
  if (!(k11 >= 0) || !(k22 >= 0) || !Number.isFinite(k11) || !Number.isFinite(k22)) {
    throw new InvalidArgumentError(`variances must be finite and ≥ 0, got k11 = ${k11}, k22 = ${k22}`);
  }
}

/** F and Ḟ of one covariance, written into out[0] and out[1]. @internal */
export type ScalarDual = (k11: number, k12: number, k22: number, out: Float64Array) => void;

/** The `dual` method from a scalar evaluator: variances checked, a fresh {@link DualValue} returned. @internal */
export function dualFrom(evaluate: ScalarDual): DualActivation['dual'] {
  const tmp = new Float64Array(2);
  return (k11, k12, k22) => {
    checkVariances(k11, k22);
    evaluate(k11, k12, k22, tmp);
    return { f: tmp[0]!, fdot: tmp[1]! };
  };
}

/** The `diag` method from an evaluator of the coincident case k11 = k12 = k22 = v. @internal */
export function diagFrom(evaluate: (v: number, out: Float64Array) => void): DualActivation['diag'] {
  const tmp = new Float64Array(2);
  return (v) => {
    const f = new Float64Array(v.length),
      fdot = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      evaluate(v[i]!, tmp);
      f[i] = tmp[0]!;
      fdot[i] = tmp[1]!;
    }
    return { f, fdot };
  };
}
