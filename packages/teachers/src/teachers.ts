import {
  InvalidArgumentError,
  type Mat,
  NotPositiveDefiniteError,
  ShapeError,
  erf,
  matVec,
  referenceBackend,
  type ComputeBackend,
} from '@sftdl/compute';
import { type Key, factorial, hermiteHeAll, normal, split } from '@sftdl/field';
import { randomDirection, randomOrthonormal } from './inputs';
import type { Teacher } from './types';

function checkDim(dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new InvalidArgumentError(`dim must be a positive integer, got ${dim}`);
}

function unitVector(v: ArrayLike<number>, dim: number, what: string): Float64Array {
  if (v.length !== dim) throw new ShapeError(`${what} has length ${v.length}, expected dim = ${dim}`);
  let s = 0;
  for (let j = 0; j < dim; j++) s += v[j]! * v[j]!;
  if (!(s > 0) || !Number.isFinite(s)) throw new InvalidArgumentError(`${what} must be a finite non-zero vector`);
  const out = new Float64Array(dim);
  for (let j = 0; j < dim; j++) out[j] = v[j]! / Math.sqrt(s);
  return out;
}

function projections(x: Mat, w: Float64Array): Float64Array {
  if (x.cols !== w.length) throw new ShapeError(`inputs have ${x.cols} columns but the teacher expects dim = ${w.length}`);
  return matVec(x, w);
}

/** √(k!) for the normalised Hermite convention. */
function sqrtFactorial(k: number): number {
  return Math.sqrt(factorial(k));
}

/**
 * Where a teacher's unit direction comes from: drawn from `key`, or given as `direction` (normalised for you).
 * Exactly one of the two: the type says so, and a call with neither (from untyped code) throws.
 */
export type DirectionSource = { key: Key; direction?: undefined } | { direction: ArrayLike<number>; key?: undefined };

function teacherDirection(o: DirectionSource, dim: number, who: string): Float64Array {
  if (o.direction) return unitVector(o.direction, dim, 'direction');
  if (!o.key) throw new InvalidArgumentError(`${who}: pass a random key (key(seed)) or an explicit direction`);
  return randomDirection(o.key, dim);
}

/** Σ_k c_k He_k(z) (plain) or Σ_k c_k He_k(z)/√k! (normalised). */
function hermiteSeries(z: number, coefficients: readonly number[], normalized: boolean): number {
  const he = hermiteHeAll(coefficients.length - 1, z);
  let s = 0;
  for (let k = 0; k < coefficients.length; k++) {
    const c = coefficients[k]!;
    if (c !== 0) s += (c * he[k]!) / (normalized ? sqrtFactorial(k) : 1);
  }
  return s;
}

/**
 * Linear teacher y = w*·x with a unit direction w* (random from `key` unless given).
 *
 * @example
 * ```ts
 * const t = linearTeacher({ dim: 10, key: key(1) });
 * ```
 */
export function linearTeacher(o: { dim: number; scale?: number } & DirectionSource): Teacher {
  checkDim(o.dim);
  const w = teacherDirection(o, o.dim, 'linearTeacher');
  const scale = o.scale ?? 1;
  return {
    name: 'linear',
    dim: o.dim,
    outputs: 1,
    evaluate: (x) => {
      const z = projections(x, w);
      for (let i = 0; i < z.length; i++) z[i]! *= scale;
      return { rows: x.rows, cols: 1, data: z };
    },
    meta: { teacherDirection: Array.from(w), hermite: { convention: 'plain', coefficients: [0, scale] }, params: { scale } },
  };
}

/**
 * Single-index Hermite teacher y = Σ_k c_k He_k(w*·x), |w*| = 1, probabilists' He_k (plain, or He_k/√k! when
 * `normalized`). Under Gaussian inputs E[y²] = Σ_k c_k² k! (plain) or Σ_k c_k² (normalised).
 */
export function hermiteTeacher(
  o: {
    dim: number;
    coefficients: readonly number[];
    normalized?: boolean;
    name?: string;
    params?: Record<string, unknown>;
  } & DirectionSource,
): Teacher {
  checkDim(o.dim);
  if (o.coefficients.length === 0 || o.coefficients.some((c) => !Number.isFinite(c)))
    throw new InvalidArgumentError('coefficients must be a non-empty list of finite numbers (index = Hermite degree)');
  const w = teacherDirection(o, o.dim, 'hermiteTeacher');
  const normalized = o.normalized ?? false;
  const coefficients = [...o.coefficients];
  return {
    name: o.name ?? 'hermite',
    dim: o.dim,
    outputs: 1,
    evaluate: (x) => {
      const z = projections(x, w);
      for (let i = 0; i < z.length; i++) z[i] = hermiteSeries(z[i]!, coefficients, normalized);
      return { rows: x.rows, cols: 1, data: z };
    },
    meta: {
      teacherDirection: Array.from(w),
      hermite: { convention: normalized ? 'normalized' : 'plain', coefficients },
      params: { ...(o.params ?? {}) },
    },
  };
}

