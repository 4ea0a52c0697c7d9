import { describe, expect, it } from 'vitest';
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { anderson, brent, continuation, continuationBothWays, minimize1d, multistart, newton } from './index';

describe('brent', () => {
  it('finds √2 and cos x = x to machine precision', () => {
    const r = brent((x) => x * x - 2, 0, 2);
    expect(Math.abs(r.root - Math.SQRT2)).toBeLessThan(1e-15);
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.residual).toBeLessThan(1e-15);
    expect(Math.abs(brent((x) => Math.cos(x) - x, 0, 1).root - 0.7390851332151607)).toBeLessThan(1e-15);
  });
  it('throws on a bracket without sign change, ConvergenceError with iterations/residual when capped', () => {
    expect(() => brent((x) => x * x + 1, -1, 1)).toThrow(InvalidArgumentError);
    try {
      brent((x) => x ** 3 - 0.1, 0, 10, { maxIterations: 3 });
      expect.unreachable();
    } catch (e) {
      expect(ConvergenceError.isInstance(e)).toBe(true);
      expect((e as ConvergenceError).iterations).toBe(3);
      expect((e as ConvergenceError).residual).toBeGreaterThan(0);
    }
  });
});

describe('minimize1d', () => {
  it('finds the minimum of a smooth function to ~1e-8 and exactly at an end point of a monotone one', () => {
    const r = minimize1d((x) => (x - 1.234) ** 2 + 3, 0, 5);
    expect(Math.abs(r.x - 1.234)).toBeLessThan(1e-7);
    expect(r.value).toBeCloseTo(3, 14);
    // −x e^{−x} has its minimum at x = 1
    expect(minimize1d((x) => -x * Math.exp(-x), 0, 4).x).toBeCloseTo(1, 7);
    expect(minimize1d((x) => x, 2, 3).x).toBeLessThan(2 + 1e-8);
  });
});

