import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { PartnerSample } from '../timing';

/** Interpreters probed, in order, when neither `--python` nor `SFTDL_PYTHON` names one. */
export const DEFAULT_PYTHONS: readonly string[] = ['python3', '/usr/bin/python3'];

/** A python interpreter that can `import torch`, as the probe found it. */
export interface TorchPython {
  /** The command the bench runs (as given: a name on PATH or a path). */
  command: string;
  /** Where it came from: the `--python` flag, the `SFTDL_PYTHON` environment variable, or the default probe list. */
  source: 'flag' | 'env' | 'probe';
  /** sys.executable of the interpreter. */
  executable: string;
  /** Python version (platform.python_version()). */
  python: string;
  /** torch.__version__. */
  torch: string;
}

/** What {@link findTorchPython} tried: each candidate and why it was not used (absent for the one that was). */
export interface TorchPythonProbe {
  found?: TorchPython;
  tried: { command: string; source: TorchPython['source']; reason?: string }[];
}

const PROBE =
  'import json, platform, sys\nimport torch\nprint(json.dumps({"executable": sys.executable, "python": platform.python_version(), "torch": torch.__version__}))';

function probeOne(command: string): Omit<TorchPython, 'command' | 'source'> | string {
  const r = spawnSync(command, ['-c', PROBE], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 20 });
  if (r.error) return `cannot be run (${r.error.message})`;
  if (r.status !== 0) return `cannot import torch (${(r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`})`;
  try {
    const o = JSON.parse((r.stdout || '').trim().split('\n').pop() ?? '') as Record<string, unknown>;
    if (typeof o.executable === 'string' && typeof o.python === 'string' && typeof o.torch === 'string')
      return { executable: o.executable, python: o.python, torch: o.torch };
  } catch {
    /* fall through */
  }
  return 'printed no version line';
}

/**
 * Finds a python that has PyTorch. An explicit choice is final: `flag` (the `--python` value) if given, else `env`
 * (`SFTDL_PYTHON`) if set and non-empty, is the only candidate; otherwise the `candidates` (default
 * {@link DEFAULT_PYTHONS}: the `python3` on PATH, then Debian's `/usr/bin/python3`) are tried in order and the first
 * that imports torch wins. Never throws; `tried` says why each rejected candidate failed.
 */
export function findTorchPython(opts: { flag?: string; env?: string; candidates?: readonly string[] } = {}): TorchPythonProbe {
  const list: { command: string; source: TorchPython['source'] }[] =
    opts.flag !== undefined
      ? [{ command: opts.flag, source: 'flag' }]
      : opts.env
        ? [{ command: opts.env, source: 'env' }]
        : (opts.candidates ?? DEFAULT_PYTHONS).map((command) => ({ command, source: 'probe' as const }));
  const tried: TorchPythonProbe['tried'] = [];
  for (const c of list) {
    const r = probeOne(c.command);
    if (typeof r === 'string') {
      tried.push({ ...c, reason: r });
      continue;
    }
    tried.push(c);
    return { found: { ...c, ...r }, tried };
  }
  return { tried };
}

/** One line summarising a failed probe, for notes and error messages. */
export function describeProbe(p: TorchPythonProbe): string {
  return p.tried
    .map(
      (t) =>
        `${t.command} (${t.source === 'probe' ? 'probed' : t.source === 'flag' ? '--python' : 'SFTDL_PYTHON'}): ${t.reason ?? 'ok'}`,
    )
    .join('; ');
}

/** The problem the torch baselines solve: the shape of one bench row and the sampler's step settings. */
export interface TorchProblem {
  n: number;
  d: number;
  N: number;
  chains: number;
  activation: string;
  eta: number;
  sigma2: number;
  seed: number;
}

/** The two PyTorch baselines: 'loop' (C nets stepped one after another, autograd), 'batched' (X·[W₁…W_C]ᵀ, one GEMM). */
export type TorchVariant = 'loop' | 'batched';

const SCRIPT = fileURLToPath(new URL('./langevin_torch.py', import.meta.url));

/**
 * The PyTorch side of `bench langevin`: one long-lived python process (langevin_torch.py) answering timing
 * requests, so that the bench can alternate its own runs with the baseline's (see timeRounds).
 */
export class TorchBaseline {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly stderr: string[],
    /**
     * The OpenBLAS library torch's BLAS calls go to (Debian's python3-torch uses the system OpenBLAS), or null when
     * torch's BLAS is not OpenBLAS. The server sets its thread count with every timing request: torch.set_num_threads
     * alone leaves OpenBLAS on every core, so a "1-thread" baseline's GEMMs would run on all of them.
     */
    readonly openblas: string | null = null,
  ) {}

  /** Starts the server with `python`; throws (with the interpreter's last stderr line) if it does not come up. */
  static async start(python: TorchPython): Promise<TorchBaseline> {
    // the thread count is set per request (torch.set_num_threads); keep OpenMP from pinning it at start
    const env = { ...process.env };
    for (const v of ['OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS']) delete env[v];
    const child = spawn(python.command, ['-u', SCRIPT], { env, stdio: 'pipe' });
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
    let hello: { ready?: boolean; error?: string; openblas?: string | null } | undefined;
    try {
      hello = first.done ? undefined : (JSON.parse(first.value) as typeof hello);
    } catch {
      hello = { error: `unreadable first line '${first.value}'` };
    }
    const server = new TorchBaseline(child, lines, stderr, typeof hello?.openblas === 'string' ? hello.openblas : null);
    if (!hello?.ready) {
      server.close();
      throw new Error(
        `the torch baseline did not start with ${python.command}: ${hello?.error ?? spawnError?.message ?? server.lastError()}`,
      );
    }
    return server;
  }

  private lastError(): string {
    return this.stderr.join('').trim().split('\n').pop() ?? '';
  }

  private async request<T>(req: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(req)}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error(`the torch baseline process exited: ${this.lastError()}`);
    const o = JSON.parse(r.value) as T & { error?: string };
    if (o.error) throw new Error(`torch baseline: ${o.error}`);
    return o;
  }

  /** Builds data and parameters for a problem (replacing the previous one). */
  async setup(p: TorchProblem): Promise<void> {
    await this.request({ op: 'setup', ...p });
  }

  /**
   * Times `steps` steps of a variant at `threads` threads (torch's, and OpenBLAS' where torch uses it). Throws if
   * OpenBLAS reports another thread count than asked for: the timing would not be at equal threads.
   */
  async time(variant: TorchVariant, threads: number, steps: number): Promise<PartnerSample> {
    const r = await this.request<PartnerSample & { blasThreads?: number | null }>({ op: 'time', variant, threads, steps });
    if (typeof r.blasThreads === 'number' && r.blasThreads !== threads)
      throw new Error(`torch baseline: OpenBLAS runs ${r.blasThreads} threads where ${threads} were asked for`);
    return { seconds: r.seconds, cpuSeconds: r.cpuSeconds };
  }

  /** One noise-free step of both variants from the same state: their largest difference (a self-check). */
  check(threads: number): Promise<{ maxAbsDiff: number; maxAbs: number }> {
    return this.request({ op: 'check', threads });
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
