// Float32 GEMM with a WebAssembly f32x4 SIMD micro-kernel (assembled by ./asm.ts): the product engine of the
// reference backend's float32 precision (`referenceBackend32`). Goto/BLIS structure as ../gemm.ts: op(B) is packed
// (rounded to float32) into KC×NR slivers once per (n-block, k-block) and reused across the m loop, op(A) into MR×KC
// slivers per m-block, and a register-blocked 4×8 micro-kernel (eight f32x4 accumulators: larger blocks spill in V8
// and measured slower) streams both. Packing runs in WebAssembly too where the operand's storage has contiguous rows
// (one memcpy of the block into the module, then f64x2 → f32x4 by rows or by a four-row gather); other layouts and the
// last partial sliver are packed in TypeScript. Sums run in float32; k-blocks before the last add to a float32 C panel
// in the module's memory, and the last one writes α·c in float64 straight from the accumulators into a cache-resident
// block that is copied into (or added to) the caller's C. Every entry's summation order depends only on k, so results
// are the same for any batching of rows or columns and any thread count.
import {
  T,
  type WasmFunction,
  type WasmMemory,
  addI,
  assemble,
  ensureMemory,
  f64c,
  get,
  i32c,
  instantiate,
  mem,
  op,
  set,
  simd,
  v,
  whileNot,
} from './asm';

/** Micro-tile rows (A splats) and f32x4 vectors per row (NR = 4·NV columns). */
export const MR32 = 4;
const NV = 2;
export const NR32 = 4 * NV;
/** k-block (packed A sliver 4·KC floats and B sliver 8·KC floats stay in L1), m-block (packed A in L2), n-block. */
export const KC32 = 384;
export const MC32 = 192;
export const NC32 = 2048;

// parameters of `macro`: mc, nc, kc, packed A, packed B, C tile address, C row stride (bytes), mode (bit 0: the C
// tile holds earlier k-blocks' partial sums to add; bit 1: last k-block, write α·C in float64; bit 2: α ≠ 1),
// float64 output address, its row stride (bytes), α. Returns Σ (c − c) over the finished float32 sums c: 0, or NaN
// when one overflowed
const [MCP, NCP, KCP, PA, PB, CP, LDC, MODE, DP, LDD, ALPHA] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
// i32 locals
const [JB, IB, A, B, END, CT, PBS, ASL, BSL, DT] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
// v128 locals: MR·NV accumulators, NV B vectors, the A splat, then α (f64x2) and the finiteness sum (f32x4)
const ACC = 21;
const BV = ACC + MR32 * NV;
const AV = BV + NV;
const ALV = AV + 1,
  ZV = ALV + 1;
const V128_LOCALS = ZV + 1 - ACC;

/** Σ (x − x) over the four lanes of a float32 finiteness sum, as a float64: 0, or NaN. */
const laneSum = (z: number) =>
  [0, 1, 2, 3].flatMap((l) => [...get(z), ...v(simd.f32x4ExtractLane, l), op.f64PromoteF32, ...(l > 0 ? [op.f64Add] : [])]);
