/**
 * The tour's budgeted Langevin ensemble of erf networks on the cubic teacher: steps chosen from a measured rate,
 * a hard wall-clock cap, chunked advancing (Ctrl-C → checkpoint), and the measured observables (learned H1/H3
 * coefficients of the ensemble-mean predictor on fresh test inputs, the overlap histogram −log p(w·w*)).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ComputeBackend, Mat } from '@sftdl/compute';
import { type Key, fold, hermiteHe } from '@sftdl/field';
import type { Dataset } from '@sftdl/teachers';
import {
  LangevinSampler,
  type LangevinOptions,
  type OverlapHistogram,
  type SamplerState,
  integratedAutocorrTime,
  splitRhat,
  stateFromJSON,
  stateToJSON,
  twoLayerNet,
} from '@sftdl/training';
import { writeFileAtomic } from '../io';
import { Interrupted, interruptRequested, yieldToEventLoop } from './interrupt';
import type { ScaledSizes } from './sizes';

/** One ensemble run at one σ². */
export interface EnsembleSpec {
  sizes: ScaledSizes;
  data: Dataset;
  sigma2: number;
  chains: number;
  /** Chains started teacher-aligned (at overlap `alignedOverlap`). */
  alignedChains: number;
  alignedOverlap: number;
  steps: number;
  /**
   * Optional wall-clock cap in seconds (the run stops early, after burn-in, with the samples recorded so far). Makes the
   * result depend on the machine's speed: the tour and the sweeps never set it (default: no cap).
   */
  capSeconds?: number;
  thin: number;
  key: Key;
  backend: ComputeBackend;
  onProgress?: (step: number, steps: number) => void;
  /**
   * Checkpoint file (sampler state), written every `everySeconds` and on Ctrl-C; or, with `store`, an opaque store
   * (a sweep task's checkpoint handle) that loads and saves the state text instead of `path`.
   */
  checkpoint?: {
    path: string;
    resume: boolean;
    everySeconds: number;
    store?: { load(): string | undefined; save(text: string): void };
  };
  /** Burn-in steps (default steps/4). */
  burnIn?: number;
  /**
   * Stopping rule: stop as soon as split-R̂ ≤ `rhat` and ESS ≥ `ess` hold for the learned coefficients (per-chain
   * traces) and for the sampler's own scalars, checked every `checkEvery` recorded samples (default 20) — at fixed
   * steps, so the result depends only on the parameters and the key; `steps` is then a cap. The outcome's
   * `equilibrated` is judged against {@link EQUILIBRATION_TARGET} (or `judge`), so a stricter stopping rule leaves a margin.
   */
  target?: { rhat: number; ess: number; checkEvery?: number };
  /** Target the outcome's `equilibrated` is judged against (default {@link EQUILIBRATION_TARGET}). */
  judge?: { rhat: number; ess: number };
  /** Worker threads for the chains (bit-identical results for any count; default 1). */
  workers?: number;
}

/** The equilibration target of the tour (issue 19): split-R̂ ≤ 1.05 and ESS ≥ 100 for the learned coefficients. */
export const EQUILIBRATION_TARGET = { rhat: 1.05, ess: 100 } as const;

/** The R̂ of the tour's stopping rule: a margin below the 1.05 target, so that a run does not stop on a lucky dip. */
export const STOP_RHAT = 1.03;

