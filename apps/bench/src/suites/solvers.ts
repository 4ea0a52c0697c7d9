import type { Suite } from './types';

/** The solvers suite: GP/MSA rows and grokking rows, measured in one run. */
export const suite: Suite = {
  summary: 'GP fit+predict (n = 2000, 4000), MSA tree/one-loop (P = 200), cubic transition solve, modular curve',
  usage: ['pnpm --silent bench solvers [--json] [--backends reference,openblas] [--sizes 2000,4000] [--baseline numpy]'],
  async run(ctx) {
    const [gp, grok] = await Promise.all([import('./solvers-gp'), import('./solvers-grokking')]);
    const a = await gp.run(ctx);
    const b = await grok.run(ctx);
    ctx.flags.assertAllUsed();
    return { json: { results: [...a.results, ...b.results] }, table: [a.table, b.table].join('\n\n') };
  },
};
