import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type ComputeBackend,
  InvalidArgumentError,
  LANGEVIN_NOISE_STREAM,
  fromRows,
  referenceBackend,
  referenceBackend32,
} from '@sftdl/compute';
import { key, normalMat } from '@sftdl/field';
import fixture from '../test/fixtures/linear_exact.json' with { type: 'json' };
import {
  LangevinSampler,
  type SamplerState,
  linearTwoLayerExactPosterior,
  sampleLangevin,
  stateFromJSON,
  stateToJSON,
  twoLayerNet,
} from './index';

/** The acceptance-size linear net (d = 8, n = 16, N = 30), default flags: within 5% of the exact posterior. */
function expectLinearAcceptance(chi: number, backend: ComputeBackend): void {
  const d = 8,
    n = 16,
    N = 30;
  const x = normalMat(key(11), n, d);
  const y = normalMat(key(12), n, 1);
  const ex = linearTwoLayerExactPosterior({ x, y, sigma2: 0.1, width: N, chi });
  const r = sampleLangevin({
    model: twoLayerNet({ dim: d, width: N, chi, backend }),
    x,
    y,
    sigma2: 0.1,
    key: key(2),
    steps: 8000,
    burnIn: 1600,
    chains: 4,
  });
  expect(Math.abs(r.trainMse / ex.trainMse - 1)).toBeLessThan(0.05);
  expect(Math.abs(r.weightCovEigenvalues![0]! / ex.weightCovEigenvalues[0]! - 1)).toBeLessThan(0.05);
}

