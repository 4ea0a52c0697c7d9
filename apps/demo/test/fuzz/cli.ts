/**
 * Standalone fuzz run: `pnpm --filter @sftdl/demo fuzz [--full] [--seed S] [--cases N] [--cap-seconds T] [--verbose]`.
 * Default: the same sample as the CI test; `--full`: 2000 cases. Prints every failure and the counts; exit 1 on any.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CASES, DEFAULT_SEED, FULL_CASES } from './config';
import { generateCases, runCases, writeDataFiles } from './cases';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const full = args.includes('--full');
const seed = Number(arg('seed') ?? DEFAULT_SEED);
const count = Number(arg('cases') ?? (full ? FULL_CASES : DEFAULT_CASES));
const capMs = 1000 * Number(arg('cap-seconds') ?? 30);
const verbose = args.includes('--verbose');

const dir = mkdtempSync(join(tmpdir(), 'sftdl-fuzz-'));
const files = writeDataFiles(join(dir, 'data'));
const cases = generateCases({ seed, count, files, outDir: join(dir, 'out') });
const t0 = performance.now();
const res = await runCases(cases, {
  capMs,
  onResult: (c, r, v) => {
    if (verbose || v.length)
      process.stdout.write(
        `${v.length ? 'FAIL' : 'ok  '} #${c.id} ${c.command} [${c.mutation}] ${r === 'timeout' ? 'timeout' : `exit ${r.code} ${r.ms.toFixed(0)} ms`}${v.length ? `\n     ${c.argv.join(' ')}\n     ${v.join('\n     ')}\n     stderr: ${r === 'timeout' ? '' : r.stderr.trim().slice(0, 300)}` : ''}\n`,
      );
  },
});
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `fuzz: seed ${seed}, ${res.tried} inputs tried, ${res.passed} passed, ${res.failures.length} failed (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
);
process.exitCode = res.failures.length ? 1 : 0;
