import { type Mat, referenceBackend } from '@sftdl/compute';
import { hermiteHe } from '@sftdl/field';
import type { Model, ParamBlock } from './models';
import { BATCHES, type LangevinResult, type OverlapHistogram } from './result';

/**
 * The sampler's observables as pluggable recorders: at every recorded sample of every chain the sampler calls each
 * recorder in turn with the chain's parameters (and its first layer); a recorder adds to accumulators it declares
 * (the sampler allocates them, checkpoints them and merges them across worker threads) and writes the per-chain
 * scalars it traces (the diagnostics' R̂, τ_int and ESS); at the end it writes its part of the result.
 */

/** One recorded sample of one chain, as a recorder sees it. */
export interface RecordedSample {
  chain: number;
  theta: Float64Array;
  /** The model's first-layer weights [N, d] (a view of theta), when it has them. */
  W: Mat | undefined;
  /** Whether the sample lies in the first half of the run's recorded samples (two-half stationarity checks). */
  firstHalf: boolean;
  /** The batch (of BATCHES per chain, for batch-means standard errors) the sample falls in. */
  batch: number;
  /** The sampled training predictions [n, outputs] of this state (from the step's forward pass). */
  predictions: Float64Array;
}

/** What a recorder gets to finish the result. */
export interface RecorderFinish {
  /** Recorded samples per chain and chains. */
  samples: number;
  chains: number;
  /** The result assembled so far (mean predictions included); the recorder adds its fields. */
  result: LangevinResult;
}

/** An observable of the Langevin sampler (see the module comment). */
export interface ObservableRecorder {
  /** Names of the per-chain scalars it traces, in the order it writes them. */
  readonly scalars: readonly string[];
  /**
   * Accumulators it owns, name → length: sums over samples; those named in `perChain` hold one equal slice per chain
   * (worker threads carry their chains' slices), the others are sums over chains too (worker threads' sums are added).
   */
  readonly accumulators: Readonly<Record<string, number>>;
  readonly perChain?: readonly string[];
  /** Adds one sample to `acc` and writes its scalars to out[at], out[at + 1], …. */
  record(sample: RecordedSample, acc: Record<string, Float64Array>, out: Float64Array, at: number): void;
  /** Writes its part of the result from the accumulators. */
  finish?(acc: Record<string, Float64Array>, ctx: RecorderFinish): void;
}

/**
 * The predictions: per-chain sums of the training (and test) predictions, overall and per batch (`sumF`, `batchF`,
 * `sumFTest`, `batchFTest`, from which the sampler forms the mean predictions and their batch-means errors), and the
 * per-sample mean squared errors (`sumTrainMse`, `sumTestMse`; trace scalar `trainMse`). With `conditional` (see
 * {@link raoBlackwell}) the conditional means replace the sampled predictions and the conditional variances are added
 * to the errors: the Rao–Blackwellised estimator of the same quantities.
 */
export function predictionRecorder(o: {
  model: Model;
  y: Mat;
  xTest?: Mat;
  yTest?: Mat;
  chains: number;
  conditional?: (theta: Float64Array) => ConditionalPrediction;
}): ObservableRecorder {
  const { model, y, xTest, yTest, chains: C, conditional } = o;
  const no = y.rows * y.cols,
    O = y.cols,
    mo = xTest ? xTest.rows * O : 0;
  const accumulators: Record<string, number> = { sumF: C * no, batchF: C * BATCHES * no, sumTrainMse: C };
  if (xTest) Object.assign(accumulators, { sumFTest: C * mo, batchFTest: C * BATCHES * mo, sumTestMse: C });
  return {
    scalars: ['trainMse'],
    accumulators,
    perChain: Object.keys(accumulators),
    record({ chain: c, theta, batch, predictions }, a, out, at) {
      const rb = conditional?.(theta);
      const pr = rb ? rb.mean : predictions;
      let mse = 0;
      const bo = (c * BATCHES + batch) * no;
      for (let k = 0; k < no; k++) {
        a.sumF![c * no + k]! += pr[k]!;
        a.batchF![bo + k]! += pr[k]!;
        mse += (pr[k]! - y.data[k]!) ** 2;
      }
      mse = no > 0 ? mse / no + (rb?.meanVar ?? 0) : 0;
      a.sumTrainMse![c]! += mse;
      out[at] = mse;
      if (xTest) {
        const ft = rb ? rb.test! : model.apply(theta, xTest).data;
        let tm = 0;
        const bt = (c * BATCHES + batch) * mo;
        for (let k = 0; k < mo; k++) {
          a.sumFTest![c * mo + k]! += ft[k]!;
          a.batchFTest![bt + k]! += ft[k]!;
          if (yTest) tm += (ft[k]! - yTest.data[k]!) ** 2;
        }
        a.sumTestMse![c]! += mo > 0 ? tm / mo + (rb?.testMeanVar ?? 0) : 0;
      }
    },
  };
}

