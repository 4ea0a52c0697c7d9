/**
 * The tour's budgeted Langevin ensemble of erf networks on the cubic teacher: steps chosen from a measured rate,
 * a hard wall-clock cap, chunked advancing (Ctrl-C → checkpoint), and the measured observables (learned H1/H3
 * coefficients of the ensemble-mean predictor on fresh test inputs, the overlap histogram −log p(w·w*)).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ComputeBackend, Mat } from '@sftdl/compute';
import { type Key, fold, hermiteHe } from '@sftdl/field';
import type { Dataset } from '@sftdl/teachers';
import { LangevinSampler, type LangevinOptions, type OverlapHistogram, type SamplerState, stateFromJSON, stateToJSON, twoLayerNet } from '@sftdl/training';
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
  /** Wall-clock cap in seconds (the run stops early, after burn-in, with the samples recorded so far). */
  capSeconds: number;
  thin: number;
  key: Key;
  backend: ComputeBackend;
  onProgress?: (step: number, steps: number) => void;
  /**
   * Checkpoint file (sampler state), written every `everySeconds` and on Ctrl-C; or, with `store`, an opaque store
   * (a sweep task's checkpoint handle) that loads and saves the state text instead of `path`.
   */
  checkpoint?: { path: string; resume: boolean; everySeconds: number; store?: { load(): string | undefined; save(text: string): void } };
}

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
  rhat: number;
  warnings: string[];
}

function model(spec: Pick<EnsembleSpec, 'sizes' | 'backend'>) {
  const p = spec.sizes.params;
  return twoLayerNet({ dim: p.dim, width: p.width, activation: 'erf', sigmaW2: p.sigmaW2, sigmaA2: p.sigmaA2, backend: spec.backend });
}

function samplerOptions(spec: EnsembleSpec, steps: number): LangevinOptions {
  const { data } = spec;
  return {
    model: model(spec), x: data.x, y: data.y, xTest: data.xTest!, yTest: data.yTest!, sigma2: spec.sigma2, key: spec.key,
    steps, burnIn: Math.floor(steps / 4), thin: spec.thin, chains: spec.chains,
    teacherDirection: Float64Array.from(data.meta.teacherDirection!), alignedChains: spec.alignedChains, alignedOverlap: spec.alignedOverlap,
    overlapBins: 48, overlapRange: 1.6,
    ...(spec.onProgress ? { onProgress: spec.onProgress } : {}),
  };
}

/**
 * Measured chain-steps per second of this model/data on this machine (a throw-away run of about `probeSeconds`),
 * used to choose the number of steps that fits the time budget.
 */
export async function measureRate(spec: Omit<EnsembleSpec, 'steps' | 'onProgress' | 'checkpoint'>, probeSeconds = 1): Promise<number> {
  // Same options as the real run (recording every `thin` steps after a short burn-in whose step-size estimates
  // fall in the untimed first half); `big` steps are never reached.
  const big = 1_000_000;
  const s = new LangevinSampler({ ...samplerOptions({ ...spec, steps: big }, big), burnIn: 5 });
  // The first steps run cold (JIT, library initialisation): time only the second half of the probe (≥ 2 steps).
  let step = 0;
  const t0 = performance.now();
  let tHalf = 0, stepHalf = 0, chunk = 1;
  for (;;) {
    const ts = performance.now();
    step += chunk;
    s.advance(step);
    await yieldToEventLoop();
    if (interruptRequested()) throw new Interrupted();
    const now = performance.now();
    chunk = Math.max(1, Math.min(50, Math.round((0.1 * chunk * 1000) / Math.max(now - ts, 1e-3))));
    const el = (now - t0) / 1000;
    if (!tHalf && el > probeSeconds / 2) { tHalf = now; stepHalf = step; }
    else if (tHalf && el > probeSeconds && step - stepHalf >= 2) break;
  }
  const secs = Math.max((performance.now() - tHalf) / 1000, 1e-6);
  return ((step - stepHalf) * spec.chains) / secs;
}

/** Steps per chain that fit `seconds` at `rate` chain-steps/s, clamped to [minSteps, maxSteps]. */
export function stepsForBudget(o: { seconds: number; rate: number; chains: number; minSteps: number; maxSteps: number }): number {
  const s = Math.floor((o.seconds * o.rate) / o.chains);
  return Math.max(o.minSteps, Math.min(o.maxSteps, s));
}

/** Least-squares projection of f on He0…He5(z): coefficients of He1 and He3 with standard errors. */
export function hermiteFit(f: ArrayLike<number>, z: ArrayLike<number>): { he1: number; he1Se: number; he3: number; he3Se: number } {
  const K = 6;
  const n = z.length;
  const A = new Float64Array(K * K);
  const rhs = new Float64Array(K);
  const row = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) row[k] = hermiteHe(k, z[i]);
    for (let a = 0; a < K; a++) { rhs[a] += row[a] * f[i]; for (let b = 0; b < K; b++) A[a * K + b] += row[a] * row[b]; }
  }
  const inv = invertSmall(A, K);
  const beta = new Float64Array(K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) beta[a] += inv[a * K + b] * rhs[b];
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (let k = 0; k < K; k++) p += beta[k] * hermiteHe(k, z[i]);
    rss += (f[i] - p) ** 2;
  }
  const s2 = rss / Math.max(1, n - K);
  return { he1: beta[1], he1Se: Math.sqrt(s2 * inv[1 * K + 1]), he3: beta[3], he3Se: Math.sqrt(s2 * inv[3 * K + 3]) };
}

