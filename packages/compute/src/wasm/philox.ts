// Philox4x32-10 counter blocks as uniform pairs, in WebAssembly (assembled by ./asm.ts). The 32×32 → 64-bit
// products are one i64.mul each (the TypeScript version needs four float multiplications and several shifts), and
// the uniforms are formed with the same float64 operations as @sftdl/field's `normal`, so they are bit-identical.
import { COS_SERIES, LN2_HI, LN2_LO, LOG_SERIES, SIN_SERIES, SQRT2 } from '../noise-constants';
import {
  HIGH64,
  LOW64,
  T,
  type WasmMemory,
  assemble,
  f64c,
  get,
  i32c,
  instantiate,
  mem,
  op,
  set,
  shuffle,
  simd,
  sleb,
  v,
  whileNot,
} from './asm';

// scalar opcodes the assembler does not name (WebAssembly core, section 5.4.7)
const f64Sqrt = 0x9f,
  f64Floor = 0x9c,
  f64Gt = 0x64,
  i64And = 0x83,
  i64Or = 0x84,
  i64ReinterpretF64 = 0xbd,
  f64ReinterpretI64 = 0xbf;

const M0 = 0xd2511f53,
  M1 = 0xcd9e8d57,
  W0 = 0x9e3779b9,
  W1 = 0xbb67ae85;
/** Pairs per call into the module's memory (16 bytes each: 1 MiB). */
const CHUNK = 65536;

// parameters: k0, k1, first counter j0, count, output address; locals below
const [K0, K1, J0, COUNT, OUT] = [0, 1, 2, 3, 4];
const [J, END, X0, X1, X2, X3, A, B, PTR, P0, P1] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

function uniformExpr(hi: number, lo: number): number[] {
  // ((hi >>> 5) · 2²⁶ + (lo >>> 6) + 0.5) · 2⁻⁵³, in this order (as field's `normal`)
  return [
    op.localGet,
    hi,
    ...i32c(5),
    op.i32ShrU,
    op.f64ConvertI32U,
    ...f64c(67108864),
    op.f64Mul,
    op.localGet,
    lo,
    ...i32c(6),
    op.i32ShrU,
    op.f64ConvertI32U,
    op.f64Add,
    ...f64c(0.5),
    op.f64Add,
    ...f64c(1 / 9007199254740992),
    op.f64Mul,
  ];
}

/** The Philox4x32-10 rounds on locals X0 … X3 with key words A, B (P0, P1: the 64-bit products). */
function philoxRounds(): number[] {
  const round: number[] = [
    ...set(P0, [op.i64Const, ...sleb(BigInt(M0)), ...get(X0), op.i64ExtendI32U, op.i64Mul]),
    ...set(P1, [op.i64Const, ...sleb(BigInt(M1)), ...get(X2), op.i64ExtendI32U, op.i64Mul]),
    ...set(X0, [...get(P1), op.i64Const, ...sleb(32), op.i64ShrU, op.i32WrapI64, ...get(X1), op.i32Xor, ...get(A), op.i32Xor]),
    ...set(X1, [...get(P1), op.i32WrapI64]),
    ...set(X2, [...get(P0), op.i64Const, ...sleb(32), op.i64ShrU, op.i32WrapI64, ...get(X3), op.i32Xor, ...get(B), op.i32Xor]),
    ...set(X3, [...get(P0), op.i32WrapI64]),
    ...set(A, [...get(A), ...i32c(W0), op.i32Add]),
    ...set(B, [...get(B), ...i32c(W1), op.i32Add]),
  ];
  return Array.from({ length: 10 }, () => round).flat();
}

/**
 * The loop over counters j = j0 … j0 + count − 1 shared by both functions: Philox block j into X0 … X3, then `emit`
 * (code that stores 16 bytes at PTR), then PTR += 16.
 */
