import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { type Key, fold, normal, uniform } from '@sftdl/field';

/** Input distributions for the teacher–student tasks. Row i is drawn from `fold(key, offset + i)`, so any chunking gives the same rows. */
export type InputKind = 'gaussian' | 'sphere' | 'spins';

export const INPUT_KINDS: readonly InputKind[] = ['gaussian', 'sphere', 'spins'];

function checkSize(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${v}`);
}

/** Options of {@link sampleInputs}. */
export interface InputOptions {
  /** Sphere radius (default √dim, so that |x|²/d = 1 like Gaussian inputs). */
  radius?: number;
  /** Spins: ferromagnetic bias m ∈ (−1, 1): each spin equals pattern[j] with probability (1 + m)/2 (default 0). */
  magnetization?: number;
  /** Spins: the ±1 pattern ξ that the bias points to (default all ones). */
  pattern?: ArrayLike<number>;
  /** Row offset (for chunked generation): rows offset … offset+rows−1 are produced. */
  offset?: number;
}

/**
 * Samples `rows` inputs of dimension `dim` (a sampler primitive: the key comes first): i.i.d. N(0, I_d) ('gaussian'), uniform on the sphere of radius √d
 * ('sphere'), or ±1 spins ('spins', optionally biased toward a pattern).
 *
 * @example
 * ```ts
 * const x = sampleInputs(key(0), 'gaussian', 100, 10); // 100 × 10
 * ```
 */
export function sampleInputs(k: Key, kind: InputKind, rows: number, dim: number, options: InputOptions = {}): Mat {
  if (typeof k === 'string')
    throw new InvalidArgumentError(`sampleInputs takes the key first: sampleInputs(key, '${k}', rows, dim)`);
  checkSize('rows', rows, 0);
  checkSize('dim', dim);
  const offset = options.offset ?? 0;
  const data = new Float64Array(rows * dim);
  if (kind === 'gaussian') {
    for (let i = 0; i < rows; i++) data.set(normal(fold(k, offset + i), dim), i * dim);
  } else if (kind === 'sphere') {
    const radius = options.radius ?? Math.sqrt(dim);
    if (!(radius > 0) || !Number.isFinite(radius))
      throw new InvalidArgumentError(`radius must be a positive number, got ${radius}`);
    for (let i = 0; i < rows; i++) {
      const z = normal(fold(k, offset + i), dim);
      let s = 0;
      for (let j = 0; j < dim; j++) s += z[j]! * z[j]!;
      const f = radius / Math.sqrt(s);
      for (let j = 0; j < dim; j++) data[i * dim + j] = z[j]! * f;
    }
  } else if (kind === 'spins') {
    const m = options.magnetization ?? 0;
    if (!(m > -1 && m < 1)) throw new InvalidArgumentError(`magnetization must lie in (−1, 1), got ${m}`);
    const pattern = options.pattern;
    if (pattern && pattern.length !== dim)
      throw new InvalidArgumentError(`pattern has length ${pattern.length}, expected dim = ${dim}`);
    const pAlign = (1 + m) / 2;
    for (let i = 0; i < rows; i++) {
      const u = uniform(fold(k, offset + i), dim);
      for (let j = 0; j < dim; j++) {
        const xi = pattern ? (pattern[j]! >= 0 ? 1 : -1) : 1;
        data[i * dim + j] = u[j]! < pAlign ? xi : -xi;
      }
    }
  } else {
    throw new InvalidArgumentError(`unknown input kind '${String(kind)}'; known: ${INPUT_KINDS.join(', ')}`);
  }
  return { rows, cols: dim, data };
}

/** A random unit vector in ℝ^dim (the teacher direction w*). */
export function randomDirection(k: Key, dim: number): Float64Array {
  checkSize('dim', dim);
  const z = normal(k, dim);
  let s = 0;
  for (let j = 0; j < dim; j++) s += z[j]! * z[j]!;
  const f = 1 / Math.sqrt(s);
  for (let j = 0; j < dim; j++) z[j]! *= f;
  return z;
}

/** `count` orthonormal directions in ℝ^dim (rows), by Gram–Schmidt on Gaussian vectors. */
export function randomOrthonormal(k: Key, count: number, dim: number): Float64Array[] {
  checkSize('count', count);
  if (count > dim) throw new InvalidArgumentError(`cannot draw ${count} orthonormal directions in dimension ${dim}`);
  const out: Float64Array[] = [];
  for (let c = 0; c < count; c++) {
    for (let attempt = 0; ; attempt++) {
      const v = normal(fold(k, c * 1000 + attempt), dim);
      for (let pass = 0; pass < 2; pass++)
        for (const u of out) {
          let dot = 0;
          for (let j = 0; j < dim; j++) dot += u[j]! * v[j]!;
          for (let j = 0; j < dim; j++) v[j]! -= dot * u[j]!;
        }
      let s = 0;
      for (let j = 0; j < dim; j++) s += v[j]! * v[j]!;
      if (s > 1e-12) {
        const f = 1 / Math.sqrt(s);
        for (let j = 0; j < dim; j++) v[j]! *= f;
        out.push(v);
        break;
      }
    }
  }
  return out;
}
