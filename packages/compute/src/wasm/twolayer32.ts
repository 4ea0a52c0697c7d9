// The float32 reference backend's fused two-layer ensemble step (`referenceBackend32().twoLayerBatch`) in one
// WebAssembly module (assembled by ./asm.ts) that keeps the whole step in its own memory:
//
//   X, packed for both products (the forward A slivers and the backward B slivers, float32), once per X and reused
//     across steps (the cache is keyed on the shape and the bits: each step's X is copied in and compared with the X
//     the packing came from, so an X edited in place or another buffer with other values is repacked);
//   W = [W₁ … W_C], packed each step (the only per-step input besides a and y);
//   H = X·Wᵀ as float32 rows (the GEMM macro-kernel of ./gemm32.ts storing its float32 sums);
//   the erf readout (./elementwise.ts's `readoutBody`, float32 variant) per m-panel right after the panel's products
//     (still in cache): φ, φ′, f, r, ½Σr², φᵀr, and δ = (0 + a·r)·φ′ rounded to float32 over H;
//   G = Dᵀ·X from δ (slivers copied out of H) and the packed X, written as float64 and copied to the caller's grads.
//
// Only W, a, y go in and grads, preds, losses come out. Every operation is the unfused path's (matmulInto, the
// WebAssembly readout, matmulInto on the same backend) in the same order with the same float32 roundings, so the
// results are bit-identical to those separate calls (tested), and depend only on the arguments.
import { TWO_OVER_SQRT_PI, fastErfTable } from '../activations';
import type { TwoLayerBatchArgs } from '../backend';
import { InvalidArgumentError } from '../errors';
import { assertFinite } from '../mat';
import { T, type WasmMemory, addI, assemble, ensureMemory, get, i32c, instantiate, mem, op, set, simd, v, whileNot } from './asm';
import { READOUT_LOCALS, type ReadoutLayout, readoutBody } from './elementwise';
import { KC32, MC32, MR32, type MacroKernel, NC32, NR32, macroFunction, packA32, packB32 } from './gemm32';

const TABLE_BYTES = Math.ceil((769 * 7 * 8) / 64) * 64;
/** The readout's h base and row stride (two i32), then its count of tail entries (i32). */
const ARGS = TABLE_BYTES,
  TAILN = ARGS + 16;
/** Widest network (N), most rows per readout call, most tail entries per call (rows·N ≤ TAIL_CAP). */
const N_MAX = 16384,
  R_MAX = 65536,
  TAIL_CAP = 65536;
const PHI = ARGS + 64,
  DPHI = PHI + N_MAX * 8,
  AREG = DPHI + N_MAX * 8,
  GREG = AREG + N_MAX * 8,
  YREG = GREG + N_MAX * 8,
  PRED = YREG + R_MAX * 8,
  RES = PRED + R_MAX * 8,
  TAILS = RES + R_MAX * 8,
  DYN = TAILS + TAIL_CAP * 16;
const LAYOUT: ReadoutLayout = {
  h: 0,
  phi: PHI,
  dphi: DPHI,
  a: AREG,
  g: GREG,
  y: YREG,
  pred: PRED,
  res: RES,
  tailAt: TAILN,
  f32: { args: ARGS, tailList: TAILS },
};
/** The module's memory stays below 1 GiB (otherwise the unfused path runs). */
const MAX_BYTES = 1 << 30;

/**
 * packF32(src, ld, slivers, kc, dst): the backward product's A slivers (Dᵀ) from float32 rows: row p (a sample) at
 * src + p·ld bytes, sliver s's four entries at + 16s, copied to dst + 16·kc·s + 16p. Four rows at a time (one
 * 64-byte run per sliver), then the rest one at a time.
 */
