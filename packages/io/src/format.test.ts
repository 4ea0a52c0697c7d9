import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { expected, fixture, tempDir } from '../test/fixtures';
import { DataFormatError } from './errors';
import { formatOf, readDataset, readMatrix, writeDataset, writeMatrix } from './format';
import { formatDatasetJson, parseDatasetJson } from './json';
import { readNpy } from './npy';

const tmp = tempDir('format');

const M: Mat = { rows: 3, cols: 4, data: Float64Array.from(expected.f8_2d.data) };

describe('format from the extension, with an override', () => {
  it('maps extensions case-insensitively and refuses unknown ones with the fix', () => {
    expect(['a.npy', 'b.CSV', 'c.tsv', 'd.txt', 'e.json'].map((p) => formatOf(p))).toEqual(['npy', 'csv', 'csv', 'csv', 'json']);
    expect(formatOf('k.dat', 'npy')).toBe('npy');
    expect(() => formatOf('k.dat')).toThrow(InvalidArgumentError);
    expect(() => formatOf('k.dat')).toThrow(/extension '\.dat'; use \.npy, \.csv, \.tsv, \.txt or \.json, or pass \{ format/);
    expect(() => formatOf('k.npy', 'xls' as never)).toThrow(/format must be one of npy\|csv\|json/);
  });

  it('the same numpy matrix read from .npy, .csv, .tsv (tab by default), and a renamed file with { format }', () => {
    copyFileSync(fixture('m.tsv'), join(tmp, 'm.tsv'));
    copyFileSync(fixture('f8_2d.npy'), join(tmp, 'm.bin'));
    for (const m of [
      readMatrix(fixture('f8_2d.npy')),
      readMatrix(fixture('m.csv')),
      readMatrix(join(tmp, 'm.tsv')),
      readMatrix(join(tmp, 'm.bin'), { format: 'npy' }),
    ]) {
      expect(m).toEqual(M);
    }
  });

  it('JSON matrices: number[][] rows, number[] as a column', () => {
    writeFileSync(join(tmp, 'v.json'), '[1, 2.5, -3]');
    expect(readMatrix(join(tmp, 'v.json'))).toEqual({ rows: 3, cols: 1, data: Float64Array.of(1, 2.5, -3) });
    writeFileSync(join(tmp, 'r.json'), '[[1, 2], [3]]');
    expect(() => readMatrix(join(tmp, 'r.json'))).toThrow(/ragged rows \(row 1 has length 1, expected 2\)/);
  });

  it('writers create missing folders; a file-system error names the target, not the temporary file, and leaves nothing', () => {
    const p = join(tmp, 'new', 'sub', 'K.npy');
    writeMatrix(p, M);
    expect(readMatrix(p)).toEqual(M);
    let err: unknown;
    try {
      writeMatrix(join(tmp, 'new'), M, { format: 'npy' });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(`cannot write ${join(tmp, 'new')}: it is a directory; give a file name`);
    expect((err as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
    writeFileSync(join(tmp, 'afile'), '');
    expect(() => writeMatrix(join(tmp, 'afile', 'x.npy'), M)).toThrow(/^cannot write .*afile\/x\.npy: /);
  });

  it('write → read round trips in every format give the same bits (float32 rounds)', () => {
    for (const name of ['w.npy', 'w.csv', 'w.tsv', 'w.json']) {
      const p = join(tmp, name);
      writeMatrix(p, M);
      expect(readMatrix(p)).toEqual(M);
    }
    expect(readFileSync(join(tmp, 'w.tsv'), 'utf8')).toContain('\t');
    const small = { ...M, data: M.data.map((v) => (Math.abs(v) > 1e30 ? 1 / v : v)) };
    writeMatrix(join(tmp, 'w32.npy'), small, { dtype: 'float32' });
    expect(Array.from(readNpy(join(tmp, 'w32.npy')).data)).toEqual(Array.from(small.data, Math.fround));
    expect(() => writeMatrix(join(tmp, 'w32.npy'), M, { dtype: 'float32' })).toThrow(
      /element \[0, 3\] = 1e\+300 overflows float32/,
    );
    writeMatrix(join(tmp, 'w.out'), M, { format: 'csv' });
    expect(readMatrix(join(tmp, 'w.out'), { format: 'csv' })).toEqual(M);
  });
});

describe('datasets', () => {
  it('the JSON data-file format (numpy-written dataset.json) equals the .npy and .csv copies', () => {
    const ds = readDataset(fixture('dataset.json'));
    const x = readNpy(fixture('dataset_x.npy'));
    const y = readNpy(fixture('dataset_y.npy'));
    expect(ds.x).toEqual(x);
    expect(ds.y).toEqual(y); // 1-D y → n × 1
    expect([ds.xTest?.rows, ds.xTest?.cols, ds.yTest?.rows, ds.yTest?.cols]).toEqual([2, 3, 2, 1]);
    expect(ds.meta).toEqual({ source: 'make_fixtures.py' });
    const table = readDataset(fixture('dataset.csv'));
    expect(table.x).toEqual(x);
    expect(table.y).toEqual(y);
  });

  it('JSON write → read round trip; a one-column y is written flat like the demo does', () => {
    const ds = readDataset(fixture('dataset.json'));
    const text = formatDatasetJson(ds);
    expect(text).toMatch(/^\{"x":\[\[0\.5,-1\.25,2\],/);
    expect(text).toContain(`"y":[${ds.y.data.join(',')}]`);
    expect(parseDatasetJson(text)).toEqual(ds);
    const p = join(tmp, 'ds.json');
    writeDataset(p, ds);
    expect(readDataset(p)).toEqual(ds);
    expect(JSON.parse(readFileSync(p, 'utf8'))).toEqual(JSON.parse(readFileSync(fixture('dataset.json'), 'utf8')));
  });

  it('tables: the last `targets` columns are y; test splits need JSON', () => {
    const ds = readDataset(fixture('dataset.json'));
    const train = { x: ds.x, y: ds.y };
    for (const name of ['t.npy', 't.csv']) {
      writeDataset(join(tmp, name), train);
      expect(readDataset(join(tmp, name))).toEqual(train);
      const two = readDataset(join(tmp, name), { targets: 2 });
      expect([two.x.cols, two.y.cols]).toEqual([2, 2]);
      expect(two.y.data[0]).toBe(ds.x.data[2]);
    }
    expect(() => writeDataset(join(tmp, 'u.csv'), ds)).toThrow(/holds one split; write JSON/);
    expect(() => readDataset(join(tmp, 't.csv'), { targets: 4 })).toThrow(
      /has 4 columns; a data table needs at least one input column/,
    );
  });

  it('bad data files: every problem is a DataFormatError naming the file and the key', () => {
    const bad: [string, RegExp][] = [
      ['{"y": [1]}', /missing key "x"/],
      ['{"x": [[1]]}', /missing key "y"/],
      ['{"x": [[1, 2], [3]], "y": [1, 2]}', /"x" has ragged rows \(row 1 has length 1, expected 2\)/],
      ['{"x": [[1], [2]], "y": [1]}', /"y" has 1 rows but "x" has 2/],
      ['{"x": [[1]], "y": ["a"]}', /"y"\[0\] is not a finite number \("a"\)/],
      ['{"x": [[1]], "y": [1], "yTest": [2]}', /"yTest" needs "xTest"/],
      ['{"x": [[1]], "y": [1], "xTest": [[1, 2]]}', /"xTest" has 2 columns but "x" has 1/],
      ['[1, 2]', /expected a JSON object with "x" and "y"/],
      ['{"x": [[1]], "y": [1]', /not valid JSON/],
    ];
    for (const [text, re] of bad) {
      const p = join(tmp, 'bad.json');
      writeFileSync(p, text);
      let err: unknown;
      try {
        readDataset(p);
      } catch (e) {
        err = e;
      }
      expect(DataFormatError.isInstance(err), text).toBe(true);
      expect((err as Error).message).toMatch(re);
      expect((err as DataFormatError).file).toBe(p);
    }
  });

  it('JSON cannot hold NaN: the writer refuses it', () => {
    expect(() =>
      formatDatasetJson({
        x: { rows: 1, cols: 1, data: Float64Array.of(Number.NaN) },
        y: { rows: 1, cols: 1, data: Float64Array.of(1) },
      }),
    ).toThrow(/x\[0\]\[0\] is NaN; JSON cannot hold NaN/);
  });
});