function invertSmall(A: Float64Array, K: number): Float64Array {
  const M = Float64Array.from(A);
  const I = new Float64Array(K * K);
  for (let i = 0; i < K; i++) I[i * K + i] = 1;
  for (let c = 0; c < K; c++) {
    let p = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(M[r * K + c]) > Math.abs(M[p * K + c])) p = r;
    for (let j = 0; j < K; j++) { [M[c * K + j], M[p * K + j]] = [M[p * K + j], M[c * K + j]]; [I[c * K + j], I[p * K + j]] = [I[p * K + j], I[c * K + j]]; }
    const d = M[c * K + c];
    for (let j = 0; j < K; j++) { M[c * K + j] /= d; I[c * K + j] /= d; }
    for (let r = 0; r < K; r++) if (r !== c) {
      const fct = M[r * K + c];
      if (fct !== 0) for (let j = 0; j < K; j++) { M[r * K + j] -= fct * M[c * K + j]; I[r * K + j] -= fct * I[c * K + j]; }
    }
  }
  return I;
}

function project(x: Mat, w: ArrayLike<number>): Float64Array {
  const z = new Float64Array(x.rows);
  let nrm = 0;
  for (let j = 0; j < x.cols; j++) nrm += w[j] * w[j];
  nrm = Math.sqrt(nrm);
  for (let i = 0; i < x.rows; i++) { let s = 0; for (let j = 0; j < x.cols; j++) s += x.data[i * x.cols + j] * w[j]; z[i] = s / nrm; }
  return z;
}

/** Runs one ensemble (resuming from its checkpoint when asked), stopping at the step budget or the time cap. */
export async function runEnsemble(spec: EnsembleSpec): Promise<EnsembleOutcome> {
  const ck = spec.checkpoint;
  let resume: SamplerState | undefined;
  if (ck?.store) { const t = ck.store.load(); if (t !== undefined) resume = stateFromJSON(t); }
  else if (ck?.resume && existsSync(ck.path)) resume = stateFromJSON(readFileSync(ck.path, 'utf8'));
  const save = (text: string) => (ck?.store ? ck.store.save(text) : writeFileAtomic(ck!.path, text));
  const opts = samplerOptions(spec, spec.steps);
  const sampler = new LangevinSampler(opts, resume);
  const burnIn = opts.burnIn!;
  const minStop = burnIn + 4 * spec.thin;
  const t0 = performance.now();
  let lastCk = t0;
  let step = resume?.step ?? 0;
  // chunks of ~0.25 s keep Ctrl-C and the time cap responsive without measurable overhead
  let chunk = 1;
  while (step < spec.steps) {
    const ts = performance.now();
    const from = step;
    step = Math.min(spec.steps, step + chunk);
    sampler.advance(step);
    await yieldToEventLoop();
    const now = performance.now();
    chunk = Math.max(1, Math.min(1000, Math.round((0.25 * 1000 * (step - from)) / Math.max(now - ts, 1e-3))));
    if (ck && (interruptRequested() || (now - lastCk) / 1000 > ck.everySeconds)) { save(stateToJSON(sampler.state())); lastCk = now; }
    if (interruptRequested()) throw new Interrupted(ck?.path, `Langevin σ² = ${spec.sigma2} at step ${step} of ${spec.steps}`);
    if ((now - t0) / 1000 > spec.capSeconds && step >= minStop) break;
  }
  const r = sampler.result();
  const seconds = (performance.now() - t0) / 1000;
  const w = spec.data.meta.teacherDirection!;
  const fit = hermiteFit(r.meanPredictionTest!.data, project(spec.data.xTest!, w));
  return {
    sigma2: spec.sigma2, stepsPlanned: spec.steps, stepsDone: step, burnIn, recordedSamples: r.samples, chains: spec.chains,
    alignedChains: spec.alignedChains, seconds, stepSize: r.stepSize,
    he1: r.hermite?.test?.he1 ?? NaN, he3: r.hermite?.test?.he3 ?? NaN,
    learnedLinear: fit.he1, learnedLinearSe: fit.he1Se, learnedCubic: fit.he3, learnedCubicSe: fit.he3Se,
    overlap: r.overlapHistogram!, rhat: r.diagnostics.rhat, warnings: r.diagnostics.warnings,
  };
}

/** Key of the ensemble at σ² index i (data use other folds of the same root). */
export function ensembleKey(root: Key, i: number): Key {
  return fold(root, 100 + i);
}
