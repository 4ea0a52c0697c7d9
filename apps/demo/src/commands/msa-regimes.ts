import type { Command } from '../context';
import { SCENARIO_OUTPUT, partFlags, readPartContext, withBackend } from '../tour/cli';
import { msaDefaults, runMsaPart } from '../tour/msa';
import { runParts } from '../tour/run';

export const command: Command = {
  name: 'msa-regimes',
  summary:
    'scenario: MSA vs N for χ = 1 and χ = N — linear network (NNGP/tree/one-loop/exact) and erf network (theories vs a Langevin ensemble, with a verdict on the paper’s claim)',
  usage: [
    'demo msa-regimes [--full] [--json]',
    '  default: linear n = 30, d = 10, N = 16…4096; erf network on the Ising-like task (d = 5, n = 10) at N = 16, 64, 256, MALA 8000 steps × 16 chains (a few minutes)',
    '  --full: linear n = 200, d = 50, N = 128…32768; erf network at N = 16…1024 (powers of 2), MALA 40000 steps × 32 chains (hours on 2 cores);',
    "  the network points as a sweep: demo sweep plan msa-width --grid 'width=16,32,64,128,256,512,1024;regime=standard,mean-field' --set activation=erf --set simulate=true --out DIR",
  ],
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
      parts: [() => runMsaPart(pc, msaDefaults(pc.full ? 'full' : pc.quick ? 'quick' : 'scenario'))],
    });
  },
};
