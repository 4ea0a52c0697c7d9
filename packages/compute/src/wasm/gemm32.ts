// Float32 GEMM with a WebAssembly f32x4 SIMD micro-kernel (assembled by ./asm.ts): the product engine of the
// reference backend's float32 precision (`referenceBackend32`). Goto/BLIS structure as ../gemm.ts: op(B) is packed
// (rounded to float32) into KC×NR slivers, op(A) into MR×KC slivers, and a register-blocked MR×NR micro-kernel
// (MR·NR/4 f32x4 accumulators) streams both. Sums run in float32, each k-block's partial tile added to the float32
// C tile in the module's memory; C is handed back in float64 as C + α·c. The summation order depends only on
// (m, n, k), so results are deterministic for any caller and thread count.
import { T, type WasmMemory, assemble, ensureMemory, f64c, i32c, instantiate, mem, op, simd, v } from './asm';

/** Micro-tile rows (A splats) and f32x4 vectors per row (NR = 4·NV columns). */
export const MR32 = 4;
const NV = 2;
export const NR32 = 4 * NV;
/** k-block (packed A sliver 4·KC floats and B sliver 8·KC floats stay in L1), m-block (packed A in L2), n-block. */
export const KC32 = 384;
export const MC32 = 192;
export const NC32 = 2048;

// parameters of `macro`: mc, nc, kc, packed A, packed B, C tile address, C row stride (bytes), first k-block flag
const [MCP, NCP, KCP, PA, PB, CP, LDC, FIRST] = [0, 1, 2, 3, 4, 5, 6, 7];
// i32 locals
const [JB, IB, A, B, END, CT, PBS, ASL, BSL] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
// v128 locals: MR·NV accumulators, NV B vectors, the A splat
const ACC = 17;
const BV = ACC + MR32 * NV;
const AV = BV + NV;

function macroBody(): number[] {
  const get = (l: number) => [op.localGet, l];
  const set = (l: number, e: number[]) => [...e, op.localSet, l];
  const addI = (l: number, e: number[]) => set(l, [...get(l), ...e, op.i32Add]);
  const micro: number[] = [];
  for (let h = 0; h < NV; h++) micro.push(...set(BV + h, [...get(B), ...v(simd.v128Load, ...mem(2, 16 * h))]));
  for (let r = 0; r < MR32; r++) {
    micro.push(...set(AV, [...get(A), ...v(simd.v128Load32Splat, ...mem(2, 4 * r))]));
    for (let h = 0; h < NV; h++) {
      const acc = ACC + NV * r + h;
      micro.push(...set(acc, [...get(acc), ...get(AV), ...get(BV + h), ...v(simd.f32x4Mul), ...v(simd.f32x4Add)]));
    }
  }
  // C tile ← c (first k-block) or C tile + c
  const store: number[] = [];
  for (let r = 0; r < MR32; r++) {
    for (let h = 0; h < NV; h++) {
      const offset = 16 * h;
      store.push(
        ...get(CT),
        ...get(FIRST),
        op.if,
        T.v128,
        ...get(ACC + NV * r + h),
        op.else,
        ...get(CT),
        ...v(simd.v128Load, ...mem(2, offset)),
        ...get(ACC + NV * r + h),
        ...v(simd.f32x4Add),
        op.end,
        ...v(simd.v128Store, ...mem(2, offset)),
      );
    }
    store.push(...addI(CT, get(LDC)));
  }
  const zero = Array.from({ length: MR32 * NV }, (_, q) => set(ACC + q, [op.f32Const, 0, 0, 0, 0, ...v(simd.f32x4Splat)])).flat();
  return [
    ...set(ASL, [...get(KCP), ...i32c(4 * MR32), op.i32Mul]), // bytes of one packed A sliver
    ...set(BSL, [...get(KCP), ...i32c(4 * NR32), op.i32Mul]), // bytes of one packed B sliver
    ...set(JB, i32c(0)),
    ...set(PBS, get(PB)),
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...get(JB),
    ...get(NCP),
    op.i32GeS,
    op.brIf,
    1,
    ...set(IB, i32c(0)),
    ...set(A, get(PA)),
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...get(IB),
    ...get(MCP),
    op.i32GeS,
    op.brIf,
    1,
    ...set(B, get(PBS)),
    ...set(END, [...get(A), ...get(ASL), op.i32Add]),
    ...zero,
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...micro,
    ...addI(A, i32c(4 * MR32)),
    ...addI(B, i32c(4 * NR32)),
    ...get(A),
    ...get(END),
    op.i32LtU,
    op.brIf,
    0,
    op.end,
    op.end,
    ...set(CT, [...get(CP), ...get(IB), ...get(LDC), op.i32Mul, op.i32Add, ...get(JB), ...i32c(4), op.i32Mul, op.i32Add]),
    ...store,
    ...addI(IB, i32c(MR32)),
    op.br,
    0,
    op.end,
    op.end,
    ...addI(JB, i32c(NR32)),
    ...addI(PBS, get(BSL)),
    op.br,
    0,
    op.end,
    op.end,
  ];
}