describe('newton', () => {
  it('solves a 2-D system with finite-difference and analytic Jacobians', () => {
    const F = (x: Float64Array) => [x[0]! ** 2 + x[1]! ** 2 - 4, x[0]! - x[1]!];
    const fd = newton(F, [1, 0.5]);
    expect(fd.x[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(fd.x[1]).toBeCloseTo(Math.SQRT2, 12);
    expect(fd.residual).toBeLessThan(1e-12);
    const an = newton(F, [1, 0.5], { jacobian: (x) => [2 * x[0]!, 2 * x[1]!, 1, -1] });
    expect(an.x[0]).toBeCloseTo(Math.SQRT2, 14);
  });
  it('line search rescues a far start (atan), and failure throws ConvergenceError', () => {
    const r = newton((x) => [Math.atan(x[0]!)], [10]);
    expect(Math.abs(r.x[0]!)).toBeLessThan(1e-12);
    expect(() => newton((x) => [Math.atan(x[0]!)], [10], { lineSearch: false, maxIterations: 20 })).toThrow(ConvergenceError);
    expect(() => newton((x) => [x[0]! * x[0]! + 1], [3], { maxIterations: 30 })).toThrow(ConvergenceError);
  });
});

describe('anderson', () => {
  it('accelerates a slow linear fixed point (spectral radius 0.99) and solves cos x = x', () => {
    // x = A x + b with A = diag(0.99, 0.5): plain iteration needs ~2700 steps for 1e-12.
    const G = (x: Float64Array) => [0.99 * x[0]! + 0.01, 0.5 * x[1]! + 1];
    const r = anderson(G, [0, 0], { m: 3 });
    expect(r.x[0]).toBeCloseTo(1, 11);
    expect(r.x[1]).toBeCloseTo(2, 11);
    expect(r.iterations).toBeLessThan(20);
    expect(anderson((x) => [Math.cos(x[0]!)], [1]).x[0]).toBeCloseTo(0.7390851332151607, 12);
    expect(() => anderson(G, [0, 0], { m: 0, maxIterations: 50 })).toThrow(ConvergenceError);
  });
});

describe('multistart and continuation', () => {
  it('multistart collects the distinct roots and records failures', () => {
    const f = (x: number) => (x - 1) * (x + 2) * (x - 3);
    const res = multistart((x0: number) => newton((x) => [f(x[0]!)], [x0], { maxIterations: 50 }), [-5, 0, 0.9, 2.6, 10], {
      same: (a, b) => Math.abs(a.x[0]! - b.x[0]!) < 1e-8,
    });
    const roots = res.results.map((r) => r.x[0]!).sort((a, b) => a - b);
    expect(roots.length).toBe(3);
    expect(roots[0]).toBeCloseTo(-2, 10);
    expect(roots[1]).toBeCloseTo(1, 10);
    expect(roots[2]).toBeCloseTo(3, 10);
    expect(() => multistart((x0: number) => brent((x) => x * x + 1, x0, x0 + 1), [0, 1])).toThrow(ConvergenceError);
  });
  it('continuation follows a branch with warm starts and bisects failed steps', () => {
    // x³ + x = a: follow from a = 0 to a = 10 with a Newton solve that only works from nearby starts.
    const calls: number[] = [];
    const solveAt = (a: number, x0: number | undefined) => {
      calls.push(a);
      return newton((x) => [x[0]! ** 3 + x[0]! - a], [x0 ?? 0], { maxIterations: 4, lineSearch: false }).x[0]!;
    };
    const path = continuation([0, 2, 10], solveAt, 0);
    expect(path.map((p) => p.param)).toEqual([0, 2, 10]);
    expect(path[2]!.solution ** 3 + path[2]!.solution).toBeCloseTo(10, 10);
    expect(calls.length).toBeGreaterThan(3); // some steps were bisected
  });
  it('continuation stops with ConvergenceError where a branch ends (spinodal of x − s x² + x³/3 at s = 1)', () => {
    // x₊(s) solves 1 − 2 s x + x² = 0; following it down in s, it ceases to exist below s = 1.
    const solveAt = (s: number, x0: number | undefined) =>
      newton((x) => [1 - 2 * s * x[0]! + x[0]! ** 2], [x0 ?? 2], { maxIterations: 30 }).x[0]!;
    const ok = continuation([2, 1.5, 1.1], solveAt);
    expect(ok[2]!.solution).toBeCloseTo(1.1 + Math.sqrt(1.21 - 1), 10);
    try {
      continuation([1.5, 1.2, 0.9], solveAt);
      expect.unreachable();
    } catch (e) {
      expect(ConvergenceError.isInstance(e)).toBe(true);
      expect((e as Error).message).toMatch(/stuck between 1\.0/);
    }
  });
  it('continuationBothWays finds the hysteresis loop of x = tanh(2x + h)', () => {
    // The two magnetised branches of x = tanh(2x + h) coexist for |h| < h_s = √2 − artanh(√(1/2)) ≈ 0.533 (where
    // 2·sech²(2x + h) = 1), so inside (−h_s, h_s) a forward sweep in h stays on x < 0 and a backward one on x > 0.
    const solve = (h: number, g: number | null) => {
      let x = g ?? Math.sign(h);
      for (let i = 0; i < 2000; i++) x = Math.tanh(2 * x + h);
      return x;
    };
    const r = continuationBothWays([-1.5, -1, -0.1, 0.1, 1, 1.5], solve, (a, b) => Math.abs(a - b));
    expect(r.hysteresis).toEqual([{ tStart: -0.1, tEnd: 0.1 }]);
    expect(r.forward[3]!).toBeLessThan(0);
    expect(r.backward[2]!).toBeGreaterThan(0);
    // a run reaching the end of the path is closed there; failed points (null) never count as differing
    const ends = continuationBothWays([-1, -0.1, 0.1], solve, (a, b) => Math.abs(a - b));
    expect(ends.hysteresis).toEqual([{ tStart: -0.1, tEnd: 0.1 }]);
    const none = continuationBothWays(
      [0, 1],
      () => null,
      () => 1,
    );
    expect(none.forward).toEqual([null, null]);
    expect(none.hysteresis).toEqual([]);
  });
});
