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
  // 5173 is the port `demo`'s report links to (SFTDL_EXPLORER_URL overrides the link): fail rather than move elsewhere
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173 },
});
