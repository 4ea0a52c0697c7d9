/**
 * Cooperative Ctrl-C handling for long runs: the first SIGINT only sets a flag; long loops check it between chunks
 * (after yielding to the event loop), write their checkpoint and throw {@link Interrupted}. A second SIGINT exits at
 * once (130). Reports are always written atomically, so neither path leaves a half-written file.
 */
export class Interrupted extends Error {
  /**
   * @param checkpoint - checkpoint file written on the way out (a `--full` run), if any
   * @param where - where the run stopped, e.g. `Langevin σ² = 0.2 at step 1200 of 5000`
   */
  constructor(
    readonly checkpoint?: string,
    readonly where?: string,
  ) {
    super(
      checkpoint
        ? `interrupted${where ? ` (${where})` : ''}; checkpoint written to ${checkpoint} (rerun with --resume)`
        : `interrupted${where ? ` (${where})` : ''}`,
    );
    this.name = 'Interrupted';
  }
}

let requested = false;
let installed = false;

/** Installs the SIGINT handler (idempotent). */
export function installSigint(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => {
    if (requested) process.exit(130);
    requested = true;
    process.stderr.write(
      '\ninterrupt: finishing the current step (Ctrl-C again to quit at once; the previous report stays intact)\n',
    );
  });
}

/** Forgets a pending request (tests that run several commands in one process). */
export function resetInterrupt(): void {
  requested = false;
}

export function interruptRequested(): boolean {
  return requested;
}

/** Lets pending signal handlers run (long synchronous loops call this between chunks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
