import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { DataFormatError, UnsupportedArrayError } from './errors';
import {
  type ByteSource,
  HOST_LITTLE_ENDIAN,
  bytesSource,
  concatChunks,
  readRange,
  withFileSource,
  writeChunksAtomic,
} from './files';

/** Element types read and written: IEEE float64 (`'<f8'`) and float32 (`'<f4'`), little-endian. */
export type NpyDtype = 'float64' | 'float32';

/** Options of the `.npy` readers. */
export interface ReadNpyOptions {
  /** Accept NaN/±Inf elements (default false: a non-finite element throws {@link DataFormatError} naming its index). */
  allowNonFinite?: boolean;
}

/** Options of the `.npy` writers. */
export interface WriteNpyOptions {
  /**
   * Element type on disk (default `'float64'`). float32 rounds every element to the nearest float32; a finite value
   * beyond the float32 range throws instead of becoming Infinity.
   */
  dtype?: NpyDtype;
  /** Header version: `'auto'` (default) picks 1.0 when the header fits in 65 535 bytes, else 2.0 — as numpy does. */
  version?: 'auto' | 1 | 2;
  /** Write a one-column matrix as a 1-D array of shape `(n,)` instead of `(n, 1)` (default false). */
  vector?: boolean;
  /** Accept NaN/±Inf elements (default false: they throw {@link @sftdl/compute!InvalidArgumentError}). */
  allowNonFinite?: boolean;
}

