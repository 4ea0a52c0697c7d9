import { UsageError } from '@sftdl/cli-kit';
import { planSweep } from '@sftdl/sweep';
import type { Command } from '../context';
import { cubicFullPlan } from '../experiments/cubic';
import { registry } from '../experiments/index';
import { FIG2_SIGMA2 } from '../tour/sizes';
import { emitPlan } from './sweep';
import { SCENARIO_OUTPUT, cubicFlags, partFlags, readCubicOptions, readPartContext, withBackend } from '../tour/cli';
import { runCubicPart } from '../tour/cubic';
import { runParts } from '../tour/run';

export const command: Command = {
  name: 'cubic',
  summary: 'scenario: cubic-teacher grokking transition, theory + Langevin (tour size; --full: paper size, hours)',
  usage: [
    'demo cubic [--full [--checkpoint-dir D] [--resume]] [--beta b] [--sigma2 s1,s2,…] [--langevin-seconds s | --steps S] [--chains C] [--aligned-chains k] [--seed s] [--backend name] [--json]',
    '  --full: β = 1 (N = 700, n = 3000, d = 150), 8 chains, σ² ∈ {0.3, 0.25, 0.2, 0.15, 0.1}, steps from an 8 h budget (≥ 2000); hours to days on 2 cores. Paper β values: --beta 0.125|0.5|1|2',
    '  JSON nulls: parts.cubic.overlapHistograms[].qStar = null where Ŝ has no non-trivial minimum; parts.modular.gmfl2Onset = null when no GMFL-II onset exists',
    '  Ctrl-C: stops after the current step, leaves the previous report intact, says where a rerun (--resume for --full) continues; exit 130',
    "demo cubic [--finite-size-sigma2 s] [--finite-size-max-steps S] [--skip-finite-size]: the scenario includes the finite-size sweep (β = 1/32, 1/16, 3/32 at the paper's u and κ, one σ², default 0.1; the tour-size ensemble at that σ² is reused): the gap Langevin − finite-d theory against 1/N and its extrapolation (JSON parts.cubic.finiteSize); deterministic budgets (at most S steps per chain, default 12000)",
    'demo cubic --full --plan-sweep DIR [--beta b] [--sigma2 …] [--steps S] [--seed s] [--json]: the paper protocol (σ² × 50 datasets, 4 chains × 360 000 steps each) as a sweep plan with its cost estimate; run it with `demo sweep run|submit DIR`',
  ],
  flags: [
    ...partFlags({ allowFull: true }),
    ...cubicFlags(true),
    {
      name: 'finite-size',
      type: 'switch',
      description: 'the finite-size sweep (β = 1/32, 1/16, 3/32 at one σ²); on by default, kept for compatibility',
    },
    { name: 'skip-finite-size', type: 'switch', description: 'leave out the finite-size sweep' },
    { name: 'finite-size-sigma2', type: 'number', default: 0.1, description: 'the σ² of the finite-size sweep' },
    {
      name: 'finite-size-max-steps',
      type: 'integer',
      defaultText: '12000 (200 with --quick)',
      description: 'cap on the steps per chain of the finite-size runs, ≥ 100',
    },
    {
      name: 'finite-size-seconds',
      type: 'number',
      placeholder: '<seconds>',
      hidden: true,
      description: 'removed: the finite-size runs have deterministic budgets (exits 2 naming --finite-size-max-steps)',
    },
    {
      name: 'plan-sweep',
      type: 'string',
      placeholder: '<dir>',
      description: 'with --full: write the paper protocol as a sweep plan in this folder instead of running it',
    },
  ],
  output: SCENARIO_OUTPUT,
  async run(ctx) {
    const planDir = ctx.flags.string('plan-sweep');
    const pf = readPartContext(ctx, { allowFull: true });
    const o = readCubicOptions(ctx, pf, true);
    // the finite-size sweep is part of the tour-size scenario (--finite-size, kept for old scripts, is the default)
    const explicitFs = ctx.flags.bool('finite-size');
    const skipFs = ctx.flags.bool('skip-finite-size');
    if (explicitFs && skipFs) throw new UsageError('--finite-size and --skip-finite-size exclude each other (use one)');
    if (ctx.flags.has('finite-size-seconds'))
      throw new UsageError(
        '--finite-size-seconds is gone: the finite-size ensembles have deterministic budgets (use --finite-size-max-steps S)',
      );
    if (explicitFs && pf.full) throw new UsageError('--finite-size runs the tour-size sweep; drop --full');
    const fsSigma2 = ctx.flags.number('finite-size-sigma2', { positive: true, default: 0.1 });
    const fsMax = ctx.flags.number('finite-size-max-steps', { integer: true, min: 100, default: pf.quick ? 200 : 12000 });
    if (!pf.full && !skipFs)
      o.finiteSize = {
        betas: pf.quick ? [0.01, 0.02, 0.03] : [1 / 32, 1 / 16, 3 / 32],
        sigma2: fsSigma2,
        maxSteps: fsMax,
      };
    ctx.flags.assertAllUsed();
    if (planDir !== undefined) {
      if (!pf.full) throw new UsageError('--plan-sweep plans the paper-size run; add --full');
      const steps = ctx.flags.has('steps') ? o.maxSteps : undefined;
      const plan = cubicFullPlan({
        beta: o.beta,
        sigma2: o.sigma2 ?? [...FIG2_SIGMA2].reverse(),
        ...(steps !== undefined ? { steps } : {}),
      });
      emitPlan(ctx, planSweep(registry, planDir, { experiment: 'cubic-point', ...plan, rootSeed: pf.seed }));
      return;
    }
    const pc = await withBackend(pf);
    if (pc.full && !o.sigma2) o.sigma2 = [0.3, 0.25, 0.2, 0.15, 0.1];
    await runParts(ctx, {
      title: `sftdl scenario: cubic teacher${pc.full ? ' (full size)' : ''}`,
      reportName: `report-cubic${pc.full ? '-full' : ''}.html`,
      mode: pc.full ? 'full' : pc.quick ? 'quick' : 'tour size',
      backend: `${pc.backend.name} (${pc.backend.precision})`,
      parts: [() => runCubicPart(pc, o)],
    });
  },
};
