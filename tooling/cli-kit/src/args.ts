/**
 * Flag parsing for the CLI contract: long kebab-case flags, `--flag value` or `--flag=value`, switches. Built on
 * node's `util.parseArgs` with a thin layer that reads the command's declaration ({@link CommandSpec}): unknown flags
 * get a did-you-mean suggestion, values are checked against their declared type, deprecated aliases are mapped to
 * the flag's name with a warning. Every problem is a `UsageError` (exit code 2) whose one-line message names the flag.
 */
import { parseArgs } from 'node:util';
import { type FlagSpec, aliasNames } from './spec';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A command read a flag it does not declare: a programming error (exit 1), raised so that a missing declaration is
 * caught by the first test that runs the command.
 */
export class UndeclaredFlagError extends Error {
  override readonly name = 'UndeclaredFlagError';
  constructor(readonly flag: string) {
    super(`internal: the command reads --${flag} but does not declare it; add it to the command's flags`);
  }
}

export interface ParsedArgs {
  positionals: string[];
  /** Given flags by their declared name (aliases resolved): the text after the flag, or `true` for a switch. */
  flags: Map<string, string | true>;
  /** Deprecation warnings for the caller to print on stderr (one line each). */
  warnings?: string[];
}

/**
 * The legacy parser without a declaration: a token after `--flag` is its value unless it starts with `--`. Kept for
 * the bench suites' tests; the CLIs use {@link parseCommandLine}.
 */
export function parseArgv(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`malformed flag '${a}'`);
      if (eq >= 0) flags.set(name, a.slice(eq + 1));
      else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('--')) {
          flags.set(name, next);
          i++;
        } else flags.set(name, true);
      }
    } else if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      if (a === '-h') flags.set('help', true);
      else throw new UsageError(`unknown short flag '${a}'; use long flags such as --help`);
    } else positionals.push(a);
  }
  return { positionals, flags };
}