function packF32Body(): number[] {
  const [SRC, LD, SL, KC, DST] = [0, 1, 2, 3, 4];
  const [P, Q, END, W, STEP, KCG] = [5, 6, 7, 8, 9, 10];
  const rowAt = (r: number) => (r === 0 ? get(Q) : [...get(Q), ...get(LD), ...i32c(r), op.i32Mul, op.i32Add]);
  const pass = (rows: number) => [
    ...set(Q, get(SRC)),
    ...set(END, [...get(SRC), ...get(SL), ...i32c(16), op.i32Mul, op.i32Add]),
    ...set(W, [...get(DST), ...get(P), ...i32c(16), op.i32Mul, op.i32Add]),
    ...whileNot(
      [...get(Q), ...get(END), op.i32GeU],
      [
        ...Array.from({ length: rows }, (_, r) => [
          ...get(W),
          ...rowAt(r),
          ...v(simd.v128Load, ...mem(2, 0)),
          ...v(simd.v128Store, ...mem(2, 16 * r)),
        ]).flat(),
        ...addI(Q, i32c(16)),
        ...addI(W, get(STEP)),
      ],
    ),
    ...addI(SRC, [...get(LD), ...i32c(rows), op.i32Mul]),
    ...addI(P, i32c(rows)),
  ];
  return [
    ...set(STEP, [...get(KC), ...i32c(16), op.i32Mul]),
    ...set(KCG, [...get(KC), ...i32c(-4), op.i32And]),
    ...set(P, i32c(0)),
    ...whileNot([...get(P), ...get(KCG), op.i32GeS], pass(4)),
    ...whileNot([...get(P), ...get(KC), op.i32GeS], pass(1)),
  ];
}

/** same(a, b, bytes): 1 when the two regions (bytes a multiple of 16) hold the same bits, else 0. */
function sameBody(): number[] {
  const [A, B, BYTES] = [0, 1, 2];
  const [END, ACC] = [3, 4];
  return [
    ...set(END, [...get(A), ...get(BYTES), op.i32Add]),
    ...set(ACC, [...i32c(0), ...v(simd.i32x4Splat)]),
    ...whileNot(
      [...get(A), ...get(END), op.i32GeU],
      [
        ...set(ACC, [
          ...get(ACC),
          ...get(A),
          ...v(simd.v128Load, ...mem(2, 0)),
          ...get(B),
          ...v(simd.v128Load, ...mem(2, 0)),
          ...v(simd.v128Xor),
          ...v(simd.v128Or),
        ]),
        ...addI(A, i32c(16)),
        ...addI(B, i32c(16)),
      ],
    ),
    ...get(ACC),
    ...v(simd.v128AnyTrue),
    op.i32Eqz,
  ];
}

interface TwoLayerModule {
  macro: MacroKernel;
  packF32: (src: number, ld: number, slivers: number, kc: number, dst: number) => void;
  same: (a: number, b: number, bytes: number) => number;
  readout: (rows: number, n: number, loss: number) => number;
  memory: WasmMemory;
}
let mod: TwoLayerModule | null | undefined;

function load(): TwoLayerModule | null {
  if (mod !== undefined) return mod;
  const bytes = assemble(
    [
      macroFunction(),
      {
        name: 'packF32',
        params: Array<number>(5).fill(T.i32),
        results: [],
        locals: Array<number>(6).fill(T.i32),
        body: packF32Body(),
      },
      { name: 'same', params: [T.i32, T.i32, T.i32], results: [T.i32], locals: [T.i32, T.v128], body: sameBody() },
      {
        name: 'readout',
        params: [T.i32, T.i32, T.f64],
        results: [T.f64],
        locals: [...READOUT_LOCALS, T.i32, T.i32],
        body: readoutBody(LAYOUT),
      },
    ],
    Math.ceil(DYN / 65536),
  );
  const inst = instantiate(bytes);
  if (!inst) return (mod = null);
  const m = inst as unknown as TwoLayerModule;
  new Float64Array(m.memory.buffer, 0, 769 * 7).set(fastErfTable());
  return (mod = m);
}

/** Bytes of the module's memory (it grows once per new largest shape and never per step). @internal */
export function wasmTwoLayer32MemoryBytes(): number {
  return load()?.memory.buffer.byteLength ?? 0;
}

/** Whether the fused float32 two-layer module is available in this runtime (WebAssembly SIMD). */
export function wasmTwoLayer32Available(): boolean {
  return load() !== null;
}

const up = (x: number, m: number) => Math.ceil(x / m) * m;
const align = (bytes: number) => up(bytes, 64);

/** Byte addresses of the dynamic regions for one shape (n samples, d inputs, C·N hidden units). */
interface Layout {
  n: number;
  d: number;
  CN: number;
  /** rows of H (n padded to MR), H's row stride (floats: C·N padded to NR), G's row stride (floats: d padded to NR) */
  mp: number;
  ldh: number;
  ldg: number;
  xa: number;
  xb: number;
  wb: number;
  h: number;
  da: number;
  cp: number;
  g: number;
  /** the running φᵀr (C·N) and Σr² (C) of the networks */
  gacc: number;
  /** the float64 X the packed operands hold, and this step's X (compared bitwise) */
  xold: number;
  xnew: number;
  end: number;
}

