import type { Command } from '../context';
import { readCubicOptions, readPartContext, withBackend } from '../tour/cli';
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
  ],
  async run(ctx) {
    const pf = readPartContext(ctx, { allowFull: true });
    const o = readCubicOptions(ctx, pf, true);
    ctx.flags.assertAllUsed();
    const pc = await withBackend(pf);
    if (pc.full && !o.sigma2) o.sigma2 = [0.3, 0.25, 0.2, 0.15, 0.1];
    await runParts(ctx, {
      title: `sftdl scenario: cubic teacher${pc.full ? ' (full size)' : ''}`, reportName: `report-cubic${pc.full ? '-full' : ''}.html`,
      mode: pc.full ? 'full' : pc.quick ? 'quick' : 'tour size', backend: `${pc.backend.name} (${pc.backend.precision})`, parts: [() => runCubicPart(pc, o)],
    });
  },
};
