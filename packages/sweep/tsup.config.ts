import { defineConfig } from 'tsup';

export default defineConfig({
  // worker-entry.js (thread entry) and worker.ts are separate entries: the local executor starts them by URL.
  entry: ['src/index.ts', 'src/worker.ts', 'src/worker-entry.js'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [/^@sftdl\//, 'vitest', 'tinypool'],
});
