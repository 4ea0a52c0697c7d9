import type { Command } from '../context';
import { SCENARIO_OUTPUT, partFlags, readPartContext, withBackend } from '../tour/cli';
import { runParts } from '../tour/run';
import { runScalingPart } from '../tour/scaling';

export const command: Command = {
  name: 'scaling-table',
  summary: 'scenario: predicted sample-complexity exponents (two-layer, three-layer, attention)',
  usage: ['demo scaling-table [--full] [--json]   (--full: more targets and width/context exponents)'],
  flags: [...partFlags({ allowFull: true })],
  output: SCENARIO_OUTPUT,
  async run(ctx) {
    const pf = readPartContext(ctx, { allowFull: true });
    ctx.flags.assertAllUsed();
    const pc = await withBackend(pf);
    await runParts(ctx, {
      title: 'sftdl scenario: scaling exponents',
      reportName: `report-scaling-table${pc.full ? '-full' : ''}.html`,
      mode: pc.full ? 'full' : 'tour size',
      backend: `${pc.backend.name} (${pc.backend.precision})`,
      parts: [() => runScalingPart(pc)],
    });
  },
};
