import type { Mat } from '@sftdl/compute';

/** Below this many entries per matrix a kernel is computed in one call (no progress needed). */
const ONE_CALL_ENTRIES = 250_000;

/**
 * Computes kernel matrices of the rows `a` against `b` (or against themselves) in row blocks, so a long computation
 * reports progress (`progress(rowsDone)`); `run(rows, other)` returns the matrices of one block, in a fixed order.
 * Each entry depends only on its two rows, so the blocks are the same numbers as one call; a symmetric result
 * (`b` undefined) is mirrored from its upper triangle so it is exactly symmetric.
 */
export function blockedKernel(
  a: Mat,
  b: Mat | undefined,
  run: (rows: Mat, other: Mat | undefined) => Mat[],
  progress: (done: number) => void,
): Mat[] {
  const n = a.rows;
  const m = b?.rows ?? n;
  const blocks = n * m < ONE_CALL_ENTRIES ? 1 : Math.min(50, Math.ceil(n / 16));
  if (blocks === 1) {
    const r = run(a, b);
    progress(n);
    return r;
  }
  let out: Float64Array[] | undefined;
  const size = Math.ceil(n / blocks);
  for (let start = 0; start < n; start += size) {
    const rows = Math.min(size, n - start);
    const block: Mat = { rows, cols: a.cols, data: a.data.subarray(start * a.cols, (start + rows) * a.cols) };
    const r = run(block, b ?? a);
    out ??= r.map(() => new Float64Array(n * m));
    r.forEach((mat, k) => out?.[k]?.set(mat.data, start * m));
    progress(start + rows);
  }
  const mats = out ?? [];
  if (!b) for (const d of mats) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[i * n + j] = d[j * n + i] as number;
  return mats.map((data) => ({ rows: n, cols: m, data }));
}
