import { UsageError } from '@sftdl/cli-kit';
import { type Mat, referenceBackend } from '@sftdl/compute';
import { type Key, hermiteHeNormalized, key as makeKey, keyToJSON, normal, normalMat, split } from '@sftdl/field';
import {
  type CandidateSolution,
  Fraction,
  type Prediction,
  type Runner,
  builtinModels,
  compareWithPrediction,
  fitOnsetExponent,
  onsetFromCurve,
  parseTarget,
  predict,
  runSweep,
  twoLayerFcn,
  twoLayerLinear,
} from '@sftdl/scaling';
import { linearTwoLayerExactPosterior } from '@sftdl/training';
import type { Command, CommandContext } from '../context';

const MODELS = ['two-layer', 'two-layer-linear', 'three-layer', 'attention', 'cnn'] as const;

function exponentFlag(ctx: CommandContext, name: string): Fraction | undefined {
  const s = ctx.flags.string(name);
  if (s === undefined) return undefined;
  let f: Fraction;
  try {
    f = Fraction.parse(s);
  } catch {
    throw new UsageError(`--${name} must be a number or a ratio such as 1/3, got '${s}'`);
  }
  if (f.sign() < 0) throw new UsageError(`--${name} must be ≥ 0 (the width/length is d^exponent ≥ O(1)), got '${s}'`);
  return f;
}

function countsOf(s: CandidateSolution) {
  const counts: Record<string, number> = {};
  const countsExact: Record<string, string> = {};
  const countsFormula: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.variables)) {
    counts[k] = v.exponent.toNumber();
    countsExact[k] = v.exponent.toString();
    countsFormula[k] = v.formula;
  }
  return { counts, countsExact, countsFormula };
}

function candidateJson(s: CandidateSolution) {
  return {
    mechanism: s.mechanism,
    pStarExponent: s.exponent.toNumber(),
    pStarExponentExact: s.exponent.toString(),
    formula: s.formula,
    energy: s.energy,
    leadingCoefficient: s.leadingCoefficient,
    ...countsOf(s),
    source: s.source,
    inPaperTable: s.inPaperTable,
    ...(s.note ? { note: s.note } : {}),
  };
}

const EXP_FLAG: Record<string, string> = {
  N: 'width-exponent',
  N1: 'width1-exponent',
  N2: 'width2-exponent',
  L: 'context-exponent',
};

export function predictionJson(p: Prediction, extra: Record<string, unknown> = {}) {
  return {
    model: p.model,
    target: `he${p.target.degree}`,
    scaling: Object.fromEntries(Object.entries(p.scaling).map(([k, v]) => [k, v.toNumber()])),
    pStarExponent: p.pStarExponent.toNumber(),
    pStarExponentExact: p.pStarExponent.toString(),
    mechanism: p.mechanism,
    ...countsOf(p.winner),
    formula: p.formula,
    energy: p.winner.energy,
    candidates: p.candidates.map(candidateJson),
    ...(p.otherCandidates.length ? { otherCandidates: p.otherCandidates.map(candidateJson) } : {}),
    phaseBoundaries: p.phaseBoundaries.map((b) => ({
      symbol: b.symbol,
      flag: EXP_FLAG[b.symbol] ?? b.symbol,
      at: b.at.toNumber(),
      atExact: b.at.toString(),
      from: b.from,
      to: b.to,
      condition: b.condition,
    })),
    ...extra,
  };
}

export const SCOPE = {
  predicts:
    'equilibrium (Bayesian posterior / Langevin stationary law) sample complexity P*/κ ∝ E_min, up to O(1) prefactors; exponents are in d after substituting N = d^ν, L = d^ℓ',
  outOfScope: [
    'SGD-specific laws: online SGD n ~ d^(k-1) (Ben Arous et al. 2021), CSQ / smoothed SGD d^(k/2) (Damian et al. 2023), data reuse d·polylog d — dynamical, not predicted here',
    'γ = 2 (mean-field readout) and vanishing ridge κ → 0: the bound may be vacuous (paper limitation)',
  ],
};