describe('Langevin sampler', () => {
  it('linear two-layer net: MALA reproduces the exact Gamma-mixture posterior (χ = 1 and χ = N)', () => {
    for (const c of fixture.cases.slice(0, 2)) {
      const model = twoLayerNet({ dim: c.d, width: c.N, sigmaW2: c.sigmaW2, sigmaA2: c.sigmaA2, chi: c.chi });
      const r = sampleLangevin({
        model,
        x: fromRows(c.x),
        y: { rows: c.n, cols: 1, data: Float64Array.from(c.y) },
        xTest: fromRows(c.xTest),
        sigma2: c.sigma2,
        key: key(1),
        steps: 30000,
        burnIn: 3000,
        chains: 4,
        method: 'mala',
      });
      // observed |error| ≲ 1% at ESS ≈ 1000–2500; 3% is > 3 standard errors
      expect(Math.abs(r.trainMse / c.trainMse - 1)).toBeLessThan(0.03);
      c.weightCovEigenvalues.forEach((v, i) => expect(Math.abs(r.weightCovEigenvalues![i]! / v - 1)).toBeLessThan(0.03));
      c.meanPredictionTest.forEach((v, i) => expect(Math.abs(r.meanPredictionTest!.data[i]! - v)).toBeLessThan(0.03));
      expect(r.acceptanceRate).toBeGreaterThan(0.4);
      expect(r.diagnostics.rhat).toBeLessThan(1.02);
    }
  });

  it('dense Gauss–Newton preconditioner (LM, automatic step) reproduces the exact linear-network posterior (χ = 1 and χ = N)', () => {
    for (const c of fixture.cases.slice(0, 2)) {
      const model = twoLayerNet({ dim: c.d, width: c.N, sigmaW2: c.sigmaW2, sigmaA2: c.sigmaA2, chi: c.chi });
      const r = sampleLangevin({
        model,
        x: fromRows(c.x),
        y: { rows: c.n, cols: 1, data: Float64Array.from(c.y) },
        xTest: fromRows(c.xTest),
        sigma2: c.sigma2,
        key: key(1),
        steps: 20000,
        chains: 8,
        preconditioner: 'dense',
      });
      expect(r.predictedBias).toBeLessThanOrEqual(0.01 * (1 + 1e-9));
      expect(Math.abs(r.trainMse / c.trainMse - 1)).toBeLessThan(0.03);
      c.weightCovEigenvalues.forEach((v, i) => expect(Math.abs(r.weightCovEigenvalues![i]! / v - 1)).toBeLessThan(0.03));
      c.meanPredictionTest.forEach((v, i) =>
        expect(Math.abs(r.meanPredictionTest!.data[i]! - v)).toBeLessThan(4 * r.meanPredictionTestStdError!.data[i]! + 0.005),
      );
    }
  });

  it('Rao–Blackwellised and plain estimators agree with the exact posterior (same samples, lower variance)', () => {
    const c = fixture.cases[0]!;
    const base = {
      model: twoLayerNet({ dim: c.d, width: c.N, sigmaW2: c.sigmaW2, sigmaA2: c.sigmaA2, chi: c.chi }),
      x: fromRows(c.x),
      y: { rows: c.n, cols: 1, data: Float64Array.from(c.y) },
      xTest: fromRows(c.xTest),
      yTest: fromRows(c.xTest.map(() => [0])),
      sigma2: c.sigma2,
      key: key(2),
      steps: 20000,
      burnIn: 2000,
      chains: 4,
      method: 'mala' as const,
    };
    const rb = sampleLangevin({ ...base, raoBlackwell: true });
    const plain = sampleLangevin({ ...base, raoBlackwell: false });
    for (const r of [rb, plain]) {
      expect(Math.abs(r.trainMse / c.trainMse - 1)).toBeLessThan(0.04);
      c.meanPredictionTest.forEach((v, i) => expect(Math.abs(r.meanPredictionTest!.data[i]! - v)).toBeLessThan(0.03));
    }
    // identical weight samples; the conditional-mean estimator has the smaller Monte Carlo error
    expect(rb.weightCovEigenvalues).toEqual(plain.weightCovEigenvalues);
    const se = (r: typeof rb) => r.meanPredictionStdError.data.reduce((a, b) => a + b * b, 0);
    expect(se(rb)).toBeLessThan(se(plain));
    // per-sample test MSE with yTest = 0 is E f(x*)², identical in expectation for both estimators
    expect(Math.abs(rb.testMseSamples! / plain.testMseSamples! - 1)).toBeLessThan(0.05);
  });

  it('GP limit: a wide erf net in standard scaling has the NNGP posterior mean (arcsine kernel)', () => {
    const d = 2,
      n = 3,
      N = 100,
      sigma2 = 0.05;
    const x = normalMat(key(7), n, d),
      y = normalMat(key(8), n, 1);
    const S = (i: number, j: number) => (x.data[i * d]! * x.data[j * d]! + x.data[i * d + 1]! * x.data[j * d + 1]!) / d;
    const K = { rows: n, cols: n, data: new Float64Array(n * n) };
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        K.data[i * n + j] = (2 / Math.PI) * Math.asin((2 * S(i, j)) / Math.sqrt((1 + 2 * S(i, i)) * (1 + 2 * S(j, j))));
    const fGP = referenceBackend.matmul(
      K,
      referenceBackend.choleskySolve(referenceBackend.cholesky(K, { jitter: sigma2 }), y),
    ).data;
    const r = sampleLangevin({
      model: twoLayerNet({ dim: d, width: N, activation: 'erf' }),
      x,
      y,
      sigma2,
      key: key(3),
      steps: 8000,
      burnIn: 1000,
      chains: 4,
    });
    // posterior sd of f ≲ √σ² ≈ 0.22, ESS ≳ 800 → MC s.e. ≲ 0.008; finite-width O(1/N) shifts are ≈ 0.005 here
    for (let i = 0; i < n; i++) expect(Math.abs(r.meanPrediction.data[i]! - fGP[i]!)).toBeLessThan(0.03);
    expect(r.diagnostics.perObservable.trainMse!.ess).toBeGreaterThan(100);
  });

  it('no data: samples reproduce the priors (weights and the NNGP output variance)', () => {
    const d = 3,
      N = 50;
    const model = twoLayerNet({ dim: d, width: N, activation: 'linear', sigmaW2: 2, sigmaA2: 3, chi: 5 });
    const xTest = fromRows([
      [1, 0, 0],
      [1, 1, 1],
    ]);
    const r = sampleLangevin({
      model,
      x: { rows: 0, cols: d, data: new Float64Array(0) },
      y: { rows: 0, cols: 1, data: new Float64Array(0) },
      xTest,
      yTest: fromRows([[0], [0]]),
      sigma2: 1,
      key: key(4),
      steps: 6000,
      burnIn: 500,
      chains: 4,
      method: 'mala',
    });
    // (1/N)Σ⟨wwᵀ⟩ = σ_w²/d · I; ⟨readout²⟩/prior = 1; E f(x)² = (σ_a²/χ)(σ_w²/d)|x|²
    for (const v of r.weightCovEigenvalues!) expect(Math.abs(v / (2 / 3) - 1)).toBeLessThan(0.1);
    expect(Math.abs(r.diagnostics.perObservable.readoutNorm!.chainMeans.reduce((a, b) => a + b, 0) / 4 - 1)).toBeLessThan(0.05);
    const ef2 = ((3 / 5) * (2 / 3) * (1 + 3)) / 2; // mean over the two test points of (σ_a²/χ)(σ_w²/d)|x|²
    expect(Math.abs(r.testMseSamples! / ef2 - 1)).toBeLessThan(0.1);
  });

  it('Euler–Maruyama bias is the documented 1/(1 − η/2) variance inflation; MALA removes it', () => {
    const model = twoLayerNet({ dim: 4, width: 25 });
    const empty = { x: { rows: 0, cols: 4, data: new Float64Array(0) }, y: { rows: 0, cols: 1, data: new Float64Array(0) } };
    const eta = 0.5;
    const em = sampleLangevin({
      model,
      ...empty,
      sigma2: 1,
      key: key(5),
      steps: 4000,
      burnIn: 200,
      chains: 2,
      stepSize: eta,
      thin: 1,
      method: 'euler',
    });
    const ma = sampleLangevin({
      model,
      ...empty,
      sigma2: 1,
      key: key(5),
      steps: 4000,
      burnIn: 200,
      chains: 2,
      stepSize: eta,
      thin: 1,
      method: 'mala',
    });
    const tr = (r: typeof em) => r.weightCovEigenvalues!.reduce((a, b) => a + b, 0) / (4 * 0.25); // trace / prior trace
    expect(Math.abs(tr(em) - 1 / (1 - eta / 2))).toBeLessThan(0.05);
    expect(em.predictedBias).toBeCloseTo(eta / 2, 12); // ηλ/2 with λ = 1 (the prior, exactly)
    expect(em.diagnostics.warnings.some((w) => /predicted variance bias/.test(w))).toBe(true);
    expect(Math.abs(tr(ma) - 1)).toBeLessThan(0.05);
    expect(ma.predictedBias).toBe(0);
  });

  it('Leimkuhler–Matthews is exact on a Gaussian target at any stable step (x′ = (1 − ηλ)x + √(η/2)(ξ + ξ′) has variance 1/λ)', () => {
    // standardised prior: every coordinate is OU with λ = 1; the LM stationary variance is exactly 1 for 0 < η < 2,
    // where Euler–Maruyama would give 1/(1 − η/2) (+33% at η = 0.5, ×2 at η = 1)
    const model = twoLayerNet({ dim: 4, width: 25 });
    const empty = { x: { rows: 0, cols: 4, data: new Float64Array(0) }, y: { rows: 0, cols: 1, data: new Float64Array(0) } };
    for (const eta of [0.5, 1, 1.5]) {
      const r = sampleLangevin({ model, ...empty, sigma2: 1, key: key(5), steps: 6000, burnIn: 200, chains: 2, stepSize: eta });
      expect(r.method).toBe('lm');
      const tr = r.weightCovEigenvalues!.reduce((a, b) => a + b, 0) / (4 * 0.25);
      // 5800 steps × 2 chains × 100 weights, lag-correlation (1 − η)^k: s.e. of the trace ratio ≲ 0.5%
      expect(Math.abs(tr - 1)).toBeLessThan(0.02);
      expect(r.predictedBias).toBe(0); // no likelihood curvature
    }
  });

  it('prior test with default settings: σ² = 1e8, d = 5, σ_w² = 1.5 gives weight-covariance eigenvalues within 1% of σ_w²/d', () => {
    const d = 5;
    const x = normalMat(key(31), 8, d),
      y = normalMat(key(32), 8, 1);
    const r = sampleLangevin({
      model: twoLayerNet({ dim: d, width: 20, activation: 'erf', sigmaW2: 1.5 }),
      x,
      y,
      sigma2: 1e8,
      key: key(9),
      steps: 60000,
      burnIn: 12000,
    });
    expect(r.method).toBe('lm');
    expect(r.predictedBias).toBeLessThan(0.01);
    for (const v of r.weightCovEigenvalues!) expect(Math.abs(v / 0.3 - 1)).toBeLessThan(0.01);
  });

  it('acceptance-size linear net (d=8, n=16, N=30): default (Leimkuhler–Matthews, automatic step) within 5% of the exact posterior', () => {
    for (const chi of [1, 30]) expectLinearAcceptance(chi, referenceBackend);
  });

  it('checkpoints: resuming from a saved state is bit-identical (in-process)', () => {
    const x = normalMat(key(1), 6, 3),
      y = normalMat(key(2), 6, 1);
    const opts = {
      model: twoLayerNet({ dim: 3, width: 8, activation: 'erf' as const }),
      x,
      y,
      sigma2: 0.2,
      key: key(3),
      steps: 900,
      burnIn: 100,
      chains: 2,
      method: 'mala' as const,
      teacherDirection: Float64Array.from([0, 1, 0]),
    };
    const states: string[] = [];
    const full = new LangevinSampler({
      ...opts,
      checkpointEvery: 300,
      onCheckpoint: (s: SamplerState) => states.push(stateToJSON(s)),
    }).run();
    expect(states).toHaveLength(2);
    const resumed = new LangevinSampler(opts, stateFromJSON(states[0]!)).run();
    expect(resumed).toEqual(full);
    expect(() => new LangevinSampler({ ...opts, sigma2: 0.3 }, stateFromJSON(states[0]!))).toThrow(/checkpoint does not match/);
  });

  it('checkpoints: edited, truncated, malformed or other-backend states are refused with a typed one-line error', () => {
    const x = normalMat(key(1), 5, 2),
      y = normalMat(key(2), 5, 1);
    const opts = {
      model: twoLayerNet({ dim: 2, width: 3, activation: 'erf' as const }),
      x,
      y,
      sigma2: 0.2,
      key: key(3),
      steps: 400,
      chains: 2,
    };
    const states: string[] = [];
    new LangevinSampler({
      ...opts,
      checkpointEvery: 200,
      onCheckpoint: (st: SamplerState) => states.push(stateToJSON(st)),
    }).run();
    const text = states[0]!;
    const st = stateFromJSON(text);
    expect(st.backend).toBe('reference');
    expect(st.precision).toBe('float64');
    // an edit that keeps valid JSON (one parameter changed) fails the checksum
    const edited = text.replace(/"params":\[\[(-?[0-9.e-]+)/, (_m, v: string) => `"params":[[${Number(v) + 0.5}`);
    expect(edited).not.toBe(text);
    expect(() => stateFromJSON(edited)).toThrow(InvalidArgumentError);
    expect(() => stateFromJSON(edited)).toThrow(/checksum mismatch/);
    expect(() => stateFromJSON(text.slice(0, text.length / 2))).toThrow(/not valid JSON/);
    expect(() => stateFromJSON('[1, 2]')).toThrow(/not a Langevin checkpoint/);
    expect(() => stateFromJSON(JSON.stringify({ ...JSON.parse(text), checksum: undefined }))).toThrow(/no checksum/);
    // a valid checkpoint drawn with another noise stream (stream 1: no field; or another number) is refused
    expect(st.noiseStream).toBe(LANGEVIN_NOISE_STREAM);
    const { noiseStream: _ns, ...old } = st;
    expect(() => stateFromJSON(stateToJSON(old as SamplerState))).toThrow(/noise stream 1, this sftdl draws stream 2/);
    expect(() => stateFromJSON(stateToJSON({ ...st, noiseStream: 3 }))).toThrow(/noise stream 3/);
    expect(() => new LangevinSampler(opts, { ...st, noiseStream: 1 })).toThrow(
      /checkpoint does not match this run \(drawn with Langevin noise stream 1/,
    );
    // the same run on another backend (same numbers otherwise) does not accept it
    const other = { ...referenceBackend, name: 'other-backend' };
    expect(
      () => new LangevinSampler({ ...opts, model: twoLayerNet({ dim: 2, width: 3, activation: 'erf', backend: other }) }, st),
    ).toThrow(/backend reference float64/);
  });

  it('batched ensembles: results are bit-identical for any chain batch split', () => {
    const x = normalMat(key(41), 7, 3),
      y = normalMat(key(42), 7, 1);
    const run = (chainBatch: number, hostLimit: number) =>
      sampleLangevin({
        model: twoLayerNet({ dim: 3, width: 5, activation: 'erf', hostLimit }),
        x,
        y,
        xTest: normalMat(key(43), 2, 3),
        sigma2: 0.1,
        key: key(4),
        steps: 600,
        chains: 5,
        chainBatch,
      });
    const ref = JSON.stringify(run(5, 65536));
    for (const [cb, hl] of [
      [1, 65536],
      [2, 65536],
      [3, 0],
      [5, 0],
    ] as const)
      expect(JSON.stringify(run(cb, hl))).toBe(ref);
  });

  it('float32 reference backend (WebAssembly SIMD products, WebAssembly readout): the exact linear posterior within 5%; bit-identical for any batch split and worker count', async () => {
    const backend = referenceBackend32();
    expectLinearAcceptance(1, backend);
    // erf net: the batched GEMM's width (chains per batch) and the worker count do not change a bit
    const xe = normalMat(key(41), 9, 3),
      ye = normalMat(key(42), 9, 1);
    const options = (chainBatch: number) => ({
      model: twoLayerNet({ dim: 3, width: 6, activation: 'erf' as const, backend }),
      x: xe,
      y: ye,
      xTest: normalMat(key(43), 2, 3),
      sigma2: 0.1,
      key: key(4),
      steps: 500,
      chains: 5,
      chainBatch,
    });
    const ref = JSON.stringify(sampleLangevin(options(5)));
    for (const cb of [1, 2]) expect(JSON.stringify(sampleLangevin(options(cb)))).toBe(ref);
    const s = new LangevinSampler({ ...options(5), workers: 2 });
    expect(await s.resolveWorkers()).toBe(2);
    expect(JSON.stringify(await s.runAsync())).toBe(ref);
  }, 60000);

  it('worker threads: 1, 2 and 3 workers (with checkpoints and a teacher histogram) give bit-identical results and states', async () => {
    const x = normalMat(key(51), 6, 3),
      y = normalMat(key(52), 6, 1);
    const run = async (workers: number) => {
      const states: string[] = [];
      const s = new LangevinSampler({
        model: twoLayerNet({ dim: 3, width: 4, activation: 'erf', chi: 4 }),
        x,
        y,
        xTest: normalMat(key(53), 2, 3),
        sigma2: 0.1,
        key: key(5),
        steps: 800,
        chains: 7,
        teacherDirection: Float64Array.from([1, 0, 0]),
        workers,
        checkpointEvery: 300,
        onCheckpoint: (st) => states.push(stateToJSON(st)),
      });
      expect(await s.resolveWorkers()).toBe(workers);
      const r = await s.runAsync();
      return { r: JSON.stringify(r), states };
    };
    const one = await run(1);
    const sync = sampleLangevin({
      model: twoLayerNet({ dim: 3, width: 4, activation: 'erf', chi: 4 }),
      x,
      y,
      xTest: normalMat(key(53), 2, 3),
      sigma2: 0.1,
      key: key(5),
      steps: 800,
      chains: 7,
      teacherDirection: Float64Array.from([1, 0, 0]),
      checkpointEvery: 300,
      onCheckpoint: () => {},
    });
    expect(JSON.stringify(sync)).toBe(one.r);
    for (const w of [2, 3]) {
      const o = await run(w);
      expect(o.r).toBe(one.r);
      expect(o.states).toEqual(one.states);
    }
    // a checkpoint written with 2 workers resumes in one thread to the same end
    const st = stateFromJSON((await run(2)).states[0]!);
    const resumed = new LangevinSampler(
      {
        model: twoLayerNet({ dim: 3, width: 4, activation: 'erf', chi: 4 }),
        x,
        y,
        xTest: normalMat(key(53), 2, 3),
        sigma2: 0.1,
        key: key(5),
        steps: 800,
        chains: 7,
        teacherDirection: Float64Array.from([1, 0, 0]),
        workers: 2,
        checkpointEvery: 300,
        onCheckpoint: () => {},
      },
      st,
    ).run();
    expect(JSON.stringify(resumed)).toBe(one.r);
  }, 60000);

  it('targetRelativeError: stops at the first check point below the target (same with workers), else warns at the cap', async () => {
    const x = normalMat(key(61), 6, 3),
      y = normalMat(key(62), 6, 1);
    const opts = {
      model: twoLayerNet({ dim: 3, width: 4, activation: 'erf' as const }),
      x,
      y,
      sigma2: 0.1,
      key: key(6),
      steps: 6000,
      burnIn: 200,
      chains: 8,
      minSteps: 1000,
      checkEvery: 500,
    };
    const r = sampleLangevin({ ...opts, targetRelativeError: 0.05 });
    expect(r.precision!.reached).toBe(true);
    expect(r.steps).toBeLessThan(6000);
    expect((r.steps - 1000) % 500).toBe(0);
    expect(r.precision!.relativeError).toBeLessThanOrEqual(0.05);
    // the stop is a property of the state at fixed steps: worker threads stop at the same step with the same numbers
    expect(JSON.stringify(await new LangevinSampler({ ...opts, targetRelativeError: 0.05, workers: 2 }).runAsync())).toBe(
      JSON.stringify(r),
    );
    // the relative error at the stop is the largest of the eigenvalue and prediction errors
    const evRel = Math.max(...r.weightCovEigenvalues!.map((v, k) => r.weightCovEigenvaluesStdError![k]! / v));
    expect(r.precision!.relativeError).toBeGreaterThanOrEqual(evRel);
    const capped = sampleLangevin({ ...opts, steps: 2000, targetRelativeError: 1e-6 });
    expect(capped.steps).toBe(2000);
    expect(capped.precision!.reached).toBe(false);
    expect(capped.diagnostics.warnings.join('\n')).toMatch(/step cap 2000/);
    expect(() => new LangevinSampler({ ...opts, targetRelativeError: 2 })).toThrow(InvalidArgumentError);
  }, 60000);

  it('workers: auto uses threads only for many small chains; invalid values are typed errors', async () => {
    const x = normalMat(key(51), 6, 3),
      y = normalMat(key(52), 6, 1);
    const mk = (chains: number, workers?: number | 'auto', width = 4) =>
      new LangevinSampler({
        model: twoLayerNet({ dim: 3, width, activation: 'erf' }),
        x,
        y,
        sigma2: 0.1,
        key: key(5),
        steps: 10,
        chains,
        ...(workers !== undefined ? { workers } : {}),
      });
    expect(await mk(4).resolveWorkers()).toBe(1);
    expect(await mk(64).resolveWorkers()).toBeGreaterThanOrEqual(Math.min(2, (await import('node:os')).availableParallelism()));
    expect(await mk(64, 'auto', 5000).resolveWorkers()).toBe(1); // n·N·d > 65536: one process with threaded GEMM
    expect(await mk(3, 8).resolveWorkers()).toBe(3);
    await expect(mk(4, 0).resolveWorkers()).rejects.toThrow(InvalidArgumentError);
  });

  it('rejects non-finite inputs with a typed error naming the input', () => {
    const model = twoLayerNet({ dim: 2, width: 3 });
    const x = fromRows([
        [1, 0],
        [0, NaN],
      ]),
      y = fromRows([[1], [2]]);
    expect(() => new LangevinSampler({ model, x, y, sigma2: 1, key: key(0), steps: 10 })).toThrow(InvalidArgumentError);
    expect(() => new LangevinSampler({ model, x, y, sigma2: 1, key: key(0), steps: 10 })).toThrow(/x\[1\]\[1\] is NaN/);
    expect(
      () => new LangevinSampler({ model, x: fromRows([[1, 0]]), y: fromRows([[Infinity]]), sigma2: 1, key: key(0), steps: 10 }),
    ).toThrow(/every entry of y/);
    expect(
      () =>
        new LangevinSampler({
          model,
          x: fromRows([[1, 0]]),
          y: fromRows([[1]]),
          xTest: fromRows([[NaN, 0]]),
          sigma2: 1,
          key: key(0),
          steps: 10,
        }),
    ).toThrow(/xTest/);
    expect(
      () =>
        new LangevinSampler({
          model: twoLayerNet({ dim: 2, width: 3, sigmaW2: 1e300 }),
          x: fromRows([[1, 0]]),
          y: fromRows([[1]]),
          sigma2: 1,
          key: key(0),
          steps: 10,
        }),
    ).toThrow(/block 'W'/);
  });

  it('checkpoints: a SIGKILLed child process resumed with the checkpoint ends with identical numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sftdl-ckpt-'));
    const child = fileURLToPath(new URL('../test/checkpoint-child.ts', import.meta.url));
    const node = ['--conditions=@sftdl/source', '--import', 'tsx', child];
    try {
      const ref = spawnSync(process.execPath, [...node, join(dir, 'ref.ckpt'), join(dir, 'ref.json')], { encoding: 'utf8' });
      expect(ref.status, ref.stderr).toBe(0);
      const ck = join(dir, 'run.ckpt');
      const p = spawn(process.execPath, [...node, ck, join(dir, 'killed.json')], { stdio: 'ignore' });
      const done = new Promise<void>((res) => p.on('exit', () => res()));
      for (let i = 0; i < 2000 && !existsSync(ck); i++) await new Promise((r) => setTimeout(r, 10));
      p.kill('SIGKILL');
      await done;
      expect(existsSync(ck)).toBe(true);
      expect(existsSync(join(dir, 'killed.json'))).toBe(false); // it really died mid-run
      const step = (JSON.parse(readFileSync(ck, 'utf8')) as SamplerState).step;
      expect(step).toBeGreaterThan(0);
      const res = spawnSync(process.execPath, [...node, ck, join(dir, 'resumed.json'), 'resume'], { encoding: 'utf8' });
      expect(res.status, res.stderr).toBe(0);
      expect(readFileSync(join(dir, 'resumed.json'), 'utf8')).toBe(readFileSync(join(dir, 'ref.json'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('teacher observables: aligned chains, overlap histogram, Hermite projections, chain disagreement', () => {
    const d = 5,
      n = 20;
    const x = normalMat(key(21), n, d);
    const y = { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => x.data[i * d]!) };
    const r = sampleLangevin({
      model: twoLayerNet({ dim: d, width: 10, activation: 'erf' }),
      x,
      y,
      xTest: normalMat(key(22), 30, d),
      sigma2: 0.05,
      key: key(6),
      steps: 3000,
      burnIn: 500,
      chains: 2,
      teacherDirection: Float64Array.from([2, 0, 0, 0, 0]),
      alignedChains: 1,
    });
    const h = r.overlapHistogram!;
    expect(h.edges).toHaveLength(h.counts.length + 1);
    expect(h.counts.reduce((a, b) => a + b, 0) + h.underflow + h.overflow).toBe(h.total);
    expect(h.total).toBe(r.samples * r.chains * 10);
    h.negLogP.forEach((v, i) => {
      if (h.counts[i]! > 0) expect(v).toBeCloseTo(-Math.log(h.counts[i]! / (h.total * (h.edges[1]! - h.edges[0]!))), 12);
    });
    expect(r.hermite!.train.he1).toBeGreaterThan(0.3); // f̄ learns y = z = He₁(ŵ*·x)
    expect(r.hermite!.test).toBeDefined();
    expect(r.diagnostics.stationarity).toBeDefined();
    expect(typeof r.diagnostics.chainDisagreement.maxDeviationSigma).toBe('number');
  });

  it('modular net Fourier observables: E|w_k|² = 1/p under the unit-variance prior (non-unitary convention)', () => {
    const p = 5;
    const model = twoLayerNet({ dim: 2 * p, width: 20, activation: 'square', outputs: p, readInVariance: 1 });
    const r = sampleLangevin({
      model,
      x: { rows: 0, cols: 2 * p, data: new Float64Array(0) },
      y: { rows: 0, cols: p, data: new Float64Array(0) },
      sigma2: 1,
      key: key(8),
      steps: 3000,
      burnIn: 300,
      chains: 2,
      modulus: p,
      method: 'mala',
    });
    for (let k = 0; k < p; k++) {
      expect(Math.abs(r.fourier!.w2[k]! * p - 1)).toBeLessThan(0.15);
      expect(Math.abs(r.fourier!.v2[k]! * p - 1)).toBeLessThan(0.15);
    }
  });
});
