export { Flags, UsageError, parseArgv } from './args';
export type { ParsedArgs } from './args';
export { BACKEND_NAMES, allProviders, probeAll, resolveBackend } from './backends';
