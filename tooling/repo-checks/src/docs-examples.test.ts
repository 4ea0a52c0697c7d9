import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

/**
 * Guides whose ```ts blocks are complete programs, and the package they run from (its dependencies are what the
 * examples import, as in a user's project).
 */
const GUIDES: { doc: string; from: string }[] = [{ doc: 'docs/coming-from.md', from: 'packages/solvers' }];

describe('the TypeScript examples of the guides run as written', () => {
  for (const { doc, from } of GUIDES) {
    const blocks = [...readFileSync(join(root, doc), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    it(`${doc} has examples`, () => expect(blocks.length).toBeGreaterThan(0));
    blocks.forEach((code, i) => {
      it(`${doc}: example ${i + 1} runs and prints its result`, () => {
        const dir = mkdtempSync(join(root, from, '.readme-example-'));
        try {
          const file = join(dir, 'example.mts');
          writeFileSync(file, code);
          const r = spawnSync(process.execPath, ['--conditions=@sftdl/source', '--import', 'tsx', file], {
            cwd: join(root, from),
            encoding: 'utf8',
            timeout: 120_000,
          });
          expect(r.stderr).not.toMatch(/Error/);
          expect(r.status).toBe(0);
          expect(r.stdout.trim()).not.toBe('');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
});
