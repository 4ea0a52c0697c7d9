/**
 * Cooperative Ctrl-C handling for long runs: the first SIGINT only sets a flag; long loops check it between chunks
 * (after yielding to the event loop), write their checkpoint and throw {@link Interrupted}. A second SIGINT exits at
 * once (130). Reports are always written atomically, so neither path leaves a half-written file.
 */
export class Interrupted extends Error {
  constructor(readonly checkpoint?: string) {
    super(checkpoint ? `interrupted; checkpoint written to ${checkpoint} (rerun with --resume)` : 'interrupted');
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
    process.stderr.write('\ninterrupt: finishing the current chunk and writing a checkpoint (Ctrl-C again to quit at once)\n');
  });
}

export function interruptRequested(): boolean {
  return requested;
}

/** Lets pending signal handlers run (long synchronous loops call this between chunks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
