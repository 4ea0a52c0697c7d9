// One-off scaffold of package anatomy (kept for adding packages consistently).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
const pkgs = {
  compute: {
    desc: 'Mat, the ComputeBackend v1 contract, typed errors, the pure-TypeScript float64 reference backend, selectBackend and the conformance suite (./testing).',
    deps: {},
    peers: {},
    testing: true,
  },
  'backend-ml-matrix': {
    desc: 'float64 ComputeBackend on ml-matrix.',
    deps: { 'ml-matrix': 'catalog:' },
    peers: { '@sftdl/compute': 'workspace:^' },
  },
  'backend-tfjs': {
    desc: 'float32 ComputeBackend on TensorFlow.js (engines: tfjs-node when it loads, wasm, cpu).',
    deps: { '@tensorflow/tfjs-backend-wasm': 'catalog:', '@tensorflow/tfjs-backend-cpu': 'catalog:' },
    peers: { '@sftdl/compute': 'workspace:^', '@tensorflow/tfjs-core': 'catalog:' },
    dev: { '@tensorflow/tfjs-core': 'catalog:' },
  },
  'backend-openblas': {
    desc: 'float64 and float32 ComputeBackend on OpenBLAS/LAPACKE through an optional N-API addon.',
    deps: { 'node-addon-api': 'catalog:' },
    peers: { '@sftdl/compute': 'workspace:^' },
  },
  field: {
    desc: 'Field-theory primitives: random keys, Hermite polynomials and quadrature, Gaussian expectations, sphere harmonics, Laplace/saddle-point integrals, first-order transitions, root finders.',
    deps: { '@sftdl/compute': 'workspace:^' },
  },
  kernels: {
    desc: 'NNGP and NTK of deep networks for any activation, stax-style layer combinators, empirical kernels and spectra.',
    deps: { '@sftdl/compute': 'workspace:^', '@sftdl/field': 'workspace:^' },
  },
  teachers: {
    desc: 'Seeded synthetic teacher-student tasks from the papers (Hermite teachers, modular addition, attention, spins).',
    deps: { '@sftdl/compute': 'workspace:^', '@sftdl/field': 'workspace:^' },
  },
  training: {
    desc: 'Two- and three-layer networks, attention head, parameterisations as priors and a Langevin posterior sampler with diagnostics and checkpoints.',
    deps: { '@sftdl/compute': 'workspace:^', '@sftdl/field': 'workspace:^' },
  },
  solvers: {
    desc: 'GP inference, learning curves, kernel rescaling, multi-scale adaptive (MSA) theory, adaptive-kernel theory and the grokking phase transition.',
    deps: { '@sftdl/compute': 'workspace:^', '@sftdl/field': 'workspace:^', '@sftdl/kernels': 'workspace:^' },
  },
  scaling: {
    desc: 'Curse-of-detail scale analysis: exact sample-complexity exponents by a log-space LP, and onset fits from runs.',
    deps: { '@sftdl/compute': 'workspace:^', '@sftdl/field': 'workspace:^' },
  },
};
for (const [name, p] of Object.entries(pkgs)) {
  const dir = `packages/${name}`;
  mkdirSync(`${dir}/src`, { recursive: true });
  mkdirSync(`${dir}/test/fixtures`, { recursive: true });
  const exportsMap = {
    '.': { '@sftdl/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' },
  };
  if (p.testing)
    exportsMap['./testing'] = {
      '@sftdl/source': './src/testing.ts',
      types: './dist/testing.d.ts',
      import: './dist/testing.js',
      default: './dist/testing.js',
    };
  exportsMap['./package.json'] = './package.json';
  const devDeps = { ...(p.dev ?? {}) };
  for (const k of Object.keys(p.peers ?? {})) if (k.startsWith('@sftdl/')) devDeps[k] = 'workspace:*';
  const pj = {
    name: `@sftdl/${name}`,
    version: '0.0.0',
    description: p.desc,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    keywords: ['deep-learning-theory', 'statistical-field-theory', 'gaussian-process', 'nngp', 'ntk'],
    repository: { type: 'git', url: 'git+https://example.invalid/sftdl.git', directory: dir },
    engines: { node: '>=20.19' },
    exports: exportsMap,
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', 'src', '!src/**/*.test.ts', 'README.md', 'CHANGELOG.md'],
    scripts: {
      build: 'tsup',
      typecheck: 'tsc --noEmit -p tsconfig.json',
      test: 'vitest run',
      'lint:pkg': 'publint --strict && attw --pack --profile esm-only',
    },
    dependencies: p.deps,
    peerDependencies: p.peers,
    devDependencies: devDeps,
    publishConfig: { access: 'public' },
  };
  if (p.testing) {
    pj.peerDependencies = { ...pj.peerDependencies, vitest: '>=3' };
    pj.peerDependenciesMeta = { vitest: { optional: true } };
  }
  for (const k of ['dependencies', 'peerDependencies', 'devDependencies'])
    if (Object.keys(pj[k] ?? {}).length === 0) delete pj[k];
  if (!existsSync(`${dir}/package.json`)) writeFileSync(`${dir}/package.json`, JSON.stringify(pj, null, 2) + '\n');
  writeFileSync(
    `${dir}/tsconfig.json`,
    JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test', '*.ts'] }, null, 2) + '\n',
  );
  const entries = p.testing ? `['src/index.ts', 'src/testing.ts']` : `['src/index.ts']`;
  writeFileSync(
    `${dir}/tsup.config.ts`,
    `import { defineConfig } from 'tsup';\n\nexport default defineConfig({\n  entry: ${entries},\n  format: ['esm'],\n  dts: true,\n  sourcemap: true,\n  clean: true,\n  target: 'node20',\n  external: [/^@sftdl\\//, 'vitest'],\n});\n`,
  );
  writeFileSync(
    `${dir}/vitest.config.ts`,
    `import { defineConfig } from 'vitest/config';\nimport { sharedTestConfig } from '../../vitest.shared';\n\nexport default defineConfig(sharedTestConfig);\n`,
  );
  if (!existsSync(`${dir}/README.md`)) writeFileSync(`${dir}/README.md`, `# @sftdl/${name}\n\n${p.desc}\n`);
  if (!existsSync(`${dir}/CHANGELOG.md`)) writeFileSync(`${dir}/CHANGELOG.md`, `# @sftdl/${name}\n`);
}
