import { spawnSync } from 'node:child_process';
import { type ComputeBackend, referenceBackend } from '@sftdl/compute';
import { fold, key, normal, normalMat } from '@sftdl/field';
import { fcKernel } from '@sftdl/kernels';
import { gpRegression, linearMsaOneLoop, linearMsaSpectrum, linearMsaTree } from '@sftdl/solvers';
import { BACKEND_NAMES, resolveBackend } from '../backends';
import { timeMedian } from '../timing';
import type { SuiteContext } from './types';

const SEED = 8;
const D = 16;
const M = 100; // test points of the predict step

// GP fit+predict in numpy/scipy on a same-sized ReLU NNGP Gram matrix: cho_factor, cho_solve, L⁻¹K*, mean and variance.
const NUMPY_SCRIPT = String.raw`
import json, sys, time
try:
    import numpy as np
    from scipy import linalg
except Exception as e:
    print(json.dumps({"error": "numpy/scipy not importable: %s" % e})); sys.exit(0)
cfg = json.loads(sys.argv[1])
rng = np.random.default_rng(cfg["seed"])
def relu_nngp(A, B):
    d = A.shape[1]
    k12 = 2 * A @ B.T / d + 0.1
    k11 = 2 * np.sum(A * A, 1) / d + 0.1
    k22 = 2 * np.sum(B * B, 1) / d + 0.1
    s = np.sqrt(np.outer(k11, k22)); c = np.clip(k12 / s, -1, 1); th = np.arccos(c)
    return 2 * s / (2 * np.pi) * (np.sin(th) + (np.pi - th) * c) + 0.1
out = []
for n in cfg["sizes"]:
    X = rng.standard_normal((n, cfg["d"])); Xs = rng.standard_normal((cfg["m"], cfg["d"])); y = rng.standard_normal(n)
    K = relu_nngp(X, X); Ks = relu_nngp(Xs, X)
    kss = np.full(cfg["m"], 0.0)
    def run():
        L = linalg.cholesky(K + 0.1 * np.eye(n), lower=True)
        a = linalg.cho_solve((L, True), y)
        mean = Ks @ a
        V = linalg.solve_triangular(L, Ks.T, lower=True)
        var = kss - np.sum(V * V, 0)
        lml = -0.5 * y @ a - np.sum(np.log(np.diag(L)))
        return mean, var, lml
    run()
    ts = []
    while len(ts) < 3 or (sum(ts) < 0.5 and len(ts) < 20):
        t0 = time.perf_counter(); run(); ts.append(time.perf_counter() - t0)
    out.append({"n": n, "seconds": float(np.median(ts)), "repeats": len(ts)})
print(json.dumps({"numpy": np.__version__, "results": out}))
`;

/** Rows for the solvers suite: GP fit+predict (per backend and n), MSA tree and one loop at P = 200. */
export async function run(ctx: SuiteContext): Promise<{ results: Record<string, unknown>[]; table: string }> {
  const { flags, log } = ctx;
  const sizes = flags.numberList('sizes', { integer: true, positive: true }) ?? [2000, 4000];
  const requested = flags.stringList('backends', BACKEND_NAMES);
  const baseline = flags.choice('baseline', ['numpy', 'none'] as const, 'none');
  const backends: ComputeBackend[] = [];
  if (requested) for (const name of requested) backends.push(await resolveBackend(name, 'float64'));
  else {
    backends.push(referenceBackend);
    try {
      const best = await resolveBackend(undefined, 'float64');
      if (best.name !== referenceBackend.name) backends.push(best);
    } catch (err) {
      log(`note: no native float64 backend (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const results: Record<string, unknown>[] = [];
  for (const n of sizes) {
    const x = normalMat(fold(key(SEED), n), n, D),
      xs = normalMat(fold(key(SEED + 1), n), M, D);
    const y = normal(fold(key(SEED + 2), n), n);
    const opts = { activation: 'relu', depth: 2, weightVar: 2, biasVar: 0.1, get: ['nngp'] as const };
    const K = fcKernel(x, undefined, opts).nngp!,
      Kc = fcKernel(xs, x, opts).nngp!;
    const kss = new Float64Array(M).fill(K.data[0]!);
    for (const backend of backends) {
      log(`solvers: GP fit+predict n = ${n} on ${backend.name} …`);
      const t = await timeMedian(
        () => gpRegression({ kernel: K, y, sigma2: 0.1, crossKernel: Kc, testKernelDiag: kss, backend, conditionNumber: 'none' }),
        { repeats: 3, minTime: 0, maxTime: 60 },
      );
      results.push({
        suite: 'solvers',
        task: 'gp-fit-predict',
        backend: backend.name,
        n,
        seconds: t.seconds,
        repeats: t.samples.length,
        precision: backend.precision,
      });
      log(`  ${t.seconds.toFixed(3)} s`);
    }
  }
  if (baseline === 'numpy') {
    const r = spawnSync('python3', ['-c', NUMPY_SCRIPT, JSON.stringify({ sizes, d: D, m: M, seed: SEED })], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    let parsed: { error?: string; numpy?: string; results?: { n: number; seconds: number; repeats: number }[] } = {};
    try {
      parsed = JSON.parse((r.stdout || '').trim().split('\n').pop() ?? '{}');
    } catch {
      parsed = { error: 'unreadable output' };
    }
    if (r.error || parsed.error || !parsed.results)
      log(`note: numpy baseline skipped: ${r.error?.message ?? parsed.error ?? (r.stderr || 'no results').trim()}`);
    else
      for (const row of parsed.results)
        results.push({
          suite: 'solvers',
          task: 'gp-fit-predict',
          backend: 'numpy',
          n: row.n,
          seconds: row.seconds,
          repeats: row.repeats,
          numpy: parsed.numpy,
        });
  }
  // MSA tree level and one loop of a linear network at P = 200 (d = 50, N = 400, standard scaling).
  const P = 200,
    d = 50;
  const xm = normalMat(fold(key(SEED), 1), P, d);
  const w = normal(fold(key(SEED), 2), d),
    e = normal(fold(key(SEED), 3), P);
  const ym = new Float64Array(P);
  for (let a = 0; a < P; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += xm.data[a * d + j]! * w[j]!;
    ym[a] = s / Math.sqrt(d) + 0.1 * e[a]!;
  }
  for (const backend of backends) {
    const input = { x: xm, y: ym, width: 400, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1, backend };
    for (const [task, fn] of [
      ['msa-tree', () => linearMsaTree(linearMsaSpectrum(input))],
      ['msa-one-loop', () => linearMsaOneLoop(linearMsaSpectrum(input))],
    ] as const) {
      log(`solvers: ${task} P = ${P} on ${backend.name} …`);
      const t = await timeMedian(fn, { repeats: 3, minTime: 0, maxTime: 60 });
      results.push({
        suite: 'solvers',
        task,
        backend: backend.name,
        n: P,
        seconds: t.seconds,
        repeats: t.samples.length,
        precision: backend.precision,
      });
    }
  }
  const table = [
    `${'task'.padEnd(16)} ${'backend'.padEnd(10)} ${'n'.padStart(6)} ${'seconds'.padStart(10)}`,
    ...results.map(
      (r) =>
        `${String(r.task).padEnd(16)} ${String(r.backend).padEnd(10)} ${String(r.n).padStart(6)} ${(r.seconds as number).toFixed(4).padStart(10)}`,
    ),
  ].join('\n');
  return { results, table };
}
