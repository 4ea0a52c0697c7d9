import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { expectNumpyValues, expected, fixture, tempDir } from '../test/fixtures';
import { DataFormatError, UnsupportedArrayError } from './errors';
import { decodeNpy, encodeNpy, encodeNpyHeader, readNpy, readNpyHeader, writeNpy } from './npy';

const tmp = tempDir('npy');

describe('reading files numpy wrote', () => {
  it('float64 2-D: shape and every value exact', () => {
    const m = readNpy(fixture('f8_2d.npy'));
    expectNumpyValues(m, expected.f8_2d);
  });

  it('float32 2-D: widened exactly to float64', () => {
    const m = readNpy(fixture('f4_2d.npy'));
    expectNumpyValues(m, expected.f4_2d);
    for (const v of m.data) expect(Math.fround(v)).toBe(v);
  });

  it('a 1-D array (n,) is an n × 1 column vector', () => {
    const m = readNpy(fixture('f8_1d.npy'));
    expect([m.rows, m.cols]).toEqual([expected.f8_1d.shape[0], 1]);
    expect(Array.from(m.data)).toEqual(expected.f8_1d.data);
  });

  it('0-D is 1 × 1 and (0, 3) is empty', () => {
    const s = readNpy(fixture('f8_scalar.npy'));
    expect(s).toEqual({ rows: 1, cols: 1, data: Float64Array.of(2.75) });
    const e = readNpy(fixture('f8_empty.npy'));
    expect([e.rows, e.cols, e.data.length]).toEqual([0, 3, 0]);
  });

  it('format 2.0 header (numpy write_array(version=(2, 0))) reads the same values', () => {
    expect(readNpyHeader(fixture('f8_2d_v2.npy')).version).toEqual([2, 0]);
    expect(readNpyHeader(fixture('f8_2d.npy'))).toEqual({
      version: [1, 0],
      descr: '<f8',
      fortranOrder: false,
      shape: [3, 4],
      dataOffset: 128,
    });
    expect(Array.from(readNpy(fixture('f8_2d_v2.npy')).data)).toEqual(expected.f8_2d.data);
  });

  it('a wide float32 row (2000 elements) and the same bytes decoded from memory at an odd offset', () => {
    const m = readNpy(fixture('f4_wide.npy'));
    expectNumpyValues(m, expected.f4_wide);
    const bytes = readFileSync(fixture('f4_wide.npy'));
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1); // unaligned view: forces the DataView path
    expect(Array.from(decodeNpy(shifted.subarray(1)).data)).toEqual(expected.f4_wide.data);
  });
});

describe('refusals say what to do', () => {
  const cases: [string, string, RegExp][] = [
    ['f8_bigendian.npy', 'big-endian', /astype\("<f8"\)/],
    ['f8_fortran.npy', 'fortran-order', /ascontiguousarray/],
    ['object.npy', 'object', /dtype="<f8"/],
    ['i8_2d.npy', 'dtype', /'<i8'.*astype\("<f8"\)/],
    ['f8_3d.npy', 'ndim', /reshape\(a\.shape\[0\], -1\)/],
  ];
  it.each(cases)('%s → UnsupportedArrayError(%s)', (name, reason, hint) => {
    let err: unknown;
    try {
      readNpy(fixture(name));
    } catch (e) {
      err = e;
    }
    expect(UnsupportedArrayError.isInstance(err)).toBe(true);
    expect((err as UnsupportedArrayError).reason).toBe(reason);
    expect((err as Error).message).toMatch(hint);
    expect((err as Error).message).toContain(name);
  });

  it('NaN elements throw DataFormatError naming the index, unless allowNonFinite', () => {
    expect(() => readNpy(fixture('f8_nan.npy'))).toThrow(/element \[0, 1\] is NaN.*allowNonFinite/);
    expect(() => readNpy(fixture('f8_nan.npy'))).toThrow(DataFormatError);
    const m = readNpy(fixture('f8_nan.npy'), { allowNonFinite: true });
    expect(m.data[0]).toBe(1);
    expect(Number.isNaN(m.data[1])).toBe(true);
  });

  it('a truncated file, a file that is not .npy and a broken header are DataFormatErrors', () => {
    const bytes = readFileSync(fixture('f8_2d.npy'));
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 8))).toThrow(
      /truncated .npy data: shape \(3, 4\) needs 224 bytes, the file has 216/,
    );
    expect(() => decodeNpy(new TextEncoder().encode('x,y\n1,2\n'))).toThrow(/not a .npy file/);
    const broken = Uint8Array.from(bytes);
    broken[20] = '}'.charCodeAt(0);
    expect(() => decodeNpy(broken)).toThrow(DataFormatError);
  });
});

