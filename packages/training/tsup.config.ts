import { defineConfig } from 'tsup';

export default defineConfig({
  // chain-worker-entry.js (thread entry) and chain-worker.ts are separate entries: the worker pool starts them by URL.
  entry: ['src/index.ts', 'src/chain-worker.ts', 'src/chain-worker-entry.js'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [/^@sftdl\//, 'vitest', 'tinypool'],
});
