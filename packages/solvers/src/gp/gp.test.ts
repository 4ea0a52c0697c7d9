import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Mat, NotPositiveDefiniteError, fromRows, referenceBackend } from '@sftdl/compute';
import { key, normal } from '@sftdl/field';
import { fcKernel } from '@sftdl/kernels';
import { fitNngpHyperparameters, lbfgsMinimize } from './fit';
import { ntkPredictor } from './ntk';
import { choleskyWithJitter, gpRegression } from './regression';

const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/gp/gp_regression.json', import.meta.url), 'utf8'));
const R = fx.regression;
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('gpRegression vs scipy (test/fixtures/gp/gen_gp.py)', () => {
  it('posterior mean, covariance and log marginal likelihood', () => {
    const r = gpRegression({
      kernel: fromRows(R.kernel),
      y: R.y,
      sigma2: R.sigma2,
      crossKernel: fromRows(R.crossKernel),
      testKernel: fromRows(R.testKernel),
      conditionNumber: 'exact',
    });
    expect(maxAbs(r.testMean!, R.mean)).toBeLessThan(1e-10);
    expect(maxAbs(r.testCovariance!.data, (R.covariance as number[][]).flat())).toBeLessThan(1e-10);
    expect(r.logMarginalLikelihood).toBeCloseTo(R.logMarginalLikelihood, 10);
    expect(r.jitter).toBe(0);
    // diag-only path agrees with the full covariance
    const d = gpRegression({
      kernel: fromRows(R.kernel),
      y: R.y,
      sigma2: R.sigma2,
      crossKernel: fromRows(R.crossKernel),
      testKernelDiag: (R.testKernel as number[][]).map((row, i) => row[i]!),
    });
    expect(maxAbs(d.testVariance!, r.testVariance!)).toBeLessThan(1e-12);
    expect(Math.abs(d.conditionNumber - r.conditionNumber) / r.conditionNumber).toBeLessThan(1e-10);
  });

  it('the kernels package NNGP reproduces the fixture kernel', () => {
    const { nngp } = fcKernel(fromRows(R.x), undefined, {
      activation: 'relu',
      depth: 2,
      sigmaW2: R.weightVar,
      biasVar: R.biasVar,
      get: ['nngp'],
    });
    expect(maxAbs(nngp!.data, (R.kernel as number[][]).flat())).toBeLessThan(1e-12);
  });

  it('NNGP hyper-parameter fit reaches the scipy L-BFGS-B optimum from the same starts (two local maxima)', () => {
    for (const st of fx.fit.starts as {
      init: number[];
      weightVar: number;
      biasVar: number;
      sigma2: number;
      logMarginalLikelihood: number;
    }[]) {
      const fit = fitNngpHyperparameters({
        x: fromRows(R.x),
        y: R.y,
        activation: 'relu',
        depth: 2,
        sigmaW2: st.init[0]!,
        biasVar: st.init[1]!,
        sigma2: st.init[2]!,
        restarts: 0,
        key: key(0),
      });
      expect(fit.logMarginalLikelihood).toBeCloseTo(st.logMarginalLikelihood, 6);
      expect(Math.abs(fit.params.sigmaW2! / st.weightVar - 1)).toBeLessThan(2e-3);
      expect(fit.params.weightVar).toBe(fit.params.sigmaW2); // the deprecated name
      expect(Math.abs(fit.sigma2 / st.sigma2 - 1)).toBeLessThan(2e-3);
      if (st.biasVar > 1e-3) expect(Math.abs(fit.params.biasVar! / st.biasVar - 1)).toBeLessThan(2e-3);
      else expect(fit.params.biasVar!).toBeLessThan(1e-3);
    }
  });
});

