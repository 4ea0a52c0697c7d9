/**
 * `scaling-onset`: one (d, P, seed) cell of the curse-of-detail onset measurement (`demo scaling measure`): the
 * alignment A_f = ⟨f, y⟩/⟨y, y⟩ on fresh test points of the exact linear-network posterior (runner linear, He₁
 * teacher) or of GP regression with the erf NNGP kernel (runner gp, He_k teacher). Collecting a sweep over dims ×
 * samples × seeds gives the alignment curves whose onsets `demo scaling measure` fits.
 */
import type { Experiment, Json } from '@sftdl/sweep';
import { alignment } from '@sftdl/scaling';
import { gpErfRunner, linearRunner } from '../commands/scaling';
import { int, oneOf, pos } from './common';

const defaults = {
  runner: 'linear',
  degree: 1,
  dim: 16,
  samples: 16,
  widthFactor: 2,
  widthExponent: 1,
  sigma2: 0.1,
  testSamples: 500,
  seed: 0,
} satisfies Record<string, Json>;

function read(p: Record<string, Json>) {
  const o = {
    runner: oneOf(p, 'runner', ['linear', 'gp'] as const),
    degree: int(p, 'degree', 1),
    dim: int(p, 'dim', 1),
    samples: int(p, 'samples', 2),
    widthFactor: pos(p, 'widthFactor'),
    widthExponent: pos(p, 'widthExponent'),
    sigma2: pos(p, 'sigma2'),
    testSamples: int(p, 'testSamples', 2),
    seed: int(p, 'seed', 0),
  };
  if (o.runner === 'linear' && o.degree !== 1)
    throw new RangeError('parameter degree must be 1 for runner linear (linear teacher)');
  if (o.runner === 'gp' && o.degree % 2 === 0)
    throw new RangeError('parameter degree must be odd for runner gp (erf has odd Hermite content only)');
  return o;
}

export const scalingOnsetExperiment: Experiment<typeof defaults> = {
  name: 'scaling-onset',
  version: '1',
  summary: 'one (d, P, seed) cell of the sample-complexity onset measurement: test alignment A_f (as demo scaling measure)',
  defaults,
  validate: (p) => {
    read(p);
  },
  cost(p) {
    const o = read(p);
    return {
      seconds: 2e-9 * (o.samples ** 3 + o.samples * o.testSamples * o.dim) + 0.005,
      note: 'O(P³ + P·P_test·d) exact solves',
    };
  },
  async run(p, ctx) {
    const o = read(p);
    const width = Math.max(1, Math.round(o.widthFactor * o.dim ** o.widthExponent));
    const runner = o.runner === 'linear' ? linearRunner(o.sigma2, o.testSamples) : gpErfRunner(o.sigma2, o.testSamples, o.degree);
    const r = await runner({ samples: o.samples, dim: o.dim, width, key: ctx.key });
    ctx.progress(1);
    return { width, alignment: alignment(r.prediction, r.target) };
  },
};
