import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expected, fixture, tempDir } from './fixtures';

const root = resolve(import.meta.dirname, '../../..');
const tmp = tempDir('install');

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_cache: join(tmp, 'npm-cache'), npm_config_update_notifier: 'false' },
  });

/** The script of docs/install.md step 3 (the ```js block whose first line is `// read.mjs …`). */
function docScript(): string {
  const doc = readFileSync(join(root, 'docs/install.md'), 'utf8');
  const block = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.startsWith('// read.mjs'));
  if (!block) throw new Error('docs/install.md has no ```js block starting with // read.mjs');
  return block;
}

describe('docs/install.md: packed tarballs install and run in a plain Node project', () => {
  it('packs compute + io, installs them offline with npm, runs the documented script on a numpy-written .npy', () => {
    // Under `pnpm test` turbo builds compute and io first (packages/io/turbo.json); run alone, build what is missing.
    if (!existsSync(join(root, 'packages/compute/dist/index.js')) || !existsSync(join(root, 'packages/io/dist/index.js'))) {
      run('pnpm', ['--filter', '@sftdl/io...', 'run', 'build'], root);
    }
    const version = (pkg: string) =>
      (JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    const computeTgz = `sftdl-compute-${version('compute')}.tgz`;
    const ioTgz = `sftdl-io-${version('io')}.tgz`;
    const tarballs = join(tmp, 'tarballs');
    run('pnpm', ['--filter', '@sftdl/compute', '--filter', '@sftdl/io', 'pack', '--pack-destination', tarballs], root);
    expect(readdirSync(tarballs).sort()).toEqual([computeTgz, ioTgz]);

    const app = join(tmp, 'my-analysis');
    run('mkdir', ['-p', app], tmp);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-analysis', private: true, type: 'module' }));
    run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(tarballs, computeTgz), join(tarballs, ioTgz)],
      app,
    );
    // the installed copy is the tarball's, with its workspace dependency rewritten, not a link into the repository
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/@sftdl/io/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(installed.dependencies['@sftdl/compute']).toBe(`^${version('compute')}`);
    expect(existsSync(join(app, 'node_modules/@sftdl/io/dist/index.js'))).toBe(true);

    writeFileSync(join(app, 'read.mjs'), docScript());
    copyFileSync(fixture('f8_2d.npy'), join(app, 'K.npy'));
    const out = JSON.parse(run(process.execPath, ['read.mjs'], app)) as { rows: number; cols: number; first: number };
    expect(out).toEqual({ rows: expected.f8_2d.shape[0], cols: expected.f8_2d.shape[1], first: expected.f8_2d.data[0] });
    const csv = readFileSync(join(app, 'K.csv'), 'utf8')
      .trim()
      .split('\n')
      .flatMap((l) => l.split(',').map(Number));
    expect(csv).toEqual(expected.f8_2d.data);
  });
});
