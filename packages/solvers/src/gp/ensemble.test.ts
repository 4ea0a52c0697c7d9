// ntkEnsemblePredictor: closed-form limits, a matrix-exponential series, and an independent numpy/scipy fixture
// (test/fixtures/gp/gen_ensemble.py, scipy.linalg.expm).
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Mat, fromRows, referenceBackend as B } from '@sftdl/compute';
import { dense, fcKernel, reluLayer, serial } from '@sftdl/kernels';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ntkEnsemblePredictor } from './ensemble';
import { ntkPredictor } from './ntk';
import { gpPredictor } from './predictor';

const E = JSON.parse(readFileSync(new URL('../../test/fixtures/gp/ensemble.json', import.meta.url), 'utf8'));
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const kernel = (a: Mat, b?: Mat) => fcKernel(a, b, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1 });
const x = fromRows(E.x),
  xt = fromRows(E.xTest);
const sub = (a: Mat, b: Mat): Mat => ({ rows: a.rows, cols: a.cols, data: a.data.map((v, i) => v - b.data[i]!) });
const add = (a: Mat, b: Mat): Mat => ({ rows: a.rows, cols: a.cols, data: a.data.map((v, i) => v + b.data[i]!) });

/** Σ = K** + A K Aᵀ − A K_X* − K*X Aᵀ, written out with plain matmuls. */
function covariance(A: Mat, K: Mat, Kc: Mat, Kss: Mat): Mat {
  const AKAt = B.matmul(B.matmul(A, K), A, { transB: true });
  const AKc = B.matmul(A, Kc, { transB: true });
  return sub(sub(add(Kss, AKAt), AKc), B.transpose(AKc));
}

describe('ntkEnsemblePredictor vs numpy/scipy (expm) — ReLU depth 2, two outputs, diag_reg 1e-3, η = 0.7', () => {
  const ens = ntkEnsemblePredictor({ kernel, x, y: E.y, diagReg: E.diagReg, learningRate: E.learningRate });
  for (const c of E.ensemble as {
    get: 'nngp' | 'ntk';
    time: number | 'Infinity';
    mean: number[][];
    cov: number[][];
    trainMean: number[][];
  }[]) {
    it(`${c.get}, t = ${c.time}: mean [m, 2], covariance and train mean to 1e-9`, () => {
      const time = c.time === 'Infinity' ? Infinity : c.time;
      const p = ens.predict(xt, { get: c.get, time, cov: true, std: true });
      expect([p.mean.rows, p.mean.cols]).toEqual([4, 2]);
      expect(maxAbs(p.mean.data, c.mean.flat())).toBeLessThan(1e-9);
      expect(maxAbs(p.cov.data, c.cov.flat())).toBeLessThan(1e-9);
      expect(
        maxAbs(
          p.std,
          c.cov.map((r, i) => Math.sqrt(r[i]!)),
        ),
      ).toBeLessThan(1e-9);
      expect(maxAbs(ens.trainMean({ get: c.get, time }).data, c.trainMean.flat())).toBeLessThan(1e-9);
    });
  }
});

