/**
 * `msa-width`: one width of the multi-scale adaptive theory on a linear two-layer network (the tour's MSA part):
 * NNGP, tree-level, one-loop and exact train discrepancies at width N in standard (χ = 1) or mean-field (χ = N)
 * scaling. Deterministic given the dataset (shared key and `seed`); cheap — a good smoke test for clusters.
 */
import { fold } from '@sftdl/field';
import { msaReport } from '@sftdl/solvers';
import { linearTeacher, makeDataset } from '@sftdl/teachers';
import type { Experiment, Json } from '@sftdl/sweep';
import { int, oneOf, pos } from './common';

const defaults = {
  dim: 10,
  samples: 30,
  width: 256,
  regime: 'standard',
  sigma2: 0.1,
  sigmaW2: 1,
  sigmaA2: 1,
  seed: 0,
} satisfies Record<string, Json>;

function read(p: Record<string, Json>) {
  return {
    dim: int(p, 'dim', 1),
    samples: int(p, 'samples', 1),
    width: int(p, 'width', 1),
    regime: oneOf(p, 'regime', ['standard', 'mean-field'] as const),
    sigma2: pos(p, 'sigma2'),
    sigmaW2: pos(p, 'sigmaW2'),
    sigmaA2: pos(p, 'sigmaA2'),
    seed: int(p, 'seed', 0),
  };
}

export const msaWidthExperiment: Experiment<typeof defaults> = {
  name: 'msa-width',
  version: '1',
  summary: 'MSA on a linear network at one width: NNGP, tree level, one loop and exact train discrepancy (χ = 1 or χ = N)',
  defaults,
  validate: (p) => {
    read(p);
  },
  cost(p) {
    const o = read(p);
    // a handful of n×n solves and d×d eigenproblems: milliseconds at the tour's sizes
    return { seconds: 1e-8 * (o.samples ** 3 + o.dim ** 3) * 50 + 0.01, note: 'O(n³ + d³) linear algebra' };
  },
  run(p, ctx) {
    const o = read(p);
    const dataKey = fold(ctx.sharedKey, o.seed);
    const data = makeDataset(linearTeacher({ dim: o.dim, key: fold(dataKey, 1) }), { key: fold(dataKey, 2), samples: o.samples });
    const chi = o.regime === 'standard' ? 1 : o.width;
    const rep = msaReport(
      { x: data.x, y: data.y.data, width: o.width, chi, sigmaW2: o.sigmaW2, sigmaA2: o.sigmaA2, sigma2: o.sigma2 },
      { activation: 'linear' },
    );
    ctx.progress(1);
    return {
      chi,
      nngp: rep.nngp.msd,
      tree: rep.tree.msd,
      oneLoop: rep.oneLoop.msd,
      kernelRescaling: rep.kernelRescaling.msd,
      exact: rep.exact ? rep.exact.msd : null,
      treeQ: rep.tree.Q,
      oneLoopQ: rep.oneLoop.Q ?? null,
    };
  },
};