// `unpack`(m, n, np, alpha, src, dst): dst[i·n + j] ← α·src[i·np + j] (float32 widened to float64, then scaled),
// returning Σ dst·0: 0, or NaN when some entry is ±Inf or NaN (an overflowed product)
function unpackBody(): number[] {
  const [M, N, NP, AL, SRC, DST] = [0, 1, 2, 3, 4, 5];
  const [I, S, E, E4, X, Z, X4, ALV, ZV, W] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const get = (l: number) => [op.localGet, l];
  const set = (l: number, e: number[]) => [...e, op.localSet, l];
  const addI = (l: number, c: number) => set(l, [...get(l), ...i32c(c), op.i32Add]);
  const loop = (cond: number[], body: number[]) => [
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...cond,
    op.brIf,
    1,
    ...body,
    op.br,
    0,
    op.end,
    op.end,
  ];
  // lanes 2, 3 of a f32x4 moved to 0, 1 (bytes 8 … 15 twice)
  const high = [...v(simd.i8x16Shuffle), 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  // w = α·widen(x); store at DST + off; zv += w·0
  const store2 = (x: number[], off: number) => [
    ...set(W, [...x, ...v(simd.f64x2PromoteLowF32x4), ...get(ALV), ...v(simd.f64x2Mul)]),
    ...get(DST),
    ...get(W),
    ...v(simd.v128Store, ...mem(3, off)),
    ...set(ZV, [...get(ZV), ...get(W), ...f64c(0), ...v(simd.f64x2Splat), ...v(simd.f64x2Mul), ...v(simd.f64x2Add)]),
  ];
  return [
    ...set(Z, f64c(0)),
    ...set(ALV, [...get(AL), ...v(simd.f64x2Splat)]),
    ...set(I, i32c(0)),
    ...loop(
      [...get(I), ...get(M), op.i32GeS],
      [
        ...set(S, [...get(SRC), ...get(I), ...get(NP), op.i32Mul, ...i32c(4), op.i32Mul, op.i32Add]),
        ...set(E, [...get(S), ...get(N), ...i32c(4), op.i32Mul, op.i32Add]),
        ...set(E4, [...get(S), ...get(N), ...i32c(-4), op.i32And, ...i32c(4), op.i32Mul, op.i32Add]),
        // four entries at a time (f32x4 → two f64x2), then one at a time
        ...loop(
          [...get(S), ...get(E4), op.i32GeU],
          [
            ...set(X4, [...get(S), ...v(simd.v128Load, ...mem(2, 0))]),
            ...store2(get(X4), 0),
            ...store2([...get(X4), ...get(X4), ...high], 16),
            ...addI(S, 16),
            ...addI(DST, 32),
          ],
        ),
        ...loop(
          [...get(S), ...get(E), op.i32GeU],
          [
            ...set(X, [...get(AL), ...get(S), op.f32Load, ...mem(2, 0), op.f64PromoteF32, op.f64Mul]),
            ...get(DST),
            ...get(X),
            op.f64Store,
            ...mem(3, 0),
            ...set(Z, [...get(Z), ...get(X), ...f64c(0), op.f64Mul, op.f64Add]),
            ...addI(S, 4),
            ...addI(DST, 8),
          ],
        ),
        ...addI(I, 1),
      ],
    ),
    ...get(Z),
    ...get(ZV),
    ...v(simd.f64x2ExtractLane, 0),
    op.f64Add,
    ...get(ZV),
    ...v(simd.f64x2ExtractLane, 1),
    op.f64Add,
  ];
}

interface Gemm32Module {
  macro: (mc: number, nc: number, kc: number, pa: number, pb: number, c: number, ldc: number, first: number) => void;
  unpack: (m: number, n: number, np: number, alpha: number, src: number, dst: number) => number;
  memory: WasmMemory;
}
let mod: Gemm32Module | null | undefined;

function load(): Gemm32Module | null {
  if (mod !== undefined) return mod;
  const locals = [...Array<number>(9).fill(T.i32), ...Array<number>(MR32 * NV + NV + 1).fill(T.v128)];
  const params = [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32];
  const bytes = assemble(
    [
      { name: 'macro', params, results: [], locals, body: macroBody() },
      {
        name: 'unpack',
        params: [T.i32, T.i32, T.i32, T.f64, T.i32, T.i32],
        results: [T.f64],
        locals: [T.i32, T.i32, T.i32, T.i32, T.f64, T.f64, T.v128, T.v128, T.v128, T.v128],
        body: unpackBody(),
      },
    ],
    1,
  );
  const inst = instantiate(bytes);
  mod = inst ? (inst as unknown as Gemm32Module) : null;
  return mod;
}

/** Whether the WebAssembly f32x4 GEMM kernel is available in this runtime. */
export function wasmGemm32Available(): boolean {
  return load() !== null;
}

/** Largest padded C (entries) the kernel takes: the module's memory stays below 1 GiB. */
const MAX_C = 192 * 1024 * 1024;
const PA_BYTES = MC32 * KC32 * 4,
  PB_BYTES = KC32 * NC32 * 4;

/**
 * Packs an mc×kc block of op(A) (float64, strided) into MR-row float32 slivers (zero padded). Returns Σ a·0: 0, or
 * NaN when the block holds ±Inf or NaN (the finiteness check rides along with the packing pass).
 */
function packA32(A: Float64Array, off: number, rs: number, cs: number, mc: number, kc: number, out: Float32Array): number {
  let o = 0,
    z = 0;
  if (rs === 1 && mc >= MR32) {
    // op(A) = a transposed row-major matrix: read along its rows (contiguous in i) and scatter into the slivers, so
    // the reads stream instead of striding over k pages; the slivers' last partial one is written as below
    const full = mc - (mc % MR32);
    const sl = MR32 * kc;
    for (let p = 0; p < kc; p++) {
      const src = off + p * cs;
      let d = p * MR32;
      for (let i = 0; i < full; i += MR32) {
        const x0 = A[src + i]!,
          x1 = A[src + i + 1]!,
          x2 = A[src + i + 2]!,
          x3 = A[src + i + 3]!;
        out[d] = x0;
        out[d + 1] = x1;
        out[d + 2] = x2;
        out[d + 3] = x3;
        z += (x0 + x1 + (x2 + x3)) * 0;
        d += sl;
      }
    }
    if (full === mc) return z;
    o = (full / MR32) * sl;
    const rows = mc - full;
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR32; r++) {
        const x = r < rows ? A[off + p * cs + full + r]! : 0;
        out[o + r] = x;
        z += x * 0;
      }
      o += MR32;
    }
    return z;
  }
  for (let i0 = 0; i0 < mc; i0 += MR32) {
    const rows = Math.min(MR32, mc - i0);
    if (rows === MR32) {
      const r0 = off + i0 * rs,
        r1 = r0 + rs,
        r2 = r1 + rs,
        r3 = r2 + rs;
      for (let p = 0; p < kc; p++) {
        const q = p * cs;
        const x0 = A[r0 + q]!,
          x1 = A[r1 + q]!,
          x2 = A[r2 + q]!,
          x3 = A[r3 + q]!;
        out[o] = x0;
        out[o + 1] = x1;
        out[o + 2] = x2;
        out[o + 3] = x3;
        z += (x0 + x1 + (x2 + x3)) * 0;
        o += 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR32; r++) {
          const x = r < rows ? A[off + (i0 + r) * rs + p * cs]! : 0;
          out[o + r] = x;
          z += x * 0;
        }
        o += MR32;
      }
    }
  }
  return z;
}

