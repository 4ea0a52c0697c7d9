import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SftdlError } from '@sftdl/compute';
import {
  type FlagSpec,
  Flags,
  type MainIO,
  UsageError,
  checkRequired,
  didYouMean,
  flagLines,
  parseCommandLine,
  processIO,
  renderHelp,
} from '@sftdl/cli-kit';
import { readBudget } from './budget';
import { commandLoaders } from './commands/index';
import type { CommandContext } from './context';
import { DiskFullError, FileError } from './io';
import { Interrupted } from './tour/interrupt';

/** Flags every command takes (read here, before the command runs). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'json', type: 'switch', description: 'print exactly one JSON object on stdout (progress and logs go to stderr)' },
  {
    name: 'out-dir',
    type: 'string',
    placeholder: '<dir>',
    default: 'sftdl-out',
    description: 'folder for figures, reports and checkpoints',
  },
  { name: 'quiet', type: 'switch', description: 'no progress or log lines on stderr (errors and warnings still print)' },
  {
    name: 'max-memory',
    type: 'string',
    placeholder: '<size>',
    defaultText: 'half of the free memory',
    description: 'memory budget checked before work starts, e.g. 4G, 512M or 2e9 (bytes)',
  },
  {
    name: 'max-work',
    type: 'number',
    placeholder: '<flop>',
    defaultText: '1e13',
    description: 'work budget in floating-point operations, checked before work starts',
  },
  { name: 'debug', type: 'switch', description: 'print the stack of a failure' },
  { name: 'help', short: 'h', type: 'switch', description: 'this help' },
  { name: 'version', type: 'switch', description: 'print the version and exit' },
];

/**
 * The global flags a command gets: where it does not declare `--out` (a file), `--out` is the deprecated spelling of
 * `--out-dir` (it named the output folder before 0.1).
 */
export function globalFlagsFor(own: readonly FlagSpec[]): FlagSpec[] {
  if (own.some((f) => f.name === 'out')) return [...GLOBAL_FLAGS];
  return GLOBAL_FLAGS.map((f) =>
    f.name === 'out-dir' ? { ...f, aliases: [{ name: 'out', note: '--out now always names a file; folders are --out-dir' }] } : f,
  );
}

/** The demo's version (apps/demo/package.json). */
export function demoVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const lines = [
    'sftdl demo — statistical field theory of deep learning, theory beside simulation',
    '',
    'usage: pnpm demo [command] [flags]      (no command: the headline tour)',
    '       pnpm --silent demo <command> --json   prints exactly one JSON object on stdout',
    '       pnpm demo <command> --help           the flags of a command, their defaults and its JSON output',
    '',
    'commands:',
    ...Object.entries(commandLoaders).map(([n, c]) => `  ${n.padEnd(14)} ${c.summary}`),
    '',
    'common flags:',
    ...flagLines(GLOBAL_FLAGS),
    '',
    'exit codes: 0 ok, 2 bad input (one line naming the flag), 1 other failure (one line; --debug for the stack), 130 interrupted',
  ];
  return lines.join('\n');
}

/** Global switches that take no value (for finding the command name before the command's flags are known). */
const GLOBAL_SWITCHES = new Set(GLOBAL_FLAGS.filter((f) => f.type === 'switch').map((f) => `--${f.name}`));

/** Index of the command name in argv: the first bare word that is not the value of a preceding flag. */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') return -1;
    if (a.startsWith('-')) {
      const next = argv[i + 1];
      if (!a.includes('=') && !GLOBAL_SWITCHES.has(a) && a !== '-h' && next !== undefined && !next.startsWith('-')) i++;
      continue;
    }
    return i;
  }
  return -1;
}

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
    const at = commandIndex(argv);
    const name = at >= 0 ? argv[at] : undefined;
    const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : [...argv];
    json = rest.includes('--json');
    if (name === undefined && (rest.includes('--help') || rest.includes('-h'))) {
      io.stdout(mainHelp() + '\n');
      return 0;
    }
    if (name === undefined && rest.includes('--version')) {
      io.stdout(json ? JSON.stringify({ version: demoVersion() }) + '\n' : `sftdl demo ${demoVersion()}\n`);
      return 0;
    }
    const cmdName = name ?? 'tour';
    if (!Object.hasOwn(commandLoaders, cmdName)) {
      const guess = didYouMean(cmdName, Object.keys(commandLoaders));
      throw new UsageError(
        `unknown command '${cmdName}'${guess ? `; did you mean '${guess}'?` : ''} (allowed: ${Object.keys(commandLoaders).join('|')})`,
      );
    }
    const loader = commandLoaders[cmdName];
    if (!loader) throw new UsageError(`unknown command '${cmdName}'`);
    const command = await loader.load();
    const globals = globalFlagsFor(command.flags);
    const specs = [...command.flags, ...globals];
    const parsed = parseCommandLine(rest, specs);
    const flags = new Flags(parsed, specs);
    json = parsed.flags.has('json');
    debug = flags.bool('debug');
    const quiet = parsed.flags.has('quiet');
    for (const w of parsed.warnings ?? []) io.stderr(w + '\n');
    if (parsed.flags.has('help')) {
      io.stdout(renderHelp(command, globals) + '\n');
      return 0;
    }
    if (parsed.flags.has('version')) {
      io.stdout(json ? JSON.stringify({ version: demoVersion() }) + '\n' : `sftdl demo ${demoVersion()}\n`);
      return 0;
    }
    checkRequired(parsed, specs);
    const outDir = resolve(flags.string('out-dir', 'sftdl-out'));
    const budget = readBudget(flags);
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
