import { spawnSync } from 'node:child_process';
import { UsageError } from '@sftdl/cli-kit';
import { fold, key, normalMat } from '@sftdl/field';
import { ACTIVATIONS, type Activation, LangevinSampler, twoLayerNet } from '@sftdl/training';
import { resolveBackend } from '../backends';
import type { Suite } from './types';

const SEED = 4242;

/** One timing row. */
interface Row { name: string; backend: string; precision: string; stepsPerSecond: number; msPerStep: number; threads?: number; version?: string }

// The same step as the sampler's Euler–Maruyama update in standardised coordinates (θ = std ⊙ z), full batch.
const PY_SCRIPT = String.raw`
import json, sys, time, math
cfg = json.loads(sys.argv[1])
kind = cfg["kind"]
try:
    if kind == "torch":
        import torch
    else:
        import numpy as np
        from scipy.special import erf as sp_erf
except Exception as e:
    print(json.dumps({"error": "%s is not importable: %s" % (kind, e)})); sys.exit(0)
n, d, N, steps, act, eta = cfg["n"], cfg["d"], cfg["N"], cfg["steps"], cfg["activation"], cfg["eta"]
sw, sa = math.sqrt(1.0 / d), math.sqrt(1.0 / N)
kappa = cfg["sigma2"]
if kind == "torch":
    torch.manual_seed(0)
    X = torch.randn(n, d); y = torch.randn(n)
    zW = torch.randn(N, d, requires_grad=True); za = torch.randn(N, requires_grad=True)
    phi = {"erf": torch.erf, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda h: h, "square": lambda h: h * h}[act]
    def step():
        f = phi(X @ (sw * zW).T) @ (sa * za)
        U = 0.5 * ((f - y) ** 2).sum() / kappa + 0.5 * (zW ** 2).sum() + 0.5 * (za ** 2).sum()
        gW, ga = torch.autograd.grad(U, (zW, za))
        with torch.no_grad():
            zW.add_(-eta * gW + math.sqrt(2 * eta) * torch.randn_like(zW))
            za.add_(-eta * ga + math.sqrt(2 * eta) * torch.randn_like(za))
    info = {"version": torch.__version__, "threads": torch.get_num_threads()}
else:
    rng = np.random.default_rng(0); f32 = np.float32
    X = rng.standard_normal((n, d)).astype(f32); y = rng.standard_normal(n).astype(f32)
    zW = rng.standard_normal((N, d)).astype(f32); za = rng.standard_normal(N).astype(f32)
    def phis(h):
        if act == "erf": return sp_erf(h), (2 / math.sqrt(math.pi)) * np.exp(-h * h)
        if act == "tanh": t = np.tanh(h); return t, 1 - t * t
        if act == "relu": return np.maximum(h, 0), (h > 0).astype(f32)
        if act == "square": return h * h, 2 * h
        return h, np.ones_like(h)
    def step():
        global zW, za
        h = X @ (sw * zW).T
        p, dp = phis(h)
        r = (p @ (sa * za) - y) / kappa
        ga = sa * (p.T @ r) + za
        D = (r[:, None] * (sa * za)[None, :]) * dp
        gW = sw * (D.T @ X) + zW
        zW = zW - eta * gW + math.sqrt(2 * eta) * rng.standard_normal(zW.shape, dtype=f32)
        za = za - eta * ga + math.sqrt(2 * eta) * rng.standard_normal(za.shape, dtype=f32)
    info = {"version": np.__version__}
for _ in range(min(20, steps)): step()
t = time.perf_counter()
for _ in range(steps): step()
dt = time.perf_counter() - t
print(json.dumps(dict(seconds=dt, **info)))
`;

function pythonBaseline(kind: 'torch' | 'numpy', cfg: Record<string, unknown>, log: (m: string) => void): Row | string {
  const r = spawnSync('python3', ['-c', PY_SCRIPT, JSON.stringify({ ...cfg, kind })], { encoding: 'utf8', maxBuffer: 1 << 22 });
  if (r.error || r.status !== 0) return `python3 could not run the ${kind} baseline (${r.error ? r.error.message : `exit ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`})`;
  let o: { seconds?: number; error?: string; version?: string; threads?: number };
  try { o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}'); } catch { return `unreadable ${kind} baseline output`; }
  if (o.error || !o.seconds) return o.error ?? `${kind} baseline returned no timing`;
  const steps = cfg.steps as number;
  log(`${kind}: ${(steps / o.seconds).toFixed(1)} steps/s`);
  return {
    name: kind, backend: kind === 'torch' ? 'pytorch-cpu' : 'numpy', precision: 'float32', stepsPerSecond: steps / o.seconds, msPerStep: (1000 * o.seconds) / steps,
    ...(o.threads !== undefined ? { threads: o.threads } : {}), ...(o.version ? { version: o.version } : {}),
  };
}