function layoutFor(n: number, d: number, CN: number): Layout {
  const mp = up(n, MR32),
    ldh = up(CN, NR32),
    ldg = up(d, NR32),
    mpc = up(CN, MR32);
  let at = DYN;
  const take = (bytes: number) => {
    const a = at;
    at += align(bytes);
    return a;
  };
  const xa = take(mp * d * 4),
    xb = take(ldg * n * 4),
    wb = take(ldh * d * 4),
    h = take(mp * ldh * 4),
    da = take(MC32 * KC32 * 4),
    cp = take(n > KC32 ? mpc * Math.min(ldg, NC32) * 4 : 0),
    g = take(mpc * ldg * 8),
    gacc = take(2 * CN * 8),
    xold = take(up(n * d, 2) * 8),
    xnew = take(up(n * d, 2) * 8);
  return { n, d, CN, mp, ldh, ldg, xa, xb, wb, h, da, cp, g, gacc, xold, xnew, end: at };
}

/** Offset of the packed block (jc, pc) of a B operand packed for all blocks (k rows in all, blocks of NC32 columns). */
const bBlock = (base: number, k: number, jc: number, pc: number, ncp: number) => base + 4 * (jc * k + ncp * pc);

// state kept across steps: the layout of the last shape, whether its packed X is valid, W's float64 staging, and views
// of the module's memory (remade when the memory grows or the shape changes): no allocation in a step
let lay: Layout | undefined;
let xPacked = false;
let wAll = new Float64Array(0);

interface Views {
  buf: ArrayBuffer;
  lay: Layout;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  /** the packed W blocks (n-block jc, k-block pc) and their float32 views */
  wBlocks: { jc: number; pc: number; kc: number; nc: number; view: Float32Array }[];
}
let views: Views | undefined;

function viewsOf(w: TwoLayerModule, L: Layout): Views {
  const buf = w.memory.buffer;
  if (views && views.buf === buf && views.lay === L) return views;
  const wBlocks: Views['wBlocks'] = [];
  for (let jc = 0; jc < L.CN; jc += NC32) {
    const nc = Math.min(NC32, L.CN - jc),
      ncp = up(nc, NR32);
    for (let pc = 0; pc < L.d; pc += KC32) {
      const kc = Math.min(KC32, L.d - pc);
      wBlocks.push({ jc, pc, kc, nc, view: new Float32Array(buf, bBlock(L.wb, L.d, jc, pc, ncp), ncp * kc) });
    }
  }
  views = { buf, lay: L, f32: new Float32Array(buf), f64: new Float64Array(buf), i32: new Int32Array(buf), wBlocks };
  return views;
}

/** Packs X into both operand layouts (the cache's fill), throwing on non-finite entries. */
function packX(w: TwoLayerModule, L: Layout, x: Float64Array): void {
  const { n, d, mp } = L;
  const buf = w.memory.buffer;
  let z = 0;
  // forward A: for each k-block (columns pc … of X), all rows' MR-slivers, zero padded to mp rows
  for (let pc = 0; pc < d; pc += KC32) {
    const kc = Math.min(KC32, d - pc);
    z += packA32(x, pc, d, 1, n, kc, new Float32Array(buf, L.xa + 4 * mp * pc, mp * kc));
  }
  // backward B: for each n-block of X's columns and k-block of its rows, the NR-slivers
  for (let jc = 0; jc < d; jc += NC32) {
    const nc = Math.min(NC32, d - jc),
      ncp = up(nc, NR32);
    for (let pc = 0; pc < n; pc += KC32) {
      const kc = Math.min(KC32, n - pc);
      z += packB32(x, pc * d + jc, d, 1, kc, nc, new Float32Array(buf, bBlock(L.xb, n, jc, pc, ncp), ncp * kc));
    }
  }
  if (z !== 0) {
    assertFinite({ rows: n, cols: d, data: x }, 'twoLayerBatch: x');
    throw new InvalidArgumentError(
      "twoLayerBatch: x holds a value beyond the float32 range (3.4e38); rescale the inputs or use precision 'float64'",
    );
  }
}

/**
 * Whether the packed X is this x: x is copied into the module (one memcpy) and compared bit for bit with the float64
 * X the packing came from (SIMD, about 0.1 ns per byte), so an X edited in place or a new buffer with other values is
 * repacked, and a new buffer with the same values is not.
 */
