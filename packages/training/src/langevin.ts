import {
  ConvergenceError,
  InvalidArgumentError,
  LANGEVIN_NOISE_STREAM,
  type LangevinUpdateArgs,
  type Mat,
  ShapeError,
  referenceBackend,
  wasmPhiloxAvailable,
} from '@sftdl/compute';
import { type Key, fold, keyToJSON, normal, split, uniform } from '@sftdl/field';
import type { SamplerState } from './checkpoint';
import { histogramStationarity, integratedAutocorrTime, splitRhat } from './diagnostics';
import { noiseGenerator } from './noise';
import {
  type ObservableRecorder,
  fourierRecorder,
  identity,
  overlapRecorder,
  predictionRecorder,
  raoBlackwell,
  readoutNormRecorder,
  weightNormRecorder,
} from './observables';
import type { Model, ModelSpec } from './models';
import { LANGEVIN_METHODS, type LangevinMethod, type LangevinOptions, fnv } from './options';
import { BATCHES, type Diagnostics, type LangevinResult, meanAndError, mse } from './result';
import { langevinUpdater } from './update';

export type { SamplerState } from './checkpoint';
export { stateFromJSON, stateToJSON } from './checkpoint';
export type { LangevinMethod, LangevinOptions, LossConvention } from './options';
export { LANGEVIN_METHODS } from './options';
export type { Diagnostics, LangevinResult, OverlapHistogram } from './result';

const TRACE_CAP = 1024;

/** What a worker thread needs to rebuild a sampler (structured-cloneable). @internal */
export interface WorkerSetup {
  /** The run's fingerprint (workers cache one sampler per run). */
  run: string;
  spec: ModelSpec;
  backend: string;
  precision: string;
  backendUrl?: string;
  options: Omit<LangevinOptions, 'model' | 'onCheckpoint' | 'onProgress' | 'checkpointEvery' | 'workers' | 'workerBackend'>;
}

/** One chain group's segment [t0, t1) for a worker thread. @internal */
export interface GroupTask {
  setup: WorkerSetup;
  c0: number;
  c1: number;
  t0: number;
  t1: number;
  stepSize: number;
  predictedBias: number;
  preconditioner: number[] | null;
  samples: number;
  traceCount: number;
  traceStride: number;
  params: Float64Array[];
  acc: Record<string, Float64Array>;
  traces: number[][][];
}

/** A worker's answer to a {@link GroupTask}. @internal */
export interface GroupResult {
  params: Float64Array[];
  acc: Record<string, Float64Array>;
  traces: number[][][];
  samples: number;
  traceCount: number;
  traceStride: number;
}

/**
 * Langevin sampler of the posterior p(θ | D) ∝ exp(−Σ(f−y)²/(2σ²/χ)) · Π N(θ; 0, prior) of any {@link Model}.
 *
 * Update (preconditioner M, diagonal): θ ← θ − η M ∇U(θ) + √(2ηM) ξ, U = ½Σ(f−y)²/(σ²/χ) + Σθ²/(2·prior var).
 * Standardised coordinates use M = prior variance (i.e. z = θ/prior_std moves with drift −z − ∇_z L/κ and unit
 * noise); natural coordinates use M = T (the temperature of the loss convention). Euler–Maruyama has an O(η) bias:
 * for a locally Gaussian mode of curvature λ (in the sampler's coordinates) the stationary variance is
 * 1/(λ(1 − ηλ/2)) instead of 1/λ, i.e. a relative error ≈ ηλ/2 (≈ stepSafety/2 along the stiffest direction with
 * the automatic step size); means of Gaussian modes are unbiased. MALA removes the bias.
 *
 * *When to use*: equilibrium (Bayesian) ensembles of networks trained with noisy GD and weight decay; exactness
 * checks with `method: 'mala'`.
 *
 * *Gotchas*: the automatic step size is estimated by power iteration on the Gauss–Newton matrix at the start, at
 * burn-in/2 and at the end of burn-in; near a first-order transition use long runs and `alignedChains`.
 * `step` noise is compute's Langevin noise stream `langevinNormalsInto(fold(chainKey, step))` (native where the backend
 * has it, same bits), so a run resumed from a {@link SamplerState} is bit-identical.
 *
 * @example
 * ```ts
 * const model = twoLayerNet({ dim: 8, width: 30, activation: 'linear' });
 * const r = new LangevinSampler({ model, x, y, sigma2: 0.1, key: key(1), steps: 20000 }).run();
 * r.trainMse; r.weightCovEigenvalues;
 * ```
 */
export class LangevinSampler {
  readonly options: LangevinOptions;
  private readonly P: number;
  private readonly n: number;
  private readonly O: number;
  private readonly kappa: number;
  private readonly M: Float64Array; // preconditioner
  private readonly invVar: Float64Array;
  private readonly sqrt2M: Float64Array;
  private readonly C: number;
  private readonly steps: number;
  private readonly burnIn: number;
  private readonly thin: number;
  private readonly method: LangevinMethod;
  private readonly tol: number;
  private readonly chainKeys: Key[];
  private readonly wStar?: Float64Array;
  private readonly hasW: boolean;
  private readonly d: number;
  private readonly bins: number;
  private readonly qRange: number;
  private readonly scalarNames: string[];
  private readonly fingerprint: string;
  private readonly rb: boolean;
  /** The observables recorded at every recorded sample, in trace order (the predictions first). */
  private readonly recorders: ObservableRecorder[];
  /** Accumulators with one slice per chain (the others, histogram counts, are sums over chains). */
  private readonly perChain: string[];
  private s: SamplerState;
  private acc: Record<string, Float64Array> = {};
  // MALA caches (recomputed from θ; not part of the state)
  private curU: Float64Array;
  private curG: Float64Array[];
  private curPred: Float64Array[];
  private fresh: boolean[];
  private grad: Float64Array;
  private pred: Float64Array;
  // batched ensemble buffers (model.lossGradBatch)
  private bGrad: Float64Array[] = [];
  private bPred: Float64Array[] = [];
  private bLoss: Float64Array;
  private readonly chainBatch: number;
  private readonly denseAllowed: boolean;
  /** Dense preconditioner: M (P×P) and B = √(2) D^{1/2} L_A (lower, BBᵀ = 2M), set from state.preconditioner. */
  private dense?: { M: Float64Array; B: Float64Array };
  private mg = new Float64Array(0);
  /** The fused diagonal update (native or TypeScript) and its argument record, reused every step. */
  private readonly update: (u: LangevinUpdateArgs) => void;
  /** The Langevin noise stream: the backend's native generator where it has one, else compute's (same bits). */
  private readonly normals: (k0: number, k1: number, out: Float64Array) => void;
  private readonly upd: LangevinUpdateArgs;
  private bz = new Float64Array(0);
  /** The segment's noise buffers: ξ_t, and ξ_{t} of the previous step per chain (Leimkuhler–Matthews). */
  private xiBuf = new Float64Array(0);
  private xiPrevBufs: Float64Array[] = [];

