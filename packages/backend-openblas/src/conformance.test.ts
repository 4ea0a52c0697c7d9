import { runConformanceSuite } from '@sftdl/compute/testing';
import { describe, it } from 'vitest';
import { createOpenblasBackend, isOpenblasAvailable } from './index';

// The shared ComputeBackend v1 conformance suite, once per precision. It needs the compiled addon;
// without OpenBLAS/LAPACKE, backend.test.ts checks the "unavailable" contract (and fails in CI if the
// libraries are installed but the addon did not build).
const api = { describe: describe.runIf(isOpenblasAvailable()), it };
runConformanceSuite(() => createOpenblasBackend({ precision: 'float64' }), { api, title: 'conformance: openblas float64' });
runConformanceSuite(() => createOpenblasBackend({ precision: 'float32' }), { api, title: 'conformance: openblas float32' });
// The same suite with OpenBLAS' own GEMM/SYRK/POTRF (the default above uses sftdl's AVX-512 kernels where they run).
runConformanceSuite(() => createOpenblasBackend({ precision: 'float64', kernels: 'openblas' }), {
  api,
  title: 'conformance: openblas float64, OpenBLAS kernels',
});
runConformanceSuite(() => createOpenblasBackend({ precision: 'float32', kernels: 'openblas' }), {
  api,
  title: 'conformance: openblas float32, OpenBLAS kernels',
});
