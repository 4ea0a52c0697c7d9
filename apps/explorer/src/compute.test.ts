import { ACTIVATION_NAMES } from '@sftdl/kernels';
import { describe, expect, it } from 'vitest';
import { cliTransition } from '../test/cli';
import { cubicBase, cubicTransition, isFailure, kernelsView, modularView, msaDataset, msaPoint } from './compute';
import { DEFAULTS, KERNEL_ACTIVATIONS } from './state';

const must = <T extends object>(v: T | { error: string }): T => {
  if (isFailure(v)) throw new Error(v.error);
  return v;
};

describe('numbers match the CLI', () => {
  it('σ²_c and u_c of the default cubic view equal `demo grokking cubic --find-transition` to 1e-9', async () => {
    const base = cubicBase(DEFAULTS.cubic);
    // the bare URL is the paper's Fig. 2 point: ε = −0.3, σ_w² = 0.5, σ_a² = 8/N, N = 700, n = 3000, d = 150
    expect(base).toEqual({ epsilon: -0.3, sigmaW2: 0.5, sigmaA2: 8 / 700, width: 700, samples: 3000, dim: 150 });
    const cli = await cliTransition(base);
    const t = must(cubicTransition(DEFAULTS.cubic));
    expect(Math.abs(t.sigma2Critical - cli.sigma2Critical)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(t.uCritical - cli.uCritical)).toBeLessThanOrEqual(1e-9 * cli.uCritical);
    // and the paper's pairing u_c ≈ 30, σ² ≈ 0.18 (Fig. 2; u_c ≈ 30.2 printed)
    expect(cli.sigma2Critical).toBeGreaterThan(0.17);
    expect(cli.sigma2Critical).toBeLessThan(0.19);
  });

  it('σ²_c off the default point too (ε = −0.5, σ_w² = 0.8, explicit σ_a²)', async () => {
    const state = { ...DEFAULTS.cubic, epsilon: -0.5, sigmaW2: 0.8, sigmaA2: 0.02, width: 900 };
    const cli = await cliTransition(cubicBase(state));
    const t = must(cubicTransition(state));
    expect(Math.abs(t.sigma2Critical - cli.sigma2Critical)).toBeLessThanOrEqual(1e-9);
  });
});

describe('independent checks of what the views show', () => {
  it('modular onsets equal the P → ∞ closed forms (docs/theory/grokking.md §4.6)', () => {
    const p = DEFAULTS.modular;
    const m = must(modularView(p));
    const sStar = 2 * Math.sqrt(p.gamma / 3);
    const s1 = Math.sqrt((2 * p.sigmaA2 * p.prime ** 2) / (p.width * sStar));
    expect(m.gmfl1Onset).toBeCloseTo(s1, 12);
    expect(m.gmfl2Onset).toBeCloseTo(s1 - (3 * p.sigmaA2) / p.gamma, 12);
    expect(m.spinodal).toBeCloseTo(Math.sqrt((2 * p.sigmaA2 * p.prime ** 2) / (p.width * Math.sqrt(p.gamma))), 12);
    // in GMFL-I the degeneracy pins u a² to s*, so |a| = σ²/σ²_I
    expect(m.at.phase).toBe('GMFL-I');
    expect(m.at.a).toBeCloseTo(p.sigma2 / s1, 2);
  });

  it('ReLU kernels on the sphere equal the arc-cosine closed form (depth 1, σ_w² = 2, σ_b² = 0)', () => {
    const k = must(kernelsView({ ...DEFAULTS.kernels, depth: 1, weightVar: 2, biasVar: 0 }));
    k.angle.theta.forEach((t, i) => {
      expect(k.angle.nngp[i]).toBeCloseTo((2 / Math.PI) * (Math.sin(t) + (Math.PI - t) * Math.cos(t)), 10);
    });
    // NTK: Θ = K₁ + σ_w² K₀ K̇₀ with K̇₀ = (π − θ)/(2π), K₀ = 2 cos θ
    k.angle.theta.forEach((t, i) => {
      expect(k.angle.ntk[i]).toBeCloseTo(
        (2 / Math.PI) * (Math.sin(t) + (Math.PI - t) * Math.cos(t)) + 2 * 2 * Math.cos(t) * ((Math.PI - t) / (2 * Math.PI)),
        10,
      );
    });
    expect(k.spectrum.nngp.every((v, i, a) => i === 0 || v <= (a[i - 1] ?? Infinity))).toBe(true);
  });

  it('the MSA view’s NNGP discrepancy equals GP regression solved here by Gaussian elimination', () => {
    const { x, y } = msaDataset();
    const n = x.rows;
    const d = x.cols;
    const s2 = 0.1;
    // linear network, χ = 1: K = σ_a² σ_w² X Xᵀ / d with σ_a² = σ_w² = 1; residual r = σ² (K + σ² I)⁻¹ y
    const A = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n + 1 }, (_, j) => {
        if (j === n) return y[i] ?? 0;
        let dot = 0;
        for (let k = 0; k < d; k++) dot += (x.data[i * d + k] ?? 0) * (x.data[j * d + k] ?? 0);
        return dot / d + (i === j ? s2 : 0);
      }),
    );
    for (let c = 0; c < n; c++) {
      const piv = A[c] as number[];
      for (let r = c + 1; r < n; r++) {
        const row = A[r] as number[];
        const f = (row[c] ?? 0) / (piv[c] ?? 1);
        for (let j = c; j <= n; j++) row[j] = (row[j] ?? 0) - f * (piv[j] ?? 0);
      }
    }
    const t = new Array<number>(n).fill(0);
    for (let r = n - 1; r >= 0; r--) {
      const row = A[r] as number[];
      let s = row[n] ?? 0;
      for (let j = r + 1; j < n; j++) s -= (row[j] ?? 0) * (t[j] ?? 0);
      t[r] = s / (row[r] ?? 1);
    }
    const msd = t.reduce((a, v) => a + (s2 * v) ** 2, 0) / n;
    const p = must(msaPoint({ chi: '1', activation: 'linear' }, 256));
    expect(p.nngp).toBeCloseTo(msd, 12);
    // at large width (χ = 1) the exact posterior approaches the NNGP
    const wide = must(msaPoint({ chi: '1', activation: 'linear' }, 8192));
    expect(Math.abs((wide.exact ?? 0) - msd) / msd).toBeLessThan(0.01);
  });

  it('offers only activations the kernels package knows', () => {
    for (const a of KERNEL_ACTIVATIONS) expect(ACTIVATION_NAMES).toContain(a);
  });
});
