// Dense float64 factorisations on raw row-major storage, built on the packed GEMM kernel:
// blocked right-looking Cholesky, blocked triangular solves, and a symmetric eigensolver
// (Householder tridiagonalisation + implicit QL with Wilkinson shifts).

import { gemmStrided, syrkLowerStrided } from './gemm';
import { ConvergenceError } from './errors';

const NB = 96;
/** Smallest normal float64 (LAPACK's dlamch('S')). */
const SAFE_MIN = 2.2250738585072014e-308;

/**
 * In-place blocked Cholesky of the lower triangle of the n×n row-major matrix W (upper triangle ignored, then zeroed).
 * Returns true on success; false with the first non-positive pivot (index and value) in `fail`.
 */
export function choleskyInPlace(W: Float64Array, n: number, fail: { pivot: number; value: number }): boolean {
  for (let k0 = 0; k0 < n; k0 += NB) {
    const k1 = Math.min(n, k0 + NB);
    // 1. unblocked factorisation of the diagonal block (its trailing updates from earlier panels are done)
    for (let j = k0; j < k1; j++) {
      const rj = j * n;
      let s = W[rj + j]!;
      for (let p = k0; p < j; p++) s -= W[rj + p]! * W[rj + p]!;
      if (!(s > 0)) {
        fail.pivot = j;
        fail.value = s;
        return false;
      }
      const ljj = Math.sqrt(s);
      W[rj + j] = ljj;
      const inv = 1 / ljj;
      for (let i = j + 1; i < k1; i++) {
        const ri = i * n;
        let t = W[ri + j]!;
        for (let p = k0; p < j; p++) t -= W[ri + p]! * W[rj + p]!;
        W[ri + j] = t * inv;
      }
    }
    if (k1 === n) break;
    // 2. panel: W[k1:n, k0:k1] ← W[k1:n, k0:k1] · L11⁻ᵀ (row-wise forward substitution)
    for (let i = k1; i < n; i++) {
      const ri = i * n;
      for (let j = k0; j < k1; j++) {
        const rj = j * n;
        let t = W[ri + j]!;
        for (let p = k0; p < j; p++) t -= W[ri + p]! * W[rj + p]!;
        W[ri + j] = t / W[rj + j]!;
      }
    }
    // 3. trailing update of the lower triangle: W22 -= L21 · L21ᵀ
    syrkLowerStrided(n - k1, k1 - k0, -1, W, k1 * n + k0, n, 1, W, k1 * n + k1, n);
  }
  for (let i = 0; i < n; i++) W.fill(0, i * n + i + 1, (i + 1) * n);
  return true;
}

/**
 * In-place blocked triangular solve op(T)·X = B on X (n×m, row-major, holds B on entry).
 * The effective matrix M = op(T) is read as M(i,j) = T[i*rs + j*cs]; `lowerEff` says whether M is lower triangular.
 * Returns the index of a zero diagonal entry, or -1.
 */
export function trsmInPlace(
  T: Float64Array,
  rs: number,
  cs: number,
  lowerEff: boolean,
  X: Float64Array,
  n: number,
  m: number,
): number {
  for (let i = 0; i < n; i++) if (T[i * rs + i * cs] === 0) return i;
  if (lowerEff) {
    for (let i0 = 0; i0 < n; i0 += NB) {
      const i1 = Math.min(n, i0 + NB);
      // X[i0:i1] -= M[i0:i1, 0:i0] · X[0:i0]
      if (i0 > 0) gemmStrided(i1 - i0, m, i0, -1, T, i0 * rs, rs, cs, X, 0, m, 1, X, i0 * m, m);
      for (let i = i0; i < i1; i++) substituteRow(T, rs, cs, X, m, i, i0, i);
    }
  } else {
    const nBlocks = Math.ceil(n / NB);
    for (let b = nBlocks - 1; b >= 0; b--) {
      const i0 = b * NB,
        i1 = Math.min(n, i0 + NB);
      // X[i0:i1] -= M[i0:i1, i1:n] · X[i1:n]
      if (i1 < n) gemmStrided(i1 - i0, m, n - i1, -1, T, i0 * rs + i1 * cs, rs, cs, X, i1 * m, m, 1, X, i0 * m, m);
      for (let i = i1 - 1; i >= i0; i--) substituteRow(T, rs, cs, X, m, i, i + 1, i1);
    }
  }
  return -1;
}

/**
 * One substitution step inside a diagonal block of {@link trsmInPlace}:
 * X[i, :] ← (X[i, :] − Σ_{p0 ≤ p < p1} M(i, p)·X[p, :]) / M(i, i), with M(i, j) = T[i·rs + j·cs].
 */
function substituteRow(
  T: Float64Array,
  rs: number,
  cs: number,
  X: Float64Array,
  m: number,
  i: number,
  p0: number,
  p1: number,
): void {
  const xi = i * m;
  for (let p = p0; p < p1; p++) {
    const mip = T[i * rs + p * cs]!;
    if (mip === 0) continue;
    const xp = p * m;
    for (let c = 0; c < m; c++) X[xi + c]! -= mip * X[xp + c]!;
  }
  const inv = 1 / T[i * rs + i * cs]!;
  for (let c = 0; c < m; c++) X[xi + c]! *= inv;
}

