import { describe, expect, it } from 'vitest';
import { networkDefaults, networkGrid, networkSeconds } from './scaling';

describe('networkSeconds: the stated time of a network onset sweep', () => {
  const base = {
    dims: [8],
    grid: [4096],
    widths: () => [8, 8] as [number, number],
    seeds: 1,
    chains: 1,
    burnIn: 1,
    record: 0,
    testSamples: 0,
    load: 1,
  };
  it('one chain-sweep of the two-layer net: 4.5e-4 s + 1.6e-10 s × (9·P·N·d + P·N² + N³/3)', () => {
    expect(networkSeconds(base)).toBeCloseTo(4.5e-4 + 1.6e-10 * (9 * 4096 * 64 + 4096 * 64 + 512 / 3), 12);
  });
  it('a three-layer net with N₁ = N₂ is not costed as a two-layer one: its second layer and host-loop activations count', () => {
    const three = networkSeconds({ ...base, layers: 3 });
    expect(three).toBeCloseTo(4.5e-4 + 1.6e-10 * (9 * 4096 * (64 + 64) + 4096 * 64 + 512 / 3) + 8e-8 * 16 * 4096, 12);
    // ≈ 6.5 ms at d = N₁ = N₂ = 8, P = 4096 (measured ≈ 7 ms on one core), about 5× the two-layer net's
    expect(three / networkSeconds(base)).toBeGreaterThan(4);
    // whole-grid walks: the down walk and the restricted walks add their stages
    const g = { ...base, grid: networkGrid(1024), layers: 3 as const };
    expect(networkSeconds({ ...g, downStepsPerOctave: 4, equilibriumWalks: 3 })).toBeGreaterThan(4 * networkSeconds(g));
  });
});

describe('networkDefaults: what each langevin row runs without flags', () => {
  it('two-layer ν = 1 walks down from an aligned top at d = 48…128; --full keeps the full protocol at d = 8…48, 96', () => {
    expect(networkDefaults('two-layer', 1)).toEqual({
      dims: [48, 64, 96, 128],
      pMax: 4096,
      seeds: 4,
      start: 'aligned',
      fullDims: [8, 12, 16, 24, 32, 48, 96],
      fullPMax: 16384,
    });
    // the other rows keep the full protocol from the prior, --full adds twice the largest d and doubles p-max
    for (const [model, nu] of [
      ['three-layer', 1],
      ['two-layer', 2],
    ] as const) {
      const d = networkDefaults(model, nu);
      expect(d.start).toBe('prior');
      expect(d.fullDims).toEqual([...d.dims, 2 * d.dims[d.dims.length - 1]!]);
      expect(d.fullPMax).toBe(2 * d.pMax);
    }
  });
});
