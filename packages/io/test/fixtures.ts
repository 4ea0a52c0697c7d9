import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mat } from '@sftdl/compute';
import { afterAll, expect } from 'vitest';

/** Folder of the numpy-written fixtures (see make_fixtures.py). */
export const FIXTURES = join(import.meta.dirname, 'fixtures');

export const fixture = (name: string): string => join(FIXTURES, name);

interface Expected {
  shape: number[];
  data: number[];
}

/** Values numpy wrote to expected.json next to the binary fixtures (json.dump of float(v): exact doubles). */
export const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Record<
  'f8_2d' | 'f4_2d' | 'f8_1d' | 'f4_wide',
  Expected
>;

/** Asserts that `m` has numpy's shape (a 1-D shape (n,) read as n × 1) and exactly numpy's values. */
export function expectNumpyValues(m: Mat, e: Expected): void {
  expect([m.rows, m.cols]).toEqual(e.shape.length === 1 ? [e.shape[0], 1] : e.shape);
  expect(Array.from(m.data)).toEqual(e.data);
}

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sftdl-io-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
