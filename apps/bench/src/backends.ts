// The bench resolves `--backends` exactly like the demo's `--backend` flag (shared in @sftdl/cli-kit).
export { BACKEND_NAMES, allProviders, probeAll, resolveBackend } from '@sftdl/cli-kit';
