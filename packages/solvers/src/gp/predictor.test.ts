// gpPredictor: against scipy (test/fixtures/gp/gen_gp.py, gen_ensemble.py), multi-output, save/restore, errors, types.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Mat, NotPositiveDefiniteError, ShapeError, fromRows } from '@sftdl/compute';
import { fcKernel } from '@sftdl/kernels';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { gpRegression } from './regression';
import { type GpPredictor, gpPredictor, gpPredictorFromJSON } from './predictor';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../test/fixtures/gp/${name}`, import.meta.url), 'utf8'));
const R = load('gp_regression.json').regression;
const E = load('ensemble.json');
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const reluKernel =
  (sigmaW2: number, biasVar: number, depth: number) =>
  (a: Mat, b?: Mat): Mat =>
    fcKernel(a, b, { activation: 'relu', depth, sigmaW2, biasVar, get: ['nngp'] }).nngp;

describe('gpPredictor vs scipy', () => {
  it('one output: mean, std, covariance and evidence of the ReLU NNGP posterior (gen_gp.py) to 1e-10', () => {
    const gp = gpPredictor({ kernel: reluKernel(R.weightVar, R.biasVar, R.depth), x: fromRows(R.x), y: R.y, sigma2: R.sigma2 });
    const p = gp.predict(fromRows(R.xTest), { std: true, cov: true });
    expect([p.mean.rows, p.mean.cols]).toEqual([4, 1]);
    expect(maxAbs(p.mean.data, R.mean)).toBeLessThan(1e-10);
    expect(maxAbs(p.cov.data, (R.covariance as number[][]).flat())).toBeLessThan(1e-10);
    const std = (R.covariance as number[][]).map((r, i) => Math.sqrt(r[i]!));
    expect(maxAbs(p.std, std)).toBeLessThan(1e-10);
    expect(gp.logMarginalLikelihood).toBeCloseTo(R.logMarginalLikelihood, 10);
    expect(gp.jitter).toBe(0);
    // std alone (diagonal blocks of the test kernel) agrees with the full covariance path
    expect(maxAbs(gp.predict(fromRows(R.xTest), { std: true }).std, p.std)).toBeLessThan(1e-13);
  });

  it('two outputs [n, 2]: mean per column, shared std, evidence summed over columns (gen_ensemble.py)', () => {
    const gp = gpPredictor({ kernel: reluKernel(E.sigmaW2, E.biasVar, E.depth), x: fromRows(E.x), y: E.y, sigma2: E.sigma2 });
    expect(gp.outputs).toBe(2);
    const p = gp.predict(fromRows(E.xTest), { std: true });
    expect([p.mean.rows, p.mean.cols]).toEqual([4, 2]);
    expect(maxAbs(p.mean.data, (E.gp.mean as number[][]).flat())).toBeLessThan(1e-10);
    expect(maxAbs(p.std, E.gp.std)).toBeLessThan(1e-10);
    expect(gp.logMarginalLikelihood).toBeCloseTo(E.gp.logMarginalLikelihood, 9);
    // a Mat y and an array of rows are the same targets; each column alone gives that column
    const yMat = fromRows(E.y);
    const viaMat = gpPredictor({
      kernel: reluKernel(E.sigmaW2, E.biasVar, E.depth),
      x: fromRows(E.x),
      y: yMat,
      sigma2: E.sigma2,
    });
    expect(viaMat.predict(fromRows(E.xTest)).mean.data).toEqual(p.mean.data);
    for (let j = 0; j < 2; j++) {
      const col = (E.y as number[][]).map((r) => r[j]!);
      const one = gpPredictor({ kernel: reluKernel(E.sigmaW2, E.biasVar, E.depth), x: fromRows(E.x), y: col, sigma2: E.sigma2 });
      const m = one.predict(fromRows(E.xTest)).mean.data;
      for (let i = 0; i < 4; i++) expect(m[i]).toBeCloseTo(p.mean.data[i * 2 + j]!, 13);
    }
  });

  it('agrees with gpRegression on the same matrices (both one and several outputs)', () => {
    const kernel = reluKernel(E.sigmaW2, E.biasVar, E.depth);
    const x = fromRows(E.x),
      xt = fromRows(E.xTest);
    const r = gpRegression({
      kernel: kernel(x),
      y: fromRows(E.y),
      sigma2: E.sigma2,
      crossKernel: kernel(xt, x),
      testKernel: kernel(xt),
    });
    expectTypeOf(r.testMean).toEqualTypeOf<Mat>();
    expectTypeOf(r.testVariance).toEqualTypeOf<Float64Array>();
    expect(maxAbs(r.testMean.data, (E.gp.mean as number[][]).flat())).toBeLessThan(1e-10);
    expect(r.logMarginalLikelihood).toBeCloseTo(E.gp.logMarginalLikelihood, 9);
    expect([r.tau.rows, r.tau.cols, r.trainMean.cols]).toEqual([7, 2, 2]);
  });
});

describe('gpPredictor: save and restore', () => {
  it('toJSON → JSON text → fromJSON predicts bit-identically (means, std, cov, evidence)', () => {
    const kernel = reluKernel(E.sigmaW2, E.biasVar, E.depth);
    const gp = gpPredictor({ kernel, x: fromRows(E.x), y: E.y, sigma2: E.sigma2 });
    const text = JSON.stringify(gp);
    const back = gpPredictorFromJSON(text, { kernel });
    const again = gpPredictor.fromJSON(JSON.parse(text), { kernel });
    const xt = fromRows(E.xTest);
    const a = gp.predict(xt, { std: true, cov: true });
    for (const r of [back, again]) {
      const b = r.predict(xt, { std: true, cov: true });
      expect(b.mean.data).toEqual(a.mean.data);
      expect(b.std).toEqual(a.std);
      expect(b.cov.data).toEqual(a.cov.data);
      expect(r.logMarginalLikelihood).toBe(gp.logMarginalLikelihood);
      expect(r.cholesky.data).toEqual(gp.cholesky.data);
      expect(JSON.stringify(r)).toBe(text);
    }
  });

  it('rejects what is not a saved predictor, with what to pass instead', () => {
    const kernel = reluKernel(2, 0.1, 1);
    expect(() => gpPredictorFromJSON('{"format":"other"}', { kernel })).toThrow(/expected format 'sftdl.gp-predictor'/);
    const good = gpPredictor({
      kernel,
      x: fromRows([
        [1, 0],
        [0, 1],
      ]),
      y: [1, 2],
      sigma2: 0.1,
    }).toJSON();
    expect(() => gpPredictorFromJSON({ ...good, alpha: { rows: 3, cols: 1, data: [1, 2, 3] } }, { kernel })).toThrow(ShapeError);
    expect(() => gpPredictorFromJSON({ ...good, sigma2: Number.NaN }, { kernel })).toThrow(/sigma2/);
  });
});

describe('gpPredictor: errors say how to fix the input', () => {
  const x = fromRows([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  it('an indefinite kernel with no noise → NotPositiveDefiniteError suggesting sigma2 / jitter', () => {
    const bad = (a: Mat, b?: Mat): Mat => {
      const k = reluKernel(2, 0.1, 1)(a, b);
      return b === undefined ? { ...k, data: k.data.map((v, i) => (i % (a.rows + 1) === 0 ? -v : v)) } : k;
    };
    let err: unknown;
    try {
      gpPredictor({ kernel: bad, x, y: [1, 2, 3], sigma2: 0 });
    } catch (e) {
      err = e;
    }
    expect(NotPositiveDefiniteError.isInstance(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/sigma2|jitter/);
  });
  it('shape mistakes name the argument', () => {
    const kernel = reluKernel(2, 0.1, 1);
    expect(() => gpPredictor({ kernel, x, y: [1, 2], sigma2: 0.1 })).toThrow(/y has 2 rows .* training inputs have 3/);
    expect(() => gpPredictor({ kernel, x, y: [[1, 2], [3]], sigma2: 0.1 })).toThrow(/y\[1\] has 1 outputs/);
    expect(() => gpPredictor({ kernel, x, y: [1, Number.NaN, 3], sigma2: 0.1 })).toThrow(/y/);
    expect(() => gpPredictor({ kernel: () => fromRows([[1]]), x, y: [1, 2, 3], sigma2: 0.1 })).toThrow(
      /kernel\(x\) returned \[1, 1\]/,
    );
    const gp = gpPredictor({ kernel, x, y: [1, 2, 3], sigma2: 0.1 });
    expect(() => gp.predict(fromRows([[1, 2, 3]]))).toThrow(/3 features .* have 2/);
    expect(() => gpPredictor({ kernel, x, y: [1, 2, 3], sigma2: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('gpPredictor types: no `!` needed under --strict', () => {
  it('predict is typed by its options', () => {
    const gp: GpPredictor = gpPredictor({
      kernel: reluKernel(2, 0.1, 1),
      x: fromRows([
        [1, 0],
        [0, 1],
      ]),
      y: [1, -1],
      sigma2: 0.1,
    });
    const xt = fromRows([[1, 1]]);
    expectTypeOf(gp.predict(xt).mean).toEqualTypeOf<Mat>();
    expectTypeOf(gp.predict(xt, { std: true }).std).toEqualTypeOf<Float64Array>();
    expectTypeOf(gp.predict(xt, { cov: true }).cov).toEqualTypeOf<Mat>();
    expectTypeOf(gp.predict(xt, { std: true, cov: true })).toMatchTypeOf<{ mean: Mat; std: Float64Array; cov: Mat }>();
    expectTypeOf(gp.predict(xt).std).toEqualTypeOf<Float64Array | undefined>();
    const flag: boolean = Math.random() > 2;
    expectTypeOf(gp.predict(xt, { std: flag }).std).toEqualTypeOf<Float64Array | undefined>();
    expect(gp.predict(xt, { std: true }).std.length).toBe(1);
  });
});
