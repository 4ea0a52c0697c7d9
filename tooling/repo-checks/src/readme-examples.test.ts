import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const packages = readdirSync(join(root, 'packages'));

/** The first ```ts block of a README: the package's quick example. */
function firstTsBlock(readme: string): string | undefined {
  return /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
}

describe('each package README has install notes, a guide link and a quick example that runs', () => {
  for (const pkg of packages) {
    const readme = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
    it(`${pkg}: install + guide link`, () => {
      expect(readme).toMatch(/pnpm add|npm install/);
      expect(readme).toMatch(/docs\//);
    });
    it(`${pkg}: the first \`\`\`ts example runs`, () => {
      const code = firstTsBlock(readme);
      expect(code, 'README needs a ```ts example').toBeDefined();
      // Run it from inside the package, so its imports resolve like a user's would (through the package's deps).
      const dir = mkdtempSync(join(root, 'packages', pkg, '.readme-example-'));
      try {
        const file = join(dir, 'example.mts');
        writeFileSync(file, code!);
        const r = spawnSync(process.execPath, ['--conditions=@sftdl/source', '--import', 'tsx', file], {
          cwd: join(root, 'packages', pkg),
          encoding: 'utf8',
          timeout: 120_000,
        });
        expect(r.stderr).not.toMatch(/Error/);
        expect(r.status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
