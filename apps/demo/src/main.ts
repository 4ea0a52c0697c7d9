import { resolve } from 'node:path';
import { SftdlError } from '@sftdl/compute';
import { Flags, UsageError, parseArgv } from '@sftdl/cli-kit';
import { readBudget } from './budget';
import { commandLoaders } from './commands/index';
import type { CommandContext } from './context';
import { DiskFullError, FileError } from './io';
import { Interrupted } from './tour/interrupt';

function mainHelp(): string {
  const lines = [
    'sftdl demo — statistical field theory of deep learning, theory beside simulation',
    '',
    'usage: pnpm demo [command] [flags]      (no command: the headline tour)',
    '       pnpm --silent demo <command> --json   prints exactly one JSON object on stdout',
    '',
    'commands:',
    ...Object.entries(commandLoaders).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`),
    '',
    'common flags: --json, --out DIR (default ./sftdl-out), --seed S, --backend NAME, --help, --quiet,',
    '              --max-memory SIZE (e.g. 4G; default: half of the free memory), --max-work FLOP (default 1e13),',
    '              --debug (stack traces on failures)',
    'exit codes: 0 ok, 2 bad input (one line naming the flag), 1 other failure (one line; --debug for the stack), 130 interrupted',
  ];
  return lines.join('\n');
}

/** Where {@link main} writes. The CLI passes the process streams; tests pass collectors. */
export interface MainIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const processIO: MainIO = {
  stdout: (s) => {
    process.stdout.write(s);
  },
  stderr: (s) => {
    process.stderr.write(s);
  },
};

/** One line: the first line of the message, whitespace collapsed (messages never span lines on the terminal). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * How a failure is reported: exit code, the one stderr line and the `{ error: { type, message } }` record.
 *
 * - `UsageError` (flag/data problems) and every typed `SftdlError` (invalid argument, shape, not positive definite,
 *   no convergence, backend unavailable, …): exit 2 — the input asks for something the theory/numerics cannot give,
 *   and the message says what to change.
 * - file errors (`FileError`: missing folder, permission, a folder where a file was expected): exit 2;
 *   disk full (`DiskFullError`): exit 1.
 * - anything else is a bug or an environment failure: exit 1, one line; `--debug` prints the stack.
 * - Ctrl-C in the tour and scenarios (`Interrupted`): exit 130 with where the run stopped and how to continue.
 */
export function classifyError(err: unknown): { code: 1 | 2 | 130; type: string; message: string } {
  if (err instanceof Interrupted) return { code: 130, type: 'Interrupted', message: oneLine(err.message) };
  if (err instanceof UsageError) return { code: 2, type: 'UsageError', message: oneLine(err.message) };
  if (err instanceof DiskFullError) return { code: 1, type: err.name, message: oneLine(err.message) };
  if (err instanceof FileError) return { code: 2, type: err.name, message: oneLine(err.message) };
  if (SftdlError.isInstance(err)) return { code: 2, type: err.name, message: oneLine(err.message) };
  if (
    err instanceof RangeError &&
    /Invalid (typed )?array length|Array buffer allocation failed|Invalid string length/.test(err.message)
  ) {
    return {
      code: 2,
      type: 'SizeError',
      message: `out of memory (${oneLine(err.message)}); reduce the sizes given by the flags or the data file`,
    };
  }
  if (err instanceof Error)
    return {
      code: 1,
      type: err.name || 'Error',
      message: `unexpected ${err.name || 'error'}: ${oneLine(err.message)} (rerun with --debug for the stack)`,
    };
  return { code: 1, type: 'Error', message: `unexpected failure: ${oneLine(String(err))} (rerun with --debug for the stack)` };
}

/**
 * Runs one CLI invocation and returns its exit code. Never throws: every failure becomes one line on stderr (plus the
 * JSON error record on stdout with `--json`).
 */
export async function main(argv: readonly string[], io: MainIO = processIO): Promise<number> {
  let json = false;
  let debug = argv.includes('--debug');
  try {
    const parsed = parseArgv(argv);
    const flags = new Flags(parsed);
    json = parsed.flags.has('json');
    debug = flags.bool('debug');
    const name = parsed.positionals[0];
    if (name === undefined && parsed.flags.has('help')) {
      io.stdout(mainHelp() + '\n');
      return 0;
    }
    const cmdName = name ?? 'tour';
    if (!Object.hasOwn(commandLoaders, cmdName))
      throw new UsageError(`unknown command '${cmdName}'; allowed: ${Object.keys(commandLoaders).join('|')}`);
    const loader = commandLoaders[cmdName]!;
    if (name !== undefined) parsed.positionals.shift();
    const command = await loader.load();
    if (parsed.flags.has('help')) {
      io.stdout(`${command.name} — ${command.summary}\n\nusage:\n${command.usage.map((u) => '  ' + u).join('\n')}\n`);
      return 0;
    }
    const outDir = resolve(flags.string('out', 'sftdl-out'));
    const budget = readBudget(flags);
    const quiet = parsed.flags.has('quiet');
    const ctx: CommandContext = {
      flags,
      json,
      outDir,
      budget,
      debug,
      log: (m) => {
        if (!quiet) io.stderr(m + '\n');
      },
      emit: (result, human) => {
        if (json) io.stdout(JSON.stringify(result) + '\n');
        else io.stdout((human ?? JSON.stringify(result, null, 2)) + '\n');
      },
    };
    await command.run(ctx);
    return 0;
  } catch (err) {
    const c = classifyError(err);
    io.stderr(c.code === 130 ? `${c.message}\n` : `error: ${c.message}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    if (json) io.stdout(JSON.stringify({ error: { type: c.type, message: c.message } }) + '\n');
    return c.code;
  }
}

/**
 * Makes a closed stdout (`… --json | head -c 10`) end the process quietly instead of crashing with EPIPE: the reader
 * has gone, so there is nobody left to tell. Other stream errors are reported on stderr as one line (exit 1).
 */
export function guardStdout(): void {
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
    try {
      process.stderr.write(`error: cannot write output: ${e.message}\n`);
    } catch {
      /* stderr gone too */
    }
    process.exit(1);
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}
