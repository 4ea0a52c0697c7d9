import * as vitest from 'vitest';
import { type ComputeBackend, type ReduceAxis, type ReduceOp, type BinaryOp, UNARY_OPS, type UnaryOp } from './backend';
import { InvalidArgumentError, NotPositiveDefiniteError, ShapeError, SftdlError } from './errors';
import { type Mat, addToDiagonalInPlace } from './mat';
import { unaryScalar } from './reference';

/** The test-framework functions the suite needs (vitest's by default; jest/mocha-style `describe`/`it` work too). */
export interface ConformanceApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => void | Promise<void>, timeout?: number) => void;
}

export interface ConformanceOptions {
  /** Test-framework functions; default: vitest's `describe` and `it` (vitest is an optional peer dependency). */
  api?: ConformanceApi;
  /** Title of the `describe` block (default: `conformance: <backend name>` once created, else 'conformance'). */
  title?: string;
  /** Per-test timeout in ms (default 30 000). */
  timeout?: number;
}

type Factory = ComputeBackend | (() => ComputeBackend | Promise<ComputeBackend>);

// ---------------------------------------------------------------------------------------------------------------
// Deterministic test data (a counter-based hash; the suite must not depend on @sftdl/field, which sits above compute).

function hashUniform(seed: number, i: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296; // [0, 1)
}

/** Deterministic rows×cols matrix with entries uniform in [lo, hi). */
export function testMatrix(rows: number, cols: number, seed: number, lo = -1, hi = 1): Mat {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * hashUniform(seed, i);
  return { rows, cols, data };
}

function naiveMatmul(a: Mat, b: Mat, transA = false, transB = false, alpha = 1): Mat {
  const m = transA ? a.cols : a.rows,
    k = transA ? a.rows : a.cols,
    n = transB ? b.rows : b.cols;
  const A = (i: number, p: number) => (transA ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!);
  const B = (p: number, j: number) => (transB ? b.data[j * b.cols + p]! : b.data[p * b.cols + j]!);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      out[i * n + j] = alpha * s;
    }
  return { rows: m, cols: n, data: out };
}

/** SPD test matrix G Gᵀ / k + shift·I (well conditioned for shift ~ 1). */
export function testSpd(n: number, seed: number, shift = 1): Mat {
  const k = n + 3;
  const g = testMatrix(n, k, seed);
  const a = naiveMatmul(g, g, false, true, 1 / k);
  addToDiagonalInPlace(a.data, n, shift);
  return a;
}

const frob = (d: Float64Array) => {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  return Math.sqrt(s);
};

function relErr(got: Mat, want: Mat): number {
  let s = 0;
  for (let i = 0; i < want.data.length; i++) s += (got.data[i]! - want.data[i]!) ** 2;
  return Math.sqrt(s) / Math.max(frob(want.data), 1e-300);
}

function fail(message: string): never {
  throw new Error(message);
}

function assertShapeOf(m: Mat, rows: number, cols: number, what: string): void {
  if (m.rows !== rows || m.cols !== cols || m.data.length !== rows * cols || !(m.data instanceof Float64Array)) {
    fail(
      `${what}: expected a [${rows}, ${cols}] Mat with a Float64Array of length ${rows * cols}, got [${m.rows}, ${m.cols}] (${m.data?.constructor?.name} of length ${m.data?.length})`,
    );
  }
}

function assertClose(got: Mat, want: Mat, tol: number, what: string): void {
  assertShapeOf(got, want.rows, want.cols, what);
  const e = relErr(got, want);
  if (!(e <= tol)) fail(`${what}: relative Frobenius error ${e.toExponential(3)} > tolerance ${tol.toExponential(2)}`);
}

