import type { ComputeBackend, GramOptions, MatmulOptions, TwoLayerBatchArgs } from './backend';
import { BackendUnavailableError, InvalidArgumentError, ShapeError } from './errors';
import { type Mat, assertFinite } from './mat';
import { referenceBackend } from './reference';
import { checkAlpha, checkTwoLayerBatch, matmulDims } from './validate';
import { twoLayerBatchBySeparateCalls } from './readout';
import { wasmActivate, wasmElementwiseAvailable, wasmReadout } from './wasm/elementwise';
import { wasmGemm32Available, wasmGemm32Strided } from './wasm/gemm32';
import { wasmTwoLayerBatch32 } from './wasm/twolayer32';

// The reference backend in float32 precision: products (matmul, matmulInto, gram) run in float32 on the
// WebAssembly f32x4 SIMD kernel (wasm/gemm32.ts); factorisations, solves and eigendecompositions stay float64 (more
// accurate than float32 tolerances require); the Langevin hot path (φ/φ′, the update) runs in WebAssembly with the
// float64 arithmetic of compute's TypeScript definitions (bit-identical values).

function overflow(out: Float64Array, cols: number, op: string): void {
  for (let i = 0; i < out.length; i++) {
    const x = out[i]!;
    if (x - x !== 0) {
      throw new InvalidArgumentError(
        `${op}: the float32 product overflowed (entry (${Math.floor(i / cols)}, ${i % cols}) is ${x}); rescale the inputs (float32 holds magnitudes below 3.4e38) or use precision float64`,
      );
    }
  }
}

function product(a: Mat, b: Mat, o: MatmulOptions, out: Float64Array, op: string): Mat {
  const { m, n, k, alpha, transA: ta, transB: tb } = matmulDims(a, b, o);
  if (out.length < m * n) throw new ShapeError(`${op}: out has ${out.length} entries, the [${m}, ${n}] product needs ${m * n}`);
  const view = out.length === m * n ? out : out.subarray(0, m * n);
  if (m * n === 0 || k === 0 || alpha === 0) {
    assertFinite(a, `${op}: A`);
    assertFinite(b, `${op}: B`);
    view.fill(0);
    return { rows: m, cols: n, data: view };
  }
  const ars = ta ? 1 : a.cols,
    acs = ta ? a.cols : 1;
  const brs = tb ? 1 : b.cols,
    bcs = tb ? b.cols : 1;
  // the operands' finiteness is checked while packing (A or B: the float64 values decide whether to throw; a finite
  // entry beyond float32's range overflows the product instead), the product's on its float32 sums (no extra passes)
  const nonFinite = (w: 'A' | 'B' | 'C') => {
    if (w === 'C') overflow(view, n, op);
    else assertFinite(w === 'A' ? a : b, `${op}: ${w}`);
  };
  if (!wasmGemm32Strided(m, n, k, alpha, a.data, 0, ars, acs, b.data, 0, brs, bcs, view, 0, n, true, nonFinite))
    throw new InvalidArgumentError(
      `${op}: the [${m}, ${n}] float32 product is too large for the WebAssembly kernel's memory (1 GiB); split it or use precision float64`,
    );
  return { rows: m, cols: n, data: view };
}

function matmul(a: Mat, b: Mat, o: MatmulOptions = {}): Mat {
  const { m, n } = matmulDims(a, b, o);
  return product(a, b, o, new Float64Array(m * n), 'matmul');
}

function matmulInto(a: Mat, b: Mat, out: Float64Array, o: MatmulOptions = {}): Mat {
  return product(a, b, o, out, 'matmulInto');
}

function gram(a: Mat, o: GramOptions = {}): Mat {
  const alpha = checkAlpha(o.alpha, 'gram');
  const tr = o.trans ?? false;
  const n = tr ? a.cols : a.rows;
  const out = product(a, a, { transA: tr, transB: !tr, alpha }, new Float64Array(n * n), 'gram');
  // exactly symmetric: the lower triangle mirrored
  const d = out.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[j * n + i] = d[i * n + j]!;
  return out;
}

