import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Mat, ShapeError, fromRows, referenceBackend, toRows } from '@sftdl/compute';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getActivation } from './dual-registry';
import { fcKernel } from './fc';
import { dense, erfLayer, reluLayer, serial, tanhLayer } from './stax';

interface GoldenCase {
  activation: string;
  depth: number;
  weightVar: number;
  biasVar: number;
  parameterization: 'ntk' | 'standard';
  width: number;
  nngp: number[][];
  ntk: number[][];
  nngpTest: number[][];
  ntkTest: number[][];
}
const golden = JSON.parse(readFileSync(new URL('../test/fixtures/golden-fc.json', import.meta.url), 'utf8')) as {
  x: number[][];
  xTest: number[][];
  cases: GoldenCase[];
};

function maxRelErr(a: Mat, b: number[][]): number {
  let worst = 0;
  const rows = toRows(a);
  rows.forEach((r, i) =>
    r.forEach((v, j) => {
      const ref = b[i]![j]!;
      worst = Math.max(worst, Math.abs(v - ref) / Math.max(Math.abs(ref), 1e-300));
    }),
  );
  return worst;
}

describe('fcKernel against the independent numpy oracle (test/fixtures/generate_golden.py)', () => {
  const x = fromRows(golden.x),
    xt = fromRows(golden.xTest);
  for (const act of ['relu', 'erf', 'linear', 'tanh']) {
    it(`${act}: depths 1–4, both parameterisations, train and test blocks within 1e-11 relative`, () => {
      const cases = golden.cases.filter((c) => c.activation === act);
      expect(cases.length).toBe(20);
      for (const c of cases) {
        const o = {
          activation: c.activation,
          depth: c.depth,
          sigmaW2: c.weightVar,
          biasVar: c.biasVar,
          parameterization: c.parameterization,
          width: c.width,
        };
        const r = fcKernel(x, undefined, o);
        const t = fcKernel(xt, x, o);
        expect(maxRelErr(r.nngp!, c.nngp)).toBeLessThan(1e-11);
        expect(maxRelErr(r.ntk!, c.ntk)).toBeLessThan(1e-11);
        expect(maxRelErr(t.nngp!, c.nngpTest)).toBeLessThan(1e-11);
        expect(maxRelErr(t.ntk!, c.ntkTest)).toBeLessThan(1e-11);
      }
    });
  }
});

describe('exact identities', () => {
  const x = fromRows([
    [1, 0.5, -0.3],
    [0.2, -1, 0.7],
    [0.9, 0.1, 0.4],
    [-0.4, 0.3, 0.2],
  ]);
  it('deep linear network without bias: K^L = σ_w^{2(L+1)} x·x′/d and Θ^L = (L+1)·K^L', () => {
    for (const depth of [1, 2, 5]) {
      const r = fcKernel(x, undefined, { activation: 'linear', depth, sigmaW2: 1.3, biasVar: 0 });
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) {
          let dot = 0;
          for (let c = 0; c < 3; c++) dot += x.data[i * 3 + c]! * x.data[j * 3 + c]!;
          const k = (1.3 ** (depth + 1) * dot) / 3;
          expect(r.nngp!.data[i * 4 + j]).toBeCloseTo(k, 13);
          expect(r.ntk!.data[i * 4 + j]).toBeCloseTo((depth + 1) * k, 12);
        }
    }
  });

  it('ReLU with σ_w² = 2, σ_b² = 0 preserves the diagonal 2‖x‖²/d', () => {
    const r = fcKernel(x, undefined, { activation: 'relu', depth: 6, sigmaW2: 2, biasVar: 0 });
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += x.data[i * 3 + c]! ** 2;
      expect(r.nngp!.data[i * 5]).toBeCloseTo((2 * s) / 3, 13);
    }
  });

  it('no NaN or Inf up to depth 50 for erf and ReLU', () => {
    for (const activation of ['erf', 'relu']) {
      for (const parameterization of ['ntk', 'standard'] as const) {
        const r = fcKernel(x, undefined, { activation, depth: 50, sigmaW2: 2, biasVar: 0.05, parameterization, width: 100 });
        for (const v of [...r.nngp!.data, ...r.ntk!.data]) expect(Number.isFinite(v)).toBe(true);
      }
    }
  });

  it('serial(dense, erf, dense) equals fcKernel depth 1; tiles, cross blocks and backends agree', () => {
    const net = serial(dense({ sigmaW2: 1.7, biasVar: 0.2 }), erfLayer(), dense({ sigmaW2: 1.7, biasVar: 0.2 }));
    const a = net.kernel(x);
    const b = fcKernel(x, undefined, { activation: 'erf', depth: 1, sigmaW2: 1.7, biasVar: 0.2 });
    expect(a.nngp!.data).toEqual(b.nngp!.data);
    const tiled = fcKernel(x, undefined, { activation: 'erf', depth: 1, sigmaW2: 1.7, biasVar: 0.2, tileRows: 1 });
    expect(tiled.ntk!.data).toEqual(b.ntk!.data);
    const cross = net.kernel(x, x, { backend: referenceBackend });
    for (let i = 0; i < 16; i++) expect(cross.ntk!.data[i]).toBeCloseTo(b.ntk!.data[i]!, 14);
    expect('ntk' in net.kernel(x, undefined, { get: ['nngp'] })).toBe(false);
  });
});

