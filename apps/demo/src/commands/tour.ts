import type { Command } from '../context';
import { SCENARIO_OUTPUT, cubicFlags, partFlags, readCubicOptions, readPartContext, withBackend } from '../tour/cli';
import { runCubicPart } from '../tour/cubic';
import { modularLangevinDefaults, runModularPart } from '../tour/modular';
import { msaDefaults, runMsaPart } from '../tour/msa';
import { runParts } from '../tour/run';
import { runScalingPart } from '../tour/scaling';

export const command: Command = {
  name: 'tour',
  summary: 'the headline tour: theory beside simulation, writes sftdl-out/report.html (default command)',
  usage: ['demo [tour] [flags]'],
  flags: [...partFlags({ allowFull: false }), ...cubicFlags(false)],
  output: SCENARIO_OUTPUT,
  notes: [
    'four parts: cubic teacher (theory + β-scaled Langevin ensemble), modular addition, MSA regimes, scaling exponents',
    'paper-sized runs: the scenario commands cubic, modular, msa-regimes and scaling-table (see their help)',
    'JSON nulls: parts.cubic.overlapHistograms[].qStar = null where Ŝ has no non-trivial minimum; parts.modular.gmfl2Onset = null when no GMFL-II onset exists',
    'Ctrl-C: stops after the current step, leaves the previous report intact, says where a rerun continues; exit 130',
  ],
  async run(ctx) {
    const pf = readPartContext(ctx, { allowFull: false });
    const cubic = readCubicOptions(ctx, pf, false);
    ctx.flags.assertAllUsed();
    const pc = await withBackend(pf);
    const mode = pc.quick ? 'quick' : 'tour';
    await runParts(ctx, {
      title: 'sftdl tour: the theory predicts, the networks confirm',
      reportName: 'report.html',
      mode,
      backend: `${pc.backend.name} (${pc.backend.precision})`,
      parts: [
        () => runCubicPart(pc, cubic),
        () => runModularPart(pc, { points: pc.quick ? 21 : 61, langevin: modularLangevinDefaults(pc.quick ? 'quick' : 'tour') }),
        () => runMsaPart(pc, msaDefaults(mode)),
        () => runScalingPart(pc),
      ],
    });
  },
};