  constructor(options: LangevinOptions, resume?: SamplerState) {
    this.options = options;
    const { model, x, y, sigma2 } = options;
    if (x.cols !== model.inputDim)
      throw new ShapeError(`LangevinSampler: x has ${x.cols} columns, the model expects ${model.inputDim}`);
    if (y.rows !== x.rows || y.cols !== model.outputDim)
      throw new ShapeError(`LangevinSampler: y is [${y.rows}, ${y.cols}], expected [${x.rows}, ${model.outputDim}]`);
    if (options.xTest && options.xTest.cols !== model.inputDim)
      throw new ShapeError('LangevinSampler: xTest has the wrong number of columns');
    if (options.yTest && (!options.xTest || options.yTest.rows !== options.xTest.rows || options.yTest.cols !== model.outputDim))
      throw new ShapeError('LangevinSampler: yTest must match xTest rows and the model outputs');
    checkFinite(x, 'x');
    checkFinite(y, 'y');
    for (const b of model.blocks) {
      if (!(b.priorVariance >= 1e-100 && b.priorVariance <= 1e100)) {
        throw new InvalidArgumentError(
          `LangevinSampler: prior variance ${b.priorVariance} of block '${b.name}' is outside [1e-100, 1e100] (second moments would overflow float64); rescale the inputs or the prior`,
        );
      }
    }
    if (!(sigma2 >= 1e-100 && sigma2 <= 1e100))
      throw new InvalidArgumentError(`sigma2 must be finite and in [1e-100, 1e100], got ${sigma2}`);
    if (options.xTest) checkFinite(options.xTest, 'xTest');
    if (options.yTest) checkFinite(options.yTest, 'yTest');
    if (!Number.isFinite(sigma2) || sigma2 <= 0) throw new InvalidArgumentError(`sigma2 must be finite and > 0, got ${sigma2}`);
    const steps = options.steps;
    if (!Number.isInteger(steps) || steps < 2) throw new InvalidArgumentError(`steps must be an integer ≥ 2, got ${steps}`);
    const burnIn = options.burnIn ?? Math.floor(steps / 4);
    if (!Number.isInteger(burnIn) || burnIn < 0 || burnIn >= steps)
      throw new InvalidArgumentError(
        `burnIn must be an integer in [0, steps), got ${burnIn} (steps ${steps}); steps count the burn-in`,
      );
    const thin = options.thin ?? Math.max(1, Math.min(10, Math.floor((steps - burnIn) / 1000)));
    if (!Number.isInteger(thin) || thin < 1) throw new InvalidArgumentError(`thin must be a positive integer, got ${thin}`);
    const C = options.chains ?? 4;
    if (!Number.isInteger(C) || C < 1) throw new InvalidArgumentError(`chains must be a positive integer, got ${C}`);
    this.P = model.paramCount;
    this.n = x.rows;
    this.O = model.outputDim;
    this.C = C;
    this.steps = steps;
    this.burnIn = burnIn;
    this.thin = thin;
    this.method = options.method ?? 'lm';
    if (!LANGEVIN_METHODS.includes(this.method))
      throw new InvalidArgumentError(`method must be one of ${LANGEVIN_METHODS.join('|')}, got '${String(this.method)}'`);
    this.tol = options.biasTolerance ?? 0.01;
    if (!(Number.isFinite(this.tol) && this.tol > 0 && this.tol < 1))
      throw new InvalidArgumentError(`biasTolerance must be in (0, 1), got ${this.tol}`);
    const tre = options.targetRelativeError;
    if (tre !== undefined && !(tre > 0 && tre < 1))
      throw new InvalidArgumentError(`targetRelativeError must be in (0, 1), got ${tre}`);
    for (const [k, v] of [
      ['minSteps', options.minSteps],
      ['checkEvery', options.checkEvery],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0))
        throw new InvalidArgumentError(`${k} must be a positive integer, got ${v}`);
    }
    this.kappa = sigma2 / model.chi;
    this.invVar = new Float64Array(this.P);
    this.M = new Float64Array(this.P);
    const conv = options.lossConvention ?? 'half-sum';
    const cL = conv === 'half-sum' ? 0.5 : conv === 'sum' ? 1 : 1 / (2 * Math.max(1, this.n));
    const T = 2 * cL * this.kappa;
    for (const b of model.blocks)
      for (let i = b.offset; i < b.offset + b.size; i++) {
        this.invVar[i] = 1 / b.priorVariance;
        this.M[i] = (options.coordinates ?? 'standardised') === 'natural' ? T : b.priorVariance;
      }
    this.sqrt2M = this.M.map((m) => Math.sqrt(2 * m));
    this.update = langevinUpdater(model.backend);
    this.normals = noiseGenerator(model.backend);
    this.upd = {
      len: this.P,
      theta: this.M,
      grad: this.M,
      xi: this.M,
      invVar: this.invVar,
      m: this.M,
      sqrt2m: this.sqrt2M,
      invKappa: 1 / this.kappa,
      eta: 0,
      noiseScale: 0,
    };
    const [initRoot, noiseRoot] = split(options.key, 2) as [Key, Key];
    this.chainKeys = Array.from({ length: C }, (_, c) => fold(noiseRoot, c));
    const fl = model.firstLayer?.(new Float64Array(this.P));
    this.hasW = fl !== undefined;
    this.d = fl?.cols ?? 0;
    if (options.teacherDirection) {
      const w = options.teacherDirection;
      if (!this.hasW || w.length !== this.d)
        throw new ShapeError(`teacherDirection has length ${w.length}; the model's first layer has d = ${this.d}`);
      const nrm = Math.sqrt(w.reduce((p, q) => p + q * q, 0));
      if (!(nrm > 0) || !Number.isFinite(nrm))
        throw new InvalidArgumentError('teacherDirection must be a finite non-zero vector');
      this.wStar = w.map((v) => v / nrm);
    }
    if (options.modulus !== undefined && (!this.hasW || this.d !== 2 * options.modulus))
      throw new ShapeError(
        `modulus ${options.modulus} needs a first layer with 2p = ${2 * options.modulus} inputs, got ${this.d}`,
      );
    this.bins = options.overlapBins ?? 60;
    const wBlock = model.blocks.find((b) => b.name === 'W');
    this.qRange =
      options.overlapRange ??
      Math.max(1.5, (8 * Math.sqrt((wBlock?.priorVariance ?? 1) * Math.max(1, this.d))) / Math.sqrt(Math.max(1, this.d)));
    const aBlock = model.blocks.find((b) => b.name === 'a');
    const rbPossible =
      model.features !== undefined &&
      aBlock !== undefined &&
      aBlock.offset + aBlock.size === this.P &&
      aBlock.shape[1] === this.O;
    const rbOpt = options.raoBlackwell ?? 'auto';
    if (rbOpt === true && !rbPossible)
      throw new InvalidArgumentError(
        "raoBlackwell needs a model with `features` and a last readout block 'a' of shape [N, outputs]",
      );
    this.rb = rbPossible && (rbOpt === true || (rbOpt === 'auto' && this.n > 0 && this.n <= 400));
    const xTest = options.xTest ? { xTest: options.xTest } : {};
    const conditional = this.rb
      ? {
          conditional: raoBlackwell({
            model,
            x,
            y,
            ...xTest,
            kappa: sigma2 / model.chi,
            readoutVariance: aBlock?.priorVariance ?? 0,
          }),
        }
      : {};
    this.recorders = [
      predictionRecorder({ model, y, ...xTest, ...(options.yTest ? { yTest: options.yTest } : {}), chains: C, ...conditional }),
      ...(this.hasW ? [weightNormRecorder()] : []),
      ...(aBlock ? [readoutNormRecorder(aBlock)] : []),
      ...(this.wStar
        ? [
            overlapRecorder({
              wStar: this.wStar,
              bins: this.bins,
              range: this.qRange,
              x,
              ...(options.xTest ? { xTest: options.xTest } : {}),
              outputs: model.outputDim,
              inputsAreFirstLayer: model.inputDim === this.d,
            }),
          ]
        : []),
      ...(options.modulus !== undefined ? [fourierRecorder(options.modulus)] : []),
    ];
    this.scalarNames = this.recorders.flatMap((r) => r.scalars);
    this.perChain = [...this.recorders.flatMap((r) => r.perChain ?? []), 'sumWW'];
    this.scalars = new Float64Array(this.scalarNames.length);
    let h = 2166136261;
    h = fnv(h, x.data);
    h = fnv(h, y.data);
    if (options.xTest) h = fnv(h, options.xTest.data);
    if (this.wStar) h = fnv(h, this.wStar);
    const cfg = JSON.stringify({
      kind: model.kind,
      P: this.P,
      blocks: model.blocks,
      chi: model.chi,
      sigma2,
      steps,
      burnIn,
      thin,
      C,
      method: this.method,
      coords: options.coordinates ?? 'standardised',
      pre: options.preconditioner ?? 'auto',
      conv,
      stepSize: options.stepSize ?? 'auto',
      safety: options.stepSafety ?? null,
      tol: this.tol,
      key: keyToJSON(options.key),
      backend: model.backend.name,
      precision: model.backend.precision,
      aligned: [options.alignedChains ?? 0, options.alignedOverlap ?? 1],
      bins: this.bins,
      qr: this.qRange,
      mod: options.modulus ?? null,
      rb: this.rb,
      data: h,
      ...(options.targetRelativeError !== undefined
        ? { target: [options.targetRelativeError, options.minSteps ?? null, options.checkEvery ?? null] }
        : {}),
    });
    this.fingerprint = `v1-${fnv(
      2166136261,
      Array.from(cfg, (ch) => ch.charCodeAt(0)),
    ).toString(16)}`;
    this.grad = new Float64Array(this.P);
    this.bLoss = new Float64Array(C);
    // default batch: all chains while the ensemble's per-step buffers (≈ n·P per chain) stay cache-sized, fewer for
    // large problems, where one chain's GEMMs are already large and bigger batches only add memory traffic
    this.chainBatch = options.chainBatch ?? Math.max(1, Math.min(C, Math.floor(4194304 / Math.max(1, this.n * this.P))));
    const pre = options.preconditioner ?? 'auto';
    if (!['diagonal', 'dense', 'auto'].includes(pre))
      throw new InvalidArgumentError(`preconditioner must be 'diagonal', 'dense' or 'auto', got '${String(pre)}'`);
    const standardised = (options.coordinates ?? 'standardised') === 'standardised';
    if (pre === 'dense' && (!standardised || this.method === 'mala'))
      throw new InvalidArgumentError("preconditioner 'dense' needs standardised coordinates and method 'lm' or 'euler'");
    this.denseAllowed =
      this.method !== 'mala' &&
      standardised &&
      this.n > 0 &&
      (pre === 'dense' || (pre === 'auto' && this.P <= 256 && this.n * this.O <= 512 && C * this.n * this.O >= 2 * this.P));
    if (!Number.isInteger(this.chainBatch) || this.chainBatch < 1)
      throw new InvalidArgumentError(`chainBatch must be a positive integer, got ${options.chainBatch}`);
    this.pred = new Float64Array(this.n * this.O);
    this.curU = new Float64Array(C);
    this.curG = Array.from({ length: C }, () => new Float64Array(this.P));
    this.curPred = Array.from({ length: C }, () => new Float64Array(this.n * this.O));
    this.fresh = new Array<boolean>(C).fill(false);
    this.initAcc();
    if (resume) {
      if ((resume.noiseStream ?? 1) !== LANGEVIN_NOISE_STREAM)
        throw new InvalidArgumentError(
          `checkpoint does not match this run (drawn with Langevin noise stream ${String(resume.noiseStream ?? 1)}, this sftdl draws stream ${LANGEVIN_NOISE_STREAM}); delete it and rerun`,
        );
      if (resume.version !== 2 || resume.fingerprint !== this.fingerprint) {
        const be =
          resume.backend !== model.backend.name || resume.precision !== model.backend.precision
            ? ` (it was written by backend ${String(resume.backend)} ${String(resume.precision)}, this run uses ${model.backend.name} ${model.backend.precision})`
            : '';
        throw new InvalidArgumentError(
          `checkpoint does not match this run (different data, model, flags, seed or backend)${be}; delete it or rerun with the original flags`,
        );
      }
      if (resume.params.length !== C || resume.params.some((p) => p.length !== this.P) || resume.step > steps) {
        throw new InvalidArgumentError(
          'checkpoint does not match this run (parameter shapes or step count differ); delete it or rerun with the original flags',
        );
      }
      this.s = resume;
      if (resume.preconditioner) {
        if (!this.denseAllowed || resume.preconditioner.length !== this.P * this.P)
          throw new InvalidArgumentError(
            'checkpoint does not match this run (preconditioner); delete it or rerun with the original flags',
          );
        this.setDense(Float64Array.from(resume.preconditioner));
      }
      for (const [k, v] of Object.entries(resume.acc)) this.acc[k] = Float64Array.from(v);
    } else {
      const params = Array.from({ length: C }, (_, c) => this.initChain(fold(initRoot, c), c));
      this.s = {
        version: 2,
        noiseStream: LANGEVIN_NOISE_STREAM,
        fingerprint: this.fingerprint,
        backend: model.backend.name,
        precision: model.backend.precision,
        step: 0,
        stepSize: NaN,
        params: params.map((p) => Array.from(p)),
        acc: {},
        traces: Array.from({ length: C }, () => this.scalarNames.map(() => [])),
        traceStride: 1,
        traceCount: 0,
        samples: 0,
        accepted: new Array<number>(C).fill(0),
        proposed: new Array<number>(C).fill(0),
        adaptAccepted: 0,
        adaptProposed: 0,
        predictedBias: NaN,
        preconditioner: null,
      };
      const ss = options.stepSize ?? 'auto';
      if (ss !== 'auto' && (!Number.isFinite(ss) || ss <= 0))
        throw new InvalidArgumentError(`stepSize must be > 0 or 'auto', got ${ss}`);
    }
  }

  /** The current state (for checkpoints); accumulators are copied in. */
  state(): SamplerState {
    const acc: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(this.acc)) acc[k] = Array.from(v);
    return { ...this.s, acc };
  }

  private initAcc(): void {
    const a = this.acc;
    // (in the order of earlier versions: the predictions' sums, the weight covariance, then the other recorders')
    this.recorders.forEach((r, i) => {
      for (const [name, len] of Object.entries(r.accumulators)) a[name] = new Float64Array(len);
      if (i === 0 && this.hasW) a.sumWW = new Float64Array(this.C * this.d * this.d);
    });
  }

  private initChain(k: Key, c: number): Float64Array {
    const { model } = this.options;
    const p = model.init(k);
    const aligned = this.options.alignedChains ?? 0;
    if (c < aligned) {
      if (!this.wStar) throw new InvalidArgumentError('alignedChains needs a teacherDirection');
      const W = model.firstLayer!(p);
      const q0 = this.options.alignedOverlap ?? 1;
      const signs = uniform(fold(k, 1), W.rows);
      for (let i = 0; i < W.rows; i++) {
        const row = W.data.subarray(i * this.d, (i + 1) * this.d);
        let q = 0;
        for (let j = 0; j < this.d; j++) q += row[j]! * this.wStar[j]!;
        const target = signs[i]! < 0.5 ? -q0 : q0;
        for (let j = 0; j < this.d; j++) row[j]! += (target - q) * this.wStar[j]!;
      }
    }
    return p;
  }

  /** U(θ) (up to a constant), its gradient into g and the prediction into pred. */
  private energy(theta: Float64Array, g: Float64Array, pred: Float64Array): number {
    const { model, x, y } = this.options;
    let L: number;
    if (model.lossGrad) L = model.lossGrad(theta, x, y, g, pred);
    else {
      const f = model.apply(theta, x);
      const r = new Float64Array(f.data.length);
      L = 0;
      for (let k = 0; k < r.length; k++) {
        r[k] = f.data[k]! - y.data[k]!;
        L += r[k]! * r[k]!;
      }
      L *= 0.5;
      g.set(this.n > 0 ? model.grad(theta, x, { rows: f.rows, cols: f.cols, data: r }) : new Float64Array(this.P));
      pred.set(f.data);
    }
    return this.addPrior(theta, g, L);
  }

  /** U = L/κ + Σθ²/(2 var) from the data loss L; turns the loss gradient g into ∇U in place. */
  private addPrior(theta: Float64Array, g: Float64Array, L: number): number {
    const ik = 1 / this.kappa;
    let U = L * ik;
    for (let i = 0; i < this.P; i++) {
      const t = theta[i]!;
      U += 0.5 * t * t * this.invVar[i]!;
      g[i] = g[i]! * ik + t * this.invVar[i]!;
    }
    return U;
  }

  /**
   * λ̂_max of M^{1/2} H M^{1/2} (Gauss–Newton H = JᵀJ/κ + diag(1/var)) by power iteration in output space:
   * `total` (likelihood part plus the largest prior curvature, an upper bound) and `lik` (likelihood part alone).
   */
  private curvature(theta: Float64Array): { total: number; lik: number } {
    const { model, x } = this.options;
    let prior = 0;
    // dense: the prior part D^{-1/2} M D^{-1/2} = (G + I)⁻¹ has eigenvalues ≤ 1
    if (this.dense) prior = 1;
    else for (let i = 0; i < this.P; i++) prior = Math.max(prior, this.M[i]! * this.invVar[i]!);
    const m = this.n * this.O;
    if (m === 0) return { total: prior, lik: 0 };
    const u0 = normal(fold(this.options.key, 0x7fffffff), m);
    let u = u0,
      lam = 0;
    const tn = Math.sqrt(theta.reduce((a, b) => a + b * b, 0)) + 1e-300;
    for (let it = 0; it < 30; it++) {
      let nu = 0;
      for (let k = 0; k < m; k++) nu += u[k]! * u[k]!;
      nu = Math.sqrt(nu);
      for (let k = 0; k < m; k++) u[k]! /= nu;
      const jt = model.grad(theta, x, { rows: this.n, cols: this.O, data: u }); // Jᵀu
      if (this.dense)
        jt.set(this.applyM(jt)); // v = M Jᵀu
      else for (let i = 0; i < this.P; i++) jt[i]! *= this.M[i]!;
      const vn = Math.sqrt(jt.reduce((a, b) => a + b * b, 0));
      if (!(vn > 0)) return { total: prior, lik: 0 };
      const eps = (1e-5 * tn) / vn;
      const tp = theta.map((t, i) => t + eps * jt[i]!),
        tm = theta.map((t, i) => t - eps * jt[i]!);
      const fp = model.apply(tp, x).data,
        fm = model.apply(tm, x).data;
      const w = new Float64Array(m);
      for (let k = 0; k < m; k++) w[k] = (fp[k]! - fm[k]!) / (2 * eps);
      const prev = lam;
      lam = w.reduce((a, b, k) => a + b * u[k]!, 0);
      u = w;
      if (it >= 5 && Math.abs(lam - prev) <= 1e-3 * Math.abs(lam)) break;
    }
    const lik = Math.abs(lam) / this.kappa;
    return { total: lik + prior, lik };
  }

  /** M·v for the dense preconditioner (into a scratch buffer). */
  private applyM(v: Float64Array): Float64Array {
    const P = this.P,
      M = this.dense!.M,
      out = this.mg;
    for (let i = 0; i < P; i++) {
      let sv = 0;
      const o = i * P;
      for (let j = 0; j < P; j++) sv += M[o + j]! * v[j]!;
      out[i] = sv;
    }
    return out;
  }

  /** Installs the dense preconditioner from A = (G + I)⁻¹: M = D^{1/2}AD^{1/2}, B = √2·D^{1/2}·chol(A). */
  private setDense(A: Float64Array): void {
    const P = this.P;
    const sd = Float64Array.from(this.M, (m) => Math.sqrt(m)); // diagonal M = prior variances here
    const L = referenceBackend.cholesky({ rows: P, cols: P, data: A }).data;
    const M = new Float64Array(P * P),
      B = new Float64Array(P * P);
    for (let i = 0; i < P; i++)
      for (let j = 0; j < P; j++) {
        M[i * P + j] = sd[i]! * A[i * P + j]! * sd[j]!;
        if (j <= i) B[i * P + j] = Math.SQRT2 * sd[i]! * L[i * P + j]!;
      }
    this.dense = { M, B };
    this.mg = new Float64Array(P);
    this.bz = new Float64Array(P);
  }

  /**
   * A = (G + I)⁻¹ with G = D^{1/2}⟨JᵀJ⟩D^{1/2}/κ averaged over the chains' current states (J the n·O × P Jacobian of
   * the training outputs, rows by VJPs with unit vectors); stored in the state so resumes are exact.
   */
  private computeDense(th: readonly Float64Array[]): void {
    const { model, x } = this.options;
    const P = this.P,
      m = this.n * this.O,
      C = th.length;
    const sd = Float64Array.from(this.M, (q) => Math.sqrt(q));
    const G = new Float64Array(P * P);
    const e = new Float64Array(m);
    const scale = 1 / (C * this.kappa);
    for (const theta of th) {
      for (let k = 0; k < m; k++) {
        e.fill(0);
        e[k] = 1;
        const row = model.grad(theta, x, { rows: this.n, cols: this.O, data: e });
        for (let i = 0; i < P; i++) row[i]! *= sd[i]!;
        for (let i = 0; i < P; i++) {
          const ri = row[i]! * scale;
          if (ri === 0) continue;
          const o = i * P;
          for (let j = 0; j <= i; j++) G[o + j]! += ri * row[j]!;
        }
      }
    }
    for (let i = 0; i < P; i++) {
      G[i * P + i]! += 1;
      for (let j = 0; j < i; j++) G[j * P + i] = G[i * P + j]!;
    }
    const Lg = referenceBackend.cholesky({ rows: P, cols: P, data: G });
    const A = referenceBackend.choleskySolve(Lg, { rows: P, cols: P, data: identity(P) }).data;
    for (let i = 0; i < P; i++)
      for (let j = 0; j < i; j++) {
        const v = 0.5 * (A[i * P + j]! + A[j * P + i]!);
        A[i * P + j] = v;
        A[j * P + i] = v;
      }
    this.s.preconditioner = Array.from(A);
    this.setDense(A);
  }

  /**
   * Curvatures over the given chain states: `total` the largest (stability: η·λ_total ≤ 1), `lik` the root mean
   * square of the likelihood curvature (the stationary bias is a posterior average of the local (ηλ_lik)²/4, so the
   * chains' mean square estimates it).
   */
  private maxCurvature(th: readonly Float64Array[]): { total: number; lik: number } {
    const c = { total: 0, lik: 0 };
    for (const p of th) {
      const k = this.curvature(p);
      c.total = Math.max(c.total, k.total);
      c.lik += (k.lik * k.lik) / th.length;
    }
    c.lik = Math.sqrt(c.lik);
    return c;
  }

  /** Predicted relative variance bias of step η given the curvatures (see {@link LangevinResult.predictedBias}). */
  private predictBias(eta: number, c: { total: number; lik: number }): number {
    if (this.method === 'mala') return 0;
    if (this.method === 'euler') return (eta * c.total) / 2;
    return ((eta * c.lik) / 2) ** 2;
  }

  /**
   * Sets the step size (automatic: the largest η with predicted bias ≤ tolerance and ηλ̂_max ≤ 1, the critically
   * damped step of the stiffest Gaussian mode) and its predicted bias, from the curvature at every chain's state.
   */
  private adaptStep(th: Float64Array[]): void {
    const opt = this.options.stepSize ?? 'auto';
    if (this.method === 'mala') {
      this.s.predictedBias = 0;
      if (opt !== 'auto') {
        this.s.stepSize = opt;
        return;
      }
      if (Number.isFinite(this.s.stepSize)) return; // MALA: adapted by acceptance after the first estimate
    }
    // a fixed step: its predicted bias is evaluated once, at the end of the run (result()), so that timed runs with
    // a given step do no curvature estimation
    if (opt !== 'auto') {
      this.s.stepSize = opt;
      this.s.predictedBias = NaN;
      return;
    }
    const c = this.maxCurvature(th);
    let eta: number;
    if (this.method === 'mala') eta = (this.options.stepSafety ?? 0.5) / c.total;
    else if (this.method === 'euler') eta = (2 * this.tol) / c.total;
    // stability margin: η·λ̂_max ≤ 1/2 with data (λ̂ is a Gauss–Newton estimate; the full Hessian can be stiffer), ≤ 1 (critical
    // damping of the stiffest Gaussian mode) for the prior alone, which is exactly Gaussian
    else eta = Math.min((this.n > 0 ? 0.5 : 1) / c.total, c.lik > 0 ? (2 * Math.sqrt(this.tol)) / c.lik : Infinity);
    this.s.stepSize = eta;
    this.s.predictedBias = this.predictBias(eta, c);
  }

  /** Runs to the end and returns the result (continuing from a resumed state if given). */
  run(): LangevinResult {
    this.advance(this.steps);
    return this.result();
  }

  /** Advances every chain up to step `untilStep` (capped at `steps`); use {@link state} to checkpoint manually. */
  advance(untilStep: number): void {
    const end = Math.min(untilStep, this.steps);
    const th = this.s.params.map((p) => Float64Array.from(p));
    while (this.s.step < end && !this.stopped) {
      const t = this.s.step;
      this.syncAt(t, th);
      this.segment(th, 0, this.C, t, this.nextStop(t, end));
      this.afterSegment(th);
    }
    this.s.params = th.map((p) => Array.from(p));
  }

  /**
   * Like {@link run}, with the chains spread over worker threads (`workers`, see {@link LangevinOptions.workers});
   * bit-identical to `run()`. The pool is closed before the promise settles.
   */
  async runAsync(): Promise<LangevinResult> {
    try {
      await this.advanceAsync(this.steps);
    } finally {
      await this.close();
    }
    return this.result();
  }

  /**
   * Like {@link advance}, with the chains spread over worker threads when {@link LangevinOptions.workers} resolves
   * to more than one (the pool stays open for later calls: {@link close} it). Bit-identical to `advance`.
   */
  async advanceAsync(untilStep: number): Promise<void> {
    const w = await this.resolveWorkers();
    if (w <= 1) {
      this.advance(untilStep);
      return;
    }
    const { startPool } = await import('./parallel');
    this.pool ??= await startPool(w);
    const end = Math.min(untilStep, this.steps);
    const th = this.s.params.map((p) => Float64Array.from(p));
    const groups = Array.from(
      { length: w },
      (_, g) => [Math.floor((g * this.C) / w), Math.floor(((g + 1) * this.C) / w)] as const,
    );
    const setup = this.workerSetup();
    while (this.s.step < end && !this.stopped) {
      const t = this.s.step;
      this.syncAt(t, th);
      const t1 = this.nextStop(t, end);
      const out = await Promise.all(
        groups.map(([c0, c1]) => this.pool!.run(this.groupTask(setup, th, c0, c1, t, t1)) as Promise<GroupResult>),
      );
      groups.forEach(([c0, c1], g) => this.mergeGroup(th, c0, c1, out[g]!));
      const r0 = out[0]!;
      Object.assign(this.s, { step: t1, samples: r0.samples, traceCount: r0.traceCount, traceStride: r0.traceStride });
      this.afterSegment(th);
    }
    this.s.params = th.map((p) => Array.from(p));
  }

  /** Closes the worker pool of {@link advanceAsync} (if any); the sampler stays usable. */
  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    if (p) await p.destroy();
  }

  private pool?: { run(task: unknown): Promise<unknown>; destroy(): Promise<void> };
  private workersResolved?: number;

  /**
   * Number of worker threads {@link advanceAsync} uses (the `workers` option resolved; 1 = the calling thread).
   * 'auto': ⌊chains/8⌋ capped by the core count when the run can use workers and a chain's products are small
   * (n·N·d ≤ the two-layer net's host-loop limit, 65536 by default), else 1. Depends on sizes and the core count only.
   */
  async resolveWorkers(): Promise<number> {
    if (this.workersResolved !== undefined) return this.workersResolved;
    const opt = this.options.workers ?? 'auto';
    if (opt !== 'auto' && !(Number.isInteger(opt) && opt >= 1))
      throw new InvalidArgumentError(`workers must be a positive integer or 'auto', got ${String(opt)}`);
    const { model } = this.options;
    const eligible =
      this.method !== 'mala' &&
      model.lossGradBatch !== undefined &&
      model.spec !== undefined &&
      this.n > 0 &&
      this.C >= 2 &&
      this.options.modulus === undefined &&
      (model.backend.name === 'reference' || this.options.workerBackend !== undefined);
    let w = 1;
    if (eligible && opt !== 'auto') w = Math.min(opt, this.C);
    else if (eligible) {
      const o = model.spec!.options;
      const small = this.n * o.width * o.dim <= (o.hostLimit ?? 65536);
      const { availableParallelism } = await import('node:os');
      if (small) w = Math.max(1, Math.min(availableParallelism(), Math.floor(this.C / 8)));
    }
    this.workersResolved = w;
    return w;
  }

  /** What a worker needs to rebuild this sampler (plain data). */
  private workerSetup(): WorkerSetup {
    const { model, onCheckpoint: _c, onProgress: _p, checkpointEvery: _e, workers: _w, workerBackend, ...rest } = this.options;
    return {
      run: this.fingerprint,
      spec: model.spec!,
      backend: model.backend.name,
      precision: model.backend.precision,
      ...(workerBackend ? { backendUrl: workerBackend } : {}),
      options: rest,
    };
  }

  private groupTask(setup: WorkerSetup, th: Float64Array[], c0: number, c1: number, t0: number, t1: number): GroupTask {
    const s = this.s;
    const acc: Record<string, Float64Array> = {};
    for (const k of this.perChain) {
      const v = this.acc[k];
      if (v) {
        const len = v.length / this.C;
        acc[k] = v.slice(c0 * len, c1 * len);
      }
    }
    return {
      setup,
      c0,
      c1,
      t0,
      t1,
      stepSize: s.stepSize,
      predictedBias: s.predictedBias,
      preconditioner: s.preconditioner,
      samples: s.samples,
      traceCount: s.traceCount,
      traceStride: s.traceStride,
      params: th.slice(c0, c1),
      acc,
      traces: s.traces.slice(c0, c1),
    };
  }

  private mergeGroup(th: Float64Array[], c0: number, c1: number, r: GroupResult): void {
    for (let c = c0; c < c1; c++) {
      th[c] = r.params[c - c0]!;
      this.s.traces[c] = r.traces[c - c0]!;
    }
    for (const [k, v] of Object.entries(r.acc)) {
      if (this.perChain.includes(k)) this.acc[k]!.set(v, c0 * (this.acc[k]!.length / this.C));
      else {
        const a = this.acc[k]!;
        for (let i = 0; i < a.length; i++) a[i]! += v[i]!;
      } // histogram counts: exact integer sums
    }
  }

  /** Worker side of {@link advanceAsync}: advances one chain group through one segment. @internal */
  runGroup(task: GroupTask): GroupResult {
    const s = this.s;
    Object.assign(s, {
      step: task.t0,
      stepSize: task.stepSize,
      predictedBias: task.predictedBias,
      samples: task.samples,
      traceCount: task.traceCount,
      traceStride: task.traceStride,
    });
    if (task.preconditioner && s.preconditioner !== task.preconditioner) {
      s.preconditioner = task.preconditioner;
      this.setDense(Float64Array.from(task.preconditioner));
    }
    for (const [k, v] of Object.entries(this.acc)) {
      if (this.perChain.includes(k)) v.set(task.acc[k]!, task.c0 * (v.length / this.C));
      else v.fill(0);
    }
    const th = new Array<Float64Array>(this.C);
    for (let c = task.c0; c < task.c1; c++) {
      th[c] = task.params[c - task.c0]!;
      s.traces[c] = task.traces[c - task.c0]!;
    }
    this.segment(th, task.c0, task.c1, task.t0, task.t1);
    const acc: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(this.acc)) {
      if (this.perChain.includes(k)) {
        const len = v.length / this.C;
        acc[k] = v.slice(task.c0 * len, task.c1 * len);
      } else acc[k] = v;
    }
    return {
      params: th.slice(task.c0, task.c1),
      acc,
      traces: s.traces.slice(task.c0, task.c1),
      samples: s.samples,
      traceCount: s.traceCount,
      traceStride: s.traceStride,
    };
  }

  /** Dense preconditioner and step-size adaptation due at step t (they use every chain's state). */
  private syncAt(t: number, th: Float64Array[]): void {
    const b = this.burnIn;
    const densePoints = this.denseAllowed ? [Math.floor(b / 4), Math.floor(b / 2)].filter((q) => q > 0) : [];
    const adaptPoints = [0, ...densePoints, Math.floor(b / 2), Math.floor((3 * b) / 4), b];
    if (densePoints.includes(t)) this.computeDense(th);
    if (adaptPoints.includes(t) && !(this.method === 'mala' && t > 0 && (this.options.stepSize ?? 'auto') === 'auto'))
      this.adaptStep(th);
  }

  /**
   * The first step after t (at most `end`) at which the ensemble must synchronise: an adaptation point, a checkpoint
   * or a progress report. Between two stops every chain advances independently of the others.
   */
  private nextStop(t: number, end: number): number {
    const b = this.burnIn;
    const cand = [end, Math.floor(b / 4), Math.floor(b / 2), Math.floor((3 * b) / 4), b];
    const every = this.options.checkpointEvery ?? 0;
    if (every > 0 && this.options.onCheckpoint) cand.push((Math.floor(t / every) + 1) * every);
    if (this.options.onProgress) {
      const r = this.reportEvery();
      cand.push((Math.floor(t / r) + 1) * r);
    }
    const chk = this.checks();
    if (chk) cand.push(t < chk.min ? chk.min : chk.min + (Math.floor((t - chk.min) / chk.every) + 1) * chk.every);
    return Math.min(...cand.filter((q) => q > t));
  }

  private reportEvery(): number {
    return Math.max(1, Math.floor(this.steps / 20));
  }

  /** The precision checks of {@link LangevinOptions.targetRelativeError} (undefined without a target). */
  private checks(): { target: number; min: number; every: number } | undefined {
    const target = this.options.targetRelativeError;
    if (target === undefined) return undefined;
    return { target, min: this.options.minSteps ?? Math.min(this.steps, 60000), every: this.options.checkEvery ?? 12000 };
  }

  /** Largest relative standard error of the weight-covariance eigenvalues and mean predictions (see the option). */
  private relativeError(r: LangevinResult): number {
    let e = 0;
    const ev = r.weightCovEigenvalues,
      es = r.weightCovEigenvaluesStdError;
    if (ev && es)
      ev.forEach((v, k) => {
        e = Math.max(e, es[k]! / Math.abs(v));
      });
    const pred = (m: Mat | undefined, se: Mat | undefined) => {
      if (!m || !se || m.data.length === 0) return;
      const rms = Math.sqrt(m.data.reduce((p, q) => p + q * q, 0) / m.data.length);
      for (const v of se.data) e = Math.max(e, v / rms);
    };
    pred(r.meanPrediction, r.meanPredictionStdError);
    pred(r.meanPredictionTest, r.meanPredictionTestStdError);
    return Number.isFinite(e) ? e : Infinity;
  }

  private stopped = false;

  /** Checkpoint and progress callbacks due at the current step (after the precision check, which may stop the run). */
  private afterSegment(th: Float64Array[]): void {
    const s = this.s;
    const chk = this.checks();
    if (chk && s.step >= chk.min && (s.step - chk.min) % chk.every === 0 && s.step < this.steps && s.step > this.burnIn) {
      s.params = th.map((p) => Array.from(p));
      if (this.relativeError(this.result()) <= chk.target) {
        this.stopped = true;
        return;
      }
    }
    const every = this.options.checkpointEvery ?? 0;
    if (every > 0 && s.step % every === 0 && s.step < this.steps && this.options.onCheckpoint) {
      s.params = th.map((p) => Array.from(p));
      this.options.onCheckpoint(this.state());
    }
    if (this.options.onProgress && s.step % this.reportEvery() === 0) this.options.onProgress(s.step, this.steps);
  }

  /**
   * Advances chains [c0, c1) (states in th[c0..c1)) from step t0 to t1 with no synchronisation in between. Each
   * chain's arithmetic depends only on its own state, its key and the shared step size/preconditioner, so any split
   * of the chains (batches, worker groups) gives bit-identical numbers.
   */
  private segment(th: Float64Array[], c0: number, c1: number, t0: number, t1: number): void {
    const { burnIn, thin, C, P, method } = this;
    const s = this.s;
    // per-step buffers, kept between segments (a segment can be a few steps long: benchmarks, frequent checkpoints)
    if (this.xiBuf.length !== P) this.xiBuf = new Float64Array(P);
    const xi = this.xiBuf;
    // Leimkuhler–Matthews: the noise of step t is (ξ_t + ξ_{t+1})/2, ξ_t = the stream's normals for fold(chainKey, t)
    // (regenerated from the key at the start of every segment, so no noise is stored in the state)
    const lm = method === 'lm';
    const xiPrev: Float64Array[] = [];
    if (lm)
      for (let c = c0; c < c1; c++) {
        let v = this.xiPrevBufs[c];
        if (!v || v.length !== P) v = this.xiPrevBufs[c] = new Float64Array(P);
        const k0 = fold(this.chainKeys[c]!, t0);
        this.normals(k0.k0, k0.k1, v);
        xiPrev[c] = v;
      }
    const batched = method !== 'mala' && this.options.model.lossGradBatch !== undefined && this.n > 0;
    const cb = this.chainBatch;
    if (batched && this.bGrad.length !== C) {
      this.bGrad = Array.from({ length: C }, () => new Float64Array(P));
      this.bPred = Array.from({ length: C }, () => new Float64Array(this.n * this.O));
    }
    // MALA's proposal buffers (unused by LM and Euler)
    const mala = method === 'mala';
    const prop = new Float64Array(mala ? P : 0),
      gProp = new Float64Array(mala ? P : 0),
      pProp = new Float64Array(mala ? this.n * this.O : 0);
    // batched diagonal LM/Euler steps: prior gradient and update fused (bit-identical to addPrior + the loops below)
    const fused = batched && !this.dense;
    for (let t = t0; t < t1; t++) {
      const eta = s.stepSize;
      const record = t >= burnIn && (t - burnIn) % thin === 0;
      if (batched) {
        // the chains (in groups of chainBatch) through one forward/backward pass per layer
        const { model, x, y } = this.options;
        for (let b0 = c0; b0 < c1; b0 += cb) {
          const b1 = Math.min(c1, b0 + cb);
          if (b0 === 0 && b1 === C) model.lossGradBatch!(th, x, y, this.bGrad, this.bPred, this.bLoss);
          else
            model.lossGradBatch!(
              th.slice(b0, b1),
              x,
              y,
              this.bGrad.slice(b0, b1),
              this.bPred.slice(b0, b1),
              this.bLoss.subarray(b0, b1),
            );
        }
      }
      for (let c = c0; c < c1; c++) {
        const theta = th[c]!;
        const kt = fold(this.chainKeys[c]!, lm ? t + 1 : t);
        this.normals(kt.k0, kt.k1, xi);
        let U: number, g: Float64Array, pr: Float64Array;
        if (method === 'mala' && this.fresh[c]) {
          U = this.curU[c]!;
          g = this.curG[c]!;
          pr = this.curPred[c]!;
        } else if (fused) {
          g = this.bGrad[c]!;
          pr = this.bPred[c]!;
          U = NaN;
        } // the prior enters in the fused update
        else if (batched) {
          g = this.bGrad[c]!;
          pr = this.bPred[c]!;
          U = this.addPrior(theta, g, this.bLoss[c]!);
        } else {
          g = method === 'mala' ? this.curG[c]! : this.grad;
          pr = method === 'mala' ? this.curPred[c]! : this.pred;
          U = this.energy(theta, g, pr);
          this.curU[c] = U;
          this.fresh[c] = method === 'mala';
        }
        if (record) this.record(c, theta, pr);
        if (t >= burnIn && this.hasW) this.accumulateWeights(c, theta);
        if (fused) {
          // ∇U = ∇L/κ + θ/var and the diagonal LM/Euler step in one pass (native where the backend has it)
          const u = this.upd;
          u.theta = theta;
          u.grad = g;
          u.xi = xi;
          u.eta = eta;
          u.noiseScale = lm ? Math.sqrt(eta) / 2 : Math.sqrt(eta);
          if (lm) u.xiPrev = xiPrev[c]!;
          else delete u.xiPrev;
          this.update(u);
        } else if (this.dense && method !== 'mala') {
          // θ' = θ − ηM∇U + √η/2 · B(ξ_t + ξ_{t+1}) (LM) or √η · Bξ_t (Euler), BBᵀ = 2M
          const Mg = this.applyM(g),
            z = this.bz,
            B = this.dense.B;
          if (lm) {
            const xp = xiPrev[c]!;
            for (let i = 0; i < P; i++) {
              z[i] = 0.5 * (xp[i]! + xi[i]!);
              xp[i] = xi[i]!;
            }
          } else z.set(xi);
          const se = Math.sqrt(eta);
          for (let i = 0; i < P; i++) {
            let nz = 0;
            const o = i * P;
            for (let j = 0; j <= i; j++) nz += B[o + j]! * z[j]!;
            theta[i] = theta[i]! - eta * Mg[i]! + se * nz;
          }
        } else if (lm) {
          const xp = xiPrev[c]!,
            h = Math.sqrt(eta) / 2;
          for (let i = 0; i < P; i++) {
            const z = xi[i]!;
            theta[i] = theta[i]! - eta * this.M[i]! * g[i]! + h * this.sqrt2M[i]! * (xp[i]! + z);
            xp[i] = z;
          }
        } else if (method === 'euler') {
          for (let i = 0; i < P; i++) theta[i] = theta[i]! - eta * this.M[i]! * g[i]! + Math.sqrt(eta) * this.sqrt2M[i]! * xi[i]!;
        } else {
          const se = Math.sqrt(eta);
          for (let i = 0; i < P; i++) prop[i] = theta[i]! - eta * this.M[i]! * g[i]! + se * this.sqrt2M[i]! * xi[i]!;
          const Up = this.energy(prop, gProp, pProp);
          // log q(θ|θ') − log q(θ'|θ), q(b|a) ∝ exp(−|b − a + ηM∇U(a)|²_{M⁻¹}/(4η))
          let lf = 0,
            lb = 0;
          for (let i = 0; i < P; i++) {
            const mi = this.M[i]!;
            const f = prop[i]! - theta[i]! + eta * mi * g[i]!;
            const b = theta[i]! - prop[i]! + eta * mi * gProp[i]!;
            lf += (f * f) / mi;
            lb += (b * b) / mi;
          }
          const logA = -Up + U - lb / (4 * eta) + lf / (4 * eta);
          const u = uniform(fold(kt, 0), 1)[0]!;
          const accept = Number.isFinite(logA) && Math.log(u) < logA;
          if (t >= burnIn) {
            s.proposed[c]!++;
            if (accept) s.accepted[c]!++;
          } else {
            s.adaptProposed++;
            if (accept) s.adaptAccepted++;
          }
          if (accept) {
            theta.set(prop);
            this.curU[c] = Up;
            this.curG[c]!.set(gProp);
            this.curPred[c]!.set(pProp);
          }
        }
        if (!Number.isFinite(theta[0]!) || !Number.isFinite(theta[P - 1]!)) {
          throw new ConvergenceError({
            what: 'Langevin sampler (parameters diverged)',
            iterations: t,
            residual: Infinity,
            tolerance: 0,
            hint: `the step size ${eta.toExponential(3)} is too large for this posterior; pass a smaller stepSize / --lr or use --mala`,
          });
        }
      }
      if (record) this.recordTraces(c0);
      if (method === 'mala' && t < burnIn && (this.options.stepSize ?? 'auto') === 'auto' && (t + 1) % 50 === 0) {
        const rate = s.adaptAccepted / Math.max(1, s.adaptProposed);
        s.stepSize *= rate < 0.45 ? 0.7 : rate > 0.7 ? 1.25 : 1;
        s.adaptAccepted = 0;
        s.adaptProposed = 0;
      }
      s.step = t + 1;
    }
  }

  private readonly scalars: Float64Array;

  private record(c: number, theta: Float64Array, pr: Float64Array): void {
    const model = this.options.model;
    const sc = this.scalars;
    const samples = this.s.samples;
    const sample = {
      chain: c,
      theta,
      W: this.hasW ? model.firstLayer!(theta) : undefined,
      firstHalf: samples < this.totalSamples() / 2,
      batch: this.batchOf(samples),
      predictions: pr,
    };
    let si = 0;
    for (const r of this.recorders) {
      r.record(sample, this.acc, sc, si);
      si += r.scalars.length;
    }
    // per-chain scalars are buffered in the trace (one slot per recorded sample)
    const tr = this.s.traces[c]!;
    if (this.s.traceCount % this.s.traceStride === 0) for (let k = 0; k < this.scalarNames.length; k++) tr[k]!.push(sc[k]!);
  }

  /** Batch (of {@link BATCHES} per chain) that recorded sample number `i` falls in. */
  private batchOf(i: number): number {
    return Math.min(BATCHES - 1, Math.floor((i * BATCHES) / this.totalSamples()));
  }

  /** Recorded samples per batch, for the first `S` samples. */
  private batchCounts(S: number): Float64Array {
    const cnt = new Float64Array(BATCHES);
    for (let i = 0; i < S; i++) cnt[this.batchOf(i)]!++;
    return cnt;
  }

  /**
   * (1/N)Σᵢ wᵢwᵢᵀ of one chain's state added to the weight-covariance sum. Called at every step after burn-in (not
   * only recorded ones): it is cheap (N·d² per step) and the eigenvalues need many samples.
   */
  private accumulateWeights(c: number, theta: Float64Array): void {
    const W = this.options.model.firstLayer!(theta);
    const N = W.rows,
      d = W.cols,
      w = W.data,
      acc = this.acc.sumWW!,
      base = c * d * d;
    for (let i = 0; i < N; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) {
        const v = w[o + j]! / N;
        for (let k = j; k < d; k++) acc[base + j * d + k]! += v * w[o + k]!;
      }
    }
  }

  /** Counts a recorded sample; `ref` is a chain whose traces this thread holds (all chains' traces have one length). */
  private recordTraces(ref: number): void {
    const s = this.s;
    s.samples++;
    s.traceCount++;
    if (s.traces[ref]![0]!.length >= TRACE_CAP) {
      // bounded memory: keep every other trace value and double the stride
      for (const chain of s.traces) for (let k = 0; k < chain.length; k++) chain[k] = chain[k]!.filter((_, i) => i % 2 === 0);
      s.traceStride *= 2;
    }
  }

  private totalSamples(): number {
    return Math.ceil((this.steps - this.burnIn) / this.thin);
  }

  /** Assembles the result from the accumulators (after {@link advance} stopped early: the samples so far). */
  result(): LangevinResult {
    const { model, y, xTest, yTest } = this.options;
    const { n, O, C } = this;
    const s = this.s;
    const a = this.acc;
    const S = s.samples;
    if (S < 1) throw new InvalidArgumentError('no samples were recorded: increase steps or reduce burnIn/thin');
    const no = n * O;
    if (this.method !== 'mala' && !Number.isFinite(s.predictedBias) && Number.isFinite(s.stepSize)) {
      s.predictedBias = this.predictBias(s.stepSize, this.maxCurvature(s.params.map((p) => Float64Array.from(p))));
    }
    const counts = this.batchCounts(S);
    const fb = meanAndError(a.sumF!, C, no, S, a.batchF!, counts);
    const fbar = fb.mean;
    const tm = mse(y.data, fb);
    const sum = (v: Float64Array) => v.reduce((p, q) => p + q, 0);
    const res: LangevinResult = {
      trainMse: tm.corrected,
      trainMseRaw: tm.raw,
      trainMseSamples: sum(a.sumTrainMse!) / (S * C),
      meanPrediction: { rows: n, cols: O, data: fbar },
      meanPredictionStdError: { rows: n, cols: O, data: fb.seReported },
      diagnostics: this.diagnostics(),
      engine: {
        batched: this.method !== 'mala' && model.lossGradBatch !== undefined && n > 0,
        elementwise:
          model.kind !== 'two-layer' || !(model.backend.readout || model.backend.activate)
            ? 'typescript'
            : String(model.backend.info?.elementwise ?? '').startsWith('webassembly')
              ? 'wasm'
              : 'native',
        preconditioner: this.dense ? 'dense' : 'diagonal',
        backend: model.backend.name,
        precision: model.backend.precision,
        update: model.backend.langevinUpdate ? 'native' : 'typescript',
        noise: model.backend.normals ? 'native' : wasmPhiloxAvailable() ? 'wasm' : 'typescript',
        noiseStream: LANGEVIN_NOISE_STREAM,
      },
      method: this.method,
      stepSize: s.stepSize,
      predictedBias: s.predictedBias,
      biasTolerance: this.tol,
      samples: S,
      chains: C,
      steps: Math.min(s.step, this.steps),
      burnIn: this.burnIn,
      thin: this.thin,
    };
    if (xTest) {
      const ftb = meanAndError(a.sumFTest!, C, xTest.rows * O, S, a.batchFTest!, counts);
      res.meanPredictionTest = { rows: xTest.rows, cols: O, data: ftb.mean };
      res.meanPredictionTestStdError = { rows: xTest.rows, cols: O, data: ftb.seReported };
      if (yTest) {
        const te = mse(yTest.data, ftb);
        res.testMse = te.corrected;
        res.testMseRaw = te.raw;
        res.testMseSamples = sum(a.sumTestMse!) / (S * C);
      }
    }
    if (this.hasW) {
      const d = this.d;
      const T = C * Math.max(1, Math.min(s.step, this.steps) - this.burnIn);
      const wc = new Float64Array(d * d);
      // per-chain matrices Mc (upper triangles summed per chain) and their mean
      const per = Array.from({ length: C }, (_, c) => {
        const m = new Float64Array(d * d);
        for (let j = 0; j < d; j++)
          for (let k = j; k < d; k++) {
            m[j * d + k] = (a.sumWW![c * d * d + j * d + k]! * C) / T;
            m[k * d + j] = m[j * d + k]!;
          }
        return m;
      });
      for (const m of per) for (let q = 0; q < d * d; q++) wc[q]! += m[q]! / C;
      res.weightCov = { rows: d, cols: d, data: wc };
      const eig = referenceBackend.eigh(res.weightCov);
      res.weightCovEigenvalues = Array.from(eig.values).reverse();
      if (C > 1) {
        // delta method: λ_k = v_kᵀ M v_k, so its between-chain standard error is that of v_kᵀ M_c v_k
        res.weightCovEigenvaluesStdError = res.weightCovEigenvalues.map((_, r) => {
          const col = d - 1 - r;
          const vals = per.map((m) => {
            let q = 0;
            for (let j = 0; j < d; j++)
              for (let k = 0; k < d; k++) q += eig.vectors.data[j * d + col]! * m[j * d + k]! * eig.vectors.data[k * d + col]!;
            return q;
          });
          const mean = vals.reduce((p, q) => p + q, 0) / C;
          return Math.sqrt(vals.reduce((p, q) => p + (q - mean) ** 2, 0) / ((C - 1) * C));
        });
      }
    }
    for (const r of this.recorders) r.finish?.(a, { samples: S, chains: C, result: res });
    const chk = this.checks();
    if (chk) {
      const e = this.relativeError(res);
      res.precision = { target: chk.target, relativeError: e, reached: e <= chk.target, maxSteps: this.steps };
      if (!res.precision.reached && s.step >= this.steps)
        res.diagnostics.warnings.push(
          `the step cap ${this.steps} stopped the run before the target precision: largest relative standard error ${(100 * e).toPrecision(2)}% > ${(100 * chk.target).toPrecision(2)}%; raise --max-steps or --target-error, or add chains`,
        );
    }
    if (this.method === 'mala')
      res.acceptanceRate =
        s.accepted.reduce((p, q) => p + q, 0) /
        Math.max(
          1,
          s.proposed.reduce((p, q) => p + q, 0),
        );
    return res;
  }

  private diagnostics(): Diagnostics {
    const s = this.s;
    const warnings: string[] = [];
    const per: Diagnostics['perObservable'] = {};
    const spacing = this.thin * s.traceStride; // steps between trace values
    let rhat = 1,
      tauMax = 0,
      essMin = Infinity;
    let dis = { observable: '', maxDeviationSigma: 0, disagree: false };
    const len = s.traces[0]?.[0]?.length ?? 0;
    this.scalarNames.forEach((name, k) => {
      const chains = s.traces.map((tr) => tr[k]!);
      const chainMeans = chains.map((t) => t.reduce((p, q) => p + q, 0) / Math.max(1, t.length));
      if (len < 4) {
        per[name] = { rhat: NaN, tauInt: NaN, ess: NaN, chainMeans };
        return;
      }
      const tau = integratedAutocorrTime(chains);
      const r = splitRhat(chains);
      const ess = (this.C * len) / Math.max(1, tau);
      per[name] = { rhat: r, tauInt: tau * spacing, ess, chainMeans };
      rhat = Math.max(rhat, r);
      tauMax = Math.max(tauMax, tau * spacing);
      essMin = Math.min(essMin, ess);
      if (this.C > 1) {
        const pooled = chainMeans.reduce((p, q) => p + q, 0) / this.C;
        let v = 0;
        for (const t of chains) {
          const m = t.reduce((p, q) => p + q, 0) / t.length;
          v += t.reduce((p, q) => p + (q - m) ** 2, 0) / (t.length - 1) / this.C;
        }
        const se = Math.sqrt((v * Math.max(1, tau)) / len);
        const dev = se > 0 ? Math.max(...chainMeans.map((m) => Math.abs(m - pooled))) / se : 0;
        if (dev > dis.maxDeviationSigma) dis = { observable: name, maxDeviationSigma: dev, disagree: dev > 5 };
      }
    });
    if (len < 4) warnings.push(`only ${len} recorded samples per chain: diagnostics unavailable; increase steps`);
    if (rhat > 1.05)
      warnings.push(`split-R̂ = ${rhat.toFixed(3)} > 1.05: chains have not mixed; run longer or check for metastability`);
    if (essMin < 100) warnings.push(`effective sample size ${essMin.toFixed(0)} < 100: Monte Carlo errors are large; run longer`);
    if (len >= 4 && tauMax * 50 > Math.min(s.step, this.steps) - this.burnIn)
      warnings.push(`run is shorter than 50 τ_int (τ_int ≈ ${tauMax.toFixed(0)} steps): too short to trust`);
    if (len >= 4 && this.burnIn < 5 * tauMax)
      warnings.push(`burn-in ${this.burnIn} < 5 τ_int (${(5 * tauMax).toFixed(0)} steps): raise --burn-in`);
    if (dis.disagree)
      warnings.push(
        `chains disagree on ${dis.observable} (${dis.maxDeviationSigma.toFixed(1)} standard errors): possible metastability`,
      );
    const out: Diagnostics = {
      rhat,
      tauInt: tauMax,
      ess: Number.isFinite(essMin) ? essMin : 0,
      perObservable: per,
      chainDisagreement: dis,
      warnings,
    };
    if (this.wStar) {
      const tau = per.overlap2?.tauInt ? per.overlap2.tauInt / this.thin : 1;
      out.stationarity = histogramStationarity(this.acc.hist1!, this.acc.hist2!, tau);
      if (!out.stationarity.stationary)
        warnings.push(`overlap histogram not stationary (χ²/dof = ${out.stationarity.chi2PerDof.toFixed(2)}): run longer`);
    }
    if (this.method === 'euler' && Number.isFinite(s.stepSize) && s.params.length > 0) {
      // O(η) bias along the stiffest direction at the final state: relative variance error ≈ ηλ̂_max/2
      const bias = (s.stepSize * this.curvature(Float64Array.from(s.params[0]!)).total) / 2;
      out.eulerBias = bias;
      if (bias > 0.25)
        warnings.push(
          `Euler–Maruyama bias ηλ_max/2 = ${bias.toFixed(2)}: variances along the stiffest direction are off by that fraction; lower the step size or use MALA`,
        );
    }
    if (s.predictedBias > this.tol * (1 + 1e-9)) {
      warnings.push(
        `predicted variance bias ${(100 * s.predictedBias).toPrecision(3)}% of the ${this.method} step η = ${s.stepSize.toExponential(3)} exceeds the tolerance ${(100 * this.tol).toPrecision(3)}%: use a smaller step (--lr / stepSize), 'auto', or method 'mala'`,
      );
    }
    return out;
  }
}

function checkFinite(m: Mat, name: string): void {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]!)) {
      throw new InvalidArgumentError(
        `LangevinSampler: ${name}[${Math.floor(i / Math.max(1, m.cols))}][${i % Math.max(1, m.cols)}] is ${m.data[i]}; every entry of ${name} must be a finite number`,
      );
    }
  }
}

/**
 * Runs a {@link LangevinSampler} to the end and returns its result.
 *
 * *When to use*: one-shot sampling without checkpoints.
 *
 * @example
 * ```ts
 * const r = sampleLangevin({ model, x, y, sigma2: 0.1, key: key(0), steps: 5000 });
 * ```
 */
export function sampleLangevin(options: LangevinOptions): LangevinResult {
  return new LangevinSampler(options).run();
}
