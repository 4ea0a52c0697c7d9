// cli-kit (private): what the apps share — the command declarations, flag parsing, help and the backend resolver.

// ── Declarations: one CommandSpec per command (flags, JSON output keys) ──────────────────────────────────────────
export type { CommandSpec, FlagAlias, FlagSpec, FlagType, OutputKeySpec } from './spec';
export { COMMON_FLAGS, PLACEHOLDER_STYLE, aliasNames, declarationProblems, placeholderOf } from './spec';

// ── Flags: parseCommandLine → Flags (typed getters; UsageError → exit 2 naming the flag) ─────────────────────
export type { ParsedArgs } from './args';
export {
  Flags,
  UndeclaredFlagError,
  UsageError,
  checkRequired,
  didYouMean,
  editDistance,
  parseArgv,
  parseCommandLine,
} from './args';

// ── Help: rendered from the declaration ─────────────────────────────────────────────────────────────────────────
export { flagLines, flagNote, flagSignature, renderHelp } from './help';

// ── Streams: where an app's main writes (tests pass collectors) ──────────────────────────────────────────────
export type { MainIO } from './io';
export { processIO } from './io';

// ── Backends: resolve `--backend NAME`, probe every provider ─────────────────────────────────────────
export { BACKEND_NAMES, allProviders, probeAll, resolveBackend } from './backends';
