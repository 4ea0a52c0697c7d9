/**
 * Fuzz runner: a long-lived child process that runs `main()` of the demo CLI in-process, one case per line of stdin
 * (`{"id": n, "argv": [...]}`), and answers one line per case on stdout (`{"id", "code", "stdout", "stderr", "ms"}`).
 * Everything the CLI writes (its own io and any direct process.stdout/stderr writes) is captured. Running in-process
 * saves the ~1 s start-up of `node --import tsx` per case; the parent kills and restarts this process when a case
 * exceeds its time cap.
 */
import { createInterface } from 'node:readline';
import { main } from '../../src/main';

const realStdoutWrite = process.stdout.write.bind(process.stdout);
const realStderrWrite = process.stderr.write.bind(process.stderr);

function reply(o: unknown): void {
  realStdoutWrite(JSON.stringify(o) + '\n');
}

async function runCase(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '',
    stderr = '';
  const capture =
    (sink: 'out' | 'err') =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (sink === 'out') stdout += s;
      else stderr += s;
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (cb) cb();
      return true;
    };
  process.stdout.write = capture('out') as typeof process.stdout.write;
  process.stderr.write = capture('err') as typeof process.stderr.write;
  try {
    const code = await main(argv, {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
    });
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = realStdoutWrite;
    process.stderr.write = realStderrWrite;
  }
}

const rl = createInterface({ input: process.stdin });
let queue: Promise<void> = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    const { id, argv } = JSON.parse(line) as { id: number; argv: string[] };
    const t0 = performance.now();
    try {
      const r = await runCase(argv);
      reply({ id, ...r, ms: performance.now() - t0 });
    } catch (e) {
      // main() never throws; this would be a bug of the runner itself
      reply({
        id,
        code: -1,
        stdout: '',
        stderr: `runner: ${e instanceof Error ? e.stack : String(e)}`,
        ms: performance.now() - t0,
      });
    }
  });
});
rl.on('close', () => {
  void queue.then(() => process.exit(0));
});
reply({ ready: true });
