import { InvalidArgumentError, philox4x32, type Mat } from '@sftdl/compute';

/** Philox4x32-10 block function (defined in `@sftdl/compute`, which the Langevin noise stream shares); re-exported. */
export { philox4x32 };

/**
 * An immutable random key (Philox4x32-10 key words). Derive new keys with {@link split} / {@link fold};
 * never reuse a key for two different purposes.
 */
export interface Key {
  readonly kind: 'philox4x32';
  readonly k0: number;
  readonly k1: number;
}

/** A key from an integer seed in [0, 2^53). Same seed → same key → same numbers, everywhere. */
export function key(seed: number): Key {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(`seed must be a non-negative safe integer, got ${seed}`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  // Scramble once so that nearby seeds give unrelated keys.
  const out = new Uint32Array(4);
  philox4x32(lo, hi, 0x5eed5eed, 0x13579bdf, 0x2545f491, 0x9e3779b9, out);
  return Object.freeze({ kind: 'philox4x32', k0: out[0]!, k1: out[1]! });
}

function isKey(k: unknown): k is Key {
  return typeof k === 'object' && k !== null && (k as Key).kind === 'philox4x32';
}

function assertKey(k: Key): void {
  if (!isKey(k)) throw new InvalidArgumentError('expected a random key from key(seed), split(key, n) or fold(key, i)');
}

/**
 * n independent child keys. For n = 2, 3 or 4 given as a literal the result is typed as a tuple, so
 * `const [a, b] = split(k)` needs no index checks.
 */
export function split(k: Key, n?: 2): [Key, Key];
export function split(k: Key, n: 3): [Key, Key, Key];
export function split(k: Key, n: 4): [Key, Key, Key, Key];
export function split(k: Key, n: number): Key[];
export function split(k: Key, n = 2): Key[] {
  assertKey(k);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`split: n must be a positive integer, got ${n}`);
  const out = new Uint32Array(4);
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) {
    philox4x32(i, 0, 0x73706c74, 0x1, k.k0, k.k1, out);
    keys.push(Object.freeze({ kind: 'philox4x32', k0: out[0]!, k1: out[1]! }));
  }
  return keys;
}

/** A child key indexed by the integer `i` (for per-item keys without materialising a split). */
export function fold(k: Key, i: number): Key {
  assertKey(k);
  if (!Number.isSafeInteger(i) || i < 0)
    throw new InvalidArgumentError(`fold: index must be a non-negative safe integer, got ${i}`);
  const out = new Uint32Array(4);
  philox4x32(i >>> 0, Math.floor(i / 4294967296) >>> 0, 0x666f6c64, 0x2, k.k0, k.k1, out);
  return Object.freeze({ kind: 'philox4x32', k0: out[0]!, k1: out[1]! });
}

/** Serialisable form of a key (for result files and checkpoints). */
export function keyToJSON(k: Key): { kind: 'philox4x32'; k0: number; k1: number } {
  assertKey(k);
  return { kind: 'philox4x32', k0: k.k0, k1: k.k1 };
}

/** Inverse of {@link keyToJSON}. */
export function keyFromJSON(v: unknown): Key {
  if (!isKey(v) || !Number.isInteger(v.k0) || !Number.isInteger(v.k1))
    throw new InvalidArgumentError('not a serialised key: expected { kind: "philox4x32", k0, k1 }');
  return Object.freeze({ kind: 'philox4x32', k0: v.k0 >>> 0, k1: v.k1 >>> 0 });
}

const INV_2_53 = 1 / 9007199254740992;

/**
 * n uniform doubles in the open interval (0, 1), 53 random bits each.
 * Counter block j yields two numbers, so `uniform(k, n)` is a prefix of `uniform(k, m)` for n ≤ m.
 */
export function uniform(k: Key, n: number): Float64Array {
  assertKey(k);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`uniform: n must be a non-negative integer, got ${n}`);
  const res = new Float64Array(n);
  const out = new Uint32Array(4);
  for (let j = 0, i = 0; i < n; j++) {
    philox4x32(j >>> 0, Math.floor(j / 4294967296) >>> 0, 0, 0, k.k0, k.k1, out);
    res[i++] = ((out[0]! >>> 5) * 67108864 + (out[1]! >>> 6) + 0.5) * INV_2_53;
    if (i < n) res[i++] = ((out[2]! >>> 5) * 67108864 + (out[3]! >>> 6) + 0.5) * INV_2_53;
  }
  return res;
}

/** n standard normal doubles (Box–Muller on {@link uniform}). */
export function normal(k: Key, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`normal: n must be a non-negative integer, got ${n}`);
  const m = n + (n & 1);
  const u = uniform(k, m);
  const res = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u[i]!));
    const t = 2 * Math.PI * u[i + 1]!;
    res[i] = r * Math.cos(t);
    if (i + 1 < n) res[i + 1] = r * Math.sin(t);
  }
  return res;
}

/** A rows × cols matrix of i.i.d. N(0, std²) entries. */
export function normalMat(k: Key, rows: number, cols: number, std = 1): Mat {
  const d = normal(k, rows * cols);
  if (std !== 1) for (let i = 0; i < d.length; i++) d[i]! *= std;
  return { rows, cols, data: d };
}