/** Packs a kc×nc block of op(B) (float64, strided) into NR-column float32 slivers (zero padded); returns Σ b·0. */
function packB32(B: Float64Array, off: number, rs: number, cs: number, kc: number, nc: number, out: Float32Array): number {
  let o = 0,
    z = 0;
  for (let j0 = 0; j0 < nc; j0 += NR32) {
    const cols = Math.min(NR32, nc - j0);
    for (let p = 0; p < kc; p++) {
      const s = off + p * rs + j0 * cs;
      for (let j = 0; j < NR32; j++) {
        const x = j < cols ? B[s + j * cs]! : 0;
        out[o + j] = x;
        z += x * 0;
      }
      o += NR32;
    }
  }
  return z;
}

/**
 * C ← (zeroC ? 0 : C) + α·op(A)·op(B) in float32 arithmetic (operands rounded to float32, sums in float32, each
 * entry widened to float64 before the α-scaling and the addition to C). Strided storage as ../gemm.ts's
 * `gemmStrided`. Returns false, doing nothing, when WebAssembly SIMD is unavailable or the product is too large for
 * the module's memory; the caller then computes it another way. The summation order depends only on (m, n, k).
 *
 * `onNonFinite` (optional) is called with 'A' or 'B' when that operand holds ±Inf or NaN (found while packing: the
 * caller throws its error), and with 'C' when a finite product overflowed float32 (C is then written, with the
 * non-finite entries). m, n, k ≥ 1.
 */
