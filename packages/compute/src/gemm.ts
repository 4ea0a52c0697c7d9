// Cache-blocked, packed GEMM in plain TypeScript on Float64Array (Goto/BLIS structure).
//
//   C[cOff + i*ldc + j] += alpha * Σ_p A(i,p) · B(p,j)
//   A(i,p) = A[aOff + i*ars + p*acs],  B(p,j) = B[bOff + p*brs + j*bcs]
//
// General strides make the transposed variants free (swap the strides). Blocks of op(B) are packed
// into KC×NR slivers and blocks of op(A) into MR×KC slivers so the 4×4 register-blocked
// micro-kernel streams two contiguous arrays; the packed A block (MC×KC) stays in L2.

export const MR = 4;
export const NR = 4;
export const KC = 256;
export const MC = 128;
export const NC = 2048;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

/** C += alpha · op(A) · op(B) on raw strided storage; C is m×n with row stride ldc (unit column stride). */
export function gemmStrided(
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  ars: number,
  acs: number,
  B: Float64Array,
  bOff: number,
  brs: number,
  bcs: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  if (m * n * k < 4096) {
    smallGemm(m, n, k, alpha, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc);
    return;
  }
  const nc0 = Math.min(NC, roundUp(n, NR));
  if (packB.length < KC * nc0) packB = new Float64Array(KC * nc0);
  const pa = packA,
    pb = packB;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packBPanel(B, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packAPanel(A, aOff + ic * ars + pc * acs, ars, acs, mc, kc, pa);
        macroKernel(mc, nc, kc, alpha, pa, pb, C, cOff + ic * ldc + jc, ldc);
      }
    }
  }
}

function roundUp(x: number, r: number): number {
  return Math.ceil(x / r) * r;
}

/** Packs an mc×kc block of op(A) into MR-row slivers: sliver s holds A(s*MR + r, p) at s*MR*kc + p*MR + r (zero padded). */
export function packAPanel(
  A: Float64Array,
  off: number,
  rs: number,
  cs: number,
  mc: number,
  kc: number,
  out: Float64Array,
): void {
  let o = 0;
  if (rs === 1 && mc >= MR) {
    // op(A) is a transposed row-major matrix: read along its rows (contiguous in i) and scatter into the slivers,
    // streaming the reads instead of striding across kc rows per sliver (same packed values)
    const full = mc - (mc % MR),
      sl = MR * kc;
    for (let p = 0; p < kc; p++) {
      const src = off + p * cs;
      let d = p * MR;
      for (let i = 0; i < full; i += MR) {
        out[d] = A[src + i]!;
        out[d + 1] = A[src + i + 1]!;
        out[d + 2] = A[src + i + 2]!;
        out[d + 3] = A[src + i + 3]!;
        d += sl;
      }
    }
    if (full === mc) return;
    o = (full / MR) * sl;
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) out[o + r] = full + r < mc ? A[off + p * cs + full + r]! : 0;
      o += MR;
    }
    return;
  }
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    if (rows === MR) {
      const r0 = off + i0 * rs,
        r1 = r0 + rs,
        r2 = r1 + rs,
        r3 = r2 + rs;
      for (let p = 0; p < kc; p++) {
        const c = p * cs;
        out[o] = A[r0 + c]!;
        out[o + 1] = A[r1 + c]!;
        out[o + 2] = A[r2 + c]!;
        out[o + 3] = A[r3 + c]!;
        o += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) out[o + r] = r < rows ? A[off + (i0 + r) * rs + p * cs]! : 0;
        o += MR;
      }
    }
  }
}