function counterLoop(emit: number[]): number[] {
  return [
    ...set(J, get(J0)),
    ...set(END, [...get(J0), ...get(COUNT), op.i32Add]),
    ...set(PTR, get(OUT)),
    ...whileNot(
      [...get(J), ...get(END), op.i32GeU],
      [
        ...set(X0, get(J)),
        ...set(X1, i32c(0)),
        ...set(X2, i32c(0)),
        ...set(X3, i32c(0)),
        ...set(A, get(K0)),
        ...set(B, get(K1)),
        ...philoxRounds(),
        ...emit,
        ...set(PTR, [...get(PTR), ...i32c(16), op.i32Add]),
        ...set(J, [...get(J), ...i32c(1), op.i32Add]),
      ],
    ),
  ];
}

/** Uniform pairs (u₁, u₂) of each block. */
function philoxBody(): number[] {
  return counterLoop([
    ...get(PTR),
    ...uniformExpr(X0, X1),
    op.f64Store,
    ...mem(3, 0),
    ...get(PTR),
    ...uniformExpr(X2, X3),
    op.f64Store,
    ...mem(3, 8),
  ]);
}

// extra locals of `normals` (after philox's): the bits of u₁, then float64 temporaries, then the quadrant
const [BITS, U1, U2, M, E, F, S, Z, RHO, Q, R, SV, CV, CS, SN, QQ] = [
  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
];

/** c[0] + z·(c[1] + z·(… + z·c[last])) with z in local `z` (the TypeScript definition's Horner order). */
function horner(z: number, c: readonly number[]): number[] {
  let code = f64c(c[c.length - 1]!);
  for (let k = c.length - 2; k >= 0; k--) code = [...f64c(c[k]!), ...get(z), ...code, op.f64Mul, op.f64Add];
  return code;
}

/** `local = cond ? a : b` with cond = (QQ == q). */
function pick(local: number, a: number[], b: number[], q: number): number[] {
  return set(local, [...a, ...b, ...get(QQ), ...i32c(q), op.i32Eq, op.select]);
}

/**
 * Pairs j0 … j0 + count − 1 of the Langevin noise stream (compute's noise.ts: the same Philox blocks and, operation
 * for operation, streamLog and streamBoxMuller), two float64 per pair at `out`.
 */
function normalsBody(): number[] {
  const neg = (l: number) => [...get(l), op.f64Neg];
  return counterLoop([
    ...set(U1, uniformExpr(X0, X1)),
    ...set(U2, uniformExpr(X2, X3)),
    // ln u₁: u₁ = m·2^e from the bits (u₁ is a normal number in (0, 1]), m halved when above √2
    ...set(BITS, [...get(U1), i64ReinterpretF64]),
    ...set(E, [
      ...get(BITS),
      op.i64Const,
      ...sleb(52),
      op.i64ShrU,
      op.i32WrapI64,
      ...i32c(0x7ff),
      op.i32And,
      ...i32c(1023),
      op.i32Sub,
      op.f64ConvertI32S,
    ]),
    ...set(M, [
      ...get(BITS),
      op.i64Const,
      ...sleb(0x000fffffffffffffn),
      i64And,
      op.i64Const,
      ...sleb(0x3ff0000000000000n),
      i64Or,
      f64ReinterpretI64,
    ]),
    ...set(QQ, [...get(M), ...f64c(SQRT2), f64Gt]),
    ...set(M, [...get(M), ...f64c(0.5), op.f64Mul, ...get(M), ...get(QQ), op.select]),
    ...set(E, [...get(E), ...f64c(1), op.f64Add, ...get(E), ...get(QQ), op.select]),
    ...set(F, [...get(M), ...f64c(1), op.f64Sub]),
    ...set(S, [...get(F), ...f64c(2), ...get(F), op.f64Add, op.f64Div]),
    ...set(Z, [...get(S), ...get(S), op.f64Mul]),
    ...set(RHO, [
      ...get(E),
      ...f64c(LN2_HI),
      op.f64Mul,
      ...get(E),
      ...f64c(LN2_LO),
      op.f64Mul,
      ...get(S),
      ...horner(Z, LOG_SERIES),
      op.f64Mul,
      op.f64Add,
      op.f64Add,
    ]),
    ...set(RHO, [...f64c(-2), ...get(RHO), op.f64Mul, f64Sqrt]),
    // cos and sin of 2πu₂: quadrant q = ⌊4u₂ + ½⌋, r = u₂ − q/4
    ...set(Q, [...f64c(4), ...get(U2), op.f64Mul, ...f64c(0.5), op.f64Add, f64Floor]),
    ...set(R, [...get(U2), ...f64c(0.25), ...get(Q), op.f64Mul, op.f64Sub]),
    ...set(Z, [...get(R), ...get(R), op.f64Mul]),
    ...set(SV, [...get(R), ...horner(Z, SIN_SERIES), op.f64Mul]),
    ...set(CV, [...f64c(1), ...get(Z), ...horner(Z, COS_SERIES.slice(1)), op.f64Mul, op.f64Add]),
    ...set(QQ, [...get(Q), op.i32TruncF64S, ...i32c(3), op.i32And]),
    // (cos θ, sin θ) = (c, s), (−s, c), (−c, −s), (s, −c) for quadrants 0 … 3
    ...set(CS, get(CV)),
    ...pick(CS, neg(SV), get(CS), 1),
    ...pick(CS, neg(CV), get(CS), 2),
    ...pick(CS, get(SV), get(CS), 3),
    ...set(SN, get(SV)),
    ...pick(SN, get(CV), get(SN), 1),
    ...pick(SN, neg(SV), get(SN), 2),
    ...pick(SN, neg(CV), get(SN), 3),
    ...get(PTR),
    ...get(RHO),
    ...get(CS),
    op.f64Mul,
    op.f64Store,
    ...mem(3, 0),
    ...get(PTR),
    ...get(RHO),
    ...get(SN),
    op.f64Mul,
    op.f64Store,
    ...mem(3, 8),
  ]);
}

