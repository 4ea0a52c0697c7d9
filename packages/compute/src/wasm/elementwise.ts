// φ and φ′ of the erf activation in WebAssembly (assembled by ./asm.ts), from compute's fast-erf table
// (../activations.ts's fastErfTable) with the same float64 operations in the same order as `activateInto`, so the
// values are bit-identical (WebAssembly rounds every operation as IEEE 754 requires and has no fused multiply-add).
// The tail |h| ≥ 6 (φ = ±1, φ′ = (2/√π)e^{−h²} < 3e-16) is finished in JavaScript with the same Math.exp, so it is
// bit-identical too. Other activations are cheap and run as activateInto.
import { type ActivationName, TWO_OVER_SQRT_PI, activateInto, fastErfTable } from '../activations';
import { type ReadoutArgs, readoutInto } from '../readout';
import {
  HIGH64,
  LOW64,
  T,
  type WasmMemory,
  addI,
  assemble,
  f64c,
  get,
  i32c,
  instantiate,
  mem,
  op,
  set,
  simd,
  sleb,
  v,
  whileNot,
} from './asm';

/** i32.div_u (a core opcode beyond ./asm.ts's `op` table). */
const I32_DIV_U = 0x6e;

/** Smallest buffer (entries) worth the copies into the module; smaller ones run the TypeScript definitions. */
const WASM_MIN = 2048;
/** Elements per call (three float64 regions of this many entries: 384 KiB, in L2). */
const CHUNK = 16384;
const TABLE_BYTES = Math.ceil((769 * 7 * 8) / 64) * 64;
/** Where `readout1` leaves its count of |h| ≥ 6 entries. */
const TAIL_AT = TABLE_BYTES;
const H = TABLE_BYTES + 64,
  PHI = H + CHUNK * 8,
  DPHI = PHI + CHUNK * 8,
  AREG = DPHI + CHUNK * 8,
  GREG = AREG + CHUNK * 8,
  YREG = GREG + CHUNK * 8,
  PREDREG = YREG + CHUNK * 8,
  RESREG = PREDREG + CHUNK * 8,
  MEM_END = RESREG + CHUNK * 8;

/** Locals of the erf evaluation of one element (see {@link erfElement}). */
interface ErfLocals {
  /** in: h (f64) */
  v: number;
  /** out: φ, φ′ (f64); φ′ is left 0 for |h| ≥ 6 and the i32 local `tail` counts those */
  phi: number;
  dphi: number;
  tail: number;
  /** scratch: ax, e (f64), j, o (i32), c1 … c6 (f64) */
  ax: number;
  e: number;
  j: number;
  o: number;
  c: number;
}

/**
 * φ, φ′ of erf for one element, activateInto's operations in its order: j = (|h|·128 + 0.5) | 0,
 * e = |h| − j·(1/128), φ = ±(t₀ + e(c1 + e(c2 + e(c3 + e(c4 + e(c5 + e·c6)))))),
 * φ′ = c1 + e(2c2 + e(3c3 + e(4c4 + e(5c5 + (e·6)·c6)))); |h| ≥ 6: φ = ±1, φ′ for JavaScript.
 */