/** Edit distance (insert, delete, substitute, swap of neighbours). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  return (d[a.length] as number[])[b.length] as number;
}

/** The closest of `candidates` to `word`, if it is close enough to be a plausible typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3))) return best;
  const prefixed = candidates.filter((c) => c.startsWith(word) || word.startsWith(c));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

function unknownFlag(raw: string, specs: readonly FlagSpec[]): UsageError {
  const visible = specs.filter((s) => !s.hidden).map((s) => s.name);
  const guess = didYouMean(raw, visible);
  return new UsageError(`unknown flag --${raw}${guess ? `; did you mean --${guess}?` : ' (see --help)'}`);
}

/** Checks a flag's text against its declared type; returns nothing, throws a `UsageError` naming the flag. */
function checkValue(spec: FlagSpec, v: string): void {
  const n = spec.name;
  if (spec.type === 'number' || spec.type === 'integer') {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${n} must be a finite number, got '${v}'`);
    if (spec.type === 'integer' && !Number.isInteger(x)) throw new UsageError(`--${n} must be an integer, got '${v}'`);
  } else if (spec.type === 'choice') {
    if (spec.choices && !spec.choices.includes(v))
      throw new UsageError(`--${n} must be one of ${spec.choices.join('|')}, got '${v}'`);
  } else if (spec.type === 'list') {
    const parts = v
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (parts.length === 0) throw new UsageError(`--${n} needs a comma-separated list`);
    const items = spec.items ?? (spec.choices ? 'string' : 'number');
    for (const p of parts) {
      if (spec.choices && !spec.choices.includes(p))
        throw new UsageError(`--${n} entries must be among ${spec.choices.join('|')}, got '${p}'`);
      if (items !== 'string' && !Number.isFinite(Number(p)))
        throw new UsageError(`--${n} must be a list of finite numbers, got '${p}'`);
      if (items === 'integer' && !Number.isInteger(Number(p)))
        throw new UsageError(`--${n} must be a list of integers, got '${p}'`);
    }
  }
}

/**
 * Parses `argv` against the declared flags (`util.parseArgs` underneath). Unknown flags are `UsageError`s with a
 * did-you-mean suggestion; values are checked against their declared type; deprecated aliases become the flag's
 * name and add a line to `warnings`. Required flags are checked separately ({@link checkRequired}) so `--help` works
 * without them.
 */
export function parseCommandLine(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  const aliasOf = new Map<string, FlagSpec>();
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const s of specs) {
    byName.set(s.name, s);
    const type = s.type === 'switch' ? 'boolean' : 'string';
    options[s.name] = s.short ? { type, short: s.short } : { type };
    for (const a of aliasNames(s)) {
      aliasOf.set(a, s);
      options[a] = { type };
    }
  }
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  const warnings: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const raw = t.name;
    if (t.rawName.startsWith('--') && !/^[a-z][a-z0-9-]*$/.test(raw)) throw new UsageError(`malformed flag '${t.rawName}'`);
    let spec = byName.get(raw);
    if (!spec) {
      spec = aliasOf.get(raw);
      if (spec) {
        const alias = (spec.aliases ?? []).find((a) => (typeof a === 'string' ? a : a.name) === raw);
        const note = typeof alias === 'object' && alias.note ? ` (${alias.note})` : '';
        warnings.push(`warning: --${raw} is deprecated; use --${spec.name}${note}`);
      }
    }
    if (!spec) {
      if (!t.rawName.startsWith('--')) throw new UsageError(`unknown short flag '${t.rawName}'; use long flags such as --help`);
      throw unknownFlag(raw, specs);
    }
    if (spec.type === 'switch') {
      if (t.value === undefined || t.value === 'true') flags.set(spec.name, true);
      else if (t.value === 'false') flags.delete(spec.name);
      else throw new UsageError(`--${spec.name} is a switch; got value '${t.value}' (allowed: no value, =true, =false)`);
      continue;
    }
    const v = t.value;
    if (v === undefined || (!t.inlineValue && v.startsWith('--')))
      throw new UsageError(`--${spec.name} needs a value${spec.type === 'choice' ? ` (${spec.choices?.join('|')})` : ''}`);
    checkValue(spec, v);
    flags.set(spec.name, v);
  }
  return { positionals, flags, warnings };
}

/** Throws a `UsageError` for the first declared `required` flag that was not given. */
export function checkRequired(parsed: ParsedArgs, specs: readonly FlagSpec[]): void {
  for (const s of specs)
    if (s.required && !parsed.flags.has(s.name))
      throw new UsageError(
        `missing required flag --${s.name}${s.type === 'choice' && s.choices ? ` (one of ${s.choices.join(', ')})` : ''}`,
      );
}

/** Flags every command accepts (read by the app's entry point), never reported as unused. */
const ALWAYS_USED = ['json', 'help', 'quiet', 'version', 'debug'];

/**
 * Typed accessor over parsed flags that also tracks which flags were consumed. Built with the command's declared
 * flags, an accessor that reads an undeclared flag throws {@link UndeclaredFlagError}, and an absent flag takes its
 * declared default when the accessor passes none.
 */
export class Flags {
  private readonly used = new Set<string>(ALWAYS_USED);
  private readonly specs: Map<string, FlagSpec> | undefined;

  constructor(
    private readonly parsed: ParsedArgs,
    specs?: readonly FlagSpec[],
  ) {
    this.specs = specs ? new Map(specs.map((s) => [s.name, s])) : undefined;
  }

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  /** The declaration of a flag (undefined without declarations); throws if declarations exist and lack `name`. */
  spec(name: string): FlagSpec | undefined {
    if (!this.specs) return undefined;
    const s = this.specs.get(name);
    if (!s) throw new UndeclaredFlagError(name);
    return s;
  }

  private read(name: string): string | true | undefined {
    this.spec(name);
    this.used.add(name);
    return this.parsed.flags.get(name);
  }

  private declaredDefault(name: string): string | number | boolean | undefined {
    return this.specs?.get(name)?.default;
  }

  /** Whether the flag was given on the command line. */
  has(name: string): boolean {
    return this.read(name) !== undefined;
  }

  bool(name: string): boolean {
    const v = this.read(name);
    if (v === undefined) return this.declaredDefault(name) === true;
    if (v === true || v === 'true') return true;
    if (v === 'false') return false;
    throw new UsageError(`--${name} is a switch; got value '${v}' (allowed: no value, true, false)`);
  }

  string(name: string): string | undefined;
  string(name: string, def: string): string;
  string(name: string, def?: string): string | undefined {
    const v = this.read(name);
    if (v === undefined) {
      if (def !== undefined) return def;
      const d = this.declaredDefault(name);
      return d === undefined || typeof d === 'boolean' ? undefined : String(d);
    }
    if (v === true) throw new UsageError(`--${name} needs a value`);
    return v;
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`missing required flag --${name}`);
    return v;
  }

  choice<T extends string>(name: string, allowed: readonly T[], def: T): T;
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined;
  choice<T extends string>(name: string, allowed: readonly T[], def?: T): T | undefined {
    const given = this.parsed.flags.has(name);
    const v = this.string(name);
    if (!given) return def ?? (v as T | undefined);
    if (v === undefined) return def;
    if (!(allowed as readonly string[]).includes(v))
      throw new UsageError(`--${name} must be one of ${allowed.join('|')}, got '${v}'`);
    return v as T;
  }

  number(name: string, opts?: { min?: number; max?: number; integer?: boolean; positive?: boolean }): number | undefined;
  number(name: string, opts: { min?: number; max?: number; integer?: boolean; positive?: boolean; default: number }): number;
  number(
    name: string,
    opts: { min?: number; max?: number; integer?: boolean; positive?: boolean; default?: number } = {},
  ): number | undefined {
    const given = this.read(name);
    if (given === undefined) {
      if (opts.default !== undefined) return opts.default;
      const d = this.declaredDefault(name);
      if (typeof d === 'number') return d;
      return undefined;
    }
    if (given === true) throw new UsageError(`--${name} needs a value`);
    const s = given;
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a finite number, got '${s}'`);
    if (opts.integer && !Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got '${s}'`);
    if (opts.positive && !(v > 0)) throw new UsageError(`--${name} must be > 0, got '${s}'`);
    if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name} must be ≥ ${opts.min}, got '${s}'`);
    if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name} must be ≤ ${opts.max}, got '${s}'`);
    return v;
  }

  requireNumber(name: string, opts: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {}): number {
    const v = this.number(name, opts);
    if (v === undefined) throw new UsageError(`missing required flag --${name}`);
    return v;
  }

  /** Comma-separated numbers, e.g. `--sizes 500,1000`. */
  numberList(name: string, opts: { integer?: boolean; positive?: boolean } = {}): number[] | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const parts = s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (parts.length === 0) throw new UsageError(`--${name} needs a comma-separated list of numbers`);
    return parts.map((p) => {
      const v = Number(p);
      if (!Number.isFinite(v)) throw new UsageError(`--${name} must be a list of finite numbers, got '${p}'`);
      if (opts.integer && !Number.isInteger(v)) throw new UsageError(`--${name} must be a list of integers, got '${p}'`);
      if (opts.positive && !(v > 0)) throw new UsageError(`--${name} must be a list of positive numbers, got '${p}'`);
      return v;
    });
  }

  /** Comma-separated strings, validated against `allowed` when given. */
  stringList(name: string, allowed?: readonly string[]): string[] | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    const parts = s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    for (const p of parts)
      if (allowed && !allowed.includes(p))
        throw new UsageError(`--${name} entries must be among ${allowed.join('|')}, got '${p}'`);
    return parts;
  }

  /**
   * Throws on any flag given that the command did not read. Call after reading all flags. Without declarations such
   * a flag is unknown; with them it is declared for another form of the command (another subcommand or mode).
   */
  assertAllUsed(): void {
    for (const k of this.parsed.flags.keys())
      if (!this.used.has(k))
        throw new UsageError(
          this.specs ? `--${k} does not apply to this form of the command (see --help)` : `unknown flag --${k}`,
        );
  }
}
