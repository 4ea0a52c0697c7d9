import { describe, expect, it } from 'vitest';
import { crossover, evaluateEnergy } from './crossover';
import { exponentBreakpoints } from './engine';
import { Fraction, frac } from './fraction';
import { attentionHeadModel, cnnStated, modelCandidates, threeLayerFcn, twoLayerFcn, twoLayerLinear } from './models';
import { predict } from './predict';

const he = (k: number) => ({ degree: k });
const byName = (p: ReturnType<typeof predict>, m: string) => p.candidates.find((c) => c.mechanism === m)!;

describe('two-layer erf FCN (docs/theory/curse-of-detail.md §7)', () => {
  it('GP: E = d^k for He_k', () => {
    for (const k of [1, 3, 5]) {
      const p = predict(twoLayerFcn, { target: he(k), scaling: { N: 2 * k + 2 }, sweepMax: 0 });
      expect(byName(p, 'GP').exponent.toString()).toBe(String(k));
      expect(byName(p, 'GP').formula).toBe(k === 1 ? 'd' : `d^${k}`);
    }
  });
  it('He3 specialisation: E = 2√(N·d), M* = √(N/d), for every width between d and d⁵', () => {
    for (const nu of ['1', '3/2', '2', '3', '9/2']) {
      const p = predict(twoLayerFcn, { target: he(3), scaling: { N: nu }, sweepMax: 0 });
      const n = frac(nu);
      expect(p.mechanism).toBe('Spec');
      expect(p.pStarExponent.eq(n.add(Fraction.ONE).div(frac(2)))).toBe(true);
      expect(p.formula).toBe('2*sqrt(N*d)');
      expect(p.winner.leadingCoefficient).toBeCloseTo(2, 9);
      expect(p.winner.variables.M!.exponent.eq(n.sub(Fraction.ONE).div(frac(2)))).toBe(true);
      expect(p.winner.variables.M!.formula).toBe('sqrt(N/d)');
    }
  });
  it('proportional width gives P* ∝ d', () => {
    expect(predict(twoLayerFcn, { target: he(3), scaling: { N: 1 }, sweepMax: 0 }).pStarExponent.toString()).toBe('1');
  });
  it('GFL alternative: D* = (3d³/N)^{1/4}, E = (4/3)·3^{1/4}·(N d)^{3/4}, never the winner against Spec above N = d^{1/3}', () => {
    const p = predict(twoLayerFcn, { target: he(3), scaling: { N: 1 }, sweepMax: 0 });
    const g = byName(p, 'GFL');
    expect(g.exponent.toString()).toBe('3/2');
    expect(g.formula).toBe('1.755*(N*d)^(3/4)');
    expect(g.leadingCoefficient).toBeCloseTo((4 / 3) * Math.pow(3, 0.25), 7);
    expect(g.variables.D!.prefactor).toBeCloseTo(Math.pow(3, 0.25), 6);
    expect(g.variables.D!.formula).toBe('1.316*(d^3/N)^(1/4)');
  });
  it('width onset: FL beats GP iff N < d^{2k−1} (He3: d⁵, He5: d⁹); above it the net stays lazy at d^k', () => {
    for (const k of [3, 5]) {
      const p = predict(twoLayerFcn, { target: he(k), scaling: { N: 1 } });
      const b = p.phaseBoundaries.find((x) => x.to === 'GP')!;
      expect(b.from).toBe('Spec');
      expect(b.at.toString()).toBe(String(2 * k - 1));
      expect(b.condition).toBe(`N = d^${2 * k - 1}`);
      const above = predict(twoLayerFcn, { target: he(k), scaling: { N: 2 * k }, sweepMax: 0 });
      expect(above.mechanism).toBe('GP');
      expect(above.pStarExponent.toString()).toBe(String(k));
      // exactly at the threshold both exponents tie; the O(1) prefactor (1 vs 2) keeps GP
      const at = predict(twoLayerFcn, { target: he(k), scaling: { N: 2 * k - 1 }, sweepMax: 0 });
      expect(at.pStarExponent.toString()).toBe(String(k));
      expect(at.mechanism).toBe('GP');
    }
  });
  it('widths too small to specialise: M clamps to 1 (E ≈ d) for d^{1/3} ≤ N ≤ d, and GFL wins below d^{1/3}', () => {
    const mid = predict(twoLayerFcn, { target: he(3), scaling: { N: '1/2' }, sweepMax: 0 });
    expect(mid.mechanism).toBe('Spec');
    expect(mid.pStarExponent.toString()).toBe('1');
    expect(mid.winner.variables.M!.exponent.toString()).toBe('0');
    expect(mid.winner.variables.M!.at).toBe('lower');
    expect(mid.formula).toBe('d + N');
    const small = predict(twoLayerFcn, { target: he(3), scaling: { N: '1/5' }, sweepMax: 0 });
    expect(small.mechanism).toBe('GFL');
    expect(small.pStarExponent.toString()).toBe('9/10'); // 3(ν+1)/4
    const p = predict(twoLayerFcn, { target: he(3), scaling: { N: 1 } });
    expect(p.phaseBoundaries.map((b) => `${b.from}>${b.to}@${b.at}`)).toEqual(['GFL>Spec@1/3', 'Spec>GP@5']);
  });
  it('numeric crossover with O(1) prefactors: 2√(N d) = d³ at N = d⁵/4', () => {
    const [gp, spec] = modelCandidates(twoLayerFcn, he(3));
    for (const d of [8, 20]) {
      const n = crossover(spec!, gp!, { symbol: 'N', values: { d }, range: [d, Math.pow(d, 7)] });
      expect(n / (Math.pow(d, 5) / 4)).toBeCloseTo(1, 5);
    }
    const e = evaluateEnergy(spec!, { d: 100, N: 400 });
    expect(e.energy).toBeCloseTo(400, 6);
    expect(e.variables.M).toBeCloseTo(2, 4);
    expect(evaluateEnergy(spec!, { d: 100, N: 10 }).variables.M).toBeCloseTo(1, 9); // clamped at M = 1
  });
  it('even targets are rejected for erf (zero Hermite coefficient)', () => {
    expect(() => predict(twoLayerFcn, { target: he(2), scaling: { N: 1 } })).toThrow(/odd/);
  });
  it('γ = 2 (mean-field readout, out of validated scope): E_GP = N d³, E_Spec = 2N√d with M* = N/√d', () => {
    const p = predict({ ...twoLayerFcn, gamma: 2 }, { target: he(3), scaling: { N: 1 }, sweepMax: 0 });
    expect(byName(p, 'GP').formula).toBe('N*d^3');
    expect(byName(p, 'Spec').formula).toBe('2*sqrt(N^2*d)'); // = 2N√d
    expect(byName(p, 'Spec').exponent.toString()).toBe('3/2');
    expect(byName(p, 'Spec').variables.M!.symbolic.N!.toString()).toBe('1');
    expect(byName(p, 'Spec').variables.M!.symbolic.d!.toString()).toBe('-1/2');
  });
});