/** The parsed header of a `.npy` file. */
export interface NpyHeader {
  /** Format version `[major, minor]`: `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  version: [number, number];
  /** numpy's dtype string, e.g. `'<f8'`. */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element (a multiple of 64 in files numpy writes). */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** numpy ≥ 1.24 leaves room after the header to grow the first axis in place: 21 digits minus those used. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const CHUNK_BYTES = 1 << 20;

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** A recursive-descent parser for the Python literal numpy writes as the header (a dict of str, bool, int tuples). */
function parsePyLiteral(text: string, file: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new DataFormatError(
      `malformed .npy header (${what} at character ${i}): ${JSON.stringify(text.trim())}; the file is corrupt or not written by numpy.save`,
      { file },
    );
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return out;
        }
        const k = value();
        if (typeof k !== 'string') fail('a non-string key');
        ws();
        if (text[i] !== ':') fail("a missing ':'");
        i++;
        out[k as string] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("a missing ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const out: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return out;
        }
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`a missing ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('an unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+)L?/.exec(text.slice(i));
    if (!m || m[1] === undefined) return fail('an unexpected token');
    i += m[0].length;
    return m[1] === 'True' ? true : m[1] === 'False' ? false : m[1] === 'None' ? null : Number(m[1]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

/** Reads and checks the magic string, version and header dictionary of a `.npy` source. */
function readHeader(src: ByteSource): NpyHeader {
  const file = src.label;
  const pre = readRange(src, 0, 12);
  if (pre.length < 10 || MAGIC.some((b, k) => pre[k] !== b)) {
    throw new DataFormatError(
      'not a .npy file (the magic string \\x93NUMPY is missing); write it with numpy.save or give the format explicitly',
      { file },
    );
  }
  const major = pre[6] ?? 0;
  const minor = pre[7] ?? 0;
  if (major < 1 || major > 3 || minor !== 0)
    throw new DataFormatError(`unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`, { file });
  const view = new DataView(pre.buffer, pre.byteOffset, pre.byteLength);
  if (major >= 2 && pre.length < 12) throw new DataFormatError('truncated .npy header', { file });
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lenBytes + headerLen;
  const raw = readRange(src, 8 + lenBytes, headerLen);
  if (raw.length < headerLen) throw new DataFormatError(`truncated .npy header (${raw.length} of ${headerLen} bytes)`, { file });
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(raw);
  const dict = parsePyLiteral(text, file);
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict))
    throw new DataFormatError('the .npy header is not a dictionary', { file });
  const { descr, fortran_order: fortranOrder, shape } = dict;
  if (Array.isArray(descr)) {
    throw new UnsupportedArrayError({
      reason: 'structured',
      file,
      message:
        'structured (record) arrays are not supported; save one float column block instead, e.g. numpy.save(path, numpy.column_stack([a[name] for name in a.dtype.names]).astype("<f8"))',
    });
  }
  if (typeof descr !== 'string') throw new DataFormatError("the .npy header has no string 'descr'", { file });
  if (typeof fortranOrder !== 'boolean') throw new DataFormatError("the .npy header has no boolean 'fortran_order'", { file });
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) {
    throw new DataFormatError("the .npy header has no 'shape' tuple of non-negative integers", { file });
  }
  return { version: [major, minor], descr, fortranOrder, shape: shape as number[], dataOffset };
}

/** Maps numpy's dtype string to a supported element type, or throws {@link UnsupportedArrayError} saying how to convert. */
function dtypeOf(descr: string, file: string): NpyDtype {
  const order = descr[0] ?? '';
  const code = /[<>|=]/.test(order) ? descr.slice(1) : descr;
  const little = order !== '>';
  if (code === 'O') {
    throw new UnsupportedArrayError({
      reason: 'object',
      file,
      message:
        'object arrays (dtype=object) hold pickled Python objects and are never read; convert first: numpy.save(path, numpy.asarray(a, dtype="<f8"))',
    });
  }
  if (code === 'f8' || code === 'f4') {
    if (!little) {
      throw new UnsupportedArrayError({
        reason: 'big-endian',
        file,
        message: `big-endian arrays (dtype '${descr}') are not read; convert first: numpy.save(path, a.astype("<${code}"))`,
      });
    }
    return code === 'f8' ? 'float64' : 'float32';
  }
  throw new UnsupportedArrayError({
    reason: 'dtype',
    file,
    message: `dtype '${descr}' is not read (only float64 '<f8' and float32 '<f4'); convert first: numpy.save(path, a.astype("<f8"))`,
  });
}

/** Converts `count` little-endian elements from `bytes` into `out` starting at element `offset`. */
function decodeInto(bytes: Uint8Array, dtype: NpyDtype, out: Float64Array, offset: number, count: number): void {
  const size = dtype === 'float64' ? 8 : 4;
  if (HOST_LITTLE_ENDIAN && bytes.byteOffset % size === 0) {
    const view =
      dtype === 'float64'
        ? new Float64Array(bytes.buffer, bytes.byteOffset, count)
        : new Float32Array(bytes.buffer, bytes.byteOffset, count);
    out.set(view, offset);
    return;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < count; k++) out[offset + k] = dtype === 'float64' ? dv.getFloat64(8 * k, true) : dv.getFloat32(4 * k, true);
}

/** Shape of the returned matrix: 0-D → 1 × 1, 1-D (n,) → n × 1 (a column vector), 2-D (r, c) → r × c. */
function matShape(shape: number[], file: string): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0] ?? 0, 1];
  if (shape.length === 2) return [shape[0] ?? 0, shape[1] ?? 0];
  throw new UnsupportedArrayError({
    reason: 'ndim',
    file,
    message: `arrays with ${shape.length} dimensions (shape (${shape.join(', ')})) are not read; reshape to 2-D first: numpy.save(path, a.reshape(a.shape[0], -1))`,
  });
}

function checkFinite(data: Float64Array, cols: number, file: string, hint: string): void {
  for (let k = 0; k < data.length; k++) {
    const v = data[k] ?? 0;
    if (!Number.isFinite(v)) {
      throw new DataFormatError(
        `element [${Math.floor(k / cols)}, ${k % cols}] is ${v}; remove or impute non-finite values (or pass ${hint})`,
        { file },
      );
    }
  }
}

function readNpySource(src: ByteSource, options: ReadNpyOptions): Mat {
  const file = src.label;
  const h = readHeader(src);
  const dtype = dtypeOf(h.descr, file);
  const [rows, cols] = matShape(h.shape, file);
  if (h.fortranOrder && h.shape.length === 2 && rows > 1 && cols > 1) {
    throw new UnsupportedArrayError({
      reason: 'fortran-order',
      file,
      message:
        'Fortran-order (column-major) arrays are not read; save a C-order copy: numpy.save(path, numpy.ascontiguousarray(a))',
    });
  }
  const size = dtype === 'float64' ? 8 : 4;
  const count = rows * cols;
  const need = h.dataOffset + count * size;
  if (src.size < need)
    throw new DataFormatError(
      `truncated .npy data: shape (${h.shape.join(', ')}) needs ${need} bytes, the file has ${src.size}`,
      { file },
    );
  const data = new Float64Array(count);
  if (dtype === 'float64' && HOST_LITTLE_ENDIAN) {
    // straight into the result: no intermediate copy of the whole array
    const target = new Uint8Array(data.buffer);
    for (let off = 0; off < target.length; off += CHUNK_BYTES)
      src.read(h.dataOffset + off, target.subarray(off, Math.min(target.length, off + CHUNK_BYTES)));
  } else {
    const perChunk = Math.floor(CHUNK_BYTES / size);
    const buf = new Uint8Array(perChunk * size);
    for (let k = 0; k < count; k += perChunk) {
      const n = Math.min(perChunk, count - k);
      const chunk = buf.subarray(0, n * size);
      src.read(h.dataOffset + k * size, chunk);
      decodeInto(chunk, dtype, data, k, n);
    }
  }
  if (!options.allowNonFinite) checkFinite(data, cols, file, '{ allowNonFinite: true }');
  return { rows, cols, data };
}

/**
 * Reads the header of a `.npy` file or buffer without reading the data.
 *
 * @param input - a file path, or the bytes of a `.npy` file
 */
export function readNpyHeader(input: string | Uint8Array): NpyHeader {
  return typeof input === 'string' ? withFileSource(input, readHeader) : readHeader(bytesSource(input));
}

/**
 * Decodes the bytes of a `.npy` file into a {@link @sftdl/compute!Mat} (float64).
 *
 * Shapes: a 2-D array `(r, c)` becomes an r × c matrix; a 1-D array `(n,)` becomes an **n × 1 column vector**; a
 * 0-D array becomes 1 × 1. float32 data is widened exactly to float64.
 *
 * *Gotchas*: only little-endian float64/float32 arrays in C order are read; anything else throws
 * {@link UnsupportedArrayError} whose message gives the numpy call that converts the array. NaN/Inf elements throw
 * {@link DataFormatError} unless `allowNonFinite`.
 *
 * @example
 * ```ts
 * const m = decodeNpy(encodeNpy({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4) }));
 * m.rows; // 2
 * ```
 */
export function decodeNpy(bytes: Uint8Array, options: ReadNpyOptions = {}): Mat {
  return readNpySource(bytesSource(bytes), options);
}

/**
 * Reads a `.npy` file (numpy.save) into a {@link @sftdl/compute!Mat}: the data is read in 1 MiB chunks straight
 * into the result, never held twice. Same shapes and errors as {@link decodeNpy}.
 *
 * @param path - the file to read
 */
export function readNpy(path: string, options: ReadNpyOptions = {}): Mat {
  return withFileSource(path, (src) => readNpySource(src, options));
}

/**
 * The `.npy` header numpy writes for a C-order little-endian array, byte for byte: magic string, version, length,
 * the dict with sorted keys, a space reserve for growing axis 0 in place, and space padding plus a newline so the data
 * starts on a multiple of 64 bytes.
 *
 * @param shape - the array shape (`[]` for 0-D, `[n]` for 1-D, `[r, c]`)
 */
export function encodeNpyHeader(
  shape: readonly number[],
  options: { dtype?: NpyDtype; version?: 'auto' | 1 | 2 } = {},
): Uint8Array {
  if (shape.some((s) => !Number.isInteger(s) || s < 0))
    throw new InvalidArgumentError(`shape must hold non-negative integers, got (${shape.join(', ')})`);
  const dtype = options.dtype ?? 'float64';
  if (dtype !== 'float64' && dtype !== 'float32')
    throw new InvalidArgumentError(`dtype must be 'float64' or 'float32', got '${String(dtype)}'`);
  return headerBytes(dtype === 'float64' ? '<f8' : '<f4', shape, options.version ?? 'auto');
}

function headerBytes(descr: string, shape: readonly number[], version: 'auto' | 1 | 2): Uint8Array {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const padded = (prefix: number) => dict + ' '.repeat(ALIGN - ((prefix + dict.length + 1) % ALIGN)) + '\n';
  let major = version === 'auto' ? 1 : version;
  let text = padded(major === 1 ? 10 : 12);
  if (major === 1 && text.length > 0xffff) {
    if (version === 1)
      throw new InvalidArgumentError(
        `the .npy header is ${text.length} bytes, more than format 1.0 allows (65535); use { version: 2 }`,
      );
    major = 2;
    text = padded(12);
  }
  const lenBytes = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + text.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  for (let k = 0; k < text.length; k++) out[8 + lenBytes + k] = text.charCodeAt(k);
  return out;
}

/** The chunks of a `.npy` file for `m`: the header, then the data in ≤ 1 MiB pieces. */
function* npyChunks(m: Mat, options: WriteNpyOptions): Generator<Uint8Array> {
  const dtype = options.dtype ?? 'float64';
  if (m.data.length !== m.rows * m.cols)
    throw new InvalidArgumentError(`matrix data has ${m.data.length} elements, but rows × cols = ${m.rows * m.cols}`);
  if (!options.allowNonFinite) {
    const k = m.data.findIndex((v) => !Number.isFinite(v));
    if (k >= 0)
      throw new InvalidArgumentError(
        `element [${Math.floor(k / m.cols)}, ${k % m.cols}] is ${m.data[k]}; fix the data or pass { allowNonFinite: true }`,
      );
  }
  if (dtype === 'float32') {
    const k = m.data.findIndex((v) => Number.isFinite(v) && !Number.isFinite(Math.fround(v)));
    if (k >= 0)
      throw new InvalidArgumentError(
        `element [${Math.floor(k / m.cols)}, ${k % m.cols}] = ${m.data[k]} overflows float32 (|x| > 3.4e38); write it as { dtype: 'float64' } or rescale`,
      );
  }
  const shape = options.vector && m.cols === 1 ? [m.rows] : [m.rows, m.cols];
  yield encodeNpyHeader(shape, { dtype, version: options.version ?? 'auto' });
  const size = dtype === 'float64' ? 8 : 4;
  const perChunk = Math.floor(CHUNK_BYTES / size);
  for (let k = 0; k < m.data.length; k += perChunk) {
    const n = Math.min(perChunk, m.data.length - k);
    const src = m.data.subarray(k, k + n);
    if (HOST_LITTLE_ENDIAN) {
      yield dtype === 'float64'
        ? new Uint8Array(src.buffer, src.byteOffset, n * 8).slice()
        : new Uint8Array(Float32Array.from(src).buffer);
    } else {
      const buf = new Uint8Array(n * size);
      const dv = new DataView(buf.buffer);
      for (let j = 0; j < n; j++) {
        if (dtype === 'float64') dv.setFloat64(8 * j, src[j] ?? 0, true);
        else dv.setFloat32(4 * j, src[j] ?? 0, true);
      }
      yield buf;
    }
  }
}

/**
 * Encodes a matrix as the bytes of a `.npy` file, exactly as `numpy.save` would write it (format 1.0 unless the
 * header needs 2.0, C order, little-endian, header padded so the data starts on a 64-byte boundary).
 *
 * @param m - the matrix; written with shape `(rows, cols)`, or `(rows,)` for a column with `{ vector: true }`
 */
export function encodeNpy(m: Mat, options: WriteNpyOptions = {}): Uint8Array {
  return concatChunks(npyChunks(m, options));
}

/**
 * Writes a matrix to a `.npy` file that `numpy.load` reads (see {@link encodeNpy}). The data is written in 1 MiB
 * chunks through a temporary file renamed into place: no partial file is left on failure.
 */
export function writeNpy(path: string, m: Mat, options: WriteNpyOptions = {}): void {
  writeChunksAtomic(path, npyChunks(m, options));
}