export const suite: Suite = {
  summary: 'Langevin steps per second (two-layer net, full batch) against an optional PyTorch/NumPy baseline',
  usage: [
    'bench langevin [--samples 800] [--dim 40] [--width 200] [--steps 500] [--activation erf] [--backend b] [--precision float64|float32] [--baseline torch|numpy|none] [--json]',
    'bench langevin --paper   (the grokking paper size: n = 3000, d = 150, N = 700)',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const paper = f.bool('paper');
    const n = f.number('samples', { integer: true, positive: true, default: paper ? 3000 : 800 });
    const d = f.number('dim', { integer: true, positive: true, default: paper ? 150 : 40 });
    const N = f.number('width', { integer: true, positive: true, default: paper ? 700 : 200 });
    const steps = f.number('steps', { integer: true, min: 2, default: 500 });
    const activation = f.choice('activation', ACTIVATIONS, 'erf') as Activation;
    const baseline = f.choice('baseline', ['torch', 'numpy', 'none'] as const, 'none');
    const backendName = f.string('backend');
    const precision = f.choice('precision', ['float64', 'float32'] as const);
    f.assertAllUsed();
    if (steps < 2) throw new UsageError('--steps must be ≥ 2');
    const backend = await resolveBackend(backendName, precision);
    const k = key(SEED);
    const x = normalMat(fold(k, 0), n, d);
    const y = normalMat(fold(k, 1), n, 1);
    const model = twoLayerNet({ dim: d, width: N, activation, backend });
    const eta = 1e-4, sigma2 = 1;
    // one chain, fixed step, burn-in only: times the update itself (noise, forward, backward), not the
    // end-of-run diagnostics
    const sampler = (S: number) => new LangevinSampler({ model, x, y, sigma2, key: fold(k, 2), steps: S + 1, burnIn: S, chains: 1, stepSize: eta, thin: 1 });
    sampler(Math.min(20, steps)).advance(Math.min(20, steps)); // warm-up (JIT, buffers)
    const timed = sampler(steps);
    const t0 = performance.now();
    timed.advance(steps);
    const secs = (performance.now() - t0) / 1000;
    const ours: Row = { name: 'sftdl', backend: backend.name, precision: backend.precision, stepsPerSecond: steps / secs, msPerStep: (1000 * secs) / steps };
    ctx.log(`sftdl (${backend.name}): ${ours.stepsPerSecond.toFixed(1)} steps/s`);
    const rows: Row[] = [ours];
    const notes: string[] = [];
    let ratio: number | undefined;
    if (baseline !== 'none') {
      const b = pythonBaseline(baseline, { n, d, N, steps, activation, eta, sigma2 }, ctx.log);
      if (typeof b === 'string') { notes.push(`${baseline} baseline skipped: ${b}`); ctx.log(`note: ${notes.at(-1)}`); } else { rows.push(b); ratio = ours.stepsPerSecond / b.stepsPerSecond; }
    }
    const json = {
      backend: backend.name, precision: backend.precision, stepsPerSecond: ours.stepsPerSecond, msPerStep: ours.msPerStep,
      samples: n, dim: d, width: N, steps, activation, rows,
      ...(ratio !== undefined ? { ratio, baseline } : {}), ...(notes.length ? { notes } : {}),
    };
    const table = [
      `Langevin step, two-layer ${activation} net, n=${n} d=${d} N=${N}, ${steps} steps (full batch, one chain)`,
      ...rows.map((r) => `  ${r.name.padEnd(8)} ${r.backend.padEnd(12)} ${r.precision.padEnd(8)} ${r.stepsPerSecond.toFixed(1).padStart(9)} steps/s  ${r.msPerStep.toFixed(3).padStart(9)} ms/step`),
      ...(ratio !== undefined ? [`  ratio sftdl/${baseline}: ${ratio.toFixed(3)}`] : []),
      ...notes.map((m) => `  note: ${m}`),
    ].join('\n');
    return { json, table };
  },
};
