/**
 * Minimal, strict flag parsing for the CLI contract: long kebab-case flags, `--flag value` or `--flag=value`,
 * boolean switches. Every problem is a `UsageError` (exit code 2) whose one-line message names the flag.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgv(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
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

/** Typed accessor over parsed flags that also tracks which flags were consumed (unknown flags are errors). */
export class Flags {
  private readonly used = new Set<string>(['json', 'help', 'quiet']);
  constructor(private readonly parsed: ParsedArgs) {}

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  has(name: string): boolean {
    this.used.add(name);
    return this.parsed.flags.has(name);
  }

  bool(name: string): boolean {
    this.used.add(name);
    const v = this.parsed.flags.get(name);
    if (v === undefined) return false;
    if (v === true || v === 'true') return true;
    if (v === 'false') return false;
    throw new UsageError(`--${name} is a switch; got value '${v}' (allowed: no value, true, false)`);
  }

  string(name: string): string | undefined;
  string(name: string, def: string): string;
  string(name: string, def?: string): string | undefined {
    this.used.add(name);
    const v = this.parsed.flags.get(name);
    if (v === undefined) return def;
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
    const v = this.string(name);
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
    const s = this.string(name);
    if (s === undefined) return opts.default;
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

  /** Throws on any flag the command did not read. Call after reading all flags. */
  assertAllUsed(): void {
    for (const k of this.parsed.flags.keys()) if (!this.used.has(k)) throw new UsageError(`unknown flag --${k}`);
  }
}
