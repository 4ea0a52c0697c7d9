/** Runs the demo CLI in a child process exactly as `pnpm demo` does (source condition + tsx loader). */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { main } from '../src/main';

export const repoRoot = resolve(import.meta.dirname, '../../..');
const cliArgs = ['--conditions=@sftdl/source', '--import', 'tsx', resolve(repoRoot, 'apps/demo/src/cli.ts')];

export function demo(args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function demoJson<T = Record<string, unknown>>(args: string[], env?: NodeJS.ProcessEnv): T {
  const r = demo([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`demo ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function demoSpawn(args: string[]): ChildProcess {
  return spawn(process.execPath, [...cliArgs, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the demo's `main` in this process, collecting stdout and stderr (no child process, no loader). */
export async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}
