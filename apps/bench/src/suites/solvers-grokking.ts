import { cubicCriticalPoint, modularCurve, solveCubicFiniteD, solveCubicThermodynamic } from '@sftdl/solvers';
import { timeMedian } from '../timing';
import type { SuiteContext } from './types';

/** Fig. 2 (cubic teacher) and Fig. 3 (modular addition) parameters of the grokking paper. */
const CUBIC = { samples: 3000, dim: 150, width: 700, sigmaW2: 0.5, sigmaA2: 8 / 700, epsilon: -0.3 };
const MODULAR = { prime: 401, width: 1000, sigmaA2: 0.002 / 1000, gamma: 1e-4 };

/** Rows for the solvers suite: the d → ∞ cubic transition solve (target < 50 ms) and the whole modular curve (< 1 s). */
export async function run(ctx: SuiteContext): Promise<{ results: Record<string, unknown>[]; table: string }> {
  const tasks: { task: string; target: number; fn: () => unknown; note: () => string }[] = [
    {
      task: 'grokking cubic transition (d→∞, Fig. 2 path)',
      target: 0.05,
      fn: () => cubicCriticalPoint(CUBIC),
      note: () => `σ²_c = ${cubicCriticalPoint(CUBIC).sigma2Critical.toFixed(6)}`,
    },
    {
      task: 'grokking cubic GMFL-I solve (σ² = 0.15)',
      target: 0.2,
      fn: () => solveCubicThermodynamic({ ...CUBIC, sigma2: 0.15 }),
      note: () => `r = ${solveCubicThermodynamic({ ...CUBIC, sigma2: 0.15 }).dropletDensity.toFixed(4)}`,
    },
    {
      task: 'grokking cubic finite-d (b, c) (σ² = 0.15, multi-start)',
      target: 2,
      fn: () => solveCubicFiniteD({ ...CUBIC, sigma2: 0.15 }),
      note: () => `b = ${solveCubicFiniteD({ ...CUBIC, sigma2: 0.15 }).b.toFixed(6)}`,
    },
    {
      task: 'grokking modular curve (P = 401, 61 points)',
      target: 1,
      fn: () => modularCurve(MODULAR),
      note: () => `σ²_I = ${modularCurve(MODULAR).gmfl1Onset.toFixed(6)}`,
    },
  ];
  const results: Record<string, unknown>[] = [];
  const lines: string[] = ['task'.padEnd(58) + 'seconds'.padStart(10) + 'target'.padStart(9) + '  result'];
  for (const t of tasks) {
    ctx.log(`bench solvers: ${t.task}`);
    const { seconds, samples } = await timeMedian(t.fn, { repeats: 5, minTime: 0.3, maxTime: 10 });
    results.push({ suite: 'solvers', task: t.task, seconds, repeats: samples.length, targetSeconds: t.target });
    lines.push(t.task.padEnd(58) + seconds.toFixed(4).padStart(10) + `< ${t.target}`.padStart(9) + `  ${t.note()}`);
  }
  return { results, table: lines.join('\n') };
}
