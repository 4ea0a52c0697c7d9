import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Precision } from '@sftdl/compute';
import type { PartnerSample } from '../timing';

/** Operations the NumPy baseline can time (the `bench compute` ops). */
export type NumpyOp = 'matmul' | 'cholesky' | 'eigh';

// A long-lived python3 process that times one NumPy call per request line, so that the bench can alternate runs
// of a backend and of NumPy (see timeInterleaved). Inputs have the bench's distribution (standard normal A, B;
// SPD = A·Aᵀ/n + I) and are generated once per size.
const SCRIPT = String.raw`
import json, sys, time
try:
    import numpy as np
except Exception as e:
    print(json.dumps({"error": "numpy is not importable: %s" % e}), flush=True); sys.exit(0)
cfg = json.loads(sys.argv[1])
dtype = np.float32 if cfg["precision"] == "float32" else np.float64
cache = {}
def fns(n):
    if n not in cache:
        cache.clear()
        rng = np.random.default_rng(cfg["seed"] + n)
        a = rng.standard_normal((n, n)).astype(dtype); b = rng.standard_normal((n, n)).astype(dtype)
        spd = (a @ a.T / n + np.eye(n)).astype(dtype)
        cache[n] = {"matmul": lambda: a @ b, "cholesky": lambda: np.linalg.cholesky(spd), "eigh": lambda: np.linalg.eigh(spd)}
    return cache[n]
print(json.dumps({"ready": True, "numpy": np.__version__}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    fn = fns(req["n"])[req["op"]]
    t = time.perf_counter(); c = time.process_time(); fn()
    print(json.dumps({"seconds": time.perf_counter() - t, "cpuSeconds": time.process_time() - c}), flush=True)
`;

/**
 * The NumPy side of `bench compute --baseline numpy`: one python3 process answering timing requests.
 * `start` resolves to undefined (after logging why) when python3 or numpy is missing.
 */
export class NumpyBaseline {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly stderr: string[],
    /** NumPy's version string. */
    readonly version: string,
  ) {}

  static async start(
    cfg: { precision: Precision; seed: number; threads?: number },
    log: (m: string) => void,
  ): Promise<NumpyBaseline | undefined> {
    const env = { ...process.env };
    if (cfg.threads !== undefined)
      for (const v of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) env[v] = String(cfg.threads);
    const child = spawn('python3', ['-c', SCRIPT, JSON.stringify({ precision: cfg.precision, seed: cfg.seed })], {
      env,
      stdio: 'pipe',
    });
    const stderr: string[] = [];
    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr.push(d);
      if (stderr.length > 20) stderr.shift();
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    const skip = (why: string) => {
      log(`note: numpy baseline skipped: ${why}`);
      child.kill();
      return undefined;
    };
    if (first.done) {
      return skip(
        spawnError
          ? `python3 could not be run (${spawnError.message})`
          : `python3 exited: ${stderr.join('').trim().split('\n').pop() ?? ''}`,
      );
    }
    let hello: { ready?: boolean; numpy?: string; error?: string };
    try {
      hello = JSON.parse(first.value);
    } catch {
      return skip('unreadable output');
    }
    if (!hello.ready) return skip(hello.error ?? 'no handshake');
    log(`numpy ${hello.numpy} baseline running (timed in alternation with each backend)`);
    return new NumpyBaseline(child, lines, stderr, hello.numpy ?? '?');
  }

  /** Times one call of `op` at size n (inputs are made on the first request for n). */
  async time(op: NumpyOp, n: number): Promise<PartnerSample> {
    this.child.stdin.write(`${JSON.stringify({ op, n })}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error(`the numpy baseline process exited: ${this.stderr.join('').trim().split('\n').pop() ?? ''}`);
    return JSON.parse(r.value) as PartnerSample;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
