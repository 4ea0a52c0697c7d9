import type { Command } from '../context';
import { partFlags, readPartContext, withBackend } from '../tour/cli';
import { runParts } from '../tour/run';
import { runScalingPart } from '../tour/scaling';

export const command: Command = {
  name: 'scaling-table',
  summary: 'scenario: predicted sample-complexity exponents (two-layer, three-layer, attention)',
  usage: ['demo scaling-table [--full] [--json]   (--full: more targets and width/context exponents)'],
  flags: [...partFlags({ allowFull: true })],
  output: [
    { key: 'report', description: 'path of the HTML report written under --out-dir' },
    { key: 'mode', description: 'quick | tour size | full' },
    { key: 'backend', description: 'the compute backend used, with its precision' },
    { key: 'seconds', description: 'wall-clock seconds of the run' },
    { key: 'parts', description: 'one object per part (its numbers, theory beside simulation, and its seconds)' },
  ],
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
