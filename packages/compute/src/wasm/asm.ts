// A small WebAssembly binary assembler: the generator of sftdl's hand-written WASM modules (philox.ts, gemm.ts, gemm32.ts, elementwise.ts, twolayer32.ts).
// Modules are assembled from this source at load time (a few kilobytes, microseconds), so no toolchain, no download
// and no generated file is involved. Only the instructions the modules use are named below (WebAssembly core 2.0
// with fixed-width SIMD; opcodes from the specification's binary format, section 5.4).

/** Value types. */
export const T = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;

/** Single-byte opcodes (control, variables, memory, numeric). */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  empty: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Store: 0x36,
  i64Store: 0x37,
  f32Store: 0x38,
  f64Store: 0x39,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  f64Lt: 0x63,
  f64Ge: 0x66,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Mul: 0x7e,
  i64ShrU: 0x88,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  f64Neg: 0x9a,
  f64Abs: 0x99,
  i32TruncF64S: 0xaa,
  f32DemoteF64: 0xb6,
  f64PromoteF32: 0xbb,
  select: 0x1b,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
  f64ConvertI32U: 0xb8,
  f64ConvertI32S: 0xb7,
} as const;

/** SIMD opcodes (after the 0xfd prefix, LEB128-encoded). */
export const simd = {
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Load64Splat: 0x0a,
  v128Store: 0x0b,
  v128Const: 0x0c,
  i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11,
  i64x2Splat: 0x12,
  f32x4Splat: 0x13,
  f64x2Splat: 0x14,
  i32x4ExtractLane: 0x1b,
  f32x4ExtractLane: 0x1f,
  f64x2ExtractLane: 0x21,
  i32x4Eq: 0x37,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  f64x2Ge: 0x4c,
  v128Not: 0x4d,
  v128And: 0x4e,
  v128Or: 0x50,
  v128Xor: 0x51,
  v128Bitselect: 0x52,
  v128AnyTrue: 0x53,
  v128Load64Lane: 0x57,
  v128Store64Lane: 0x5b,
  v128Load64Zero: 0x5d,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  f64x2Floor: 0x75,
  f64x2Trunc: 0x7a,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
  i64x2ExtendLowI32x4S: 0xc7,
  i64x2ShrU: 0xcd,
  i64x2Sub: 0xd1,
  i64x2ExtmulLowU: 0xde,
  i64x2ExtmulHighU: 0xdf,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f64x2Abs: 0xec,
  f64x2Neg: 0xed,
  f64x2Sqrt: 0xef,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
  i32x4TruncSatF64x2SZero: 0xfc,
  f64x2ConvertLowI32x4S: 0xfe,
  f64x2ConvertLowI32x4U: 0xff,
} as const;

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

/** Signed LEB128 (|v| < 2⁵³; bigint for 64-bit constants). */
export function sleb(v: number | bigint): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A SIMD instruction: prefix 0xfd, the opcode, then its immediates. */
export function v(code: number, ...imm: number[]): number[] {
  return [0xfd, ...uleb(code), ...imm];
}

/** Memory immediate (alignment as log2, byte offset). */
export function mem(align: number, offset = 0): number[] {
  return [...uleb(align), ...uleb(offset)];
}

/** f64.const x (little-endian IEEE bytes). */
export function f64c(x: number): number[] {
  const b = new Uint8Array(new Float64Array([x]).buffer);
  return [op.f64Const, ...b];
}

/** f32.const x (little-endian IEEE single bytes, x rounded to float32). */
export function f32c(x: number): number[] {
  const b = new Uint8Array(new Float32Array([x]).buffer);
  return [op.f32Const, ...b];
}

/** i32.const x. */
export function i32c(x: number): number[] {
  return [op.i32Const, ...sleb(x | 0)];
}

/** i8x16.shuffle with the given 16 lane indices (0–15: the first operand's bytes, 16–31: the second's). */
export const shuffle = (...lanes: number[]): number[] => v(simd.i8x16Shuffle, ...lanes);
/** i8x16.shuffle taking the low (high) 64-bit halves of two vectors. */
export const LOW64 = shuffle(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
export const HIGH64 = shuffle(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);

/** local.get l. */
export const get = (l: number): number[] => [op.localGet, l];
/** local.set l to the value of e. */
export const set = (l: number, e: number[]): number[] => [...e, op.localSet, l];
/** l += e (i32). */
export const addI = (l: number, e: number[]): number[] => set(l, [...get(l), ...e, op.i32Add]);
/** block { loop { if cond break; body; continue } } */
export const whileNot = (cond: number[], body: number[]): number[] => [
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

/** One exported function: parameter and result types, extra locals (by type), body (without the final `end`). */
export interface WasmFunction {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: number[];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/**
 * Assembles a module with one memory (exported as `memory`, `pages` 64-KiB pages initially, growable) and the given
 * functions, each exported under its name.
 */
export function assemble(functions: WasmFunction[], pages: number): Uint8Array {
  const name = (s: string) => {
    const b = Array.from(new TextEncoder().encode(s));
    return [...uleb(b.length), ...b];
  };
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const codes = functions.map((f) => {
    // locals run-length encoded by type, in order
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups.at(-1);
      if (last && last[1] === t) last[0]!++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([c, t]) => [...uleb(c!), t!])), ...f.body, op.end];
    return [...uleb(body.length), ...body];
  });
  const exports = [...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), [...name('memory'), 0x02, 0x00]];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(codes)),
  ]);
}

/** The parts of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A module's linear memory as seen from JavaScript. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * Instantiates assembled bytes synchronously (small modules: allowed on the main thread) and returns its exports, or
 * undefined if WebAssembly (or SIMD, for modules that use it) is unavailable.
 */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    if (!api || !api.validate(bytes)) return undefined;
    return new api.Instance(new api.Module(bytes), {}).exports;
  } catch {
    return undefined;
  }
}

/** Grows a module's memory to at least `bytes`; false when the runtime refuses (the caller then computes elsewhere). */
export function ensureMemory(memory: WasmMemory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false;
  }
}
