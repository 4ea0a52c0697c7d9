import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compositeGaussLegendre, gaussHermite, gaussLegendre } from './index';

const ref = JSON.parse(readFileSync(new URL('../test/fixtures/gauss-hermite.json', import.meta.url), 'utf8')) as {
  rules: Record<string, { nodes: number[]; weights: number[] }>;
};

/** E[z^{2j}] = (2j−1)!! under N(0,1). */
function evenMoment(j: number): number {
  let m = 1;
  for (let i = 1; i <= j; i++) m *= 2 * i - 1;
  return m;
}

describe('gaussHermite', () => {
  it('is exact on monomials up to degree 2n−1 (n = 1..12)', () => {
    for (let n = 1; n <= 12; n++) {
      const { nodes, weights } = gaussHermite(n);
      for (let p = 0; p <= 2 * n - 1; p++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += weights[i]! * nodes[i]! ** p;
        const exact = p % 2 ? 0 : evenMoment(p / 2);
        expect(Math.abs(s - exact)).toBeLessThanOrEqual(2e-15 * p * evenMoment(Math.ceil(p / 2)) + 1e-15);
      }
      // degree 2n is NOT integrated exactly (shows the bound is sharp)
      let s2n = 0;
      for (let i = 0; i < n; i++) s2n += weights[i]! * nodes[i]! ** (2 * n);
      expect(Math.abs(s2n - evenMoment(n))).toBeGreaterThan(0.1);
    }
  });
  it('weights sum to 1 and the rule is exactly symmetric', () => {
    for (const n of [7, 64, 200]) {
      const { nodes, weights } = gaussHermite(n);
      expect(Math.abs(weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-14);
      for (let i = 0; i < n; i++) {
        expect(nodes[i] === -nodes[n - 1 - i]!).toBe(true);
        if (i > 0) expect(nodes[i]!).toBeGreaterThan(nodes[i - 1]!);
      }
    }
  });
  it('matches a 50-digit reference to 1e-14 (nodes) and 2e-13 relative (all weights, tails ≈1e-170 included) up to order 200', () => {
    for (const [ns, r] of Object.entries(ref.rules)) {
      const n = Number(ns);
      const { nodes, weights } = gaussHermite(n);
      let maxNode = 0,
        maxW = 0;
      for (let i = 0; i < n; i++) {
        maxNode = Math.max(maxNode, Math.abs(nodes[i]! - r.nodes[i]!) / Math.max(1, Math.abs(r.nodes[i]!)));
        maxW = Math.max(maxW, Math.abs(weights[i]! / r.weights[i]! - 1));
      }
      expect(maxNode).toBeLessThan(1e-14);
      expect(maxW).toBeLessThan(2e-13);
    }
  });
  it('order 200 integrates E[cos z] = e^{−1/2} and E[z^100] = 99!! to ~1e-14 relative', () => {
    const { nodes, weights } = gaussHermite(200);
    let c = 0,
      m = 0;
    for (let i = 0; i < 200; i++) {
      c += weights[i]! * Math.cos(nodes[i]!);
      m += weights[i]! * nodes[i]! ** 100;
    }
    expect(Math.abs(c - Math.exp(-0.5))).toBeLessThan(1e-15);
    expect(Math.abs(m / evenMoment(50) - 1)).toBeLessThan(1e-12);
  });
});

describe('gaussLegendre', () => {
  it('is exact on polynomials up to degree 2n−1 and maps intervals', () => {
    for (let n = 1; n <= 30; n += 7) {
      const { nodes, weights } = gaussLegendre(n, [0, 2]);
      for (let p = 0; p <= 2 * n - 1; p++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += weights[i]! * nodes[i]! ** p;
        expect(Math.abs(s - 2 ** (p + 1) / (p + 1))).toBeLessThan(1e-13 * 2 ** (p + 1));
      }
    }
  });
  it('composite rule split at a kink is exact on |x|', () => {
    const r = compositeGaussLegendre([-1, 3], { breakpoints: [0], panelOrder: 2 });
    let s = 0;
    for (let i = 0; i < r.nodes.length; i++) s += r.weights[i]! * Math.abs(r.nodes[i]!);
    expect(s).toBeCloseTo(5, 14);
  });
});
