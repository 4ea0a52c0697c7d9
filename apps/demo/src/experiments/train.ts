/**
 * `train`: one Langevin posterior run of a two-layer network on a seeded single-index teacher (the `demo train`
 * sampler, driven through the sweep's checkpoint handle). The dataset comes from the sweep's shared key and the
 * `seed` parameter (cells with the same seed share data); the chains' noise and initialisation from the task key.
 */
import { fold } from '@sftdl/field';
import { ACTIVATIONS, type Activation, LangevinSampler, stateFromJSON, stateToJSON, twoLayerNet } from '@sftdl/training';
import { cubicTeacher, linearTeacher, makeDataset } from '@sftdl/teachers';
import type { Experiment, Json } from '@sftdl/sweep';
import { BACKEND_NAMES, resolveBackend } from '../backends';
import { LANGEVIN_COST_NOTE, diagnosticsJson, int, langevinSeconds, num, oneOf, pos } from './common';

const TEACHERS = ['cubic', 'linear'] as const;

const defaults = {
  teacher: 'cubic',
  epsilon: -0.3,
  dim: 8,
  samples: 64,
  testSamples: 256,
  seed: 0,
  activation: 'erf',
  width: 16,
  sigma2: 0.1,
  sigmaW2: 1,
  sigmaA2: 1,
  chi: 1,
  steps: 2000,
  burnIn: 400,
  chains: 4,
  thin: 1,
  checkpointEvery: 500,
  backend: 'reference',
} satisfies Record<string, Json>;

function read(p: Record<string, Json>) {
  const o = {
    teacher: oneOf(p, 'teacher', TEACHERS),
    epsilon: num(p, 'epsilon'),
    dim: int(p, 'dim', 1),
    samples: int(p, 'samples', 1),
    testSamples: int(p, 'testSamples', 0),
    seed: int(p, 'seed', 0),
    activation: oneOf(p, 'activation', ACTIVATIONS) as Activation,
    width: int(p, 'width', 1),
    sigma2: pos(p, 'sigma2'),
    sigmaW2: pos(p, 'sigmaW2'),
    sigmaA2: pos(p, 'sigmaA2'),
    chi: pos(p, 'chi'),
    steps: int(p, 'steps', 2),
    burnIn: int(p, 'burnIn', 0),
    chains: int(p, 'chains', 1),
    thin: int(p, 'thin', 1),
    checkpointEvery: int(p, 'checkpointEvery', 1),
    backend: oneOf(p, 'backend', BACKEND_NAMES),
  };
  if (o.burnIn >= o.steps)
    throw new RangeError(`parameter burnIn ${o.burnIn} must be smaller than steps ${o.steps} (steps count the burn-in)`);
  return o;
}

export const trainExperiment: Experiment<typeof defaults> = {
  name: 'train',
  version: '1',
  summary: 'Langevin posterior of a two-layer network on a seeded cubic/linear teacher (as demo train); checkpointed',
  defaults,
  validate: (p) => {
    read(p);
  },
  cost(p) {
    const o = read(p);
    return { seconds: langevinSeconds(o), note: LANGEVIN_COST_NOTE };
  },
  async run(p, ctx) {
    const o = read(p);
    const backend = await resolveBackend(o.backend);
    const dataKey = fold(ctx.sharedKey, o.seed);
    const teacher =
      o.teacher === 'cubic'
        ? cubicTeacher({ dim: o.dim, epsilon: o.epsilon, key: fold(dataKey, 1) })
        : linearTeacher({ dim: o.dim, key: fold(dataKey, 1) });
    const data = makeDataset(teacher, { key: fold(dataKey, 2), samples: o.samples, testSamples: o.testSamples });
    const model = twoLayerNet({
      dim: o.dim,
      width: o.width,
      activation: o.activation,
      sigmaW2: o.sigmaW2,
      sigmaA2: o.sigmaA2,
      chi: o.chi,
      backend,
    });
    const saved = ctx.checkpoint.load();
    const state = typeof saved === 'string' ? stateFromJSON(saved) : undefined;
    if (state) ctx.log(`train: resuming from step ${state.step} of ${o.steps}`);
    const sampler = new LangevinSampler(
      {
        model,
        x: data.x,
        y: data.y,
        sigma2: o.sigma2,
        key: ctx.key,
        steps: o.steps,
        burnIn: o.burnIn,
        chains: o.chains,
        thin: o.thin,
        ...(data.xTest ? { xTest: data.xTest, yTest: data.yTest! } : {}),
        teacherDirection: Float64Array.from(data.meta.teacherDirection!),
        checkpointEvery: o.checkpointEvery,
        onCheckpoint: (s) => ctx.checkpoint.save(stateToJSON(s)),
        onProgress: (t) => ctx.progress(t / o.steps),
      },
      state,
    );
    const r = sampler.run();
    return {
      trainMse: r.trainMse,
      trainMseSamples: r.trainMseSamples,
      ...(r.testMse !== undefined ? { testMse: r.testMse, testMseSamples: r.testMseSamples! } : {}),
      ...(r.hermite
        ? {
            he1: r.hermite.train.he1,
            he3: r.hermite.train.he3,
            ...(r.hermite.test ? { he1Test: r.hermite.test.he1, he3Test: r.hermite.test.he3 } : {}),
          }
        : {}),
      stepSize: r.stepSize,
      recordedSamples: r.samples,
      thin: r.thin,
      rhat: diagnosticsJson(r.diagnostics.rhat),
      ess: diagnosticsJson(r.diagnostics.ess),
      warnings: r.diagnostics.warnings,
    };
  },
};
