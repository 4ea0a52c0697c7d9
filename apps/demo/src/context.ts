import type { Flags } from '@sftdl/cli-kit';
import type { Budget } from './budget';

/** What every command receives. stdout is reserved for the single JSON object in --json mode. */
export interface CommandContext {
  flags: Flags;
  json: boolean;
  /** Output folder for figures/reports (`--out`, default ./sftdl-out). */
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

export interface Command {
  name: string;
  summary: string;
  /** One usage line per form, e.g. `demo kernel --activation <name> --depth L … [--json]`. */
  usage: string[];
  run(ctx: CommandContext): Promise<void>;
}
