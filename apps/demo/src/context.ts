import type { CommandSpec, Flags } from '@sftdl/cli-kit';
import type { Budget } from './budget';

/** What every command receives. stdout is reserved for the single JSON object in --json mode. */
export interface CommandContext {
  flags: Flags;
  json: boolean;
  /** Output folder for figures/reports (`--out-dir`, default ./sftdl-out). */
  outDir: string;
  /** Memory and work budget (`--max-memory`, `--max-work`), checked by each command before it starts. */
  budget: Budget;
  /** `--debug`: failures print their stack. */
  debug: boolean;
  /** Progress and logs: stderr only. */
  log: (message: string) => void;
  /** Prints the result: the JSON object with --json, otherwise `human` (a table/summary) if given. */
  emit: (result: unknown, human?: string) => void;
}

/**
 * A command: its declaration (flags with type, placeholder, default and description; the keys of its JSON output),
 * from which the parser, the help and the unknown-flag suggestions are built, and its `run`.
 */
export interface Command extends CommandSpec {
  run(ctx: CommandContext): Promise<void>;
}