function xCached(w: TwoLayerModule, L: Layout, V: Views, x: Float64Array): boolean {
  const len = L.n * L.d,
    bytes = up(len, 2) * 8;
  const f64 = V.f64;
  if (x.length === len) f64.set(x, L.xnew / 8);
  else for (let i = 0; i < len; i++) f64[L.xnew / 8 + i] = x[i]!;
  if (len % 2 === 1) f64[L.xnew / 8 + len] = 0;
  if (xPacked && w.same(L.xnew, L.xold, bytes) === 1) return true;
  f64.copyWithin(L.xold / 8, L.xnew / 8, L.xnew / 8 + bytes / 8);
  return false;
}

function overflowed(what: string): never {
  throw new InvalidArgumentError(
    `twoLayerBatch: the float32 ${what} overflowed; rescale the inputs or use a smaller step size or precision 'float64'`,
  );
}

/**
 * The fused two-layer ensemble step (see the file comment) for the erf activation and one output. Returns false,
 * doing nothing, where it does not apply (another activation, width above 16384, WebAssembly SIMD missing, memory
 * beyond 1 GiB); the caller then makes the separate calls. Arguments are validated by the caller (shapes); finiteness
 * of x, W, a and y is checked here.
 */
export function wasmTwoLayerBatch32(t: TwoLayerBatchArgs): boolean {
  const { x, y, width: N, params, grads, preds, losses } = t;
  if (t.activation !== 'erf' || N > N_MAX) return false;
  const n = x.rows,
    d = x.cols,
    C = params.length,
    CN = C * N;
  if (n === 0 || d === 0 || C === 0) return false;
  const w = load();
  if (!w) return false;
  if (!lay || lay.n !== n || lay.d !== d || lay.CN !== CN) {
    const L = layoutFor(n, d, CN);
    if (L.end > MAX_BYTES || !ensureMemory(w.memory, L.end)) return false;
    lay = L;
    xPacked = false;
  }
  const L = lay;
  const V = viewsOf(w, L);
  const f64 = V.f64;
  const { mp, ldh, ldg } = L;
  // the inputs: X (cached), W (packed each step), a and y (checked)
  if (!xCached(w, L, V, x.data)) {
    xPacked = false;
    packX(w, L, x.data);
    xPacked = true;
  }
  const Nd = N * d;
  if (wAll.length !== CN * d) wAll = new Float64Array(CN * d);
  for (let c = 0; c < C; c++) {
    const p = params[c]!;
    for (let i = 0; i < Nd; i++) wAll[c * Nd + i] = p[i]!;
    for (let i = Nd; i < Nd + N; i++) if (p[i]! - p[i]! !== 0) nonFiniteParams();
  }
  for (let i = 0; i < n; i++)
    if (y[i]! - y[i]! !== 0)
      throw new InvalidArgumentError(`twoLayerBatch: y contains a non-finite value (entry ${i}); remove NaN/Inf values`);
  let z = 0;
  for (const blk of V.wBlocks) z += packB32(wAll, blk.jc * d + blk.pc, 1, d, blk.kc, blk.nc, blk.view);
  if (z !== 0) nonFiniteParams();

  // forward: H = X·Wᵀ as float32 rows; with one n-block (C·N ≤ NC32) each m-panel's readout follows its products
  const g0 = L.gacc / 8;
  f64.fill(0, g0, g0 + CN + C); // the running φᵀr of every network, then their running Σr²
  const fusedPanels = CN <= NC32;
  for (let jc = 0; jc < CN; jc += NC32) {
    const nc = Math.min(NC32, CN - jc),
      ncp = up(nc, NR32);
    for (let pc = 0; pc < d; pc += KC32) {
      const kc = Math.min(KC32, d - pc);
      const last = pc + kc >= d;
      const pb = bBlock(L.wb, d, jc, pc, ncp);
      for (let ic = 0; ic < n; ic += MC32) {
        const mc = Math.min(MC32, n - ic);
        w.macro(mc, nc, kc, L.xa + 4 * mp * pc + 4 * kc * ic, pb, L.h + 4 * (ic * ldh + jc), 4 * ldh, pc > 0 ? 1 : 0, 0, 0, 1);
        if (fusedPanels && last) readRows(w, L, V, t, ic, ic + mc);
      }
    }
  }
  if (!fusedPanels) readRows(w, L, V, t, 0, n);

  // backward: G = Dᵀ·X (k = the samples), δ's slivers copied out of H per block, written as float64 at L.g
  for (let jc = 0; jc < d; jc += NC32) {
    const nc = Math.min(NC32, d - jc),
      ncp = up(nc, NR32);
    for (let pc = 0; pc < n; pc += KC32) {
      const kc = Math.min(KC32, n - pc);
      const mode = (pc === 0 ? 0 : 1) | (pc + kc >= n ? 2 : 0);
      const pb = bBlock(L.xb, n, jc, pc, ncp);
      for (let ic = 0; ic < CN; ic += MC32) {
        const mc = Math.min(MC32, CN - ic);
        w.packF32(L.h + 4 * (pc * ldh + ic), 4 * ldh, Math.ceil(mc / MR32), kc, L.da);
        const s = w.macro(mc, nc, kc, L.da, pb, L.cp + 4 * ic * ncp, 4 * ncp, mode, L.g + 8 * (ic * ldg + jc), 8 * ldg, 1);
        if (s !== 0) overflowed('hidden-layer signal or weight gradient');
      }
    }
  }
  // the outputs: G's rows (the W gradients), φᵀr (the a gradients), the losses
  const gb = L.g / 8;
  for (let c = 0; c < C; c++) {
    const out = grads[c]!;
    for (let i = 0; i < N; i++) {
      const src = gb + (c * N + i) * ldg;
      for (let q = 0; q < d; q++) out[i * d + q] = f64[src + q]!;
      out[Nd + i] = f64[g0 + c * N + i]!;
    }
    losses[c] = 0.5 * f64[L.gacc / 8 + CN + c]!;
  }
  return true;
}

