import { describe, expect, it } from 'vitest';
import { type Mat, fromRows } from '@sftdl/compute';
import { key, split } from '@sftdl/field';
import {
  attentionTeacher,
  cubicTeacher,
  datasetChunks,
  datasetToJSON,
  gpSampleTargets,
  hermiteTeacher,
  isingTeacher,
  isPrime,
  linearTeacher,
  makeDataset,
  modularAddition,
  multiIndexTeacher,
  sampleInputs,
  twoLayerTeacher,
} from './index';

/** Sample mean and its standard error. */
function meanSe(v: ArrayLike<number>): { mean: number; se: number } {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i]!;
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i]! - m) ** 2;
  return { mean: m, se: Math.sqrt(s / (v.length - 1) / v.length) };
}

function col(m: Mat): Float64Array {
  return m.data;
}

describe('Hermite teachers: target moments against closed forms (Gaussian inputs)', () => {
  const n = 200_000;
  it('E[He3²] = 3! = 6 and E[He3] = 0', () => {
    const t = hermiteTeacher({ dim: 5, coefficients: [0, 0, 0, 1], key: key(3) });
    const ds = makeDataset(t, { key: key(4), samples: n });
    const y = col(ds.y);
    const sq = meanSe(y.map((v) => v * v));
    expect(Math.abs(sq.mean - 6)).toBeLessThan(5 * sq.se);
    const m = meanSe(y);
    expect(Math.abs(m.mean)).toBeLessThan(5 * m.se);
  });
  it('cubic teacher: E[y²] = 1 + 6ε², He₃ = z³ − 3z, unit direction in meta', () => {
    const eps = -0.3;
    const t = cubicTeacher({ dim: 8, epsilon: eps, key: key(1) });
    const ds = makeDataset(t, { key: key(2), samples: n });
    const sq = meanSe(col(ds.y).map((v) => v * v));
    expect(Math.abs(sq.mean - (1 + 6 * eps * eps))).toBeLessThan(5 * sq.se);
    const w = ds.meta.teacherDirection!;
    expect(Math.hypot(...w)).toBeCloseTo(1, 14);
    // exact pointwise check on one row
    const z = w.reduce((s, wj, j) => s + wj * ds.x.data[j]!, 0);
    expect(ds.y.data[0]).toBeCloseTo(z + eps * (z ** 3 - 3 * z), 12);
    expect(ds.meta.hermite).toEqual({ convention: 'plain', coefficients: [0, 1, 0, eps] });
  });
  it('normalised convention: E[y²] = Σ c_k²', () => {
    const t = hermiteTeacher({ dim: 4, coefficients: [0, 0.5, 0, 0.8], normalized: true, key: key(9) });
    const sq = meanSe(col(makeDataset(t, { key: key(10), samples: n }).y).map((v) => v * v));
    expect(Math.abs(sq.mean - (0.25 + 0.64))).toBeLessThan(5 * sq.se);
  });
  it('multi-index He₁(w₁·x)He₁(w₂·x) with orthonormal w: E[y²] = 1', () => {
    const t = multiIndexTeacher({ dim: 6, count: 2, key: key(5), terms: [{ coefficient: 1, degrees: [1, 1] }] });
    const [a, b] = t.meta.teacherDirections!;
    expect(a!.reduce((s, v, j) => s + v * b![j]!, 0)).toBeCloseTo(0, 12);
    const sq = meanSe(col(makeDataset(t, { key: key(6), samples: n }).y).map((v) => v * v));
    expect(Math.abs(sq.mean - 1)).toBeLessThan(5 * sq.se);
  });
  it('linear teacher: E[y²] = 1', () => {
    const sq = meanSe(
      col(makeDataset(linearTeacher({ dim: 7, key: key(11) }), { key: key(12), samples: 50_000 }).y).map((v) => v * v),
    );
    expect(Math.abs(sq.mean - 1)).toBeLessThan(5 * sq.se);
  });
});