/** What the tour reports of one ensemble. */
export interface EnsembleOutcome {
  sigma2: number;
  stepsPlanned: number;
  stepsDone: number;
  burnIn: number;
  recordedSamples: number;
  chains: number;
  alignedChains: number;
  seconds: number;
  stepSize: number;
  /** E[f̄ He1(z)] and E[f̄ He3(z)]/6 on the test inputs (the training package's plain projections). */
  he1: number;
  he3: number;
  /** Least-squares fit of f̄ on He0…He5(z) over the test inputs (unbiased, lower variance): learned linear and cubic coefficients with standard errors. */
  learnedLinear: number;
  learnedLinearSe: number;
  learnedCubic: number;
  learnedCubicSe: number;
  overlap: OverlapHistogram;
  /** Largest split-R̂: over the learned coefficients' per-chain traces and the sampler's tracked scalars. */
  rhat: number;
  /** Smallest effective sample size over the same observables. */
  ess: number;
  /** Split-R̂, ESS and τ_int (in steps) of the learned coefficients' per-chain traces (the fit of each sample's f on the test inputs). */
  learnedDiagnostics: { linear: ScalarDiagnostics; cubic: ScalarDiagnostics };
  /** The sampler's own diagnostics (train MSE, weight and readout norms, mean squared overlap). */
  samplerRhat: number;
  samplerEss: number;
  /** Monte Carlo and fit (finite test set) parts of the standard errors; learned*Se = √(mc² + fit²). */
  learnedLinearSeMc: number;
  learnedCubicSeMc: number;
  learnedCubicSeFit: number;
  /** Whether R̂ ≤ target and ESS ≥ target were both reached (false: flagged, drawn hollow in the report). */
  equilibrated: boolean;
  /**
   * Hysteresis check: the learned coefficients of the chains started from the prior and of those started
   * teacher-aligned (means of their per-chain trace means; absent for a start without chains).
   */
  starts: { prior?: StartMeans; aligned?: StartMeans };
  target: { rhat: number; ess: number };
  workers: number;
  warnings: string[];
}

/** Means of the learned coefficients over the chains of one start. */
export interface StartMeans {
  chains: number;
  learnedLinear: number;
  learnedCubic: number;
}

/** Convergence diagnostics of one scalar from per-chain traces. */
export interface ScalarDiagnostics {
  rhat: number;
  ess: number;
  tauInt: number;
  mean: number;
  se: number;
}

/**
 * Split-R̂, ESS = C·L/τ_int and the Monte Carlo standard error of the pooled mean (the larger of the τ-corrected
 * pooled estimate and the between-chain one) of per-chain traces of equal length L ≥ 4. `spacing`: steps per trace value.
 */
export function traceDiagnostics(chains: number[][], spacing: number): ScalarDiagnostics {
  const L = Math.min(...chains.map((t) => t.length));
  const C = chains.length;
  const tr = chains.map((t) => t.slice(0, L));
  const means = tr.map((t) => t.reduce((p, q) => p + q, 0) / L);
  const mean = means.reduce((p, q) => p + q, 0) / C;
  const between = C > 1 ? Math.sqrt(means.reduce((p, m) => p + (m - mean) ** 2, 0) / ((C - 1) * C)) : NaN;
  if (L < 4) return { rhat: NaN, ess: 0, tauInt: NaN, mean: L > 0 ? mean : NaN, se: L > 0 ? between : NaN }; // too short for τ_int and R̂
  const tau = Math.max(1, integratedAutocorrTime(tr));
  let v = 0;
  for (const t of tr) for (const x of t) v += (x - mean) ** 2;
  v /= C * L - 1;
  const ess = (C * L) / tau;
  return {
    rhat: splitRhat(tr),
    ess,
    tauInt: tau * spacing,
    mean,
    se: C > 1 ? Math.max(Math.sqrt(v / ess), between) : Math.sqrt(v / ess),
  };
}

/** Module URL from which worker threads rebuild a named backend (only the openblas backend is supported besides the reference one). */
function workerBackendUrl(name: string): string {
  if (name !== 'openblas')
    throw new RangeError(`worker threads rebuild only the reference and openblas backends, not '${name}'; use workers: 1`);
  return import.meta.resolve('@sftdl/backend-openblas');
}

function model(spec: Pick<EnsembleSpec, 'sizes' | 'backend'>) {
  const p = spec.sizes.params;
  return twoLayerNet({
    dim: p.dim,
    width: p.width,
    activation: 'erf',
    sigmaW2: p.sigmaW2,
    sigmaA2: p.sigmaA2,
    backend: spec.backend,
  });
}

