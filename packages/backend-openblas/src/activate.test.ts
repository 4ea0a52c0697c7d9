import { ACTIVATION_NAMES, activationDerivative, activationFunction } from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { createOpenblasBackend, isOpenblasAvailable } from './index';

describe.skipIf(!isOpenblasAvailable())('native fused activations', () => {
  it('φ and φ′ agree with the accurate scalar definitions (threaded and single-threaded buffers)', () => {
    for (const threads of [1, 2]) {
      const be = createOpenblasBackend({ threads });
      for (const name of ACTIVATION_NAMES) {
        const f = activationFunction(name), df = activationDerivative(name);
        for (const len of [7, 100_003]) {
          // a few ulps (fast erf: table + Taylor; libm tanh/exp); deterministic inputs over [−8, 8], both sides of erf's table edge at |h| = 6
          const h = Float64Array.from({ length: len }, (_, i) => 8 * Math.sin(0.37 * i + 0.1));
          const phi = new Float64Array(len), dphi = new Float64Array(len);
          be.activate!(name, h, phi, dphi, len);
          for (let i = 0; i < len; i += 97) {
            expect(Math.abs(phi[i]! - f(h[i]!))).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(f(h[i]!))));
            expect(Math.abs(dphi[i]! - df(h[i]!))).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(df(h[i]!))));
          }
        }
      }
    }
  });
});
