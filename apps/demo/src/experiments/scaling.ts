/**
 * `scaling-onset`: one cell of the curse-of-detail onset measurement (`demo scaling measure`).
 * - runner linear / gp: one (d, P, seed) cell — the alignment A_f = ⟨f, y⟩/⟨y, y⟩ on fresh test points of the exact
 *   linear-network posterior (He₁ teacher) or of GP regression with the erf NNGP kernel (He_k teacher).
 * - runner langevin: one (d, seed) cell — a P-annealed posterior sweep of the finite-width erf network (two- or
 *   three-layer, `demo scaling measure --runner langevin`) over the grid 8·√2^k ≤ pMax, stopping one step after the
 *   alignment reaches `threshold`; returns the alignment curve and the specialised-neuron count.
 * Collecting a sweep over dims × seeds gives the curves whose onsets `demo scaling measure` fits; the `--full` plans of
 * `demo scaling measure --runner langevin --full --plan-sweep DIR` are grids of this experiment.
 */
import type { Experiment, GridAxis, Json } from '@sftdl/sweep';
import { alignment } from '@sftdl/scaling';
import { threeLayerNet, twoLayerNet } from '@sftdl/training';
import { gpErfRunner, linearRunner, networkGrid, networkSeconds } from '../commands/scaling';
import { annealedSweep } from '../commands/scaling-langevin';
import { int, oneOf, pos } from './common';

const defaults = {
  runner: 'linear',
  model: 'two-layer',
  degree: 1,
  dim: 16,
  samples: 16,
  widthFactor: 2,
  widthExponent: 1,
  sigma2: 0.1,
  sigmaA2: 4,
  chains: 4,
  alignedChains: 0,
  burnIn: 150,
  record: 150,
  pMax: 2048,
  threshold: 0.5,
  testSamples: 500,
  seed: 0,
} satisfies Record<string, Json>;

function read(p: Record<string, Json>) {
  const o = {
    runner: oneOf(p, 'runner', ['linear', 'gp', 'langevin'] as const),
    model: oneOf(p, 'model', ['two-layer', 'three-layer'] as const),
    degree: int(p, 'degree', 1),
    dim: int(p, 'dim', 1),
    samples: int(p, 'samples', 2),
    widthFactor: pos(p, 'widthFactor'),
    widthExponent: pos(p, 'widthExponent'),
    sigma2: pos(p, 'sigma2'),
    sigmaA2: pos(p, 'sigmaA2'),
    chains: int(p, 'chains', 1),
    alignedChains: int(p, 'alignedChains', 0),
    burnIn: int(p, 'burnIn', 1),
    record: int(p, 'record', 1),
    pMax: int(p, 'pMax', 8),
    threshold: pos(p, 'threshold'),
    testSamples: int(p, 'testSamples', 2),
    seed: int(p, 'seed', 0),
  };
  if (o.runner === 'linear' && o.degree !== 1)
    throw new RangeError('parameter degree must be 1 for runner linear (linear teacher)');
  if (o.runner !== 'linear' && o.degree % 2 === 0)
    throw new RangeError('parameter degree must be odd for runners gp and langevin (erf has odd Hermite content only)');
  if (o.alignedChains > o.chains) throw new RangeError('parameter alignedChains must be ≤ chains');
  if (o.threshold >= 1) throw new RangeError('parameter threshold must be < 1');
  return o;
}

const width = (o: ReturnType<typeof read>) => Math.max(1, Math.round(o.widthFactor * o.dim ** o.widthExponent));

export const scalingOnsetExperiment: Experiment<typeof defaults> = {
  name: 'scaling-onset',
  version: '2',
  summary:
    'one cell of the sample-complexity onset measurement: test alignment A_f of an exact runner at (d, P, seed), or a P-annealed erf-network posterior sweep at (d, seed) (as demo scaling measure)',
  defaults,
  validate: (p) => {
    read(p);
  },
  cost(p) {
    const o = read(p);
    if (o.runner === 'langevin') {
      const N = width(o);
      return {
        seconds: networkSeconds({
          dims: [o.dim],
          grid: networkGrid(o.pMax),
          widths: () => [N, N],
          seeds: 1,
          chains: o.chains,
          burnIn: o.burnIn,
          record: o.record,
          testSamples: o.testSamples,
        }),
        note: 'upper bound: the whole P grid (a cell stops one step after its onset)',
      };
    }
    return {
      seconds: 2e-9 * (o.samples ** 3 + o.samples * o.testSamples * o.dim) + 0.005,
      note: 'O(P³ + P·P_test·d) exact solves',
    };
  },
  async run(p, ctx): Promise<Json> {
    const o = read(p);
    const N = width(o);
    if (o.runner === 'langevin') {
      const [s] = annealedSweep({
        model: (d) =>
          o.model === 'two-layer'
            ? twoLayerNet({ dim: d, width: N, activation: 'erf', sigmaA2: o.sigmaA2 })
            : threeLayerNet({ dim: d, widths: [N, N], activation: 'erf', sigmaA2: o.sigmaA2 }),
        widthOf: () => N,
        dims: [o.dim],
        grid: networkGrid(o.pMax),
        seeds: 1,
        chains: o.chains,
        alignedChains: o.alignedChains,
        degree: o.degree,
        sigma2: o.sigma2,
        activationSlope: 2 / Math.sqrt(Math.PI),
        burnIn: o.burnIn,
        record: o.record,
        testSamples: o.testSamples,
        threshold: o.threshold,
        specialisationThreshold: 0.5,
        key: ctx.key,
      });
      ctx.progress(1);
      return {
        width: N,
        samples: s!.samples,
        alignment: s!.alignment[0]!,
        specialised: s!.specialised[0]!,
        specialisedByChance: s!.specialisedByChance,
        chainSpread: s!.chainSpread,
      };
    }
    const runner = o.runner === 'linear' ? linearRunner(o.sigma2, o.testSamples) : gpErfRunner(o.sigma2, o.testSamples, o.degree);
    const r = await runner({ samples: o.samples, dim: o.dim, width: N, key: ctx.key });
    ctx.progress(1);
    return { width: N, alignment: alignment(r.prediction, r.target) };
  },
};

/** The `--full` plan of a network onset row: dims × seeds cells of `scaling-onset` with runner langevin. */
export function scalingFullPlan(o: {
  model: 'two-layer' | 'three-layer';
  widthExponent: number;
  dims: readonly number[];
  seeds: number;
  set: Record<string, Json>;
}): { axes: GridAxis[]; set: Record<string, Json> } {
  return {
    axes: [
      { name: 'dim', values: [...o.dims] },
      { name: 'seed', values: Array.from({ length: o.seeds }, (_, i) => i) },
    ],
    set: { runner: 'langevin', model: o.model, degree: 3, widthExponent: o.widthExponent, widthFactor: 1, ...o.set },
  };
}
