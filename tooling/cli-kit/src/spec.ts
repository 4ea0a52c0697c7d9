/**
 * One declaration per command: every flag with its type, placeholder, default, description, whether it is required and
 * its deprecated aliases, plus the keys of the command's JSON output. Parsing ({@link parseCommandLine}), help
 * ({@link renderHelp}), defaults, unknown-flag errors with did-you-mean suggestions and `--version` all read it.
 */

/**
 * How a flag's value is read.
 *
 * - `number`: a finite number; `integer`: a whole number;
 * - `string`: any text (a path, a name);
 * - `choice`: one of {@link FlagSpec.choices};
 * - `switch`: no value (present = on; `--flag=false` turns it off);
 * - `list`: comma-separated values (`--sizes 500,1000`), numbers unless {@link FlagSpec.choices} restricts them to
 *   names or {@link FlagSpec.items} says otherwise.
 */
export type FlagType = 'number' | 'integer' | 'string' | 'choice' | 'switch' | 'list';

/** A deprecated spelling of a flag: accepted, with a one-line warning on stderr. */
export interface FlagAlias {
  name: string;
  /** Appended to the warning, e.g. `'removed in 0.2'`. */
  note?: string;
}

/** One flag of a command. */
export interface FlagSpec {
  /** Long kebab-case name without the dashes (`sigma-w2`). */
  name: string;
  type: FlagType;
  /** What the help shows. */
  description: string;
  /**
   * The value placeholder of the help, in the one style of the CLI: `<word>` (lower case, hyphens). Derived when
   * omitted: `<x>` for numbers, `<n>` for integers, `<a|b|c>` for choices, `<value>` for strings, `<x,…>` for lists.
   */
  placeholder?: string;
  /** The value used when the flag is absent (shown in the help and applied by the accessors). */
  default?: number | string | boolean;
  /** Help text for a default that is computed at run time (`'auto: the fastest available backend'`). */
  defaultText?: string;
  /** The command refuses to run without it (checked after `--help`). */
  required?: boolean;
  /** Allowed values of a `choice` flag (or the items of a `list` flag). */
  choices?: readonly string[];
  /** Items of a `list` flag: `number` (default unless `choices` is given), `integer` or `string`. */
  items?: 'number' | 'integer' | 'string';
  /** Deprecated spellings. */
  aliases?: readonly (string | FlagAlias)[];
  /** Left out of the help (internal or test-only flags). */
  hidden?: boolean;
  /** A one-letter short form (`h` for `-h`). */
  short?: string;
}

/** One key of a command's `--json` output. */
export interface OutputKeySpec {
  key: string;
  description: string;
}

/** Everything the CLI knows about one command. */
export interface CommandSpec {
  name: string;
  summary: string;
  /**
   * One line per form, flags shown by the help from {@link flags}; e.g. `demo kernel [flags]` or
   * `demo sweep plan <experiment> [flags]`.
   */
  usage: readonly string[];
  flags: readonly FlagSpec[];
  /** The keys of the single JSON object printed with `--json`. */
  output?: readonly OutputKeySpec[];
  /** Free text after the flag table (conventions, examples). */
  notes?: readonly string[];
}

/** The placeholder the help prints for a flag (see {@link FlagSpec.placeholder}); `''` for switches. */
export function placeholderOf(f: FlagSpec): string {
  if (f.type === 'switch') return '';
  if (f.placeholder !== undefined) return f.placeholder;
  switch (f.type) {
    case 'number':
      return '<x>';
    case 'integer':
      return '<n>';
    case 'choice':
      return `<${(f.choices ?? []).join('|')}>`;
    case 'list':
      return f.choices ? `<${f.choices[0] ?? 'a'},…>` : f.items === 'string' ? '<a,…>' : '<x,…>';
    default:
      return '<value>';
  }
}

/** The placeholder style: `<…>` with lower-case words, digits, `|`, `,`, `…`, `.`, `-`, `=`, `;` inside. */
export const PLACEHOLDER_STYLE = /^<[a-z0-9|,….\-=;_ ]+>$/;

/** The alias names of a flag. */
export function aliasNames(f: FlagSpec): string[] {
  return (f.aliases ?? []).map((a) => (typeof a === 'string' ? a : a.name));
}

/** Flags shared by several commands, so they read the same everywhere. */
export const COMMON_FLAGS = {
  backend: {
    name: 'backend',
    type: 'choice',
    choices: ['auto', 'reference', 'ml-matrix', 'tfjs', 'openblas'],
    placeholder: '<name>',
    default: 'auto',
    description:
      'compute backend: auto (the fastest available float64 backend), reference, ml-matrix, tfjs (float32) or openblas; the one used is reported as "backend"',
  },
  seed: {
    name: 'seed',
    type: 'integer',
    default: 0,
    description: 'random seed (same seed, same numbers)',
  },
  data: {
    name: 'data',
    type: 'string',
    placeholder: '<file>',
    description:
      'data file: JSON { x, y, xTest?, yTest? } (what `demo data` writes), or a .npy/.csv table whose last column is y',
  },
  sigmaW2: {
    name: 'sigma-w2',
    type: 'number',
    description: 'weight variance σ_w² (per fan-in)',
    aliases: [{ name: 'weight-var', note: 'the old name is accepted until the next minor version' }],
  },
  biasVar: {
    name: 'bias-var',
    type: 'number',
    description: 'bias variance σ_b²',
  },
} as const satisfies Record<string, FlagSpec>;

/**
 * What is wrong with a set of flag declarations, one line each (empty when nothing is): names not kebab-case, a name
 * or alias declared twice, placeholders outside {@link PLACEHOLDER_STYLE}, choice flags without choices, defaults of
 * the wrong type (a number for `number`/`integer`, a whole one for `integer`, one of the choices for `choice`, a
 * boolean for `switch`) and missing descriptions. The apps' help tests assert it is empty for every command.
 */
export function declarationProblems(flags: readonly FlagSpec[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const f of flags) {
    const at = `--${f.name}`;
    if (!/^[a-z][a-z0-9-]*$/.test(f.name)) problems.push(`${at}: name is not kebab-case`);
    for (const n of [f.name, ...aliasNames(f)]) {
      if (seen.has(n)) problems.push(`--${n}: declared twice`);
      seen.add(n);
    }
    if (f.type !== 'switch' && !PLACEHOLDER_STYLE.test(placeholderOf(f)))
      problems.push(`${at}: placeholder '${placeholderOf(f)}' is not in the <word> style`);
    if (f.type === 'choice' && !f.choices?.length) problems.push(`${at}: a choice flag needs choices`);
    const d = f.default;
    if (d !== undefined) {
      const numeric = f.type === 'number' || f.type === 'integer';
      if (numeric && typeof d !== 'number') problems.push(`${at}: default must be a number`);
      if (f.type === 'integer' && !Number.isInteger(d)) problems.push(`${at}: default must be an integer`);
      if (f.type === 'choice' && !f.choices?.includes(String(d))) problems.push(`${at}: default is not one of the choices`);
      if (f.type === 'switch' && typeof d !== 'boolean') problems.push(`${at}: default of a switch must be a boolean`);
    }
    if (f.description.trim().length <= 3) problems.push(`${at}: needs a description`);
  }
  return problems;
}
