import {
  ACTIVATION_NAMES,
  BackendUnavailableError,
  ConvergenceError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeError,
  checkTwoLayerBatch,
  fastErfTable,
  referenceBackend,
} from '@sftdl/compute';
import type {
  ActivationName,
  CholeskyOptions,
  ComputeBackend,
  EighResult,
  GramOptions,
  LangevinUpdateArgs,
  Mat,
  MatmulOptions,
  Precision,
  ReadoutArgs,
  TriangularSolveOptions,
  TwoLayerBatchArgs,
} from '@sftdl/compute';
import { MODE_F32, MODE_FAST, type NativeAddon, type NativeStatus, loadAddon } from './addon';

const NAME = 'openblas';
/** Largest eigh size whose LAPACK workspace (1 + 6n + 2n² entries) fits a 32-bit LAPACK integer. */
const MAX_EIGH = 32_000;

/** Options of {@link createOpenblasBackend}. */
export interface OpenblasBackendOptions {
  /** 'float64' (default) runs the d-routines; 'float32' converts once and runs the s-routines. */
  precision?: Precision;
  /**
   * OpenBLAS threads used by this backend's calls (default: OpenBLAS' own default when the addon loaded,
   * i.e. `OPENBLAS_NUM_THREADS` or the number of cores).
   */
  threads?: number;
  /**
   * Which GEMM kernels carry matmul, gram and the bulk of cholesky:
   * - `'auto'` (default): sftdl's own AVX-512 kernels when the CPU has AVX-512F and OpenBLAS' run-time core type has
   *   no AVX-512 GEMM of its own (OpenBLAS too old to know the CPU, e.g. Debian bookworm's 0.3.21 on Emerald Rapids,
   *   which falls back to its SSE3 "Prescott" kernels), OpenBLAS otherwise;
   * - `'openblas'`: always OpenBLAS' ?gemm/?syrk/?potrf;
   * - `'avx512'`: always sftdl's kernels (throws `BackendUnavailableError` on a CPU without AVX-512F).
   *
   * Triangular solves, LAPACK leaves of the factorisation and syevd always run in OpenBLAS/LAPACK.
   */
  kernels?: GemmKernels;
}

/** Values of {@link OpenblasBackendOptions.kernels}. */
export type GemmKernels = 'auto' | 'openblas' | 'avx512';

function checkMat(m: Mat, what: string): void {
  if (!m || !(m.data instanceof Float64Array)) throw new InvalidArgumentError(`${what} must be a Mat with a Float64Array 'data'`);
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0 || m.data.length !== m.rows * m.cols) {
    throw new ShapeError(`${what} has shape [${m.rows}, ${m.cols}] but data of length ${m.data.length}`);
  }
  if (m.rows > 0x7fffffff || m.cols > 0x7fffffff)
    throw new ShapeError(`${what} is too large for 32-bit BLAS indices: [${m.rows}, ${m.cols}]`);
}

function checkSquare(m: Mat, what: string): void {
  checkMat(m, what);
  if (m.rows !== m.cols) throw new ShapeError(`${what} must be square, got [${m.rows}, ${m.cols}]`);
}