function samplerOptions(spec: EnsembleSpec, steps: number): LangevinOptions {
  const { data } = spec;
  return {
    model: model(spec),
    x: data.x,
    y: data.y,
    xTest: data.xTest!,
    yTest: data.yTest!,
    sigma2: spec.sigma2,
    key: spec.key,
    steps,
    burnIn: spec.burnIn ?? Math.floor(steps / 4),
    thin: spec.thin,
    chains: spec.chains,
    ...(spec.workers !== undefined && spec.workers > 1
      ? {
          workers: spec.workers,
          ...(spec.backend.name === 'reference' ? {} : { workerBackend: workerBackendUrl(spec.backend.name) }),
        }
      : {}),
    teacherDirection: Float64Array.from(data.meta.teacherDirection!),
    alignedChains: spec.alignedChains,
    alignedOverlap: spec.alignedOverlap,
    overlapBins: 48,
    overlapRange: 1.6,
    ...(spec.onProgress ? { onProgress: spec.onProgress } : {}),
  };
}

/**
 * Measured chain-steps per second of this model/data on this machine (a throw-away run of about `probeSeconds`),
 * used to choose the number of steps that fits the time budget.
 */
export async function measureRate(
  spec: Omit<EnsembleSpec, 'steps' | 'onProgress' | 'checkpoint'>,
  probeSeconds = 1,
): Promise<number> {
  // Same options as the real run (recording every `thin` steps after a short burn-in whose step-size estimates
  // fall in the untimed first half); `big` steps are never reached.
  const big = 1_000_000;
  const s = new LangevinSampler({ ...samplerOptions({ ...spec, steps: big }, big), burnIn: 5 });
  try {
    return await probe(s, spec.chains, probeSeconds);
  } finally {
    await s.close();
  }
}

async function probe(s: LangevinSampler, chains: number, probeSeconds: number): Promise<number> {
  // The first steps run cold (JIT, library initialisation): time only the second half of the probe (≥ 2 steps).
  let step = 0;
  const t0 = performance.now();
  let tHalf = 0,
    stepHalf = 0,
    chunk = 1;
  for (;;) {
    const ts = performance.now();
    step += chunk;
    await s.advanceAsync(step);
    await yieldToEventLoop();
    if (interruptRequested()) throw new Interrupted();
    const now = performance.now();
    chunk = Math.max(1, Math.min(50, Math.round((0.1 * chunk * 1000) / Math.max(now - ts, 1e-3))));
    const el = (now - t0) / 1000;
    if (!tHalf && el > probeSeconds / 2) {
      tHalf = now;
      stepHalf = step;
    } else if (tHalf && el > probeSeconds && step - stepHalf >= 2) break;
  }
  const secs = Math.max((performance.now() - tHalf) / 1000, 1e-6);
  return ((step - stepHalf) * chains) / secs;
}

/** Steps per chain that fit `seconds` at `rate` chain-steps/s, clamped to [minSteps, maxSteps]. */
export function stepsForBudget(o: { seconds: number; rate: number; chains: number; minSteps: number; maxSteps: number }): number {
  const s = Math.floor((o.seconds * o.rate) / o.chains);
  return Math.max(o.minSteps, Math.min(o.maxSteps, s));
}

const HERMITE_K = 6;

/**
 * The least-squares operator of the fit of f on He0…He5(z): rows r1, r3 with he1 = r1·f and he3 = r3·f, and the
 * diagonal entries of (AᵀA)⁻¹ for the standard errors. Linear in f, so the fit of the mean predictor is the mean of the fits.
 */
export function hermiteFitOperator(z: ArrayLike<number>): {
  r1: Float64Array;
  r3: Float64Array;
  inv: Float64Array;
  design: Float64Array;
} {
  const K = HERMITE_K;
  const n = z.length;
  const A = new Float64Array(K * K);
  const design = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) design[i * K + k] = hermiteHe(k, z[i]!);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) A[a * K + b]! += design[i * K + a]! * design[i * K + b]!;
  }
  const inv = invertSmall(A, K);
  const r1 = new Float64Array(n),
    r3 = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let b = 0; b < K; b++) {
      r1[i]! += inv[K + b]! * design[i * K + b]!;
      r3[i]! += inv[3 * K + b]! * design[i * K + b]!;
    }
  return { r1, r3, inv, design };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Least-squares projection of f on He0…He5(z): coefficients of He1 and He3 with standard errors. */
