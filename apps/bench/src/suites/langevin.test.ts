import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '@sftdl/cli-kit';
import { suiteFlags } from '../main';
import { PAPER, benchConfigs, langevinGemmFlops, langevinStepFlops, suite } from './langevin';
import { TorchBaseline, findTorchPython } from './torch-python';

// parsed against the suite's declaration, as the CLI does (async: a parse error is a rejection)
const run = async (argv: string[], log: (m: string) => void = () => {}) =>
  suite.run({ flags: suiteFlags(suite, argv), json: true, log });
type Row = Record<string, number | string | undefined>;

// Fake interpreters: shell scripts that answer the probe like a python with torch, without torch, or with garbage.
const dir = mkdtempSync(join(tmpdir(), 'sftdl-bench-python-'));
function fake(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
const withTorch = fake('with-torch', 'echo \'{"executable": "/opt/fake/bin/python3.99", "python": "3.99.1", "torch": "9.9.9"}\'');
const withoutTorch = fake('without-torch', 'echo "ModuleNotFoundError: No module named \'torch\'" >&2; exit 1');
const garbage = fake('garbage', 'echo hello');
const missing = join(dir, 'does-not-exist');

describe('langevin step FLOPs', () => {
  it('counts forward X·Wᵀ, readout φ·a, readout gradient φᵀ·r and weight gradient Dᵀ·X (2 FLOPs per multiply-add)', () => {
    // naive loops of one step, counting multiply-adds: an independent count of the same products
    const count = (n: number, d: number, N: number) => {
      let fma = 0;
      for (let mu = 0; mu < n; mu++) for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) fma++; // H = X·Wᵀ
      for (let mu = 0; mu < n; mu++) for (let i = 0; i < N; i++) fma++; // f = φ(H)·a
      for (let i = 0; i < N; i++) for (let mu = 0; mu < n; mu++) fma++; // ∂a = φᵀ·r
      for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) for (let mu = 0; mu < n; mu++) fma++; // ∂W = Dᵀ·X
      return 2 * fma;
    };
    expect(langevinStepFlops({ n: 7, d: 3, N: 5 })).toBe(count(7, 3, 5));
    expect(langevinStepFlops({ n: 7, d: 3, N: 5, chains: 4 })).toBe(4 * count(7, 3, 5));
    // the paper size: 2·3000·150·700 twice plus 2·3000·700 twice
    expect(langevinStepFlops({ ...PAPER })).toBe(1_268_400_000);
    expect(langevinGemmFlops({ ...PAPER })).toBe(1_260_000_000);
    // 8 chains of n = 800, d = 40, N = 200: 8 × (25 600 000 + 640 000)
    expect(langevinStepFlops({ n: 800, d: 40, N: 200, chains: 8 })).toBe(209_920_000);
    // two readout columns double the readout terms only
    expect(langevinStepFlops({ n: 7, d: 3, N: 5, outputs: 2 }) - langevinStepFlops({ n: 7, d: 3, N: 5 })).toBe(4 * 7 * 5);
  });
});

describe('benchConfigs', () => {
  it('the given shape at each chain count, then the paper size at one chain with the same work per run', () => {
    const c = benchConfigs({ n: 800, d: 40, N: 200, steps: 500, chains: [1, 8], paper: true });
    expect(c).toEqual([
      { n: 800, d: 40, N: 200, chains: 1, steps: 500 },
      { n: 800, d: 40, N: 200, chains: 8, steps: 500 },
      { n: 3000, d: 150, N: 700, chains: 1, steps: 10 }, // 500 · 800·40·200 / (3000·150·700) = 10.2
    ]);
    expect(benchConfigs({ n: 800, d: 40, N: 200, steps: 5, chains: [1], paper: true, paperSteps: 7 }).at(-1)).toEqual({
      ...PAPER,
      chains: 1,
      steps: 7,
    });
    expect(benchConfigs({ n: 10, d: 2, N: 3, steps: 5, chains: [2], paper: true }).at(-1)!.steps).toBe(10); // at least 10
    expect(benchConfigs({ n: 800, d: 40, N: 200, steps: 5, chains: [1, 1, 8], paper: false })).toHaveLength(2);
    // the paper shape at one chain is not repeated
    expect(benchConfigs({ ...PAPER, steps: 5, chains: [1, 8], paper: true })).toHaveLength(2);
    expect(() => benchConfigs({ n: 8, d: 2, N: 3, steps: 5, chains: [1], paper: false, paperSteps: 4 })).toThrow(UsageError);
  });
});

