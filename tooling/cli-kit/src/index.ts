// cli-kit (private): what the apps share — flag parsing and the backend resolver.

// ── Flags: parseArgv → Flags (typed getters; UsageError → exit 2 naming the flag) ─────────────────────
export type { ParsedArgs } from './args';
export { Flags, UsageError, parseArgv } from './args';

// ── Backends: resolve `--backend NAME`, probe every provider ─────────────────────────────────────────
export { BACKEND_NAMES, allProviders, probeAll, resolveBackend } from './backends';
