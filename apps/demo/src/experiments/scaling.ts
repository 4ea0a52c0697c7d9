/**
 * `scaling-onset`: one cell of the curse-of-detail onset measurement (`demo scaling measure`).
 * - runner linear / gp: one (d, P, seed) cell — the alignment A_f = ⟨f, y⟩/⟨y, y⟩ on fresh test points of the exact
 *   linear-network posterior (He₁ teacher) or of GP regression with the erf NNGP kernel (He_k teacher).
 * - runner langevin: one (d, seed) cell — the walks of `demo scaling measure --runner langevin` for one dataset of the
 *   finite-width erf network (two- or three-layer), each over a fixed grid so that cells of one d pool afterwards: up
 *   the grid 8·√2^k ≤ pMax from the prior, back down from the top (×2^(−1/downSteps), to the grid's bottom; realigned at
 *   the top if still lazy there), and the three restricted walks of the equilibrium onset (lazy up, aligned up, aligned
 *   down, dividing overlap from `alignedMass`); returns every curve, the restricted free energies and the
 *   specialised-neuron count.
 * The `--full` plans of `demo scaling measure --runner langevin --full --plan-sweep DIR` are grids of this experiment;
 * `demo scaling measure --runner langevin --from DIR` pools the finished cells per d and gives the verdict, with the
 * same estimators as the local run (equilibrium onset, spinodals, coexistence).
 */
import type { Experiment, GridAxis, Json } from '@sftdl/sweep';
import { alignment, onsetFromCurve, onsetFromTop } from '@sftdl/scaling';
import { threeLayerNet, twoLayerNet } from '@sftdl/training';
import { gpErfRunner, linearRunner, networkGrid, networkSeconds } from '../commands/scaling';
import { type AnnealedSize, type EquilibriumWalk, annealedSweep } from '../commands/scaling-langevin';
import { BACKEND_NAMES, resolveBackend } from '../backends';
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
  downSteps: 4,
  alignedMass: 0.05,
  backend: 'auto',
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
    downSteps: int(p, 'downSteps', 1),
    alignedMass: pos(p, 'alignedMass'),
    backend: oneOf(p, 'backend', ['auto', ...BACKEND_NAMES]),
    seed: int(p, 'seed', 0),
  };
  if (o.alignedMass >= 0.5) throw new RangeError('parameter alignedMass must be < 0.5 (the aligned region is the rare side)');
  if (o.runner === 'linear' && o.degree !== 1)
    throw new RangeError('parameter degree must be 1 for runner linear (linear teacher)');
  if (o.runner !== 'linear' && o.degree % 2 === 0)
    throw new RangeError('parameter degree must be odd for runners gp and langevin (erf has odd Hermite content only)');
  if (o.alignedChains > o.chains) throw new RangeError('parameter alignedChains must be ≤ chains');
  if (o.threshold >= 1) throw new RangeError('parameter threshold must be < 1');
  return o;
}

/** The |ŵᵢ·w*| (or layer-2 correlation) above which a langevin cell counts a neuron as specialised. */
export const CELL_SPECIALISATION_THRESHOLD = 0.5;

const width = (o: ReturnType<typeof read>) => Math.max(1, Math.round(o.widthFactor * o.dim ** o.widthExponent));

export const scalingOnsetExperiment: Experiment<typeof defaults> = {
  name: 'scaling-onset',
  version: '4',
  summary:
    'one cell of the sample-complexity onset measurement: test alignment A_f of an exact runner at (d, P, seed), or the P-annealed erf-network posterior walks of one dataset at (d, seed) — up, down and the equilibrium (restricted free-energy) walks, pooled by demo scaling measure --from',
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
          layers: o.model === 'three-layer' ? 3 : 2,
          seeds: 1,
          chains: o.chains,
          burnIn: o.burnIn,
          record: o.record,
          testSamples: o.testSamples,
          downStepsPerOctave: o.downSteps,
          equilibriumWalks: 3,
        }),
        note: 'the whole P grid: up, down and the three restricted walks',
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
      const backend = await resolveBackend(o.backend, 'float64');
      const [s] = annealedSweep({
        model: (d) =>
          o.model === 'two-layer'
            ? twoLayerNet({ dim: d, width: N, activation: 'erf', sigmaA2: o.sigmaA2, backend })
            : threeLayerNet({ dim: d, widths: [N, N], activation: 'erf', sigmaA2: o.sigmaA2, backend }),
        widthOf: () => N,
        dims: [o.dim],
        grid: networkGrid(o.pMax),
        seeds: 1,
        backend,
        chains: o.chains,
        alignedChains: o.alignedChains,
        degree: o.degree,
        sigma2: o.sigma2,
        activationSlope: 2 / Math.sqrt(Math.PI),
        burnIn: o.burnIn,
        record: o.record,
        testSamples: o.testSamples,
        threshold: o.threshold,
        specialisationThreshold: CELL_SPECIALISATION_THRESHOLD,
        specialisedLayer: o.model === 'three-layer' ? 2 : 1,
        hysteresis: true,
        equilibrium: { alignedMass: o.alignedMass },
        wholeGrid: true,
        downStepsPerOctave: o.downSteps,
        key: ctx.key,
      });
      ctx.progress(1);
      return sweepCellJson(s!);
    }
    const runner = o.runner === 'linear' ? linearRunner(o.sigma2, o.testSamples) : gpErfRunner(o.sigma2, o.testSamples, o.degree);
    const r = await runner({ samples: o.samples, dim: o.dim, width: N, key: ctx.key });
    ctx.progress(1);
    return { width: N, alignment: alignment(r.prediction, r.target) };
  },
};

