import { describe, expect, it } from 'vitest';
import { crossover, evaluateEnergy } from './crossover';
import { alignment } from './empirical';
import { Fraction } from './fraction';
import { formatMonomial, monomial } from './monomial';
import { solveCandidate } from './engine';
import { buildFcnCandidate, modelCandidates, parseTarget, threeLayerFcn, twoLayerFcn } from './models';
import { predict } from './predict';

// The @example blocks of the public TSDoc, executed.
describe('TSDoc examples', () => {
  it('Fraction', () => {
    const nu = Fraction.parse('5/2');
    expect(nu.add(Fraction.ONE).div(Fraction.from(2)).toString()).toBe('7/4');
  });
  it('monomial / formatMonomial', () => {
    const readout = monomial(1, { N: 1, M: -1 });
    expect(formatMonomial(readout)).toBe('N/M');
    expect(formatMonomial(monomial(2, { N: '1/2', d: '1/2' }))).toBe('2*sqrt(N*d)');
  });
  it('predict', () => {
    const p = predict(twoLayerFcn, { target: { degree: 3 }, scaling: { N: 1 }, sweepMax: 0 });
    expect(p.pStarExponent.toString()).toBe('1');
    expect(p.mechanism).toBe('Spec');
  });
  it('evaluateEnergy / crossover', () => {
    const [gp, spec] = modelCandidates(twoLayerFcn, parseTarget('he3'));
    expect(evaluateEnergy(spec!, { d: 100, N: 400 }).energy).toBeCloseTo(400, 6);
    expect(crossover(spec!, gp!, { symbol: 'N', values: { d: 10 }, range: [10, 1e8] })).toBeCloseTo(25000, 0);
  });
  it('buildFcnCandidate / solveCandidate', () => {
    const c = buildFcnCandidate(threeLayerFcn, ['Spec', 'Mag'], { degree: 3 });
    expect(c.terms.map((t) => formatMonomial(t.monomial))).toEqual(['M1*d', 'N1*beta2/M1', 'N2/beta2']);
    const s = solveCandidate(buildFcnCandidate(twoLayerFcn, ['Spec'], { degree: 3 }), { N: 2 });
    expect(s.exponent.toString()).toBe('3/2');
    expect(s.variables.M!.formula).toBe('sqrt(N/d)');
  });
  it('alignment', () => {
    expect(alignment(new Float64Array([1, 2]), new Float64Array([2, 4]))).toBe(0.5);
  });
});