/** Packs a kc×nc block of op(B) into NR-column slivers: sliver s holds B(p, s*NR + c) at s*NR*kc + p*NR + c (zero padded). */
export function packBPanel(
  B: Float64Array,
  off: number,
  rs: number,
  cs: number,
  kc: number,
  nc: number,
  out: Float64Array,
): void {
  let o = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    if (cols === NR) {
      const c0 = off + j0 * cs,
        c1 = c0 + cs,
        c2 = c1 + cs,
        c3 = c2 + cs;
      for (let p = 0; p < kc; p++) {
        const r = p * rs;
        out[o] = B[c0 + r]!;
        out[o + 1] = B[c1 + r]!;
        out[o + 2] = B[c2 + r]!;
        out[o + 3] = B[c3 + r]!;
        o += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) out[o + c] = c < cols ? B[off + p * rs + (j0 + c) * cs]! : 0;
        o += NR;
      }
    }
  }
}

function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  alpha: number,
  pa: Float64Array,
  pb: Float64Array,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const bo = j0 * kc;
    const cols = Math.min(NR, nc - j0);
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const rows = Math.min(MR, mc - i0);
      micro(kc, alpha, pa, i0 * kc, pb, bo, C, cOff + i0 * ldc + j0, ldc, rows, cols);
    }
  }
}

/** 4×4 register-blocked micro-kernel: 16 accumulators, rank-1 update per p. */
function micro(
  kc: number,
  alpha: number,
  pa: Float64Array,
  ao: number,
  pb: Float64Array,
  bo: number,
  C: Float64Array,
  co: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  let a = ao,
    b = bo;
  const end = ao + kc * MR;
  while (a < end) {
    const a0 = pa[a]!,
      a1 = pa[a + 1]!,
      a2 = pa[a + 2]!,
      a3 = pa[a + 3]!;
    const b0 = pb[b]!,
      b1 = pb[b + 1]!,
      b2 = pb[b + 2]!,
      b3 = pb[b + 3]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    a += 4;
    b += 4;
  }
  if (rows === 4 && cols === 4) {
    let o = co;
    C[o]! += alpha * c00;
    C[o + 1]! += alpha * c01;
    C[o + 2]! += alpha * c02;
    C[o + 3]! += alpha * c03;
    o += ldc;
    C[o]! += alpha * c10;
    C[o + 1]! += alpha * c11;
    C[o + 2]! += alpha * c12;
    C[o + 3]! += alpha * c13;
    o += ldc;
    C[o]! += alpha * c20;
    C[o + 1]! += alpha * c21;
    C[o + 2]! += alpha * c22;
    C[o + 3]! += alpha * c23;
    o += ldc;
    C[o]! += alpha * c30;
    C[o + 1]! += alpha * c31;
    C[o + 2]! += alpha * c32;
    C[o + 3]! += alpha * c33;
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) C[co + r * ldc + c]! += alpha * acc[r * 4 + c]!;
}

function smallGemm(
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  ars: number,
  acs: number,
  B: Float64Array,
  bOff: number,
  brs: number,
  bcs: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * ldc;
    for (let p = 0; p < k; p++) {
      const aip = alpha * A[aOff + i * ars + p * acs]!;
      if (aip === 0) continue;
      const bp = bOff + p * brs;
      for (let j = 0; j < n; j++) C[ci + j]! += aip * B[bp + j * bcs]!;
    }
  }
}

/**
 * Lower triangle (block-wise, diagonal blocks computed in full) of C += alpha · op(A)·op(A)ᵀ for an
 * n×k operand op(A)(i,p) = A[aOff + i*ars + p*acs]. Entries strictly above the diagonal blocks are untouched.
 */
export function syrkLowerStrided(
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  ars: number,
  acs: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  block = 128,
): void {
  for (let j0 = 0; j0 < n; j0 += block) {
    const jb = Math.min(block, n - j0);
    // C[j0:n, j0:j0+jb] += alpha · A[j0:n, :] · A[j0:j0+jb, :]ᵀ
    gemmStrided(n - j0, jb, k, alpha, A, aOff + j0 * ars, ars, acs, A, aOff + j0 * ars, acs, ars, C, cOff + j0 * ldc + j0, ldc);
  }
}
