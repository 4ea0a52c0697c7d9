// The Langevin noise stream: standard normals from Philox4x32-10 counter blocks through a Box–Muller transform whose
// logarithm, sine and cosine are written here with +, −, ×, ÷ and √ only (IEEE-rounded in every runtime). So the
// TypeScript definition below, the native addon's scalar and AVX-512 kernels and any other port that performs the same
// operations in the same order (no fused multiply-add) produce the same bits: a sampler's numbers do not depend on
// whether a native backend is present.
import {
  C1,
  C2,
  C3,
  C4,
  C5,
  C6,
  C7,
  C8,
  L0,
  L1,
  L10,
  L11,
  L2,
  L3,
  L4,
  L5,
  L6,
  L7,
  L8,
  L9,
  LN2_HI,
  LN2_LO,
  S0,
  S1,
  S2,
  S3,
  S4,
  S5,
  S6,
  S7,
  S8,
  SQRT2,
} from './noise-constants';
import { philox4x32 } from './philox';
import { PHILOX_CHUNK, philoxNormalPairs, wasmPhiloxAvailable } from './wasm/philox';

/**
 * Version of the Langevin noise stream produced by {@link langevinNormalsInto}. Recorded in sampler checkpoints, so
 * that a run is never resumed with another stream. Version 1 (before) was @sftdl/field's `normal` (V8's Math.log,
 * Math.cos, Math.sin, which no native kernel reproduces); version 2 is the stream defined here.
 */
export const LANGEVIN_NOISE_STREAM = 2;

const INV_2_53 = 1 / 9007199254740992;

/** 2^k for k = 0 … 60 (exact). */
const POW2 = Array.from({ length: 61 }, (_, k) => 2 ** k);
const BITS_F64 = new Float64Array(1);
const BITS_U32 = new Uint32Array(BITS_F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * ln u for u ∈ (0, 1] with the stream's arithmetic: u = m·2^e (m ∈ [1, 2), found exactly), m halved (e + 1) when
 * m > √2, then e·ln2 + 2·atanh((m − 1)/(m + 1)) by the series above. Relative error a few units in the last place.
 * @internal
 */
export function streamLog(u: number): number {
  // exact decomposition u = m·2^e: the exponent read from the float64 bits (little-endian runtimes) or estimated with
  // Math.log2; either way corrected with exact comparisons until m ∈ [1, 2)
  let e: number;
  if (LITTLE_ENDIAN) {
    BITS_F64[0] = u;
    e = ((BITS_U32[1]! >>> 20) & 0x7ff) - 1023;
  } else e = Math.floor(Math.log2(u));
  if (e > 0) e = 0;
  if (e < -60) e = -60;
  let m = u * POW2[-e]!;
  while (m >= 2) {
    m *= 0.5;
    e++;
  }
  while (m < 1) {
    m *= 2;
    e--;
  }
  if (m > SQRT2) {
    m *= 0.5;
    e++;
  }
  const f = m - 1;
  const s = f / (2 + f);
  const z = s * s;
  const p =
    L0 + z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * (L5 + z * (L6 + z * (L7 + z * (L8 + z * (L9 + z * (L10 + z * L11))))))))));
  return e * LN2_HI + (e * LN2_LO + s * p);
}

/**
 * The Box–Muller pair of the stream for uniforms u₁ ∈ (0, 1], u₂ ∈ (0, 1): ρ = √(−2 ln u₁), θ = 2πu₂ reduced exactly to
 * a quadrant q = ⌊4u₂ + ½⌋ and r = u₂ − q/4 ∈ [−1/8, 1/8]; writes ρ·cos θ to out[i] and, when i + 1 < n, ρ·sin θ to
 * out[i + 1]. @internal
 */
export function streamBoxMuller(u1: number, u2: number, out: Float64Array, i: number, n: number): void {
  const rho = Math.sqrt(-2 * streamLog(u1));
  const q = Math.floor(4 * u2 + 0.5);
  const r = u2 - 0.25 * q;
  const z = r * r;
  const s = r * (S0 + z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * (S6 + z * (S7 + z * S8))))))));
  const c = 1 + z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * (C6 + z * (C7 + z * C8)))))));
  // θ = q·π/2 + 2πr: (cos θ, sin θ) = (c, s), (−s, c), (−c, −s), (s, −c) for q mod 4 = 0, 1, 2, 3 (q = 4 is q = 0)
  const qq = q & 3;
  const cs = qq === 0 ? c : qq === 1 ? -s : qq === 2 ? -c : s;
  const sn = qq === 0 ? s : qq === 1 ? c : qq === 2 ? -s : -c;
  out[i] = rho * cs;
  if (i + 1 < n) out[i + 1] = rho * sn;
}

/**
 * Writes `out.length` standard normals of the Langevin noise stream ({@link LANGEVIN_NOISE_STREAM}) for the key words
 * (k0, k1): pair j (entries 2j, 2j + 1) comes from Philox4x32-10 block j (counter (j, 0, 0, 0), key (k0, k1)) whose words
 * give u₁ = ((x₀ ≫ 5)·2²⁶ + (x₁ ≫ 6) + ½)·2⁻⁵³ and u₂ the same from (x₂, x₃), mapped by the stream's Box–Muller
 * transform (ρ = √(−2 ln u₁) with the stream's own log; cos and sin of 2πu₂ by an exact quadrant reduction and Taylor
 * series). Runs in compute's WebAssembly kernel (the same operations, several times faster) where the runtime has
 * WebAssembly, else in TypeScript; a native backend's `normals` produces the same bits.
 */
export function langevinNormalsInto(k0: number, k1: number, out: Float64Array): void {
  const n = out.length,
    pairs = Math.ceil(n / 2);
  if (!wasmPhiloxAvailable()) {
    langevinNormalsIntoTs(k0, k1, out);
    return;
  }
  for (let j0 = 0; j0 < pairs; j0 += PHILOX_CHUNK) {
    const cnt = Math.min(PHILOX_CHUNK, pairs - j0);
    const z = philoxNormalPairs(k0, k1, j0, cnt)!;
    out.set(z.length <= n - 2 * j0 ? z : z.subarray(0, n - 2 * j0), 2 * j0);
  }
}

/**
 * {@link langevinNormalsInto} without WebAssembly: the same blocks from the shared {@link philox4x32} (whose high words
 * of the 32×32-bit products are computed exactly in float64), the same uniforms and the same Box–Muller transform.
 * @internal
 */
export function langevinNormalsIntoTs(k0: number, k1: number, out: Float64Array): void {
  const n = out.length;
  const x = new Uint32Array(4);
  for (let j = 0, i = 0; i < n; j++, i += 2) {
    philox4x32(j >>> 0, Math.floor(j / 4294967296) >>> 0, 0, 0, k0, k1, x);
    const x0 = x[0]!,
      x1 = x[1]!,
      x2 = x[2]!,
      x3 = x[3]!;
    const u1 = ((x0 >>> 5) * 67108864 + (x1 >>> 6) + 0.5) * INV_2_53;
    const u2 = ((x2 >>> 5) * 67108864 + (x3 >>> 6) + 0.5) * INV_2_53;
    streamBoxMuller(u1, u2, out, i, n);
  }
}