export function wasmGemm32Strided(
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  ars: number,
  acs: number,
  B: Float64Array,
  bOff: number,
  brs: number,
  bcs: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  zeroC = false,
  onNonFinite?: (operand: 'A' | 'B' | 'C') => void,
): boolean {
  const mp = Math.ceil(m / MR32) * MR32,
    np = Math.ceil(n / NR32) * NR32;
  if (mp * np > MAX_C) return false;
  const w = load();
  if (!w) return false;
  const cBase = PA_BYTES + PB_BYTES,
    dBase = cBase + mp * np * 4;
  if (!ensureMemory(w.memory, dBase + m * n * 8)) return false;
  const buf = w.memory.buffer;
  const pa = new Float32Array(buf, 0, MC32 * KC32),
    pb = new Float32Array(buf, PA_BYTES, KC32 * NC32);
  for (let jc = 0; jc < n; jc += NC32) {
    const nc = Math.min(NC32, n - jc);
    for (let pc = 0; pc < k; pc += KC32) {
      const kc = Math.min(KC32, k - pc);
      if (packB32(B, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, pb) !== 0) onNonFinite?.('B');
      for (let ic = 0; ic < m; ic += MC32) {
        const mc = Math.min(MC32, m - ic);
        if (packA32(A, aOff + ic * ars + pc * acs, ars, acs, mc, kc, pa) !== 0) onNonFinite?.('A');
        w.macro(mc, nc, kc, 0, PA_BYTES, cBase + (ic * np + jc) * 4, np * 4, pc === 0 ? 1 : 0);
      }
    }
  }
  const finite = w.unpack(m, n, np, alpha, cBase, dBase) === 0;
  const d = new Float64Array(buf, dBase, m * n);
  if (zeroC && ldc === n) C.set(d, cOff);
  else
    for (let i = 0; i < m; i++) {
      const ci = cOff + i * ldc,
        di = i * n;
      if (zeroC) C.set(d.subarray(di, di + n), ci);
      else for (let j = 0; j < n; j++) C[ci + j]! += d[di + j]!;
    }
  if (!finite) onNonFinite?.('C');
  return true;
}
