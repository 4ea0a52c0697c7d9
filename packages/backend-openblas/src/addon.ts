import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A numeric problem reported by the addon (undefined return = success). */
export interface NativeStatus {
  kind: 'nonFinite' | 'float32Range' | 'singular' | 'notPositiveDefinite' | 'noConvergence' | 'overflow' | 'lapackArgument';
  /** Which input: 'A', 'B', 'T', 'L' (empty when not tied to one). */
  arg: string;
  /** Element index (row-major), pivot or LAPACK info, depending on `kind`. */
  index: number;
  /** Extra number: the offending entry, or the failing pivot's value when LAPACK left it. */
  value: number;
}

type Status = NativeStatus | undefined;

/** Bits of the first argument of every native kernel. */
export const MODE_F32 = 1;
/** Route GEMM, SYRK and the Cholesky bulk through sftdl's AVX-512 kernels (ignored where AVX-512 is absent). */
export const MODE_FAST = 2;

/** The functions of `build/Release/sftdl_openblas.node` (first two arguments: mode bits, thread count). */
export interface NativeAddon {
  gemm(
    mode: number,
    threads: number,
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    b: Float64Array,
    out: Float64Array,
  ): Status;
  syrk(
    mode: number,
    threads: number,
    trans: boolean,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    out: Float64Array,
  ): Status;
  potrf(mode: number, threads: number, n: number, jitter: number, a: Float64Array, out: Float64Array): Status;
  trsm(
    mode: number,
    threads: number,
    lower: boolean,
    trans: boolean,
    n: number,
    m: number,
    t: Float64Array,
    b: Float64Array,
    out: Float64Array,
  ): Status;
  potrs(mode: number, threads: number, n: number, m: number, l: Float64Array, b: Float64Array, out: Float64Array): Status;
  logdet(mode: number, threads: number, n: number, l: Float64Array): number | NativeStatus;
  syevd(mode: number, threads: number, n: number, a: Float64Array, values: Float64Array, vectors: Float64Array): Status;
  /**
   * Fused φ and φ′ over a buffer (kind = index in compute's ACTIVATION_NAMES), on up to `threads` threads; `table` is
   * compute's fast-erf table. `maxIsa` (tests) caps the kernels' instruction set: 2 (default) the best this CPU has,
   * 1 AVX2 at most, 0 scalar.
   */
  activate(
    kind: number,
    threads: number,
    h: Float64Array,
    phi: Float64Array,
    dphi: Float64Array,
    len: number,
    table: Float64Array,
    maxIsa?: number,
  ): undefined;
  /**
   * compute's readoutInto, natively (AVX-512 for one output); `maxIsa` below 2 (tests) forces the portable loops. With
   * `kind`, `h` and `table`, φ and φ′ are computed from h row by row (activate's kernels) and phi/dphi are not used;
   * `threads` (fused form) runs the AVX-512 path's fixed row parts on up to that many threads (same values for any count).
   */
  readout(
    n: number,
    width: number,
    outputs: number,
    stride: number,
    offset: number,
    phi: Float64Array | undefined,
    dphi: Float64Array | undefined,
    a: Float64Array,
    aOffset: number,
    y: Float64Array,
    pred: Float64Array,
    res: Float64Array,
    grad: Float64Array,
    gradOffset: number,
    delta: Float64Array,
    maxIsa: number,
    kind?: number,
    h?: Float64Array,
    table?: Float64Array,
    threads?: number,
  ): number;
  /**
   * Fused Langevin update of one chain (compute's LangevinUpdateArgs; `xiPrev` undefined: Euler–Maruyama), on up to
   * `threads` threads; `maxIsa` (tests) as in `activate`.
   */
  langevinUpdate(
    threads: number,
    len: number,
    theta: Float64Array,
    grad: Float64Array,
    xi: Float64Array,
    xiPrev: Float64Array | undefined,
    invVar: Float64Array,
    m: Float64Array,
    sqrt2m: Float64Array,
    invKappa: number,
    eta: number,
    noiseScale: number,
    maxIsa?: number,
  ): undefined;
  /**
   * `out.length` standard normals of the Langevin noise stream for key words (k0, k1) (compute's langevinNormalsInto,
   * bit for bit; AVX-512 where the CPU has it); `maxIsa` below 2 (tests) forces the scalar loop.
   */
  normals(k0: number, k1: number, out: Float64Array, maxIsa?: number): undefined;
  /**
   * Fused loss and gradient of C two-layer networks with one output (compute's TwoLayerBatchArgs), the values of gemm,
   * the fused readout per network and gemm again, with float32 intermediates in float32 mode; `kind` as in `activate`.
   */
  twoLayerBatch(
    mode: number,
    threads: number,
    n: number,
    d: number,
    width: number,
    chains: number,
    x: Float64Array,
    y: Float64Array,
    params: readonly Float64Array[],
    grads: readonly Float64Array[],
    preds: readonly Float64Array[],
    losses: Float64Array,
    kind: number,
    table: Float64Array,
  ): Status;
  /** Wall seconds of `reps` products C = op(A)·op(B) on internal buffers of the mode's precision (benchmarks). */
  gemmSeconds(
    mode: number,
    threads: number,
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    reps: number,
  ): number;
  /** Sets the OpenBLAS thread count (process-wide) and returns the count now in effect. */
  setThreads(threads: number): number;
  /**
   * OpenBLAS identity and thread count; `avx512`: sftdl's AVX-512 kernels can run on this CPU; `fastPreferred`:
   * they are the default because OpenBLAS' run-time core type has no AVX-512 GEMM of its own; `elementwiseIsa`: the
   * instruction set of the fused elementwise kernels ('avx512', 'avx2' or 'scalar').
   */
  info(): {
    corename: string;
    config: string;
    threads: number;
    parallel: number;
    avx512: boolean;
    fastPreferred: boolean;
    elementwiseIsa: string;
  };
}

/** The shell commands that make the addon available (named in every "unavailable" reason). */
export const INSTALL_HINT =
  "run 'apt-get install -y libopenblas-dev liblapacke-dev' (Debian/Ubuntu), then 'pnpm --filter @sftdl/backend-openblas run build:native'";

/** Where the compiled addon lives (the same relative path from `src/` and from `dist/`). */
export const ADDON_PATH = fileURLToPath(new URL('../build/Release/sftdl_openblas.node', import.meta.url));

export type LoadResult =
  | { ok: true; addon: NativeAddon; /** OpenBLAS' thread count at load, before any backend changed it. */ defaultThreads: number }
  | { ok: false; reason: string };

let cached: LoadResult | undefined;

/**
 * Loads the addon once (never throws). `path` is for tests; the default is {@link ADDON_PATH}.
 * @internal
 */
export function loadAddon(path: string = ADDON_PATH): LoadResult {
  if (path === ADDON_PATH && cached) return cached;
  let result: LoadResult;
  if (!existsSync(path)) {
    result = { ok: false, reason: `native addon not built (${path} is missing): ${INSTALL_HINT}` };
  } else {
    try {
      const addon = createRequire(import.meta.url)(path) as NativeAddon;
      result = { ok: true, addon, defaultThreads: addon.info().threads };
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
      result = { ok: false, reason: `native addon failed to load (${detail}): ${INSTALL_HINT}` };
    }
  }
  if (path === ADDON_PATH) cached = result;
  return result;
}
