// Issue 21 acceptance: a fresh consumer project that installs only the packed tarballs of kernels + solvers (and the
// @sftdl packages they depend on) fits and predicts a GP with std in ≤ 10 lines of strict TypeScript with no `!`,
// type-checked by `tsc --strict` and run under plain Node. Expected numbers: scipy (test/fixtures/gp/gen_gp.py).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const PACKAGES = ['compute', 'field', 'kernels', 'solvers'];
const tmp = mkdtempSync(join(tmpdir(), 'sftdl-consumer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const R = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/gp/gp_regression.json'), 'utf8')).regression;

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_cache: join(tmp, 'npm-cache'), npm_config_update_notifier: 'false' },
  });

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The user's program: ≤ 10 lines, strict, no `!`. */
const PROGRAM = `import { type Mat, fromRows } from '@sftdl/compute';
import { fcKernel } from '@sftdl/kernels';
import { gpPredictor } from '@sftdl/solvers';
const kernel = (a: Mat, b?: Mat) => fcKernel(a, b, { activation: 'relu', depth: 2, sigmaW2: 1.7, biasVar: 0.2, get: ['nngp'] }).nngp;
const gp = gpPredictor({ kernel, x: fromRows(${JSON.stringify(R.x)}), y: ${JSON.stringify(R.y)}, sigma2: 0.05 });
const { mean, std } = gp.predict(fromRows(${JSON.stringify(R.xTest)}), { std: true });
console.log(JSON.stringify({ mean: Array.from(mean.data), std: Array.from(std), lml: gp.logMarginalLikelihood }));
`;

describe('a consumer project on the packed tarballs (kernels + solvers)', () => {
  it('installs offline with npm, type-checks a 7-line GP script under tsc --strict and runs it under plain Node', () => {
    expect(PROGRAM.trim().split('\n').length).toBeLessThanOrEqual(10);
    expect(PROGRAM).not.toMatch(/[\w)\]]!/); // no non-null assertions
    // Under `pnpm test` turbo builds the packages first (packages/solvers/turbo.json); run alone, build what is stale.
    const stale = PACKAGES.some((p) => {
      const dist = join(root, 'packages', p, 'dist/index.js');
      return !existsSync(dist) || statSync(dist).mtimeMs < newest(join(root, 'packages', p, 'src'));
    });
    if (stale) run('pnpm', ['--filter', '@sftdl/solvers...', 'run', 'build'], root);

    const tarballs = join(tmp, 'tarballs');
    run('pnpm', [...PACKAGES.flatMap((p) => ['--filter', `@sftdl/${p}`]), 'pack', '--pack-destination', tarballs], root);
    const files = readdirSync(tarballs).sort();
    expect(files.map((f) => f.replace(/-\d+\.\d+\.\d+.*\.tgz$/, ''))).toEqual(PACKAGES.map((p) => `sftdl-${p}`));

    const app = join(tmp, 'my-gp');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-gp', private: true, type: 'module' }));
    run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...files.map((f) => join(tarballs, f))],
      app,
    );
    expect(existsSync(join(app, 'node_modules/@sftdl/solvers/dist/index.d.ts'))).toBe(true);

    writeFileSync(join(app, 'gp.ts'), PROGRAM);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          outDir: 'out',
          types: [],
          lib: ['ES2023', 'DOM'],
        },
        files: ['gp.ts'],
      }),
    );
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app); // throws with the diagnostics on a type error
    const out = JSON.parse(run(process.execPath, ['out/gp.js'], app)) as { mean: number[]; std: number[]; lml: number };
    const cov = R.covariance as number[][];
    out.mean.forEach((v, i) => expect(v).toBeCloseTo(R.mean[i], 10));
    out.std.forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(cov[i]![i]!), 10));
    expect(out.lml).toBeCloseTo(R.logMarginalLikelihood, 10);
  });
});