describe('inputs', () => {
  it('sphere inputs have norm √d', () => {
    const x = sampleInputs(key(1), 'sphere', 50, 9);
    for (let i = 0; i < 50; i++) expect(Math.hypot(...x.data.subarray(i * 9, i * 9 + 9))).toBeCloseTo(3, 12);
  });
  it('spins are ±1 with mean magnetisation m toward the pattern', () => {
    const m = 0.4;
    const x = sampleInputs(key(2), 'spins', 20_000, 5, { magnetization: m });
    expect(x.data.every((v) => v === 1 || v === -1)).toBe(true);
    const s = meanSe(x.data);
    expect(Math.abs(s.mean - m)).toBeLessThan(5 * s.se);
  });
  it('Ising teacher labels are sign(ξ·x) with ties to +1', () => {
    const t = isingTeacher({ dim: 4, pattern: [1, 1, 1, 1] });
    expect(
      Array.from(
        t.evaluate(
          fromRows([
            [1, -1, 1, -1],
            [-1, -1, -1, 1],
            [1, 1, 1, -1],
          ]),
        ).data,
      ),
    ).toEqual([1, -1, 1]);
  });
});

describe('determinism', () => {
  it('the same key gives the same data; chunk size does not matter', () => {
    const t = cubicTeacher({ dim: 6, epsilon: 0.5, key: key(1) });
    const a = makeDataset(t, { key: key(7), samples: 300, testSamples: 50 });
    const b = makeDataset(t, { key: key(7), samples: 300, testSamples: 50, chunkSize: 7 });
    expect(Array.from(b.x.data)).toEqual(Array.from(a.x.data));
    expect(Array.from(b.yTest!.data)).toEqual(Array.from(a.yTest!.data));
    const c = makeDataset(t, { key: key(8), samples: 300 });
    expect(c.x.data[0]).not.toEqual(a.x.data[0]);
    const chunks = [...datasetChunks(t, { key: split(key(7), 2)[0]!, samples: 300, chunkSize: 128 })];
    expect(chunks.map((c) => c.x.rows)).toEqual([128, 128, 44]);
    expect(chunks[2]!.x.data[0]).toEqual(a.x.data[256 * 6]);
  });
  it('JSON export follows the CLI data format', () => {
    const ds = makeDataset(cubicTeacher({ dim: 3, epsilon: 0, key: key(1) }), {
      key: key(2),
      samples: 4,
      testSamples: 2,
      seed: 2,
    });
    const j = datasetToJSON(ds) as { x: number[][]; y: number[]; yTest: number[]; meta: { seed: number } };
    expect(j.x).toHaveLength(4);
    expect(j.x[0]).toHaveLength(3);
    expect(j.y).toHaveLength(4);
    expect(typeof j.y[0]).toBe('number');
    expect(j.yTest).toHaveLength(2);
    expect(j.meta.seed).toBe(2);
  });
});

describe('modular addition', () => {
  it('primality', () => {
    expect([2, 3, 5, 7, 97, 401].every(isPrime)).toBe(true);
    expect([0, 1, 4, 9, 91, 400].some(isPrime)).toBe(false);
  });
  it('the full table is complete and balanced, targets are one-hot minus 1/P', () => {
    const P = 7;
    const ds = modularAddition({ prime: P });
    expect(ds.x.rows).toBe(P * P);
    expect(ds.x.cols).toBe(2 * P);
    expect(ds.y.cols).toBe(P);
    const seen = new Set<string>();
    const classCount = new Array(P).fill(0);
    for (let r = 0; r < P * P; r++) {
      const row = Array.from(ds.x.data.subarray(r * 2 * P, (r + 1) * 2 * P));
      const n = row.indexOf(1),
        m = row.lastIndexOf(1) - P;
      expect(row.reduce((s, v) => s + v, 0)).toBe(2);
      seen.add(`${n},${m}`);
      const y = Array.from(ds.y.data.subarray(r * P, (r + 1) * P));
      expect(y.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 14);
      const hot = y.findIndex((v) => v > 0);
      expect(hot).toBe((n + m) % P);
      expect(y[hot]).toBeCloseTo(1 - 1 / P, 15);
      classCount[hot]++;
    }
    expect(seen.size).toBe(P * P);
    expect(classCount).toEqual(new Array(P).fill(P));
  });
  it('a train fraction splits the table by key, disjointly', () => {
    const ds = modularAddition({ prime: 11, trainFraction: 0.3, key: key(4) });
    expect(ds.x.rows + ds.xTest!.rows).toBe(121);
    expect(ds.x.rows).toBe(36);
    const again = modularAddition({ prime: 11, trainFraction: 0.3, key: key(4) });
    expect(Array.from(again.x.data)).toEqual(Array.from(ds.x.data));
  });
  it('rejects a composite modulus unless opted out', () => {
    expect(() => modularAddition({ prime: 9 })).toThrow(/prime/);
    expect(modularAddition({ prime: 9, allowComposite: true }).x.rows).toBe(81);
  });
});

