import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { type Key, keyToJSON, uniform } from '@sftdl/field';
import type { Dataset } from './types';

/** Deterministic primality test (trial division; P in the papers is a few hundred). */
export function isPrime(p: number): boolean {
  if (!Number.isInteger(p) || p < 2) return false;
  if (p % 2 === 0) return p === 2;
  for (let f = 3; f * f <= p; f += 2) if (p % f === 0) return false;
  return true;
}

/**
 * Options of {@link modularAddition}. The full table involves no randomness and needs no key; a train/test split
 * (`trainFraction`) needs one (the type requires it).
 */
export type ModularOptions = {
  /** The modulus P (prime unless `allowComposite`). */
  prime: number;
  /** Opt out of the primality check (the theory's Fourier analysis assumes a prime modulus). */
  allowComposite?: boolean;
} & (
  | {
      /** The whole P² table trains (the theory's setting). */
      trainFraction?: undefined;
      /** Recorded in the metadata when given (the table itself does not depend on it). */
      key?: Key;
    }
  | {
      /** Fraction of the P² table used for training, in (0, 1]. */
      trainFraction: number;
      /** Key of the random train/test split. */
      key: Key;
    }
);

function pairRows(pairs: readonly number[], P: number): { x: Mat; y: Mat } {
  const n = pairs.length;
  const x = new Float64Array(n * 2 * P);
  const y = new Float64Array(n * P);
  for (let r = 0; r < n; r++) {
    const idx = pairs[r]!;
    const a = Math.floor(idx / P),
      b = idx % P;
    x[r * 2 * P + a] = 1;
    x[r * 2 * P + P + b] = 1;
    const s = (a + b) % P;
    for (let p = 0; p < P; p++) y[r * P + p] = (p === s ? 1 : 0) - 1 / P;
  }
  return { x: { rows: n, cols: 2 * P, data: x }, y: { rows: n, cols: P, data: y } };
}

/**
 * Modular addition (the grokking paper's second task): two-hot inputs x_{nm} ∈ ℝ^{2P} (1 at n and at P+m),
 * targets y_p = δ_{p,(n+m) mod P} − 1/P (P outputs, no DC component). Without `trainFraction`, `x`/`y` hold the
 * whole P² table in the order (n, m) = (0,0), (0,1), …; with it, a keyed random subset trains and the rest tests.
 *
 * @example
 * ```ts
 * const ds = modularAddition({ prime: 7 }); // 49 × 14 inputs, 49 × 7 targets
 * ```
 */
export function modularAddition(o: ModularOptions): Dataset {
  const P = o.prime;
  if (!Number.isInteger(P) || P < 2) throw new InvalidArgumentError(`prime must be an integer ≥ 2, got ${P}`);
  if (!o.allowComposite && !isPrime(P))
    throw new InvalidArgumentError(
      `prime must be prime (got ${P}); the theory's Fourier modes assume a prime modulus — pass allowComposite: true to opt out`,
    );
  const f = o.trainFraction ?? 1;
  if (!(f > 0 && f <= 1)) throw new InvalidArgumentError(`trainFraction must lie in (0, 1], got ${f}`);
  const all = Array.from({ length: P * P }, (_, i) => i);
  let train = all,
    test: number[] = [];
  if (f < 1) {
    if (!o.key) throw new InvalidArgumentError('modularAddition: a key is needed for a train/test split (trainFraction < 1)');
    const u = uniform(o.key, P * P);
    const perm = all.slice().sort((i, j) => u[i]! - u[j]! || i - j);
    const nTrain = Math.max(1, Math.round(f * P * P));
    train = perm.slice(0, nTrain).sort((a, b) => a - b);
    test = perm.slice(nTrain).sort((a, b) => a - b);
  }
  const tr = pairRows(train, P);
  const ds: Dataset = {
    x: tr.x,
    y: tr.y,
    meta: {
      teacher: 'modular',
      inputs: 'two-hot',
      samples: train.length,
      testSamples: test.length,
      dim: 2 * P,
      outputs: P,
      key: o.key ? keyToJSON(o.key) : { kind: 'philox4x32', k0: 0, k1: 0 },
      params: { prime: P, trainFraction: f, fullTable: f === 1 },
    },
  };
  if (test.length > 0) {
    const te = pairRows(test, P);
    ds.xTest = te.x;
    ds.yTest = te.y;
  }
  return ds;
}
