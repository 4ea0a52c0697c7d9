// The bench resolves `--backends` exactly like the demo's `--backend` flag. The resolver lives in the demo app
// (apps/demo/src/backends.ts); it is shared by relative path until it moves to a tooling package.
// TODO(lead): move allProviders/resolveBackend/probeAll to a shared tooling module (e.g. @sftdl/cli-kit/backends).
export { BACKEND_NAMES, allProviders, probeAll, resolveBackend } from '../../demo/src/backends';
