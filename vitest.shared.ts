import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

/** The global setup that gives every test run its own temporary folder (TMPDIR), removed at the end. */
export const TEST_TMPDIR_SETUP = fileURLToPath(new URL('./vitest.tmpdir.ts', import.meta.url));

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
    globalSetup: [TEST_TMPDIR_SETUP],
    // The JSON report feeds the one-line repository summary printed by `pnpm test` (scripts/test-summary.mjs).
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
};
