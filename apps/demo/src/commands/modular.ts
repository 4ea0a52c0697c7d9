import type { Command } from '../context';
import { readPartContext, withBackend } from '../tour/cli';
import { runModularPart } from '../tour/modular';
import { runParts } from '../tour/run';

export const command: Command = {
  name: 'modular',
  summary: 'scenario: modular-addition discrepancy curve with GMFL-I/II onsets (paper Fig. 3b; theory at paper size)',
  usage: ['demo modular [--full] [--points m] [--json]   (--full: 401 σ² points; the theory is already at the paper\'s P = 401, N = 1000)'],
  async run(ctx) {
    const pf = readPartContext(ctx, { allowFull: true });
    const points = ctx.flags.number('points', { integer: true, min: 3, max: 100000, default: pf.full ? 401 : pf.quick ? 21 : 61 });
    ctx.flags.assertAllUsed();
    const pc = await withBackend(pf);
    await runParts(ctx, {
      title: 'sftdl scenario: modular addition', reportName: `report-modular${pc.full ? '-full' : ''}.html`, mode: pc.full ? 'full' : 'tour size',
      backend: `${pc.backend.name} (${pc.backend.precision})`, parts: [() => runModularPart(pc, { points })],
    });
  },
};
