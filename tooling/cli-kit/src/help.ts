import { type CommandSpec, type FlagSpec, aliasNames, placeholderOf } from './spec';

/** `--name <placeholder>` as the help prints it. */
export function flagSignature(f: FlagSpec): string {
  const ph = placeholderOf(f);
  return `${f.short ? `-${f.short}, ` : ''}--${f.name}${ph ? ` ${ph}` : ''}`;
}

/** The trailing note of a flag's help line: default, required, deprecated aliases. */
export function flagNote(f: FlagSpec): string {
  const parts: string[] = [];
  if (f.required) parts.push('required');
  if (f.defaultText !== undefined) parts.push(`default: ${f.defaultText}`);
  else if (f.default !== undefined && f.type !== 'switch') parts.push(`default: ${String(f.default)}`);
  const aliases = aliasNames(f);
  if (aliases.length) parts.push(`deprecated alias: ${aliases.map((a) => `--${a}`).join(', ')}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** One help line per visible flag: signature, description and note, aligned. */
export function flagLines(flags: readonly FlagSpec[]): string[] {
  const visible = flags.filter((f) => !f.hidden);
  const width = Math.min(34, Math.max(0, ...visible.map((f) => flagSignature(f).length)) + 2);
  return visible.map((f) => {
    const sig = flagSignature(f);
    return `  ${sig.length + 1 >= width ? `${sig}  ` : sig.padEnd(width)}${f.description}${flagNote(f)}`;
  });
}

/**
 * The help of one command, all from its declaration: summary, usage forms, its flags (signature, description,
 * default, required, deprecated aliases), the flags every command takes and the keys of its `--json` output.
 */
export function renderHelp(spec: CommandSpec, common: readonly FlagSpec[] = [], prog = 'demo'): string {
  const own = new Set(spec.flags.map((f) => f.name));
  const lines = [`${prog} ${spec.name} — ${spec.summary}`, '', 'usage:', ...spec.usage.map((u) => `  ${u}`)];
  if (spec.flags.some((f) => !f.hidden)) lines.push('', 'flags:', ...flagLines(spec.flags));
  const shared = common.filter((f) => !own.has(f.name));
  if (shared.length) lines.push('', 'common flags:', ...flagLines(shared));
  if (spec.output?.length) {
    const w = Math.min(24, Math.max(...spec.output.map((o) => o.key.length)) + 2);
    lines.push(
      '',
      'JSON output (--json, one object on stdout):',
      ...spec.output.map((o) => `  ${o.key.padEnd(w)}${o.description}`),
    );
  }
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return lines.join('\n');
}
