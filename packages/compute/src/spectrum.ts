import type { ComputeBackend } from './backend';
import type { Mat } from './mat';
import { ShapeError } from './errors';

/**
 * Eigenvalues of a symmetric matrix in descending order, through `backend.eigh` (which returns them ascending).
 * The matrix is symmetrised first, (A + Aᵀ)/2, so round-off asymmetry in an accumulated covariance cannot bias
 * the result. Backend first, matrix second, like every compute helper that takes a backend.
 */
export function eigenvaluesDescending(backend: ComputeBackend, a: Mat): number[] {
  const n = a.rows;
  if (a.cols !== n) throw new ShapeError(`eigenvaluesDescending: matrix must be square, got ${a.rows}×${a.cols}`);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * ((a.data[i * n + j] as number) + (a.data[j * n + i] as number));
  }
  return Array.from(backend.eigh({ rows: n, cols: n, data: s }).values).reverse();
}