function erfElement(l: ErfLocals, tailHook: number[] = [], nanToTail = false): number[] {
  const c = (k: number) => l.c + k - 1;
  const ld = (k: number) => [...get(l.o), op.f64Load, ...mem(3, 8 * k), op.localSet, c(k)];
  const sign = (pos: number[], neg: number[]) => [...neg, ...pos, ...get(l.v), ...f64c(0), op.f64Lt, op.select];
  return [
    ...set(l.ax, [...get(l.v), op.f64Abs]),
    ...get(l.ax),
    ...f64c(6),
    // |h| ≥ 6, or (nanToTail) also NaN: not (|h| < 6)
    ...(nanToTail ? [op.f64Lt, op.i32Eqz] : [op.f64Ge]),
    op.if,
    op.empty,
    ...set(l.phi, sign(f64c(1), f64c(-1))),
    ...set(l.dphi, f64c(0)),
    ...tailHook,
    ...set(l.tail, [...get(l.tail), ...i32c(1), op.i32Add]),
    op.else,
    ...set(l.j, [...get(l.ax), ...f64c(128), op.f64Mul, ...f64c(0.5), op.f64Add, op.i32TruncF64S]),
    ...set(l.e, [...get(l.ax), ...get(l.j), op.f64ConvertI32S, ...f64c(1 / 128), op.f64Mul, op.f64Sub]),
    ...set(l.o, [...get(l.j), ...i32c(56), op.i32Mul]),
    ...[1, 2, 3, 4, 5, 6].flatMap(ld),
    // val (in phi) = t₀ + e(c1 + e(c2 + …)), then the sign
    ...set(l.phi, [
      ...get(l.o),
      op.f64Load,
      ...mem(3, 0),
      ...[1, 2, 3, 4, 5].flatMap((k) => [...get(l.e), ...get(c(k))]),
      ...get(l.e),
      ...get(c(6)),
      ...Array<number[]>(6).fill([op.f64Mul, op.f64Add]).flat(),
    ]),
    ...set(l.phi, sign(get(l.phi), [...get(l.phi), op.f64Neg])),
    ...set(l.dphi, [
      ...get(c(1)),
      ...[2, 3, 4, 5].flatMap((k) => [...get(l.e), ...f64c(k), ...get(c(k)), op.f64Mul]),
      ...get(l.e),
      ...f64c(6),
      op.f64Mul,
      ...get(c(6)),
      op.f64Mul,
      ...Array<number[]>(4).fill([op.f64Add, op.f64Mul]).flat(),
      op.f64Add,
    ]),
    op.end,
  ];
}

// erf(len): h at H, φ at PHI, φ′ at DPHI; returns how many |h| ≥ 6 (their φ′ is left for JavaScript)
function erfBody(): number[] {
  const [LEN, P, END, TAIL, J, O] = [0, 1, 2, 3, 4, 5];
  const [V, AX, E, PH, DP, C] = [6, 7, 8, 9, 10, 11];
  const L: ErfLocals = { v: V, phi: PH, dphi: DP, tail: TAIL, ax: AX, e: E, j: J, o: O, c: C };
  return [
    ...set(P, i32c(0)),
    ...set(END, [...get(LEN), ...i32c(8), op.i32Mul]),
    ...whileNot(
      [...get(P), ...get(END), op.i32GeU],
      [
        ...set(V, [...get(P), op.f64Load, ...mem(3, H)]),
        ...erfElement(L),
        ...get(P),
        ...get(PH),
        op.f64Store,
        ...mem(3, PHI),
        ...get(P),
        ...get(DP),
        op.f64Store,
        ...mem(3, DPHI),
        ...addI(P, i32c(8)),
      ],
    ),
    ...get(TAIL),
  ];
}
const ERF_LOCALS = [...Array<number>(5).fill(T.i32), ...Array<number>(11).fill(T.f64)];

/**
 * readout1(rows, N, loss): the fused one-output readout of `rows` rows of N pre-activations (h at H, row-major,
 * contiguous), with a at AREG, the running gradient φᵀr at GREG, y at YREG: per row, φ, φ′ (erf) into PHI, DPHI,
 * f = Σ φᵢaᵢ → PREDREG, r = f − y → RESREG, loss += r², then gᵢ += φᵢr and δᵢ = (0 + aᵢr)·φ′ᵢ written over h.
 * readoutInto's operations in its order: φ, φ′ two lanes at a time (f64x2; table rows fetched per lane), the dot
 * product f summed one term at a time in index order, gᵢ and δᵢ two lanes at a time (elementwise: same values).
 * Pairs holding an |h| ≥ 6 entry take the scalar path. Returns the loss; the |h| ≥ 6 count goes to TAIL_AT.
 */
