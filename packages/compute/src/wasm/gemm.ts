// GEMM with a WebAssembly SIMD micro-kernel (assembled by ./asm.ts), bit-identical to the TypeScript `gemmStrided`:
// the same packing (../gemm.ts's packAPanel/packBPanel, into the module's memory), the same KC blocking, and a
// 4×4 micro-kernel whose f64x2 lanes perform each entry's c ← c + a·b in the same order as the TypeScript kernel
// (WebAssembly has no fused multiply-add in its core SIMD set, and every operation rounds as IEEE 754 requires),
// followed by the same C ← C + α·c. Only the speed differs: two lanes per instruction and no bounds checks.
import { KC, MC, MR, NC, NR, packAPanel, packBPanel } from '../gemm';
import { T, type WasmMemory, addI, assemble, ensureMemory, f64c, get, i32c, instantiate, mem, op, set, simd, v } from './asm';

// parameters of `macro`: mc, nc, kc, alpha, packed A, packed B, C tile address, C row stride (bytes), and `first`
// (1: C is known to be zero before this k-block, so C + α·c is computed as (+0) + α·c without reading C)
const [MCP, NCP, KCP, ALPHA, PA, PB, CP, LDC, FIRST] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
// i32 locals
const [JB, IB, A, B, END, CT, PBS, ROWS] = [9, 10, 11, 12, 13, 14, 15, 16];
// v128 locals: 8 accumulators (row r, lanes 2h, 2h+1 at ACC + 2r + h), B lanes, A splat, α splat, +0
const ACC = 17,
  B01 = 25,
  B23 = 26,
  AV = 27,
  AL = 28,
  ZERO = 29;

function macroBody(): number[] {
  const micro: number[] = [];
  // B lanes (4 columns) of this p, then for each row: splat a_r and c_rj ← c_rj + a_r·b_j
  micro.push(...set(B01, [...get(B), ...v(simd.v128Load, ...mem(3, 0))]));
  micro.push(...set(B23, [...get(B), ...v(simd.v128Load, ...mem(3, 16))]));
  for (let r = 0; r < MR; r++) {
    micro.push(...set(AV, [...get(A), ...v(simd.v128Load64Splat, ...mem(3, 8 * r))]));
    for (let h = 0; h < 2; h++) {
      const acc = ACC + 2 * r + h;
      micro.push(...set(acc, [...get(acc), ...get(AV), ...get(h === 0 ? B01 : B23), ...v(simd.f64x2Mul), ...v(simd.f64x2Add)]));
    }
  }
  // C ← C + α·c, full 4×4 tiles (the C buffer is padded to multiples of 4 in both dimensions)
  const store: number[] = [];
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) {
      const offset = 16 * h;
      // C tile, or +0 (ZERO) when the caller's C is all zeros and this is the first k-block: no copy-in needed
      store.push(
        ...get(CT),
        ...get(FIRST),
        op.if,
        T.v128,
        ...get(ZERO),
        op.else,
        ...get(CT),
        ...v(simd.v128Load, ...mem(3, offset)),
        op.end,
        ...get(AL),
        ...get(ACC + 2 * r + h),
        ...v(simd.f64x2Mul),
        ...v(simd.f64x2Add),
        ...v(simd.v128Store, ...mem(3, offset)),
      );
    }
    store.push(...addI(CT, get(LDC)));
  }
  const zero = Array.from({ length: 8 }, (_, q) => set(ACC + q, [...f64c(0), ...v(simd.f64x2Splat)])).flat();
  return [
    ...set(AL, [...get(ALPHA), ...v(simd.f64x2Splat)]),
    ...set(ZERO, [...f64c(0), ...v(simd.f64x2Splat)]),
    ...set(ROWS, [...get(KCP), ...i32c(32), op.i32Mul]), // bytes of one packed 4-wide sliver
    ...set(JB, i32c(0)),
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...get(JB),
    ...get(NCP),
    op.i32GeS,
    op.brIf,
    1,
    ...set(PBS, [...get(PB), ...get(JB), ...get(KCP), op.i32Mul, ...i32c(8), op.i32Mul, op.i32Add]),
    ...set(IB, i32c(0)),
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...get(IB),
    ...get(MCP),
    op.i32GeS,
    op.brIf,
    1,
    ...set(A, [...get(PA), ...get(IB), ...get(KCP), op.i32Mul, ...i32c(8), op.i32Mul, op.i32Add]),
    ...set(B, get(PBS)),
    ...set(END, [...get(A), ...get(ROWS), op.i32Add]),
    ...zero, // accumulators ← +0, as the TypeScript kernel's
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...get(A),
    ...get(END),
    op.i32GeU,
    op.brIf,
    1,
    ...micro,
    ...addI(A, i32c(32)),
    ...addI(B, i32c(32)),
    op.br,
    0,
    op.end,
    op.end,
    ...set(CT, [...get(CP), ...get(IB), ...get(LDC), op.i32Mul, op.i32Add, ...get(JB), ...i32c(8), op.i32Mul, op.i32Add]),
    ...store,
    ...addI(IB, i32c(MR)),
    op.br,
    0,
    op.end,
    op.end,
    ...addI(JB, i32c(NR)),
    op.br,
    0,
    op.end,
    op.end,
  ];
}

