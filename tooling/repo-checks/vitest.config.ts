import { defineConfig } from 'vitest/config';
import { TEST_TMPDIR_SETUP } from '../../vitest.shared';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    // The docs' and READMEs' examples make temporary folders: one per run, removed at the end (as every package's tests).
    globalSetup: [TEST_TMPDIR_SETUP],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
