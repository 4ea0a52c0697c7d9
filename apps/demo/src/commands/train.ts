import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Mat } from '@sftdl/compute';
import { key as makeKey, keyToJSON } from '@sftdl/field';
import {
  ACTIVATIONS,
  type Activation,
  LANGEVIN_METHODS,
  LangevinSampler,
  type LangevinOptions,
  type Model,
  type SamplerState,
  stateFromJSON,
  stateToJSON,
  attentionHead,
  threeLayerNet,
  twoLayerNet,
} from '@sftdl/training';
import { COMMON_FLAGS, UsageError } from '@sftdl/cli-kit';
import { resolveBackend } from '../backends';
import type { Command } from '../context';
import { checkBudget } from '../budget';
import { readDataFile, writeFileAtomic } from '../io';
import { trainEstimate } from '../sizes';
import { Progress } from '../progress';

const MODELS = ['two-layer', 'three-layer', 'attention'] as const;

function toNested(m: Mat): number[] | number[][] {
  if (m.cols === 1) return Array.from(m.data);
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function readDirection(file: string, d: number): Float64Array {
  if (!existsSync(file)) throw new UsageError(`--teacher-direction ${file}: file not found`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--teacher-direction ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (v && typeof v === 'object' && !Array.isArray(v))
    v = (v as Record<string, unknown>).teacherDirection ?? (v as Record<string, Record<string, unknown>>).meta?.teacherDirection;
  if (!Array.isArray(v) || v.length !== d || !v.every((q) => typeof q === 'number' && Number.isFinite(q))) {
    throw new UsageError(
      `--teacher-direction ${file}: expected a JSON array of ${d} finite numbers (or an object with "teacherDirection")`,
    );
  }
  return Float64Array.from(v as number[]);
}

type DataFile = ReturnType<typeof readDataFile>;

function rowsMat(v: unknown, what: string): Mat {
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every(
      (r) =>
        Array.isArray(r) &&
        r.length === (v[0] as unknown[]).length &&
        r.every((q) => typeof q === 'number' && Number.isFinite(q)),
    )
  ) {
    throw new UsageError(`${what} must be a non-empty array of equal-length rows of finite numbers`);
  }
  const rows = v as number[][];
  return { rows: rows.length, cols: rows[0]!.length, data: Float64Array.from(rows.flat()) };
}

/** No training data (0 rows) of input dimension d: the sampler then draws from the prior. */
function emptyData(d: number, outputs: number, rest: Omit<DataFile, 'x' | 'y'> = {}): DataFile {
  return {
    x: { rows: 0, cols: d, data: new Float64Array(0) },
    y: { rows: 0, cols: outputs, data: new Float64Array(0) },
    ...rest,
  };
}

/**
 * The training data: `--prior` (dimension from --dim or the data file's columns), a data file whose "x" has 0 rows
 * (dimension from --dim, meta.dim or "xTest"), or a regular data file.
 */
function trainData(dataPath: string | undefined, prior: boolean, dim: number | undefined): DataFile {
  if (dataPath && existsSync(dataPath)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(dataPath, 'utf8'));
    } catch {
      raw = undefined;
    }
    const o = raw as Record<string, unknown> | undefined;
    if (o && typeof o === 'object' && Array.isArray(o.x) && o.x.length === 0) {
      const xTest = o.xTest !== undefined ? rowsMat(o.xTest, `--data ${dataPath}: "xTest"`) : undefined;
      const metaDim = (o.meta as Record<string, unknown> | undefined)?.dim;
      const d = dim ?? (typeof metaDim === 'number' ? metaDim : undefined) ?? xTest?.cols;
      if (!(Number.isInteger(d) && d! > 0))
        throw new UsageError(
          `--data ${dataPath}: "x" has 0 rows (prior sampling); give the input dimension with --dim d, meta.dim or "xTest"`,
        );
      return emptyData(d!, 1, xTest ? { xTest } : {});
    }
  }
  if (!prior) return readDataFile(dataPath!);
  const fromFile = dataPath ? readDataFile(dataPath) : undefined;
  const d = dim ?? fromFile?.x.cols;
  if (d === undefined) throw new UsageError('--prior needs --dim d (or --data F to take the input dimension from)');
  return emptyData(d, fromFile?.y.cols ?? 1, {
    ...(fromFile?.xTest ? { xTest: fromFile.xTest } : {}),
    ...(fromFile?.meta ? { meta: fromFile.meta } : {}),
  });
}