/** z += x − x (float32 lanes). */
const finiteSum = (z: number, x: number) => set(z, [...get(z), ...get(x), ...get(x), ...v(simd.f32x4Sub), ...v(simd.f32x4Add)]);
// lanes 0, 1 of two f32x4 (each a demoted f64x2) side by side
const JOIN = [...v(simd.i8x16Shuffle), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * The end of a tile: the accumulators plus the C tile's partial sums (mode bit 0), then either stored back to the
 * float32 C tile, or (mode bit 1) widened to float64, scaled by α and stored to the output tile at DT, each value w
 * adding w − w (0, or NaN for ±Inf/NaN) to the finiteness sum.
 */
function tileEnd(): number[] {
  const acc = (r: number, h: number) => ACC + NV * r + h;
  const rows = (per: (r: number) => number[], ptr: number, stride: number) =>
    Array.from({ length: MR32 }, (_, r) => [...per(r), ...(r < MR32 - 1 ? addI(ptr, get(stride)) : [])]).flat();
  const addC = rows(
    (r) =>
      Array.from({ length: NV }, (_, h) =>
        set(acc(r, h), [...get(acc(r, h)), ...get(CT), ...v(simd.v128Load, ...mem(2, 16 * h)), ...v(simd.f32x4Add)]),
      ).flat(),
    CT,
    LDC,
  );
  const storeC = rows(
    (r) => Array.from({ length: NV }, (_, h) => [...get(CT), ...get(acc(r, h)), ...v(simd.v128Store, ...mem(2, 16 * h))]).flat(),
    CT,
    LDC,
  );
  // lanes 2, 3 of a f32x4 moved to 0, 1
  const high = [...v(simd.i8x16Shuffle), 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  // α·widen(x) (mode bit 2 set: α ≠ 1) stored at DT + off
  const widen = (x: number[], off: number, scaled: boolean) => [
    ...get(DT),
    ...x,
    ...v(simd.f64x2PromoteLowF32x4),
    ...(scaled ? [...get(ALV), ...v(simd.f64x2Mul)] : []),
    ...v(simd.v128Store, ...mem(3, off)),
  ];
  const storeD = (scaled: boolean) =>
    rows(
      (r) =>
        Array.from({ length: NV }, (_, h) => [
          // finiteness: x − x is 0 for finite x, NaN for ±Inf (an overflowed float32 sum)
          ...finiteSum(ZV, acc(r, h)),
          ...widen(get(acc(r, h)), 32 * h, scaled),
          ...widen([...get(acc(r, h)), ...get(acc(r, h)), ...high], 32 * h + 16, scaled),
        ]).flat(),
      DT,
      LDD,
    );
  return [
    ...get(MODE),
    ...i32c(1),
    op.i32And,
    op.if,
    op.empty,
    ...addC,
    ...set(CT, [...get(CT), ...get(LDC), ...i32c(MR32 - 1), op.i32Mul, op.i32Sub]),
    op.end,
    ...get(MODE),
    ...i32c(2),
    op.i32And,
    op.if,
    op.empty,
    ...get(MODE),
    ...i32c(4),
    op.i32And,
    op.if,
    op.empty,
    ...storeD(true),
    op.else,
    ...storeD(false),
    op.end,
    op.else,
    ...storeC,
    op.end,
  ];
}

function macroBody(): number[] {
  const micro: number[] = [];
  for (let h = 0; h < NV; h++) micro.push(...set(BV + h, [...get(B), ...v(simd.v128Load, ...mem(2, 16 * h))]));
  for (let r = 0; r < MR32; r++) {
    micro.push(...set(AV, [...get(A), ...v(simd.v128Load32Splat, ...mem(2, 4 * r))]));
    for (let h = 0; h < NV; h++) {
      const acc = ACC + NV * r + h;
      micro.push(...set(acc, [...get(acc), ...get(AV), ...get(BV + h), ...v(simd.f32x4Mul), ...v(simd.f32x4Add)]));
    }
  }
  const zero = Array.from({ length: MR32 * NV }, (_, q) => set(ACC + q, [op.f32Const, 0, 0, 0, 0, ...v(simd.f32x4Splat)])).flat();
  const tile = (base: number, ld: number, bytes: number) => [
    ...get(base),
    ...get(IB),
    ...get(ld),
    op.i32Mul,
    op.i32Add,
    ...get(JB),
    ...i32c(bytes),
    op.i32Mul,
    op.i32Add,
  ];
  return [
    ...set(ALV, [...get(ALPHA), ...v(simd.f64x2Splat)]),
    ...set(ZV, [op.f32Const, 0, 0, 0, 0, ...v(simd.f32x4Splat)]),
    ...set(ASL, [...get(KCP), ...i32c(4 * MR32), op.i32Mul]), // bytes of one packed A sliver
    ...set(BSL, [...get(KCP), ...i32c(4 * NR32), op.i32Mul]), // bytes of one packed B sliver
    ...set(JB, i32c(0)),
    ...set(PBS, get(PB)),
    ...whileNot(
      [...get(JB), ...get(NCP), op.i32GeS],
      [
        ...set(IB, i32c(0)),
        ...set(A, get(PA)),
        ...whileNot(
          [...get(IB), ...get(MCP), op.i32GeS],
          [
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
            ...set(CT, tile(CP, LDC, 4)),
            ...set(DT, tile(DP, LDD, 8)),
            ...tileEnd(),
            ...addI(IB, i32c(MR32)),
          ],
        ),
        ...addI(JB, i32c(NR32)),
        ...addI(PBS, get(BSL)),
      ],
    ),
    ...laneSum(ZV),
  ];
}

/**
 * `packRows`(src, ld, slivers, kc, dst) for slivers of `w` = 4·vecs entries that lie contiguous in the rows of a
 * float64 copy in the module (op(A) = Aᵀ of a row-major A: w = MR; op(B) = B: w = NR): row p at src + p·ld bytes,
 * sliver s's entries at src + p·ld + 8w·s, rounded to float32 into sliver s at dst + 4w·kc·s, row p of it at + 4w·p.
 * 4/vecs rows at a time are read in order (streaming) and written to each sliver as one 64-byte run, then the remaining
 * rows one at a time. Returns Σ (x − x) over the float32 values: 0, or NaN when one is ±Inf or NaN.
 */
function packRowsBody(vecs: number): number[] {
  const [SRC, LD, SL, KC, DST] = [0, 1, 2, 3, 4];
  const [P, Q, END, STEP, W, KCG, X, Z] = [5, 6, 7, 8, 9, 10, 11, 12];
  const wb = 16 * vecs,
    group = 4 / vecs;
  // row r (of the group at Q) of the current sliver, as float32, stored at W + wb·r
  const row = (r: number, base: number[]) =>
    Array.from({ length: vecs }, (_, h) => [
      ...set(X, [
        ...base,
        ...v(simd.v128Load, ...mem(3, 32 * h)),
        ...v(simd.f32x4DemoteF64x2Zero),
        ...base,
        ...v(simd.v128Load, ...mem(3, 32 * h + 16)),
        ...v(simd.f32x4DemoteF64x2Zero),
        ...JOIN,
      ]),
      ...get(W),
      ...get(X),
      ...v(simd.v128Store, ...mem(2, wb * r + 16 * h)),
      ...finiteSum(Z, X),
    ]).flat();
  const rowAt = (r: number) => (r === 0 ? get(Q) : [...get(Q), ...get(LD), ...i32c(r), op.i32Mul, op.i32Add]);
  // rows P … P + rows − 1 of every sliver
  const pass = (rows: number) => [
    ...set(Q, get(SRC)),
    ...set(END, [...get(SRC), ...get(SL), ...i32c(2 * wb), op.i32Mul, op.i32Add]),
    ...set(W, [...get(DST), ...get(P), ...i32c(wb), op.i32Mul, op.i32Add]),
    ...whileNot(
      [...get(Q), ...get(END), op.i32GeU],
      [...Array.from({ length: rows }, (_, r) => row(r, rowAt(r))).flat(), ...addI(W, get(STEP)), ...addI(Q, i32c(2 * wb))],
    ),
    ...addI(SRC, [...get(LD), ...i32c(rows), op.i32Mul]),
    ...addI(P, i32c(rows)),
  ];
  return [
    ...set(Z, [op.f32Const, 0, 0, 0, 0, ...v(simd.f32x4Splat)]),
    ...set(STEP, [...get(KC), ...i32c(wb), op.i32Mul]),
    ...set(KCG, [...get(KC), ...i32c(-group), op.i32And]),
    ...set(P, i32c(0)),
    ...whileNot([...get(P), ...get(KCG), op.i32GeS], pass(group)),
    ...whileNot([...get(P), ...get(KC), op.i32GeS], pass(1)),
    ...laneSum(Z),
  ];
}

/**
 * `packGather`(src, ld, slivers, kc, dst, ds, sstep, dstep): slivers whose entries are four rows of a float64 copy in
 * the module, each contiguous along k (op(A) = A row-major: a sliver's MR rows; op(B) = Bᵀ: half of a sliver's NR
 * rows): rows at src + r·ld bytes (r < 4), entry p at + 8p, rounded to float32 and written as one f32x4 per p at
 * dst + ds·p; then src += sstep, dst += dstep for the next sliver. Two k at a time (four loads, a 4×2 transpose by
 * shuffles), then an odd last k. Returns Σ (x − x) over the float32 values.
 */
function packGatherBody(): number[] {
  const [SRC, LD, SL, KC, DST, DS, SSTEP, DSTEP] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [S, R0, W, END, END2] = [8, 9, 13, 14, 15]; // R0 … R3 at 9 … 12
  const [D0, S01, S23, X, Z] = [16, 20, 21, 22, 23]; // D0 … D3 at 16 … 19
  const sh = (...lanes: number[]) => [...v(simd.i8x16Shuffle), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
  // [x0(p), x1(p), x0(p+1), x1(p+1)] from two rows' demoted pairs, then the two k's four rows each
  const interleave = sh(0, 4, 1, 5);
  const low = sh(0, 1, 4, 5),
    high = sh(2, 3, 6, 7);
  const step = (pair: boolean) => [
    ...[0, 1, 2, 3].flatMap((r) =>
      set(D0 + r, [
        ...get(R0 + r),
        ...(pair ? v(simd.v128Load, ...mem(3, 0)) : v(simd.v128Load64Zero, ...mem(3, 0))),
        ...v(simd.f32x4DemoteF64x2Zero),
      ]),
    ),
    ...set(S01, [...get(D0), ...get(D0 + 1), ...interleave]),
    ...set(S23, [...get(D0 + 2), ...get(D0 + 3), ...interleave]),
    ...set(X, [...get(S01), ...get(S23), ...low]),
    ...get(W),
    ...get(X),
    ...v(simd.v128Store, ...mem(2, 0)),
    ...finiteSum(Z, X),
    ...(pair
      ? [
          ...set(X, [...get(S01), ...get(S23), ...high]),
          ...get(W),
          ...get(DS),
          op.i32Add,
          ...get(X),
          ...v(simd.v128Store, ...mem(2, 0)),
          ...finiteSum(Z, X),
        ]
      : []),
    ...addI(W, pair ? [...get(DS), ...get(DS), op.i32Add] : get(DS)),
    ...[0, 1, 2, 3].flatMap((r) => addI(R0 + r, i32c(pair ? 16 : 8))),
  ];
  return [
    ...set(Z, [op.f32Const, 0, 0, 0, 0, ...v(simd.f32x4Splat)]),
    ...set(S, i32c(0)),
    ...whileNot(
      [...get(S), ...get(SL), op.i32GeS],
      [
        ...[0, 1, 2, 3].flatMap((r) => set(R0 + r, [...get(SRC), ...get(LD), ...i32c(r), op.i32Mul, op.i32Add])),
        ...set(W, get(DST)),
        ...set(END, [...get(SRC), ...get(KC), ...i32c(8), op.i32Mul, op.i32Add]),
        ...set(END2, [...get(SRC), ...get(KC), ...i32c(-2), op.i32And, ...i32c(8), op.i32Mul, op.i32Add]),
        ...whileNot([...get(R0), ...get(END2), op.i32GeU], step(true)),
        ...whileNot([...get(R0), ...get(END), op.i32GeU], step(false)),
        ...addI(SRC, get(SSTEP)),
        ...addI(DST, get(DSTEP)),
        ...addI(S, i32c(1)),
      ],
    ),
    ...laneSum(Z),
  ];
}

/** The `macro` export (parameters: see `macro`'s comment above). @internal */
export type MacroKernel = (
  mc: number,
  nc: number,
  kc: number,
  pa: number,
  pb: number,
  c: number,
  ldc: number,
  mode: number,
  d: number,
  ldd: number,
  alpha: number,
) => number;

interface Gemm32Module {
  macro: MacroKernel;
  packRows4: (src: number, ld: number, slivers: number, kc: number, dst: number) => number;
  packRows8: (src: number, ld: number, slivers: number, kc: number, dst: number) => number;
  packGather: (
    src: number,
    ld: number,
    slivers: number,
    kc: number,
    dst: number,
    ds: number,
    sstep: number,
    dstep: number,
  ) => number;
  memory: WasmMemory;
}
let mod: Gemm32Module | null | undefined;

/**
 * The macro-kernel as a module function (`macro`, see the parameters above): also assembled into the fused two-layer
 * module (./twolayer32.ts), which keeps its operands in its own memory. @internal
 */
export function macroFunction(): WasmFunction {
  const locals = [...Array<number>(DT + 1 - JB).fill(T.i32), ...Array<number>(V128_LOCALS).fill(T.v128)];
  const params = [...Array<number>(ALPHA).fill(T.i32), T.f64];
  return { name: 'macro', params, results: [T.f64], locals, body: macroBody() };
}

function load(): Gemm32Module | null {
  if (mod !== undefined) return mod;
  const bytes = assemble(
    [
      macroFunction(),
      ...[1, 2].map((vecs) => ({
        name: `packRows${4 * vecs}`,
        params: Array<number>(5).fill(T.i32),
        results: [T.f64],
        locals: [...Array<number>(6).fill(T.i32), ...Array<number>(2).fill(T.v128)],
        body: packRowsBody(vecs),
      })),
      {
        name: 'packGather',
        params: Array<number>(8).fill(T.i32),
        results: [T.f64],
        locals: [...Array<number>(8).fill(T.i32), ...Array<number>(8).fill(T.v128)],
        body: packGatherBody(),
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
/** How a block of an operand is packed (see wasmGemm32Strided). */
type PackPath = 'rows' | 'gather' | 'js';
/** Largest copy of an operand's block (bytes) packed in the module; wider storage is packed in JavaScript. */
const MAX_SCRATCH = 32 * 1024 * 1024;
const PA_BYTES = MC32 * KC32 * 4,
  PB_BYTES = KC32 * NC32 * 4;

/**
 * Packs an mc×kc block of op(A) (float64, strided) into MR-row float32 slivers (zero padded). Returns Σ a·0: 0, or
 * NaN when the block holds ±Inf or NaN (the finiteness check rides along with the packing pass).
 */
export function packA32(A: Float64Array, off: number, rs: number, cs: number, mc: number, kc: number, out: Float32Array): number {
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
export function packB32(B: Float64Array, off: number, rs: number, cs: number, kc: number, nc: number, out: Float32Array): number {
  let o = 0,
    z = 0;
  for (let j0 = 0; j0 < nc; j0 += NR32) {
    const cols = Math.min(NR32, nc - j0);
    if (cols === NR32 && cs === 1) {
      // a full sliver of contiguous rows (the common case: B row-major)
      for (let p = 0; p < kc; p++) {
        const s = off + p * rs + j0;
        const x0 = B[s]!,
          x1 = B[s + 1]!,
          x2 = B[s + 2]!,
          x3 = B[s + 3]!,
          x4 = B[s + 4]!,
          x5 = B[s + 5]!,
          x6 = B[s + 6]!,
          x7 = B[s + 7]!;
        out[o] = x0;
        out[o + 1] = x1;
        out[o + 2] = x2;
        out[o + 3] = x3;
        out[o + 4] = x4;
        out[o + 5] = x5;
        out[o + 6] = x6;
        out[o + 7] = x7;
        z += (x0 + x1 + (x2 + x3) + (x4 + x5 + (x6 + x7))) * 0;
        o += NR32;
      }
      continue;
    }
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
 * the module's memory; the caller then computes it another way. Each entry's summation order depends only on k.
 *
 * `onNonFinite` (optional) is called with 'A' or 'B' when that operand's float32 values hold ±Inf or NaN (found while
 * packing: the caller checks the float64 operand and throws its error; a finite entry beyond float32's range is left
 * to overflow the product), and with 'C' when a product overflowed float32 (C is then written, with the non-finite
 * entries). m, n, k ≥ 1.
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
    ncp = Math.ceil(Math.min(n, NC32) / NR32) * NR32;
  // k-blocks after the first add to float32 partial sums of the C panel (mp × ncp), kept in the module's memory
  const multiK = k > KC32;
  if (multiK && mp * ncp > MAX_C) return false;
  const w = load();
  if (!w) return false;
  const dBase = PA_BYTES + PB_BYTES,
    cBase = dBase + MC32 * ncp * 8;
  // operand blocks are copied into the module (one memcpy) and packed there with SIMD, by rows when a sliver's entries
  // are contiguous in the storage's rows, by gathering four rows when each sliver row is contiguous along k; other
  // layouts (and operands too wide for the scratch copy) are packed in JavaScript
  const kcMax = Math.min(k, KC32),
    mcMax = Math.min(m, MC32);
  const aPath: PackPath = m < MR32 ? 'js' : ars === 1 ? 'rows' : acs === 1 ? 'gather' : 'js';
  const bPath: PackPath = n < NR32 ? 'js' : bcs === 1 ? 'rows' : brs === 1 ? 'gather' : 'js';
  const aSpan = aPath === 'rows' ? (kcMax - 1) * acs + m : (mcMax - 1) * ars + kcMax,
    bSpan = bPath === 'rows' ? (kcMax - 1) * brs + ncp : (ncp - 1) * bcs + kcMax;
  const aWasm = aPath !== 'js' && aSpan * 8 <= MAX_SCRATCH,
    bWasm = bPath !== 'js' && bSpan * 8 <= MAX_SCRATCH;
  const sBase = cBase + (multiK ? mp * ncp * 4 : 0);
  if (!ensureMemory(w.memory, sBase + 8 * Math.max(aWasm ? aSpan : 0, bWasm ? bSpan : 0))) return false;
  const buf = w.memory.buffer;
  const pa = new Float32Array(buf, 0, MC32 * KC32),
    pb = new Float32Array(buf, PA_BYTES, KC32 * NC32),
    d = new Float64Array(buf, dBase, MC32 * ncp);
  const toScratch = (X: Float64Array, at: number, len: number) => new Float64Array(buf, sBase, len).set(X.subarray(at, at + len));
  let finite = true;
  const hugeAlpha = Math.abs(alpha) > 5e269;
  for (let jc = 0; jc < n; jc += NC32) {
    const nc = Math.min(NC32, n - jc);
    for (let pc = 0; pc < k; pc += KC32) {
      const kc = Math.min(KC32, k - pc);
      const mode = (pc === 0 ? 0 : 1) | (pc + kc >= k ? 2 : 0) | (alpha !== 1 ? 4 : 0);
      const b0 = bOff + pc * brs + jc * bcs;
      if (bWasm) {
        const full = nc >> 3;
        let z: number;
        if (bPath === 'rows') {
          toScratch(B, b0, (kc - 1) * brs + nc);
          z = w.packRows8(sBase, brs * 8, full, kc, PA_BYTES);
        } else {
          toScratch(B, b0, (nc - 1) * bcs + kc);
          z = w.packGather(sBase, bcs * 8, full, kc, PA_BYTES, 32, 64 * bcs, 32 * kc);
          z += w.packGather(sBase + 32 * bcs, bcs * 8, full, kc, PA_BYTES + 16, 32, 64 * bcs, 32 * kc);
        }
        if (8 * full < nc) z += packB32(B, b0 + 8 * full * bcs, brs, bcs, kc, nc - 8 * full, pb.subarray(8 * full * kc));
        if (z !== 0) onNonFinite?.('B');
      } else if (packB32(B, b0, brs, bcs, kc, nc, pb) !== 0) onNonFinite?.('B');
      if (aWasm && aPath === 'rows') toScratch(A, aOff + pc * acs, (kc - 1) * acs + m);
      for (let ic = 0; ic < m; ic += MC32) {
        const mc = Math.min(MC32, m - ic);
        const a0 = aOff + ic * ars + pc * acs;
        if (aWasm) {
          const full = mc >> 2;
          let z: number;
          if (aPath === 'rows') z = w.packRows4(sBase + ic * 8, acs * 8, full, kc, 0);
          else {
            toScratch(A, a0, (mc - 1) * ars + kc);
            z = w.packGather(sBase, ars * 8, full, kc, 0, 16, 32 * ars, 16 * kc);
          }
          if (4 * full < mc) z += packA32(A, a0 + 4 * full * ars, ars, acs, mc - 4 * full, kc, pa.subarray(4 * full * kc));
          if (z !== 0) onNonFinite?.('A');
        } else if (packA32(A, a0, ars, acs, mc, kc, pa) !== 0) onNonFinite?.('A');
        const z = w.macro(mc, nc, kc, 0, PA_BYTES, cBase + ic * ncp * 4, ncp * 4, mode, dBase, ncp * 8, alpha);
        if ((mode & 2) === 0) continue;
        // the finished mc × nc block of α·C (float64, row stride ncp, still in cache) into the caller's C
        if (z !== 0) finite = false;
        // α·c overflows float64 only for |α| > 1.8e308 / 3.4e38: then the block is checked here
        if (hugeAlpha) for (let q = 0; q < mc * ncp && finite; q++) finite = d[q]! - d[q]! === 0;
        const c0 = cOff + ic * ldc + jc;
        if (zeroC && nc === ncp && ldc === nc) C.set(mc === MC32 ? d : d.subarray(0, mc * nc), c0);
        else
          for (let i = 0; i < mc; i++) {
            const ci = c0 + i * ldc,
              di = i * ncp;
            if (zeroC) C.set(d.subarray(di, di + nc), ci);
            else for (let j = 0; j < nc; j++) C[ci + j]! += d[di + j]!;
          }
      }
    }
  }
  if (!finite) onNonFinite?.('C');
  return true;
}