/** Trace scalar `weightNorm`: |W|²/N (per neuron squared read-in norm). */
export function weightNormRecorder(): ObservableRecorder {
  return {
    scalars: ['weightNorm'],
    accumulators: {},
    record({ W }, _acc, out, at) {
      const w = W!.data,
        len = W!.rows * W!.cols;
      let tr = 0;
      for (let k = 0; k < len; k++) tr += w[k]! * w[k]!;
      out[at] = tr / W!.rows;
    },
  };
}

/** Trace scalar `readoutNorm`: |a|²/(size · prior variance) of the readout block. */
export function readoutNormRecorder(block: ParamBlock): ObservableRecorder {
  return {
    scalars: ['readoutNorm'],
    accumulators: {},
    record({ theta }, _acc, out, at) {
      let s = 0;
      for (let i = block.offset; i < block.offset + block.size; i++) s += theta[i]! * theta[i]!;
      out[at] = s / (block.size * block.priorVariance);
    },
  };
}

/**
 * Teacher overlaps qᵢ = wᵢ·ŵ*: trace scalar `overlap2` (mean q²), the two half-run histograms `hist1`/`hist2` of q
 * (B bins over [−R, R] plus under/overflow) reported as `overlapHistogram`, and the He₁/He₃ projections of the mean
 * prediction along ŵ* (`hermite`, when the inputs are the first layer's).
 */
export function overlapRecorder(o: {
  wStar: Float64Array;
  bins: number;
  range: number;
  x: Mat;
  xTest?: Mat;
  outputs: number;
  inputsAreFirstLayer: boolean;
}): ObservableRecorder {
  const { wStar: w, bins: B, range: R } = o;
  return {
    scalars: ['overlap2'],
    accumulators: { hist1: B + 2, hist2: B + 2 },
    record({ W, firstHalf }, acc, out, at) {
      const N = W!.rows,
        d = W!.cols,
        data = W!.data;
      const half = firstHalf ? acc.hist1! : acc.hist2!;
      let q2 = 0;
      for (let i = 0; i < N; i++) {
        let q = 0;
        for (let j = 0; j < d; j++) q += data[i * d + j]! * w[j]!;
        q2 += q * q;
        const bin = q < -R ? 0 : q >= R ? B + 1 : 1 + Math.min(B - 1, Math.floor(((q + R) / (2 * R)) * B));
        half[bin]!++;
      }
      out[at] = q2 / N;
    },
    finish(acc, { result: res }) {
      res.overlapHistogram = overlapHistogram(acc.hist1!, acc.hist2!, B, R);
      if (o.inputsAreFirstLayer && o.x.rows > 0) {
        res.hermite = { train: hermiteProjections(o.x, res.meanPrediction.data, w, o.outputs) };
        if (o.xTest && res.meanPredictionTest)
          res.hermite.test = hermiteProjections(o.xTest, res.meanPredictionTest.data, w, o.outputs);
      }
    },
  };
}

/** Fourier magnitudes of the modular net's first layer (see {@link recordFourier}), reported as `fourier`. */
export function fourierRecorder(p: number): ObservableRecorder {
  return {
    scalars: [],
    accumulators: { fw2: p, fv2: p, fw2v2: p },
    record({ W }, acc) {
      recordFourier(W!, p, acc.fw2!, acc.fv2!, acc.fw2v2!);
    },
    finish(acc, { samples, chains, result }) {
      const norm = (v: Float64Array) => Array.from(v, (q) => q / (samples * chains));
      result.fourier = { w2: norm(acc.fw2!), v2: norm(acc.fv2!), w2v2: norm(acc.fw2v2!) };
    },
  };
}

/** Conditional moments of the predictions with the readout integrated out (see {@link raoBlackwell}). */
export interface ConditionalPrediction {
  mean: Float64Array;
  meanVar: number;
  test?: Float64Array;
  testMeanVar?: number;
}

/**
 * Rao–Blackwellised predictions: the readout block 'a' (prior variance `readoutVariance`) integrated out given the
 * other weights. With Φ the features and K = σ_a-prior·ΦΦᵀ, the conditional mean of f on the training inputs is
 * y − κ(K + κI)⁻¹y and its conditional variance κ(1 − κ[(K + κI)⁻¹]_μμ); on test inputs the mean is
 * σ_a-prior·Φ*Φᵀ(K + κI)⁻¹y and the variance σ_a-prior|φ*|² − |L⁻¹σ_a-prior·Φφ*|². The sampler records these in
 * place of the sampled predictions (same expectation, lower variance).
 */
