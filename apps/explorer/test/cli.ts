/** Runs the repository's `demo` CLI (the same entry as `pnpm --silent demo … --json`) and parses its one JSON object. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = resolve(import.meta.dirname, '../../..');

export async function demoJson(args: readonly string[]): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@sftdl/source', '--import', 'tsx', 'apps/demo/src/cli.ts', ...args, '--json'],
    {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** `demo grokking cubic --find-transition` at the cubic view's parameters (σ_a² passed as the exact decimal of the JS double). */
export async function cliTransition(p: {
  epsilon: number;
  sigmaW2: number;
  sigmaA2: number;
  width: number;
  samples: number;
  dim: number;
}): Promise<{ sigma2Critical: number; uCritical: number }> {
  const out = await demoJson([
    'grokking',
    'cubic',
    '--epsilon',
    String(p.epsilon),
    '--sigma-w2',
    String(p.sigmaW2),
    '--sigma-a2',
    String(p.sigmaA2),
    '--width',
    String(p.width),
    '--samples',
    String(p.samples),
    '--dim',
    String(p.dim),
    '--find-transition',
  ]);
  if (typeof out.sigma2Critical !== 'number' || typeof out.uCritical !== 'number')
    throw new Error(`unexpected CLI output ${JSON.stringify(out)}`);
  return { sigma2Critical: out.sigma2Critical, uCritical: out.uCritical };
}
