import { readFileSync } from 'node:fs';
import {
  BackendUnavailableError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeError,
  fromRows,
  mat,
  referenceBackend,
  selectBackend,
} from '@sftdl/compute';
import type { ComputeBackend, Mat, Precision } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { createOpenblasBackend, isOpenblasAvailable, probeOpenblas, provider } from './index';
import { INSTALL_HINT, loadAddon } from './addon';

const available = isOpenblasAvailable();

const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/linalg.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;
const fx = (key: string): Mat => fromRows(fixture[key] as number[][]);

/** Deterministic test matrix (no RNG): entries sin(a·i + b·j² + c). */
function wave(rows: number, cols: number, a = 1.3, b = 0.7, c = 0): Mat {
  const m = mat(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.data[i * cols + j] = Math.sin(a * i + b * j * j + c);
  return m;
}

/** X·Xᵀ + shift·I: symmetric positive definite for shift > 0. */
function spd(n: number, k: number, shift: number): Mat {
  const g = referenceBackend.gram(wave(n, k));
  for (let i = 0; i < n; i++) g.data[i * n + i]! += shift;
  return g;
}

/** Tridiagonal Toeplitz matrix tridiag(-1, 2, -1): eigenvalues 2 − 2cos(kπ/(n+1)), det = n + 1. */
function laplacian(n: number): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) {
    m.data[i * n + i] = 2;
    if (i > 0) {
      m.data[i * n + i - 1] = -1;
      m.data[(i - 1) * n + i] = -1;
    }
  }
  return m;
}

function maxAbsDiff(a: Mat | Float64Array, b: Mat | Float64Array): number {
  const x = 'data' in a ? a.data : a,
    y = 'data' in b ? b.data : b;
  expect(x.length).toBe(y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}

function maxAbs(a: Mat): number {
  let d = 0;
  for (const v of a.data) d = Math.max(d, Math.abs(v));
  return d;
}

describe('availability and provider', () => {
  it('provider metadata: name openblas, both precisions, priority 100', () => {
    expect(provider.name).toBe('openblas');
    expect([...provider.precisions]).toEqual(['float64', 'float32']);
    expect(provider.priority).toBe(100);
  });

  it('a missing addon reports available: false with the apt command, never throws', () => {
    const r = loadAddon('/nonexistent/sftdl_openblas.node');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain('apt-get install -y libopenblas-dev liblapacke-dev');
      expect(r.reason).toContain('build:native');
    }
    expect(INSTALL_HINT).toContain('liblapacke-dev');
  });

  it('an unloadable file is reported, not thrown', () => {
    const r = loadAddon(new URL('../package.json', import.meta.url).pathname.replace(/package\.json$/, 'README.md'));
    expect(r.ok).toBe(false);
  });

  it('probe agrees with isOpenblasAvailable and create follows it', async () => {
    const p = await provider.probe();
    expect(p.available).toBe(available);
    expect(p.name).toBe('openblas');
    if (available) {
      expect(p.engine).toMatch(/OpenBLAS/);
      const b = await provider.create({ precision: 'float32' });
      expect(b.precision).toBe('float32');
      expect(b.name).toBe('openblas');
    } else {
      expect(p.reason).toContain('apt-get install -y libopenblas-dev liblapacke-dev');
      expect(() => createOpenblasBackend()).toThrow(BackendUnavailableError);
      await expect(provider.create({ precision: 'float64' })).rejects.toThrow(BackendUnavailableError);
    }
    expect(probeOpenblas().available).toBe(available);
  });

  it('selectBackend prefers it for float64 when available and falls back to the reference backend otherwise', async () => {
    const { backend, probes } = await selectBackend({ precision: 'float64', providers: [provider] });
    expect(backend.name).toBe(available ? 'openblas' : 'reference');
    expect(probes.find((p) => p.name === 'openblas')?.available).toBe(available);
    if (available)
      expect((await selectBackend({ precision: 'float32', providers: [provider] })).backend.precision).toBe('float32');
  });

  it('is built wherever CI installed the libraries', () => {
    const ciWithLibs = process.env.CI === 'true' && process.platform === 'linux' && readable('/usr/include/lapacke.h');
    if (ciWithLibs) expect(available, 'libopenblas-dev/liblapacke-dev are installed but the addon did not build').toBe(true);
    else expect(typeof available).toBe('boolean');
  });
});

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

