import { readFileSync } from 'node:fs';
import {
  type FlagSpec,
  Flags,
  type MainIO,
  UsageError,
  didYouMean,
  flagLines,
  parseCommandLine,
  processIO,
  renderHelp,
} from '@sftdl/cli-kit';
import { suiteLoaders } from './suites/index';
import type { Suite } from './suites/types';

/** Flags every suite takes (read here, before the suite runs). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'json', type: 'switch', description: 'print exactly one JSON object on stdout (progress goes to stderr)' },
  { name: 'help', short: 'h', type: 'switch', description: 'this help' },
  { name: 'version', type: 'switch', description: 'print the version and exit' },
];

/** The bench's version (apps/bench/package.json). */
export function benchVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** What `--version` prints: `sftdl bench <version>`, or `{ version }` with `--json`. */
function versionText(json: boolean): string {
  return json ? JSON.stringify({ version: benchVersion() }) + '\n' : `sftdl bench ${benchVersion()}\n`;
}

function mainHelp(): string {
  return [
    'sftdl bench — speed, measured as ratios against baselines timed in the same run',
    '',
    'usage: pnpm --silent bench <suite> [flags] [--json]',
    '       pnpm bench <suite> --help   the flags of a suite, their defaults and its JSON output',
    '',
    'suites:',
    ...Object.entries(suiteLoaders).map(([n, s]) => `  ${n.padEnd(10)} ${s.summary}`),
    '',
    'common flags:',
    ...flagLines(GLOBAL_FLAGS),
    '',
    'exit codes: 0 ok, 2 bad input (one line naming the flag), 1 other failure',
  ].join('\n');
}

/**
 * Parses a suite's flags against its declaration plus {@link GLOBAL_FLAGS}: unknown flags and wrong types are
 * `UsageError`s (did-you-mean included), and the accessors apply the declared defaults. Tests build suite contexts
 * with it, so they parse exactly as the CLI does.
 */
export function suiteFlags(suite: Suite, argv: readonly string[]): Flags {
  const specs = [...suite.flags, ...GLOBAL_FLAGS];
  const parsed = parseCommandLine(argv, specs);
  return new Flags(parsed, specs);
}

const GLOBAL_SWITCHES = new Set(GLOBAL_FLAGS.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]));

/** Index of the suite name: the first bare word that is not the value of a preceding (non-switch) flag. */
function suiteIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') return -1;
    if (!a.startsWith('-')) return i;
    if (!a.includes('=') && !GLOBAL_SWITCHES.has(a) && !(argv[i + 1] ?? '-').startsWith('-')) i++;
  }
  return -1;
}

/**
 * Runs one bench invocation and returns its exit code: 0 ok, 2 bad input (one line on stderr naming the flag or the
 * suite, with a did-you-mean), 1 anything else (the stack on stderr). Never throws.
 */
export async function main(argv: readonly string[], io: MainIO = processIO): Promise<number> {
  try {
    const at = suiteIndex(argv);
    const name = at >= 0 ? argv[at] : undefined;
    const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : [...argv];
    if (name === undefined) {
      if (rest.includes('--version')) {
        io.stdout(versionText(rest.includes('--json')));
        return 0;
      }
      const help = rest.includes('--help') || rest.includes('-h');
      (help ? io.stdout : io.stderr)(mainHelp() + '\n');
      return help ? 0 : 2;
    }
    const loader = Object.hasOwn(suiteLoaders, name) ? suiteLoaders[name] : undefined;
    if (!loader) {
      const guess = didYouMean(name, Object.keys(suiteLoaders));
      throw new UsageError(
        `unknown suite '${name}'${guess ? `; did you mean '${guess}'?` : ''} (allowed: ${Object.keys(suiteLoaders).join('|')})`,
      );
    }
    const suite = await loader.load();
    const flags = suiteFlags(suite, rest);
    const extra = flags.positionals[0];
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' (bench ${name} takes flags only; see --help)`);
    if (flags.has('help')) {
      io.stdout(renderHelp(suite, GLOBAL_FLAGS, 'bench') + '\n');
      return 0;
    }
    const json = flags.bool('json');
    if (flags.has('version')) {
      io.stdout(versionText(json));
      return 0;
    }
    const result = await suite.run({ flags, json, log: (m) => io.stderr(m + '\n') });
    io.stdout((json ? JSON.stringify(result.json) : result.table) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
      return 2;
    }
    io.stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
