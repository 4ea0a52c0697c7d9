import { describe, expect, it } from 'vitest';
import fixture from '../test/fixtures/erf.json';
import { activateInto, erfPrime, fastErf } from './activations';

// [x, erf(x), erf′(x)]: mpmath at 50 digits rounded to float64 (test/fixtures/gen_erf_fixture.py); dense over
// [−8, 8] through the 1/128 table, both sides of its edge at |x| = 6, ±0, tiny and huge |x|
const rows = fixture.rows as unknown as [number, number, number][];
const ULP1 = 2 ** -52; // one ulp of 1

describe('fast erf against a high-precision erf', () => {
  it('fastErf and activateInto(erf) agree with mpmath to 5·2⁻⁵² absolute (φ and φ′), erfPrime to (2 + x²) ulps relative', () => {
    const h = Float64Array.from(rows, (r) => r[0]);
    const phi = new Float64Array(h.length),
      dphi = new Float64Array(h.length);
    activateInto('erf', h, phi, dphi);
    rows.forEach(([x, e, de], i) => {
      expect(phi[i], `activateInto erf(${x})`).toBe(fastErf(x));
      expect(Math.abs(phi[i]! - e), `erf(${x})`).toBeLessThanOrEqual(5 * ULP1);
      expect(Math.abs(dphi[i]! - de), `erf′(${x})`).toBeLessThanOrEqual(5 * ULP1);
      // e^{−x²} with x² rounded: relative error up to about x²·2⁻⁵³
      expect(Math.abs(erfPrime(x) - de), `erfPrime(${x})`).toBeLessThanOrEqual((2 + x * x) * ULP1 * de);
    });
  });
  it('is odd, saturates at ±1 and keeps erf(±0) = 0', () => {
    for (const x of [0.3, 1.7, 5.99, 6, 40]) expect(fastErf(-x)).toBe(-fastErf(x));
    expect(fastErf(Infinity)).toBe(1);
    expect(fastErf(-Infinity)).toBe(-1);
    expect(fastErf(0)).toBe(0);
    expect(fastErf(-0)).toBe(0);
  });
});