function assertThrows(fn: () => unknown, check: (e: unknown) => boolean, what: string, expected: string): unknown {
  try {
    fn();
  } catch (e) {
    if (!check(e)) fail(`${what}: expected ${expected}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return e;
  }
  return fail(`${what}: expected ${expected}, but nothing was thrown`);
}

const isShape = (e: unknown) => ShapeError.isInstance(e);
const isInvalid = (e: unknown) => InvalidArgumentError.isInstance(e);
const isNpd = (e: unknown) => NotPositiveDefiniteError.isInstance(e);

function symmetricPart(a: Mat): Mat {
  const n = a.rows,
    d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = 0.5 * (a.data[i * n + j]! + a.data[j * n + i]!);
  return { rows: n, cols: n, data: d };
}

function withEntry(m: Mat, index: number, value: number): Mat {
  const d = m.data.slice();
  d[index] = value;
  return { rows: m.rows, cols: m.cols, data: d };
}

// domains on which each unary op is finite and well conditioned
function unaryInput(op: UnaryOp, n: number): Mat {
  const positive = op === 'log' || op === 'sqrt' || op === 'reciprocal';
  const m = testMatrix(n, n, 900 + UNARY_OPS.indexOf(op), positive ? 0.1 : -3, 3);
  if (op === 'log1p') for (let i = 0; i < m.data.length; i++) m.data[i] = Math.abs(m.data[i]!);
  // keep relu/step away from the kink so float32 rounding cannot flip a branch
  if (op === 'relu' || op === 'step') for (let i = 0; i < m.data.length; i++) if (Math.abs(m.data[i]!) < 1e-3) m.data[i] = 0.5;
  return m;
}

const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'mean', 'max', 'min', 'sumsq'];
const AXES: readonly ReduceAxis[] = ['rows', 'cols', 'all'];
const BINARY_OPS: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];

function naiveReduce(a: Mat, op: ReduceOp, axis: ReduceAxis): Float64Array {
  const groups: number[][] = [];
  if (axis === 'all') groups.push(Array.from(a.data));
  else if (axis === 'rows')
    for (let i = 0; i < a.rows; i++) groups.push(Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
  else for (let j = 0; j < a.cols; j++) groups.push(Array.from({ length: a.rows }, (_, i) => a.data[i * a.cols + j]!));
  return Float64Array.from(groups, (g) => {
    switch (op) {
      case 'sum':
        return g.reduce((s, v) => s + v, 0);
      case 'mean':
        return g.reduce((s, v) => s + v, 0) / g.length;
      case 'max':
        return Math.max(...g);
      case 'min':
        return Math.min(...g);
      case 'sumsq':
        return g.reduce((s, v) => s + v * v, 0);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Registers the backend conformance suite: algebra against naive float64 references, shapes → `ShapeError`,
 * NaN/Inf → `InvalidArgumentError`, indefinite → `NotPositiveDefiniteError` (with a working suggested jitter),
 * ill-conditioned SPD (meets the precision's tolerance or throws), purity and determinism. Tolerances are derived
 * from `backend.precision` (machine epsilon × a size factor).
 *
 * *When to use*: in a backend package's tests, as a one-liner; authors of third-party backends certify theirs with it.
 *
 * *Gotchas*: the factory is called once (lazily, inside the first test) and the backend is shared by all tests.
 * The suite uses matrices up to ~150×150; a backend slower than ~1 GFLOP/s may need a larger `timeout`.
 *
 * @example
 * ```ts
 * // packages/backend-foo/src/conformance.test.ts
 * import { runConformanceSuite } from '@sftdl/compute/testing';
 * import { fooBackend } from './index';
 * runConformanceSuite(fooBackend);
 * ```
 */
export function runConformanceSuite(backendOrFactory: Factory, options: ConformanceOptions = {}): void {
  const api: ConformanceApi = options.api ?? { describe: vitest.describe, it: vitest.it };
  const timeout = options.timeout ?? 30_000;
  let cached: Promise<ComputeBackend> | undefined;
  const get = () => (cached ??= Promise.resolve(typeof backendOrFactory === 'function' ? backendOrFactory() : backendOrFactory));
  const title =
    options.title ?? (typeof backendOrFactory === 'function' ? 'conformance' : `conformance: ${backendOrFactory.name}`);
  const test = (name: string, fn: (b: ComputeBackend, eps: number) => void) =>
    api.it(
      name,
      async () => {
        const b = await get();
        fn(b, b.precision === 'float64' ? 2.220446049250313e-16 : 1.1920928955078125e-7);
      },
      timeout,
    );
  // relative Frobenius tolerance for an n-term accumulation
  const tolFor = (eps: number, n: number) => 64 * eps * Math.max(8, n);

  api.describe(title, () => {
    test('metadata: specificationVersion v1, name, precision', (b) => {
      if (b.specificationVersion !== 'v1') fail(`specificationVersion must be 'v1', got ${String(b.specificationVersion)}`);
      if (typeof b.name !== 'string' || b.name === '') fail('name must be a non-empty string');
      if (b.precision !== 'float64' && b.precision !== 'float32')
        fail(`precision must be float64|float32, got ${String(b.precision)}`);
    });

    test('matmul: all transpose flags and alpha against a naive product (block-edge sizes)', (b, eps) => {
      const shapes: [number, number, number][] = [
        [1, 1, 1],
        [3, 5, 2],
        [37, 61, 29],
        [130, 70, 101],
      ];
      let seed = 1;
      for (const [m, k, n] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const alpha of [1, -0.5]) {
              const a = transA ? testMatrix(k, m, seed++) : testMatrix(m, k, seed++);
              const bb = transB ? testMatrix(n, k, seed++) : testMatrix(k, n, seed++);
              const got = b.matmul(a, bb, { transA, transB, alpha });
              assertClose(
                got,
                naiveMatmul(a, bb, transA, transB, alpha),
                tolFor(eps, k),
                `matmul [${m},${k}]×[${k},${n}] transA=${transA} transB=${transB} alpha=${alpha}`,
              );
            }
          }
        }
      }
    });

    test('gram: A·Aᵀ and Aᵀ·A, exactly symmetric, against a naive product', (b, eps) => {
      for (const [r, c] of [
        [1, 1],
        [5, 3],
        [70, 130],
        [131, 40],
      ] as const) {
        const a = testMatrix(r, c, 10 + r);
        for (const trans of [false, true]) {
          const got = b.gram(a, { trans, alpha: 0.75 });
          const want = naiveMatmul(a, a, trans, !trans, 0.75);
          assertClose(got, want, tolFor(eps, trans ? r : c), `gram [${r},${c}] trans=${trans}`);
          const n = got.rows;
          for (let i = 0; i < n; i++)
            for (let j = 0; j < i; j++) {
              if (got.data[i * n + j] !== got.data[j * n + i])
                fail(`gram [${r},${c}] trans=${trans}: not exactly symmetric at (${i}, ${j})`);
            }
        }
      }
    });

    test('cholesky: lower factor, L·Lᵀ reconstructs A, reads only the lower triangle, jitter adds to the diagonal', (b, eps) => {
      for (const n of [1, 2, 17, 100, 150]) {
        const a = testSpd(n, 20 + n);
        const l = b.cholesky(a);
        assertShapeOf(l, n, n, `cholesky n=${n}`);
        for (let i = 0; i < n; i++) {
          if (!(l.data[i * n + i]! > 0)) fail(`cholesky n=${n}: diagonal ${i} is ${l.data[i * n + i]}, expected > 0`);
          for (let j = i + 1; j < n; j++)
            if (l.data[i * n + j] !== 0) fail(`cholesky n=${n}: upper entry (${i}, ${j}) is ${l.data[i * n + j]}, expected 0`);
        }
        assertClose(naiveMatmul(l, l, false, true), a, tolFor(eps, n), `cholesky n=${n}: L·Lᵀ vs A`);
        // garbage (finite) in the strict upper triangle must be ignored
        const up = { rows: n, cols: n, data: a.data.slice() };
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) up.data[i * n + j] = 1e3 * (i - j);
        assertClose(b.cholesky(up), l, tolFor(eps, n), `cholesky n=${n}: upper triangle must not be read`);
        const j = 0.3;
        const aj = { rows: n, cols: n, data: a.data.slice() };
        addToDiagonalInPlace(aj.data, n, j);
        assertClose(b.cholesky(a, { jitter: j }), b.cholesky(aj), tolFor(eps, n), `cholesky n=${n}: jitter`);
      }
      const l2 = b.cholesky({ rows: 2, cols: 2, data: Float64Array.of(4, 2, 2, 3) });
      assertClose(
        l2,
        { rows: 2, cols: 2, data: Float64Array.of(2, 0, 1, Math.SQRT2) },
        8 * eps,
        'cholesky [[4,2],[2,3]] closed form',
      );
    });

    test('triangularSolve: lower/upper × trans, vector and matrix right-hand sides', (b, eps) => {
      for (const n of [1, 9, 120]) {
        const l = b.cholesky(testSpd(n, 30 + n));
        const u = b.transpose(l);
        for (const m of [1, 7]) {
          const rhs = testMatrix(n, m, 40 + n + m);
          for (const [t, lower] of [
            [l, true],
            [u, false],
          ] as const) {
            for (const trans of [false, true]) {
              const x = b.triangularSolve(t, rhs, { lower, trans });
              assertShapeOf(x, n, m, 'triangularSolve');
              assertClose(
                naiveMatmul(t, x, trans, false),
                rhs,
                tolFor(eps, n) * 10,
                `triangularSolve n=${n} m=${m} lower=${lower} trans=${trans}: op(T)·X vs B`,
              );
            }
          }
        }
      }
    });

    test('choleskySolve and choleskyLogDet', (b, eps) => {
      for (const n of [1, 12, 110]) {
        const a = testSpd(n, 50 + n);
        const l = b.cholesky(a);
        const rhs = testMatrix(n, 3, 60 + n);
        const x = b.choleskySolve(l, rhs);
        assertClose(naiveMatmul(a, x), rhs, tolFor(eps, n) * 10, `choleskySolve n=${n}: A·X vs B`);
        const { values } = b.eigh(a);
        let want = 0;
        for (const v of values) want += Math.log(v);
        const got = b.choleskyLogDet(l);
        if (!(Math.abs(got - want) <= tolFor(eps, n) * Math.max(1, Math.abs(want)) * 10))
          fail(`choleskyLogDet n=${n}: ${got} vs Σ log λ = ${want}`);
      }
      const d = { rows: 3, cols: 3, data: Float64Array.of(2, 0, 0, 0, 3, 0, 0, 0, 5) };
      const ld = b.choleskyLogDet(b.cholesky(d));
      if (!(Math.abs(ld - Math.log(30)) <= 16 * eps * Math.log(30)))
        fail(`choleskyLogDet(diag(2,3,5)) = ${ld}, expected log 30 = ${Math.log(30)}`);
    });

    test('eigh: ascending values, orthonormal vectors, A·V = V·Λ, closed forms', (b, eps) => {
      const two = b.eigh({ rows: 2, cols: 2, data: Float64Array.of(2, 1, 1, 2) });
      if (!(Math.abs(two.values[0]! - 1) <= 16 * eps && Math.abs(two.values[1]! - 3) <= 16 * eps * 3))
        fail(`eigh [[2,1],[1,2]]: values ${Array.from(two.values)}, expected [1, 3]`);
      for (const n of [1, 2, 10, 64, 120]) {
        const a = symmetricPart(testMatrix(n, n, 70 + n)); // indefinite, distinct eigenvalues (generic)
        const { values, vectors } = b.eigh(a);
        if (values.length !== n) fail(`eigh n=${n}: ${values.length} eigenvalues`);
        assertShapeOf(vectors, n, n, `eigh n=${n}: vectors`);
        for (let k = 1; k < n; k++) if (!(values[k]! >= values[k - 1]!)) fail(`eigh n=${n}: eigenvalues not ascending at ${k}`);
        const eye = { rows: n, cols: n, data: new Float64Array(n * n) };
        for (let i = 0; i < n; i++) eye.data[i * n + i] = 1;
        const vtv = naiveMatmul(vectors, vectors, true, false);
        const tol = tolFor(eps, n) * 4;
        let orth = 0;
        for (let i = 0; i < n * n; i++) orth = Math.max(orth, Math.abs(vtv.data[i]! - eye.data[i]!));
        if (!(orth <= tol)) fail(`eigh n=${n}: max |VᵀV − I| = ${orth.toExponential(3)} > ${tol.toExponential(2)}`);
        const av = naiveMatmul(a, vectors);
        const vl = { rows: n, cols: n, data: vectors.data.slice() };
        for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vl.data[i * n + k]! *= values[k]!;
        let res = 0;
        for (let i = 0; i < n * n; i++) res = Math.max(res, Math.abs(av.data[i]! - vl.data[i]!));
        const scale = Math.max(Math.abs(values[0]!), Math.abs(values[n - 1]!), 1e-300);
        if (!(res <= tol * scale))
          fail(`eigh n=${n}: max |A·V − V·Λ| = ${res.toExponential(3)} > ${(tol * scale).toExponential(2)}`);
      }
    });

    test('eigh: repeated eigenvalues (scaled identity plus low rank) still give an orthonormal basis', (b, eps) => {
      const n = 60;
      const g = testMatrix(n, 3, 81);
      const a = naiveMatmul(g, g, false, true);
      addToDiagonalInPlace(a.data, n, 2);
      const { values, vectors } = b.eigh(a);
      const tol = tolFor(eps, n) * 4;
      for (let k = 0; k < n - 3; k++)
        if (!(Math.abs(values[k]! - 2) <= tol * values[n - 1]!)) fail(`eigh repeated: value ${k} is ${values[k]}, expected 2`);
      const vtv = naiveMatmul(vectors, vectors, true, false);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          if (!(Math.abs(vtv.data[i * n + j]! - (i === j ? 1 : 0)) <= tol))
            fail(`eigh repeated: VᵀV not identity at (${i}, ${j})`);
        }
    });

    test('map: every unary op against the float64 scalar reference', (b, eps) => {
      for (const op of UNARY_OPS) {
        const a = unaryInput(op, 9);
        const got = b.map(a, op);
        assertShapeOf(got, 9, 9, `map(${op})`);
        const f = unaryScalar[op];
        // float32 backends may use approximations of erf (~1e-7 absolute); allow a few hundred ulps there
        const tol = b.precision === 'float64' ? 1e-12 : 5e-6;
        for (let i = 0; i < a.data.length; i++) {
          const want = f(a.data[i]!);
          if (!(Math.abs(got.data[i]! - want) <= tol * Math.max(1, Math.abs(want))))
            fail(`map(${op})(${a.data[i]}) = ${got.data[i]}, expected ${want}`);
        }
      }
      void eps;
    });

    test('binary (with row/column broadcast), affine, reduce, transpose', (b, eps) => {
      const a = testMatrix(7, 5, 91, 0.5, 2);
      const full = testMatrix(7, 5, 92, 0.5, 2),
        row = testMatrix(1, 5, 93, 0.5, 2),
        col = testMatrix(7, 1, 94, 0.5, 2);
      const tol = 8 * eps;
      for (const op of BINARY_OPS) {
        for (const [other, kind] of [
          [full, 'full'],
          [row, 'row'],
          [col, 'col'],
        ] as const) {
          const got = b.binary(a, other, op);
          assertShapeOf(got, 7, 5, `binary(${op}, ${kind})`);
          for (let i = 0; i < 7; i++)
            for (let j = 0; j < 5; j++) {
              const x = a.data[i * 5 + j]!;
              const y = kind === 'full' ? other.data[i * 5 + j]! : kind === 'row' ? other.data[j]! : other.data[i]!;
              const want =
                op === 'add'
                  ? x + y
                  : op === 'sub'
                    ? x - y
                    : op === 'mul'
                      ? x * y
                      : op === 'div'
                        ? x / y
                        : op === 'max'
                          ? Math.max(x, y)
                          : Math.min(x, y);
              if (!(Math.abs(got.data[i * 5 + j]! - want) <= tol * Math.max(1, Math.abs(want))))
                fail(`binary(${op}, ${kind}) at (${i}, ${j}): ${got.data[i * 5 + j]} vs ${want}`);
            }
        }
      }
      const af = b.affine(a, -2, 0.5);
      for (let i = 0; i < a.data.length; i++)
        if (!(Math.abs(af.data[i]! - (-2 * a.data[i]! + 0.5)) <= tol * 4)) fail(`affine at ${i}`);
      for (const op of REDUCE_OPS)
        for (const axis of AXES) {
          const got = b.reduce(a, op, axis);
          const want = naiveReduce(a, op, axis);
          if (!(got instanceof Float64Array) || got.length !== want.length)
            fail(`reduce(${op}, ${axis}): expected a Float64Array of length ${want.length}`);
          for (let i = 0; i < want.length; i++)
            if (!(Math.abs(got[i]! - want[i]!) <= tolFor(eps, 7) * Math.max(1, Math.abs(want[i]!))))
              fail(`reduce(${op}, ${axis})[${i}] = ${got[i]}, expected ${want[i]}`);
        }
      const t = b.transpose(a);
      assertShapeOf(t, 5, 7, 'transpose');
      for (let i = 0; i < 7; i++)
        for (let j = 0; j < 5; j++)
          if (!(Math.abs(t.data[j * 7 + i]! - a.data[i * 5 + j]!) <= eps * 2)) fail(`transpose at (${i}, ${j})`);
    });

    test('shapes: mismatches throw ShapeError', (b) => {
      const a23 = testMatrix(2, 3, 1),
        a33 = testSpd(3, 2),
        a44 = testSpd(4, 3);
      assertThrows(() => b.matmul(a23, a23), isShape, 'matmul [2,3]×[2,3]', 'ShapeError');
      assertThrows(() => b.matmul(a23, a33, { transA: true }), isShape, 'matmul transA: [3,2]×[3,3]', 'ShapeError');
      assertThrows(
        () => b.matmul(a33, testMatrix(3, 2, 3), { transB: true }),
        isShape,
        'matmul transB: [3,3]×[2,3]',
        'ShapeError',
      );
      assertThrows(() => b.cholesky(a23), isShape, 'cholesky of [2,3]', 'ShapeError');
      assertThrows(() => b.eigh(a23), isShape, 'eigh of [2,3]', 'ShapeError');
      assertThrows(
        () => b.triangularSolve(b.cholesky(a33), testMatrix(4, 1, 5)),
        isShape,
        'triangularSolve [3,3] with B [4,1]',
        'ShapeError',
      );
      assertThrows(() => b.triangularSolve(a23, testMatrix(2, 1, 5)), isShape, 'triangularSolve with T [2,3]', 'ShapeError');
      assertThrows(
        () => b.choleskySolve(b.cholesky(a44), testMatrix(3, 2, 6)),
        isShape,
        'choleskySolve [4,4] with B [3,2]',
        'ShapeError',
      );
      assertThrows(() => b.choleskyLogDet(a23), isShape, 'choleskyLogDet of [2,3]', 'ShapeError');
      assertThrows(() => b.binary(a23, testMatrix(3, 2, 7), 'add'), isShape, 'binary [2,3] with [3,2]', 'ShapeError');
      assertThrows(() => b.binary(a23, testMatrix(1, 2, 7), 'mul'), isShape, 'binary [2,3] with row [1,2]', 'ShapeError');
    });

    test('NaN/Inf inputs throw InvalidArgumentError', (b) => {
      const spd = testSpd(4, 4);
      const l = b.cholesky(spd);
      const rhs = testMatrix(4, 2, 8);
      for (const bad of [NaN, Infinity, -Infinity]) {
        const badSq = withEntry(spd, 5, bad),
          badRect = withEntry(rhs, 3, bad);
        const cases: [string, () => unknown][] = [
          ['matmul A', () => b.matmul(badSq, rhs)],
          ['matmul B', () => b.matmul(spd, badRect)],
          ['gram', () => b.gram(badRect)],
          ['cholesky', () => b.cholesky(badSq)],
          ['triangularSolve T', () => b.triangularSolve(withEntry(l, 4, bad), rhs)],
          ['triangularSolve B', () => b.triangularSolve(l, badRect)],
          ['choleskySolve', () => b.choleskySolve(l, badRect)],
          ['choleskyLogDet', () => b.choleskyLogDet(withEntry(l, 5, bad))],
          ['eigh', () => b.eigh(badSq)],
          ['map', () => b.map(badRect, 'tanh')],
          ['binary', () => b.binary(badRect, rhs, 'add')],
          ['affine', () => b.affine(badRect, 2, 1)],
          ['reduce', () => b.reduce(badRect, 'sum', 'all')],
          ['transpose', () => b.transpose(badRect)],
        ];
        for (const [what, fn] of cases) assertThrows(fn, isInvalid, `${what} with ${bad}`, 'InvalidArgumentError');
      }
      assertThrows(() => b.cholesky(spd, { jitter: -1 }), isInvalid, 'cholesky with a negative jitter', 'InvalidArgumentError');
      assertThrows(() => b.cholesky(spd, { jitter: NaN }), isInvalid, 'cholesky with a NaN jitter', 'InvalidArgumentError');
      assertThrows(
        () => b.map(testMatrix(2, 2, 9, -2, -1), 'log'),
        isInvalid,
        'map(log) of negative numbers',
        'InvalidArgumentError (never NaN output)',
      );
    });

    test('indefinite → NotPositiveDefiniteError with a suggested jitter that works', (b) => {
      const n = 30;
      const base = testSpd(n, 99);
      const { values } = b.eigh(base);
      // shift so that the smallest eigenvalue is −1e-3·λmax: slightly indefinite
      const shift = values[0]! + 1e-3 * values[n - 1]!;
      const a = { rows: n, cols: n, data: base.data.slice() };
      addToDiagonalInPlace(a.data, n, -shift);
      const e = assertThrows(
        () => b.cholesky(a),
        isNpd,
        'cholesky of an indefinite matrix',
        'NotPositiveDefiniteError',
      ) as NotPositiveDefiniteError;
      if (!(e.suggestedJitter > 0) || !Number.isFinite(e.suggestedJitter))
        fail(`suggestedJitter must be finite and > 0, got ${e.suggestedJitter}`);
      if (!/jitter/.test(e.message)) fail(`message must suggest a jitter: ${e.message}`);
      if (e.backend !== b.name) fail(`error.backend is '${e.backend}', expected '${b.name}'`);
      assertThrows(
        () => b.cholesky({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 2, 1) }),
        isNpd,
        'cholesky [[1,2],[2,1]]',
        'NotPositiveDefiniteError',
      );
      assertThrows(
        () => b.cholesky({ rows: 1, cols: 1, data: Float64Array.of(-1) }),
        isNpd,
        'cholesky [[-1]]',
        'NotPositiveDefiniteError',
      );
      // retrying with growing jitter starting at the suggestion succeeds quickly
      let jitter = e.suggestedJitter,
        ok = false;
      for (let tries = 0; tries < 4 && !ok; tries++) {
        try {
          b.cholesky(a, { jitter });
          ok = true;
        } catch (err) {
          if (!isNpd(err)) throw err;
          jitter = Math.max(10 * jitter, (err as NotPositiveDefiniteError).suggestedJitter);
        }
      }
      if (!ok) fail(`cholesky still fails after retrying from the suggested jitter ${e.suggestedJitter} (up to ${jitter})`);
    });

    test('ill-conditioned SPD (Hilbert 10, κ≈1.6e13): within the precision’s backward error, or a typed error', (b, eps) => {
      const n = 10;
      const h = { rows: n, cols: n, data: new Float64Array(n * n) };
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h.data[i * n + j] = 1 / (i + j + 1);
      let l: Mat | undefined;
      try {
        l = b.cholesky(h);
      } catch (err) {
        if (!SftdlError.isInstance(err)) throw err;
      }
      if (l) {
        for (let i = 0; i < l.data.length; i++)
          if (!Number.isFinite(l.data[i]!)) fail('cholesky(Hilbert) returned a non-finite entry');
        assertClose(naiveMatmul(l, l, false, true), h, tolFor(eps, n), 'cholesky(Hilbert): backward error L·Lᵀ vs A');
      }
      let r: ReturnType<ComputeBackend['eigh']> | undefined;
      try {
        r = b.eigh(h);
      } catch (err) {
        if (!SftdlError.isInstance(err)) throw err;
      }
      if (r) {
        // eigenvalues are well conditioned in the absolute sense: |δλ| ≲ eps·‖A‖
        // eigenvalues of the 10×10 Hilbert matrix (mpmath, 40 digits)
        const exact = [
          1.09315381938e-13, 2.26674674776e-11, 2.14743881735e-9, 1.22896773875e-7, 4.72968929318e-6, 1.28749614276e-4,
          2.53089076867e-3, 3.57418162716e-2, 3.42929548484e-1, 1.75191967027,
        ];
        for (let k = 0; k < n; k++)
          if (!(Math.abs(r.values[k]! - exact[k]!) <= 1e-9 + 64 * eps * 1.75))
            fail(`eigh(Hilbert) value ${k} = ${r.values[k]}, expected ${exact[k]}`);
      }
    });

    test('purity: inputs are never mutated, outputs are fresh arrays', (b) => {
      const a = testSpd(20, 111),
        r = testMatrix(20, 3, 112);
      const l = b.cholesky(a);
      const snapshot = [a, r, l].map((m) => m.data.slice());
      const outs: (Mat | Float64Array)[] = [
        b.matmul(a, r),
        b.matmul(r, a, { transA: true }),
        b.gram(r),
        b.gram(r, { trans: true }),
        b.cholesky(a, { jitter: 0.1 }),
        b.triangularSolve(l, r),
        b.triangularSolve(l, r, { trans: true }),
        b.choleskySolve(l, r),
        b.eigh(a).vectors,
        b.map(r, 'exp'),
        b.binary(r, r, 'mul'),
        b.affine(r, 2, 1),
        b.reduce(r, 'sum', 'cols'),
        b.transpose(r),
      ];
      b.choleskyLogDet(l);
      [a, r, l].forEach((m, i) => {
        for (let k = 0; k < m.data.length; k++)
          if (!Object.is(m.data[k], snapshot[i]![k])) fail(`an op mutated input #${i} at ${k}`);
      });
      for (const o of outs) {
        const d = o instanceof Float64Array ? o : o.data;
        if (d === a.data || d === r.data || d === l.data) fail('an op returned its input buffer instead of a new array');
      }
    });

    test('determinism: the same call twice gives bitwise-identical results', (b) => {
      const a = testSpd(40, 121),
        r = testMatrix(40, 40, 122);
      const runs = [0, 1].map(() => [
        b.matmul(r, a).data,
        b.gram(r).data,
        b.cholesky(a).data,
        b.eigh(a).values,
        b.eigh(a).vectors.data,
        b.choleskySolve(b.cholesky(a), r).data,
      ]);
      runs[0]!.forEach((d, i) => {
        const e = runs[1]![i]!;
        for (let k = 0; k < d.length; k++)
          if (!Object.is(d[k], e[k])) fail(`result #${i} differs between two identical calls at ${k}`);
      });
    });
  });
}

