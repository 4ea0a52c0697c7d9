import { readFileSync } from 'node:fs';
import { key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { modularInvariant } from './modular';
import { modularPairMoments, solveModularFiniteP } from './modular-finite';
import { type ModularFiniteNCorrection, modularFiniteNAction, solveModularFiniteN } from './modular-finite-n';

// Independent reference: PyTorch HMC of the same single-neuron actions on the full P×P table with fft2, autograd and a
// per-mode kernel (test/fixtures/grokking/modular_finite_n.py).
const ref = JSON.parse(readFileSync(new URL('../../test/fixtures/grokking/modular_finite_n.json', import.meta.url), 'utf8')) as {
  cases: {
    prime: number;
    width: number;
    sigmaA2: number;
    gamma: number;
    sigma2: number;
    correction: ModularFiniteNCorrection;
    a: number;
    aStdError: number;
  }[];
};

const P7 = { prime: 7, width: 16, sigmaA2: 0.00022667312710651457, gamma: 30 };
const kernel = { dc: 0.05, edge: 0.004, target: 0.002, generic: 0.0012 };

/** X = (σ_a²/N)Σ_κ|φ̃_κ|²/(Q_κ + σ²) by the direct P²-mode sum (each mode's class assigned explicitly). */
function directX(w: Float64Array, p: typeof P7 & { sigma2: number }): { X: number; pp: number } {
  const P = p.prime;
  let X = 0;
  for (let k = 0; k < P; k++)
    for (let kp = 0; kp < P; kp++) {
      let re = 0,
        im = 0;
      for (let n = 0; n < P; n++)
        for (let m = 0; m < P; m++) {
          const f = (w[n]! + w[P + m]!) ** 2;
          const t = (-2 * Math.PI * (k * n + kp * m)) / P;
          re += f * Math.cos(t);
          im += f * Math.sin(t);
        }
      const f2 = (re * re + im * im) / (P * P);
      const q =
        k === 0 && kp === 0
          ? kernel.dc
          : k === 0 || kp === 0
            ? kernel.edge
            : kp === k || kp === P - k
              ? kernel.target
              : kernel.generic;
      X += f2 / (q + p.sigma2);
    }
  let pp = 0;
  for (let k = 1; k < P; k++) {
    const mod = (o: number) => {
      let re = 0,
        im = 0;
      for (let n = 0; n < P; n++) {
        re += w[o + n]! * Math.cos((2 * Math.PI * k * n) / P);
        im += w[o + n]! * Math.sin((2 * Math.PI * k * n) / P);
      }
      return (re * re + im * im) / (P * P);
    };
    pp += mod(0) * mod(P);
  }
  return { X: (p.sigmaA2 / p.width) * X, pp };
}

describe('finite-N modular theory: single-neuron action', () => {
  const p = { ...P7, sigma2: 0.012 };
  const w = normal(key(3), 14).map((v) => 1.3 * v);
  it('equals the direct P²-mode evaluation of its definition, for every correction', () => {
    const { X, pp } = directX(w, p);
    let prior = 0,
      gam = 0;
    for (const v of w) prior += 0.5 * v * v;
    for (let k = 1; k < 7; k++)
      for (const o of [0, 7]) {
        let re = 0,
          im = 0;
        for (let n = 0; n < 7; n++) {
          re += w[o + n]! * Math.cos((2 * Math.PI * k * n) / 7);
          im += w[o + n]! * Math.sin((2 * Math.PI * k * n) / 7);
        }
        gam += ((7 * p.gamma) / 6) * ((re * re + im * im) / 49) ** 3;
      }
    const a = 0.9;
    const d = -modularInvariant(p) * a * a * 7 * pp;
    const base = prior + gam;
    expect(modularFiniteNAction(p, a, kernel, 'none')(w)).toBeCloseTo(base + d, 9);
    expect(modularFiniteNAction(p, a, kernel, 'log-det')(w)).toBeCloseTo(base + d + 3.5 * X, 9);
    expect(modularFiniteNAction(p, a, kernel, 'cavity')(w)).toBeCloseTo(base + d / (1 + X) + 3.5 * Math.log1p(X), 9);
  });

  it('has the gradient of its value (central differences)', () => {
    for (const c of ['none', 'log-det', 'cavity'] as const) {
      const S = modularFiniteNAction(p, 0.85, kernel, c);
      const g = new Float64Array(14);
      S(w, g);
      for (let i = 0; i < 14; i++) {
        const h = 1e-6;
        const wp = Float64Array.from(w),
          wm = Float64Array.from(w);
        wp[i]! += h;
        wm[i]! -= h;
        expect(g[i]!).toBeCloseTo((S(wp) - S(wm)) / (2 * h), 4);
      }
    }
  });
});

describe('finite-N modular theory: self-consistent solution', () => {
  it('without the correction it reproduces the exact decoupled (finite-P) theory', () => {
    const p = { ...P7, sigma2: 0.012141499229657297 };
    const r = solveModularFiniteN(p, { correction: 'none', key: key(5) });
    const exact = solveModularFiniteP(p).a;
    expect(Math.abs(r.a - exact)).toBeLessThan(Math.max(4 * r.aStdError, 3e-3));
    expect(r.acceptance).toBeGreaterThan(0.8);
  });

  it('agrees with the independent PyTorch reference for every correction (GFL and GMFL-I)', () => {
    for (const c of ref.cases) {
      const r = solveModularFiniteN(c, { correction: c.correction, key: key(11) });
      expect(Math.abs(r.a - c.a)).toBeLessThan(Math.max(4 * Math.hypot(r.aStdError, c.aStdError), 3e-3));
    }
  });

  it('the GP limit σ_a² → 0: |a| = σ²/(σ² + 4σ_a²) and the NNGP kernel classes (γ → 0: the prior is N(0, I))', () => {
    const p = { ...P7, gamma: 1e-6, sigmaA2: 1e-7, sigma2: 0.012 };
    const r = solveModularFiniteN(p, { key: key(2), iterations: 6, average: 3, chains: 256 });
    expect(((1 / r.a - 1) * p.sigma2) / (4 * p.sigmaA2)).toBeCloseTo(1, 1);
    // E|φ̃|² under the prior: generic/target 4, edge 2P + 4, DC 4P² + 4P + 4 (Wick, module priorKernel)
    expect(r.kernel.generic / (4 * p.sigmaA2)).toBeCloseTo(1, 1);
    expect(r.kernel.edge / (18 * p.sigmaA2)).toBeCloseTo(1, 1);
    expect(r.kernel.dc / (228 * p.sigmaA2)).toBeCloseTo(1, 1);
  });

  it('σ_a² → 0 with the sextic regulariser: λ = 4P²σ_a²⟨|w_k|²|v_k|²⟩ at s = 0 (exact quadrature)', () => {
    const p = { ...P7, sigmaA2: 1e-7, sigma2: 0.012 };
    const r = solveModularFiniteN(p, { key: key(2), iterations: 6, average: 3, chains: 256 });
    expect(r.phiPsi / modularPairMoments(0, p.gamma, 7).phiPsi).toBeCloseTo(1, 1);
  });

  it('is deterministic in its key and refuses primes beyond its Monte Carlo range', () => {
    const p = { ...P7, sigma2: 0.014 };
    const o = { iterations: 3, average: 2, sweeps: 6, chains: 16 };
    expect(solveModularFiniteN(p, { ...o, key: key(1) }).a).toBe(solveModularFiniteN(p, { ...o, key: key(1) }).a);
    expect(() => solveModularFiniteN({ ...p, prime: 67 })).toThrow(/solveModularFiniteP or solveModular/);
  });

  it('large N in GMFL-II: the adaptive damping stops the 2-cycle and the solution approaches the N → ∞ theory', () => {
    // P = 11, γ = 30 at 0.95σ²_II, σ_a² ∝ 1/N (the demo's width mapping: u = 2σ_a²P²/(Nσ⁴) and σ_a²/σ² fixed, so the
    // N → ∞ theory is the same at every N). With a fixed damping of 0.8 the map's slope at N = 4096 made the iteration
    // alternate 0.96 ↔ 0.46 and return 0.66 ± 0.12 — below its own N → ∞ limit.
    const at = (width: number, sigmaA2: number, sigma2: number) => {
      const p = { prime: 11, width, sigmaA2, gamma: 30, sigma2 };
      return { r: solveModularFiniteN(p, { key: key(5) }), limit: solveModularFiniteP(p).a };
    };
    const big = at(4096, 2.9269404021772267e-7, 0.00003621754345322108);
    const mid = at(1024, 0.0000011707761608708907, 0.00014487017381288432);
    for (const { r, limit } of [big, mid]) {
      expect(r.aStdError).toBeLessThan(0.002);
      // the finite-N corrections raise |a| above the decoupled theory (the self-interaction halves the aligned gain)
      expect(r.a).toBeGreaterThan(limit);
      const tail = r.history.slice(-4);
      expect(Math.max(...tail) - Math.min(...tail)).toBeLessThan(0.01);
    }
    // …and shrink with N: both limits are the same theory (0.7145), the gap falls by more than 2 from N = 1024 to 4096
    expect(big.limit).toBeCloseTo(mid.limit, 10);
    expect(big.r.a - big.limit).toBeLessThan(0.01);
    expect((mid.r.a - mid.limit) / (big.r.a - big.limit)).toBeGreaterThan(2);
  });
});

describe('finite-N modular theory: the cavity law reweighted to the exact read-in posterior (networkDraws)', () => {
  // P = 5, N = 8 in GFL (u ≈ 5): two different proposals (cavity and linearised log-det single-neuron laws) whose own
  // |a| differ by ≈ 0.004 (≫ their errors) must give the same reweighted average — the exact posterior mean of a(W).
  const p = { prime: 5, width: 8, sigmaA2: 3.1e-5, gamma: 30, sigma2: 0.00625 };
  const opts = { key: key(3), networkDraws: 4000, chains: 128 };
  const cav = solveModularFiniteN(p, { ...opts, correction: 'cavity' });
  const ld = solveModularFiniteN(p, { ...opts, key: key(4), correction: 'log-det' });
  // numpy: the same posterior mean by importance sampling from the prior N(0, I) (300 000 draws), dense linear algebra
  const fixture = JSON.parse(
    readFileSync(new URL('../../test/fixtures/grokking/modular_readout.json', import.meta.url), 'utf8'),
  ) as { posterior: typeof p & { a: number; aStdError: number } };
  it('is independent of the proposal within 3 SE while the proposals themselves differ', () => {
    const c = cav.network!,
      l = ld.network!;
    expect(c.essFraction).toBeGreaterThan(0.3);
    expect(l.essFraction).toBeGreaterThan(0.1);
    expect(Math.abs(cav.a - ld.a)).toBeGreaterThan(10 * Math.hypot(cav.aStdError, ld.aStdError, c.aStdError));
    expect(Math.abs(c.a - l.a)).toBeLessThan(3 * Math.hypot(c.aStdError, l.aStdError));
    expect(Math.abs(c.aIndependent - l.aIndependent)).toBeGreaterThan(
      5 * Math.hypot(c.aIndependentStdError, l.aIndependentStdError),
    );
  });
  it('agrees with the independent numpy estimate (prior proposal) within 3 SE', () => {
    const ref = fixture.posterior;
    expect([ref.prime, ref.width, ref.sigmaA2, ref.sigma2, ref.gamma]).toEqual([p.prime, p.width, p.sigmaA2, p.sigma2, p.gamma]);
    for (const r of [cav.network!, ld.network!])
      expect(Math.abs(r.a - ref.a)).toBeLessThan(3 * Math.hypot(r.aStdError, ref.aStdError));
    // and the cavity theory itself is resolvably off (the residual the reweighting removes)
    expect(ref.a - cav.a).toBeGreaterThan(3 * Math.hypot(cav.aStdError, ref.aStdError));
  });
  it('GP limit: σ_a²/σ² → 0 and γ → 0 (prior N(0, I)) give |a| = σ²/(σ² + 4σ_a²)', () => {
    const g = { ...p, sigmaA2: 1e-7, sigma2: 0.02, gamma: 1e-8 };
    const r = solveModularFiniteN(g, { ...opts, networkDraws: 400 }).network!;
    const gp = g.sigma2 / (g.sigma2 + 4 * g.sigmaA2);
    expect(r.essFraction).toBeGreaterThan(0.99);
    expect(Math.abs(r.a - gp)).toBeLessThan(1e-6);
    expect(1 - r.a).toBeGreaterThan(0.5 * (1 - gp));
  });
});
