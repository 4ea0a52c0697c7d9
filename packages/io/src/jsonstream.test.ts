import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures';
import { DataFormatError } from './errors';
import { bytesSource } from './files';
import { readDatasetJson, readJsonMatrix } from './json';
import { NumericMatrix, NumericVector, readJson, toPlain } from './jsonstream';

const tmp = tempDir('json');

const parse = (text: string): unknown => readJson(bytesSource(Buffer.from(text, 'utf8')));

describe('streaming JSON parser', () => {
  it('agrees with JSON.parse on every kind of value (numeric arrays compared as plain arrays)', () => {
    const docs = [
      '{"a": [1, 2.5e-3, -0, 1E+2], "b": [[1, 2], [3, 4]], "c": "x\\"y\\\\z\\u00e9\\n", "d": [true, false, null], "e": {}, "f": []}',
      '[[1, 2], [3]]',
      '[1, "a", [2]]',
      '[[[1, 2]], [[3, 4]]]',
      '"σ² ★"',
      '-12.5',
      '[{"k": [1]}, 2]',
      ' \n\t[ ] ',
    ];
    for (const d of docs) expect(toPlain(parse(d)), d).toEqual(JSON.parse(d));
  });

  it('number arrays become Float64Arrays: vectors, and equal-length rows as one row-major matrix', () => {
    const v = parse('{"x": [[1, 2, 3], [4, 5, 6]], "y": [7, 8]}') as { x: NumericMatrix; y: NumericVector };
    expect(v.x).toBeInstanceOf(NumericMatrix);
    expect([v.x.rows, v.x.cols, Array.from(v.x.data)]).toEqual([2, 3, [1, 2, 3, 4, 5, 6]]);
    expect(v.y).toBeInstanceOf(NumericVector);
    expect(Array.from(v.y.data)).toEqual([7, 8]);
  });

  it('syntax errors are DataFormatErrors with line and column', () => {
    const cases: [string, number, number, RegExp][] = [
      ['{"x": [[1, 2],\n  [3, 4}', 2, 8, /expected ',' or '\]', found '\}'/],
      ['{"x": 01}', 1, 9, /'01' is not a JSON number/],
      ['{"x": [1, 2]', 1, 13, /expected ',' or '\}', found the end of the file/],
      ['{x: 1}', 1, 2, /expected a key in quotes/],
      ['{"x": tru}', 1, 10, /unexpected 'tru'/],
      ['{"x": NaN}', 1, 7, /unexpected 'N'/],
      ['{"x": 1} 2', 1, 10, /unexpected '2' after the value/],
      ['{"x": "a\nb"}', 1, 9, /a control character inside a string/],
    ];
    for (const [text, line, column, re] of cases) {
      let err: unknown;
      try {
        parse(text);
      } catch (e) {
        err = e;
      }
      expect(DataFormatError.isInstance(err), text).toBe(true);
      expect((err as Error).message, text).toMatch(re);
      expect([(err as DataFormatError).line, (err as DataFormatError).column], text).toEqual([line, column]);
    }
  });

  it('numbers, strings and multi-byte characters split across 64 KiB chunks; the result matches JSON.parse', () => {
    const rows: number[][] = [];
    for (let i = 0; i < 4000; i++) rows.push([i * 0.1234567891234, -i / 3, 1e-300 * (i + 1), 12345.678e10 + i]);
    const meta = { note: '★'.repeat(30000), tags: ['σ²', 'χ', '"quoted"'], nested: { v: [1.5, 2.5] } };
    const text = JSON.stringify({ x: rows, y: rows.map((r) => r[0]! - r[1]!), meta });
    expect(text.length).toBeGreaterThan(4 * 65536);
    const p = join(tmp, 'big.json');
    writeFileSync(p, text);
    const ds = readDatasetJson(p);
    const ref = JSON.parse(text) as { x: number[][]; y: number[]; meta: unknown };
    expect([ds.x.rows, ds.x.cols, ds.y.rows, ds.y.cols]).toEqual([4000, 4, 4000, 1]);
    expect(Array.from(ds.x.data)).toEqual(ref.x.flat());
    expect(Array.from(ds.y.data)).toEqual(ref.y);
    expect(ds.meta).toEqual(ref.meta);
  });

  it('a number beyond float64 (1e999) is refused as not finite, naming the element', () => {
    const p = join(tmp, 'inf.json');
    writeFileSync(p, '[[1, 2], [3, 1e999]]');
    expect(() => readJsonMatrix(p)).toThrow(/the matrix\[1\]\[1\] is not a finite number \(Infinity\)/);
  });
});
