import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

/** Shared vitest settings: resolve workspace packages to their TypeScript sources. */
export const sharedTestConfig: ViteUserConfig = {
  resolve: { conditions: ['@sftdl/source', 'module', 'node', 'import', 'default'] },
  ssr: {
    resolve: { conditions: ['@sftdl/source', 'module', 'node', 'import', 'default'], externalConditions: ['@sftdl/source'] },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One temporary folder per run (TMPDIR), removed at the end: tests leave nothing in the system's temporary folder.
    globalSetup: [fileURLToPath(new URL('./vitest.tmpdir.ts', import.meta.url))],
    // The JSON report feeds the one-line repository summary printed by `pnpm test` (scripts/test-summary.mjs).
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
};
