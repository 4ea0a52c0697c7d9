import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder of the numpy-written fixtures (see make_fixtures.py). */
export const FIXTURES = join(import.meta.dirname, 'fixtures');

export const fixture = (name: string): string => join(FIXTURES, name);

interface Expected { shape: number[]; data: number[] }

/** Values numpy wrote to expected.json next to the binary fixtures (json.dump of float(v): exact doubles). */
export const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Record<'f8_2d' | 'f4_2d' | 'f8_1d' | 'f4_wide', Expected>;
