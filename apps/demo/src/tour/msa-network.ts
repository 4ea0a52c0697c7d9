/**
 * The network side of `demo msa --simulate`: a Langevin ensemble of exactly the two-layer network an MSA problem
 * describes, and its train discrepancy in the definition of `msaReport` (mean over training points of (y − f̄)², f̄
 * the posterior-mean predictor).
 *
 * Convention mapping (MsaInput of @sftdl/solvers → LangevinOptions/twoLayerNet of @sftdl/training):
 *
 * | MSA problem                                   | training                                               |
 * |-----------------------------------------------|--------------------------------------------------------|
 * | f(x) = Σᵢ aᵢ φ(wᵢ·x), width N, activation φ   | `twoLayerNet({ dim: d, width: N, activation: φ })`      |
 * | read-in wᵢ ~ N(0, (σ_w²/d) I)                 | `sigmaW2` (same)                                        |
 * | readout aᵢ ~ N(0, σ_a²/(χN))                  | `sigmaA2`, `chi` (same)                                 |
 * | noise κ_n = σ²/χ (`rescaleNoise`, default)    | `sigma2: σ²` (training's likelihood is exp(−Σ(f−y)²/(2σ²/χ))) |
 * | noise κ_n = σ² (`rescaleNoise: false`)        | `sigma2: σ²·χ` (so that σ²/χ = κ_n)                     |
 * | likelihood exp(−Σ_α (y_α − f_α)²/(2κ_n))      | the same posterior (training's loss conventions all sample it) |
 * | Σ_v = ⟨vvᵀ⟩ of one neuron (`weightCovEigenvalues`) | `weightCov` = (1/N)Σᵢ⟨wᵢwᵢᵀ⟩ (neurons exchangeable) |
 *
 * msd and its standard error come from a jackknife over the independent chains (per-chain prediction sums of the
 * sampler state): the jackknife removes the O(1/ESS) upward bias of the plug-in (y − f̄_MC)² and its spread is the
 * Monte Carlo error of the msd itself, including the correlation between training points.
 */
import type { ComputeBackend, Mat } from '@sftdl/compute';
import { key as makeKey } from '@sftdl/field';
import { type LangevinMethod, LangevinSampler, twoLayerNet } from '@sftdl/training';

export interface MsaNetworkOptions {
  x: Mat;
  y: ArrayLike<number>;
  xTest?: Mat;
  /** Test targets: with them the result has the test error mean (y* − f̄*)² (jackknifed like msd). */
  yTest?: ArrayLike<number>;
  width: number;
  chi: number;
  activation: 'linear' | 'erf' | 'relu';
  sigmaW2: number;
  sigmaA2: number;
  /** σ² before the 1/χ (the MSA problem's `sigma2`). */
  sigma2: number;
  /** κ_n = σ²/χ (default true, as in the MSA problem) or κ_n = σ². */
  rescaleNoise?: boolean;
  steps: number;
  chains: number;
  /** Burn-in steps (default steps/5). */
  burnIn?: number;
  /** Default 'mala' (Metropolis-adjusted: exact; at these sizes also 2–4× more effective samples per second than 'lm'). */
  method?: LangevinMethod;
  seed: number;
  backend: ComputeBackend;
  onProgress?: (step: number, steps: number) => void;
}

/** The `network` block of `demo msa --simulate`. */
export interface MsaNetworkResult {
  msd: number;
  msdStdError: number;
  testMean?: number[];
  testMeanStdError?: number[];
  /** mean over test points of (y* − f̄*)² and its standard error (with `yTest`). */
  testError?: number;
  testErrorStdError?: number;
  weightCovEigenvalues: number[];
  weightCovEigenvaluesStdError?: number[];
  rhat: number;
  ess: number;
  /** 'mala' (Metropolis-adjusted, exact; the default) or 'lm' (Leimkuhler–Matthews, ≤ 1% variance bias). */
  method: LangevinMethod;
  predictedBias: number;
  acceptanceRate?: number;
  stepSize: number;
  steps: number;
  burnIn: number;
  chains: number;
  /** The noise actually passed to training (σ² or σ²·χ, see the module's mapping table). */
  trainingSigma2: number;
  warnings: string[];
  seconds: number;
}

/** mean_k (y_k − f_k)² (NaN when f is absent or y is empty): the test error of a theory's or the network's predictor. */
export function meanSquaredError(y: ArrayLike<number>, f?: ArrayLike<number>): number {
  if (!f || y.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i]! - f[i]!) ** 2;
  return s / y.length;
}

