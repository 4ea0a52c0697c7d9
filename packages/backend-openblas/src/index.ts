export { createOpenblasBackend } from './backend';
export type { OpenblasBackendOptions } from './backend';
export { isOpenblasAvailable, probeOpenblas, provider } from './provider';