/**
 * Fused loss and gradient of C two-layer networks (compute's TwoLayerBatchArgs): for erf, one WebAssembly module that
 * keeps X (packed once per X), H and δ in its memory (wasm/twolayer32.ts); the values of the separate calls, bit for
 * bit. Other activations make the separate calls.
 */
function twoLayerBatch(t: TwoLayerBatchArgs): void {
  checkTwoLayerBatch(t);
  const n = t.x.rows,
    N = t.width,
    C = t.params.length;
  const P = N * t.x.cols + N;
  for (let c = 0; c < C; c++)
    if (t.params[c]!.length < P || t.grads[c]!.length < P || t.preds[c]!.length < n)
      throw new ShapeError(`twoLayerBatch: network ${c} needs ${P} parameters and gradient entries and ${n} predictions`);
  if (n === 0) {
    for (let c = 0; c < C; c++) {
      t.grads[c]!.fill(0);
      t.losses[c] = 0;
    }
    return;
  }
  if (!wasmTwoLayerBatch32(t)) twoLayerBatchBySeparateCalls(referenceBackend32(), t);
}

/**
 * Whether the float32 reference backend can run here (it needs WebAssembly SIMD, which Node ≥ 16.4 and current
 * browsers have).
 */
export function referenceFloat32Available(): boolean {
  return wasmGemm32Available() && wasmElementwiseAvailable();
}

let instance: ComputeBackend | undefined;

/**
 * The reference backend in float32 precision, for speed when the caller asks for float32 (`--precision float32`).
 * Products (`matmul`, `matmulInto`, `gram`) round their operands to float32 and sum in float32 on a WebAssembly
 * f32x4 SIMD kernel (several times faster than the float64 path); everything else is the float64 reference
 * backend's (within float32 tolerances a fortiori). It also has the Langevin hot path in WebAssembly: `activate`
 * (φ, φ′ with compute's fast erf: the same values as `activateInto`), `readout`, and `twoLayerBatch`: the fused
 * two-layer ensemble step of the erf network in one WebAssembly module that packs X once per X and keeps H and δ in
 * float32 in its memory, bit-identical to the separate `matmulInto`/`readout`/`matmulInto` calls (other activations
 * make those calls). Results depend only on the arguments (no threads).
 *
 * *When to use*: Langevin sampling without the native openblas addon, when float32 products are accurate enough
 * (relative error ~1e-7·√k per entry); `selectBackend({ precision: 'float32' })` picks it when no faster float32
 * backend is available.
 *
 * *Gotchas*: throws `BackendUnavailableError` where WebAssembly SIMD is missing; entries beyond float32's range
 * (3.4e38) overflow and throw `InvalidArgumentError` instead of returning Inf.
 *
 * @example
 * ```ts
 * import { referenceBackend32, fromRows } from '@sftdl/compute';
 * const b = referenceBackend32();
 * b.matmul(fromRows([[1, 2]]), fromRows([[3], [4]])).data; // [11]
 * ```
 */
export function referenceBackend32(): ComputeBackend {
  if (instance) return instance;
  if (!referenceFloat32Available())
    throw new BackendUnavailableError({
      backend: 'reference',
      reason: 'float32 needs WebAssembly SIMD, which this runtime lacks (use precision float64, or Node ≥ 16.4)',
    });
  instance = Object.freeze({
    ...referenceBackend,
    precision: 'float32' as const,
    info: Object.freeze({ language: 'typescript', products: 'webassembly-simd-f32x4', elementwise: 'webassembly (erf readout)' }),
    matmul,
    matmulInto,
    gram,
    activate: wasmActivate,
    readout: wasmReadout,
    twoLayerBatch,
  });
  return instance;
}