export function readoutBody(L0: ReadoutLayout = READOUT_LAYOUT): number[] {
  const { h: H, phi: PHI, dphi: DPHI, a: AREG, g: GREG, y: YREG, pred: PREDREG, res: RESREG, tailAt: TAIL_AT, f32 } = L0;
  const [ROWS, NN, LOSS] = [0, 1, 2];
  const [TAIL, J, O, RP, HP, I, END, END2, O0, O1] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [V, AX, E, PH, DP, C, SV, R] = [13, 14, 15, 16, 17, 18, 24, 25];
  const [VX, AXV, JD, EV, PV, DV, CV] = [26, 27, 28, 29, 30, 31, 32];
  const [K128, KHALF, KINV, KSIX, ZV, K2, RV] = [39, 40, 41, 42, 43, 44, 49]; // K2 … K6 at 44 … 48
  const [ABSM, SIGNM, K56, KMAGIC] = [50, 51, 52, 53];
  // then ENDG (i32), the other pairs' table offsets (i32, two each) and v128 locals (13 each)
  const ENDG = 54;
  // the float32 variant's h base and row stride (bytes), read from f32.args
  const [HB, LDH] = [3 + READOUT_LOCALS.length, 4 + READOUT_LOCALS.length];
  const pairLocals = (g: number): PairLocals => {
    if (g === 0) return { vx: VX, axv: AXV, jd: JD, ev: EV, pv: PV, dv: DV, cv: CV, o0: O0, o1: O1 };
    const o = ENDG + 1 + 2 * (g - 1),
      x = ENDG + 2 * PAIRS - 1 + 13 * (g - 1);
    return { vx: x, axv: x + 1, jd: x + 2, ev: x + 3, pv: x + 4, dv: x + 5, cv: x + 6, o0: o, o1: o + 1 };
  };
  const L: ErfLocals = { v: V, phi: PH, dphi: DP, tail: TAIL, ax: AX, e: E, j: J, o: O, c: C };
  const V2 = (code: number, ...imm: number[]) => v(code, ...imm);
  const loopTo = (end: number, stepBytes: number, body: number[]) => [
    ...whileNot([...get(I), ...get(end), op.i32GeU], [...body, ...addI(I, i32c(stepBytes))]),
  ];
  const at = (base: number, ptr: number[]) => [...ptr, op.f64Load, ...mem(3, base)];
  // the address of h's element I/8 of the row (float64: H + HP + I, a constant offset added; float32: HP + I/2)
  const hp = () => (f32 ? [...get(HP), ...get(I), ...i32c(1), op.i32ShrU, op.i32Add] : [...get(HP), ...get(I), op.i32Add]);
  // h (as f64) of the element `off` bytes (float64 layout) after I
  const hLoad = (off: number) => (f32 ? [...hp(), op.f32Load, ...mem(2, off / 2), op.f64PromoteF32] : at(H + off, hp()));
  // the float32 variant records each |h| ≥ 6 (or NaN) entry in the tail list: its address, then h (16 bytes)
  const tailHook = (off: number) =>
    f32
      ? [
          ...get(TAIL),
          ...i32c(4),
          op.i32Shl,
          ...hp(),
          ...(off > 0 ? [...i32c(off / 2), op.i32Add] : []),
          op.i32Store,
          ...mem(2, f32.tailList),
          ...get(TAIL),
          ...i32c(4),
          op.i32Shl,
          ...get(V),
          op.f64Store,
          ...mem(3, f32.tailList + 8),
        ]
      : [];
  // one element at byte offset `off` from I: φ, φ′ (scalar), stored, and f += φ·a
  const scalar1 = (off: number) => [
    ...set(V, hLoad(off)),
    ...erfElement(L, tailHook(off), f32 !== undefined),
    ...get(I),
    ...get(PH),
    op.f64Store,
    ...mem(3, PHI + off),
    ...get(I),
    ...get(DP),
    op.f64Store,
    ...mem(3, DPHI + off),
    ...set(SV, [...get(SV), ...get(PH), ...at(AREG + off, get(I)), op.f64Mul, op.f64Add]),
  ];
  const f2 = (code: number) => V2(code);
  /** The locals of one f64x2 pair's φ, φ′ evaluation. */
  interface PairLocals {
    vx: number;
    axv: number;
    jd: number;
    ev: number;
    pv: number;
    dv: number;
    cv: number;
    o0: number;
    o1: number;
  }
  const pairs = Array.from({ length: PAIRS }, (_, g) => pairLocals(g));
  const PA = pairs[0]!;
  // two elements at byte offset `off` from I (|h| loaded into vx, axv): φ, φ′ in f64x2 lanes, stored; one statement
  // per entry, so that two pairs' statements can be interleaved (independent dependency chains side by side)
  const pairStatements = (l: PairLocals, off: number): number[][] => [
    // j = trunc(|h|·128 + 0.5) kept as a double (exact: 0 ≤ j ≤ 768, the value (|h|·128 + 0.5) | 0 has), and its
    // table offset 56·j read from the low word of 56·j + 2⁵² (an exact integer there)
    set(l.jd, [...get(l.axv), ...get(K128), ...f2(simd.f64x2Mul), ...get(KHALF), ...f2(simd.f64x2Add), ...f2(simd.f64x2Trunc)]),
    set(l.ev, [...get(l.axv), ...get(l.jd), ...get(KINV), ...f2(simd.f64x2Mul), ...f2(simd.f64x2Sub)]),
    set(l.jd, [...get(l.jd), ...get(K56), ...f2(simd.f64x2Mul), ...get(KMAGIC), ...f2(simd.f64x2Add)]),
    set(l.o0, [...get(l.jd), ...V2(simd.i32x4ExtractLane, 0)]),
    set(l.o1, [...get(l.jd), ...V2(simd.i32x4ExtractLane, 2)]),
    // the two lanes' table rows: (t₀, c₁), (c₂, c₃), (c₄, c₅) as one 16-byte load per lane each (into pv, dv, free
    // here), regrouped by lane with two 64-bit shuffles; c₆ by two 8-byte loads
    ...[0, 1, 2].flatMap((q) => [
      set(l.pv, [...get(l.o0), ...V2(simd.v128Load, ...mem(3, 16 * q))]),
      set(l.dv, [...get(l.o1), ...V2(simd.v128Load, ...mem(3, 16 * q))]),
      set(l.cv + 2 * q, [...get(l.pv), ...get(l.dv), ...LOW64]),
      set(l.cv + 2 * q + 1, [...get(l.pv), ...get(l.dv), ...HIGH64]),
    ]),
    set(l.cv + 6, [
      ...get(l.o1),
      ...get(l.o0),
      ...V2(simd.v128Load64Zero, ...mem(3, 48)),
      ...V2(simd.v128Load64Lane, ...mem(3, 48), 1),
    ]),
    set(l.pv, [
      ...get(l.cv),
      ...[1, 2, 3, 4, 5].flatMap((k) => [...get(l.ev), ...get(l.cv + k)]),
      ...get(l.ev),
      ...get(l.cv + 6),
      ...Array<number[]>(6)
        .fill([...f2(simd.f64x2Mul), ...f2(simd.f64x2Add)])
        .flat(),
    ]),
    set(l.dv, [
      ...get(l.cv + 1),
      ...[2, 3, 4, 5].flatMap((k) => [...get(l.ev), ...get(K2 + k - 2), ...get(l.cv + k), ...f2(simd.f64x2Mul)]),
      ...get(l.ev),
      ...get(K2 + 4),
      ...f2(simd.f64x2Mul),
      ...get(l.cv + 6),
      ...f2(simd.f64x2Mul),
      ...Array<number[]>(4)
        .fill([...f2(simd.f64x2Add), ...f2(simd.f64x2Mul)])
        .flat(),
      ...f2(simd.f64x2Add),
    ]),
    // −φ where h < 0: the sign bit flipped (as f64x2.neg) in those lanes
    set(l.pv, [
      ...get(l.pv),
      ...get(SIGNM),
      ...get(l.vx),
      ...get(ZV),
      ...f2(simd.f64x2Lt),
      ...f2(simd.v128And),
      ...f2(simd.v128Xor),
    ]),
    [...get(I), ...get(l.pv), ...V2(simd.v128Store, ...mem(3, PHI + off))],
    [...get(I), ...get(l.dv), ...V2(simd.v128Store, ...mem(3, DPHI + off))],
  ];
  // f += φ·a for the two lanes of a pair, in index order
  // (the two products φ·a in one f64x2 multiply, kept in jd, which is free by then: the same products)
  const dot2 = (l: PairLocals, off: number) => [
    ...set(l.jd, [...get(l.pv), ...get(I), ...V2(simd.v128Load, ...mem(3, AREG + off)), ...f2(simd.f64x2Mul)]),
    ...set(SV, [...get(SV), ...get(l.jd), ...V2(simd.f64x2ExtractLane, 0), op.f64Add]),
    ...set(SV, [...get(SV), ...get(l.jd), ...V2(simd.f64x2ExtractLane, 1), op.f64Add]),
  ];
  const load2 = (l: PairLocals, off: number) => [
    ...set(
      l.vx,
      f32
        ? [...hp(), ...V2(simd.v128Load64Zero, ...mem(2, off / 2)), ...V2(simd.f64x2PromoteLowF32x4)]
        : [...hp(), ...V2(simd.v128Load, ...mem(3, H + off))],
    ),
    ...set(l.axv, [...get(l.vx), ...get(ABSM), ...f2(simd.v128And)]),
  ];
  // lanes with |h| ≥ 6 (float32 variant: also NaN, as not (|h| < 6))
  const ge6 = (l: PairLocals) =>
    f32
      ? [...get(l.axv), ...get(KSIX), ...f2(simd.f64x2Lt), ...f2(simd.v128Not)]
      : [...get(l.axv), ...get(KSIX), ...f2(simd.f64x2Ge)];
  const st = pairs.map((l, g) => pairStatements(l, 16 * g));
  const sa = st[0]!;
  // 2·PAIRS elements: the pairs' statements interleaved, then f summed in index order
  const vectorG = [...sa.flatMap((_, q) => st.flatMap((x) => x[q]!)), ...pairs.flatMap((l, g) => dot2(l, 16 * g))];
  const vector2 = [...sa.flat(), ...dot2(PA, 0)];
  const pass1 = [
    ...set(SV, f64c(0)),
    ...set(I, i32c(0)),
    ...loopTo(ENDG, 16 * PAIRS, [
      ...pairs.flatMap((l, g) => load2(l, 16 * g)),
      ...pairs.flatMap((l, g) => [...ge6(l), ...(g > 0 ? f2(simd.v128Or) : [])]),
      ...f2(simd.v128AnyTrue),
      op.if,
      op.empty,
      ...Array.from({ length: 2 * PAIRS }, (_, q) => scalar1(8 * q)).flat(),
      op.else,
      ...vectorG,
      op.end,
    ]),
    // fewer than PAIRS pairs left
    ...loopTo(END2, 16, [
      ...load2(PA, 0),
      ...ge6(PA),
      ...f2(simd.v128AnyTrue),
      op.if,
      op.empty,
      ...scalar1(0),
      ...scalar1(8),
      op.else,
      ...vector2,
      op.end,
    ]),
    ...get(END2),
    ...get(END),
    op.i32LtU,
    op.if,
    op.empty,
    ...scalar1(0),
    op.end,
  ];
  // gᵢ += φᵢ·r and δᵢ = (0 + aᵢ·r)·φ′ᵢ over h: one element (scalar) or two lanes
  const ld2 = (base: number, ptr: number[]) => [...ptr, ...V2(simd.v128Load, ...mem(3, base))];
  const pass2 = [
    ...set(RV, [...get(R), ...f2(simd.f64x2Splat)]),
    ...set(I, i32c(0)),
    ...loopTo(END2, 16, [
      ...get(I),
      ...ld2(GREG, get(I)),
      ...ld2(PHI, get(I)),
      ...get(RV),
      ...f2(simd.f64x2Mul),
      ...f2(simd.f64x2Add),
      ...V2(simd.v128Store, ...mem(3, GREG)),
      ...hp(),
      ...get(ZV),
      ...ld2(AREG, get(I)),
      ...get(RV),
      ...f2(simd.f64x2Mul),
      ...f2(simd.f64x2Add),
      ...ld2(DPHI, get(I)),
      ...f2(simd.f64x2Mul),
      // δ over h: float64, or rounded to float32 (two lanes, 8 bytes)
      ...(f32
        ? [...f2(simd.f32x4DemoteF64x2Zero), ...V2(simd.v128Store64Lane, ...mem(2, 0), 0)]
        : V2(simd.v128Store, ...mem(3, H))),
    ]),
    ...get(END2),
    ...get(END),
    op.i32LtU,
    op.if,
    op.empty,
    ...get(I),
    ...at(GREG, get(I)),
    ...at(PHI, get(I)),
    ...get(R),
    op.f64Mul,
    op.f64Add,
    op.f64Store,
    ...mem(3, GREG),
    ...hp(),
    ...f64c(0),
    ...at(AREG, get(I)),
    ...get(R),
    op.f64Mul,
    op.f64Add,
    ...at(DPHI, get(I)),
    op.f64Mul,
    ...(f32 ? [op.f32DemoteF64, op.f32Store, ...mem(2, 0)] : [op.f64Store, ...mem(3, H)]),
    op.end,
  ];
  const splat = (l: number, x: number) => set(l, [...f64c(x), ...f2(simd.f64x2Splat)]);
  return [
    ...splat(K128, 128),
    ...splat(KHALF, 0.5),
    ...splat(KINV, 1 / 128),
    ...splat(KSIX, 6),
    ...splat(ZV, 0),
    ...[2, 3, 4, 5, 6].flatMap((k) => splat(K2 + k - 2, k)),
    ...splat(K56, 56),
    ...splat(KMAGIC, 2 ** 52),
    ...set(ABSM, [op.i64Const, ...sleb(0x7fffffffffffffffn), ...f2(simd.i64x2Splat)]),
    ...set(SIGNM, [op.i64Const, ...sleb(-0x8000000000000000n), ...f2(simd.i64x2Splat)]),
    ...set(RP, i32c(0)),
    ...(f32
      ? [...set(HP, [...i32c(f32.args), op.i32Load, ...mem(2, 0)]), ...set(LDH, [...i32c(f32.args), op.i32Load, ...mem(2, 4)])]
      : set(HP, i32c(0))),
    ...set(END, [...get(NN), ...i32c(8), op.i32Mul]),
    ...set(END2, [...get(NN), ...i32c(-2), op.i32And, ...i32c(8), op.i32Mul]),
    ...set(ENDG, [...get(NN), ...i32c(2 * PAIRS), I32_DIV_U, ...i32c(16 * PAIRS), op.i32Mul]),
    ...whileNot(
      [...get(RP), ...get(ROWS), op.i32GeS],
      [
        ...pass1,
        ...get(RP),
        ...i32c(8),
        op.i32Mul,
        ...get(SV),
        op.f64Store,
        ...mem(3, PREDREG),
        ...set(R, [...get(SV), ...at(YREG, [...get(RP), ...i32c(8), op.i32Mul]), op.f64Sub]),
        ...get(RP),
        ...i32c(8),
        op.i32Mul,
        ...get(R),
        op.f64Store,
        ...mem(3, RESREG),
        ...set(LOSS, [...get(LOSS), ...get(R), ...get(R), op.f64Mul, op.f64Add]),
        ...pass2,
        ...addI(HP, get(f32 ? LDH : END)),
        ...addI(RP, i32c(1)),
      ],
    ),
    ...i32c(TAIL_AT),
    ...get(TAIL),
    op.i32Store,
    ...mem(2, 0),
    ...get(LOSS),
  ];
}
/**
 * Where {@link readoutBody}'s regions lie in its module's memory (byte addresses; the fast-erf table is at 0). The
 * float32 variant (`f32` given) reads h as float32 rows at a base and row stride read from `f32.args` (two i32), writes
 * δ rounded to float32 over h, treats NaN like |h| ≥ 6, and records each such entry's address (i32) and h (f64) in
 * 16-byte records at `f32.tailList` (JavaScript finishes them). @internal
 */
