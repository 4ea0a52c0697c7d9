// demo train --precision: float32 runs on a backend that declares it and is reported as such; a backend that does not
// declare float32 is a usage error (exit 2) naming the flag, not a silent float64 run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runMain as run } from './cli';

const dir = mkdtempSync(join(tmpdir(), 'sftdl-train-precision-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'd.json');
const x = Array.from({ length: 8 }, (_, i) => [Math.sin(i), Math.cos(1.7 * i)]);
writeFileSync(file, JSON.stringify({ x, y: x.map((r) => (r[0] ?? 0) - 0.5 * (r[1] ?? 0)) }));
const common = [
  'train',
  '--data',
  file,
  '--width',
  '8',
  '--activation',
  'erf',
  '--sigma2',
  '0.1',
  '--steps',
  '200',
  '--seed',
  '3',
];

it('float32 on the reference backend is reported as float32 (engine and top level)', async () => {
  const r = await run([...common, '--backend', 'reference', '--precision', 'float32', '--json', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { backend: string; precision: string; engine: { precision: string } };
  expect(j.backend).toBe('reference');
  expect(j.precision).toBe('float32');
  expect(j.engine.precision).toBe('float32');
  const d = await run([...common, '--backend', 'reference', '--json', '--quiet']);
  expect((JSON.parse(d.stdout) as { precision: string }).precision).toBe('float64');
});

it('float32 on a float64-only backend exits 2 with one line', async () => {
  const r = await run([...common, '--backend', 'ml-matrix', '--precision', 'float32', '--json', '--quiet']);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/float32/);
});
