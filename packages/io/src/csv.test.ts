import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { expectNumpyValues, expected, fixture, tempDir } from '../test/fixtures';
import { formatCsv, parseCsv, readCsv, readCsvTable, writeCsv } from './csv';
import { DataFormatError } from './errors';

const tmp = tempDir('csv');

/** The DataFormatError `fn` throws (fails the test when it does not throw one). */
function formatError(fn: () => unknown): DataFormatError {
  try {
    fn();
  } catch (e) {
    expect(DataFormatError.isInstance(e)).toBe(true);
    return e as DataFormatError;
  }
  throw new Error('expected a DataFormatError');
}

describe('reading files numpy.savetxt wrote', () => {
  it('m.csv (%.17g, comma): every float64 exact', () => {
    expectNumpyValues(readCsv(fixture('m.csv')), expected.f8_2d);
  });

  it('m_header.csv: the header row is detected and returned', () => {
    const t = readCsvTable(fixture('m_header.csv'));
    expect(t.header).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(t.matrix.data)).toEqual(expected.f8_2d.data);
  });

  it("m.tsv: tab delimiter, numpy's '# ' comment line skipped", () => {
    const t = readCsvTable(fixture('m.tsv'), { delimiter: '\t' });
    expect(t.header).toBeUndefined();
    expect(Array.from(t.matrix.data)).toEqual(expected.f8_2d.data);
  });
});

describe('errors name the line and the column', () => {
  it('a cell that is not a number', () => {
    const e = formatError(() => parseCsv('a,b\n1,2\n3,x7\n'));
    expect([e.line, e.column]).toEqual([3, 2]);
    expect(e.message).toBe(
      "<csv>, line 3, column 2: 'x7' is not a number; every cell must be a decimal number such as 1.5, -2e-3",
    );
  });

  it('ragged rows, naming the line the width came from', () => {
    const e = formatError(() => parseCsv('# c\n1,2,3\n\n4,5\n'));
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/has 2 fields, expected 3 \(as on line 2\)/);
    expect(formatError(() => parseCsv('a,b\n1,2,3\n')).message).toMatch(/line 2: has 3 fields, expected 2 \(as on the header\)/);
  });

  it('empty cells, non-finite cells (allowed on request), unterminated quotes, numbers that JS would accept but CSV should not', () => {
    expect(formatError(() => parseCsv('1,,3\n')).message).toMatch(/line 1, column 2: an empty cell/);
    const nan = formatError(() => parseCsv('1,2\nnan,-inf\n'));
    expect([nan.line, nan.column]).toEqual([2, 1]);
    const ok = parseCsv('1,2\nnan,-inf\n', { allowNonFinite: true }).matrix.data;
    expect(Number.isNaN(ok[2])).toBe(true);
    expect(ok[3]).toBe(Number.NEGATIVE_INFINITY);
    expect(formatError(() => parseCsv('1,"2\n')).message).toMatch(/line 1, column 2: unterminated quoted field/);
    for (const bad of ['0x10', '1_000', ' ', '1e', '--1'])
      expect(() => parseCsv(`1,${bad}\n`, { header: false })).toThrow(DataFormatError);
  });

  it('header: false refuses a text first row; header: true takes a numeric one', () => {
    expect(formatError(() => parseCsv('a,b\n1,2\n', { header: false })).message).toMatch(/line 1, column 1: 'a' is not a number/);
    const t = parseCsv('1,2\n3,4\n', { header: true });
    expect(t.header).toEqual(['1', '2']);
    expect(t.matrix.rows).toBe(1);
  });

  it('an empty file and a bad delimiter', () => {
    expect(formatError(() => parseCsv('# only a comment\n\n')).message).toMatch(/no data rows/);
    expect(() => parseCsv('1\n', { delimiter: ';;' })).toThrow(InvalidArgumentError);
  });
});

describe('dialects', () => {
  it('quoted fields, CRLF line ends, a UTF-8 BOM, no final newline, whitespace around cells', () => {
    const t = parseCsv('\ufeff"σ²","a ""b"""\r\n "1.5" , 2e3\r\n-0.25,"+.5"');
    expect(t.header).toEqual(['σ²', 'a "b"']);
    expect(Array.from(t.matrix.data)).toEqual([1.5, 2000, -0.25, 0.5]);
  });

  it("delimiter 'whitespace' reads numpy.savetxt's default output", () => {
    const t = parseCsv('# x y\n  1.0 2.0\t3\n4 5   6\n', { delimiter: 'whitespace' });
    expect([t.matrix.rows, t.matrix.cols]).toEqual([2, 3]);
    expect(Array.from(t.matrix.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('multi-byte characters split across 64 KiB read chunks decode correctly', () => {
    const lines = ['α,β'];
    for (let i = 0; i < 6000; i++) lines.push(i % 10 === 0 ? `# ★ comment ${i} ∑∫` : `${i},${-i / 8}`);
    const p = join(tmp, 'multibyte.csv');
    writeFileSync(p, `${lines.join('\n')}\n`);
    const t = readCsvTable(p);
    expect(t.header).toEqual(['α', 'β']);
    expect(t.matrix.rows).toBe(5400);
    expect(t.matrix.data[2 * 5399]).toBe(5999);
    expect(t.matrix.data[2 * 5399 + 1]).toBe(-5999 / 8);
  });
});

describe('writing', () => {
  it('shortest exact numbers: parse(format(m)) gives the same bits; numpy-style reading with a header', () => {
    const m = { rows: 3, cols: 4, data: Float64Array.from(expected.f8_2d.data) };
    const text = formatCsv(m, { header: ['a', 'b,c', 'd"', ' e'] });
    expect(text.split('\n')[0]).toBe('a,"b,c","d"""," e"');
    const back = parseCsv(text);
    expect(back.header).toEqual(['a', 'b,c', 'd"', 'e']);
    expect(back.matrix).toEqual(m);
    const p = join(tmp, 'm.csv');
    writeCsv(p, m);
    expect(readCsv(p)).toEqual(m);
    expect(readFileSync(p, 'utf8').split('\n')[1]).toBe(`${Math.PI},${-Math.E},${1 / 3},9007199254740994`);
  });

  it('refuses NaN unless allowNonFinite; a header of the wrong length', () => {
    const m = { rows: 1, cols: 2, data: Float64Array.of(Number.NaN, 1) };
    expect(() => formatCsv(m)).toThrow(/element \[0, 0\] is NaN/);
    expect(formatCsv(m, { allowNonFinite: true })).toBe('nan,1\n');
    expect(() => formatCsv(m, { header: ['a'] })).toThrow(/header has 1 names, but the matrix has 2 columns/);
  });
});