// The numeric tests need the compiled addon; without OpenBLAS/LAPACKE on the machine the block above
// checks the "unavailable" contract instead (CI installs the libraries, see .ci/run).
describe.runIf(available)('openblas backend (native)', () => {
  const backends: Record<Precision, ComputeBackend> = available
    ? { float64: createOpenblasBackend({ precision: 'float64' }), float32: createOpenblasBackend({ precision: 'float32' }) }
    : ({} as Record<Precision, ComputeBackend>);
  /** Absolute tolerance for O(1) entries in each precision. */
  const tol: Record<Precision, number> = { float64: 1e-12, float32: 2e-5 };

  it('reports its identity and threads', () => {
    const b = backends.float64;
    expect(b.specificationVersion).toBe('v1');
    expect(b.info?.threads).toBeGreaterThanOrEqual(1);
    expect(String(b.info?.library)).toMatch(/^OpenBLAS \d/);
    expect(createOpenblasBackend({ threads: 1 }).info?.threads).toBe(1);
    const r = loadAddon();
    // the default is OpenBLAS' count at load, not whatever the last backend set
    if (r.ok) expect(createOpenblasBackend().info?.threads).toBe(r.defaultThreads);
    expect(() => createOpenblasBackend({ threads: 0 })).toThrow(InvalidArgumentError);
    expect(() => createOpenblasBackend({ threads: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => createOpenblasBackend({ precision: 'float16' as Precision })).toThrow(InvalidArgumentError);
  });

  it('the TSDoc/README example: chol([[4, 2], [2, 3]]) = [[2, 0], [1, √2]], log det = log 8', () => {
    const backend = createOpenblasBackend({ precision: 'float64', threads: 2 });
    const L = backend.cholesky(
      fromRows([
        [4, 2],
        [2, 3],
      ]),
    );
    expect(Array.from(L.data)).toEqual([2, 0, 1, Math.SQRT2]);
    expect(backend.choleskyLogDet(L)).toBeCloseTo(Math.log(8), 14);
  });

  it('backends with different thread counts coexist (each call sets its own)', () => {
    const one = createOpenblasBackend({ threads: 1 }),
      two = createOpenblasBackend({ threads: 2 });
    const a = wave(160, 90),
      b = wave(90, 120, 0.3, 0.2, 1);
    const ref = referenceBackend.matmul(a, b);
    expect(maxAbsDiff(one.matmul(a, b), ref)).toBeLessThan(1e-11);
    expect(maxAbsDiff(two.matmul(a, b), ref)).toBeLessThan(1e-11);
    expect(one.info?.threads).toBe(1);
    expect(two.info?.threads).toBe(2);
  });

  describe.each(['float64', 'float32'] as const)('%s', (precision) => {
    const be = () => backends[precision];
    const eps = tol[precision];

    it('matmul: all transpose combinations and alpha match the reference (numpy fixture for Xᵀ·B)', () => {
      const a = wave(5, 3),
        b = wave(3, 4, 0.4, 0.9, 0.2);
      const at = referenceBackend.transpose(a),
        bt = referenceBackend.transpose(b);
      const ref = referenceBackend.matmul(a, b, { alpha: -1.5 });
      expect(maxAbsDiff(be().matmul(a, b, { alpha: -1.5 }), ref)).toBeLessThan(eps);
      expect(maxAbsDiff(be().matmul(at, b, { transA: true, alpha: -1.5 }), ref)).toBeLessThan(eps);
      expect(maxAbsDiff(be().matmul(a, bt, { transB: true, alpha: -1.5 }), ref)).toBeLessThan(eps);
      expect(maxAbsDiff(be().matmul(at, bt, { transA: true, transB: true, alpha: -1.5 }), ref)).toBeLessThan(eps);
      expect(maxAbsDiff(be().matmul(fx('X'), fx('B'), { transA: true, alpha: 2.5 }), fx('matmulTransA'))).toBeLessThan(10 * eps);
    });

    it('matmul at a blocked size (300×200 · 200×250) matches the reference', () => {
      const a = wave(300, 200),
        b = wave(200, 250, 0.11, 0.05, 0.3);
      const ref = referenceBackend.matmul(a, b);
      expect(maxAbsDiff(be().matmul(a, b), ref) / maxAbs(ref)).toBeLessThan(precision === 'float64' ? 1e-13 : 1e-6);
    });

    it('matmul computes in its precision (1 + 2⁻³⁰ rounds to 1 in float32)', () => {
      const x = 1 + 2 ** -30;
      const r = be().matmul(fromRows([[x]]), fromRows([[1]])).data[0];
      expect(r).toBe(precision === 'float64' ? x : 1);
    });

    it('gram (syrk) equals A·Aᵀ / Aᵀ·A, is exactly symmetric, and matches numpy', () => {
      const a = wave(40, 17);
      for (const trans of [false, true]) {
        const g = be().gram(a, { trans, alpha: 0.5 });
        const ref = referenceBackend.matmul(a, a, trans ? { transA: true, alpha: 0.5 } : { transB: true, alpha: 0.5 });
        expect(maxAbsDiff(g, ref)).toBeLessThan(50 * eps);
        for (let i = 0; i < g.rows; i++) for (let j = 0; j < i; j++) expect(g.data[i * g.cols + j]).toBe(g.data[j * g.cols + i]);
      }
      expect(maxAbsDiff(be().gram(fx('X')), fx('gram'))).toBeLessThan(10 * eps);
      expect(maxAbsDiff(be().gram(fx('X'), { trans: true }), fx('gramTrans'))).toBeLessThan(10 * eps);
    });

    it('cholesky: exact 2×2 case, upper triangle zero, only the lower triangle read', () => {
      const L = be().cholesky(
        fromRows([
          [4, 99],
          [2, 3],
        ]),
      );
      expect(
        maxAbsDiff(
          L,
          fromRows([
            [2, 0],
            [1, Math.SQRT2],
          ]),
        ),
      ).toBeLessThan(eps);
      expect(L.data[1]).toBe(0);
    });

    it('cholesky matches numpy and L·Lᵀ = A; the input is not mutated', () => {
      const a = fx('A'),
        copy = a.data.slice();
      const L = be().cholesky(a);
      expect(maxAbsDiff(L, fx('cholesky'))).toBeLessThan(10 * eps);
      expect(maxAbsDiff(referenceBackend.matmul(L, L, { transB: true }), a)).toBeLessThan(100 * eps);
      expect(a.data).toEqual(copy);
      for (let i = 0; i < L.rows; i++) for (let j = i + 1; j < L.cols; j++) expect(L.data[i * L.cols + j]).toBe(0);
    });

    it('cholesky at a blocked size (n = 300) reproduces A', () => {
      const a = spd(300, 40, 1);
      const L = be().cholesky(a);
      const rel = maxAbsDiff(referenceBackend.matmul(L, L, { transB: true }), a) / maxAbs(a);
      expect(rel).toBeLessThan(precision === 'float64' ? 1e-14 : 2e-6);
    });

    it('cholesky jitter is added to a copy: chol(A, j) = chol(A + jI)', () => {
      const a = fx('A'),
        j = 0.75;
      const shifted = mat(a.rows, a.cols, a.data.slice());
      for (let i = 0; i < a.rows; i++) shifted.data[i * a.cols + i]! += j;
      expect(maxAbsDiff(be().cholesky(a, { jitter: j }), be().cholesky(shifted))).toBeLessThan(eps);
      expect(maxAbsDiff(a, fx('A'))).toBe(0);
      expect(() => be().cholesky(a, { jitter: -1 })).toThrow(InvalidArgumentError);
      expect(() => be().cholesky(a, { jitter: Number.NaN })).toThrow(InvalidArgumentError);
    });

    it('an indefinite matrix throws NotPositiveDefiniteError with the pivot and a jitter that works', () => {
      const a = fromRows([
        [1, 2, 0],
        [2, 1, 0],
        [0, 0, 1],
      ]); // Schur complement at pivot 1: 1 − 4 = −3
      let err: unknown;
      try {
        be().cholesky(a);
      } catch (e) {
        err = e;
      }
      expect(NotPositiveDefiniteError.isInstance(err)).toBe(true);
      const e = err as NotPositiveDefiniteError;
      expect(e.pivot).toBe(1);
      expect(e.backend).toBe('openblas');
      expect(e.message).toMatch(/jitter/);
      expect(e.suggestedJitter).toBeGreaterThanOrEqual(3);
      expect(() => be().cholesky(a, { jitter: e.suggestedJitter })).not.toThrow();
    });

    it('a singular PSD matrix fails past its rank; the suggested jitter (relative) factorises it', () => {
      const x = wave(6, 3); // rank 2: every column sin(1.3i + φ) lies in span{sin 1.3i, cos 1.3i}
      const g = referenceBackend.gram(x);
      let err: NotPositiveDefiniteError | undefined;
      try {
        be().cholesky(g);
      } catch (e) {
        if (NotPositiveDefiniteError.isInstance(e)) err = e;
      }
      expect(err).toBeDefined();
      expect(err!.pivot).toBeGreaterThanOrEqual(2);
      expect(() => be().cholesky(g, { jitter: err!.suggestedJitter })).not.toThrow();
    });

    it('triangularSolve: lower/upper × trans/no-trans match the reference and numpy', () => {
      const L = be().cholesky(fx('A'));
      const U = referenceBackend.transpose(L);
      const b = fx('B');
      for (const [t, lower, trans] of [
        [L, true, false],
        [L, true, true],
        [U, false, false],
        [U, false, true],
      ] as const) {
        const x = be().triangularSolve(t, b, { lower, trans });
        expect(maxAbsDiff(x, referenceBackend.triangularSolve(t, b, { lower, trans }))).toBeLessThan(20 * eps);
      }
      expect(maxAbsDiff(be().triangularSolve(fx('cholesky'), b), fx('lowerSolve'))).toBeLessThan(20 * eps);
      expect(maxAbsDiff(be().triangularSolve(fx('cholesky'), b, { trans: true }), fx('upperTransSolve'))).toBeLessThan(20 * eps);
      const col = mat(
        b.rows,
        1,
        b.data.filter((_, i) => i % b.cols === 1),
      );
      expect(maxAbsDiff(be().triangularSolve(L, col), referenceBackend.triangularSolve(L, col))).toBeLessThan(20 * eps);
    });

    it('triangularSolve with a zero diagonal throws InvalidArgumentError', () => {
      const t = fromRows([
        [1, 0],
        [3, 0],
      ]);
      expect(() => be().triangularSolve(t, fromRows([[1], [1]]))).toThrow(/zero diagonal at 1/);
    });

    it('choleskySolve solves A·X = B (matrix and vector right-hand sides) and matches numpy', () => {
      const a = fx('A'),
        b = fx('B');
      const L = be().cholesky(a);
      expect(maxAbsDiff(be().choleskySolve(L, b), fx('solve'))).toBeLessThan(20 * eps);
      const big = spd(200, 30, 0.5),
        rhs = wave(200, 1, 0.2, 0, 0.1);
      const x = be().choleskySolve(be().cholesky(big), rhs);
      expect(maxAbsDiff(referenceBackend.matmul(big, x), rhs)).toBeLessThan(precision === 'float64' ? 1e-10 : 1e-3);
    });

    it('choleskyLogDet: closed form log(n+1) for tridiag(−1, 2, −1), numpy for the fixture', () => {
      for (const n of [1, 5, 64])
        expect(be().choleskyLogDet(be().cholesky(laplacian(n)))).toBeCloseTo(Math.log(n + 1), precision === 'float64' ? 12 : 4);
      expect(be().choleskyLogDet(be().cholesky(fx('A')))).toBeCloseTo(fixture.logdet as number, precision === 'float64' ? 11 : 4);
      expect(() =>
        be().choleskyLogDet(
          fromRows([
            [1, 0],
            [0, -2],
          ]),
        ),
      ).toThrow(/diagonal entry 1 is -2/);
    });

    it('eigh: closed-form spectrum and eigenvectors of tridiag(−1, 2, −1), ascending, orthonormal', () => {
      const n = 12;
      const { values, vectors } = be().eigh(laplacian(n));
      const exact = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
      expect(maxAbsDiff(values, Float64Array.from(exact))).toBeLessThan(10 * eps);
      for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThan(values[k - 1]!);
      // column k ∝ sin((i+1)(k+1)π/(n+1)), normalised by sqrt(2/(n+1)); fix the sign by the first entry
      for (let k = 0; k < n; k++) {
        const sign = Math.sign(vectors.data[k]!);
        for (let i = 0; i < n; i++) {
          const v = Math.sqrt(2 / (n + 1)) * Math.sin(((i + 1) * (k + 1) * Math.PI) / (n + 1));
          expect(Math.abs(sign * vectors.data[i * n + k]! - v)).toBeLessThan(100 * eps);
        }
      }
      const vtv = referenceBackend.matmul(vectors, vectors, { transA: true });
      for (let i = 0; i < n; i++) vtv.data[i * n + i]! -= 1;
      expect(maxAbs(vtv)).toBeLessThan(100 * eps);
    });

    it('eigh: numpy eigenvalues and A·V = V·Λ at n = 150 (lower triangle read)', () => {
      expect(maxAbsDiff(be().eigh(fx('A')).values, Float64Array.from(fixture.eigenvalues as number[]))).toBeLessThan(50 * eps);
      const a = spd(150, 20, 0.1);
      const lowerOnly = mat(
        150,
        150,
        a.data.map((v, idx) => (idx % 150 > Math.floor(idx / 150) ? 1e3 : v)),
      );
      const { values, vectors } = be().eigh(lowerOnly);
      const av = referenceBackend.matmul(a, vectors);
      const vl = referenceBackend.binary(vectors, mat(1, 150, values), 'mul');
      expect(maxAbsDiff(av, vl) / maxAbs(a)).toBeLessThan(precision === 'float64' ? 1e-12 : 5e-5);
    });

    it('elementwise ops, reductions and transpose follow the reference', () => {
      const a = wave(4, 3);
      expect(maxAbsDiff(be().map(a, 'tanh'), referenceBackend.map(a, 'tanh'))).toBe(0);
      expect(maxAbsDiff(be().binary(a, wave(1, 3), 'mul'), referenceBackend.binary(a, wave(1, 3), 'mul'))).toBe(0);
      expect(maxAbsDiff(be().affine(a, 2, 1), referenceBackend.affine(a, 2, 1))).toBe(0);
      expect(maxAbsDiff(be().reduce(a, 'sum', 'cols'), referenceBackend.reduce(a, 'sum', 'cols'))).toBe(0);
      expect(maxAbsDiff(be().transpose(a), referenceBackend.transpose(a))).toBe(0);
    });

    it('empty shapes give empty (or zero) results', () => {
      expect(be().matmul(mat(0, 3), mat(3, 2)).rows).toBe(0);
      expect(Array.from(be().matmul(mat(2, 0), mat(0, 2)).data)).toEqual([0, 0, 0, 0]);
      expect(be().cholesky(mat(0, 0)).data.length).toBe(0);
      expect(be().eigh(mat(0, 0)).values.length).toBe(0);
      expect(be().choleskyLogDet(mat(0, 0))).toBe(0);
      expect(Array.from(be().gram(mat(2, 0)).data)).toEqual([0, 0, 0, 0]);
    });

    it('shape errors are ShapeError, before any native call', () => {
      expect(() => be().matmul(mat(2, 3), mat(2, 3))).toThrow(ShapeError);
      expect(() => be().matmul(mat(2, 3), mat(2, 3), { transA: true })).not.toThrow();
      expect(() => be().cholesky(mat(2, 3))).toThrow(ShapeError);
      expect(() => be().triangularSolve(mat(2, 2), mat(3, 1))).toThrow(ShapeError);
      expect(() => be().choleskySolve(mat(2, 2), mat(3, 1))).toThrow(ShapeError);
      expect(() => be().eigh(mat(3, 2))).toThrow(ShapeError);
      expect(() => be().matmul({ rows: 2, cols: 2, data: new Float64Array(3) }, mat(2, 2))).toThrow(ShapeError);
    });

    it('NaN/Inf inputs throw InvalidArgumentError naming the argument and position', () => {
      const bad = fromRows([
        [1, 0],
        [Number.NaN, 1],
      ]);
      const good = fromRows([
        [2, 0],
        [0, 2],
      ]);
      expect(() => be().matmul(good, bad)).toThrow(/matmul: B \(1, 0\) is non-finite/);
      expect(() => be().matmul(bad, good)).toThrow(InvalidArgumentError);
      expect(() => be().gram(bad)).toThrow(InvalidArgumentError);
      expect(() => be().cholesky(bad)).toThrow(InvalidArgumentError);
      expect(() =>
        be().cholesky(
          fromRows([
            [1, Number.POSITIVE_INFINITY],
            [0, 1],
          ]),
        ),
      ).toThrow(InvalidArgumentError);
      expect(() => be().triangularSolve(good, fromRows([[1], [Number.NaN]]))).toThrow(InvalidArgumentError);
      expect(() => be().triangularSolve(bad, fromRows([[1], [1]]))).toThrow(InvalidArgumentError);
      expect(() => be().choleskySolve(bad, fromRows([[1], [1]]))).toThrow(InvalidArgumentError);
      expect(() => be().choleskyLogDet(fromRows([[Number.NaN]]))).toThrow(InvalidArgumentError);
      expect(() => be().eigh(bad)).toThrow(InvalidArgumentError);
      expect(() => be().matmul(good, good, { alpha: Number.NaN })).toThrow(InvalidArgumentError);
    });

    it('overflowing results throw instead of returning Inf', () => {
      const big = precision === 'float64' ? 1e200 : 1e30;
      expect(() => be().matmul(fromRows([[big]]), fromRows([[big]]))).toThrow(/overflowed/);
      expect(() => be().gram(fromRows([[big, big]]))).toThrow(/overflowed/);
    });

    if (precision === 'float32') {
      it('entries beyond the float32 range are rejected with advice to use float64', () => {
        expect(() => be().matmul(fromRows([[1e39]]), fromRows([[1]]))).toThrow(/float32 range.*float64/);
        expect(() => be().cholesky(fromRows([[1e39]]))).toThrow(/float32 range/);
        expect(() =>
          be().eigh(
            fromRows([
              [1, 0],
              [-1e39, 1],
            ]),
          ),
        ).toThrow(/float32 range/);
      });
    }
  });
});

// sftdl's own AVX-512 GEMM kernels (src/native/fastgemm.cc) against OpenBLAS' routines and the reference backend:
// two independent implementations per check, on sizes that exercise every edge of the 14×16 (float64) and 14×32
// (float32) register tiles, the 768-deep k blocks, the shared-B multi-thread path and the recursive Cholesky.
const avx512 = available && (loadAddon() as { ok: true; addon: { info(): { avx512: boolean } } }).addon.info().avx512;

describe.runIf(available)('kernel selection', () => {
  it("kernels: 'auto' picks sftdl's AVX-512 GEMM exactly when OpenBLAS' core type has none of its own", () => {
    const r = loadAddon();
    if (!r.ok) throw new Error('unreachable');
    const info = r.addon.info();
    const auto = createOpenblasBackend();
    expect(auto.info?.gemm).toBe(info.fastPreferred ? 'sftdl avx512' : 'openblas');
    if (info.fastPreferred) expect(probeOpenblas().engine).toMatch(/sftdl AVX-512/);
    // a core type with AVX-512 kernels of its own is never overridden
    if (/SkylakeX|Cooperlake|SapphireRapids/i.test(info.corename)) expect(info.fastPreferred).toBe(false);
    expect(createOpenblasBackend({ kernels: 'openblas' }).info?.gemm).toBe('openblas');
    expect(() => createOpenblasBackend({ kernels: 'fast' as 'auto' })).toThrow(InvalidArgumentError);
    if (!info.avx512) expect(() => createOpenblasBackend({ kernels: 'avx512' })).toThrow(BackendUnavailableError);
  });
});

describe.runIf(avx512)("sftdl AVX-512 kernels (kernels: 'avx512')", () => {
  describe.each(['float64', 'float32'] as const)('%s', (precision) => {
    const fast = createOpenblasBackend({ precision, kernels: 'avx512' });
    const blas = createOpenblasBackend({ precision, kernels: 'openblas' });
    // relative to max|C|; float32 sums over k ≤ 1601 terms carry ~√k·2⁻²⁴ relative error
    const rel = precision === 'float64' ? 1e-13 : 2e-5;

    it('matmul matches OpenBLAS and the reference for every transpose and tile-edge shape', () => {
      // m, n, k around the tile sizes (14 rows; 16 or 32 columns) and across a k block (768)
      const shapes: [number, number, number][] = [
        [14, 16, 40],
        [15, 17, 41],
        [13, 33, 29],
        [29, 31, 100],
        [1, 200, 64],
        [200, 1, 64],
        [97, 65, 770],
        [300, 257, 1601],
      ];
      for (const [m, n, k] of shapes) {
        const a = wave(m, k, 0.37, 0.011, 0.1),
          b = wave(k, n, 0.23, 0.017, 0.4);
        const at = referenceBackend.transpose(a),
          bt = referenceBackend.transpose(b);
        const ref = referenceBackend.matmul(a, b, { alpha: -0.75 });
        const scale = maxAbs(ref);
        const cases: [Mat, Mat, { transA?: boolean; transB?: boolean }][] = [
          [a, b, {}],
          [at, b, { transA: true }],
          [a, bt, { transB: true }],
          [at, bt, { transA: true, transB: true }],
        ];
        for (const [x, y, o] of cases) {
          const got = fast.matmul(x, y, { ...o, alpha: -0.75 });
          expect(maxAbsDiff(got, ref) / scale, `${m}×${n}×${k} ${JSON.stringify(o)}`).toBeLessThan(rel);
          expect(maxAbsDiff(got, blas.matmul(x, y, { ...o, alpha: -0.75 })) / scale).toBeLessThan(rel);
        }
      }
    });

    it('matmul and gram do not depend on the thread count (bitwise): each entry is summed by one thread in k order', () => {
      // (cholesky is not covered: its LAPACK/BLAS leaves run in OpenBLAS, whose blocking depends on the threads)
      const a = wave(403, 517, 0.3, 0.01),
        b = wave(517, 389, 0.2, 0.03, 1);
      const one = createOpenblasBackend({ precision, kernels: 'avx512', threads: 1 });
      const two = createOpenblasBackend({ precision, kernels: 'avx512', threads: 2 });
      const three = createOpenblasBackend({ precision, kernels: 'avx512', threads: 3 });
      const r1 = one.matmul(a, b);
      expect(maxAbsDiff(two.matmul(a, b), r1)).toBe(0);
      expect(maxAbsDiff(three.matmul(a, b), r1)).toBe(0);
      expect(maxAbsDiff(three.gram(a), one.gram(a))).toBe(0);
    });

    it('gram (blocked SYRK) equals A·Aᵀ and Aᵀ·A, exactly symmetric', () => {
      for (const [n, k] of [
        [45, 70],
        [401, 33],
        [260, 900],
      ] as const) {
        const a = wave(n, k, 0.41, 0.013);
        const g = fast.gram(a, { alpha: 0.5 });
        const ref = referenceBackend.matmul(a, a, { transB: true, alpha: 0.5 });
        expect(maxAbsDiff(g, ref) / maxAbs(ref)).toBeLessThan(rel);
        expect(maxAbsDiff(g, blas.gram(a, { alpha: 0.5 })) / maxAbs(ref)).toBeLessThan(rel);
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(g.data[i * n + j]).toBe(g.data[j * n + i]);
        const gt = fast.gram(a, { trans: true });
        const reft = referenceBackend.matmul(a, a, { transA: true });
        expect(maxAbsDiff(gt, reft) / maxAbs(reft)).toBeLessThan(rel);
      }
    });

    it('recursive Cholesky: L·Lᵀ = A, matches LAPACK, upper triangle zero (n across the 96-leaf and 32-splits)', () => {
      for (const n of [97, 130, 300, 517]) {
        const a = spd(n, 60, 1);
        const L = fast.cholesky(a);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
        const llt = referenceBackend.matmul(L, L, { transB: true });
        expect(maxAbsDiff(llt, a) / maxAbs(a)).toBeLessThan(precision === 'float64' ? 1e-13 : 2e-6);
        expect(maxAbsDiff(L, blas.cholesky(a)) / maxAbs(L)).toBeLessThan(precision === 'float64' ? 1e-11 : 2e-4);
        expect(fast.choleskyLogDet(L)).toBeCloseTo(blas.choleskyLogDet(blas.cholesky(a)), precision === 'float64' ? 9 : 2);
      }
    });

    it('a matrix that stops being positive definite deep inside the recursion fails at the same pivot as LAPACK', () => {
      // A = G + I with one diagonal entry pushed negative after the first leaf: the leading minor of order 401 fails
      const n = 517;
      const a = spd(n, 30, 1);
      a.data[400 * n + 400] = -5;
      let fastErr: NotPositiveDefiniteError | undefined, blasErr: NotPositiveDefiniteError | undefined;
      try {
        fast.cholesky(a);
      } catch (e) {
        fastErr = e as NotPositiveDefiniteError;
      }
      try {
        blas.cholesky(a);
      } catch (e) {
        blasErr = e as NotPositiveDefiniteError;
      }
      expect(fastErr).toBeInstanceOf(NotPositiveDefiniteError);
      expect(blasErr).toBeInstanceOf(NotPositiveDefiniteError);
      expect(fastErr!.pivot).toBe(400);
      expect(blasErr!.pivot).toBe(400);
      // the suggested jitter lifts the failing pivot: the factorisation then succeeds
      a.data[400 * n + 400] = 0;
      let err: unknown;
      try {
        fast.cholesky(a);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NotPositiveDefiniteError);
      const { suggestedJitter } = err as NotPositiveDefiniteError;
      expect(suggestedJitter).toBeGreaterThan(0);
      expect(() => fast.cholesky(a, { jitter: suggestedJitter })).not.toThrow();
    });

    it('NaN, overflow and the float32 range are reported at the exact position on the fast path too', () => {
      const a = wave(64, 70),
        b = wave(70, 66, 0.2, 0.1);
      const badB = { ...b, data: b.data.slice() };
      badB.data[50 * 66 + 7] = Number.NaN;
      expect(() => fast.matmul(a, badB)).toThrow(/matmul: B \(50, 7\) is non-finite/);
      const huge = { ...a, data: a.data.map(() => (precision === 'float64' ? 1e160 : 1e20)) };
      expect(() => fast.matmul(huge, huge, { transB: true })).toThrow(/overflowed/);
      if (precision === 'float32') {
        const big = { ...a, data: a.data.slice() };
        big.data[3 * 70 + 9] = 1e39;
        expect(() => fast.matmul(big, b)).toThrow(/matmul: A \(3, 9\) = 1e\+39 exceeds the float32 range/);
      }
    });

    if (precision === 'float32') {
      it('computes in float32: inputs are rounded while packed, sums run in float32', () => {
        // 40×40×40 is above the fast-path threshold. Row of (1 + 2⁻³⁰) · column of ones = 40 exactly in float32.
        const k = 40;
        const a = mat(k, k),
          b = mat(k, k);
        a.data.fill(1 + 2 ** -30);
        b.data.fill(1);
        const c = fast.matmul(a, b);
        expect(c.data.every((v) => v === k)).toBe(true);
        // 2²⁴ + 1 is not a float32: (2²⁴ + 1)·1 rounds to 2²⁴
        const x = mat(k, k);
        x.data.fill(0);
        for (let i = 0; i < k; i++) x.data[i * k] = 2 ** 24 + 1;
        expect(fast.matmul(x, b).data[0]).toBe(2 ** 24);
      });
    }
  });
});
