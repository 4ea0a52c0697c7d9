import type { Command } from '../context';
import { SCENARIO_OUTPUT, partFlags, readPartContext, withBackend } from '../tour/cli';
import { msaDefaults, runMsaPart } from '../tour/msa';
import { runParts } from '../tour/run';

export const command: Command = {
  name: 'msa-regimes',
  summary: 'scenario: linear network, NNGP/tree/one-loop/exact train discrepancy vs N for χ = 1 and χ = N',
  usage: ['demo msa-regimes [--full] [--json]   (tour: n = 30, d = 10, N = 1…1024; --full: n = 200, d = 50, N = 1…8192)'],
  flags: [...partFlags({ allowFull: true })],
  output: SCENARIO_OUTPUT,
  async run(ctx) {
    const pf = readPartContext(ctx, { allowFull: true });
    ctx.flags.assertAllUsed();
    const pc = await withBackend(pf);
    const mode = pc.full ? 'full' : pc.quick ? 'quick' : 'tour';
    await runParts(ctx, {
      title: 'sftdl scenario: MSA across scaling regimes',
      reportName: `report-msa-regimes${pc.full ? '-full' : ''}.html`,
      mode,
      backend: `${pc.backend.name} (${pc.backend.precision})`,
      parts: [() => runMsaPart(pc, msaDefaults(mode))],
    });
  },
};
