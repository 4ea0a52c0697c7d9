import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared';

export default defineConfig({
  ...sharedTestConfig,
  test: { ...sharedTestConfig.test, testTimeout: 300_000, hookTimeout: 300_000 },
});