describe('Mehler activations on many distinct variances (interpolated coefficient tables)', () => {
  it('tanh Gram with 80 distinct norms equals the entry-by-entry scalar recursion to 1e-12', () => {
    const rows: number[][] = [];
    for (let i = 0; i < 80; i++)
      rows.push([Math.cos(i), Math.sin(1.7 * i), 0.3 + (i % 13) / 6, Math.cos(0.3 * i) * (1 + i / 40)]);
    const x = fromRows(rows);
    const o = { activation: 'tanh', depth: 2, sigmaW2: 1.8, biasVar: 0.2 };
    const r = fcKernel(x, undefined, o);
    const act = getActivation('tanh');
    const n = 80,
      d = 4;
    const g = (i: number, j: number) => rows[i]!.reduce((s, v, c) => s + v * rows[j]![c]!, 0) / d;
    let worst = 0;
    for (const [i, j] of [
      [0, 1],
      [5, 70],
      [33, 34],
      [79, 2],
      [12, 12],
      [40, 41],
    ] as const) {
      let kij = 1.8 * g(i, j) + 0.2,
        kii = 1.8 * g(i, i) + 0.2,
        kjj = 1.8 * g(j, j) + 0.2,
        t = kij;
      for (let l = 0; l < 2; l++) {
        const f = act.dual(kii, kij, kjj);
        const nk = 1.8 * f.f + 0.2;
        t = nk + 1.8 * t * f.fdot;
        kij = nk;
        kii = 1.8 * act.dual(kii, kii, kii).f + 0.2;
        kjj = 1.8 * act.dual(kjj, kjj, kjj).f + 0.2;
      }
      worst = Math.max(worst, Math.abs(r.nngp!.data[i * n + j]! - kij) / kij, Math.abs(r.ntk!.data[i * n + j]! - t) / t);
    }
    expect(worst).toBeLessThan(1e-12);
  });
});

describe('bad input', () => {
  const x = fromRows([
    [1, 2],
    [3, 4],
  ]);
  it('negative variances, depth < 1 and mismatched dimensions throw typed errors', () => {
    expect(() => fcKernel(x, undefined, { activation: 'relu', depth: 1, sigmaW2: -1, biasVar: 0 })).toThrow(InvalidArgumentError);
    expect(() => fcKernel(x, undefined, { activation: 'relu', depth: 1, sigmaW2: 1, biasVar: -0.1 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => fcKernel(x, undefined, { activation: 'relu', depth: 0, sigmaW2: 1, biasVar: 0 })).toThrow(/depth/);
    expect(() => fcKernel(x, fromRows([[1, 2, 3]]), { activation: 'relu', depth: 1, sigmaW2: 1, biasVar: 0 })).toThrow(
      ShapeError,
    );
    expect(() =>
      fcKernel(fromRows([[1, Number.NaN]]), undefined, { activation: 'relu', depth: 1, sigmaW2: 1, biasVar: 0 }),
    ).toThrow(InvalidArgumentError);
    expect(() => fcKernel(x, undefined, { activation: 'nope', depth: 1, sigmaW2: 1, biasVar: 0 })).toThrow(/known: .*relu/);
  });

  it('a kernel that overflows throws, naming the layer', () => {
    const big = fromRows([
      [30, 20],
      [10, 40],
    ]);
    expect(() => fcKernel(big, undefined, { activation: 'cube', depth: 8, sigmaW2: 4, biasVar: 0 })).toThrow(
      /non-finite.*layer \d/,
    );
  });
});

describe('property tests (fast-check): symmetry and positive semi-definiteness', () => {
  const row = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 });
  it('NNGP and NTK Gram matrices are symmetric and PSD', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 2, maxLength: 6 }),
        fc.constantFrom('relu', 'erf', 'tanh', 'abs', 'step', 'sin', 'gelu'),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom('ntk' as const, 'standard' as const),
        (rows, activation, depth, weightVar, biasVar, parameterization) => {
          const x = fromRows(rows);
          const r = fcKernel(x, undefined, { activation, depth, weightVar, biasVar, parameterization, width: 3 });
          for (const m of [r.nngp!, r.ntk!]) {
            const n = m.rows;
            let tr = 0;
            for (let i = 0; i < n; i++) {
              tr += m.data[i * n + i]!;
              for (let j = 0; j < n; j++) expect(m.data[i * n + j]).toBe(m.data[j * n + i]);
            }
            const ev = referenceBackend.eigh(m).values;
            expect(ev[0]!).toBeGreaterThanOrEqual(-1e-10 * Math.max(tr, 1e-300));
          }
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('mixed reluLayer() → tanhLayer() networks follow the layer maps step by step', () => {
    const x = fromRows([
      [0.3, -1, 2],
      [1, 1, 0],
    ]);
    const net = serial(
      dense({ sigmaW2: 2, biasVar: 0.1 }),
      reluLayer(),
      dense({ sigmaW2: 1.5, biasVar: 0.2 }),
      tanhLayer(),
      dense({ sigmaW2: 1.2, biasVar: 0.3 }),
    );
    const r = net.kernel(x);
    const R = getActivation('relu'),
      T = getActivation('tanh');
    const g = [
      [(0.09 + 1 + 4) / 3, (0.3 - 1) / 3],
      [(0.3 - 1) / 3, 2 / 3],
    ];
    let k = g.map((row) => row.map((v) => 2 * v + 0.1));
    let t = k.map((row) => [...row]);
    const step = (act: typeof R, w: number, b: number) => {
      const nk = k.map((row, i) => row.map((v, j) => w * act.dual(k[i]![i]!, v, k[j]![j]!).f + b));
      t = t.map((row, i) => row.map((v, j) => nk[i]![j]! + w * v * act.dual(k[i]![i]!, k[i]![j]!, k[j]![j]!).fdot));
      k = nk;
    };
    step(R, 1.5, 0.2);
    step(T, 1.2, 0.3);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        expect(r.nngp!.data[i * 2 + j]).toBeCloseTo(k[i]![j]!, 11);
        expect(r.ntk!.data[i * 2 + j]).toBeCloseTo(t[i]![j]!, 11);
      }
  });
});