describe('findTorchPython', () => {
  it('probes the candidates in order and takes the first that imports torch, saying why the others failed', () => {
    const p = findTorchPython({ candidates: [missing, withoutTorch, garbage, withTorch] });
    expect(p.found).toEqual({
      command: withTorch,
      source: 'probe',
      executable: '/opt/fake/bin/python3.99',
      python: '3.99.1',
      torch: '9.9.9',
    });
    expect(p.tried.map((t) => t.reason?.split(' (')[0])).toEqual([
      'cannot be run',
      'cannot import torch',
      'printed no version line',
      undefined,
    ]);
    expect(p.tried[1]!.reason).toContain("No module named 'torch'");
  });
  it('an explicit --python (then SFTDL_PYTHON) is the only candidate', () => {
    expect(findTorchPython({ flag: withoutTorch, env: withTorch, candidates: [withTorch] })).toMatchObject({
      tried: [{ command: withoutTorch, source: 'flag' }],
    });
    expect(findTorchPython({ flag: withoutTorch, env: withTorch }).found).toBeUndefined();
    expect(findTorchPython({ env: withTorch, candidates: [withoutTorch] }).found).toMatchObject({
      command: withTorch,
      source: 'env',
    });
    expect(findTorchPython({ env: '', candidates: [withoutTorch, withTorch] }).found?.source).toBe('probe');
    expect(findTorchPython({ candidates: [withoutTorch] }).found).toBeUndefined();
  });
});

