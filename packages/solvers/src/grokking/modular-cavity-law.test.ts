import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@sftdl/compute';
import { key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { modularCavityLaw } from './modular-cavity-law';
import { ModularKernelMoments } from './modular-environment';
import { modularNeuronFeatures } from './modular-screened';

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/grokking/modular_cavity_law.json', import.meta.url), 'utf8'),
) as {
  P: number;
  N: number;
  environmentWidth: number;
  sigmaA2: number;
  sigma2: number;
  environment: number[][];
  samples: number[][];
  w2v2: number;
  exact: number[];
  logWeights: Record<string, number[]>;
  closures: { name: string; w2v2: number; relative: number; ess: number; rmsLogWeight: number }[];
  meanShift: number;
  meanShiftSecondOrder: number;
  reactionSensitivity: number;
};

function features(samples: number[][], P: number): { re: Float64Array; im: Float64Array; count: number } {
  const n = P * P;
  const re = new Float64Array(samples.length * n),
    im = new Float64Array(samples.length * n);
  samples.forEach((w, s) => modularNeuronFeatures(w, P, re, im, s * n));
  return { re, im, count: samples.length };
}

describe('modularCavityLaw', () => {
  const { P, N, environmentWidth: Ne } = fixture;
  // the environment network has N − 1 neurons at the N-network's ε = σ_a²/N: its own σ_a² is σ_a²·(N − 1)/N
  const env = new ModularKernelMoments(P, Ne, (fixture.sigmaA2 * Ne) / N);
  for (const w of fixture.environment) env.add(w);
  const law = modularCavityLaw(env, features(fixture.samples, P), fixture.sigma2, { logWeights: true });

  it('matches the dense position-space numpy fixture (test/fixtures/grokking/modular_cavity_law.py)', () => {
    expect(law.environmentStates).toBe(fixture.environment.length);
    expect(law.neurons).toBe(fixture.samples.length);
    expect(law.w2v2).toBeCloseTo(fixture.w2v2, 14);
    // exact log E_e[e^{−D}], D from Sherman–Morrison and Cholesky against solve/slogdet
    fixture.exact.forEach((v, s) => expect(law.logWeights!.exact[s]).toBeCloseTo(v, 9));
    // the closures: central differences along δK (h = 1e-4, truncation ≈ 1e-6 here) against closed-form derivatives
    for (const [name, ref] of Object.entries(fixture.logWeights)) {
      const got = law.logWeights![name as keyof typeof law.logWeights]!;
      ref.forEach((v, s) => expect(Math.abs(got[s]! - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
    }
    for (const ref of fixture.closures) {
      const c = law.closures.find((x) => x.name === ref.name)!;
      expect(c.relativeSeEnvironments).toBeGreaterThanOrEqual(0);
      expect(c.relativeSe).toBeGreaterThanOrEqual(c.relativeSeEnvironments);
      expect(c.relative).toBeCloseTo(ref.relative, 5);
      expect(c.w2v2).toBeCloseTo(ref.w2v2, 8);
      expect(c.ess).toBeCloseTo(ref.ess, 4);
      expect(c.rmsLogWeight).toBeCloseTo(ref.rmsLogWeight, 5);
    }
    expect(law.meanShift).toBeCloseTo(fixture.meanShift, 7);
    expect(law.meanShiftSecondOrder).toBeCloseTo(fixture.meanShiftSecondOrder, 5);
    expect(law.reactionSensitivity).toBeCloseTo(fixture.reactionSensitivity, 7);
    expect(Math.abs(law.reactionSensitivity)).toBeGreaterThan(1e-3);
  });

  it('for a weak neuron the second cumulant of D is exact to third order', () => {
    // read-in weights scaled by t: κ₀ = εφφ† ∝ t⁴, so D and the log-weights' spread are O(t⁴), the third cumulant
    // O(t¹²): the second-cumulant closure's error relative to the spread falls as t⁸ (256× per halving)
    const rel = (t: number) => {
      const w = modularCavityLaw(
        env,
        features(
          fixture.samples.map((x) => x.map((y) => t * y)),
          P,
        ),
        fixture.sigma2,
        {
          logWeights: true,
        },
      );
      const ex = w.logWeights!.exact;
      const spread = Math.max(...ex) - Math.min(...ex);
      return w.closures.find((c) => c.name === 'cumulant-2')!.rmsLogWeight / spread;
    };
    const r1 = rel(0.4),
      r2 = rel(0.2);
    expect(r1).toBeGreaterThan(1e-6);
    expect(r1 / r2).toBeGreaterThan(100);
    expect(r1 / r2).toBeLessThan(400);
  });

  it('draws subsets deterministically by key, and refuses bad input', () => {
    const many = Array.from({ length: 40 }, (_, i) => Array.from(normal(key(100 + i), 2 * P), (x) => 0.45 * x));
    const f = features(many, P);
    const a = modularCavityLaw(env, f, fixture.sigma2, { environments: 10, neurons: 25, key: key(3) });
    const b = modularCavityLaw(env, f, fixture.sigma2, { environments: 10, neurons: 25, key: key(3) });
    expect(a).toEqual(b);
    expect(a.environmentStates).toBe(10);
    expect(a.neurons).toBe(25);
    expect(() => modularCavityLaw(env, f, fixture.sigma2, { neurons: 25 })).toThrow(/needs a key/);
    expect(() => modularCavityLaw(env, f, 0)).toThrow(InvalidArgumentError);
    expect(() => modularCavityLaw(new ModularKernelMoments(P, Ne, 0.01), f, fixture.sigma2)).toThrow(
      /at least 2 environment states/,
    );
    expect(() => modularCavityLaw(env, { re: new Float64Array(3), im: new Float64Array(3), count: 1 }, 0.1)).toThrow(/P²/);
  });
});
