// The backend resolver is shared by the demo and bench apps; it lives in the internal @sftdl/cli-kit package.
export { BACKEND_NAMES, allProviders, probeAll, resolveBackend } from '@sftdl/cli-kit';
