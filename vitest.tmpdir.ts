/**
 * vitest global setup shared by every package: each test run gets one fresh temporary folder, handed to the test
 * workers and every process they spawn through TMPDIR (which `os.tmpdir()` reads), and removed when the run ends. Tests
 * keep creating their own folders with `mkdtempSync(join(tmpdir(), …))`; none of them is left behind in the system's
 * temporary folder.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'sftdl-test-'));
  // Searchable by the service users the Slurm tests start (munge runs as its own user).
  chmodSync(dir, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
}