async function runPredict(ctx: CommandContext): Promise<void> {
  const model = ctx.flags.choice('model', MODELS, 'two-layer');
  const target = (() => {
    const s = ctx.flags.string('target', 'he3');
    try {
      return parseTarget(s);
    } catch (e) {
      throw new UsageError(`--target: ${(e as Error).message}`);
    }
  })();
  const nu = exponentFlag(ctx, 'width-exponent');
  const nu1 = exponentFlag(ctx, 'width1-exponent');
  const nu2 = exponentFlag(ctx, 'width2-exponent');
  const ell = exponentFlag(ctx, 'context-exponent');
  const patterns = ctx.flags.choice('patterns', ['default', 'all'] as const, 'default');
  const gamma = ctx.flags.number('gamma', { default: 1 });
  if (gamma !== 1 && gamma !== 2) throw new UsageError(`--gamma must be 1 (standard) or 2 (mean-field), got '${gamma}'`);
  const sweepMax = ctx.flags.number('sweep-max', { min: 0 });
  ctx.flags.assertAllUsed();

  const scaling: Record<string, Fraction> = {};
  const one = Fraction.ONE;
  if (model === 'two-layer' || model === 'two-layer-linear') {
    if (nu1 || nu2)
      throw new UsageError(`--width1-exponent/--width2-exponent apply to --model three-layer; use --width-exponent for ${model}`);
    if (ell) throw new UsageError('--context-exponent applies only to --model attention');
    scaling.N = nu ?? one;
  } else if (model === 'three-layer') {
    if (ell) throw new UsageError('--context-exponent applies only to --model attention');
    scaling.N1 = nu1 ?? nu ?? one;
    scaling.N2 = nu2 ?? nu ?? one;
  } else if (model === 'attention') {
    if (nu1 || nu2) throw new UsageError('--width1-exponent/--width2-exponent apply to --model three-layer');
    scaling.L = ell ?? Fraction.ZERO;
  } else if (nu || nu1 || nu2 || ell) {
    throw new UsageError('--model cnn is a stated exponent (d^(3/4)) and takes no width/context exponents');
  }
  let m = builtinModels[model]!;
  if (gamma === 2) {
    if (m.kind !== 'fcn') throw new UsageError('--gamma 2 applies only to the fully connected models');
    m = { ...m, gamma: 2 };
  }
  const p = predict(m, {
    target,
    scaling,
    allPatterns: patterns === 'all',
    reportOthers: model === 'three-layer' && patterns === 'default',
    ...(sweepMax !== undefined ? { sweepMax } : {}),
  });
  const notes: string[] = [];
  if (model === 'attention' && nu) notes.push('--width-exponent does not enter the stated attention law √(L·d³)');
  if (gamma === 2) notes.push('γ = 2 (mean-field) is outside the validated scope of the paper');
  const extra = {
    ...(model === 'attention' && nu ? { widthExponent: nu.toNumber() } : {}),
    scope: SCOPE,
    ...(notes.length ? { notes } : {}),
  };
  const json = predictionJson(p, extra);
  const human = [
    `${p.model}, target He${p.target.degree}, ${
      Object.entries(p.scaling)
        .map(([k, v]) => `${k} = d^${v}`)
        .join(', ') || 'no scaling relations'
    }`,
    `  P*/κ ∝ d^${p.pStarExponent}   mechanism ${p.mechanism}   E* = ${p.formula}`,
    ...Object.entries(p.winner.variables).map(
      ([k, v]) => `  ${k}* = ${v.formula}  (d^${v.exponent}${v.at ? `, at its ${v.at} bound` : ''})`,
    ),
    '  candidates:',
    ...p.candidates.map((c) => `    ${c.mechanism.padEnd(10)} d^${c.exponent.toString().padEnd(6)} ${c.formula}`),
    ...(p.otherCandidates.length
      ? [
          '  other pattern pairs (not in the default minimum):',
          ...p.otherCandidates.map((c) => `    ${c.mechanism.padEnd(10)} d^${c.exponent.toString().padEnd(6)} ${c.formula}`),
        ]
      : []),
    '  phase boundaries:',
    ...p.phaseBoundaries.map(
      (b) => `    ${b.symbol}: exponent ${b.at}  ${b.from} → ${b.to}${b.condition ? `  (${b.condition})` : ''}`,
    ),
    ...notes.map((n) => `  note: ${n}`),
  ].join('\n');
  ctx.emit(json, human);
}

// ---------------------------------------------------------------------------------------------
// scaling measure: an empirical sweep with an exact equilibrium runner

/** A Gaussian training/test set for a single-index He_k teacher y = He_k(w*·x)/√(k!), |w*| = 1. */
function teacherData(k: Key, n: number, nTest: number, d: number, degree: number) {
  const [kw, kx, kt] = split(k, 3);
  const w = normal(kw!, d);
  const nrm = Math.hypot(...w);
  for (let j = 0; j < d; j++) w[j]! /= nrm;
  const X = normalMat(kx!, n, d);
  const Xt = normalMat(kt!, nTest, d);
  const label = (A: Mat) => {
    const y = new Float64Array(A.rows);
    for (let i = 0; i < A.rows; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += A.data[i * d + j]! * w[j]!;
      y[i] = hermiteHeNormalized(degree, z);
    }
    return y;
  };
  return { X, Xt, y: label(X), yt: label(Xt), w };
}