/**
 * Robustness checks every backend should pass on top of {@link runConformanceSuite}: products that overflow throw
 * instead of returning ±Inf, reductions of nothing throw, `eigh` works on matrices with tiny (subnormal) or huge
 * entries (eigenvalues scale exactly with the matrix), and no untyped error leaves the backend.
 *
 * Expected values are closed forms: the 3×3 second-difference matrix tridiag(−1, 2, −1) has eigenvalues
 * 2 − √2, 2, 2 + √2; scaling the matrix by s scales them by s.
 *
 * @example
 * ```ts
 * import { runRobustnessSuite } from '@sftdl/compute/testing';
 * import { referenceBackend } from '@sftdl/compute';
 * runRobustnessSuite(referenceBackend);
 * ```
 */
export function runRobustnessSuite(backendOrFactory: Factory, options: ConformanceOptions = {}): void {
  const api = options.api ?? { describe: vitest.describe, it: vitest.it };
  const timeout = options.timeout ?? 30_000;
  const get = async (): Promise<ComputeBackend> =>
    typeof backendOrFactory === 'function' ? backendOrFactory() : backendOrFactory;
  const expectTyped = (fn: () => unknown, name: string, pattern?: RegExp): void => {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    if (!SftdlError.isInstance(caught))
      throw new Error(`expected a ${name}, got ${caught === undefined ? 'no error' : String(caught)}`);
    if (caught.name !== name) throw new Error(`expected a ${name}, got ${caught.name}: ${caught.message}`);
    if (pattern && !pattern.test(caught.message)) throw new Error(`message '${caught.message}' does not match ${pattern}`);
  };
  api.describe(options.title ?? 'robustness', () => {
    api.it(
      'matmul and gram that overflow throw InvalidArgumentError (never ±Inf)',
      async () => {
        const b = await get();
        const big: Mat = { rows: 2, cols: 2, data: Float64Array.of(1e300, 1e300, 1e300, 1e300) };
        expectTyped(() => b.matmul(big, big), 'InvalidArgumentError', /overflow|range/);
        expectTyped(() => b.gram(big), 'InvalidArgumentError', /overflow|range/);
      },
      timeout,
    );
    api.it(
      'mean/max/min of an empty matrix throw; sum of nothing is 0',
      async () => {
        const b = await get();
        const empty: Mat = { rows: 0, cols: 3, data: new Float64Array(0) };
        for (const op of ['mean', 'max', 'min'] as const)
          expectTyped(() => b.reduce(empty, op, 'all'), 'InvalidArgumentError', /empty/);
        expectTyped(() => b.reduce(empty, 'max', 'cols'), 'InvalidArgumentError', /empty/);
        const s = b.reduce(empty, 'sum', 'all');
        if (s.length !== 1 || s[0] !== 0) throw new Error(`sum of an empty matrix should be [0], got ${Array.from(s)}`);
      },
      timeout,
    );
    api.it(
      'eigh of tridiag(−1, 2, −1)·s: eigenvalues s·(2 − √2, 2, 2 + √2) for s from subnormal to 1e300',
      async () => {
        const b = await get();
        const tol = b.precision === 'float64' ? 1e-12 : 1e-5;
        const exact = [2 - Math.SQRT2, 2, 2 + Math.SQRT2];
        for (const s of [1e-320, 1e-310, 1e-300, 1e-150, 1, 1e150, 1e300]) {
          if (b.precision === 'float32' && (s < 1e-30 || s > 1e30)) continue;
          const a: Mat = { rows: 3, cols: 3, data: Float64Array.from([2, -1, 0, -1, 2, -1, 0, -1, 2], (v) => v * s) };
          const r = b.eigh(a);
          // subnormal inputs carry fewer significant bits: s = 1e-320 has ~11 bits left
          const t = s < 2.2250738585072014e-308 ? 2 ** -8 : tol;
          exact.forEach((e, k) => {
            const got = r.values[k]!;
            if (!(Math.abs(got - e * s) <= t * e * s)) throw new Error(`eigh(s = ${s}): value ${k} is ${got}, expected ${e * s}`);
          });
        }
      },
      timeout,
    );
    api.it(
      'eigh of a PSD matrix with tiny entries (rank one, 1e-310 · v vᵀ) returns typed results',
      async () => {
        const b = await get();
        if (b.precision === 'float32') return;
        const v = [1, 2, 3, 4];
        const a: Mat = {
          rows: 4,
          cols: 4,
          data: Float64Array.from({ length: 16 }, (_, i) => 1e-300 * v[Math.floor(i / 4)]! * v[i % 4]!),
        };
        const r = b.eigh(a);
        // eigenvalues: 0, 0, 0, 30e-300
        if (!(Math.abs(r.values[3]! - 30e-300) <= 1e-12 * 30e-300))
          throw new Error(`largest eigenvalue ${r.values[3]}, expected 3e-299`);
        for (let k = 0; k < 3; k++)
          if (!(Math.abs(r.values[k]!) <= 1e-13 * 30e-300)) throw new Error(`eigenvalue ${k} is ${r.values[k]}, expected 0`);
      },
      timeout,
    );
  });
}
