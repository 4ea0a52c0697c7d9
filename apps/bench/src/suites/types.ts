import type { CommandSpec, Flags } from '@sftdl/cli-kit';

export interface SuiteContext {
  flags: Flags;
  json: boolean;
  /** Progress to stderr. */
  log: (message: string) => void;
}

/**
 * A bench suite: its declaration (flags with type, placeholder, default and description; the keys of its JSON
 * output), from which the parser, the help and the unknown-flag suggestions are built, and its `run`.
 */
export interface Suite extends CommandSpec {
  /** Returns the JSON object (for --json) and a readable table. */
  run(ctx: SuiteContext): Promise<{ json: unknown; table: string }>;
}