/**
 * The readout of rows r0 … r1 − 1 for every network: the module's `readout` in calls of at most R rows (so that the
 * tail list cannot overflow), carrying each network's running φᵀr and ½Σr² (in the module) across calls, then the
 * |h| ≥ 6 entries finished here.
 */
function readRows(w: TwoLayerModule, L: Layout, V: Views, t: TwoLayerBatchArgs, r0: number, r1: number): void {
  const { y, width: N, params, preds } = t;
  const { f32, f64, i32 } = V;
  const d = L.d,
    C = params.length,
    CN = C * N,
    Nd = N * d,
    ldh = L.ldh;
  const R = Math.min(R_MAX, Math.floor(TAIL_CAP / N));
  const g0 = L.gacc / 8,
    l0 = g0 + CN;
  for (let c = 0; c < C; c++) {
    const p = params[c]!,
      pred = preds[c]!;
    for (let i = 0; i < N; i++) {
      f64[AREG / 8 + i] = p[Nd + i]!;
      f64[GREG / 8 + i] = f64[g0 + c * N + i]!;
    }
    for (let m0 = r0; m0 < r1; m0 += R) {
      const rows = Math.min(R, r1 - m0);
      i32[ARGS / 4] = L.h + 4 * (m0 * ldh + c * N);
      i32[ARGS / 4 + 1] = 4 * ldh;
      for (let r = 0; r < rows; r++) f64[YREG / 8 + r] = y[m0 + r]!;
      f64[l0 + c] = w.readout(rows, N, f64[l0 + c]!);
      for (let r = 0; r < rows; r++) pred[m0 + r] = f64[PRED / 8 + r]!;
      // |h| ≥ 6: φ′ = (2/√π)e^{−h²} with JavaScript's Math.exp (as activateInto), δ = (0 + a·r)·φ′ in float32;
      // a non-finite h (NaN also lands here) is an overflowed product
      const tails = i32[TAILN / 4]!;
      for (let q = 0; q < tails; q++) {
        const at = i32[(TAILS + 16 * q) / 4]!,
          hv = f64[(TAILS + 16 * q + 8) / 8]!;
        if (hv - hv !== 0) overflowed('pre-activations X·Wᵀ');
        const e = (at - L.h) / 4,
          row = Math.floor(e / ldh),
          i = e - row * ldh - c * N;
        const r = f64[RES / 8 + row - m0]!;
        f32[at / 4] = (0 + p[Nd + i]! * r) * (TWO_OVER_SQRT_PI * Math.exp(-hv * hv));
      }
    }
    for (let i = 0; i < N; i++) f64[g0 + c * N + i] = f64[GREG / 8 + i]!;
  }
}

function nonFiniteParams(): never {
  throw new InvalidArgumentError(
    "twoLayerBatch: the parameters contain a non-finite value or one beyond the float32 range; remove NaN/Inf values, rescale, or use a smaller step size or precision 'float64'",
  );
}
