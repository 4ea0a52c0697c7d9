import type { ComputeBackend, Mat } from '@sftdl/compute';

/** Eigenvalues of a symmetric matrix, descending (symmetrised first: (A + Aᵀ)/2). */
export function symmetricEigenvaluesDesc(a: Mat, backend: ComputeBackend): number[] {
  const n = a.rows;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a.data[i * n + j]! + a.data[j * n + i]!);
  return Array.from(backend.eigh({ rows: n, cols: n, data: s }).values).reverse();
}

// TODO: move to @sftdl/field — an allocation-free, faster twin of field's `normal(key, n)` (same Philox4x32-10
// stream, same Box–Muller mapping, bit-identical output; tested against `normal`).
const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;
const INV_2_53 = 1 / 9007199254740992;
const TWO_PI = 2 * Math.PI;
const M0L = M0 & 0xffff, M0H = M0 >>> 16, M1L = M1 & 0xffff, M1H = M1 >>> 16;

/** Writes `out.length` standard normals for key words (k0, k1) into `out`, identical to field's `normal`. */
export function normalInto(k0: number, k1: number, out: Float64Array): void {
  const n = out.length;
  for (let j = 0, i = 0; i < n; j++) {
    let x0 = j >>> 0, x1 = Math.floor(j / 4294967296) >>> 0, x2 = 0, x3 = 0;
    let a = k0 >>> 0, b = k1 >>> 0;
    for (let r = 0; r < 10; r++) {
      // hi/lo of M0*x0 and M1*x2 via 16-bit limbs (all partial products < 2^32, exact)
      const x0l = x0 & 0xffff, x0h = x0 >>> 16;
      const ll0 = M0L * x0l, m10 = M0H * x0l, m20 = M0L * x0h, hh0 = M0H * x0h;
      const c0 = ((ll0 >>> 16) + (m10 & 0xffff) + (m20 & 0xffff)) >>> 16;
      const hi0 = (hh0 + (m10 >>> 16) + (m20 >>> 16) + c0) >>> 0;
      const lo0 = Math.imul(M0, x0) >>> 0;
      const x2l = x2 & 0xffff, x2h = x2 >>> 16;
      const ll1 = M1L * x2l, m11 = M1H * x2l, m21 = M1L * x2h, hh1 = M1H * x2h;
      const c1 = ((ll1 >>> 16) + (m11 & 0xffff) + (m21 & 0xffff)) >>> 16;
      const hi1 = (hh1 + (m11 >>> 16) + (m21 >>> 16) + c1) >>> 0;
      const lo1 = Math.imul(M1, x2) >>> 0;
      const n0 = (hi1 ^ x1 ^ a) >>> 0;
      const n2 = (hi0 ^ x3 ^ b) >>> 0;
      x0 = n0; x1 = lo1; x2 = n2; x3 = lo0;
      a = (a + W0) >>> 0; b = (b + W1) >>> 0;
    }
    const u1 = ((x0 >>> 5) * 67108864 + (x1 >>> 6) + 0.5) * INV_2_53;
    const u2 = ((x2 >>> 5) * 67108864 + (x3 >>> 6) + 0.5) * INV_2_53;
    const rr = Math.sqrt(-2 * Math.log(u1));
    const t = TWO_PI * u2;
    out[i++] = rr * Math.cos(t);
    if (i < n) out[i++] = rr * Math.sin(t);
  }
}
