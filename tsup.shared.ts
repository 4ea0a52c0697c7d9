import type { Options } from 'tsup';

/**
 * Shared tsup settings of the published packages (architecture §7): ESM + .d.ts + sourcemaps for Node 20, workspace
 * packages and vitest left external. A package passes only what differs (e.g. a second entry point).
 */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: [/^@sftdl\//, 'vitest'],
    ...overrides,
  };
}
