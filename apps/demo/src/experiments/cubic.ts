/**
 * `cubic-point`: one σ² point of the cubic-teacher grokking reproduction (grokking paper Fig. 2): a Langevin ensemble
 * of erf networks at the β-scaled sizes of the paper (β = 1: N = 700, n = 3000, d = 150), `chains` chains of which
 * `alignedChains` start teacher-aligned at q*, exactly the tour's ensemble (apps/demo/src/tour/langevin.ts), with a
 * fixed number of steps (no time cap, so the result depends only on the parameters and the key).
 * The dataset is drawn from the sweep's shared key and `seed`, so all σ² cells with the same seed see the same data
 * (the paper's 50 datasets × 4 initialisations per σ² is `seed=1..50` with `chains=4`).
 */
import { fold } from '@sftdl/field';
import { cubicCriticalPoint } from '@sftdl/solvers';
import { cubicTeacher, makeDataset } from '@sftdl/teachers';
import type { Experiment, GridAxis, Json } from '@sftdl/sweep';
import { BACKEND_NAMES, resolveBackend } from '../backends';
import { runEnsemble } from '../tour/langevin';
import { invariantsAt, scaleFig2 } from '../tour/sizes';
import { LANGEVIN_COST_NOTE, diagnosticsJson, int, langevinSeconds, oneOf, pos } from './common';

const defaults = {
  beta: 0.01,
  sigma2: 0.2,
  seed: 0,
  chains: 4,
  alignedChains: 2,
  steps: 200,
  thin: 10,
  testSamples: 200,
  backend: 'reference',
} satisfies Record<string, Json>;

function read(p: Record<string, Json>) {
  const o = {
    beta: pos(p, 'beta'),
    sigma2: pos(p, 'sigma2'),
    seed: int(p, 'seed', 0),
    chains: int(p, 'chains', 2),
    alignedChains: int(p, 'alignedChains', 0),
    steps: int(p, 'steps', 20),
    thin: int(p, 'thin', 1),
    testSamples: int(p, 'testSamples', 10),
    backend: oneOf(p, 'backend', BACKEND_NAMES),
  };
  if (o.alignedChains > o.chains) throw new RangeError(`parameter alignedChains ${o.alignedChains} must be ≤ chains ${o.chains}`);
  if (o.beta > 16) throw new RangeError(`parameter beta must be ≤ 16, got ${o.beta}`);
  return o;
}

export const cubicPointExperiment: Experiment<typeof defaults> = {
  name: 'cubic-point',
  version: '1',
  summary: 'one σ² point of the cubic-teacher grokking ensemble (paper Fig. 2) at β-scaled sizes; checkpointed',
  defaults,
  validate: (p) => {
    read(p);
  },
  cost(p) {
    const o = read(p);
    const s = scaleFig2(o.beta).params;
    return {
      seconds: langevinSeconds({ chains: o.chains, steps: o.steps, samples: s.samples, dim: s.dim, width: s.width }),
      note: LANGEVIN_COST_NOTE,
    };
  },
  async run(p, ctx) {
    const o = read(p);
    const sizes = scaleFig2(o.beta);
    const P = sizes.params;
    const crit = cubicCriticalPoint(P);
    const dataKey = fold(ctx.sharedKey, o.seed);
    const teacher = cubicTeacher({ dim: P.dim, epsilon: P.epsilon, key: fold(dataKey, 1) });
    const data = makeDataset(teacher, { key: fold(dataKey, 2), samples: P.samples, testSamples: o.testSamples });
    const backend = await resolveBackend(o.backend);
    const r = await runEnsemble({
      sizes,
      data,
      sigma2: o.sigma2,
      chains: o.chains,
      alignedChains: o.alignedChains,
      alignedOverlap: crit.qStar,
      steps: o.steps,
      capSeconds: Infinity,
      thin: o.thin,
      key: ctx.key,
      backend,
      onProgress: (t) => ctx.progress(t / o.steps),
      checkpoint: {
        path: '',
        resume: true,
        everySeconds: 60,
        store: {
          load: () => {
            const v = ctx.checkpoint.load();
            return typeof v === 'string' ? v : undefined;
          },
          save: (t) => ctx.checkpoint.save(t),
        },
      },
    });
    const inv = invariantsAt(sizes, o.sigma2);
    return {
      width: P.width,
      samples: P.samples,
      dim: P.dim,
      sigmaA2: P.sigmaA2,
      u: inv.u,
      kappa: inv.kappa,
      sigma2Critical: crit.sigma2Critical,
      qStar: crit.qStar,
      learnedCubic: r.learnedCubic,
      learnedCubicSe: r.learnedCubicSe,
      learnedLinear: r.learnedLinear,
      learnedLinearSe: r.learnedLinearSe,
      he1: diagnosticsJson(r.he1),
      he3: diagnosticsJson(r.he3),
      stepsDone: r.stepsDone,
      burnIn: r.burnIn,
      recordedSamples: r.recordedSamples,
      stepSize: r.stepSize,
      rhat: diagnosticsJson(r.rhat),
      ess: diagnosticsJson(r.ess),
      equilibrated: r.equilibrated,
      learnedCubicSeMc: diagnosticsJson(r.learnedCubicSeMc),
      overlap: diagnosticsJson(r.overlap),
      warnings: r.warnings,
    };
  },
};

/** The paper's Fig. 2 protocol per σ²: 50 datasets × 4 initialisations, 360 000 epochs. */
export const FIG2_PROTOCOL = { datasets: 50, initialisations: 4, steps: 360_000 } as const;

/**
 * `demo cubic --full` as a sweep: σ² (paper grid or `sigma2`) × `seed = 1…50` (datasets), each cell one
 * ensemble of 4 chains (2 started teacher-aligned) × 360 000 steps at β (1 = the paper's sizes).
 */
export function cubicFullPlan(o: { beta: number; sigma2: readonly number[]; steps?: number; datasets?: number }): {
  axes: GridAxis[];
  set: Record<string, Json>;
} {
  const datasets = o.datasets ?? FIG2_PROTOCOL.datasets;
  return {
    axes: [
      { name: 'sigma2', values: [...o.sigma2] },
      { name: 'seed', values: Array.from({ length: datasets }, (_, i) => i + 1) },
    ],
    set: {
      beta: o.beta,
      chains: FIG2_PROTOCOL.initialisations,
      alignedChains: 2,
      steps: o.steps ?? FIG2_PROTOCOL.steps,
      thin: 20,
      testSamples: 3000,
      backend: 'reference',
    },
  };
}