describe('ntkEnsemblePredictor: closed-form limits', () => {
  const y = (E.y as number[][]).map((r) => r[0]!);
  const train = kernel(x),
    cross = kernel(xt, x),
    test = kernel(xt);

  it('t = 0 is the prior: mean 0, covariance K(X*, X*), for both kernels', () => {
    const ens = ntkEnsemblePredictor({ kernel, x, y });
    for (const get of ['nngp', 'ntk'] as const) {
      const p = ens.predict(xt, { get, time: 0, cov: true });
      expect(maxAbs(p.mean.data, new Float64Array(4))).toBe(0);
      expect(maxAbs(p.cov.data, test.nngp.data)).toBe(0);
    }
  });

  it('NNGP at t = ∞ is the GP posterior (noise = the absolute diagonal regulariser)', () => {
    for (const s2 of [0, 0.05]) {
      const ens = ntkEnsemblePredictor({ kernel, x, y: E.y, diagReg: s2, diagRegAbsolute: true });
      const gp = gpPredictor({ kernel: (a, b) => kernel(a, b).nngp, x, y: E.y, sigma2: s2 });
      const p = ens.predict(xt, { get: 'nngp', cov: true });
      const q = gp.predict(xt, { cov: true });
      expect(maxAbs(p.mean.data, q.mean.data)).toBeLessThan(1e-9);
      expect(maxAbs(p.cov.data, q.cov.data)).toBeLessThan(1e-9);
    }
  });

  it('NTK at t = ∞: mean Θ*X Θ⁻¹ y and covariance K** + Θ*Θ⁻¹KΘ⁻¹Θ_* − (Θ*Θ⁻¹K_X* + h.c.) by Cholesky solves', () => {
    const ens = ntkEnsemblePredictor({ kernel, x, y });
    const p = ens.predict(xt, { cov: true });
    const L = B.cholesky(train.ntk);
    const A = B.transpose(B.choleskySolve(L, B.transpose(cross.ntk))); // Θ*X Θ⁻¹
    expect(maxAbs(p.mean.data, B.matmul(A, fromRows(y.map((v) => [v]))).data)).toBeLessThan(1e-9);
    expect(maxAbs(p.cov.data, covariance(A, train.nngp, cross.nngp, test.nngp).data)).toBeLessThan(1e-9);
  });

  it('small t: the matrix-exponential power series Θ⁻¹(I − e^{−ηΘt}) = Σ (−1)^{k+1} (ηt)^k Θ^{k−1}/k! agrees with the eigenbasis', () => {
    const eta = 0.7,
      t = 0.05;
    const ens = ntkEnsemblePredictor({ kernel, x, y: E.y, learningRate: eta });
    for (const get of ['ntk', 'nngp'] as const) {
      const Th = train[get];
      const n = Th.rows;
      let term: Mat = {
        rows: n,
        cols: n,
        data: Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? eta * t : 0)),
      };
      let S = term;
      for (let k = 2; k <= 40; k++) {
        term = B.matmul(term, Th, { alpha: (-eta * t) / k });
        S = add(S, term);
      }
      const A = B.matmul(cross[get], S);
      const p = ens.predict(xt, { get, time: t, cov: true });
      expect(maxAbs(p.mean.data, B.matmul(A, fromRows(E.y)).data)).toBeLessThan(1e-12);
      expect(maxAbs(p.cov.data, covariance(A, train.nngp, cross.nngp, test.nngp).data)).toBeLessThan(1e-12);
    }
  });

  it('RK4 integration of function-space gradient flow on train + test jointly, moments propagated from the prior', () => {
    // z = [f(X); f(X*)], dz/dt = −η [Θ_XX; Θ_*X] (z_X − y); mean μ and covariance Σ follow linear ODEs from μ = 0,
    // Σ = K([X; X*]) — no eigendecomposition, no matrix exponential and no closed-form covariance involved.
    const eta = 0.7,
      tEnd = 3,
      steps = 3000,
      n = x.rows,
      m = xt.rows,
      N = n + m;
    const all = fromRows([...(E.x as number[][]), ...(E.xTest as number[][])]);
    const full = kernel(all);
    for (const get of ['ntk', 'nngp'] as const) {
      const G = (i: number, j: number): number => full[get].data[i * N + j]!; // rows: all points, columns: train
      const Y = fromRows(E.y);
      const k = Y.cols;
      const dMean = (mu: Float64Array): Float64Array => {
        const out = new Float64Array(N * k);
        for (let i = 0; i < N; i++)
          for (let c = 0; c < k; c++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += G(i, j) * (mu[j * k + c]! - Y.data[j * k + c]!);
            out[i * k + c] = -eta * s;
          }
        return out;
      };
      const dCov = (S: Float64Array): Float64Array => {
        const GS = new Float64Array(N * N); // G P Σ
        for (let i = 0; i < N; i++)
          for (let l = 0; l < N; l++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += G(i, j) * S[j * N + l]!;
            GS[i * N + l] = s;
          }
        const out = new Float64Array(N * N);
        for (let i = 0; i < N; i++) for (let l = 0; l < N; l++) out[i * N + l] = -eta * (GS[i * N + l]! + GS[l * N + i]!);
        return out;
      };
      const rk4 = (z: Float64Array, f: (v: Float64Array) => Float64Array, h: number): Float64Array => {
        const axpy = (a: Float64Array, b: Float64Array, s: number) => a.map((v, i) => v + s * b[i]!);
        const k1 = f(z),
          k2 = f(axpy(z, k1, h / 2)),
          k3 = f(axpy(z, k2, h / 2)),
          k4 = f(axpy(z, k3, h));
        return z.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
      };
      let mu: Float64Array = new Float64Array(N * k);
      let S: Float64Array = Float64Array.from(full.nngp.data);
      for (let s = 0; s < steps; s++) {
        mu = rk4(mu, dMean, tEnd / steps);
        S = rk4(S, dCov, tEnd / steps);
      }
      const p = ntkEnsemblePredictor({ kernel, x, y: E.y, learningRate: eta }).predict(xt, { get, time: tEnd, cov: true });
      expect(maxAbs(p.mean.data, mu.subarray(n * k))).toBeLessThan(1e-9);
      const testCov = Float64Array.from({ length: m * m }, (_, q) => S[(n + Math.floor(q / m)) * N + n + (q % m)]!);
      expect(maxAbs(p.cov.data, testCov)).toBeLessThan(1e-9);
    }
  });

  it('only η·t matters; outputs are independent columns; it matches ntkPredictor on the same matrices', () => {
    const a = ntkEnsemblePredictor({ kernel, x, y: E.y, learningRate: 2 }).predict(xt, { time: 1.5, std: true });
    const b = ntkEnsemblePredictor({ kernel, x, y: E.y, learningRate: 1 }).predict(xt, { time: 3, std: true });
    expect(maxAbs(a.mean.data, b.mean.data)).toBeLessThan(1e-13);
    expect(maxAbs(a.std, b.std)).toBeLessThan(1e-13);
    const one = ntkEnsemblePredictor({ kernel, x, y }).predict(xt, { time: 3 });
    for (let i = 0; i < 4; i++) expect(one.mean.data[i]).toBeCloseTo(b.mean.data[2 * i]!, 13);
    const r = ntkPredictor({
      ntk: train.ntk,
      y: fromRows(E.y),
      ntkCross: cross.ntk,
      time: 3,
      nngp: train.nngp,
      nngpCross: cross.nngp,
      nngpTestDiag: Array.from({ length: 4 }, (_, i) => test.nngp.data[5 * i]!),
    });
    expectTypeOf(r.testMean).toEqualTypeOf<Mat>();
    expectTypeOf(r.testVariance).toEqualTypeOf<Float64Array>();
    expect(maxAbs(r.testMean.data, b.mean.data)).toBeLessThan(1e-12);
    expect(maxAbs(r.testVariance.map(Math.sqrt), b.std)).toBeLessThan(1e-12);
  });

  it('a singular kernel at t = ∞ says to use a finite time or diagReg; finite t still works', () => {
    const dup = fromRows([...(E.x as number[][]), (E.x as number[][])[0]!]);
    const ens = ntkEnsemblePredictor({ kernel, x: dup, y: [...y, y[0]!] });
    expect(() => ens.predict(xt)).toThrow(InvalidArgumentError);
    expect(() => ens.predict(xt)).toThrow(/finite time, a diagonal regulariser/);
    expect(ens.predict(xt, { time: 10 }).mean.data.every(Number.isFinite)).toBe(true);
    expect(() => ntkEnsemblePredictor({ kernel: (a, b) => ({ nngp: kernel(a, b).nngp }) as never, x, y }).predict(xt)).toThrow(
      /must return both \{ nngp, ntk \}/,
    );
    expect(() => ens.predict(xt, { get: 'nope' as 'ntk' })).toThrow(/get must be 'nngp' or 'ntk'/);
  });

  it('takes a stax network kernel function directly, typed', () => {
    const net = serial(dense({ sigmaW2: 2, biasVar: 0.1, width: 512 }), reluLayer(), dense({ sigmaW2: 2, biasVar: 0.1 }));
    const ens = ntkEnsemblePredictor({ kernel: net.kernel, x, y, diagReg: 1e-4 });
    const p = ens.predict(xt, { get: 'ntk', time: 100, cov: true });
    expectTypeOf(p.cov).toEqualTypeOf<Mat>();
    expectTypeOf(p.std).toEqualTypeOf<Float64Array | undefined>();
    expect(p.cov.rows).toBe(4);
  });
});