export interface ReadoutLayout {
  h: number;
  phi: number;
  dphi: number;
  a: number;
  g: number;
  y: number;
  pred: number;
  res: number;
  tailAt: number;
  f32?: { args: number; tailList: number };
}
const READOUT_LAYOUT: ReadoutLayout = {
  h: H,
  phi: PHI,
  dphi: DPHI,
  a: AREG,
  g: GREG,
  y: YREG,
  pred: PREDREG,
  res: RESREG,
  tailAt: TAIL_AT,
};

/** f64x2 pairs evaluated side by side in the readout's main loop. */
const PAIRS = 4;
export const READOUT_LOCALS = [
  ...Array<number>(10).fill(T.i32),
  ...Array<number>(13).fill(T.f64),
  ...Array<number>(28).fill(T.v128),
  ...Array<number>(2 * PAIRS - 1).fill(T.i32),
  ...Array<number>(13 * (PAIRS - 1)).fill(T.v128),
];

interface ElementwiseModule {
  erf: (len: number) => number;
  readout1: (rows: number, n: number, loss: number) => number;
  memory: WasmMemory;
}
let mod: ElementwiseModule | null | undefined;

function load(): ElementwiseModule | null {
  if (mod !== undefined) return mod;
  const pages = Math.ceil(MEM_END / 65536);
  const bytes = assemble(
    [
      { name: 'erf', params: [T.i32], results: [T.i32], locals: ERF_LOCALS, body: erfBody() },
      { name: 'readout1', params: [T.i32, T.i32, T.f64], results: [T.f64], locals: READOUT_LOCALS, body: readoutBody() },
    ],
    pages,
  );
  const inst = instantiate(bytes);
  if (!inst) return (mod = null);
  const m = inst as unknown as ElementwiseModule;
  new Float64Array(m.memory.buffer, 0, 769 * 7).set(fastErfTable());
  return (mod = m);
}

