// Quick local check of the performance targets: this backend vs NumPy in the same run.
//
//   pnpm --filter @sftdl/backend-openblas run bench:numpy [-- --threads 2 --repeats 3 --gemm 2000 --chol 4000]
//
// Prints one JSON object: best-of-`repeats` seconds (interleaved rounds) per case for openblas and numpy, and the ratio
// openblas/numpy (targets: Cholesky n=4000 ≤ 1.25, dgemm n=2000 ≤ 1.25, sgemm n=2000 ≤ 1.25).
// Needs python3 with numpy. Times include everything a caller pays (validation, conversions, copies).
// The official figures come from `pnpm --silent bench compute --backends openblas --baseline numpy`.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { type Mat, mat } from '@sftdl/compute';
import { createOpenblasBackend } from '../src/index';

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    threads: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
    gemm: { type: 'string', default: '2000' },
    chol: { type: 'string', default: '4000' },
  },
});
const threads = Number(flags.threads),
  repeats = Number(flags.repeats);
const nGemm = Number(flags.gemm),
  nChol = Number(flags.chol);

/** Deterministic n×m matrix with entries in (−0.5, 0.5) (a hash, no RNG: only timing matters). */
function filled(rows: number, cols: number, salt: number): Mat {
  const m = mat(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = (Math.imul(i + salt, 2654435761) >>> 0) / 2 ** 32 - 0.5;
  return m;
}

function once(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const f64 = createOpenblasBackend({ precision: 'float64', threads });
const f32 = createOpenblasBackend({ precision: 'float32', threads });

const a = filled(nGemm, nGemm, 1),
  b = filled(nGemm, nGemm, 2);
const x = filled(nChol, 64, 3);
const spd = f64.gram(x);
for (let i = 0; i < nChol; i++) spd.data[i * nChol + i]! += nChol;

const cases = {
  dgemm: () => f64.matmul(a, b),
  sgemm: () => f32.matmul(a, b),
  cholesky: () => f64.cholesky(spd),
  spotrf: () => f32.cholesky(spd),
};
type Case = keyof typeof cases;

const py = `
import json, os, time, numpy as np
n, c = ${nGemm}, ${nChol}
rng = np.random.default_rng(0)
A = rng.random((n, n)) - 0.5; B = rng.random((n, n)) - 0.5
X = rng.random((c, 64)) - 0.5; S = X @ X.T + c * np.eye(c)
A32, B32, S32 = A.astype(np.float32), B.astype(np.float32), S.astype(np.float32)
def once(f):
    t0 = time.perf_counter(); f(); return time.perf_counter() - t0
cfg = np.show_config(mode='dicts')['Build Dependencies']['blas']
print(json.dumps({'dgemm': once(lambda: A @ B), 'sgemm': once(lambda: A32 @ B32),
  'cholesky': once(lambda: np.linalg.cholesky(S)), 'spotrf': once(lambda: np.linalg.cholesky(S32)),
  'numpy': np.__version__, 'blas': cfg.get('name', '') + ' ' + str(cfg.get('version', ''))}))
`;
const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };

// Interleaved rounds (numpy, then this backend) so that load from other processes hits both sides alike;
// each side keeps its best time per case.
const ours = Object.fromEntries(Object.keys(cases).map((k) => [k, Number.POSITIVE_INFINITY])) as Record<Case, number>;
const numpy: Record<string, number | string> = {};
for (let r = 0; r < repeats; r++) {
  const run = spawnSync('python3', ['-c', py], { encoding: 'utf8', env });
  if (run.status !== 0) {
    console.error(`numpy baseline failed: ${run.error?.message ?? run.stderr}`);
    process.exit(1);
  }
  for (const [k, v] of Object.entries(JSON.parse(run.stdout) as Record<string, number | string>)) {
    numpy[k] = typeof v === 'number' ? Math.min(v, (numpy[k] as number | undefined) ?? Number.POSITIVE_INFINITY) : v;
  }
  for (const k of Object.keys(cases) as Case[]) ours[k] = Math.min(ours[k], once(cases[k]));
}
const ratio = Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, Number((v / (numpy[k] as number)).toFixed(3))]));
console.log(
  JSON.stringify(
    {
      sizes: { gemm: nGemm, cholesky: nChol },
      threads,
      repeats,
      openblas: { ...ours, info: f64.info },
      numpy,
      ratio,
      targets: { cholesky: 1.25, dgemm: 1.25, sgemm: 1.25 },
    },
    null,
    1,
  ),
);