// ---- four counter blocks at a time (f64x2 / i32x4 SIMD): the same stream, bit for bit ----
/** 32-bit words 1, 3 (high halves of the 64-bit lanes) of a, then of b; words 0, 2 (low halves). */
const HI_WORDS = shuffle(4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
const LO_WORDS = shuffle(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
/** lanes 2, 3 of an i32x4 moved to 0, 1 */
const UPPER_I32 = shuffle(8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
/** the 64-bit lanes' low words into i32 lanes 0, 1 */
const LOW_WORDS01 = shuffle(0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11);

const fsplat = (x: number) => [...f64c(x), ...v(simd.f64x2Splat)];
const isplat = (x: number) => [...i32c(x), ...v(simd.i32x4Splat)];
const lsplat = (x: bigint) => [op.i64Const, ...sleb(x), ...v(simd.i64x2Splat)];

// locals of normals4 after its five parameters: i32, then v128
const [J4, END4, PTR4, A4, B4] = [5, 6, 7, 8, 9];
const [X0v, X1v, X2v, X3v, PL, PH, QL, QH, T0, T2, SM0, SM1, KA, KB] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
// v128 locals 10 … 23: the Philox words, products, keys; 24 … 42: the Box–Muller temporaries
const [U1v, U2v, Ev, Mv, MASK, Fv, Sv, Zv, RHOv, Qv, Rv, SVv, CVv, CSv, SNv, QQv, M1v, M2v, M3v] = [
  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
];
const NORMALS4_LOCALS = [...Array<number>(5).fill(T.i32), ...Array<number>(14 + 19).fill(T.v128)];

/** c[0] + z·(c[1] + z·(… + z·c[last])), f64x2, the scalar {@link horner}'s order. */
function horner2(z: number, c: readonly number[]): number[] {
  let code = fsplat(c[c.length - 1]!);
  for (let k = c.length - 2; k >= 0; k--) code = [...fsplat(c[k]!), ...get(z), ...code, ...v(simd.f64x2Mul), ...v(simd.f64x2Add)];
  return code;
}

/** One Philox round on the four blocks' words (lanes), the scalar round's operations lane by lane. */
function round4(): number[] {
  return [
    ...set(KA, [...get(A4), ...v(simd.i32x4Splat)]),
    ...set(KB, [...get(B4), ...v(simd.i32x4Splat)]),
    ...set(PL, [...get(X0v), ...get(SM0), ...v(simd.i64x2ExtmulLowU)]),
    ...set(PH, [...get(X0v), ...get(SM0), ...v(simd.i64x2ExtmulHighU)]),
    ...set(QL, [...get(X2v), ...get(SM1), ...v(simd.i64x2ExtmulLowU)]),
    ...set(QH, [...get(X2v), ...get(SM1), ...v(simd.i64x2ExtmulHighU)]),
    ...set(T0, [...get(QL), ...get(QH), ...HI_WORDS, ...get(X1v), ...v(simd.v128Xor), ...get(KA), ...v(simd.v128Xor)]),
    ...set(T2, [...get(PL), ...get(PH), ...HI_WORDS, ...get(X3v), ...v(simd.v128Xor), ...get(KB), ...v(simd.v128Xor)]),
    ...set(X1v, [...get(QL), ...get(QH), ...LO_WORDS]),
    ...set(X3v, [...get(PL), ...get(PH), ...LO_WORDS]),
    ...set(X0v, get(T0)),
    ...set(X2v, get(T2)),
    ...set(A4, [...get(A4), ...i32c(W0), op.i32Add]),
    ...set(B4, [...get(B4), ...i32c(W1), op.i32Add]),
  ];
}

/** u = ((hi ≫ 5)·2²⁶ + (lo ≫ 6) + ½)·2⁻⁵³ for lanes 2h, 2h + 1 of the words hi, lo (f64x2). */
function uniform2(hi: number, lo: number, h: number): number[] {
  // the two lanes moved to 0, 1 (h = 1), shifted, converted exactly (unsigned)
  const word = (w: number, s: number) => [
    ...get(w),
    ...(h === 1 ? [...get(w), ...UPPER_I32] : []),
    ...i32c(s),
    ...v(simd.i32x4ShrU),
    ...v(simd.f64x2ConvertLowI32x4U),
  ];
  return [
    ...word(hi, 5),
    ...fsplat(67108864),
    ...v(simd.f64x2Mul),
    ...word(lo, 6),
    ...v(simd.f64x2Add),
    ...fsplat(0.5),
    ...v(simd.f64x2Add),
    ...fsplat(1 / 9007199254740992),
    ...v(simd.f64x2Mul),
  ];
}

const sel = (l: number, a: number[], b: number[], mask: number) => set(l, [...a, ...b, ...get(mask), ...v(simd.v128Bitselect)]);
const neg2 = (l: number) => [...get(l), ...v(simd.f64x2Neg)];

/** The stream's Box–Muller transform of blocks 2h, 2h + 1 (normalsBody's operations, lane by lane), stored at PTR + 32h. */
function boxMuller2(h: number): number[] {
  const mul = v(simd.f64x2Mul),
    add = v(simd.f64x2Add);
  return [
    ...set(U1v, uniform2(X0v, X1v, h)),
    ...set(U2v, uniform2(X2v, X3v, h)),
    // exponent e (as f64) and mantissa m ∈ [1, 2) of u₁ from its bits; m halved (e + 1) above √2
    ...set(Ev, [
      ...get(U1v),
      ...i32c(52),
      ...v(simd.i64x2ShrU),
      ...lsplat(0x7ffn),
      ...v(simd.v128And),
      ...lsplat(1023n),
      ...v(simd.i64x2Sub),
    ]),
    ...set(Ev, [...get(Ev), ...get(Ev), ...LOW_WORDS01, ...v(simd.f64x2ConvertLowI32x4S)]),
    ...set(Mv, [
      ...get(U1v),
      ...lsplat(0x000fffffffffffffn),
      ...v(simd.v128And),
      ...lsplat(0x3ff0000000000000n),
      ...v(simd.v128Or),
    ]),
    ...set(MASK, [...get(Mv), ...fsplat(SQRT2), ...v(simd.f64x2Gt)]),
    ...sel(Mv, [...get(Mv), ...fsplat(0.5), ...mul], get(Mv), MASK),
    ...sel(Ev, [...get(Ev), ...fsplat(1), ...add], get(Ev), MASK),
    ...set(Fv, [...get(Mv), ...fsplat(1), ...v(simd.f64x2Sub)]),
    ...set(Sv, [...get(Fv), ...fsplat(2), ...get(Fv), ...add, ...v(simd.f64x2Div)]),
    ...set(Zv, [...get(Sv), ...get(Sv), ...mul]),
    ...set(RHOv, [
      ...get(Ev),
      ...fsplat(LN2_HI),
      ...mul,
      ...get(Ev),
      ...fsplat(LN2_LO),
      ...mul,
      ...get(Sv),
      ...horner2(Zv, LOG_SERIES),
      ...mul,
      ...add,
      ...add,
    ]),
    ...set(RHOv, [...fsplat(-2), ...get(RHOv), ...mul, ...v(simd.f64x2Sqrt)]),
    ...set(Qv, [...fsplat(4), ...get(U2v), ...mul, ...fsplat(0.5), ...add, ...v(simd.f64x2Floor)]),
    ...set(Rv, [...get(U2v), ...fsplat(0.25), ...get(Qv), ...mul, ...v(simd.f64x2Sub)]),
    ...set(Zv, [...get(Rv), ...get(Rv), ...mul]),
    ...set(SVv, [...get(Rv), ...horner2(Zv, SIN_SERIES), ...mul]),
    ...set(CVv, [...fsplat(1), ...get(Zv), ...horner2(Zv, COS_SERIES.slice(1)), ...mul, ...add]),
    ...set(QQv, [...get(Qv), ...v(simd.i32x4TruncSatF64x2SZero), ...isplat(3), ...v(simd.v128And)]),
    ...[M1v, M2v, M3v].flatMap((m, q) =>
      set(m, [...get(QQv), ...isplat(q + 1), ...v(simd.i32x4Eq), ...v(simd.i64x2ExtendLowI32x4S)]),
    ),
    ...set(CSv, get(CVv)),
    ...sel(CSv, neg2(SVv), get(CSv), M1v),
    ...sel(CSv, neg2(CVv), get(CSv), M2v),
    ...sel(CSv, get(SVv), get(CSv), M3v),
    ...set(SNv, get(SVv)),
    ...sel(SNv, get(CVv), get(SNv), M1v),
    ...sel(SNv, neg2(SVv), get(SNv), M2v),
    ...sel(SNv, neg2(CVv), get(SNv), M3v),
    // (ρ·cos, ρ·sin) of the two blocks, stored pair by pair
    ...set(CSv, [...get(RHOv), ...get(CSv), ...mul]),
    ...set(SNv, [...get(RHOv), ...get(SNv), ...mul]),
    ...get(PTR4),
    ...get(CSv),
    ...get(SNv),
    ...LOW64,
    ...v(simd.v128Store, ...mem(3, 32 * h)),
    ...get(PTR4),
    ...get(CSv),
    ...get(SNv),
    ...HIGH64,
    ...v(simd.v128Store, ...mem(3, 32 * h + 16)),
  ];
}

/**
 * normals4(k0, k1, j0, count, out): {@link normalsBody}'s pairs for count (a multiple of 4) counters, four Philox
 * blocks in the lanes of i32x4 vectors (the 32×32 → 64-bit products by i64x2.extmul) and the Box–Muller transform two
 * blocks per f64x2: every lane performs the scalar operations in their order, so the values are the same bits.
 */
function normals4Body(): number[] {
  return [
    ...set(SM0, [...i32c(M0), ...v(simd.i32x4Splat)]),
    ...set(SM1, [...i32c(M1), ...v(simd.i32x4Splat)]),
    ...set(J4, get(J0)),
    ...set(END4, [...get(J0), ...get(COUNT), op.i32Add]),
    ...set(PTR4, get(OUT)),
    ...whileNot(
      [...get(J4), ...get(END4), op.i32GeU],
      [
        ...set(X0v, [
          ...get(J4),
          ...v(simd.i32x4Splat),
          ...v(simd.v128Const, ...[0, 1, 2, 3].flatMap((q) => [q, 0, 0, 0])),
          ...v(simd.i32x4Add),
        ]),
        ...set(X1v, isplat(0)),
        ...set(X2v, isplat(0)),
        ...set(X3v, isplat(0)),
        ...set(A4, get(K0)),
        ...set(B4, get(K1)),
        ...Array.from({ length: 10 }, () => round4()).flat(),
        ...boxMuller2(0),
        ...boxMuller2(1),
        ...set(PTR4, [...get(PTR4), ...i32c(64), op.i32Add]),
        ...set(J4, [...get(J4), ...i32c(4), op.i32Add]),
      ],
    ),
  ];
}

interface PhiloxModule {
  philox: (k0: number, k1: number, j0: number, count: number, out: number) => void;
  normals: (k0: number, k1: number, j0: number, count: number, out: number) => void;
  normals4: (k0: number, k1: number, j0: number, count: number, out: number) => void;
  memory: WasmMemory;
}
let mod: PhiloxModule | null | undefined;

function load(): PhiloxModule | null {
  if (mod !== undefined) return mod;
  const bytes = assemble(
    [
      {
        name: 'philox',
        params: [T.i32, T.i32, T.i32, T.i32, T.i32],
        results: [],
        locals: [...Array(9).fill(T.i32), T.i64, T.i64],
        body: philoxBody(),
      },
      {
        name: 'normals',
        params: [T.i32, T.i32, T.i32, T.i32, T.i32],
        results: [],
        locals: [...Array(9).fill(T.i32), T.i64, T.i64, T.i64, ...Array(14).fill(T.f64), T.i32],
        body: normalsBody(),
      },
      {
        name: 'normals4',
        params: [T.i32, T.i32, T.i32, T.i32, T.i32],
        results: [],
        locals: NORMALS4_LOCALS,
        body: normals4Body(),
      },
    ],
    16,
  );
  const inst = instantiate(bytes);
  mod = inst ? (inst as unknown as PhiloxModule) : null;
  return mod;
}

/** Whether the WebAssembly Philox kernel is available in this runtime. */
export function wasmPhiloxAvailable(): boolean {
  return load() !== null;
}

/**
 * Uniforms of Philox4x32-10 counter blocks j0 … j0 + count − 1 (count ≤ 65536, counters below 2³²) under key
 * (k0, k1): pair j holds u₁ = ((x₀ ≫ 5)·2²⁶ + (x₁ ≫ 6) + ½)·2⁻⁵³ and u₂ from (x₂, x₃), the inputs of field's
 * Box–Muller `normal`. Returns a view of 2·count float64 into the module's memory (valid until the next call), or
 * undefined when WebAssembly is unavailable.
 * @internal
 */
export function philoxUniformPairs(k0: number, k1: number, j0: number, count: number): Float64Array | undefined {
  const m = load();
  if (!m) return undefined;
  if (count > CHUNK || j0 + count > 4294967296)
    throw new RangeError('philoxUniformPairs: at most 65536 pairs per call, counters below 2^32');
  m.philox(k0 | 0, k1 | 0, j0 | 0, count, 0);
  return new Float64Array(m.memory.buffer, 0, 2 * count);
}

/** Pairs per {@link philoxUniformPairs} call. @internal */
export const PHILOX_CHUNK = CHUNK;

/**
 * Pairs j0 … j0 + count − 1 (count ≤ 65536, counters below 2³²) of the Langevin noise stream (compute's
 * langevinNormalsInto, bit for bit) under key (k0, k1): a view of 2·count float64 into the module's memory (valid until
 * the next call), or undefined when WebAssembly is unavailable.
 * @internal
 */
export function philoxNormalPairs(k0: number, k1: number, j0: number, count: number): Float64Array | undefined {
  const m = load();
  if (!m) return undefined;
  if (count > CHUNK || j0 + count > 4294967296)
    throw new RangeError('philoxNormalPairs: at most 65536 pairs per call, counters below 2^32');
  // four blocks at a time with SIMD, the last (count mod 4) one at a time: the same bits
  const c4 = count - (count % 4);
  m.normals4(k0 | 0, k1 | 0, j0 | 0, c4, 0);
  if (c4 < count) m.normals(k0 | 0, k1 | 0, (j0 + c4) | 0, count - c4, 16 * c4);
  return new Float64Array(m.memory.buffer, 0, 2 * count);
}