/** Deterministic test matrix with values of mixed sign and magnitude (not multiples of a power of two). */
function sample(rows: number, cols: number, seed = 1): Mat {
  const data = new Float64Array(rows * cols);
  let s = seed;
  for (let k = 0; k < data.length; k++) {
    s = (s * 48271) % 2147483647;
    data[k] = (s / 2147483647 - 0.5) * 10 ** ((k % 7) - 3);
  }
  return { rows, cols, data };
}

describe('writing: byte-identical to numpy.save', () => {
  it.each([
    ['f8_2d.npy', {}],
    ['f4_2d.npy', { dtype: 'float32' as const }],
    ['f4_wide.npy', { dtype: 'float32' as const }],
    ['f8_1d.npy', { vector: true }],
    ['f8_empty.npy', {}],
    ['f8_2d_v2.npy', { version: 2 as const }],
  ])('%s', (name, options) => {
    const bytes = new Uint8Array(readFileSync(fixture(name)));
    expect(encodeNpy(decodeNpy(bytes), options)).toEqual(bytes);
    const out = join(tmp, name);
    writeNpy(out, readNpy(fixture(name)), options);
    expect(new Uint8Array(readFileSync(out))).toEqual(bytes);
  });

  it("headers equal numpy's own (write_array_header_1_0 / _2_0) for 68 shapes, dtypes and versions", () => {
    const table = JSON.parse(readFileSync(fixture('headers.json'), 'utf8')) as {
      headers: { descr: string; shape: number[]; version: 1 | 2; latin1: string }[];
    };
    expect(table.headers.length).toBe(68);
    for (const h of table.headers) {
      const mine = encodeNpyHeader(h.shape, { dtype: h.descr === '<f8' ? 'float64' : 'float32', version: h.version });
      expect(new TextDecoder('latin1').decode(mine), `${h.descr} (${h.shape.join(', ')}) v${h.version}`).toBe(h.latin1);
    }
  });

  it('headers are padded with spaces and one newline to a multiple of 64 bytes, as numpy does (ARRAY_ALIGN)', () => {
    for (let rows = 0; rows < 3000; rows += 37) {
      for (const cols of [1, 3, 12345]) {
        const bytes = encodeNpyHeader([rows, cols]);
        expect(bytes.length % 64).toBe(0);
        expect(bytes[bytes.length - 1]).toBe(0x0a);
        const text = new TextDecoder('latin1').decode(bytes.subarray(10));
        expect(text).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(\d+, \d+\), \} +\n$/);
        expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(bytes.length - 10);
      }
    }
  });
});

describe('round trips', () => {
  it('float64: write then read gives the same bits, for shapes including empty and one column', () => {
    for (const [r, c] of [
      [1, 1],
      [0, 4],
      [5, 1],
      [17, 3],
      [200, 301],
    ] as const) {
      const m = sample(r, c, r * 1000 + c + 1);
      const p = join(tmp, `rt-${r}x${c}.npy`);
      writeNpy(p, m);
      expect(readNpy(p)).toEqual(m);
      expect(decodeNpy(encodeNpy(m))).toEqual(m);
    }
  });

  it('float32: values round to the nearest float32 (Math.fround), shape kept', () => {
    const m = sample(40, 7);
    const back = decodeNpy(encodeNpy(m, { dtype: 'float32' }));
    expect([back.rows, back.cols]).toEqual([40, 7]);
    expect(Array.from(back.data)).toEqual(Array.from(m.data, Math.fround));
  });

  it('a column written as a vector reads back as the same column', () => {
    const m = sample(9, 1);
    expect(readNpyHeader(encodeNpy(m, { vector: true })).shape).toEqual([9]);
    expect(decodeNpy(encodeNpy(m, { vector: true }))).toEqual(m);
  });

  it('more than 1 MiB of data crosses the read and write chunk boundaries', () => {
    const m = sample(400, 401); // 1.22 MiB of float64
    const p = join(tmp, 'big.npy');
    writeNpy(p, m);
    expect(readNpy(p)).toEqual(m);
    writeNpy(p, m, { dtype: 'float32' });
    expect(Array.from(readNpy(p).data)).toEqual(Array.from(m.data, Math.fround));
  });

  it('refuses NaN unless allowNonFinite, and a data length that does not match the shape; writes nothing then', () => {
    const bad = { rows: 1, cols: 2, data: Float64Array.of(1, Number.POSITIVE_INFINITY) };
    const p = join(tmp, 'bad.npy');
    expect(() => writeNpy(p, bad)).toThrow(InvalidArgumentError);
    expect(() => readFileSync(p)).toThrow(/ENOENT/);
    expect(decodeNpy(encodeNpy(bad, { allowNonFinite: true }), { allowNonFinite: true }).data[1]).toBe(Number.POSITIVE_INFINITY);
    expect(() => encodeNpy({ rows: 2, cols: 2, data: new Float64Array(3) })).toThrow(/3 elements, but rows × cols = 4/);
    expect(() => encodeNpyHeader([2], { version: 1, dtype: 'float16' as never })).toThrow(/dtype must be/);
  });
});
