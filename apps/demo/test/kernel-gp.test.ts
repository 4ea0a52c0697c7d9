// demo kernel --out (npy/csv/json), the JSON size limit, --data tables, and demo gp --at/--sigma-a2/--chi, checked
// against closed forms computed here (linear activation: the NNGP is an explicit polynomial in x·x') and against a
// .npy decoder written from numpy's format spec (so no Python is needed in CI).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMatrix, writeMatrix } from '@sftdl/io';
import { afterAll, describe, expect, it } from 'vitest';
import { JSON_MATRIX_LIMIT } from '../src/commands/kernel';
import { runMain as run } from './cli';

const dir = mkdtempSync(join(tmpdir(), 'sftdl-kernel-gp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runJson<T = Record<string, unknown>>(argv: string[]): Promise<T> {
  const r = await run([...argv, '--json', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A small deterministic data set (no RNG from the code under test). */
function dataset(n: number, m: number, d: number): { x: number[][]; y: number[]; xTest: number[][] } {
  const row = (i: number) => Array.from({ length: d }, (_, j) => Math.sin(1.3 * i + 0.7 * j + 0.1 * i * j));
  const x = Array.from({ length: n }, (_, i) => row(i));
  const xTest = Array.from({ length: m }, (_, i) => row(n + i));
  const y = x.map((r) => r.reduce((s, v, j) => s + (j + 1) * v, 0) / d);
  return { x, y, xTest };
}
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

/** NNGP of Dense → linear → Dense (depth 1) with weight variance w (per fan-in) and bias variance b. */
const linearNngp = (a: number[], c: number[], w: number, b: number) => w * ((w * dot(a, c)) / a.length + b) + b;

/** Solves A z = r (A symmetric positive definite, small) by Gaussian elimination. */
function solve(A: number[][], r: number[]): number[] {
  const n = r.length;
  const M = A.map((row, i) => [...row, r[i] as number]);
  for (let k = 0; k < n; k++) {
    const pk = M[k] as number[];
    for (let i = k + 1; i < n; i++) {
      const pi = M[i] as number[];
      const f = (pi[k] as number) / (pk[k] as number);
      for (let j = k; j <= n; j++) pi[j] = (pi[j] as number) - f * (pk[j] as number);
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const pi = M[i] as number[];
    let s = pi[n] as number;
    for (let j = i + 1; j < n; j++) s -= (pi[j] as number) * (z[j] as number);
    z[i] = s / (pi[i] as number);
  }
  return z;
}

/** Reads a .npy file by numpy's format spec (magic, version, header dict, little-endian float64 payload). */
function decodeNpyBySpec(path: string): { shape: number[]; data: number[] } {
  const buf = readFileSync(path);
  expect(buf.subarray(0, 6).equals(Buffer.from([0x93, ...Buffer.from('NUMPY')]))).toBe(true);
  const major = buf[6] as number;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  expect((start + headerLen) % 64).toBe(0); // numpy aligns the payload to 64 bytes
  expect(header).toMatch(/'descr': '<f8'/);
  expect(header).toMatch(/'fortran_order': False/);
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: count }, (_, i) => buf.readDoubleLE(start + headerLen + 8 * i));
  return { shape, data };
}

describe('demo kernel: matrices out', () => {
  const ds = dataset(12, 5, 4);
  const file = join(dir, 'small.json');
  writeFileSync(file, JSON.stringify(ds));
  const flags = ['kernel', '--activation', 'linear', '--depth', '1', '--sigma-w2', '1.7', '--bias-var', '0.3', '--data', file];

  it('--json prints the matrices (the linear NNGP closed form) and reports the auto-selected backend', async () => {
    const j = await runJson<{ nngp: number[][]; nngpTest: number[][]; backend: string; shapes: Record<string, number[]> }>(flags);
    expect(typeof j.backend).toBe('string');
    expect(j.shapes).toEqual({ nngp: [12, 12], ntk: [12, 12], nngpTest: [5, 12], ntkTest: [5, 12] });
    ds.x.forEach((a, i) => ds.x.forEach((c, k) => expect(j.nngp[i]?.[k]).toBeCloseTo(linearNngp(a, c, 1.7, 0.3), 12)));
    ds.xTest.forEach((a, i) => ds.x.forEach((c, k) => expect(j.nngpTest[i]?.[k]).toBeCloseTo(linearNngp(a, c, 1.7, 0.3), 12)));
  });

  it('--out K.npy writes K.nngp.npy … that numpy reads (format spec) with the same values as the JSON output', async () => {
    const j = await runJson<Record<string, number[][]>>([...flags, '--backend', 'reference']);
    const out = join(dir, 'K.npy');
    const w = await runJson<{ files: Record<string, string>; nngp?: unknown }>([
      ...flags,
      '--backend',
      'reference',
      '--out',
      out,
    ]);
    expect(w.nngp).toBeUndefined();
    expect(w.files).toEqual({
      nngp: join(dir, 'K.nngp.npy'),
      ntk: join(dir, 'K.ntk.npy'),
      nngpTest: join(dir, 'K.nngpTest.npy'),
      ntkTest: join(dir, 'K.ntkTest.npy'),
    });
    for (const k of ['nngp', 'ntk', 'nngpTest', 'ntkTest']) {
      const rows = j[k] as number[][];
      const npy = decodeNpyBySpec(w.files[k] as string);
      expect(npy.shape).toEqual([rows.length, rows[0]?.length]);
      expect(npy.data).toEqual(rows.flat()); // bit-identical: the same doubles
    }
  });

  it('--out K.csv and K.json hold the same values (read back with @sftdl/io)', async () => {
    const j = await runJson<Record<string, number[][]>>([...flags, '--backend', 'reference']);
    for (const ext of ['csv', 'json']) {
      const out = join(dir, `K.${ext}`);
      await runJson([...flags, '--backend', 'reference', '--out', out]);
      const m = readMatrix(join(dir, `K.ntk.${ext}`));
      expect(Array.from(m.data)).toEqual((j.ntk as number[][]).flat());
    }
    const bad = await run([...flags, '--out', join(dir, 'K.bin')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --out .*K\.bin: the extension sets the format/);
  });

  it(`above ${JSON_MATRIX_LIMIT} entries --json prints shapes and says to use --out`, async () => {
    const big = dataset(501, 0, 2);
    const f = join(dir, 'big.json');
    writeFileSync(f, JSON.stringify({ x: big.x, y: big.y }));
    const j = await runJson<Record<string, unknown>>([
      'kernel',
      '--activation',
      'relu',
      '--depth',
      '1',
      '--sigma-w2',
      '2',
      '--bias-var',
      '0',
      '--data',
      f,
    ]);
    expect(j.nngp).toBeUndefined();
    expect(j.shapes).toEqual({ nngp: [501, 501], ntk: [501, 501] });
    expect(j.message).toMatch(/--out K\.npy/);
  });
});

describe('demo gp: --at train,test, --sigma-a2/--chi, --data tables', () => {
  const ds = dataset(8, 3, 3);
  const file = join(dir, 'gp.json');
  writeFileSync(file, JSON.stringify(ds));
  const base = ['gp', '--activation', 'linear', '--depth', '1', '--sigma-w2', '1.5', '--bias-var', '0', '--sigma2', '0.2'];

  /** GP posterior mean and latent variance at `at` for kernel k and noise s2, by the textbook formulas. */
  function posterior(k: (a: number[], c: number[]) => number, s2: number, at: number[][]) {
    const K = ds.x.map((a) => ds.x.map((c) => k(a, c)));
    const Ky = K.map((row, i) => row.map((v, j) => v + (i === j ? s2 : 0)));
    const alpha = solve(Ky, ds.y);
    return at.map((a) => {
      const ks = ds.x.map((c) => k(a, c));
      const v = solve(Ky, ks);
      return { mean: dot(ks, alpha), variance: k(a, a) - dot(ks, v) };
    });
  }

  it('reports at the training and the test inputs', async () => {
    type P = { mean: number[]; variance: number[] };
    const j = await runJson<{ train: P; test: P; at: string[]; mean: number[] }>([...base, '--data', file, '--at', 'train,test']);
    expect(j.at).toEqual(['train', 'test']);
    const k = (a: number[], c: number[]) => linearNngp(a, c, 1.5, 0);
    for (const [where, pts] of [
      ['train', ds.x],
      ['test', ds.xTest],
    ] as const) {
      const want = posterior(k, 0.2, pts);
      const got = j[where];
      want.forEach((w, i) => {
        expect(got.mean[i]).toBeCloseTo(w.mean, 9);
        expect(got.variance[i]).toBeCloseTo(w.variance, 9);
      });
    }
    expect(j.mean).toEqual(j.test.mean);
  });

  it('--sigma-a2 and --chi give the GP limit of `demo train`: prior σ_a²·E[φφ]/χ, noise σ²/χ', async () => {
    type P = { mean: number[]; variance: number[] };
    const j = await runJson<{ train: P; chi: number; sigmaA2: number }>([
      ...base,
      '--data',
      file,
      '--at',
      'train',
      '--sigma-a2',
      '0.6',
      '--chi',
      '4',
    ]);
    expect([j.sigmaA2, j.chi]).toEqual([0.6, 4]);
    // train's two-layer net: w ~ N(0, σ_w²/d), a ~ N(0, σ_a²/(χN)); linear φ: E[φφ'] = σ_w² x·x'/d
    const k = (a: number[], c: number[]) => (0.6 * 1.5 * dot(a, c)) / a.length / 4;
    const want = posterior(k, 0.2 / 4, ds.x);
    want.forEach((w, i) => {
      expect(j.train.mean[i]).toBeCloseTo(w.mean, 9);
      expect(j.train.variance[i]).toBeCloseTo(w.variance, 9);
    });
    const bad = await run([...base, '--data', file, '--fit', '--chi', '2']);
    expect(bad.code).toBe(2);
  });

  it('--data accepts .npy and .csv tables (last column y) with the same result as JSON', async () => {
    const xy = { rows: ds.x.length, cols: 4, data: Float64Array.from(ds.x.flatMap((r, i) => [...r, ds.y[i] as number])) };
    const jsonFile = join(dir, 'train-only.json');
    writeFileSync(jsonFile, JSON.stringify({ x: ds.x, y: ds.y }));
    const ref = await runJson<{ mean: number[] }>([...base, '--data', jsonFile]);
    for (const ext of ['npy', 'csv']) {
      const f = join(dir, `table.${ext}`);
      writeMatrix(f, xy);
      const j = await runJson<{ mean: number[] }>([...base, '--data', f]);
      expect(j.mean).toEqual(ref.mean);
    }
    // demo data writes the same tables: .npy and .json of one seed hold the same numbers
    const dj = join(dir, 'lin.json');
    const dn = join(dir, 'lin.npy');
    await runJson(['data', 'linear', '--samples', '6', '--dim', '3', '--seed', '4', '--out', dj]);
    await runJson(['data', 'linear', '--samples', '6', '--dim', '3', '--seed', '4', '--out', dn]);
    const fromJson = JSON.parse(readFileSync(dj, 'utf8')) as { x: number[][]; y: number[] | number[][] };
    const table = readMatrix(dn);
    expect(Array.from(table.data)).toEqual(fromJson.x.flatMap((r, i) => [...r, ...[fromJson.y[i]].flat()]));
    const split = await run(['data', 'linear', '--samples', '6', '--dim', '3', '--test-samples', '2', '--out', dn]);
    expect(split.code).toBe(2);
    const noTest = await run([...base, '--data', jsonFile, '--at', 'test']);
    expect(noTest.code).toBe(2);
    expect(noTest.stderr).toMatch(/--at test: the data file .* has no "xTest"/);
  });
});
