import { defineConfig } from 'tsup';

// ESM + declarations + sourcemaps for Node 20, the other @sftdl packages left external (the package anatomy).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [/^@sftdl\//],
});