/**
 * Exact equilibrium runner 1: the two-layer LINEAR network's exact Bayesian posterior
 * (@sftdl/training linearTwoLayerExactPosterior), linear teacher y = w*·x.
 */
export function linearRunner(sigma2: number, nTest: number): Runner {
  return ({ samples, dim, width, key }) => {
    const { X, Xt, y, yt, w } = teacherData(key, samples, nTest, dim, 1);
    const post = linearTwoLayerExactPosterior({ x: X, y, xTest: Xt, sigma2, width, nodes: 200 });
    return { prediction: post.meanPredictionTest!, target: yt, teacherDirection: w };
  };
}

/**
 * Exact equilibrium runner 2: the infinite-width (lazy) limit of the two-layer erf network, i.e. GP
 * regression with the erf NNGP kernel K = (2/π) arcsin(2x·x'/d / √((1+2|x|²/d)(1+2|x'|²/d))) (σ_w² = σ_a² = 1),
 * on a He_k teacher. Its predicted onset is the GP row P* ∝ d^k.
 */
export function gpErfRunner(sigma2: number, nTest: number, degree: number): Runner {
  return ({ samples, dim, key }) => {
    const { X, Xt, y, yt } = teacherData(key, samples, nTest, dim, degree);
    const sq = (A: Mat) =>
      Float64Array.from({ length: A.rows }, (_, i) => {
        let s = 0;
        for (let j = 0; j < dim; j++) s += A.data[i * dim + j]! ** 2;
        return 1 + (2 * s) / dim;
      });
    const kern = (G: Mat, a: Float64Array, b: Float64Array) => {
      const out = new Float64Array(G.rows * G.cols);
      for (let i = 0; i < G.rows; i++)
        for (let j = 0; j < G.cols; j++) {
          const t = (2 * G.data[i * G.cols + j]!) / dim / Math.sqrt(a[i]! * b[j]!);
          out[i * G.cols + j] = (2 / Math.PI) * Math.asin(Math.max(-1, Math.min(1, t)));
        }
      return { rows: G.rows, cols: G.cols, data: out };
    };
    const sx = sq(X);
    const st = sq(Xt);
    const K = kern(referenceBackend.gram(X), sx, sx);
    for (let i = 0; i < samples; i++) K.data[i * samples + i]! += sigma2;
    const alpha = referenceBackend.choleskySolve(referenceBackend.cholesky(K), { rows: samples, cols: 1, data: y });
    const Ks = kern(referenceBackend.matmul(Xt, X, { transB: true }), st, sx);
    return { prediction: referenceBackend.matmul(Ks, alpha).data, target: yt };
  };
}