export function raoBlackwell(o: {
  model: Model;
  x: Mat;
  y: Mat;
  xTest?: Mat;
  kappa: number;
  readoutVariance: number;
}): (theta: Float64Array) => ConditionalPrediction {
  const { model, x, y, xTest } = o;
  const n = x.rows,
    O = y.cols;
  // small n: host float64 (no native-call overhead, full precision); larger n: the model's backend
  const be = n <= 64 ? referenceBackend : model.backend;
  const kap = o.kappa,
    av = o.readoutVariance;
  return (theta) => {
    const phi = model.features!(theta, x);
    const L = be.cholesky(be.gram(phi, { alpha: av }), { jitter: kap });
    const A = be.choleskySolve(L, y).data; // (K + κ)⁻¹y
    const mean = new Float64Array(n * O);
    for (let k = 0; k < n * O; k++) mean[k] = y.data[k]! - kap * A[k]!;
    const Linv = be.triangularSolve(L, { rows: n, cols: n, data: identity(n) }).data; // L⁻¹
    let meanVar = 0;
    for (let mu = 0; mu < n; mu++) {
      let dinv = 0; // [(K+κ)⁻¹]_μμ = Σ_j (L⁻¹)_{jμ}²
      for (let j = mu; j < n; j++) dinv += Linv[j * n + mu]! ** 2;
      meanVar += (kap * (1 - kap * dinv)) / n;
    }
    const out: ConditionalPrediction = { mean, meanVar };
    if (xTest) {
      const pt = model.features!(theta, xTest);
      const m = xTest.rows;
      const kst = be.matmul(pt, phi, { transB: true, alpha: av }); // [m, n]
      out.test = be.matmul(kst, { rows: n, cols: O, data: A }).data;
      const V = be.triangularSolve(L, be.transpose(kst)).data; // L⁻¹ K_{X*}, [n, m]
      let tv = 0;
      for (let j = 0; j < m; j++) {
        let p2 = 0,
          v2 = 0;
        for (let i = 0; i < pt.cols; i++) p2 += pt.data[j * pt.cols + i]! ** 2;
        for (let i = 0; i < n; i++) v2 += V[i * m + j]! ** 2;
        tv += Math.max(0, av * p2 - v2) / m;
      }
      out.testMeanVar = tv;
    }
    return out;
  };
}

/** The n×n identity (row-major). */
export function identity(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

/**
 * Adds one sample of the modular net's Fourier magnitudes to the accumulators: for every neuron (row of W = [w | v],
 * 2p inputs) |w_k|²/N, |v_k|²/N and |w_k|²|v_k|²/N at k = 0 … p−1, with w_k = (1/p)Σ_m w_m e^{2πikm/p}.
 */
export function recordFourier(W: Mat, p: number, fw2: Float64Array, fv2: Float64Array, fw2v2: Float64Array): void {
  const N = W.rows;
  const cos = new Float64Array(p),
    sin = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / p);
    sin[j] = Math.sin((2 * Math.PI * j) / p);
  }
  for (let i = 0; i < N; i++) {
    const row = W.data.subarray(i * 2 * p, (i + 1) * 2 * p);
    for (let k = 0; k < p; k++) {
      let wr = 0,
        wi = 0,
        vr = 0,
        vi = 0;
      for (let m = 0; m < p; m++) {
        const idx = (k * m) % p;
        wr += row[m]! * cos[idx]!;
        wi += row[m]! * sin[idx]!;
        vr += row[p + m]! * cos[idx]!;
        vi += row[p + m]! * sin[idx]!;
      }
      const w2 = (wr * wr + wi * wi) / (p * p),
        v2 = (vr * vr + vi * vi) / (p * p);
      fw2[k]! += w2 / N;
      fv2[k]! += v2 / N;
      fw2v2[k]! += (w2 * v2) / N;
    }
  }
}

/**
 * The overlap histogram from its two half-run count arrays (B + 2 slots each: underflow, B bins over [−R, R],
 * overflow): pooled counts, −log of the normalised density (null for empty bins), under/overflow and total.
 */
export function overlapHistogram(h1: Float64Array, h2: Float64Array, B: number, R: number): OverlapHistogram {
  const counts = Array.from({ length: B }, (_, i) => h1[i + 1]! + h2[i + 1]!);
  const total = h1.reduce((p, q) => p + q, 0) + h2.reduce((p, q) => p + q, 0);
  const width = (2 * R) / B;
  return {
    edges: Array.from({ length: B + 1 }, (_, i) => -R + i * width),
    counts,
    negLogP: counts.map((k) => (k > 0 ? -Math.log(k / (total * width)) : null)),
    underflow: h1[0]! + h2[0]!,
    overflow: h1[B + 1]! + h2[B + 1]!,
    total,
  };
}

/** He₁ and He₃ coefficients E[f He_k(ŵ*·x)]/k! of the first output of f ([rows, O]) over the inputs xm. */
export function hermiteProjections(xm: Mat, f: Float64Array, wStar: Float64Array, O: number): { he1: number; he3: number } {
  const d = wStar.length;
  let h1s = 0,
    h3s = 0;
  for (let mu = 0; mu < xm.rows; mu++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += xm.data[mu * xm.cols + j]! * wStar[j]!;
    h1s += f[mu * O]! * hermiteHe(1, z);
    h3s += f[mu * O]! * hermiteHe(3, z);
  }
  return { he1: h1s / xm.rows, he3: h3s / (6 * xm.rows) };
}