/**
 * Householder reduction of the symmetric matrix held (lower triangle) in the n×n row-major A to tridiagonal form
 * T = Qᵀ A Q. Returns diagonal d, sub-diagonal e (e[i] couples i and i+1; e[n-1] = 0) and Qᵀ (row-major),
 * whose rows are the columns of Q. A is overwritten.
 */
function tridiagonalise(A: Float64Array, n: number): { d: Float64Array; e: Float64Array; qt: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const vs = new Float64Array(n * n); // Householder vectors, row k holds v_k on indices k+1..n-1
  const betas = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // x = A[k+1:n, k]
    let scale = 0;
    for (let i = k + 1; i < n; i++) scale = Math.max(scale, Math.abs(A[i * n + k]!));
    d[k] = A[k * n + k]!;
    if (scale === 0) {
      e[k] = 0;
      betas[k] = 0;
      continue;
    }
    const v = vs.subarray(k * n, (k + 1) * n);
    let sigma = 0;
    for (let i = k + 1; i < n; i++) {
      const t = A[i * n + k]! / scale;
      v[i] = t;
      sigma += t * t;
    }
    const x0 = v[k + 1]!;
    const norm = Math.sqrt(sigma);
    const alpha = x0 >= 0 ? -norm : norm; // H x = alpha e1 (scaled)
    e[k] = alpha * scale;
    v[k + 1] = x0 - alpha;
    // beta = 2 / vᵀv, vᵀv = sigma - x0² + (x0 - alpha)² = 2 norm (norm + |x0|)
    const beta = 1 / (norm * (norm + Math.abs(x0)));
    betas[k] = beta;
    // p = beta · A22 · v   (symmetric matvec from the lower triangle, rows k+1..n-1)
    p.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i]!;
      let s = 0;
      for (let j = k + 1; j < i; j++) {
        const aij = A[ri + j]!;
        s += aij * v[j]!;
        p[j]! += aij * vi;
      }
      p[i]! += s + A[ri + i]! * vi;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i]! *= beta;
      pv += p[i]! * v[i]!;
    }
    // w = p - (beta/2)(pᵀv) v ; A22 -= v wᵀ + w vᵀ (lower triangle)
    const h = 0.5 * beta * pv;
    for (let i = k + 1; i < n; i++) p[i]! -= h * v[i]!;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const vi = v[i]!,
        wi = p[i]!;
      for (let j = k + 1; j <= i; j++) A[ri + j]! -= vi * p[j]! + wi * v[j]!;
    }
  }
  if (n >= 2) {
    d[n - 2] = A[(n - 2) * n + n - 2]!;
    e[n - 2] = A[(n - 1) * n + n - 2]!;
  }
  if (n >= 1) d[n - 1] = A[(n - 1) * n + n - 1]!;
  // Backward accumulation Q = H_0 H_1 … H_{n-3}, blocked with the compact WY form (LAPACK dlarft/dlarfb):
  // a block of reflectors H_kb … H_ke = I − V T Vᵀ is applied from the left as Q ← Q − V (T (Vᵀ Q)), two GEMMs.
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  const nRef = Math.max(0, n - 2);
  const NBQ = 32;
  const T = new Float64Array(NBQ * NBQ);
  const z = new Float64Array(NBQ);
  for (let kb = Math.floor(Math.max(0, nRef - 1) / NBQ) * NBQ; kb >= 0 && nRef > 0; kb -= NBQ) {
    const nb = Math.min(NBQ, nRef - kb);
    const r0 = kb + 1,
      m = n - r0; // rows/cols touched by the block
    // T (upper triangular, forward): T_jj = beta_j, T[0:j, j] = −beta_j · T[0:j, 0:j] · (V[:, 0:j]ᵀ v_j)
    T.fill(0);
    for (let j = 0; j < nb; j++) {
      const bj = betas[kb + j]!;
      const vj = (kb + j) * n;
      for (let i = 0; i < j; i++) {
        const vi = (kb + i) * n;
        let sdot = 0;
        for (let r = kb + j + 1; r < n; r++) sdot += vs[vi + r]! * vs[vj + r]!;
        z[i] = sdot;
      }
      for (let i = 0; i < j; i++) {
        let t = 0;
        for (let q = i; q < j; q++) t += T[i * NBQ + q]! * z[q]!;
        T[i * NBQ + j] = -bj * t;
      }
      T[j * NBQ + j] = bj;
    }
    // W = Vᵀ Q (nb × m): rows of vs are the vectors, restricted to columns r0..n-1
    const W = new Float64Array(nb * m);
    gemmStrided(nb, m, m, 1, vs, kb * n + r0, n, 1, Q, r0 * n + r0, n, 1, W, 0, m);
    // W2 = T W
    const W2 = new Float64Array(nb * m);
    gemmStrided(nb, m, nb, 1, T, 0, NBQ, 1, W, 0, m, 1, W2, 0, m);
    // Q −= V W2, V(i, j) = vs[(kb + j) n + r0 + i]
    gemmStrided(m, m, nb, -1, vs, kb * n + r0, 1, n, W2, 0, m, 1, Q, r0 * n + r0, n);
  }
  const qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qt[j * n + i] = Q[i * n + j]!;
  return { d, e, qt };
}