/** Whether the WebAssembly elementwise kernels are available in this runtime. */
export function wasmElementwiseAvailable(): boolean {
  return load() !== null;
}

/**
 * `activateInto` with erf evaluated in WebAssembly: bit-identical values (see the file comment), 2–4× faster on
 * large buffers. Other activations, buffers under 2048 entries and runtimes without WebAssembly run `activateInto`
 * itself. h must be finite.
 */
export function wasmActivate(name: ActivationName, h: Float64Array, phi: Float64Array, dphi: Float64Array, len = h.length): void {
  const w = name === 'erf' && len >= WASM_MIN ? load() : null;
  if (!w) {
    activateInto(name, h, phi, dphi, len);
    return;
  }
  const buf = w.memory.buffer;
  const hw = new Float64Array(buf, H, CHUNK),
    pw = new Float64Array(buf, PHI, CHUNK),
    dw = new Float64Array(buf, DPHI, CHUNK);
  for (let s = 0; s < len; s += CHUNK) {
    const c = Math.min(CHUNK, len - s);
    hw.set(c === CHUNK ? h.subarray(s, s + c) : h.subarray(s, s + c));
    const tail = w.erf(c);
    phi.set(c === CHUNK ? pw : pw.subarray(0, c), s);
    dphi.set(c === CHUNK ? dw : dw.subarray(0, c), s);
    if (tail > 0)
      for (let i = 0; i < c; i++) {
        const v = h[s + i]!;
        if (v >= 6 || v <= -6) dphi[s + i] = TWO_OVER_SQRT_PI * Math.exp(-v * v);
      }
  }
}