export function hermiteFit(
  f: ArrayLike<number>,
  z: ArrayLike<number>,
): { he1: number; he1Se: number; he3: number; he3Se: number } {
  return hermiteFitWith(hermiteFitOperator(z), f);
}

function hermiteFitWith(
  op: ReturnType<typeof hermiteFitOperator>,
  f: ArrayLike<number>,
): { he1: number; he1Se: number; he3: number; he3Se: number } {
  const K = HERMITE_K;
  const n = f.length;
  // full coefficient vector for the residual: β = (AᵀA)⁻¹Aᵀf, recomputed from the design
  const rhs = new Float64Array(K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) rhs[k]! += op.design[i * K + k]! * f[i]!;
  const inv = op.inv;
  const beta = new Float64Array(K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) beta[a]! += inv[a * K + b]! * rhs[b]!;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (let k = 0; k < K; k++) p += beta[k]! * op.design[i * K + k]!;
    rss += (f[i]! - p) ** 2;
  }
  const s2 = rss / Math.max(1, n - K);
  return { he1: dot(op.r1, f), he1Se: Math.sqrt(s2 * inv[K + 1]!), he3: dot(op.r3, f), he3Se: Math.sqrt(s2 * inv[3 * K + 3]!) };
}

/** Gauss–Jordan inverse of a small K×K matrix with partial pivoting (the 6×6 Hermite normal matrix). */
function invertSmall(A: Float64Array, K: number): Float64Array {
  const M = Float64Array.from(A);
  const I = new Float64Array(K * K);
  const at = (m: Float64Array, i: number) => m[i] ?? NaN;
  const swap = (m: Float64Array, i: number, j: number) => {
    const t = at(m, i);
    m[i] = at(m, j);
    m[j] = t;
  };
  for (let i = 0; i < K; i++) I[i * K + i] = 1;
  for (let c = 0; c < K; c++) {
    let p = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(at(M, r * K + c)) > Math.abs(at(M, p * K + c))) p = r;
    for (let j = 0; j < K; j++) {
      swap(M, c * K + j, p * K + j);
      swap(I, c * K + j, p * K + j);
    }
    const d = at(M, c * K + c);
    for (let j = 0; j < K; j++) {
      M[c * K + j] = at(M, c * K + j) / d;
      I[c * K + j] = at(I, c * K + j) / d;
    }
    for (let r = 0; r < K; r++) {
      if (r === c) continue;
      const fct = at(M, r * K + c);
      if (fct !== 0)
        for (let j = 0; j < K; j++) {
          M[r * K + j] = at(M, r * K + j) - fct * at(M, c * K + j);
          I[r * K + j] = at(I, r * K + j) - fct * at(I, c * K + j);
        }
    }
  }
  return I;
}

function project(x: Mat, w: ArrayLike<number>): Float64Array {
  const z = new Float64Array(x.rows);
  const nrm = Math.sqrt(dot(w, w));
  for (let i = 0; i < x.rows; i++) z[i] = dot(x.data.subarray(i * x.cols, (i + 1) * x.cols), w) / nrm;
  return z;
}

const finiteOr0 = (v: number) => (Number.isFinite(v) ? v : 0);

/** Checkpoint text of an ensemble: the sampler state plus the per-chain traces of the learned coefficients. */
interface EnsembleCheckpoint {
  sampler: string;
  he1: number[][];
  he3: number[][];
}

