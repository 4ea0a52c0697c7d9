import type { SuiteContext } from './types';

/** Rows for the solvers suite. */
export async function run(ctx: SuiteContext): Promise<{ results: Record<string, unknown>[]; table: string }> {
  void ctx;
  return { results: [], table: '' };
}
