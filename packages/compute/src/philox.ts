// Philox4x32-10 (Salmon et al., SC'11): the counter-based generator behind every random key (`@sftdl/field`) and the
// Langevin noise stream (./noise.ts). One definition, here at the bottom layer, so both use the same block function.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32, computed exactly in doubles. */
function mulhi(a: number, b: number): number {
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const t = a * bl; // < 2^48, exact
  const u = a * bh; // < 2^48, exact
  const uh = Math.floor(u / 65536);
  const ul = u - uh * 65536;
  return (uh + Math.floor((ul * 65536 + t) / 4294967296)) >>> 0;
}

/** Philox4x32-10 block function: 4 counter words and 2 key words → 4 random uint32 (written to `out`). */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  let x0 = c0 >>> 0,
    x1 = c1 >>> 0,
    x2 = c2 >>> 0,
    x3 = c3 >>> 0;
  let a = k0 >>> 0,
    b = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, x0),
      lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2),
      lo1 = Math.imul(M1, x2) >>> 0;
    const n0 = (hi1 ^ x1 ^ a) >>> 0;
    const n2 = (hi0 ^ x3 ^ b) >>> 0;
    x0 = n0;
    x1 = lo1;
    x2 = n2;
    x3 = lo0;
    a = (a + W0) >>> 0;
    b = (b + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}