function loadCheckpoint(text: string): { state: SamplerState; he1?: number[][]; he3?: number[][] } {
  const j = JSON.parse(text) as Partial<EnsembleCheckpoint>;
  if (typeof j.sampler === 'string' && Array.isArray(j.he1) && Array.isArray(j.he3))
    return { state: stateFromJSON(j.sampler), he1: j.he1, he3: j.he3 };
  return { state: stateFromJSON(text) }; // a plain sampler state (checkpoints written before the traces were kept)
}

/**
 * Runs one ensemble (resuming from its checkpoint when asked), stopping at the step budget, the time cap, or — with
 * `target` — as soon as the learned coefficients and the sampler's scalars are equilibrated. After burn-in every
 * `thin` steps each chain's prediction on the test inputs is projected on He1 and He3 (per-chain traces), which gives
 * split-R̂, ESS and the Monte Carlo standard error of the learned coefficients.
 */
export async function runEnsemble(spec: EnsembleSpec): Promise<EnsembleOutcome> {
  const ck = spec.checkpoint;
  let resume: ReturnType<typeof loadCheckpoint> | undefined;
  if (ck?.store) {
    const t = ck.store.load();
    if (t !== undefined) resume = loadCheckpoint(t);
  } else if (ck?.resume && existsSync(ck.path)) resume = loadCheckpoint(readFileSync(ck.path, 'utf8'));
  const opts = samplerOptions(spec, spec.steps);
  const sampler = new LangevinSampler(opts, resume?.state);
  const C = spec.chains;
  const he1: number[][] = resume?.he1 ?? Array.from({ length: C }, () => []);
  const he3: number[][] = resume?.he3 ?? Array.from({ length: C }, () => []);
  const save = () => {
    const text = JSON.stringify({ sampler: stateToJSON(sampler.state()), he1, he3 } satisfies EnsembleCheckpoint);
    if (ck?.store) ck.store.save(text);
    else if (ck) writeFileAtomic(ck.path, text);
  };
  const burnIn = opts.burnIn!;
  const thin = spec.thin;
  const minStop = burnIn + 8 * thin;
  const xTest = spec.data.xTest!;
  const w = spec.data.meta.teacherDirection!;
  const op = hermiteFitOperator(project(xTest, w));
  const net = opts.model;
  const recordTraces = () => {
    const params = sampler.state().params;
    for (let c = 0; c < C; c++) {
      const f = net.apply(Float64Array.from(params[c]!), xTest).data;
      he1[c]!.push(dot(op.r1, f));
      he3[c]!.push(dot(op.r3, f));
    }
  };
  const learned = () => ({ linear: traceDiagnostics(he1, thin), cubic: traceDiagnostics(he3, thin) });
  const t0 = performance.now();
  let lastCk = t0;
  const checkEvery = spec.target?.checkEvery ?? 20;
  let step = resume?.state.step ?? 0;
  let converged = false;
  // chunks of ~0.25 s keep Ctrl-C and the time cap responsive; after burn-in chunks end on the recording grid
  let chunk = 1;
  try {
    while (step < spec.steps) {
      const ts = performance.now();
      const from = step;
      // before burn-in: chunks up to the burn-in step; after it: exactly one recording interval (deterministic records)
      const to = Math.min(spec.steps, from < burnIn ? Math.min(burnIn, from + chunk) : from + thin);
      await sampler.advanceAsync(to);
      step = to;
      if (step >= burnIn && (step - burnIn) % thin === 0) recordTraces();
      await yieldToEventLoop();
      const now = performance.now();
      chunk = Math.max(1, Math.min(1000, Math.round((0.25 * 1000 * (step - from)) / Math.max(now - ts, 1e-3))));
      if (ck && (interruptRequested() || (now - lastCk) / 1000 > ck.everySeconds)) {
        save();
        lastCk = now;
      }
      if (interruptRequested()) throw new Interrupted(ck?.path, `Langevin σ² = ${spec.sigma2} at step ${step} of ${spec.steps}`);
      const recorded = he1[0]?.length ?? 0;
      if (spec.target && step >= minStop && step >= burnIn && (step - burnIn) % thin === 0 && recorded % checkEvery === 0) {
        const l = learned();
        const d = sampler.result().diagnostics;
        converged =
          [l.linear, l.cubic].every((x) => x.rhat <= spec.target!.rhat && x.ess >= spec.target!.ess) &&
          d.rhat <= spec.target.rhat &&
          d.ess >= spec.target.ess;
        if (converged) break;
      }
      if (spec.capSeconds !== undefined && (now - t0) / 1000 > spec.capSeconds && step >= minStop) break;
    }
  } finally {
    await sampler.close();
  }
  const r = sampler.result();
  const seconds = (performance.now() - t0) / 1000;
  const l = learned();
  const fit = hermiteFitWith(op, r.meanPredictionTest!.data);
  const target = spec.judge ?? EQUILIBRATION_TARGET;
  const rhat = Math.max(r.diagnostics.rhat, l.linear.rhat, l.cubic.rhat);
  const ess = Math.min(r.diagnostics.ess, l.linear.ess, l.cubic.ess);
  const equilibrated = rhat <= target.rhat && ess >= target.ess;
  const warnings = [...r.diagnostics.warnings];
  if (!equilibrated)
    warnings.push(
      `not equilibrated: R̂ = ${rhat.toFixed(3)} (target ≤ ${target.rhat}), ESS = ${ess.toFixed(0)} (target ≥ ${target.ess}) for the learned coefficients and the sampler's scalars`,
    );
  const startsOf = (): EnsembleOutcome['starts'] => {
    const prior = startMeans(nAligned, C),
      aligned = startMeans(0, nAligned);
    return { ...(prior ? { prior } : {}), ...(aligned ? { aligned } : {}) };
  };
  const startMeans = (c0: number, c1: number): StartMeans | null => {
    if (c1 <= c0 || !(he1[0]?.length ?? 0)) return null;
    const m = (t: number[][]) => {
      let a = 0;
      for (let c = c0; c < c1; c++) a += t[c]!.reduce((p, q) => p + q, 0) / t[c]!.length;
      return a / (c1 - c0);
    };
    return { chains: c1 - c0, learnedLinear: m(he1), learnedCubic: m(he3) };
  };
  const nAligned = Math.min(spec.alignedChains, C);
  return {
    sigma2: spec.sigma2,
    stepsPlanned: spec.steps,
    stepsDone: step,
    burnIn,
    recordedSamples: r.samples,
    chains: C,
    alignedChains: spec.alignedChains,
    seconds,
    stepSize: r.stepSize,
    he1: r.hermite?.test?.he1 ?? NaN,
    he3: r.hermite?.test?.he3 ?? NaN,
    // the trace means are the fits of the mean of the recorded predictions; standard errors combine the Monte Carlo
    // error (τ-corrected, ≥ between-chain) and the fit error of the finite test set
    // (a run too short to record: the fit of the sampler's f̄ and its fit error only)
    learnedLinear: Number.isFinite(l.linear.mean) ? l.linear.mean : fit.he1,
    learnedLinearSe: Math.hypot(finiteOr0(l.linear.se), fit.he1Se),
    learnedCubic: Number.isFinite(l.cubic.mean) ? l.cubic.mean : fit.he3,
    learnedCubicSe: Math.hypot(finiteOr0(l.cubic.se), fit.he3Se),
    learnedLinearSeMc: l.linear.se,
    learnedCubicSeMc: l.cubic.se,
    learnedCubicSeFit: fit.he3Se,
    overlap: r.overlapHistogram!,
    rhat,
    ess,
    learnedDiagnostics: l,
    samplerRhat: r.diagnostics.rhat,
    samplerEss: r.diagnostics.ess,
    equilibrated,
    starts: startsOf(),
    target: { rhat: target.rhat, ess: target.ess },
    workers: spec.workers ?? 1,
    warnings,
  };
}

/** Key of the ensemble at σ² index i (data use other folds of the same root). */
export function ensembleKey(root: Key, i: number): Key {
  return fold(root, 100 + i);
}