/**
 * Implicit QL with Wilkinson shifts on the symmetric tridiagonal (d, e), accumulating the rotations into the rows
 * of Zt (Zt holds eigenvectors as rows). Returns -1, or the unconverged |e| when the total QL sweeps exceed 30·n
 * (LAPACK's budget).
 */
function tqli(d: Float64Array, e: Float64Array, zt: Float64Array | null, n: number): number {
  // total iteration budget as in LAPACK's dsteqr (30 per eigenvalue on average; clusters may need more each)
  const maxIter = 30 * Math.max(n, 1);
  let iter = 0;
  for (let l = 0; l < n; l++) {
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        // negligible off-diagonal: relative to its neighbours, or subnormal (LAPACK's safe minimum)
        if (Math.abs(e[m]!) <= Number.EPSILON * dd || Math.abs(e[m]!) < SAFE_MIN) break;
      }
      if (m !== l) {
        if (++iter > maxIter) return Math.abs(e[l]!);
        // Wilkinson shift from the leading 2×2 block
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
        let s = 1,
          c = 1,
          p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1]! -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          // rotate rows i and i+1 of Zt (skipped when only eigenvalues are wanted)
          if (zt === null) continue;
          const ri = i * n,
            rj = ri + n;
          for (let k = 0; k < n; k++) {
            const zi = zt[ri + k]!,
              zj = zt[rj + k]!;
            zt[rj + k] = s * zi + c * zj;
            zt[ri + k] = c * zi - s * zj;
          }
        }
        if (r === 0 && i >= l) continue;
        d[l]! -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return -1;
}

/**
 * Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `diag` (length n) and off-diagonal `off`
 * (length ≥ n − 1), by implicit QL with Wilkinson shifts. Throws `ConvergenceError` if QL does not converge.
 * Used for Golub–Welsch quadrature rules; O(n²), no eigenvectors.
 */
export function tridiagonalEigenvalues(diag: ArrayLike<number>, off: ArrayLike<number>): Float64Array<ArrayBuffer> {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = off[i]!;
  const residual = tqli(d, e, null, n);
  if (residual >= 0)
    throw new ConvergenceError({ what: 'tridiagonal QL eigen-solve', iterations: 30 * n, residual, tolerance: Number.EPSILON });
  return d.sort();
}

/**
 * Symmetric eigendecomposition of the n×n row-major matrix whose lower triangle is in `a` (not modified).
 * Returns ascending eigenvalues and eigenvectors as columns (row-major n×n), or the unconverged off-diagonal residual.
 */
export function symmetricEigen(
  a: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } | { residual: number } {
  const A = a.slice();
  // Scale by a power of two (exact) so the largest entry is of order 1: squares of tiny entries would underflow and
  // of huge ones overflow inside the Householder/QL steps. Eigenvalues scale back exactly; eigenvectors are unchanged.
  const scale = powerOfTwoScale(A, n);
  if (scale !== 1) for (let i = 0; i < A.length; i++) A[i]! *= scale;
  const { d, e, qt } = tridiagonalise(A, n);
  const residual = tqli(d, e, qt, n);
  if (residual >= 0) return { residual: residual / scale };
  if (scale !== 1) for (let i = 0; i < n; i++) d[i]! /= scale;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i]! - d[j]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = order[k]!;
    values[k] = d[src]!;
    const row = src * n;
    // deterministic sign: largest-magnitude component positive
    let big = 0,
      sign = 1;
    for (let r = 0; r < n; r++) {
      const z = qt[row + r]!;
      if (Math.abs(z) > big) {
        big = Math.abs(z);
        sign = z < 0 ? -1 : 1;
      }
    }
    for (let r = 0; r < n; r++) vectors[r * n + k] = sign * qt[row + r]!;
  }
  return { values, vectors };
}

/**
 * A power of two 2^k such that the largest |entry| of the lower triangle times 2^k lies in [0.5, 1) (1 for a zero
 * matrix). Multiplying by it is exact unless entries fall below the subnormal range relative to the largest.
 */
export function powerOfTwoScale(a: Float64Array, n: number): number {
  let big = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) big = Math.max(big, Math.abs(a[i * n + j]!));
  if (big === 0 || !Number.isFinite(big)) return 1;
  const k = Math.floor(Math.log2(big)) + 1;
  if (k === 0) return 1;
  // 2^-k may itself under/overflow for |k| > 1022: split into two factors when applying is the caller's job, so clamp
  return 2 ** Math.max(-1022, Math.min(1023, -k));
}