function checkScalar(v: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${what} must be a finite number, got ${v}`);
  return v;
}

/**
 * Creates an OpenBLAS/LAPACKE backend (synchronous).
 *
 * Native routines: `?gemm` (matmul, transposes without copies), `?syrk` (gram), `?potrf` (cholesky; the
 * jitter is added to a copy), `?trsm`/`?trsv` (triangularSolve and the two solves of `?potrs` in
 * choleskySolve), `?syevd` (eigh); choleskyLogDet sums log L_ii natively. Where OpenBLAS has no AVX-512 kernels
 * for the CPU but the CPU has AVX-512, matmul, gram and the bulk of cholesky run on sftdl's own AVX-512 GEMM instead
 * (option `kernels`; `info.gemm` says which). Elementwise maps, binary ops, reductions and transpose run in
 * TypeScript (the reference kernels), in float64.
 *
 * *When to use*: any dense linear algebra beyond a few hundred rows: GP solves, kernel Gram matrices,
 * Langevin training at paper sizes. Pick it through `selectBackend` or pass it as `{ backend }`.
 *
 * *Gotchas*: throws `BackendUnavailableError` when the addon is not built (see `provider.probe()` for
 * the reason and the apt command). `precision: 'float32'` rounds inputs to float32 (relative error
 * ~1e-7·condition number) and rejects entries beyond the float32 range. OpenBLAS' thread count is
 * process-wide: each call sets this backend's `threads` first, so backends with different counts can
 * coexist; `info.threads` is the count in effect. Calls are synchronous and block the event loop.
 *
 * @example
 * ```ts
 * import { fromRows } from '@sftdl/compute';
 * import { createOpenblasBackend } from '@sftdl/backend-openblas';
 * const backend = createOpenblasBackend({ precision: 'float64', threads: 2 });
 * const L = backend.cholesky(fromRows([[4, 2], [2, 3]])); // [[2, 0], [1, √2]]
 * backend.choleskyLogDet(L); // log 8
 * ```
 */
export function createOpenblasBackend(options: OpenblasBackendOptions = {}): ComputeBackend {
  const precision = options.precision ?? 'float64';
  if (precision !== 'float64' && precision !== 'float32') {
    throw new InvalidArgumentError(`precision must be 'float64' or 'float32', got '${String(precision)}'`);
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 1024)) {
    throw new InvalidArgumentError(`threads must be an integer in [1, 1024], got ${options.threads}`);
  }
  const kernels = options.kernels ?? 'auto';
  if (kernels !== 'auto' && kernels !== 'openblas' && kernels !== 'avx512') {
    throw new InvalidArgumentError(`kernels must be 'auto', 'openblas' or 'avx512', got '${String(kernels)}'`);
  }
  const loaded = loadAddon();
  if (!loaded.ok) throw new BackendUnavailableError({ backend: NAME, reason: loaded.reason });
  const lib = loaded.addon.info();
  if (kernels === 'avx512' && !lib.avx512) {
    throw new BackendUnavailableError({
      backend: NAME,
      reason: "kernels: 'avx512' needs a CPU with AVX-512F (and an OS that enables it); use kernels: 'auto' or 'openblas'",
    });
  }
  const fast = kernels === 'avx512' || (kernels === 'auto' && lib.fastPreferred);
  return makeBackend(loaded.addon, precision, options.threads ?? loaded.defaultThreads, fast);
}

/** One product of {@link openblasGemmSeconds}: C = op(A)·op(B), C m×n, depth k. */
export interface GemmShape {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

/**
 * Wall seconds of `reps` products of the given shape on the addon's own buffers in the backend's precision (no
 * float64 conversions), through the path the fused two-layer step uses (same kernels, threads and precision as a
 * backend created with these options). For benchmarks: the GEMM rate a float32 step can reach, which `matmul` on
 * float64 buffers (converting every call) understates. Throws `BackendUnavailableError` without the addon.
 */
export function openblasGemmSeconds(options: OpenblasBackendOptions, shape: GemmShape, reps: number): number {
  const loaded = loadAddon();
  if (!loaded.ok) throw new BackendUnavailableError({ backend: NAME, reason: loaded.reason });
  const { m, n, k } = shape;
  for (const [v, what] of [
    [m, 'm'],
    [n, 'n'],
    [k, 'k'],
    [reps, 'reps'],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new InvalidArgumentError(`openblasGemmSeconds: ${what} must be a positive integer, got ${v}`);
  const lib = loaded.addon.info();
  const kernels = options.kernels ?? 'auto';
  const fast = lib.avx512 && (kernels === 'avx512' || (kernels === 'auto' && lib.fastPreferred));
  const mode = (options.precision === 'float32' ? MODE_F32 : 0) | (fast ? MODE_FAST : 0);
  const threads = loaded.addon.setThreads(options.threads ?? loaded.defaultThreads);
  return loaded.addon.gemmSeconds(mode, threads, !!shape.transA, !!shape.transB, m, n, k, reps);
}

function makeBackend(addon: NativeAddon, precision: Precision, requestedThreads: number, fast: boolean): ComputeBackend {
  const f32 = precision === 'float32';
  const mode = (f32 ? MODE_F32 : 0) | (fast ? MODE_FAST : 0);
  const threads = addon.setThreads(requestedThreads);
  const lib = addon.info();
  const p = f32 ? 's' : 'd';

  /** Row/column of a flat index in a matrix with `cols` columns. */
  const loc = (index: number, cols: number) => `(${Math.floor(index / Math.max(1, cols))}, ${index % Math.max(1, cols)})`;

  /** Turns a native status into the matching typed error. `args` maps 'A'/'B'/… to the inputs. */
  function fail(op: string, s: NativeStatus, args: Record<string, Mat>, out?: Mat): never {
    const m = args[s.arg];
    const where = m ? `${op}: ${s.arg} ${loc(s.index, m.cols)}` : op;
    switch (s.kind) {
      case 'nonFinite':
        throw new InvalidArgumentError(
          `${where} is non-finite (${m ? m.data[s.index] : s.value}); remove NaN/Inf values before calling`,
        );
      case 'float32Range':
        throw new InvalidArgumentError(
          `${where} = ${s.value} exceeds the float32 range (±3.4e38); rescale the input or use precision 'float64'`,
        );
      case 'singular':
        if (op === 'choleskyLogDet')
          throw new InvalidArgumentError(`choleskyLogDet: diagonal entry ${s.index} is ${s.value}; pass a Cholesky factor`);
        throw new InvalidArgumentError(`${op}: zero diagonal at ${s.index}; the factor is singular`);
      case 'overflow':
        throw new InvalidArgumentError(
          `${op}: the ${precision} result overflowed at ${out ? loc(s.index, out.cols) : `[${s.index}]`}; rescale the inputs` +
            (f32 ? " or use precision 'float64'" : ''),
        );
      case 'noConvergence':
        throw new ConvergenceError({
          what: `eigh (LAPACK ${p}syevd, info ${s.index})`,
          iterations: 0,
          residual: Number.POSITIVE_INFINITY,
          tolerance: 0,
          hint: f32 ? "use precision 'float64' or rescale the matrix" : 'rescale the matrix or check it for huge dynamic range',
        });
      case 'lapackArgument':
        throw new InvalidArgumentError(
          `${op}: LAPACK rejected argument ${s.index}; this is a bug in @sftdl/backend-openblas, please report it`,
        );
      default:
        throw new InvalidArgumentError(`${op}: native error ${s.kind}`);
    }
  }

  // matmul and matmulInto: `into` is the caller's buffer, else a fresh one is allocated
  function product(a: Mat, b: Mat, o: MatmulOptions, into?: Float64Array): Mat {
    const what = into ? 'matmulInto' : 'matmul';
    checkMat(a, `${what}: A`);
    checkMat(b, `${what}: B`);
    const alpha = checkScalar(o.alpha ?? 1, `${what}: alpha`);
    const transA = !!o.transA,
      transB = !!o.transB;
    const m = transA ? a.cols : a.rows,
      k = transA ? a.rows : a.cols;
    const kb = transB ? b.cols : b.rows,
      n = transB ? b.rows : b.cols;
    if (k !== kb) {
      throw new ShapeError(`${what}: inner dimensions differ: op(A) is [${m}, ${k}], op(B) is [${kb}, ${n}]`);
    }
    if (into && into.length < m * n)
      throw new ShapeError(`matmulInto: out has ${into.length} entries, the [${m}, ${n}] product needs ${m * n}`);
    const data = !into ? new Float64Array(m * n) : into.length === m * n ? into : into.subarray(0, m * n);
    const out: Mat = { rows: m, cols: n, data };
    const s = addon.gemm(mode, threads, transA, transB, m, n, k, alpha, a.data, b.data, out.data);
    if (s) fail(what, s, { A: a, B: b }, out);
    return out;
  }
  const matmul = (a: Mat, b: Mat, o: MatmulOptions = {}): Mat => product(a, b, o);
  const matmulInto = (a: Mat, b: Mat, out: Float64Array, o: MatmulOptions = {}): Mat => product(a, b, o, out);

  function gram(a: Mat, o: GramOptions = {}): Mat {
    checkMat(a, 'gram: A');
    const alpha = checkScalar(o.alpha ?? 1, 'gram: alpha');
    const trans = !!o.trans;
    const n = trans ? a.cols : a.rows,
      k = trans ? a.rows : a.cols;
    const out: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
    const s = addon.syrk(mode, threads, trans, n, k, alpha, a.data, out.data);
    if (s) fail('gram', s, { A: a }, out);
    return out;
  }

  function cholesky(a: Mat, o: CholeskyOptions = {}): Mat {
    checkSquare(a, 'cholesky: A');
    const jitter = o.jitter ?? 0;
    if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0) {
      throw new InvalidArgumentError(`cholesky: jitter must be a finite non-negative number, got ${jitter}`);
    }
    const n = a.rows;
    const out: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
    const s = addon.potrf(mode, threads, n, jitter, a.data, out.data);
    if (!s) return out;
    if (s.kind !== 'notPositiveDefinite') fail('cholesky', s, { A: a }, out);
    let maxDiag = 0;
    for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a.data[i * n + i]!));
    // Relative floor: rounding in a factorisation is ~ eps·n·max|A_ii|; LAPACK leaves the failing
    // pivot's Schur complement s ≤ 0 in place, and adding 2|s| lifts that pivot above zero.
    let suggestedJitter = Math.max(f32 ? 1e-6 : 1e-10, (f32 ? 1e-5 : 1e-8) * maxDiag, 10 * jitter);
    if (Number.isFinite(s.value) && s.value <= 0) suggestedJitter = Math.max(suggestedJitter, jitter - 2 * s.value);
    throw new NotPositiveDefiniteError({
      pivot: s.index,
      backend: NAME,
      suggestedJitter,
      detail: `LAPACK ${p}potrf info ${s.index + 1}, ${precision}`,
    });
  }

  function triangularSolve(t: Mat, b: Mat, o: TriangularSolveOptions = {}): Mat {
    checkSquare(t, 'triangularSolve: T');
    checkMat(b, 'triangularSolve: B');
    if (b.rows !== t.rows) throw new ShapeError(`triangularSolve: T is [${t.rows}, ${t.cols}] but B has ${b.rows} rows`);
    const out: Mat = { rows: b.rows, cols: b.cols, data: new Float64Array(b.rows * b.cols) };
    const s = addon.trsm(mode, threads, o.lower ?? true, o.trans ?? false, t.rows, b.cols, t.data, b.data, out.data);
    if (s) fail('triangularSolve', s, { T: t, B: b }, out);
    return out;
  }

  function choleskySolve(l: Mat, b: Mat): Mat {
    checkSquare(l, 'choleskySolve: L');
    checkMat(b, 'choleskySolve: B');
    if (b.rows !== l.rows) throw new ShapeError(`choleskySolve: L is [${l.rows}, ${l.cols}] but B has ${b.rows} rows`);
    const out: Mat = { rows: b.rows, cols: b.cols, data: new Float64Array(b.rows * b.cols) };
    const s = addon.potrs(mode, threads, l.rows, b.cols, l.data, b.data, out.data);
    if (s) fail('choleskySolve', s, { L: l, B: b }, out);
    return out;
  }

  function choleskyLogDet(l: Mat): number {
    checkSquare(l, 'choleskyLogDet: L');
    const r = addon.logdet(mode, threads, l.rows, l.data);
    if (typeof r !== 'number') fail('choleskyLogDet', r, { L: l });
    return r;
  }

  function eigh(a: Mat): EighResult {
    checkSquare(a, 'eigh: A');
    const n = a.rows;
    if (n > MAX_EIGH)
      throw new ShapeError(`eigh: n = ${n} exceeds ${MAX_EIGH}, the largest size a 32-bit LAPACK workspace allows`);
    const values = new Float64Array(n);
    const vectors: Mat = { rows: n, cols: n, data: new Float64Array(n * n) };
    const s = addon.syevd(mode, threads, n, a.data, values, vectors.data);
    if (s) fail('eigh', s, { A: a }, vectors);
    return { values, vectors };
  }

  /** Native fused φ, φ′ (threaded over this backend's thread count); float64 whatever the GEMM precision. */
  function activate(name: ActivationName, h: Float64Array, phi: Float64Array, dphi: Float64Array, len: number): void {
    const kind = ACTIVATION_NAMES.indexOf(name);
    if (kind < 0)
      throw new InvalidArgumentError(`unknown activation '${String(name)}'; use one of ${ACTIVATION_NAMES.join('|')}`);
    addon.activate(kind, threads, h, phi, dphi, len, fastErfTable());
  }

  /** Native fused two-layer readout (compute's readoutInto; AVX-512 FMA sums for one output, rows split over the threads). */
  function readout(r: ReadoutArgs): number {
    if (r.h && r.activation) {
      const kind = ACTIVATION_NAMES.indexOf(r.activation);
      if (kind < 0)
        throw new InvalidArgumentError(`unknown activation '${String(r.activation)}'; use one of ${ACTIVATION_NAMES.join('|')}`);
      return addon.readout(
        r.n,
        r.width,
        r.outputs,
        r.stride,
        r.offset,
        undefined,
        undefined,
        r.a,
        r.aOffset,
        r.y,
        r.pred,
        r.res,
        r.grad,
        r.gradOffset,
        r.delta,
        2,
        kind,
        r.h,
        fastErfTable(),
        threads,
      );
    }
    return addon.readout(
      r.n,
      r.width,
      r.outputs,
      r.stride,
      r.offset,
      r.phi,
      r.dphi,
      r.a,
      r.aOffset,
      r.y,
      r.pred,
      r.res,
      r.grad,
      r.gradOffset,
      r.delta,
      2,
    );
  }

  /** Native fused Langevin update (training's langevinUpdateInto, bit-identical in float64; threaded for large chains). */
  function langevinUpdate(u: LangevinUpdateArgs): void {
    addon.langevinUpdate(
      threads,
      u.len,
      u.theta,
      u.grad,
      u.xi,
      u.xiPrev,
      u.invVar,
      u.m,
      u.sqrt2m,
      u.invKappa,
      u.eta,
      u.noiseScale,
    );
  }

  /** Native Langevin noise stream (compute's langevinNormalsInto, bit-identical; AVX-512 where the CPU has it). */
  function normals(k0: number, k1: number, out: Float64Array): void {
    if (!(out instanceof Float64Array)) throw new InvalidArgumentError('normals: out must be a Float64Array');
    addon.normals(k0 >>> 0, k1 >>> 0, out);
  }

  /**
   * Fused two-layer ensemble step (compute's TwoLayerBatchArgs): gemm, the fused readout per network, gemm, in one call
   * with the values of the separate calls; float32 mode keeps X, W, H, D and G in float32 buffers.
   */
  function twoLayerBatch(t: TwoLayerBatchArgs): void {
    checkMat(t.x, 'twoLayerBatch: x');
    const kind = checkTwoLayerBatch(t);
    const n = t.x.rows,
      d = t.x.cols,
      N = t.width,
      C = t.params.length;
    const s = addon.twoLayerBatch(
      mode,
      threads,
      n,
      d,
      N,
      C,
      t.x.data,
      t.y,
      t.params,
      t.grads,
      t.preds,
      t.losses,
      kind,
      fastErfTable(),
    );
    if (!s) return;
    if (s.kind === 'nonFinite' || s.kind === 'float32Range') {
      const what = s.arg === 'X' ? 'x contains' : 'the parameters contain';
      throw new InvalidArgumentError(
        `twoLayerBatch: ${what} ${s.kind === 'nonFinite' ? 'a non-finite value' : `${s.value}, beyond the float32 range`} (entry ${s.index}); remove NaN/Inf values, rescale, or use a smaller step size` +
          (f32 ? " or precision 'float64'" : ''),
      );
    }
    throw new InvalidArgumentError(
      `twoLayerBatch: the ${precision} ${s.arg === 'H' ? 'pre-activations X·Wᵀ' : 'hidden-layer signal or weight gradient'} overflowed; rescale the inputs or use a smaller step size` +
        (f32 ? " or precision 'float64'" : ''),
    );
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: NAME,
    precision,
    info: Object.freeze({
      library: lib.config.split(' ').slice(0, 2).join(' '),
      corename: lib.corename,
      gemm: fast ? 'sftdl avx512' : 'openblas',
      threads,
      lapack: 'LAPACKE',
      addon: 'N-API',
      elementwise: `typescript (float64); fused activations, two-layer readout, Langevin update and noise stream native (float64, ${addon.info().elementwiseIsa})`,
    }),
    matmul,
    gram,
    cholesky,
    triangularSolve,
    choleskySolve,
    choleskyLogDet,
    eigh,
    map: referenceBackend.map,
    binary: referenceBackend.binary,
    affine: referenceBackend.affine,
    reduce: referenceBackend.reduce,
    transpose: referenceBackend.transpose,
    activate,
    readout,
    langevinUpdate,
    normals,
    twoLayerBatch,
    matmulInto,
  });
}
