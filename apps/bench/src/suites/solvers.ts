import { backendsFlag, sizesFlag } from './flags';
import type { Suite } from './types';

/** The solvers suite: GP/MSA rows and grokking rows, measured in one run. */
export const suite: Suite = {
  name: 'solvers',
  summary: 'GP fit+predict (n = 2000, 4000), MSA tree/one-loop (P = 200), cubic transition solve, modular curve',
  usage: ['bench solvers [flags]'],
  flags: [
    sizesFlag('2000,4000', 'GP training-set sizes n'),
    backendsFlag('reference and the fastest available float64 backend'),
    {
      name: 'baseline',
      type: 'choice',
      choices: ['numpy', 'none'],
      default: 'none',
      description: 'numpy: also time the same GP fit+predict in NumPy/SciPy (python3)',
    },
  ],
  output: [
    {
      key: 'results',
      description:
        'one row per task: { suite, task, seconds (median wall), repeats, … }; GP rows add backend, n, precision, grokking rows targetSeconds',
    },
  ],
  async run(ctx) {
    const [gp, grok] = await Promise.all([import('./solvers-gp'), import('./solvers-grokking')]);
    const a = await gp.run(ctx);
    const b = await grok.run(ctx);
    ctx.flags.assertAllUsed();
    return { json: { results: [...a.results, ...b.results] }, table: [a.table, b.table].join('\n\n') };
  },
};