/**
 * `readoutInto` (the fused form: pre-activations `h` and `activation` given) with erf and one output evaluated in
 * WebAssembly: φ, φ′, predictions, residuals, φᵀr and δ in one pass per row, readoutInto's operations in its order,
 * so every output and the loss are bit-identical. Other activations, several outputs, unfused arguments and n·N under
 * 2048 run `readoutInto` itself. `delta` may be `h` (each row is read before its δ is written).
 */
export function wasmReadout(args: ReadoutArgs): number {
  const { n, width: N, outputs, h, activation } = args;
  // small readouts (the per-call copies cost more than the loop) and other cases: the TypeScript definition
  const w = activation === 'erf' && outputs === 1 && h !== undefined && N <= CHUNK && n * N >= WASM_MIN ? load() : null;
  if (!w || !h) return readoutInto(args);
  const { stride, offset, a, aOffset, y, pred, res, grad, gradOffset, delta } = args;
  const buf = w.memory.buffer;
  const f64 = (at: number, len: number) => new Float64Array(buf, at, len);
  const hw = f64(H, CHUNK),
    gw = f64(GREG, N),
    yw = f64(YREG, CHUNK),
    pw = f64(PREDREG, CHUNK),
    rw = f64(RESREG, CHUNK);
  f64(AREG, N).set(a.subarray(aOffset, aOffset + N));
  gw.fill(0);
  const R = Math.floor(CHUNK / N);
  let loss = 0;
  for (let mu0 = 0; mu0 < n; mu0 += R) {
    const rows = Math.min(R, n - mu0);
    const o0 = mu0 * stride + offset;
    // contiguous rows (one network alone in h): one copy for the chunk
    if (stride === N) hw.set(h.subarray(o0, o0 + rows * N));
    else
      for (let r = 0; r < rows; r++) {
        const ro = o0 + r * stride;
        hw.set(h.subarray(ro, ro + N), r * N);
      }
    yw.set(y.subarray(mu0, mu0 + rows));
    loss = w.readout1(rows, N, loss);
    pred.set(pw.subarray(0, rows), mu0);
    res.set(rw.subarray(0, rows), mu0);
    // |h| ≥ 6: φ′ = (2/√π)e^{−h²} (JavaScript's Math.exp, as activateInto), δ = (0 + a·r)·φ′
    const tail = new Int32Array(buf, TAIL_AT, 1)[0]!;
    for (let r = 0; r < rows && tail > 0; r++) {
      const ro = (mu0 + r) * stride + offset,
        rv = rw[r]!;
      for (let i = 0; i < N; i++) {
        const v = h[ro + i]!;
        if (v >= 6 || v <= -6) hw[r * N + i] = (0 + a[aOffset + i]! * rv) * (TWO_OVER_SQRT_PI * Math.exp(-v * v));
      }
    }
    if (stride === N) delta.set(hw.subarray(0, rows * N), o0);
    else for (let r = 0; r < rows; r++) delta.set(hw.subarray(r * N, r * N + N), o0 + r * stride);
  }
  grad.set(gw, gradOffset);
  return 0.5 * loss;
}