/**
 * The grokking paper's cubic teacher y = He₁(w*·x) + ε·He₃(w*·x), |w*| = 1, plain probabilists' Hermite
 * (He₃(z) = z³ − 3z). Under Gaussian inputs E[y] = 0 and E[y²] = 1 + 6ε².
 *
 * @example
 * ```ts
 * const t = cubicTeacher({ dim: 150, epsilon: -0.3, key: key(0) });
 * ```
 */
export function cubicTeacher(o: { dim: number; epsilon: number } & DirectionSource): Teacher {
  if (!Number.isFinite(o.epsilon)) throw new InvalidArgumentError(`epsilon must be finite, got ${o.epsilon}`);
  return hermiteTeacher({
    ...o,
    coefficients: [0, 1, 0, o.epsilon],
    normalized: false,
    name: 'cubic',
    params: { epsilon: o.epsilon },
  });
}

/**
 * Multi-index Hermite teacher y = Σ_t c_t Π_j He_{k_tj}(w_j·x) with orthonormal directions w_j.
 * Terms: `[{ coefficient, degrees: [k_1, …, k_r] }]` with one degree per direction.
 */
export function multiIndexTeacher(
  o: { dim: number; terms: readonly { coefficient: number; degrees: readonly number[] }[]; normalized?: boolean } & (
    { key: Key; count?: number; directions?: undefined } | { directions: ArrayLike<number>[]; key?: undefined }
  ),
): Teacher {
  checkDim(o.dim);
  let dirs: Float64Array[];
  if (o.directions) dirs = o.directions.map((d, i) => unitVector(d, o.dim, `directions[${i}]`));
  else if (o.key) dirs = randomOrthonormal(o.key, o.count ?? 2, o.dim);
  else throw new InvalidArgumentError('multiIndexTeacher: pass a random key (key(seed)) or explicit directions');
  const r = dirs.length;
  for (const t of o.terms) {
    if (t.degrees.length !== r)
      throw new InvalidArgumentError(`each term needs ${r} degrees (one per direction), got ${t.degrees.length}`);
    if (t.degrees.some((k) => !Number.isInteger(k) || k < 0))
      throw new InvalidArgumentError('degrees must be non-negative integers');
  }
  const normalized = o.normalized ?? false;
  const kMax = Math.max(0, ...o.terms.flatMap((t) => t.degrees));
  return {
    name: 'multi-index',
    dim: o.dim,
    outputs: 1,
    evaluate: (x) => {
      const zs = dirs.map((w) => projections(x, w));
      const y = new Float64Array(x.rows);
      for (let i = 0; i < x.rows; i++) {
        const he = zs.map((z) => hermiteHeAll(kMax, z[i]!));
        let s = 0;
        for (const t of o.terms) {
          let p = t.coefficient;
          t.degrees.forEach((k, j) => {
            p *= he[j]![k]! / (normalized ? sqrtFactorial(k) : 1);
          });
          s += p;
        }
        y[i] = s;
      }
      return { rows: x.rows, cols: 1, data: y };
    },
    meta: { teacherDirections: dirs.map((d) => Array.from(d)), params: { terms: o.terms, normalized } },
  };
}

/**
 * Random two-layer network teacher y = Σ_i a_i φ(w_i·x), w_i ~ N(0, σ_w²/d I), a_i ~ N(0, σ_a²/N).
 */
export function twoLayerTeacher(o: {
  dim: number;
  width: number;
  activation: 'erf' | 'relu' | 'tanh' | 'linear';
  key: Key;
  sigmaW2?: number;
  sigmaA2?: number;
}): Teacher {
  checkDim(o.dim);
  if (!Number.isInteger(o.width) || o.width < 1)
    throw new InvalidArgumentError(`width must be a positive integer, got ${o.width}`);
  const sw2 = o.sigmaW2 ?? 1,
    sa2 = o.sigmaA2 ?? 1;
  if (!(sw2 > 0) || !(sa2 > 0)) throw new InvalidArgumentError('sigmaW2 and sigmaA2 must be positive');
  const phi = { erf, relu: (z: number) => (z > 0 ? z : 0), tanh: Math.tanh, linear: (z: number) => z }[o.activation];
  if (!phi) throw new InvalidArgumentError(`activation must be one of erf, relu, tanh, linear; got '${o.activation}'`);
  const [kw, ka] = split(o.key, 2);
  const W = normal(kw!, o.width * o.dim).map((v) => v * Math.sqrt(sw2 / o.dim));
  const a = normal(ka!, o.width).map((v) => v * Math.sqrt(sa2 / o.width));
  return {
    name: 'two-layer',
    dim: o.dim,
    outputs: 1,
    evaluate: (x) => {
      if (x.cols !== o.dim) throw new ShapeError(`inputs have ${x.cols} columns, expected ${o.dim}`);
      const y = new Float64Array(x.rows);
      for (let i = 0; i < x.rows; i++) {
        let s = 0;
        for (let n = 0; n < o.width; n++) {
          let h = 0;
          for (let j = 0; j < o.dim; j++) h += W[n * o.dim + j]! * x.data[i * o.dim + j]!;
          s += a[n]! * phi(h);
        }
        y[i] = s;
      }
      return { rows: x.rows, cols: 1, data: y };
    },
    meta: {
      params: {
        width: o.width,
        activation: o.activation,
        sigmaW2: sw2,
        sigmaA2: sa2,
        W: { rows: o.width, cols: o.dim, data: Array.from(W) },
        a: Array.from(a),
      },
    },
  };
}

