/**
 * `msa-width`: one width of the multi-scale adaptive theory. `activation: 'linear'` (default): a linear two-layer
 * network on a linear teacher — NNGP, tree-level, one-loop and exact train discrepancies, deterministic and cheap (a
 * good smoke test for clusters). `activation: 'erf'`: the erf network on the Ising-like task of `demo msa-regimes`
 * (spins in d dimensions, y = sign(ξ·x)) — NNGP, tree level and one loop from the sampled tilted measure, and with
 * `simulate: true` a Langevin ensemble of the network (the network points of `msa-regimes --full`), at width N in
 * standard (χ = 1) or mean-field (χ = N) scaling.
 */
import { fold } from '@sftdl/field';
import { msaReport } from '@sftdl/solvers';
import { isingTeacher, linearTeacher, makeDataset } from '@sftdl/teachers';
import type { Experiment, Json } from '@sftdl/sweep';
import { BACKEND_NAMES, resolveBackend } from '../backends';
import { meanSquaredError, simulateMsaNetwork } from '../tour/msa-network';
import { diagnosticsJson, int, oneOf, pos } from './common';

const defaults = {
  dim: 10,
  samples: 30,
  width: 256,
  regime: 'standard',
  sigma2: 0.1,
  sigmaW2: 1,
  sigmaA2: 1,
  seed: 0,
  activation: 'linear',
  simulate: false,
  steps: 40000,
  chains: 32,
  mcSamples: 200000,
  testSamples: 30,
  backend: 'reference',
} satisfies Record<string, Json>;

function read(p: Record<string, Json>) {
  const simulate = p.simulate;
  if (typeof simulate !== 'boolean')
    throw new TypeError(`parameter simulate must be true or false, got ${JSON.stringify(simulate)}`);
  return {
    dim: int(p, 'dim', 1),
    samples: int(p, 'samples', 1),
    width: int(p, 'width', 1),
    regime: oneOf(p, 'regime', ['standard', 'mean-field'] as const),
    sigma2: pos(p, 'sigma2'),
    sigmaW2: pos(p, 'sigmaW2'),
    sigmaA2: pos(p, 'sigmaA2'),
    seed: int(p, 'seed', 0),
    activation: oneOf(p, 'activation', ['linear', 'erf'] as const),
    simulate,
    steps: int(p, 'steps', 10),
    chains: int(p, 'chains', 2),
    mcSamples: int(p, 'mcSamples', 2),
    testSamples: int(p, 'testSamples', 0),
    backend: oneOf(p, 'backend', BACKEND_NAMES),
  };
}

const testErr = (yt: ArrayLike<number>, f?: ArrayLike<number>): number | null =>
  f && yt.length ? meanSquaredError(yt, f) : null;

export const msaWidthExperiment: Experiment<typeof defaults> = {
  name: 'msa-width',
  version: '2',
  summary:
    'MSA at one width (χ = 1 or χ = N): linear network (NNGP, tree, one loop, exact) or erf network on the Ising-like task (theories, and with simulate=true a Langevin ensemble)',
  defaults,
  validate: (p) => {
    read(p);
  },
  cost(p) {
    const o = read(p);
    if (o.activation === 'linear')
      // a handful of n×n solves and d×d eigenproblems: milliseconds at the tour's sizes
      return { seconds: 1e-8 * (o.samples ** 3 + o.dim ** 3) * 50 + 0.01, note: 'O(n³ + d³) linear algebra' };
    // measured (2 cores, unloaded): ~1e-8 s per importance sample·point², ~2e-8 s per chain·step·n·N·d
    const theory = 2e-8 * o.mcSamples * (o.samples + o.testSamples) * (o.samples + 10);
    const net = o.simulate ? 2e-8 * o.steps * o.chains * o.samples * o.width * (o.dim + 2) : 0;
    return { seconds: theory + net + 0.1, note: 'sampled MSA theory + Langevin ensemble (chains × steps × n·N·d)' };
  },
  async run(p, ctx) {
    const o = read(p);
    const dataKey = fold(ctx.sharedKey, o.seed);
    const chi = o.regime === 'standard' ? 1 : o.width;
    if (o.activation === 'linear') {
      const data = makeDataset(linearTeacher({ dim: o.dim, key: fold(dataKey, 1) }), {
        key: fold(dataKey, 2),
        samples: o.samples,
      });
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
    }
    const data = makeDataset(isingTeacher({ dim: o.dim, key: fold(dataKey, 1) }), {
      key: fold(dataKey, 2),
      samples: o.samples,
      testSamples: o.testSamples,
      inputs: 'spins',
    });
    const backend = await resolveBackend(o.backend);
    const yTest = data.yTest?.data ?? new Float64Array(0);
    const problem = {
      x: data.x,
      y: data.y.data,
      ...(data.xTest ? { xTest: data.xTest } : {}),
      width: o.width,
      chi,
      sigmaW2: o.sigmaW2,
      sigmaA2: o.sigmaA2,
      sigma2: o.sigma2,
    };
    const rep = msaReport({ ...problem, backend }, { activation: 'erf', samples: o.mcSamples, key: fold(dataKey, 3) });
    const out: Record<string, Json> = {
      chi,
      nngp: rep.nngp.msd,
      tree: rep.tree.msd,
      oneLoop: rep.oneLoop.msd,
      kernelRescaling: rep.kernelRescaling.msd,
      nngpTest: testErr(yTest, rep.nngp.testMean),
      treeTest: testErr(yTest, rep.tree.testMean),
      oneLoopTest: testErr(yTest, rep.oneLoop.testMean),
      treeQ: rep.tree.Q,
    };
    if (o.simulate) {
      const net = await simulateMsaNetwork({
        ...problem,
        yTest,
        activation: 'erf',
        steps: o.steps,
        chains: o.chains,
        seed: o.seed,
        backend,
        onProgress: (t, n) => ctx.progress(t / n),
      });
      Object.assign(out, {
        network: net.msd,
        networkStdError: diagnosticsJson(net.msdStdError),
        networkTest: net.testError ?? null,
        networkTestStdError: diagnosticsJson(net.testErrorStdError ?? NaN),
        rhat: diagnosticsJson(net.rhat),
        method: net.method,
      });
    }
    ctx.progress(1);
    return out;
  },
};
