import { InvalidArgumentError } from '@sftdl/compute';
import { bivariateGaussianExpectation } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { customActivation } from './dual-mehler';
import { hermiteActivation, polynomialActivation } from './dual-polynomial';
import { ACTIVATION_NAMES, DUAL_ACTIVATION_NAMES, getActivation } from './dual-registry';

/** Covariance triples (k11, k12, k22): orthogonal, coincident, negative, unequal variances, near-collinear. */
const COVS: [number, number, number][] = [
  [1, 0, 1],
  [1, 1, 1],
  [0.7, 0.3, 1.4],
  [2, -1.2, 1.1],
  [0.5, 0.4999, 0.5],
  [1.3, -1.2999, 1.3],
  [0.2, 0.05, 3],
];

/**
 * Independent oracle: field's 2-D quadrature — kink-aware composite Gauss–Legendre ('split') for kinked or
 * non-polynomial φ, tensor Gauss–Hermite of order 64 for entire φ (exact for the polynomials).
 */
function oracle(phi: (z: number) => number, k11: number, k12: number, k22: number, smooth = false): number {
  const s12 = Math.sqrt(k11 * k22);
  const c = Math.max(-s12, Math.min(s12, k12));
  return bivariateGaussianExpectation(phi, phi, {
    s11: k11,
    s12: c,
    s22: k22,
    kinks: [0],
    method: smooth ? 'gauss-hermite' : 'split',
    order: 64,
  });
}

function close(a: number, b: number, rel: number, abs = 1e-14): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.abs(b) + abs);
}

describe('dual activations: closed forms against quadrature', () => {
  const kinked = ['relu', 'step', 'relu2', 'abs', 'erf']; // (erf: Gauss–Hermite converges slowly, use the split rule)
  const names = [
    'linear',
    'erf',
    'relu',
    'step',
    'relu2',
    'abs',
    'square',
    'cube',
    'sin',
    'cos',
    'he0',
    'he1',
    'he2',
    'he3',
    'he5',
  ];
  for (const name of names) {
    it(`${name}: F and Ḟ match 2-D quadrature to 1e-12`, () => {
      const act = getActivation(name);
      const smooth = !kinked.includes(name);
      for (const [a, b, c] of COVS) {
        const r = act.dual(a, b, c);
        close(r.f, oracle(act.phi, a, b, c, smooth), 1e-12);
        close(r.fdot, oracle(act.dphi, a, b, c, smooth), 1e-12);
      }
    });
  }

  it('exact values at ρ = ±1 and at zero variance', () => {
    // u = −v: ReLU(u)ReLU(−u) = 0, Θ(u)Θ(−u) = 0, sign(u)sign(−u) = −1.
    expect(getActivation('relu').dual(1.3, -1.3, 1.3)).toEqual({ f: 0, fdot: 0 });
    expect(getActivation('step').dual(1.3, -1.3, 1.3).f).toBe(0);
    close(getActivation('abs').dual(1.3, -1.3, 1.3).fdot, -1, 1e-15);
    close(getActivation('abs').dual(1.3, -1.3, 1.3).f, 1.3, 1e-15);
    close(getActivation('relu').dual(2, 2, 2).f, 1, 1e-15); // E[ReLU(u)²] = k/2
    close(getActivation('relu2').dual(2, 2, 2).f, 6, 1e-14); // E[u⁴]/2 = 3k²/2
    expect(getActivation('relu').dual(0, 0, 1)).toEqual({ f: 0, fdot: 0 });
    close(getActivation('cos').dual(0, 0, 2).f, Math.exp(-1), 1e-15); // cos(0)·E[cos v]
  });

  it('polynomial activation matches the Isserlis closed forms of z² and z³', () => {
    const p2 = polynomialActivation([0, 0, 1]);
    const p3 = polynomialActivation([0, 0, 0, 1]);
    const q = polynomialActivation([0.3, -1, 0.5, 0.2]);
    for (const [a, b, c] of COVS) {
      close(p2.dual(a, b, c).f, a * c + 2 * b * b, 1e-14);
      close(p3.dual(a, b, c).f, 9 * a * c * b + 6 * b ** 3, 1e-14);
      close(p3.dual(a, b, c).fdot, 9 * (a * c + 2 * b * b), 1e-14);
      close(q.dual(a, b, c).f, oracle(q.phi, a, b, c), 1e-12);
      close(q.dual(a, b, c).fdot, oracle(q.dphi, a, b, c), 1e-12);
    }
  });

  it('Hermite polynomials at unit variance give n!·ρⁿ (Mehler)', () => {
    for (const n of [1, 2, 3, 4, 6]) {
      const h = hermiteActivation(n);
      let fact = 1;
      for (let i = 2; i <= n; i++) fact *= i;
      for (const rho of [-0.9, -0.2, 0, 0.4, 1]) {
        close(h.dual(1, rho, 1).f, fact * rho ** n, 1e-13);
        close(h.dual(1, rho, 1).fdot, n * n * (fact / n) * rho ** (n - 1), 1e-13);
      }
    }
  });
});