/**
 * Ising-like linearly separable spin task (library definition, docs/theory/multi-scale-adaptive.md §11):
 * y = sign(ξ·x) (ties → +1), or the regression variant y = ξ·x/√d. Use with `sampleInputs(key, 'spins', …)`.
 */
export function isingTeacher(
  o: { dim: number; variant?: 'sign' | 'linear' } & (
    { key: Key; pattern?: undefined } | { pattern: ArrayLike<number>; key?: undefined }
  ),
): Teacher {
  checkDim(o.dim);
  let xi: Float64Array;
  if (o.pattern) {
    if (o.pattern.length !== o.dim) throw new ShapeError(`pattern has length ${o.pattern.length}, expected ${o.dim}`);
    xi = Float64Array.from(o.pattern, (v) => (v >= 0 ? 1 : -1));
  } else if (o.key) {
    xi = Float64Array.from(normal(o.key, o.dim), (v) => (v >= 0 ? 1 : -1));
  } else throw new InvalidArgumentError('isingTeacher: pass a random key (key(seed)) or an explicit ±1 pattern');
  const variant = o.variant ?? 'sign';
  return {
    name: 'ising',
    dim: o.dim,
    outputs: 1,
    evaluate: (x) => {
      const z = projections(x, xi);
      for (let i = 0; i < z.length; i++) z[i] = variant === 'sign' ? (z[i]! >= 0 ? 1 : -1) : z[i]! / Math.sqrt(o.dim);
      return { rows: x.rows, cols: 1, data: z };
    },
    meta: { params: { pattern: Array.from(xi), variant } },
  };
}

/**
 * Gaussian-process-sample teacher: a joint draw y ~ N(0, K) on the given points, K from the caller's kernel
 * function (so this package does not depend on `@sftdl/kernels`). Train and test points must be drawn together:
 * use {@link gpSampleTargets}.
 */
export function gpSampleTargets(o: {
  kernel: (a: Mat, b: Mat) => Mat;
  points: Mat;
  key: Key;
  jitter?: number;
  backend?: ComputeBackend;
}): Float64Array {
  const backend = o.backend ?? referenceBackend;
  const K = o.kernel(o.points, o.points);
  if (K.rows !== o.points.rows || K.cols !== o.points.rows)
    throw new ShapeError(`kernel returned [${K.rows}, ${K.cols}], expected [${o.points.rows}, ${o.points.rows}]`);
  let L: Mat;
  try {
    L = backend.cholesky(K, { jitter: o.jitter ?? 1e-10 });
  } catch (e) {
    if (NotPositiveDefiniteError.isInstance(e))
      throw new NotPositiveDefiniteError({
        pivot: e.pivot,
        backend: e.backend,
        suggestedJitter: e.suggestedJitter,
        detail: 'gpSampleTargets: pass a larger jitter',
      });
    throw e;
  }
  const z = normal(o.key, o.points.rows);
  return backend.matmul(L, { rows: z.length, cols: 1, data: z }).data;
}

/**
 * The attention task of the scaling note (library definition): inputs are L tokens x_l ~ N(0, I_d), flattened
 * into one row of length L·d (token l occupies columns l·d … (l+1)·d − 1); y = L^{−1/2} Σ_l He₃(w*·x_l),
 * |w*| = 1, so E[y²] = 6.
 */
export function attentionTeacher(o: { dim: number; context: number } & DirectionSource): Teacher {
  checkDim(o.dim);
  if (!Number.isInteger(o.context) || o.context < 1)
    throw new InvalidArgumentError(`context (L) must be a positive integer, got ${o.context}`);
  const d = o.dim,
    L = o.context;
  const w = teacherDirection(o, d, 'attentionTeacher');
  return {
    name: 'attention',
    dim: d * L,
    outputs: 1,
    evaluate: (x) => {
      if (x.cols !== d * L) throw new ShapeError(`token inputs must have L·d = ${d * L} columns, got ${x.cols}`);
      const y = new Float64Array(x.rows);
      for (let i = 0; i < x.rows; i++) {
        let s = 0;
        for (let l = 0; l < L; l++) {
          let z = 0;
          for (let j = 0; j < d; j++) z += w[j]! * x.data[i * d * L + l * d + j]!;
          s += z * z * z - 3 * z;
        }
        y[i] = s / Math.sqrt(L);
      }
      return { rows: x.rows, cols: 1, data: y };
    },
    meta: {
      teacherDirection: Array.from(w),
      hermite: { convention: 'plain', coefficients: [0, 0, 0, 1] },
      params: { context: L, tokenDim: d },
    },
  };
}