/**
 * Default number of chains: all chains advance in one batched pass, so small problems get more of them for free:
 * ⌊10⁴/(n·N + P)⌋ clamped to [4, 64] (n training rows, N the last hidden width, P parameters). At small sizes this
 * brings Monte Carlo errors of weight covariances under ~0.3% with the default 60000 steps.
 */
function autoChains(n: number, model: Model): number {
  const N = model.blocks.find((b) => b.name === 'a')?.shape[0] ?? 1;
  if (n === 0) return 4; // the prior is Gaussian: sampled exactly (LM, η = 1) with nearly independent steps
  return Math.max(4, Math.min(64, Math.floor(10000 / (n * N + model.paramCount))));
}

/**
 * The module worker threads rebuild the backend from (the reference backend needs none; for others the backend
 * package's `provider`, resolved from this app).
 */
function workerBackendOf(name: string): { workerBackend?: string } {
  const pkg: Record<string, string> = { openblas: '@sftdl/backend-openblas', 'ml-matrix': '@sftdl/backend-ml-matrix' };
  if (!pkg[name]) return {};
  try {
    return { workerBackend: import.meta.resolve(pkg[name]) };
  } catch {
    return {};
  }
}

/**
 * Removes temp files `<checkpoint>.tmp-<pid>` left by a write that was killed (writeFileAtomic writes the temp file,
 * then renames it); files of a process that is still alive are kept.
 */
function cleanStaleTemps(ckpt: string, log: (m: string) => void): void {
  const dir = dirname(ckpt),
    base = basename(ckpt);
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    const m = f.startsWith(`${base}.tmp-`) ? /^(\d+)$/.exec(f.slice(base.length + 5)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = false;
    if (pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) continue;
    rmSync(join(dir, f), { force: true });
    log(`removed stale checkpoint temp file ${join(dir, f)}`);
  }
}