export async function runMeasure(ctx: CommandContext): Promise<void> {
  const runnerName = ctx.flags.choice('runner', ['linear', 'gp'] as const, 'linear');
  const target = (() => {
    try {
      return parseTarget(ctx.flags.string('target', 'he1'));
    } catch (e) {
      throw new UsageError(`--target: ${(e as Error).message}`);
    }
  })();
  const dims =
    ctx.flags.numberList('dims', { integer: true, positive: true }) ??
    (runnerName === 'linear' ? [8, 16, 32, 64] : target.degree === 1 ? [16, 32, 64, 128] : [4, 5, 6, 7]);
  const seeds = ctx.flags.number('seeds', { integer: true, positive: true, default: 4 });
  const threshold = ctx.flags.number('threshold', { min: 0.01, max: 0.99, default: 0.5 });
  const resamples = ctx.flags.number('bootstrap', { integer: true, positive: true, default: 200 });
  const sigma2 = ctx.flags.number('sigma2', { positive: true, default: 0.1 });
  const widthFactor = ctx.flags.number('width-factor', { positive: true, default: 2 });
  const widthExpStr = ctx.flags.string('width-exponent', '1');
  const method = ctx.flags.choice('method', ['threshold', 'collapse'] as const, 'threshold');
  const nTest = ctx.flags.number('test-samples', { integer: true, positive: true, default: 500 });
  const seed = ctx.flags.number('seed', { integer: true, min: 0, default: 0 });
  const pMultiples = ctx.flags.numberList('p-multiples', { positive: true });
  ctx.flags.assertAllUsed();
  if (dims.length < 2) throw new UsageError('--dims needs at least two input dimensions');
  if (runnerName === 'linear' && target.degree !== 1)
    throw new UsageError('--runner linear uses the linear teacher; use --target he1');
  if (runnerName === 'gp' && target.degree % 2 === 0)
    throw new UsageError('--runner gp uses erf (odd Hermite content only); use an odd k');
  let nu: Fraction;
  try {
    nu = Fraction.parse(widthExpStr);
  } catch {
    throw new UsageError(`--width-exponent must be a number or ratio, got '${widthExpStr}'`);
  }
  if (nu.sign() < 0) throw new UsageError('--width-exponent must be ≥ 0');

  // Prediction the sweep is compared with.
  const pred =
    runnerName === 'linear'
      ? predict(twoLayerLinear, { target, scaling: { N: nu }, sweepMax: 0 })
      : predict(twoLayerFcn, { target, scaling: { N: 2 * target.degree }, sweepMax: 0 }); // lazy limit: width above d^(2k−1)
  const predicted = runnerName === 'linear' ? pred.pStarExponent : pred.candidates.find((c) => c.mechanism === 'GP')!.exponent;
  // P grid: multiples of d^a around the predicted onset scale (the grid does not assume the answer beyond its range).
  const a = predicted.toNumber();
  const mult =
    pMultiples ??
    (runnerName === 'linear'
      ? [0.0625, 0.125, 0.25, 0.5, 1, 2, 4]
      : target.degree === 1
        ? [0.0625, 0.125, 0.25, 0.5, 1, 2, 4]
        : [0.03, 0.06, 0.12, 0.25, 0.5, 1, 2]);
  const samples = (d: number) => [...new Set(mult.map((c) => Math.max(2, Math.round(c * d ** a))))].sort((x, y) => x - y);
  const width = (d: number) => Math.max(1, Math.round(widthFactor * Math.pow(d, nu.toNumber())));
  const runner = runnerName === 'linear' ? linearRunner(sigma2, nTest) : gpErfRunner(sigma2, nTest, target.degree);
  const root = makeKey(seed);
  const [kRun, kBoot] = split(root, 2);
  const t0 = Date.now();
  const sweep = await runSweep(runner, { dims, width, samples, seeds, key: kRun!, onProgress: ctx.log });
  const fit = fitOnsetExponent(sweep, { method, threshold, resamples, key: kBoot!, range: [0, 2 * a + 2] });
  const cmp = compareWithPrediction(fit, predicted);
  const json = {
    runner:
      runnerName === 'linear'
        ? 'exact Bayesian posterior of the two-layer linear network (@sftdl/training linearTwoLayerExactPosterior), linear teacher'
        : 'exact GP regression with the erf NNGP kernel (the lazy, infinite-width limit of the two-layer erf network), He_k teacher',
    target: `he${target.degree}`,
    model: runnerName === 'linear' ? 'two-layer-linear' : 'two-layer (GP row, N → ∞)',
    widthExponent: runnerName === 'linear' ? nu.toNumber() : null,
    sigma2,
    threshold,
    method,
    sizes: sweep.map((s) => ({
      dim: s.dim,
      width: runnerName === 'linear' ? s.width : null,
      samples: s.samples,
      meanAlignment: s.samples.map((_, p) => s.alignment.reduce((acc, r) => acc + r[p]!, 0) / s.alignment.length),
      onset: onsetFromCurve(
        s.samples,
        s.samples.map((_, p) => s.alignment.reduce((acc, r) => acc + r[p]!, 0) / s.alignment.length),
        threshold,
      ),
    })),
    fittedExponent: fit.exponent,
    interval: fit.interval,
    level: fit.level,
    failedResamples: fit.failedResamples,
    predictedExponent: cmp.predicted,
    predictedExponentExact: cmp.predictedExact,
    predictedMechanism: runnerName === 'linear' ? pred.mechanism : 'GP',
    consistent: cmp.consistent,
    seed,
    key: keyToJSON(root),
    seconds: (Date.now() - t0) / 1000,
    scope: SCOPE,
  };
  const human = [
    `scaling measure — ${json.runner}`,
    ...json.sizes.map(
      (s) =>
        `  d = ${String(s.dim).padEnd(4)} onset P* = ${s.onset === null ? '—' : s.onset.toFixed(1)}   A_f: ${s.meanAlignment.map((v) => v.toFixed(2)).join(' ')}`,
    ),
    `  fitted exponent ${fit.exponent.toFixed(3)}  ${Math.round(fit.level * 100)}% interval [${fit.interval[0].toFixed(3)}, ${fit.interval[1].toFixed(3)}]`,
    `  predicted exponent ${cmp.predictedExact} (${json.predictedMechanism})  → ${cmp.consistent ? 'consistent' : 'NOT inside the interval'}`,
  ].join('\n');
  ctx.emit(json, human);
}

