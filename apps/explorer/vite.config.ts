import { defaultClientConditions, defineConfig } from 'vite';

/**
 * Static build into dist/ (relative asset paths, so any static host or sub-path serves it). Workspace packages
 * resolve to their TypeScript sources through the `@sftdl/source` condition, so no package build is needed.
 */
export default defineConfig({
  base: './',
  resolve: { conditions: ['@sftdl/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: { outDir: 'dist', target: 'es2022', sourcemap: false, reportCompressedSize: false },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
});
