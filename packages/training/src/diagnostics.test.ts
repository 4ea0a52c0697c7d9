import { describe, expect, it } from 'vitest';
import { key, normal } from '@sftdl/field';
import { histogramStationarity, integratedAutocorrTime, splitRhat } from './index';

function ar1(seed: number, rho: number, n: number, shift = 0): Float64Array {
  const e = normal(key(seed), n);
  const x = new Float64Array(n);
  let v = e[0]! / Math.sqrt(1 - rho * rho);
  for (let i = 0; i < n; i++) {
    v = rho * v + e[i]!;
    x[i] = v + shift;
  }
  return x;
}

describe('diagnostics', () => {
  it('τ_int of an AR(1) chain is (1 + ρ)/(1 − ρ)', () => {
    const rho = 0.8; // τ = 9
    const tau = integratedAutocorrTime([0, 1, 2, 3].map((s) => ar1(s, rho, 40000)));
    expect(Math.abs(tau / 9 - 1)).toBeLessThan(0.1);
    expect(Math.abs(integratedAutocorrTime([normal(key(9), 20000)]) - 1)).toBeLessThan(0.1);
  });
  it('split-R̂ ≈ 1 for chains of one distribution and ≫ 1 for shifted chains', () => {
    expect(splitRhat([0, 1, 2, 3].map((s) => ar1(s, 0.5, 4000)))).toBeLessThan(1.01);
    expect(splitRhat([ar1(1, 0.5, 4000), ar1(2, 0.5, 4000, 3)])).toBeGreaterThan(1.5);
    expect(() => splitRhat([[1, 2]])).toThrow();
  });
  it('histogram stationarity flags a drift and accepts equal halves', () => {
    expect(histogramStationarity([100, 200, 100, 50], [104, 195, 98, 53]).stationary).toBe(true);
    expect(histogramStationarity([100, 200, 100, 50], [10, 100, 200, 140]).stationary).toBe(false);
    // correlated samples: a larger τ tolerates larger fluctuations
    expect(histogramStationarity([100, 200, 100, 50], [130, 170, 100, 50], 10).stationary).toBe(true);
  });
});