describe('two-layer linear network', () => {
  it('GP = d; FL (√(N d)) helps only for N < d', () => {
    for (const [nu, e, mech] of [
      ['0', '1/2', 'GFL'],
      ['1/2', '3/4', 'GFL'],
      ['1', '1', 'GP'],
      ['3', '1', 'GP'],
    ] as const) {
      const p = predict(twoLayerLinear, { target: he(1), scaling: { N: nu }, sweepMax: 0 });
      expect(p.pStarExponent.toString()).toBe(e);
      expect(p.mechanism).toBe(mech);
    }
    expect(byName(predict(twoLayerLinear, { target: he(1), scaling: { N: 3 }, sweepMax: 0 }), 'Spec').formula).toBe(
      '2*sqrt(N*d)',
    );
    expect(() => predict(twoLayerLinear, { target: he(3), scaling: { N: 1 } })).toThrow(/linear/);
  });
});

describe('three-layer erf FCN (Table 1)', () => {
  it('GP-GP = d³; GP-Spec = 2√(N2 d) with M2 = √(N2/d), independent of N1', () => {
    for (const n1 of [1, 2, 4]) {
      const p = predict(threeLayerFcn, { target: he(3), scaling: { N1: n1, N2: 2 }, sweepMax: 0 });
      expect(byName(p, 'GP-GP').exponent.toString()).toBe('3');
      const g = byName(p, 'GP-Spec');
      expect(g.exponent.toString()).toBe('3/2');
      expect(g.formula).toBe('2*sqrt(N2*d)');
      expect(g.variables.M2!.formula).toBe('sqrt(N2/d)');
    }
  });
  it('Spec-Mag = 3(N1 N2 d)^{1/3} with M1 = (N1N2/d²)^{1/3}, β = (N2²/(N1 d))^{1/3}', () => {
    const p = predict(threeLayerFcn, { target: he(3), scaling: { N1: 1, N2: 3 }, sweepMax: 0 });
    const s = byName(p, 'Spec-Mag');
    expect(p.mechanism).toBe('Spec-Mag');
    expect(s.exponent.toString()).toBe('5/3');
    expect(s.formula).toBe('3*(N1*N2*d)^(1/3)');
    expect(s.leadingCoefficient).toBeCloseTo(3, 7);
    expect(s.variables.M1!.formula).toBe('(N1*N2/d^2)^(1/3)');
    expect(s.variables.M1!.exponent.toString()).toBe('2/3');
    expect(s.variables.beta2!.formula).toBe('(N2^2/(N1*d))^(1/3)');
    expect(s.variables.beta2!.exponent.toString()).toBe('4/3');
  });
  it('boundary N1 = √(N2 d): Spec-Mag below, GP-Spec above', () => {
    const p = predict(threeLayerFcn, { target: he(3), scaling: { N1: 1, N2: 3 } });
    const b = p.phaseBoundaries.find((x) => x.symbol === 'N1')!;
    expect(b.at.toString()).toBe('2');
    expect([b.from, b.to]).toEqual(['Spec-Mag', 'GP-Spec']);
    expect(b.condition).toBe('N1 = sqrt(N2*d)');
    expect(predict(threeLayerFcn, { target: he(3), scaling: { N1: '5/2', N2: 3 }, sweepMax: 0 }).mechanism).toBe('GP-Spec');
  });
  it('GP-GP wins only when N2 > d⁵ and N1·N2 > d⁸ (unclamped region)', () => {
    const at = (n1: string, n2: string) => predict(threeLayerFcn, { target: he(3), scaling: { N1: n1, N2: n2 }, sweepMax: 0 });
    expect(at('3', '11/2').mechanism).toBe('GP-GP'); // N1N2 = d^8.5
    const sm = at('2', '11/2'); // N1N2 = d^7.5 < d^8, M1 = d^{11/6} ≤ N1
    expect(sm.mechanism).toBe('Spec-Mag');
    expect(sm.pStarExponent.toString()).toBe('17/6');
    expect(at('4', '9/2').mechanism).toBe('GP-Spec'); // N2 < d^5
  });
  it('sweeping N2 at N1 = d^{5/2}: GP-Spec → Spec-Mag at N2 = N1²/d, Spec-Mag → GP-GP at N1·N2 = d⁸', () => {
    const p = predict(threeLayerFcn, { target: he(3), scaling: { N1: '5/2', N2: 1 } });
    const b = p.phaseBoundaries.filter((x) => x.symbol === 'N2').map((x) => [x.from, x.to, x.at.toString(), x.condition]);
    expect(b).toEqual([
      ['GP-Spec', 'Spec-Mag', '4', 'N2 = N1^2/d'],
      ['Spec-Mag', 'GP-GP', '11/2', 'N2 = d^8/N1'],
    ]);
  });
  it('every pattern pair (allPatterns): the literal rules also give Spec-GP = 2√(N1 d), not in Table 1', () => {
    const p = predict(threeLayerFcn, { target: he(3), scaling: { N1: 1, N2: 3 }, allPatterns: true, sweepMax: 0 });
    expect(p.candidates).toHaveLength(16);
    expect(p.mechanism).toBe('Spec-GP');
    expect(p.formula).toBe('2*sqrt(N1*d)');
    expect(p.winner.inPaperTable).toBe(false);
    const def = predict(threeLayerFcn, { target: he(3), scaling: { N1: 1, N2: 3 }, reportOthers: true, sweepMax: 0 });
    expect(def.mechanism).toBe('Spec-Mag');
    expect(def.otherCandidates.map((c) => c.mechanism)).toContain('Spec-GP');
  });
  it('proportional regime: both FL patterns give P* ∝ d', () => {
    const p = predict(threeLayerFcn, { target: he(3), scaling: { N1: 1, N2: 1 }, sweepMax: 0 });
    expect(p.pStarExponent.toString()).toBe('1');
    expect(byName(p, 'GP-Spec').exponent.toString()).toBe('1');
    expect(byName(p, 'Spec-Mag').exponent.toString()).toBe('1');
  });
  it('M1 cannot exceed N1: Spec-Mag saturates at M1 = N1 for N2 > d²·N1²', () => {
    const p = predict(threeLayerFcn, { target: he(3), scaling: { N1: 1, N2: '11/2' }, sweepMax: 0 });
    const s = byName(p, 'Spec-Mag');
    expect(s.variables.M1!.at).toBe('upper');
    expect(s.exponent.toString()).toBe('11/4'); // max(ν1 + 1, ν2/2)
    expect(p.mechanism).toBe('Spec-Mag');
  });
});

describe('stated models', () => {
  it('attention: P* ∝ √(L·d³)', () => {
    for (const ell of ['0', '1', '2', '1/2']) {
      const p = predict(attentionHeadModel, { target: he(3), scaling: { L: ell }, sweepMax: 0 });
      expect(p.pStarExponent.eq(frac(ell).add(frac(3)).div(frac(2)))).toBe(true);
      expect(p.mechanism).toBe('stated');
      expect(p.formula).toBe('sqrt(L*d^3)');
    }
  });
  it('CNN: P* ∝ d^{3/4} (stated only)', () => {
    const p = predict(cnnStated, { target: he(3), scaling: {}, sweepMax: 0 });
    expect(p.pStarExponent.toString()).toBe('3/4');
    expect(p.winner.source).toBe('stated');
  });
});

describe('exact breakpoints', () => {
  it('the Spec exponent max(1, (ν+1)/2) has its kink at ν = 1', () => {
    const [, spec] = modelCandidates(twoLayerFcn, he(3));
    const xs = exponentBreakpoints(spec!, {}, 'N', frac(0), frac(6)).map(String);
    expect(xs).toContain('1');
    expect(xs[0]).toBe('0');
    expect(xs[xs.length - 1]).toBe('6');
  });
});
