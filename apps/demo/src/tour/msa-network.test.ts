import { readFileSync } from 'node:fs';
import { fromRows, referenceBackend } from '@sftdl/compute';
import { fold, key, normal } from '@sftdl/field';
import { msaReport } from '@sftdl/solvers';
import { describe, expect, it } from 'vitest';
import { jackknifeMsd, simulateMsaNetwork } from './msa-network';

describe('jackknifeMsd', () => {
  it('removes the O(1/S) plug-in bias: chains of iid N(μ, 1) draws give E[msd] = (y − μ)² (closed form), SE ≈ spread', () => {
    const C = 16,
      S = 50,
      n = 3;
    const y = [0.5, -0.2, 0.1],
      mu = [0.4, 0, 0.3];
    const exact = y.reduce((s, v, k) => s + (v - mu[k]!) ** 2, 0) / n;
    const est: number[] = [],
      ses: number[] = [];
    for (let r = 0; r < 200; r++) {
      const z = normal(key(r), C * S * n);
      const sums = new Float64Array(C * n);
      for (let c = 0; c < C; c++)
        for (let s = 0; s < S; s++) for (let k = 0; k < n; k++) sums[c * n + k]! += mu[k]! + z[(c * S + s) * n + k]!;
      const j = jackknifeMsd(y, sums, C, S);
      est.push(j.msd);
      ses.push(j.se);
    }
    const m = est.reduce((a, b) => a + b, 0) / est.length;
    const sd = Math.sqrt(est.reduce((a, b) => a + (b - m) ** 2, 0) / (est.length - 1));
    // the plug-in value would be biased by +1/(C·S) = 1.25e-3 per point; 3 SE of the mean of 200 runs ≈ 3·sd/√200
    expect(Math.abs(m - exact)).toBeLessThan((3 * sd) / Math.sqrt(est.length));
    const meanSe = ses.reduce((a, b) => a + b, 0) / ses.length;
    expect(meanSe / sd).toBeGreaterThan(0.8);
    expect(meanSe / sd).toBeLessThan(1.25);
  });
});

describe('simulateMsaNetwork: the exact linear limit (Gamma-mixture oracle of msaReport)', () => {
  const d = 3,
    P = 8;
  const x = { rows: P, cols: d, data: normal(fold(key(7), 1), P * d) };
  const w = normal(fold(key(7), 2), d);
  const y = Float64Array.from({ length: P }, (_, a) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[a * d + j]! * w[j]!;
    return s / Math.sqrt(d) + 0.1 * normal(fold(key(7), 3 + a), 1)[0]!;
  });
  for (const [N, chi] of [
    [16, 1],
    [16, 16],
  ] as const) {
    it(`linear, N = ${N}, χ = ${chi}: network msd within 3 SE of report.exact; R̂ ≤ 1.05`, async () => {
      const problem = { x, y, width: N, chi, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 };
      const exact = msaReport(problem).exact!;
      const net = await simulateMsaNetwork({
        ...problem,
        activation: 'linear',
        method: 'lm',
        steps: 16000,
        chains: 16,
        seed: 3,
        backend: referenceBackend,
      });
      expect(net.rhat).toBeLessThan(1.05);
      expect(net.method).toBe('lm');
      expect(Math.abs(net.msd - exact.msd)).toBeLessThan(3 * net.msdStdError);
      expect(net.msdStdError).toBeLessThan(0.05 * exact.msd);
    });
  }
  it('fixed noise (rescaleNoise: false) maps to training σ² = σ²·χ: same posterior as κ_n = σ²', async () => {
    const problem = { x, y, width: 16, chi: 4, sigmaW2: 1, sigmaA2: 1, sigma2: 0.05, rescaleNoise: false };
    const exact = msaReport(problem).exact!;
    const net = await simulateMsaNetwork({
      ...problem,
      activation: 'linear',
      steps: 6000, // default method: MALA
      chains: 16,
      seed: 4,
      backend: referenceBackend,
    });
    expect(net.trainingSigma2).toBeCloseTo(0.2, 14);
    expect(Math.abs(net.msd - exact.msd)).toBeLessThan(3 * net.msdStdError);
  });
});

interface RefCase {
  width: number;
  chi: number;
  msd: number;
  msdStdError: number;
  testMean: number[];
  testMeanStdError: number[];
  weightCovEigenvalues: number[];
  rhat: number;
}
const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/msa-network/msa_network.json', import.meta.url), 'utf8')) as {
  x: number[][];
  y: number[];
  xTest: number[][];
  sigmaW2: number;
  sigmaA2: number;
  sigma2: number;
  cases: RefCase[];
};

describe('simulateMsaNetwork vs an independent collapsed-HMC reference (test/fixtures/msa-network/gen_msa_network.py)', () => {
  for (const c of fx.cases) {
    // N = 256 costs 4× per step: fewer steps there (the comparison uses the combined SE either way); ~10 s each
    // unloaded, the generous timeout is for a loaded machine
    const steps = c.width > 100 ? 3000 : 8000;
    it(`erf, d = 4, P = 10, N = ${c.width}, χ = ${c.chi}: msd and test means within 3 combined SE`, async () => {
      const net = await simulateMsaNetwork({
        x: fromRows(fx.x),
        y: fx.y,
        xTest: fromRows(fx.xTest),
        width: c.width,
        chi: c.chi,
        activation: 'erf',
        sigmaW2: fx.sigmaW2,
        sigmaA2: fx.sigmaA2,
        sigma2: fx.sigma2,
        steps,
        chains: 16,
        seed: 11, // default method: MALA
        backend: referenceBackend,
      });
      // the shortened N = 256 runs (3000 steps, τ_int ≈ 300 steps in mean field) get R̂ < 1.1; the others 1.05
      expect(net.rhat).toBeLessThan(c.width > 100 ? 1.1 : 1.05);
      const se = Math.hypot(net.msdStdError, c.msdStdError);
      expect(Math.abs(net.msd - c.msd), `msd ${net.msd} vs ${c.msd} ± ${se}`).toBeLessThan(3 * se);
      net.testMean!.forEach((v, i) => {
        const s = Math.hypot(net.testMeanStdError![i]!, c.testMeanStdError[i]!);
        // 16 test-mean comparisons over the four cases: 4 combined SE keeps the family-wise false-alarm rate ≈ 1e-3
        expect(Math.abs(v - c.testMean[i]!), `testMean[${i}]`).toBeLessThan(4 * s);
      });
    }, 120_000);
  }
});