export const command: Command = {
  name: 'scaling',
  summary: 'curse-of-detail scale analysis: predicted and measured exponents',
  usage: [
    'demo scaling predict --model two-layer|two-layer-linear|three-layer|attention|cnn --target he<k> [--width-exponent ν] [--width1-exponent ν1 --width2-exponent ν2] [--context-exponent ℓ] [--patterns default|all] [--gamma 1|2] [--json]',
    'demo scaling measure [--runner linear|gp] [--target he1|he<k>] [--dims 8,16,32,64] [--width-exponent ν] [--width-factor c] [--p-multiples 0.25,0.5,1,2,4] [--seeds 4] [--method threshold|collapse] [--threshold 0.5] [--bootstrap 200] [--sigma2 0.1] [--test-samples 500] [--seed S] [--json]',
  ],
  flags: [
    {
      name: 'model',
      type: 'choice',
      choices: MODELS,
      default: 'two-layer',
      description: 'predict: the architecture',
    },
    {
      name: 'target',
      type: 'string',
      placeholder: '<he-k>',
      defaultText: 'he3 (predict), he1 (measure)',
      description: 'the target: a Hermite polynomial he<k> of a teacher direction',
    },
    {
      name: 'width-exponent',
      type: 'string',
      placeholder: '<ratio>',
      defaultText: '1 (measure)',
      description: 'width N = d^ν (a number or a ratio such as 1/3)',
    },
    {
      name: 'width1-exponent',
      type: 'string',
      placeholder: '<ratio>',
      description: 'predict, three-layer: first width exponent',
    },
    {
      name: 'width2-exponent',
      type: 'string',
      placeholder: '<ratio>',
      description: 'predict, three-layer: second width exponent',
    },
    {
      name: 'context-exponent',
      type: 'string',
      placeholder: '<ratio>',
      description: 'predict, attention: context length L = d^ℓ',
    },
    {
      name: 'patterns',
      type: 'choice',
      choices: ['default', 'all'],
      default: 'default',
      description: 'predict: which saddle-point patterns are enumerated',
    },
    { name: 'gamma', type: 'number', default: 1, description: 'predict: 1 (standard) or 2 (mean-field) readout scaling' },
    { name: 'sweep-max', type: 'number', description: 'predict: also sweep the width exponent from 0 to this value' },
    {
      name: 'runner',
      type: 'choice',
      choices: ['linear', 'gp'],
      default: 'linear',
      description: 'measure: the learner (exact linear network posterior, or a GP with the erf NNGP)',
    },
    {
      name: 'dims',
      type: 'list',
      items: 'integer',
      placeholder: '<n,…>',
      defaultText: '8,16,32,64 (linear)',
      description: 'measure: input dimensions d (at least two)',
    },
    { name: 'seeds', type: 'integer', default: 4, description: 'measure: datasets per (d, P)' },
    {
      name: 'threshold',
      type: 'number',
      default: 0.5,
      description: 'measure: alignment level that defines the onset, 0.01…0.99',
    },
    { name: 'bootstrap', type: 'integer', default: 200, description: 'measure: bootstrap resamples of the exponent fit' },
    { name: 'sigma2', type: 'number', default: 0.1, description: 'measure: noise σ²' },
    { name: 'width-factor', type: 'number', default: 2, description: 'measure: N = c·d^ν, this is c' },
    {
      name: 'method',
      type: 'choice',
      choices: ['threshold', 'collapse'],
      default: 'threshold',
      description: 'measure: onset by threshold crossing or by curve collapse',
    },
    { name: 'test-samples', type: 'integer', default: 500, description: 'measure: test points per run' },
    { name: 'seed', type: 'integer', default: 0, description: 'measure: random seed' },
    {
      name: 'p-multiples',
      type: 'list',
      description: 'measure: sample sizes P as multiples of the predicted onset',
    },
  ],
  async run(ctx) {
    const sub = ctx.flags.positionals[0];
    if (sub === 'predict') return runPredict(ctx);
    if (sub === 'measure') return runMeasure(ctx);
    throw new UsageError(`scaling needs a subcommand: predict | measure${sub ? ` (got '${sub}')` : ''}`);
  },
};
