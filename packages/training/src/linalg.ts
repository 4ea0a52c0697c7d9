import type { ComputeBackend, Mat } from '@sftdl/compute';

/** Eigenvalues of a symmetric matrix, descending (symmetrised first: (A + Aᵀ)/2). */
export function symmetricEigenvaluesDesc(a: Mat, backend: ComputeBackend): number[] {
  const n = a.rows;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a.data[i * n + j]! + a.data[j * n + i]!);
  return Array.from(backend.eigh({ rows: n, cols: n, data: s }).values).reverse();
}

// TODO: move to @sftdl/field (Hermite helpers are being written there).
/** Probabilists' Hermite polynomial He_k(z), un-normalised (E He_k² = k!). */
export function hermiteHe(k: number, z: number): number {
  if (k === 0) return 1;
  let p0 = 1, p1 = z;
  for (let j = 1; j < k; j++) { const p2 = z * p1 - j * p0; p0 = p1; p1 = p2; }
  return p1;
}