describe('bench langevin', () => {
  const tiny = [
    '--samples',
    '30',
    '--dim',
    '3',
    '--width',
    '6',
    '--steps',
    '2',
    '--repeats',
    '1',
    '--no-paper',
    '--backend',
    'reference',
    '--threads',
    '1',
  ];
  it('prints one row per configuration with chains, chainStepsPerSecond, gflops and the GEMM-rate fraction', async () => {
    const { json, table } = await run([...tiny, '--chains', '1,3', '--baseline', 'none']);
    const j = json as Record<string, unknown> & { rows: Row[] };
    expect(j).toMatchObject({
      backend: 'reference',
      precision: 'float64',
      samples: 30,
      dim: 3,
      width: 6,
      steps: 2,
      activation: 'erf',
      chains: 1,
      threads: 1,
      python: null,
    });
    expect(j.ratio).toBeUndefined();
    expect(j.rows.map((r) => [r.name, r.chains])).toEqual([
      ['sftdl', 1],
      ['sftdl', 3],
    ]);
    for (const r of j.rows) {
      expect(r).toMatchObject({
        backend: 'reference',
        precision: 'float64',
        samples: 30,
        dim: 3,
        width: 6,
        threads: 1,
        steps: 2,
        repeats: 1,
      });
      const c = r.chains as number,
        sps = r.stepsPerSecond as number;
      expect(sps).toBeGreaterThan(0);
      expect(r.msPerStep).toBeCloseTo(1000 / sps, 9);
      expect(r.chainStepsPerSecond).toBeCloseTo(c * sps, 6);
      expect(r.flopsPerStep).toBe(c * (4 * 30 * 3 * 6 + 4 * 30 * 6));
      expect(r.gflops).toBeCloseTo(((r.flopsPerStep as number) * sps) / 1e9, 12);
      expect(r.fractionOfGemmRate).toBeCloseTo((r.gflops as number) / (r.gemmGflops as number), 12);
      // the profile: fractions of the profiled run, summing to one (reference at this size: all in the sampler itself)
      const ph = r.phases as unknown as Record<string, number>;
      expect(Object.keys(ph).sort()).toEqual(['elementwise', 'fusedStep', 'noise', 'other', 'products', 'update']);
      for (const v of Object.values(ph)) expect(v).toBeGreaterThanOrEqual(0);
      expect(Object.values(ph).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    expect(j.stepsPerSecond).toBe(j.rows[0]!.stepsPerSecond);
    expect(table).toMatch(/chain-steps\/s/);
    // every key of the output is declared (the help lists them); the optional ones are the baseline's and notes
    const declared = (suite.output ?? []).map((o) => o.key);
    expect(declared).toEqual(expect.arrayContaining(Object.keys(j)));
    expect(declared.filter((k) => !(k in j)).sort()).toEqual(['baseline', 'notes', 'ratio']);
  });
  it('--baseline torch without a python that has torch is a usage error; auto skips the baselines with a note', async () => {
    await expect(run([...tiny, '--chains', '1', '--baseline', 'torch', '--python', withoutTorch])).rejects.toThrow(
      /--baseline torch: no python with torch/,
    );
    const { json } = await run([...tiny, '--chains', '1', '--python', withoutTorch]);
    const j = json as { rows: Row[]; notes: string[]; python: unknown };
    expect(j.python).toBeNull();
    expect(j.notes.join(' ')).toMatch(/PyTorch baselines skipped/);
    expect(j.rows.every((r) => r.name === 'sftdl' && r.ratio === undefined)).toBe(true);
  });
  it('rejects bad flags with a usage error naming the flag', async () => {
    await expect(run(['--chains', '0'])).rejects.toThrow(/--chains/);
    await expect(run(['--threads', '1.5'])).rejects.toThrow(/--threads/);
    await expect(run(['--baseline', 'numpy'])).rejects.toThrow(/--baseline must be one of/);
    await expect(run(['--steps', '1'])).rejects.toThrow(/--steps/);
    await expect(run(['--no-paper', '--paper-steps', '4'])).rejects.toThrow(/--paper-steps/);
    await expect(run(['--baseline', 'none', '--python', 'python3'])).rejects.toThrow(/--python/);
    await expect(run(['--wat'])).rejects.toThrow(/unknown flag --wat/);
  });

  // Only where a python with torch exists (not in CI): the baselines run, take the same step, and give the ratios.
  const real = findTorchPython();
  it.skipIf(!real.found)('with torch: loop and batched baselines take the same step, and rows carry the ratios', async () => {
    const torch = await TorchBaseline.start(real.found!);
    try {
      await torch.setup({ n: 40, d: 4, N: 7, chains: 3, activation: 'erf', eta: 0.01, sigma2: 1, seed: 1 });
      const c = await torch.check(1);
      expect(c.maxAbsDiff).toBeLessThan(1e-5 * c.maxAbs);
      // at 1 thread the baseline's GEMMs run on one core: a one-thread process never has more CPU time than wall time
      // (before torch's OpenBLAS thread pool was set too, "1 thread" took ≈ 2 CPU-seconds per second here)
      await torch.setup({ n: 1500, d: 100, N: 400, chains: 1, activation: 'erf', eta: 0.01, sigma2: 1, seed: 1 });
      const t = await torch.time('batched', 1, 20);
      expect(t.cpuSeconds).toBeLessThan(1.2 * t.seconds + 0.01);
    } finally {
      torch.close();
    }
    const { json } = await run([...tiny, '--chains', '2', '--baseline', 'torch']);
    const j = json as { rows: Row[]; python: Record<string, string>; ratio: number; baseline: string };
    expect(j.python).toMatchObject({ torch: real.found!.torch, executable: real.found!.executable, version: real.found!.python });
    expect(j.python.openblas === null || /blas/i.test(j.python.openblas!)).toBe(true);
    expect(j.rows.map((r) => r.name)).toEqual(['sftdl', 'torch-loop', 'torch-batched']);
    const [ours, loop, batched] = j.rows as [Row, Row, Row];
    expect(loop).toMatchObject({
      backend: 'pytorch-cpu',
      precision: 'float32',
      chains: 2,
      threads: 1,
      flopsPerStep: ours.flopsPerStep,
    });
    const best = Math.max(loop.chainStepsPerSecond as number, batched.chainStepsPerSecond as number);
    expect(ours.ratio).toBeCloseTo((ours.chainStepsPerSecond as number) / best, 12);
    expect(ours.ratioVsTorchLoop).toBeCloseTo((ours.chainStepsPerSecond as number) / (loop.chainStepsPerSecond as number), 12);
    expect(j).toMatchObject({ ratio: ours.ratio, baseline: 'torch' });
  });
});
