// Agreement of a float64 backend with LAPACK (golden values from test/fixtures/gen_lapack_fixture.py).
// Shared by the float64 backend packages' tests (imported by relative path; not part of the published API).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ComputeBackend } from '../src/backend';
import type { Mat } from '../src/mat';

interface LapackCase {
  n: number;
  seed: number;
  eigenvalues: number[];
  logdet: number;
  choleskyDiag: number[];
  choleskyLastRow: number[];
  choleskySamples: [number, number, number][];
  eigenvectorFirst: number[];
  eigenvectorLast: number[];
  cholesky?: number[][];
}

export const lapackCases: LapackCase[] = JSON.parse(
  readFileSync(new URL('./fixtures/lapack.json', import.meta.url), 'utf8'),
).cases;

/** The integer-exact SPD matrix of the fixture: h = ((i·n + j + 1 + 7919·seed)·2654435761) mod 2³², B[i,j] = (⌊h/2¹⁶⌋ mod 97) − 48, A = B Bᵀ + n I. */
export function lapackMatrix(n: number, seed: number): Mat {
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const h = ((i * n + j + 1 + 7919 * seed) * 2654435761) % 4294967296;
      b[i * n + j] = (Math.floor(h / 65536) % 97) - 48;
    }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += b[i * n + p]! * b[j * n + p]!;
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
    a[i * n + i]! += n;
  }
  return { rows: n, cols: n, data: a };
}

const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);

/** Largest relative deviations of a backend's Cholesky/eigh from LAPACK on one fixture case. */
export function lapackDeviation(
  backend: ComputeBackend,
  c: LapackCase,
): { eigenvalues: number; choleskyDiag: number; choleskyEntries: number; logdet: number; eigenvectors: number } {
  const a = lapackMatrix(c.n, c.seed);
  const l = backend.cholesky(a);
  const { values, vectors } = backend.eigh(a);
  const n = c.n;
  let ev = 0,
    cd = 0,
    ce = 0,
    vec = 0;
  for (let k = 0; k < n; k++) ev = Math.max(ev, rel(values[k]!, c.eigenvalues[k]!));
  for (let k = 0; k < n; k++) cd = Math.max(cd, rel(l.data[k * n + k]!, c.choleskyDiag[k]!));
  // off-diagonal entries may be small: relative to the row's diagonal scale
  const entry = (i: number, j: number, want: number) => {
    ce = Math.max(ce, Math.abs(l.data[i * n + j]! - want) / Math.abs(c.choleskyDiag[i]!));
  };
  for (let j = 0; j < n; j++) entry(n - 1, j, c.choleskyLastRow[j]!);
  for (const [i, j, v] of c.choleskySamples) entry(i, j, v);
  if (c.cholesky) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) entry(i, j, c.cholesky[i]![j]!);
  for (const [col, want] of [
    [0, c.eigenvectorFirst],
    [n - 1, c.eigenvectorLast],
  ] as const) {
    let dot = 0;
    for (let r = 0; r < n; r++) dot += vectors.data[r * n + col]! * want[r]!;
    const s = dot < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vec = Math.max(vec, Math.abs(s * vectors.data[r * n + col]! - want[r]!));
  }
  return {
    eigenvalues: ev,
    choleskyDiag: cd,
    choleskyEntries: ce,
    logdet: rel(backend.choleskyLogDet(l), c.logdet),
    eigenvectors: vec,
  };
}

/**
 * The LAPACK agreement tests of a float64 backend: Cholesky (diagonal, sampled entries) and eigenvalues to 1e-10
 * relative, eigenvectors to 1e-6 (the error is ≲ ε‖A‖/gap and the fixture's smallest gap/‖A‖ is ~2e-8 at n = 200),
 * and with `logdet` the Cholesky log-determinant to 1e-12.
 */
export function describeLapackAgreement(
  label: string,
  backend: ComputeBackend,
  o: { maxN?: number; logdet?: boolean } = {},
): void {
  describe(`${label} vs LAPACK (numpy fixture, compute/test/fixtures/gen_lapack_fixture.py)`, () => {
    for (const c of lapackCases.filter((c) => c.n <= (o.maxN ?? Infinity))) {
      it(`n=${c.n}: Cholesky and eigenvalues to 1e-10 relative`, () => {
        const dev = lapackDeviation(backend, c);
        expect(dev.eigenvalues).toBeLessThan(1e-10);
        expect(dev.choleskyDiag).toBeLessThan(1e-10);
        expect(dev.choleskyEntries).toBeLessThan(1e-10);
        if (o.logdet) expect(dev.logdet).toBeLessThan(1e-12);
        expect(dev.eigenvectors).toBeLessThan(1e-6);
      });
    }
  });
}