interface GemmModule {
  macro: (
    mc: number,
    nc: number,
    kc: number,
    alpha: number,
    pa: number,
    pb: number,
    c: number,
    ldc: number,
    first: number,
  ) => void;
  memory: WasmMemory;
}
let mod: GemmModule | null | undefined;

function load(): GemmModule | null {
  if (mod !== undefined) return mod;
  const locals = [...Array(8).fill(T.i32), ...Array(13).fill(T.v128)];
  const params = [T.i32, T.i32, T.i32, T.f64, T.i32, T.i32, T.i32, T.i32, T.i32];
  const bytes = assemble([{ name: 'macro', params, results: [], locals, body: macroBody() }], 1);
  const inst = instantiate(bytes);
  mod = inst ? (inst as unknown as GemmModule) : null;
  return mod;
}

/** Whether the WebAssembly SIMD GEMM kernel is available in this runtime. */
export function wasmGemmAvailable(): boolean {
  return load() !== null;
}

/** Smallest m·n·k routed to the WebAssembly kernel (below it the copies in and out cost more than they save). */
export const WASM_GEMM_MIN_WORK = 32768;
/** Largest C (entries, padded) the kernel takes: its memory stays below 1 GiB. */
const MAX_C = 96 * 1024 * 1024;

const PA_BYTES = MC * KC * 8,
  PB_BYTES = KC * NC * 8;

/** [start, length] of the blocks of `step` that cover [0, len). */
function blocks(len: number, step: number): (readonly [number, number])[] {
  return Array.from({ length: Math.ceil(len / step) }, (_, i) => [i * step, Math.min(step, len - i * step)] as const);
}

/**
 * gemmStrided (C += α·op(A)·op(B) on strided storage) through the WebAssembly kernel: same arguments, bit-identical
 * results. Returns false, doing nothing, when WebAssembly SIMD is unavailable or the problem is outside the kernel's
 * range (then call gemmStrided). `zeroC`: the caller guarantees C's m×n entries are +0 (a fresh output), which
 * saves copying C into the module (the first k-block adds to +0 without reading it: the same values).
 */
export function wasmGemmStrided(
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
): boolean {
  if (m * n * k < WASM_GEMM_MIN_WORK || alpha === 0) return false;
  const mp = Math.ceil(m / MR) * MR,
    np = Math.ceil(n / NR) * NR;
  if (mp * np > MAX_C) return false;
  const w = load();
  if (!w) return false;
  const cBase = PA_BYTES + PB_BYTES;
  if (!ensureMemory(w.memory, cBase + mp * np * 8)) return false; // no memory for the module: TypeScript
  const buf = w.memory.buffer;
  const pa = new Float64Array(buf, 0, MC * KC),
    pb = new Float64Array(buf, PA_BYTES, KC * NC),
    cw = new Float64Array(buf, cBase, mp * np);
  if (!zeroC) for (let i = 0; i < m; i++) cw.set(C.subarray(cOff + i * ldc, cOff + i * ldc + n), i * np);
  // gemmStrided's blocking (same KC split of the k sums, hence the same values)
  for (const [jc, nc] of blocks(n, NC)) {
    for (const [pc, kc] of blocks(k, KC)) {
      packBPanel(B, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, pb);
      for (const [ic, mc] of blocks(m, MC)) {
        packAPanel(A, aOff + ic * ars + pc * acs, ars, acs, mc, kc, pa);
        w.macro(mc, nc, kc, alpha, 0, PA_BYTES, cBase + (ic * np + jc) * 8, np * 8, zeroC && pc === 0 ? 1 : 0);
      }
    }
  }
  for (let i = 0; i < m; i++) C.set(cw.subarray(i * np, i * np + n), cOff + i * ldc);
  return true;
}
