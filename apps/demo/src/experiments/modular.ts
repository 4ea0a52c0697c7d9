/**
 * `modular-point`: one σ² point of the modular-addition network side (grokking paper Fig. 3): a Langevin ensemble of the
 * square-activation network with the sextic regulariser on the full P² table, `steps` per chain exactly (no time cap,
 * no early stop: the result depends only on the parameters and the key), checkpointed, compared with the theory at
 * the same P, N, σ_a², γ. σ_a² follows the tour's mapping from the paper (tour/modular-langevin.ts).
 */
import type { Experiment, GridAxis, Json } from '@sftdl/sweep';
import { BACKEND_NAMES, resolveBackend } from '../backends';
import { modularScenario, pickDefined, runModularLangevin } from '../tour/modular-langevin';
import { LANGEVIN_COST_NOTE, diagnosticsJson, int, langevinSeconds, oneOf, pos } from './common';

const defaults = {
  prime: 11,
  width: 32,
  gamma: 30,
  sigma2: 0.005,
  seed: 0,
  chains: 4,
  steps: 2000,
  burnIn: 400,
  thin: 5,
  backend: 'reference',
} satisfies Record<string, Json>;

function read(p: Record<string, Json>) {
  const o = {
    prime: int(p, 'prime', 3),
    width: int(p, 'width', 2),
    gamma: pos(p, 'gamma'),
    sigma2: pos(p, 'sigma2'),
    chains: int(p, 'chains', 2),
    steps: int(p, 'steps', 20),
    burnIn: int(p, 'burnIn', 0),
    thin: int(p, 'thin', 1),
    backend: oneOf(p, 'backend', BACKEND_NAMES),
  };
  if (o.burnIn >= o.steps) throw new RangeError(`parameter burnIn ${o.burnIn} must be < steps ${o.steps}`);
  modularScenario(o); // throws for a prime that is not prime or a scenario without a GMFL-II onset
  return o;
}

export const modularPointExperiment: Experiment<typeof defaults> = {
  name: 'modular-point',
  version: '2',
  summary: 'one σ² point of the modular-addition network (paper Fig. 3) vs the theory at the same P, N, σ_a², γ; checkpointed',
  defaults,
  validate: (p) => {
    read(p);
  },
  cost(p) {
    const o = read(p);
    // n = P² inputs of dimension 2P, P outputs: the readout adds n·N·P to the n·d·N of the read-in
    return {
      seconds: langevinSeconds({ chains: o.chains, steps: o.steps, samples: o.prime ** 2, dim: 3 * o.prime, width: o.width }),
      note: LANGEVIN_COST_NOTE,
    };
  },
  async run(p, ctx) {
    const o = read(p);
    const sc = modularScenario(o);
    const backend = await resolveBackend(o.backend);
    const [r] = await runModularLangevin({
      scenario: sc,
      sigma2: [o.sigma2],
      chains: o.chains,
      maxSteps: o.steps,
      burnIn: o.burnIn,
      thin: o.thin,
      key: ctx.key,
      backend,
      stopAtTarget: false,
      onProgress: (f) => ctx.progress(f),
      checkpoint: {
        load: () => {
          const v = ctx.checkpoint.load();
          return typeof v === 'string' ? v : undefined;
        },
        save: (t) => ctx.checkpoint.save(t),
        everySeconds: 60,
      },
    });
    const run = r!;
    return {
      sigmaA2: sc.sigmaA2,
      gmfl1Onset: sc.gmfl1Onset,
      gmfl2Onset: sc.gmfl2Onset,
      a: run.a,
      aStdError: run.aStdError,
      theoryA: run.theoryA,
      phase: run.phase,
      w2v2: run.w2v2,
      w2v2Theory: run.w2v2Theory,
      w2v2PerMode: run.w2v2PerMode,
      theoryASaddle: run.theoryASaddle,
      theoryFiniteN: run.theoryFiniteN,
      theoryFiniteNSe: run.theoryFiniteNSe,
      deviationSeFiniteN: run.deviationSeFiniteN,
      ...pickDefined(run, ['theoryReweighted', 'theoryReweightedSe', 'reweightEss']),
      starts: run.starts.map((s) => ({ ...s, rhat: diagnosticsJson(s.rhat) })),
      startsAgree: run.startsAgree,
      rhat: diagnosticsJson(run.rhat),
      ess: diagnosticsJson(run.ess),
      steps: run.steps,
      stepSize: run.stepSize,
      warnings: run.warnings,
    };
  },
};

/**
 * `demo modular --full` as a sweep: σ² on a grid spanning GFL, GMFL-I and GMFL-II of the mapped scenario at P = 47
 * (N = 64, γ = 30) × `seed = 1…4` independent ensembles, each 4 chains × 200 000 steps.
 */
export function modularFullPlan(
  o: { prime?: number; width?: number; gamma?: number; steps?: number; seeds?: number; points?: number } = {},
): { axes: GridAxis[]; set: Record<string, Json> } {
  const prime = o.prime ?? 47,
    width = o.width ?? 64,
    gamma = o.gamma ?? 30;
  const sc = modularScenario({ prime, width, gamma });
  const m = o.points ?? 8;
  const lo = 0.6 * sc.gmfl2Onset,
    hi = 1.2 * sc.gmfl1Onset;
  const sigma2 = Array.from({ length: m }, (_, i) => Number((hi - ((hi - lo) * i) / (m - 1)).toPrecision(6)));
  return {
    axes: [
      { name: 'sigma2', values: sigma2 },
      { name: 'seed', values: Array.from({ length: o.seeds ?? 4 }, (_, i) => i + 1) },
    ],
    set: {
      prime,
      width,
      gamma,
      chains: 4,
      steps: o.steps ?? 200_000,
      burnIn: Math.floor((o.steps ?? 200_000) / 4),
      thin: 20,
      backend: 'reference',
    },
  };
}
