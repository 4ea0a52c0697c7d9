/** Flag handling shared by `demo tour` and the scenario commands (`demo cubic|modular|msa-regimes|scaling-table`). */
import { join } from 'node:path';
import { COMMON_FLAGS, type FlagSpec, type OutputKeySpec, UsageError } from '@sftdl/cli-kit';
import { checkBudget } from '../budget';
import { resolveBackend } from '../backends';
import type { CommandContext } from '../context';
import { type CubicPartOptions, cubicDefaults } from './cubic';
import { installSigint } from './interrupt';
import { scaleFig2 } from './sizes';
import type { PartContext } from './types';

/** Scenario names (`pnpm demo <scenario> [--full]`). */
export const SCENARIOS = ['cubic', 'modular', 'msa-regimes', 'scaling-table'] as const;

/** The `--json` keys of the tour and the scenario commands (what `runParts` prints). */
export const SCENARIO_OUTPUT: readonly OutputKeySpec[] = [
  { key: 'report', description: 'path of the HTML report written under --out-dir' },
  { key: 'mode', description: 'quick | tour size | full' },
  { key: 'backend', description: 'the compute backend used, with its precision' },
  { key: 'seconds', description: 'wall-clock seconds of the run' },
  { key: 'parts', description: 'one object per part (its numbers, theory beside simulation, and its seconds)' },
];

/** The flags {@link readPartContext} reads (declare them in every command that calls it). */
export function partFlags(o: { allowFull: boolean }): FlagSpec[] {
  return [
    COMMON_FLAGS.seed,
    COMMON_FLAGS.backend,
    { name: 'quick', type: 'switch', hidden: true, description: 'test-size run (seconds)' },
    ...(o.allowFull
      ? [{ name: 'full', type: 'switch', description: 'paper size (hours; checkpointed)' } satisfies FlagSpec]
      : []),
    {
      name: 'checkpoint-dir',
      type: 'string',
      placeholder: '<dir>',
      defaultText: '<out-dir>/checkpoints',
      description: 'where paper-size runs keep their checkpoints',
    },
    { name: 'resume', type: 'switch', description: 'continue a paper-size run from --checkpoint-dir' },
  ];
}

/** The flags {@link readCubicOptions} reads (`withSigma2`: also the `--sigma2` list of `demo cubic`). */
export function cubicFlags(withSigma2: boolean): FlagSpec[] {
  return [
    {
      name: 'beta',
      type: 'number',
      defaultText: '1/16 (tour size), 1 (paper size)',
      description: 'size scale β of the Langevin ensembles (N, n, d scaled from the paper’s Fig. 2), ≤ 16',
    },
    {
      name: 'langevin-seconds',
      type: 'number',
      placeholder: '<seconds>',
      defaultText: 'the mode’s budget',
      description: 'paper-size runs only: wall-clock budget used to plan the Langevin part',
    },
    {
      name: 'max-steps',
      type: 'integer',
      defaultText: '12000',
      description: 'cap on the steps per chain of the stopping rule (R̂ ≤ 1.03 and the ESS target), ≥ 40; excludes --steps',
    },
    {
      name: 'steps',
      type: 'integer',
      description: 'fixed number of Langevin steps per chain (instead of the stopping rule), ≥ 20',
    },
    { name: 'chains', type: 'integer', defaultText: '8', description: 'chains per ensemble, ≥ 2' },
    {
      name: 'aligned-chains',
      type: 'integer',
      defaultText: 'min(4, chains/2)',
      description: 'chains started aligned with the teacher (the grokked branch)',
    },
    ...(withSigma2
      ? [
          {
            name: 'sigma2',
            type: 'list',
            placeholder: '<x,…>',
            defaultText: '3 values around the transition (5 with --full)',
            description: 'noise levels σ² of the ensembles, 2 to 8 values',
          } satisfies FlagSpec,
        ]
      : []),
  ];
}

/** Reads the common flags: --seed, --backend, --quick (hidden), --full, --checkpoint-dir, --resume; the backend is resolved by {@link withBackend}. */
export type PartFlags = Omit<PartContext, 'backend'> & { backendName: string | undefined };