/** Jackknife over chains of mean_k (y_k − f̄_k)² from per-chain sums `sums` ([C, n], S samples per chain). */
export function jackknifeMsd(y: ArrayLike<number>, sums: ArrayLike<number>, C: number, S: number): { msd: number; se: number } {
  const n = y.length;
  const tot = new Float64Array(n);
  for (let c = 0; c < C; c++) for (let k = 0; k < n; k++) tot[k]! += sums[c * n + k]!;
  const msdOf = (skip: number): number => {
    const cnt = S * (skip < 0 ? C : C - 1);
    let s = 0;
    for (let k = 0; k < n; k++) {
      const f = (tot[k]! - (skip < 0 ? 0 : sums[skip * n + k]!)) / cnt;
      s += (y[k]! - f) ** 2;
    }
    return s / n;
  };
  const all = msdOf(-1);
  if (C < 2) return { msd: all, se: NaN };
  const loo = Array.from({ length: C }, (_, c) => msdOf(c));
  const mean = loo.reduce((a, b) => a + b, 0) / C;
  const se = Math.sqrt(((C - 1) / C) * loo.reduce((a, b) => a + (b - mean) ** 2, 0));
  return { msd: C * all - (C - 1) * mean, se };
}

/** Samples the MSA problem's network posterior with @sftdl/training and summarises it as `network`. */
export async function simulateMsaNetwork(o: MsaNetworkOptions): Promise<MsaNetworkResult> {
  const t0 = performance.now();
  const d = o.x.cols,
    n = o.x.rows;
  const model = twoLayerNet({
    dim: d,
    width: o.width,
    activation: o.activation,
    sigmaW2: o.sigmaW2,
    sigmaA2: o.sigmaA2,
    chi: o.chi,
    backend: o.backend,
  });
  const trainingSigma2 = o.rescaleNoise === false ? o.sigma2 * o.chi : o.sigma2;
  const burnIn = o.burnIn ?? Math.floor(o.steps / 5);
  const sampler = new LangevinSampler({
    model,
    x: o.x,
    y: { rows: n, cols: 1, data: Float64Array.from(o.y) },
    ...(o.xTest ? { xTest: o.xTest } : {}),
    sigma2: trainingSigma2,
    key: makeKey(o.seed),
    steps: o.steps,
    burnIn,
    // record every 10th step when that still leaves ≥ 100 samples per chain: the autocorrelation time of the
    // read-in weights is hundreds of steps, and each recorded sample costs a Rao–Blackwell solve (train and test)
    ...(o.steps - burnIn >= 1000 ? { thin: 10 } : {}),
    chains: o.chains,
    method: o.method ?? 'mala',
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  let r: ReturnType<LangevinSampler['result']>;
  try {
    r = await sampler.runAsync();
  } finally {
    await sampler.close();
  }
  const st = sampler.state();
  const sumF = st.acc.sumF;
  const jk = sumF ? jackknifeMsd(o.y, sumF, o.chains, st.samples) : { msd: r.trainMse, se: NaN };
  const out: MsaNetworkResult = {
    msd: jk.msd,
    msdStdError: jk.se,
    weightCovEigenvalues: r.weightCovEigenvalues ?? [],
    rhat: r.diagnostics.rhat,
    ess: r.diagnostics.ess,
    method: r.method,
    predictedBias: r.predictedBias,
    stepSize: r.stepSize,
    steps: r.steps,
    burnIn: r.burnIn,
    chains: r.chains,
    trainingSigma2,
    warnings: r.diagnostics.warnings,
    seconds: (performance.now() - t0) / 1000,
  };
  if (r.weightCovEigenvaluesStdError) out.weightCovEigenvaluesStdError = r.weightCovEigenvaluesStdError;
  if (r.acceptanceRate !== undefined) out.acceptanceRate = r.acceptanceRate;
  if (r.meanPredictionTest && r.meanPredictionTestStdError) {
    out.testMean = Array.from(r.meanPredictionTest.data);
    out.testMeanStdError = Array.from(r.meanPredictionTestStdError.data);
  }
  const sumFTest = st.acc.sumFTest;
  if (o.yTest && sumFTest) {
    const t = jackknifeMsd(o.yTest, sumFTest, o.chains, st.samples);
    out.testError = t.msd;
    out.testErrorStdError = t.se;
  }
  return out;
}
