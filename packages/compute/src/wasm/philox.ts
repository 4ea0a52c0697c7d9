// Philox4x32-10 counter blocks as uniform pairs, in WebAssembly (assembled by ./asm.ts). The 32×32 → 64-bit
// products are one i64.mul each (the TypeScript version needs four float multiplications and several shifts), and
// the uniforms are formed with the same float64 operations as @sftdl/field's `normal`, so they are bit-identical.
import { T, type WasmMemory, assemble, f64c, i32c, instantiate, mem, op, sleb } from './asm';

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

function philoxBody(): number[] {
  const set = (l: number, e: number[]) => [...e, op.localSet, l];
  const get = (l: number) => [op.localGet, l];
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
  return [
    ...set(J, get(J0)),
    ...set(END, [...get(J0), ...get(COUNT), op.i32Add]),
    ...set(PTR, get(OUT)),
    op.block,
    op.empty,
    op.loop,
    op.empty,
    ...get(J),
    ...get(END),
    op.i32GeU,
    op.brIf,
    1,
    ...set(X0, get(J)),
    ...set(X1, i32c(0)),
    ...set(X2, i32c(0)),
    ...set(X3, i32c(0)),
    ...set(A, get(K0)),
    ...set(B, get(K1)),
    ...Array.from({ length: 10 }, () => round).flat(),
    ...get(PTR),
    ...uniformExpr(X0, X1),
    op.f64Store,
    ...mem(3, 0),
    ...get(PTR),
    ...uniformExpr(X2, X3),
    op.f64Store,
    ...mem(3, 8),
    ...set(PTR, [...get(PTR), ...i32c(16), op.i32Add]),
    ...set(J, [...get(J), ...i32c(1), op.i32Add]),
    op.br,
    0,
    op.end,
    op.end,
  ];
}

interface PhiloxModule {
  philox: (k0: number, k1: number, j0: number, count: number, out: number) => void;
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
