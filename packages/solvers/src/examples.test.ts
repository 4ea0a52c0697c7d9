// The @example blocks of the GP, learning-curve, rescaling and MSA exports, run as tests (kept in sync with the TSDoc by hand).
import { describe, expect, it } from 'vitest';
import { type Mat, fromRows } from '@sftdl/compute';
import { key } from '@sftdl/field';
import { dense, fcKernel, reluLayer, serial } from '@sftdl/kernels';
import {
  gpPredictor,
  gpPredictorFromJSON,
  ntkEnsemblePredictor,
  equivalentKernel,
  fitGpHyperparameters,
  gpRegression,
  kernelRescaling,
  learningCurve,
  linearExactOracle,
  linearMsaOneLoop,
  linearMsaTree,
  msaAnneal,
  msaReport,
  ntkPredictor,
  renormalizedRidge,
  sampledMsa,
  solveAdaptiveKernel,
  deepLinearKernelRescaling,
} from './index';

const x = fromRows([
  [1, 0.2],
  [0.1, 1],
  [-0.7, 0.4],
  [0.3, -0.9],
]);
const y = [0.9, 0.3, -0.5, -0.2];
const xTest = fromRows([[0.5, 0.5]]);

describe('GP, learning-curve, rescaling and MSA documentation examples', () => {
  it('gpRegression', () => {
    const K = fromRows([
      [2, 1],
      [1, 2],
    ]);
    const r = gpRegression({ kernel: K, y: [1, -1], sigma2: 0.1, crossKernel: fromRows([[1, 0]]), testKernelDiag: [2] });
    // t = (K + 0.1 I)⁻¹ y = [1, −1]/(2.1 − 1) ; mean = t₀
    expect(r.testMean![0]).toBeCloseTo(1 / 1.1, 12);
    // variance = 2 − [1, 0](K + 0.1 I)⁻¹[1, 0]ᵀ = 2 − 2.1/(2.1² − 1)
    expect(r.testVariance![0]).toBeCloseTo(2 - 2.1 / (2.1 * 2.1 - 1), 12);
  });

  it('gpPredictor and ntkEnsemblePredictor', () => {
    const kernel = (a: Mat, b?: Mat) =>
      fcKernel(a, b, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1, get: ['nngp'] }).nngp;
    const gp = gpPredictor({ kernel, x, y, sigma2: 0.01 });
    const { mean, std } = gp.predict(xTest, { std: true });
    const restored = gpPredictorFromJSON(JSON.parse(JSON.stringify(gp)), { kernel });
    expect(restored.predict(xTest).mean.data).toEqual(mean.data);
    expect(std[0]).toBeGreaterThan(0);
    const net = serial(dense({ sigmaW2: 2, width: 512 }), reluLayer(), dense({ sigmaW2: 2 }));
    const ens = ntkEnsemblePredictor({ kernel: net.kernel, x, y, diagReg: 1e-4 });
    const p = ens.predict(xTest, { get: 'ntk', time: 100, cov: true });
    expect(p.cov.data[0]).toBeGreaterThan(0);
    // long training fits the training targets (up to the small regulariser)
    expect(ens.trainMean({ time: 1e6 }).data[0]).toBeCloseTo(y[0]!, 3);
  });

  it('MSA solvers, exact oracle, annealing, report', () => {
    const input = { x, y, xTest, width: 30, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 };
    const tree = linearMsaTree({ ...input, chi: 30 });
    expect(tree.weightCovEigenvalues[0]).toBeCloseTo(0.5 * tree.q, 10); // spike (σ_w²/d)·q
    const one = linearMsaOneLoop(input);
    const ex = linearExactOracle(input);
    expect(Math.abs(one.scalar.Q - ex.Q)).toBeLessThan(Math.abs(linearMsaTree(input).Q - ex.Q));
    const path = msaAnneal({ x, y, width: 100, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 }, { chis: [1, 3, 10, 30, 100] });
    expect(path).toHaveLength(5);
    const r = msaReport(input);
    expect(r.exact!.Q).toBeCloseTo(ex.Q, 12);
    expect(r.kernelRescaling.Q).toBeCloseTo(r.oneLoop.Q ?? NaN, 10);
  });

  it('sampled MSA and adaptive kernel', () => {
    const input = { x, y, width: 50, chi: 50, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 };
    const r = sampledMsa(input, { activation: 'erf', samples: 2000, stages: 1, key: key(0) });
    expect(r.residual).toBeLessThan(1e-8);
    const ak = solveAdaptiveKernel(
      { x, y, width: 50, chi: 50, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1, activation: 'linear' },
      { key: key(0), method: 'kernel-saddle' },
    );
    // the fixed point satisfies f̄ = y − κ_n τ with κ_n = σ²/χ
    y.forEach((v, i) => expect(ak.trainMean[i]).toBeCloseTo(v - (0.1 / 50) * ak.tau[i]!, 12));
  });

  it('kernel rescaling and deep linear rescaling', () => {
    const C0 = fromRows([
      [1, 0.2, 0],
      [0.2, 1, 0.1],
      [0, 0.1, 1],
    ]);
    const kr = kernelRescaling({ kernel: C0, y: [1, -0.5, 0.3], noise: 0.1, width: 100 });
    const deep = deepLinearKernelRescaling({ kernel: C0, y: [1, -0.5, 0.3], noise: 0.1, widths: [100] });
    expect(deep.kernelScale).toBeCloseTo(kr.kernelScale, 10);
  });

  it('learning curves', () => {
    const eps = renormalizedRidge({ eigvals: [0.1], multiplicities: [10] }, 20, 0.01);
    // n = 10·0.1/(0.1 + ε) + 0.01/ε
    expect((10 * 0.1) / (0.1 + eps) + 0.01 / eps).toBeCloseTo(20, 10);
    const curve = learningCurve({
      spectrum: { eigvals: [1 / 8], multiplicities: [8] },
      targetPower: [1],
      ns: [4, 8, 16],
      sigma2: 0.1,
    });
    expect(curve[2]!.eg).toBeLessThan(curve[0]!.eg);
    expect(equivalentKernel({ eigvals: [0.5, 0.1] }, [1, 0.3], 100, 0.1).eg).toBeGreaterThan(0);
  });

  it('NTK predictor and hyper-parameter fit', () => {
    const Theta = fromRows([
      [2, 0.5],
      [0.5, 1],
    ]);
    const r = ntkPredictor({ ntk: Theta, y: [1, 0], ntkCross: fromRows([[0.5, 1]]), time: 1e6 });
    expect(r.trainMean[0]).toBeCloseTo(1, 8);
    const K = fromRows([
      [1, 0.5, 0.1],
      [0.5, 1, 0.5],
      [0.1, 0.5, 1],
    ]);
    const fit = fitGpHyperparameters({
      params: [{ name: 'a', init: 1 }],
      kernel: (p) => ({ ...K, data: K.data.map((v) => v * p.a!) }),
      y: [1, 0.8, 0.3],
      sigma2: 0.1,
      key: key(0),
    });
    expect(fit.logMarginalLikelihood).toBeGreaterThan(-10);
  });
});
