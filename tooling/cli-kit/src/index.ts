export { Flags, UsageError, parseArgv } from './args';
export type { ParsedArgs } from './args';