export const command: Command = {
  name: 'train',
  summary: 'Langevin posterior sampling of a network on a dataset (exactly the χ-convention posterior)',
  usage: [
    'demo train --model two-layer --activation <name> --width <n> (--data <file> | --prior --dim <n>) --sigma2 <x> [flags]',
    'demo train --model three-layer --widths <n,n> …     demo train --model attention --context <n> --width <n> …',
  ],
  flags: [
    { name: 'model', type: 'choice', choices: MODELS, default: 'two-layer', description: 'the network' },
    {
      name: 'activation',
      type: 'choice',
      choices: ACTIVATIONS,
      placeholder: '<name>',
      default: 'erf',
      description: `hidden activation: ${ACTIVATIONS.join(', ')}`,
    },
    {
      name: 'width',
      type: 'integer',
      description: 'hidden width N (two-layer, attention; required there)',
    },
    { name: 'widths', type: 'list', items: 'integer', placeholder: '<n,n>', description: 'three-layer: the widths N1,N2' },
    { name: 'context', type: 'integer', description: 'attention: context length L' },
    { ...COMMON_FLAGS.data, description: `${COMMON_FLAGS.data.description}; required unless --prior` },
    { name: 'prior', type: 'switch', description: 'sample the prior (no data; give --dim)' },
    { name: 'dim', type: 'integer', description: 'input dimension with --prior' },
    { name: 'sigma2', type: 'number', required: true, description: 'noise σ² (the posterior temperature), > 0' },
    { name: 'sigma-w2', type: 'number', default: 1, description: 'read-in weight variance σ_w²' },
    { name: 'sigma-a2', type: 'number', default: 1, description: 'read-out weight variance σ_a²' },
    {
      name: 'chi',
      type: 'string',
      placeholder: '<x|mean-field>',
      default: '1',
      description: 'mean-field scale χ: a positive number, or N / mean-field (χ = the width)',
    },
    { name: 'steps', type: 'integer', description: 'fixed run length in steps (counting the burn-in), ≥ 2' },
    {
      name: 'target-error',
      type: 'number',
      defaultText: '0.003 (unless --steps)',
      description:
        'run until the relative standard errors of the weight-covariance eigenvalues and mean predictions are ≤ this, checked every 12000 steps from 60000',
    },
    {
      name: 'max-steps',
      type: 'integer',
      defaultText: '600000 for small nets, down to 60000 for large',
      description: 'cap of a precision-targeted run (reaching it is a warning and "precisionReached": false)',
    },
    { name: 'burn-in', type: 'integer', defaultText: '12000, or steps/5 with --steps', description: 'discarded steps' },
    {
      name: 'chains',
      type: 'string',
      placeholder: '<n|auto>',
      default: 'auto',
      description: 'parallel chains; auto: 4 to 64, more for small networks (cheap when batched)',
    },
    { name: 'thin', type: 'integer', defaultText: 'automatic', description: 'keep every t-th sample' },
    {
      name: 'method',
      type: 'choice',
      choices: LANGEVIN_METHODS,
      default: 'lm',
      description: 'lm (Leimkuhler–Matthews: exact for Gaussian posteriors, O(η²) otherwise), euler (O(η)), mala (exact)',
    },
    { name: 'mala', type: 'switch', description: 'short for --method mala' },
    {
      name: 'lr',
      type: 'string',
      placeholder: '<x|auto>',
      default: 'auto',
      description:
        'step in standardised coordinates (θ = prior_std ⊙ z); auto: the largest step whose predicted variance bias is ≤ --bias-tolerance',
    },
    { name: 'bias-tolerance', type: 'number', default: 0.01, description: 'variance bias allowed by --lr auto, in (0, 1)' },
    COMMON_FLAGS.seed,
    COMMON_FLAGS.backend,
    {
      name: 'precision',
      type: 'choice',
      choices: ['float64', 'float32'],
      default: 'float64',
      description: 'arithmetic of the simulation; float32 is for speed, on backends that declare it (openblas, tfjs, reference)',
    },
    {
      name: 'workers',
      type: 'string',
      placeholder: '<n|auto>',
      default: 'auto',
      description: 'worker threads for the chains (auto: one per 8 chains up to the core count); results are identical for any n',
    },
    { name: 'checkpoint', type: 'string', placeholder: '<file>', description: 'checkpoint file written during the run' },
    { name: 'checkpoint-every', type: 'integer', description: 'steps between checkpoints' },
    { name: 'resume', type: 'switch', description: 'continue from --checkpoint' },
    {
      name: 'teacher-direction',
      type: 'string',
      placeholder: '<file>',
      description: 'JSON file with the teacher direction (overlap histograms with it)',
    },
    { name: 'aligned-chains', type: 'integer', default: 0, description: 'chains started aligned with the teacher direction' },
    { name: 'modulus', type: 'integer', description: 'modular addition: the modulus P (per-mode diagnostics)' },
    { name: 'overlap-bins', type: 'integer', description: 'bins of the overlap histograms' },
    {
      name: 'coordinates',
      type: 'choice',
      choices: ['standardised', 'natural'],
      default: 'standardised',
      description: 'coordinates the sampler steps in',
    },
    {
      name: 'loss-convention',
      type: 'choice',
      choices: ['half-sum', 'sum', 'mean'],
      default: 'half-sum',
      description: 'the loss in the posterior exp(−loss/σ²)',
    },
    {
      name: 'rao-blackwell',
      type: 'choice',
      choices: ['auto', 'on', 'off'],
      default: 'auto',
      description: 'Rao–Blackwellised read-out (exact Gaussian integral over the last layer)',
    },
  ],
  output: [
    {
      key: 'trainMse',
      description: 'mean over training points of (y − f̄)², f̄ the posterior-mean predictor (Monte Carlo bias removed)',
    },
    { key: 'trainMseSamples', description: '⟨mean (y − f)²⟩ over the samples' },
    { key: 'meanPrediction', description: 'posterior-mean predictor at the training points (and meanPredictionTest at xTest)' },
    { key: 'steps', description: 'steps run (precisionReached, relativeError with --target-error)' },
    { key: 'diagnostics', description: 'R̂, effective sample sizes, acceptance' },
    { key: 'backend', description: 'the compute backend used (and precision)' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const modelName = f.choice('model', MODELS, 'two-layer');
    const activation = f.choice('activation', ACTIVATIONS, 'erf') as Activation;
    const priorOnly = f.bool('prior');
    const dataPath = priorOnly ? f.string('data') : f.requireString('data');
    const dimFlag = f.number('dim', { integer: true, positive: true });
    const sigma2 = f.requireNumber('sigma2', { positive: true });
    const sigmaW2 = f.number('sigma-w2', { positive: true, default: 1 });
    const sigmaA2 = f.number('sigma-a2', { positive: true, default: 1 });
    // weight second moments are accumulated over ~10⁶ samples: prior variances beyond 1e100 would overflow float64
    for (const [flag, v] of [
      ['sigma-w2', sigmaW2],
      ['sigma-a2', sigmaA2],
      ['sigma2', sigma2],
    ] as const) {
      if (v > 1e100 || v < 1e-100)
        throw new UsageError(`--${flag} ${v} is outside [1e-100, 1e100]: rescale the data or the weights`);
    }
    const chiRaw = f.string('chi', '1');
    // default: run until the relative standard errors are ≤ --target-error (0.3%), checked every 12000 steps from 60000
    // on, up to --max-steps; an explicit --steps without --target-error is a fixed-length run
    const stepsFlag = f.number('steps', { integer: true, min: 2 });
    const targetFlag = f.number('target-error', { positive: true });
    if (targetFlag !== undefined && !(targetFlag < 1))
      throw new UsageError(`--target-error must be in (0, 1), got ${targetFlag}`);
    const targetError = stepsFlag !== undefined && targetFlag === undefined ? undefined : (targetFlag ?? 0.003);
    const maxStepsFlag = f.number('max-steps', { integer: true, min: 2 });
    if (maxStepsFlag !== undefined && targetError === undefined)
      throw new UsageError('--max-steps applies to precision-targeted runs: drop --steps or add --target-error');
    const burnIn = f.number('burn-in', { integer: true, min: 0, default: Math.floor((stepsFlag ?? 60000) / 5) });
    const chainsRaw = f.string('chains', 'auto');
    const chainsFlag = chainsRaw === 'auto' ? undefined : Number(chainsRaw);
    if (chainsFlag !== undefined && !(Number.isInteger(chainsFlag) && chainsFlag > 0))
      throw new UsageError(`--chains must be a positive integer or 'auto', got '${chainsRaw}'`);
    const thin = f.number('thin', { integer: true, positive: true });
    const workersRaw = f.string('workers', 'auto');
    const workersFlag = workersRaw === 'auto' ? 'auto' : Number(workersRaw);
    if (workersFlag !== 'auto' && !(Number.isInteger(workersFlag) && workersFlag > 0))
      throw new UsageError(`--workers must be a positive integer or 'auto', got '${workersRaw}'`);
    const lrRaw = f.string('lr', 'auto');
    const lr = lrRaw === 'auto' ? 'auto' : Number(lrRaw);
    if (lr !== 'auto' && !(Number.isFinite(lr) && lr > 0))
      throw new UsageError(`--lr must be a positive number or 'auto', got '${lrRaw}'`);
    const seed = f.number('seed', { integer: true, min: 0, default: 0 });
    const backendName = f.string('backend');
    const precision = f.choice('precision', ['float64', 'float32'] as const, 'float64');
    const ckptPath = f.string('checkpoint');
    const ckptEveryFlag = f.number('checkpoint-every', { integer: true, positive: true });
    const resume = f.bool('resume');
    if (resume && !ckptPath) throw new UsageError('--resume needs --checkpoint path');
    const mala = f.bool('mala');
    const methodFlag = f.has('method') ? f.choice('method', LANGEVIN_METHODS, 'lm') : undefined;
    if (mala && methodFlag !== undefined && methodFlag !== 'mala')
      throw new UsageError(`--mala contradicts --method ${methodFlag}; pass one of them`);
    const method = mala ? 'mala' : (methodFlag ?? 'lm');
    const biasTolerance = f.number('bias-tolerance', { positive: true, default: 0.01 });
    if (!(biasTolerance < 1)) throw new UsageError(`--bias-tolerance must be in (0, 1), got ${biasTolerance}`);
    const teacherFile = f.string('teacher-direction');
    const alignedChains = f.number('aligned-chains', { integer: true, min: 0, default: 0 });
    const modulusFlag = f.number('modulus', { integer: true, positive: true });
    const overlapBins = f.number('overlap-bins', { integer: true, positive: true });
    const coordinates = f.choice('coordinates', ['standardised', 'natural'] as const, 'standardised');
    const lossConvention = f.choice('loss-convention', ['half-sum', 'sum', 'mean'] as const, 'half-sum');
    const rbFlag = f.choice('rao-blackwell', ['auto', 'on', 'off'] as const, 'auto');
    const width = f.number('width', { integer: true, positive: true });
    const widths = f.numberList('widths', { integer: true, positive: true });
    const context = f.number('context', { integer: true, positive: true });
    f.assertAllUsed();

    const data = trainData(dataPath, priorOnly, dimFlag);
    const backend = await resolveBackend(backendName, precision);
    const inDim = data.x.cols,
      outputs = data.y.cols;
    const N = modelName === 'three-layer' ? (widths?.[1] ?? 0) : (width ?? 0);
    if (modelName === 'three-layer' && (!widths || widths.length !== 2))
      throw new UsageError('--widths N1,N2 is required for --model three-layer');
    if (modelName !== 'three-layer' && width === undefined) throw new UsageError(`--width is required for --model ${modelName}`);
    const chi = chiRaw === 'N' || chiRaw === 'mean-field' ? N : Number(chiRaw);
    if (!(Number.isFinite(chi) && chi > 0))
      throw new UsageError(`--chi must be a positive number or 'N' (mean-field), got '${chiRaw}'`);
    let model: Model;
    let d = inDim;
    if (modelName === 'two-layer') {
      // --modulus: the modular-addition model (docs/theory/grokking.md §1) has read-in prior variance 1 per component
      model = twoLayerNet({
        dim: inDim,
        width: width!,
        activation,
        outputs,
        sigmaW2,
        sigmaA2,
        chi,
        backend,
        ...(modulusFlag !== undefined ? { readInVariance: 1 } : {}),
      });
    } else if (modelName === 'three-layer') {
      model = threeLayerNet({
        dim: inDim,
        widths: [widths![0]!, widths![1]!],
        activation,
        outputs,
        sigmaW2,
        sigmaA2,
        chi,
        backend,
      });
    } else {
      if (!context) throw new UsageError('--context L is required for --model attention');
      if (inDim % context !== 0) throw new UsageError(`--context ${context} does not divide the input row length ${inDim}`);
      d = inDim / context;
      model = attentionHead({ dim: d, context, width: width!, activation, outputs, sigmaW2, sigmaA2, chi, backend });
    }
    let teacherDirection: Float64Array | undefined;
    if (teacherFile) teacherDirection = readDirection(teacherFile, d);
    else if (Array.isArray(data.meta?.teacherDirection) && (data.meta.teacherDirection as unknown[]).length === d)
      teacherDirection = Float64Array.from(data.meta.teacherDirection as number[]);
    if (alignedChains > 0 && !teacherDirection)
      throw new UsageError('--aligned-chains needs --teacher-direction (or meta.teacherDirection in --data)');
    if (modulusFlag !== undefined && (modelName !== 'two-layer' || inDim !== 2 * modulusFlag))
      throw new UsageError(
        `--modulus ${modulusFlag} needs --model two-layer on two-hot inputs of length 2p = ${2 * modulusFlag}, got ${inDim}`,
      );

    const chains = chainsFlag ?? autoChains(data.x.rows, model);
    // the step cap of a precision-targeted run: --max-steps, else --steps, else a work budget of 2·10¹⁰ chain·row·parameter
    // operations (10× the old 60000 default for small nets, 60000 for large ones)
    const steps =
      maxStepsFlag ??
      stepsFlag ??
      Math.max(60000, Math.min(600000, Math.floor(2e10 / (chains * Math.max(1, data.x.rows) * model.paramCount))));
    if (burnIn >= steps)
      throw new UsageError(`--burn-in ${burnIn} must be smaller than --steps ${steps} (steps count the burn-in)`);
    if (Math.floor((steps - burnIn) / (thin ?? 1)) < 4)
      throw new UsageError(
        `--steps ${steps} with --burn-in ${burnIn}${thin ? ` and --thin ${thin}` : ''} records ${Math.floor((steps - burnIn) / (thin ?? 1))} samples per chain; the diagnostics (R̂, ESS) need at least 4: raise --steps or lower --burn-in/--thin`,
      );
    checkBudget(ctx.budget, {
      what: `train (${chains} chains × ${steps} steps, width ${width ?? widths?.join('×')}, n = ${data.x.rows}, d = ${data.x.cols})`,
      ...trainEstimate({
        n: data.x.rows,
        d: data.x.cols,
        outputs: data.y.cols,
        width: Math.max(width ?? 0, ...(widths ?? [0])),
        chains,
        steps,
        layers: modelName === 'three-layer' ? 3 : 2,
      }),
      flags: '--steps, --chains, --width/--widths or the data size',
    });
    const ckptEvery = ckptEveryFlag ?? Math.max(100, Math.floor(Math.min(steps, stepsFlag ?? 60000) / 50));
    const rootKey = makeKey(seed);
    const progress = new Progress(`train ${modelName} (${chains} chains)`, steps, f.has('quiet'));
    const options: LangevinOptions = {
      model,
      x: data.x,
      y: data.y,
      sigma2,
      key: rootKey,
      steps,
      burnIn,
      chains,
      stepSize: lr,
      method,
      biasTolerance,
      coordinates,
      lossConvention,
      alignedChains,
      workers: workersFlag,
      ...(targetError !== undefined ? { targetRelativeError: targetError } : {}),
      ...workerBackendOf(backend.name),
      raoBlackwell: rbFlag === 'auto' ? 'auto' : rbFlag === 'on',
      ...(data.xTest ? { xTest: data.xTest } : {}),
      ...(data.yTest ? { yTest: data.yTest } : {}),
      ...(thin !== undefined ? { thin } : {}),
      ...(teacherDirection ? { teacherDirection } : {}),
      ...(modulusFlag !== undefined ? { modulus: modulusFlag } : {}),
      ...(overlapBins !== undefined ? { overlapBins } : {}),
      ...(ckptPath
        ? { checkpointEvery: ckptEvery, onCheckpoint: (s: SamplerState) => writeFileAtomic(ckptPath, stateToJSON(s)) }
        : {}),
      onProgress: (t: number) => progress.update(t),
    };
    let state: SamplerState | undefined;
    if (ckptPath) cleanStaleTemps(ckptPath, (m) => ctx.log(m));
    if (resume && ckptPath && existsSync(ckptPath)) {
      try {
        state = stateFromJSON(readFileSync(ckptPath, 'utf8'));
      } catch (e) {
        throw new UsageError(`--checkpoint ${ckptPath}: ${(e as Error).message.split('\n')[0]}`);
      }
      ctx.log(`resuming from step ${state.step} of ${steps} (${ckptPath})`);
    } else if (resume) ctx.log(`--resume: ${ckptPath} does not exist yet; starting from step 0`);
    let sampler: LangevinSampler;
    try {
      sampler = new LangevinSampler(options, state);
    } catch (e) {
      if (state && e instanceof Error && /checkpoint does not match/.test(e.message))
        throw new UsageError(`--checkpoint ${ckptPath}: ${e.message.split('\n')[0]}`);
      throw e;
    }
    const startStep = state?.step ?? 0;
    const t0 = performance.now();
    let r: ReturnType<LangevinSampler['run']>;
    const nWorkers = await sampler.resolveWorkers();
    if (nWorkers > 1) ctx.log(`${chains} chains on ${nWorkers} worker threads`);
    try {
      r = await sampler.runAsync();
    } catch (e) {
      if (lr !== 'auto' && e instanceof Error && /diverged/.test(e.message))
        throw new UsageError(`--lr ${lr} is too large: the chains diverged; use a smaller --lr, --lr auto or --mala`);
      throw e;
    }
    const secs = (performance.now() - t0) / 1000;
    const stepsPerSecond = ((r.steps - startStep) * chains) / Math.max(secs, 1e-9);
    for (const w of r.diagnostics.warnings) ctx.log(`warning: ${w}`);

    const out: Record<string, unknown> = {
      model: modelName,
      activation,
      width: width ?? widths,
      dim: d,
      samples: data.x.rows,
      outputs,
      sigma2,
      sigmaW2,
      sigmaA2,
      chi,
      steps: r.steps,
      burnIn,
      chains,
      ...(r.precision
        ? {
            targetError: r.precision.target,
            relativeError: r.precision.relativeError,
            precisionReached: r.precision.reached,
            maxSteps: r.precision.maxSteps,
          }
        : {}),
      thin: r.thin,
      seed,
      key: keyToJSON(rootKey),
      method: r.method,
      engine: r.engine,
      coordinates,
      lr: r.stepSize,
      stepSize: r.stepSize,
      predictedBias: r.predictedBias,
      biasTolerance: r.biasTolerance,
      trainMse: r.trainMse,
      trainMseSamples: r.trainMseSamples,
      ...(r.testMse !== undefined ? { testMse: r.testMse, testMseSamples: r.testMseSamples } : {}),
      meanPrediction: toNested(r.meanPrediction),
      meanPredictionStdError: toNested(r.meanPredictionStdError),
      ...(r.meanPredictionTest
        ? {
            meanPredictionTest: toNested(r.meanPredictionTest),
            meanPredictionTestStdError: toNested(r.meanPredictionTestStdError!),
          }
        : {}),
      ...(r.weightCovEigenvalues ? { weightCovEigenvalues: r.weightCovEigenvalues } : {}),
      ...(r.weightCovEigenvaluesStdError ? { weightCovEigenvaluesStdError: r.weightCovEigenvaluesStdError } : {}),
      diagnostics: r.diagnostics,
      ...(r.overlapHistogram ? { overlapHistogram: r.overlapHistogram } : {}),
      ...(r.hermite ? { hermite: r.hermite } : {}),
      ...(r.fourier ? { fourier: r.fourier } : {}),
      ...(r.acceptanceRate !== undefined ? { acceptanceRate: r.acceptanceRate } : {}),
      recordedSamples: r.samples,
      stepsPerSecond,
      backend: backend.name,
      precision: backend.precision,
    };
    const ev = r.weightCovEigenvalues;
    const human = [
      `train ${modelName} φ=${activation} N=${width ?? widths?.join('×')} χ=${chi} σ²=${sigma2}  (${chains} chains × ${r.steps} steps, burn-in ${burnIn}, ${r.method} η=${r.stepSize.toExponential(3)}, predicted bias ${(100 * r.predictedBias).toPrecision(2)}%, ${backend.name})`,
      `  trainMse (y − f̄)²      ${r.trainMse.toPrecision(6)}     per-sample ⟨(y − f)²⟩ ${r.trainMseSamples.toPrecision(6)}`,
      ...(r.testMse !== undefined ? [`  testMse                ${r.testMse.toPrecision(6)}`] : []),
      ...(ev
        ? [
            `  weight cov eigenvalues ${ev
              .slice(0, 5)
              .map((v) => v.toPrecision(5))
              .join(', ')}${ev.length > 5 ? ', …' : ''}`,
          ]
        : []),
      `  R̂ ${r.diagnostics.rhat.toFixed(3)}   τ_int ${r.diagnostics.tauInt.toFixed(1)} steps   ESS ${r.diagnostics.ess.toFixed(0)}   ${stepsPerSecond.toFixed(0)} chain-steps/s`,
      ...r.diagnostics.warnings.map((w) => `  warning: ${w}`),
    ].join('\n');
    ctx.emit(out, human);
  },
};