export function readPartContext(ctx: CommandContext, o: { allowFull: boolean }): PartFlags {
  const f = ctx.flags;
  const seed = f.number('seed', { integer: true, min: 0, default: 0 });
  const backendName = f.string('backend');
  const quick = f.bool('quick');
  const full = o.allowFull ? f.bool('full') : false;
  const checkpointDir = f.string('checkpoint-dir', join(ctx.outDir, 'checkpoints'));
  const resume = f.bool('resume');
  if (quick && full) throw new UsageError('--quick and --full exclude each other (allowed: one of them, or neither)');
  if (resume && !full) throw new UsageError('--resume continues a --full run from --checkpoint-dir; add --full');
  installSigint();
  return { backendName, seed, quick, full, quiet: f.has('quiet'), log: ctx.log, checkpointDir, resume };
}

/** Resolves `--backend` (call after `assertAllUsed`, so that bad flags are rejected before any backend loads). */
export async function withBackend(pf: PartFlags): Promise<PartContext> {
  const { backendName, ...rest } = pf;
  return { ...rest, backend: await resolveBackend(backendName) };
}

/** The cubic part's flags on top of the mode defaults: --beta, --langevin-seconds (--full only), --steps (fixed) or --max-steps (cap of the stopping rule), --chains, --aligned-chains, --sigma2 (list). */
export function readCubicOptions(
  ctx: CommandContext,
  pc: Pick<PartContext, 'quick' | 'full'>,
  withSigma2: boolean,
): CubicPartOptions {
  const f = ctx.flags;
  const d = cubicDefaults(pc.quick ? 'quick' : pc.full ? 'full' : 'tour');
  const beta = f.number('beta', { positive: true, max: 16, default: d.beta });
  const budgetFlag = f.number('langevin-seconds', { positive: true });
  const chains = f.number('chains', { integer: true, min: 2, default: d.chains });
  const alignedChains = f.number('aligned-chains', {
    integer: true,
    min: 0,
    default: Math.min(d.alignedChains, Math.floor(chains / 2)),
  });
  if (alignedChains > chains) throw new UsageError(`--aligned-chains ${alignedChains} must be ≤ --chains ${chains}`);
  const steps = f.number('steps', { integer: true, min: 20 });
  const maxSteps = f.number('max-steps', { integer: true, min: 40 });
  if (budgetFlag !== undefined && !pc.full)
    throw new UsageError(
      '--langevin-seconds plans the --full run only; the tour-size ensembles have deterministic budgets (use --steps S for exactly S steps, or --max-steps S to cap the stopping rule)',
    );
  if (steps !== undefined && maxSteps !== undefined) throw new UsageError('--steps and --max-steps exclude each other (use one)');
  const budgetSeconds = budgetFlag ?? (steps !== undefined ? Infinity : d.budgetSeconds);
  const sigma2 = withSigma2 ? f.numberList('sigma2', { positive: true }) : undefined;
  if (sigma2 && (sigma2.length < 2 || sigma2.length > 8))
    throw new UsageError(`--sigma2 needs 2 to 8 comma-separated positive values, got ${sigma2.length}`);
  const o: CubicPartOptions = {
    ...d,
    beta,
    budgetSeconds,
    chains,
    alignedChains,
    ...(steps !== undefined ? { minSteps: steps, maxSteps: steps } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(sigma2 ? { sigma2: [...sigma2].sort((a, b) => b - a) } : {}),
  };
  // Size check before any work: the Langevin ensembles at the β-scaled sizes. Their wall-clock budget caps the number
  // of steps, but never below minSteps, so minSteps steps must fit the work budget (a --full run is hours by design:
  // only its memory is checked).
  const P = scaleFig2(beta).params;
  const ensembles = o.sigma2?.length ?? 3;
  const perStep = 6 * P.width * P.samples * P.dim;
  checkBudget(ctx.budget, {
    what: `the Langevin ensembles at β = ${beta} (N = ${P.width}, n = ${P.samples}, d = ${P.dim}, ${chains} chains × ≥ ${o.minSteps} steps × ${ensembles} σ²)`,
    bytes: 8 * (chains * P.width * (P.dim + 1) * 8 + (P.samples + o.testSamples) * (P.dim + 1) * 4),
    flops: pc.full ? 0 : ensembles * chains * o.minSteps * perStep,
    flags: '--beta, --chains or --steps',
  });
  return o;
}