describe('numerical safeguards', () => {
  it('escalates the jitter on a singular kernel and reports it', () => {
    const x = fromRows([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const K = referenceBackend.gram(x);
    const r = gpRegression({ kernel: K, y: [1, 1, 0], sigma2: 0 });
    expect(r.jitter).toBeGreaterThan(0);
    expect(r.jitter).toBeLessThan(1e-6);
    expect(Number.isFinite(r.logMarginalLikelihood)).toBe(true);
    expect(() =>
      gpRegression({
        kernel: fromRows([
          [1, 2],
          [2, 1],
        ]),
        y: [1, 0],
        sigma2: 0,
      }),
    ).toThrow(NotPositiveDefiniteError);
  });

  it('condition-number estimate (power/inverse iteration) at n > 400 is within a few % of the exact value', () => {
    const x = referenceBackend.map({ rows: 450, cols: 4, data: normal(key(9), 1800) }, 'identity');
    const { nngp } = fcKernel(x, undefined, { activation: 'relu', depth: 1, sigmaW2: 2, biasVar: 0.1, get: ['nngp'] });
    const est = gpRegression({ kernel: nngp!, y: new Float64Array(450).fill(1), sigma2: 0.01 });
    const ex = gpRegression({ kernel: nngp!, y: new Float64Array(450).fill(1), sigma2: 0.01, conditionNumber: 'exact' });
    expect(Math.abs(est.conditionNumber / ex.conditionNumber - 1)).toBeLessThan(0.05);
  });

  it('L-BFGS minimises the Rosenbrock function', () => {
    const r = lbfgsMinimize(
      (x) => ({
        value: (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2,
        grad: Float64Array.from([-2 * (1 - x[0]!) - 400 * x[0]! * (x[1]! - x[0]! ** 2), 200 * (x[1]! - x[0]! ** 2)]),
      }),
      [-1.2, 1],
      { gtol: 1e-9, maxIterations: 500, ftol: 0 },
    );
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
  });
});

describe('ntkPredictor', () => {
  const x = fromRows(Array.from({ length: 6 }, (_, i) => [Math.cos(i), Math.sin(1.3 * i), 0.5]));
  const xs = fromRows([
    [0.3, -0.2, 0.5],
    [1, 1, 0.5],
  ]);
  const opts = { activation: 'erf', depth: 2, sigmaW2: 1.5, biasVar: 0.1, get: ['nngp', 'ntk'] as const };
  const tr = fcKernel(x, undefined, opts),
    cr = fcKernel(xs, x, opts),
    ts = fcKernel(xs, undefined, opts);
  const y = Float64Array.from(normal(key(4), 6));

  it('t = ∞ equals Θ(x, X)Θ⁻¹y and interpolates the training data', () => {
    const r = ntkPredictor({ ntk: tr.ntk!, y, ntkCross: cr.ntk! });
    expect(maxAbs(r.trainMean, y)).toBeLessThan(1e-9);
    const L = referenceBackend.cholesky(tr.ntk!);
    const direct = referenceBackend.matmul(cr.ntk!, referenceBackend.choleskySolve(L, { rows: 6, cols: 1, data: y }));
    expect(maxAbs(r.testMean!, direct.data)).toBeLessThan(1e-9);
  });

  it('finite t matches explicit integration of df/dt = −ηΘ(f − y)', () => {
    const eta = 0.5,
      T = 3,
      steps = 20000,
      h = T / steps;
    const f = new Float64Array(6);
    const ftest = new Float64Array(2);
    const K = tr.ntk!.data,
      Kc = cr.ntk!.data;
    for (let s = 0; s < steps; s++) {
      // RK2 (midpoint) on train; the test outputs follow d f*/dt = −ηΘ*X (f − y)
      const k1 = f.map((_, i) => {
        let v = 0;
        for (let j = 0; j < 6; j++) v += K[i * 6 + j]! * (f[j]! - y[j]!);
        return -eta * v;
      });
      const mid = f.map((v, i) => v + 0.5 * h * k1[i]!);
      const k2 = f.map((_, i) => {
        let v = 0;
        for (let j = 0; j < 6; j++) v += K[i * 6 + j]! * (mid[j]! - y[j]!);
        return -eta * v;
      });
      for (let i = 0; i < 2; i++) {
        let v = 0;
        for (let j = 0; j < 6; j++) v += Kc[i * 6 + j]! * (mid[j]! - y[j]!);
        ftest[i]! += -eta * h * v;
      }
      for (let i = 0; i < 6; i++) f[i]! += h * k2[i]!;
    }
    const r = ntkPredictor({ ntk: tr.ntk!, y, ntkCross: cr.ntk!, time: T, learningRate: eta });
    expect(maxAbs(r.trainMean, f)).toBeLessThan(1e-6);
    expect(maxAbs(r.testMean!, ftest)).toBeLessThan(1e-6);
  });

  it('with Θ = K the t = ∞ covariance is the noiseless GP posterior', () => {
    const K: Mat = tr.nngp!;
    const r = ntkPredictor({ ntk: K, y, ntkCross: cr.nngp!, nngp: K, nngpCross: cr.nngp!, nngpTest: ts.nngp! });
    const gp = gpRegression({ kernel: K, y, sigma2: 0, crossKernel: cr.nngp!, testKernel: ts.nngp! });
    expect(maxAbs(r.testCovariance!.data, gp.testCovariance!.data)).toBeLessThan(1e-8);
  });
});

describe('choleskyWithJitter always terminates', () => {
  const zero = { rows: 3, cols: 3, data: new Float64Array(9) };
  it('zero kernel, σ² = 0: a jitter relative to 1 is found (K + jitter·I = jitter·I is SPD)', () => {
    const r = choleskyWithJitter(zero, 0);
    expect(r.jitter).toBe(1e-10);
    // L = √jitter · I exactly
    for (let i = 0; i < 3; i++) expect(r.factor.data[i * 3 + i]).toBeCloseTo(Math.sqrt(1e-10), 18);
  });
  it('negative-trace kernel: escalates to jitter.max relative to σ², then NotPositiveDefiniteError naming sigma2', () => {
    const neg = { rows: 2, cols: 2, data: Float64Array.of(-1, 0, 0, -1) };
    expect(() => choleskyWithJitter(neg, 0)).toThrow(NotPositiveDefiniteError);
    expect(() => choleskyWithJitter(neg, 0)).toThrow(/mean diagonal -1.000e\+0.*raise sigma2/);
  });
  it('growth factor ≤ 1, non-positive initial or max < initial are InvalidArgumentErrors, not loops', () => {
    const neg = { rows: 2, cols: 2, data: Float64Array.of(-1, 0, 0, -1) };
    for (const policy of [
      { factor: 1 },
      { factor: 0.5 },
      { factor: Number.NaN },
      { initial: 0 },
      { initial: -1 },
      { max: 1e-12 },
    ]) {
      expect(() => choleskyWithJitter(neg, 0, { policy })).toThrow(InvalidArgumentError);
    }
  });
  it('gpRegression with targets ≈ 1e200 throws a typed overflow error instead of a null likelihood', () => {
    const K = { rows: 2, cols: 2, data: Float64Array.of(1, 0.5, 0.5, 1) };
    expect(() => gpRegression({ kernel: K, y: [1e200, -1e200], sigma2: 0.1 })).toThrow(/overflowed.*rescale the targets/);
  });
});
