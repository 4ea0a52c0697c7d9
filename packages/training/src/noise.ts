import { PHILOX_CHUNK, philoxUniformPairs, wasmPhiloxAvailable } from '@sftdl/compute';

// Allocation-free twin of @sftdl/field's `normal(key, n)`: the same Philox4x32-10 stream and Box–Muller mapping,
// bit-identical output (tested against `normal`). It stays here, next to the sampler that needs it per step, because
// @sftdl/field belongs to another part of the project; moving it next to field's `normal` is a follow-up.
const M0 = 0xd2511f53,
  M1 = 0xcd9e8d57,
  W0 = 0x9e3779b9,
  W1 = 0xbb67ae85;
const INV_2_53 = 1 / 9007199254740992;
const TWO_PI = 2 * Math.PI;
const INV_2_16 = 1 / 65536;

/**
 * Writes `out.length` standard normals for key words (k0, k1) into `out`, identical to field's `normal`: the Philox
 * blocks from compute's WebAssembly kernel where the runtime has WebAssembly (several times faster), else in
 * TypeScript; Box–Muller in TypeScript either way (V8's Math.log/cos/sin, as field's `normal`, so both paths and
 * field agree bit for bit).
 */
export function normalInto(k0: number, k1: number, out: Float64Array): void {
  const n = out.length,
    pairs = Math.ceil(n / 2);
  if (!wasmPhiloxAvailable()) {
    normalIntoTs(k0, k1, out);
    return;
  }
  for (let j0 = 0; j0 < pairs; j0 += PHILOX_CHUNK) {
    const cnt = Math.min(PHILOX_CHUNK, pairs - j0);
    const u = philoxUniformPairs(k0, k1, j0, cnt)!;
    let i = 2 * j0;
    for (let q = 0; q < cnt; q++) {
      const rr = Math.sqrt(-2 * Math.log(u[2 * q]!));
      const t = TWO_PI * u[2 * q + 1]!;
      out[i++] = rr * Math.cos(t);
      if (i < n) out[i++] = rr * Math.sin(t);
    }
  }
}

/**
 * {@link normalInto} without WebAssembly. The high word of each 32×32-bit Philox product M·x is computed in float64
 * exactly: with x = xₕ·2¹⁶ + xₗ, M·x = (M·xₕ)·2¹⁶ + M·xₗ where both partial products are below 2⁴⁸, so
 * ⌊M·x/2³²⌋ = ⌊(M·xₕ + ⌊M·xₗ/2¹⁶⌋)/2¹⁶⌋ with every intermediate an exact integer below 2⁵³; the low word is `Math.imul`.
 * @internal
 */
export function normalIntoTs(k0: number, k1: number, out: Float64Array): void {
  const n = out.length;
  for (let j = 0, i = 0; i < n; j++) {
    let x0 = j >>> 0,
      x1 = Math.floor(j / 4294967296) >>> 0,
      x2 = 0,
      x3 = 0;
    let a = k0 >>> 0,
      b = k1 >>> 0;
    for (let r = 0; r < 10; r++) {
      const hi0 = Math.floor((M0 * (x0 >>> 16) + Math.floor(M0 * (x0 & 0xffff) * INV_2_16)) * INV_2_16);
      const lo0 = Math.imul(M0, x0) >>> 0;
      const hi1 = Math.floor((M1 * (x2 >>> 16) + Math.floor(M1 * (x2 & 0xffff) * INV_2_16)) * INV_2_16);
      const lo1 = Math.imul(M1, x2) >>> 0;
      const n0 = (hi1 ^ x1 ^ a) >>> 0;
      const n2 = (hi0 ^ x3 ^ b) >>> 0;
      x0 = n0;
      x1 = lo1;
      x2 = n2;
      x3 = lo0;
      a = (a + W0) >>> 0;
      b = (b + W1) >>> 0;
    }
    const u1 = ((x0 >>> 5) * 67108864 + (x1 >>> 6) + 0.5) * INV_2_53;
    const u2 = ((x2 >>> 5) * 67108864 + (x3 >>> 6) + 0.5) * INV_2_53;
    const rr = Math.sqrt(-2 * Math.log(u1));
    const t = TWO_PI * u2;
    out[i++] = rr * Math.cos(t);
    if (i < n) out[i++] = rr * Math.sin(t);
  }
}
