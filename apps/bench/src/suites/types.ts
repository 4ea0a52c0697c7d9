import type { Flags } from '@sftdl/cli-kit';

export interface SuiteContext {
  flags: Flags;
  json: boolean;
  /** Progress to stderr. */
  log: (message: string) => void;
}

export interface Suite {
  summary: string;
  usage: string[];
  /** Returns the JSON object (for --json) and a readable table. */
  run(ctx: SuiteContext): Promise<{ json: unknown; table: string }>;
}
