import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    // The docs' and READMEs' examples make temporary folders: one per run, removed at the end (as every package's tests).
    globalSetup: [fileURLToPath(new URL('../../vitest.tmpdir.ts', import.meta.url))],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