describe('other teachers', () => {
  it('attention task follows its definition and has E[y²] = 6', () => {
    const d = 4,
      L = 3;
    const t = attentionTeacher({ dim: d, context: L, key: key(1) });
    const ds = makeDataset(t, { key: key(2), samples: 100_000 });
    const w = ds.meta.teacherDirection!;
    let manual = 0;
    for (let l = 0; l < L; l++) {
      const z = w.reduce((s, wj, j) => s + wj * ds.x.data[l * d + j]!, 0);
      manual += z ** 3 - 3 * z;
    }
    expect(ds.y.data[0]).toBeCloseTo(manual / Math.sqrt(L), 12);
    const sq = meanSe(col(ds.y).map((v) => v * v));
    expect(Math.abs(sq.mean - 6)).toBeLessThan(5 * sq.se);
  });
  it('two-layer teacher: E[y²] = σ_a² E[erf(u)²], u ~ N(0, σ_w²) over the teacher draw (closed form (2/π)·asin(2σ_w²/(1+2σ_w²)))', () => {
    // Average over many teacher draws at one input: E_teacher[y(x)²] with |x|² = d exactly (sphere input).
    const x = sampleInputs(key(3), 'sphere', 1, 10);
    const vals: number[] = [];
    for (let s = 0; s < 4000; s++)
      vals.push(
        twoLayerTeacher({ dim: 10, width: 5, activation: 'erf', key: key(100 + s), sigmaW2: 1.5, sigmaA2: 2 }).evaluate(x)
          .data[0]! ** 2,
      );
    const r = meanSe(vals);
    const exact = 2 * (2 / Math.PI) * Math.asin((2 * 1.5) / (1 + 2 * 1.5));
    expect(Math.abs(r.mean - exact)).toBeLessThan(5 * r.se);
  });
  it('GP-sample teacher: the sample covariance over keys matches the kernel', () => {
    const pts = fromRows([
      [1, 0],
      [0.6, 0.8],
      [0, 1],
    ]);
    const kernel = (a: Mat, b: Mat) => {
      const out = new Float64Array(a.rows * b.rows);
      for (let i = 0; i < a.rows; i++)
        for (let j = 0; j < b.rows; j++)
          out[i * b.rows + j] = Math.exp(a.data[i * 2]! * b.data[j * 2]! + a.data[i * 2 + 1]! * b.data[j * 2 + 1]! - 1);
      return { rows: a.rows, cols: b.rows, data: out };
    };
    const K = kernel(pts, pts);
    const draws = Array.from({ length: 20_000 }, (_, s) => gpSampleTargets({ kernel, points: pts, key: key(s) }));
    for (const [i, j] of [
      [0, 0],
      [0, 1],
      [0, 2],
      [2, 2],
    ] as const) {
      const r = meanSe(draws.map((y) => y[i]! * y[j]!));
      expect(Math.abs(r.mean - K.data[i * 3 + j]!)).toBeLessThan(5 * r.se);
    }
  });
});

describe('key rule: a random draw needs a key, in the types and at run time', () => {
  it('direction-drawing teachers take either a key or an explicit direction', () => {
    // @ts-expect-error neither a key nor a direction
    expect(() => linearTeacher({ dim: 3 })).toThrow(/pass a random key/);
    // @ts-expect-error neither a key nor a direction
    expect(() => cubicTeacher({ dim: 3, epsilon: 0.1 })).toThrow(/hermiteTeacher: pass a random key/);
    // @ts-expect-error neither a key nor directions
    expect(() => multiIndexTeacher({ dim: 3, terms: [{ coefficient: 1, degrees: [1, 1] }] })).toThrow(/pass a random key/);
    // @ts-expect-error neither a key nor a pattern
    expect(() => isingTeacher({ dim: 3 })).toThrow(/pass a random key/);
    // @ts-expect-error the key comes first (the pre-redesign order)
    expect(() => sampleInputs('gaussian', key(1), 2, 2)).toThrow(/key first/);
    // @ts-expect-error a split of the table needs a key
    expect(() => modularAddition({ prime: 5, trainFraction: 0.5 })).toThrow(/key is needed/);
    const w = [3, 0, 4];
    const t = linearTeacher({ dim: 3, direction: w });
    expect(Array.from(t.evaluate(fromRows([[1, 1, 1]])).data)[0]).toBeCloseTo(7 / 5, 15);
    expect(attentionTeacher({ dim: 3, context: 2, direction: w }).meta.teacherDirection).toEqual([0.6, 0, 0.8]);
  });
});
