export { createTfjsBackend, probeTfjsEngine, provider } from './backend';
export type { CreateTfjsBackendOptions, TfjsEngine } from './backend';