describe('dual activations: Mehler series for smooth φ', () => {
  for (const name of ['tanh', 'softplus', 'gelu', 'swish', 'sigmoid']) {
    it(`${name}: F and Ḟ match 2-D quadrature to 1e-12`, () => {
      const act = getActivation(name);
      for (const [a, b, c] of COVS.slice(name === 'tanh' ? 0 : 2, name === 'tanh' ? 7 : 5)) {
        const r = act.dual(a, b, c);
        close(r.f, oracle(act.phi, a, b, c), 1e-12);
        close(r.fdot, oracle(act.dphi, a, b, c), 1e-12);
      }
    });
  }

  it('custom activations (no derivative given) agree with the built-in tanh', () => {
    const mine = customActivation(Math.tanh, { name: 'mytanh' });
    const ref = getActivation('tanh');
    for (const [a, b, c] of COVS) {
      close(mine.dual(a, b, c).f, ref.dual(a, b, c).f, 1e-13);
      close(mine.dual(a, b, c).fdot, ref.dual(a, b, c).fdot, 1e-9);
    }
  });

  it('prepared pair evaluation equals the scalar dual, including large variances near ρ = 1', () => {
    const act = getActivation('tanh');
    const v1 = Float64Array.of(0.3, 2, 9);
    const v2 = Float64Array.of(1.1, 9, 16);
    const ld = act.prepare(v1, v2);
    const out = new Float64Array(2);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        for (const rho of [-0.99, 0.1, 0.999]) {
          const k12 = rho * Math.sqrt(v1[i]! * v2[j]!);
          ld.pair(i, j, k12, out);
          const r = act.dual(v1[i]!, k12, v2[j]!);
          close(out[0]!, r.f, 1e-13);
          close(out[1]!, r.fdot, 1e-13);
        }
      }
    // Diagonal (ρ = 1) against the 1-D mean square.
    const d = act.diag(Float64Array.of(9));
    ld.pair(2, 1, 9, out);
    close(out[0]!, d.f[0]!, 1e-12);
  });
});

describe('dual activations: validation', () => {
  it('unknown names throw InvalidArgumentError listing the known ones', () => {
    expect(() => getActivation('swishy')).toThrow(InvalidArgumentError);
    expect(() => getActivation('swishy')).toThrow(/relu.*erf|erf.*relu/);
    expect(DUAL_ACTIVATION_NAMES).toContain('tanh');
    expect(ACTIVATION_NAMES).toBe(DUAL_ACTIVATION_NAMES);
  });
  it("Hermite activations evaluate φ = He_n, φ′ = n·He_{n−1} (field's recurrence), φ′ ≡ 0 for He_0, and overflow is a typed error", () => {
    const he3 = hermiteActivation(3);
    expect(he3.phi(2)).toBe(2 ** 3 - 3 * 2);
    expect(he3.dphi(2)).toBe(3 * (2 ** 2 - 1));
    expect(hermiteActivation(0).dphi(5)).toBe(0);
    expect(() => hermiteActivation(20).phi(1e300)).toThrow(InvalidArgumentError);
  });

  it('negative variances throw', () => {
    expect(() => getActivation('relu').dual(-1, 0, 1)).toThrow(InvalidArgumentError);
    expect(() => getActivation('tanh').dual(1, 0, Number.NaN)).toThrow(InvalidArgumentError);
  });

  it('correlations are clamped to [−1, 1]', () => {
    const r = getActivation('relu');
    expect(r.dual(1, 1 + 1e-12, 1).f).toBe(r.dual(1, 1, 1).f);
    expect(Number.isFinite(getActivation('erf').dual(1, -1.0000001, 1).fdot)).toBe(true);
  });
});