/** A langevin cell's result: one dataset's walks ({@link AnnealedSize} with one row per table). */
function sweepCellJson(s: AnnealedSize): Json {
  return {
    width: s.width,
    samples: s.samples,
    alignment: s.alignment[0]!,
    down: s.down ? { samples: s.down.samples, alignment: s.down.alignment[0]! } : null,
    realigned: s.realigned.length > 0,
    equilibrium: s.equilibrium
      ? {
          dividing: s.equilibrium.dividing,
          logMass: s.equilibrium.logMass,
          samples: s.equilibrium.samples,
          logPredictive: mapWalks(s.equilibrium.logPredictive, (r) => r[0]!),
          freeEnergy: mapWalks(s.equilibrium.freeEnergy, (r) => r[0]!),
          alignment: mapWalks(s.equilibrium.alignment, (r) => r[0]!),
          overlap: s.equilibrium.overlap,
          deltaF: s.equilibrium.deltaF[0]!,
          weight: s.equilibrium.weight[0]!,
          mixture: s.equilibrium.mixture[0]!,
          acceptance: s.equilibrium.acceptance,
        }
      : null,
    specialised: s.specialised[0]!,
    specialisedByChance: s.specialisedByChance,
    chainSpread: s.chainSpread,
    acceptance: s.acceptance,
    seconds: s.seconds,
  } as unknown as Json;
}

function mapWalks<T, U>(r: Record<EquilibriumWalk, T>, f: (v: T) => U): Record<EquilibriumWalk, U> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v as T)])) as Record<EquilibriumWalk, U>;
}

/**
 * The inverse of the cells' JSON: the finished langevin cells of one sweep, grouped by d (datasets in seed order), as
 * the {@link AnnealedSize} rows a local `demo scaling measure --runner langevin` run produces. Throws when the cells of
 * one d disagree on a grid (they come from different plans).
 */
export function sizesFromCells(
  cells: readonly { dim: number; seed: number; result: Record<string, unknown> }[],
  threshold: number,
): AnnealedSize[] {
  const dims = [...new Set(cells.map((c) => c.dim))].sort((a, b) => a - b);
  return dims.map((dim) => {
    const cs = cells.filter((c) => c.dim === dim).sort((a, b) => a.seed - b.seed);
    const r = cs.map((c) => c.result as unknown as CellResult);
    const first = r[0]!;
    const same = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
      (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === b![i]);
    for (const x of r)
      if (
        !same(x.samples, first.samples) ||
        !same(x.down?.samples, first.down?.samples) ||
        !same(x.equilibrium?.samples, first.equilibrium?.samples)
      )
        throw new RangeError(`the cells at d = ${dim} walked different P grids (different plans?)`);
    const eq = first.equilibrium;
    const walks = eq ? (Object.keys(eq.alignment) as EquilibriumWalk[]) : [];
    const per = <T>(pick: (e: NonNullable<CellResult['equilibrium']>) => Record<EquilibriumWalk, T>) =>
      Object.fromEntries(walks.map((w) => [w, r.map((x) => pick(x.equilibrium!)[w])])) as Record<EquilibriumWalk, T[]>;
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const size: AnnealedSize = {
      dim,
      width: first.width,
      samples: first.samples,
      alignment: r.map((x) => x.alignment),
      chainSpread: Math.max(...r.map((x) => x.chainSpread)),
      specialised: r.map((x) => x.specialised),
      specialisedByChance: first.specialisedByChance,
      acceptance: mean(r.map((x) => x.acceptance)),
      seconds: r.reduce((a, x) => a + x.seconds, 0),
      onsetsUp: r.map((x) => onsetFromCurve(x.samples, x.alignment, threshold)),
      onsetsDown: r.map((x) => (x.down ? onsetFromTop(x.down.samples, x.down.alignment, threshold) : null)),
      realigned: cs.flatMap((c, i) => (r[i]!.realigned ? [c.seed] : [])),
      extendedTo: [],
      ...(r.every((x) => x.down) ? { down: { samples: first.down!.samples, alignment: r.map((x) => x.down!.alignment) } } : {}),
      ...(eq && r.every((x) => x.equilibrium)
        ? {
            equilibrium: {
              dividing: eq.dividing,
              logMass: eq.logMass,
              samples: eq.samples,
              logPredictive: per((e) => e.logPredictive),
              freeEnergy: per((e) => e.freeEnergy),
              alignment: per((e) => e.alignment),
              // the dataset mean of each walk's chain-mean overlap (the cells' overlaps are per dataset)
              overlap: Object.fromEntries(
                walks.map((w) => [w, eq.overlap[w].map((_, k) => mean(r.map((x) => x.equilibrium!.overlap[w][k]!)))]),
              ) as Record<EquilibriumWalk, number[]>,
              deltaF: r.map((x) => x.equilibrium!.deltaF),
              weight: r.map((x) => x.equilibrium!.weight),
              mixture: r.map((x) => x.equilibrium!.mixture),
              acceptance: mean(r.map((x) => x.equilibrium!.acceptance)),
            },
          }
        : {}),
    };
    return size;
  });
}

/** What a langevin cell returns ({@link sweepCellJson}). */
interface CellResult {
  width: number;
  samples: number[];
  alignment: number[];
  down: { samples: number[]; alignment: number[] } | null;
  realigned: boolean;
  equilibrium: {
    dividing: number;
    logMass: { lazy: number; aligned: number };
    samples: number[];
    logPredictive: Record<EquilibriumWalk, number[]>;
    freeEnergy: Record<EquilibriumWalk, number[]>;
    alignment: Record<EquilibriumWalk, number[]>;
    overlap: Record<EquilibriumWalk, number[]>;
    deltaF: number[];
    weight: number[];
    mixture: number[];
    acceptance: number;
  } | null;
  specialised: number;
  specialisedByChance: number;
  chainSpread: number;
  acceptance: number;
  seconds: number;
}

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
