import { InvalidArgumentError } from '@sftdl/compute';
import { key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { ModularKernelMoments, modularEnvironmentCheck } from './modular-environment';
import { ModularScreenedEnvironment, modularNeuronFeatures, solveModularScreened } from './modular-screened';

/** States of a width-N net: W₀ plus t times Gaussian noise, one Float64Array of N·2P weights per state. */
function states(P: number, N: number, count: number, t: number, seed: number): Float64Array[] {
  const w0 = normal(key(seed), N * 2 * P);
  const z = normal(key(seed + 1), count * N * 2 * P);
  return Array.from({ length: count }, (_, s) => Float64Array.from(w0, (v, i) => v + t * z[s * N * 2 * P + i]!));
}

describe('ModularKernelMoments against a dense computation', () => {
  // explicit DFT of each neuron's (w_n + v_m)², the full kernel K(a, b) = εΣᵢφ̂ᵢ(a)conj φ̂ᵢ(b) of each state, and the
  // covariance of the entries K(a, a − q) over the states: no Fourier blocks, no modularNeuronFeatures
  const P = 5,
    N = 3,
    n = P * P,
    sigmaA2 = 0.7,
    eps = sigmaA2 / N;
  const ws = states(P, N, 7, 0.6, 21);
  const m = new ModularKernelMoments(P, N, sigmaA2);
  for (const w of ws) m.add(w);
  const dense = ws.map((w) => {
    const fr = new Float64Array(N * n),
      fi = new Float64Array(N * n);
    for (let i = 0; i < N; i++)
      for (let k1 = 0; k1 < P; k1++)
        for (let k2 = 0; k2 < P; k2++) {
          let re = 0,
            im = 0;
          for (let a = 0; a < P; a++)
            for (let b = 0; b < P; b++) {
              const f = (w[i * 2 * P + a]! + w[i * 2 * P + P + b]!) ** 2;
              const th = (-2 * Math.PI * (k1 * a + k2 * b)) / P;
              re += f * Math.cos(th);
              im += f * Math.sin(th);
            }
          fr[i * n + k1 * P + k2] = re / P;
          fi[i * n + k1 * P + k2] = im / P;
        }
    const Kr = new Float64Array(n * n),
      Ki = new Float64Array(n * n);
    for (let i = 0; i < N; i++)
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          const ar = fr[i * n + a]!,
            ai = fi[i * n + a]!,
            br = fr[i * n + b]!,
            bi = fi[i * n + b]!;
          Kr[a * n + b] = Kr[a * n + b]! + eps * (ar * br + ai * bi);
          Ki[a * n + b] = Ki[a * n + b]! + eps * (ai * br - ar * bi);
        }
    return { Kr, Ki };
  });
  const sub = (a: number, q: number) => ((Math.floor(a / P) - Math.floor(q / P) + P) % P) * P + (((a % P) - (q % P) + P) % P);

  it('gives the mean kernel and every block of the covariance to rounding', () => {
    const Q = m.meanKernel();
    for (let a = 0; a < n; a++) expect(Q[a]).toBeCloseTo(dense.reduce((s, d) => s + d.Kr[a * n + a]!, 0) / ws.length, 12);
    const blocks = m.covarianceBlocks();
    let worst = 0,
      size = 0;
    for (const q of [0, 1, 6, 7, 13, 24]) {
      const v = dense.map((d) => {
        const re = new Float64Array(n),
          im = new Float64Array(n);
        for (let a = 0; a < n; a++) {
          re[a] = d.Kr[a * n + sub(a, q)]!;
          im[a] = d.Ki[a * n + sub(a, q)]!;
        }
        return { re, im };
      });
      const mr = (a: number) => v.reduce((s, x) => s + x.re[a]!, 0) / v.length;
      const mi = (a: number) => v.reduce((s, x) => s + x.im[a]!, 0) / v.length;
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          // Cov(v_a, v_b) = E[v_a conj v_b] − E[v_a]conj E[v_b]
          const cr =
            v.reduce((s, x) => s + x.re[a]! * x.re[b]! + x.im[a]! * x.im[b]!, 0) / v.length - (mr(a) * mr(b) + mi(a) * mi(b));
          const ci =
            v.reduce((s, x) => s + x.im[a]! * x.re[b]! - x.re[a]! * x.im[b]!, 0) / v.length - (mi(a) * mr(b) - mr(a) * mi(b));
          worst = Math.max(worst, Math.abs(blocks[q]![2 * (a * n + b)]! - cr), Math.abs(blocks[q]![2 * (a * n + b) + 1]! - ci));
          size = Math.max(size, Math.abs(cr));
        }
    }
    expect(size).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThan(1e-11 * size);
  });

  it('refuses bad input with typed errors that say what to fix', () => {
    expect(() => new ModularKernelMoments(4, 3, 1)).toThrow(InvalidArgumentError);
    expect(() => new ModularKernelMoments(5, 3, 1).meanKernel()).toThrow(/add network states/);
    expect(() => m.add(new Float64Array(3))).toThrow(/read-in weights/);
    expect(() => new ModularKernelMoments(5, 1, 1).add(new Float64Array(10).fill(Number.NaN))).toThrow(/not finite/);
  });
});

describe('modularEnvironmentCheck', () => {
  const P = 5,
    N = 4,
    sigmaA2 = 0.05,
    sigma2 = 0.3;
  const check = (t: number) => {
    const m = new ModularKernelMoments(P, N, sigmaA2);
    states(P, N, 600, t, 40).forEach((w, s) => m.add(w, s % 3 === 0));
    return modularEnvironmentCheck(m, sigma2, { gaussianDraws: 300, key: key(5) });
  };
  // the same key at both sizes: the draws are paired, so the Monte Carlo noise largely cancels in the comparison
  const small = check(0.08),
    smaller = check(0.04);

  it('meets the second-order fluctuation term for small fluctuations, closer as they shrink', () => {
    // ⟨a(Q + δ)⟩ − a(Q) = ½tr(∇²a·Σ) + O(Σ²): the exact Gaussian average and the block sum agree to O(δ) relatively
    for (const c of [small, smaller]) {
      expect(c.fluctuationNetworkCovariance).toBeGreaterThan(0);
      expect(c.gaussianRejected).toBe(0);
    }
    const rel = (c: typeof small) => Math.abs(c.fluctuationGaussian / c.fluctuationNetworkCovariance - 1);
    // measured: 13 % and 2.6 % (≈ t², the next order); 0.4 % at t = 0.02
    expect(rel(small)).toBeLessThan(0.2);
    expect(rel(smaller)).toBeLessThan(0.05);
    expect(rel(smaller)).toBeLessThan(0.35 * rel(small));
    // the fluctuation scales with the covariance, ∝ t²
    expect(small.fluctuationNetworkCovariance / smaller.fluctuationNetworkCovariance).toBeCloseTo(4, 0);
  });

  it('splits the sums by the class of q, and builds the RPA from the kept neurons', () => {
    const p = small.parts.network;
    expect(p.q0 + p.diagonal + p.antidiagonal + p.edge + p.generic).toBeCloseTo(small.fluctuationNetworkCovariance, 14);
    expect(small.neuronSamples).toBe(200 * N);
    expect(small.fluctuationRpa).toBeGreaterThan(0);
    const r = small.parts.rpa!;
    expect(r.q0 + r.diagonal + r.antidiagonal + r.edge + r.generic).toBeCloseTo(small.fluctuationRpa!, 14);
    expect(small.aMeanKernel).toBeGreaterThan(0);
    expect(small.aMeanKernel).toBeLessThan(1);
  });
});

describe('ModularScreenedEnvironment.useCovariance', () => {
  const P = 5,
    N = 6,
    n = P * P,
    sigmaA2 = 0.01,
    eps = sigmaA2 / N;
  const ws = states(P, N, 40, 0.5, 60);
  const m = new ModularKernelMoments(P, N, sigmaA2);
  ws.forEach((w) => m.add(w, true));
  const kept = m.neurons();
  const G = new Float64Array(n),
    Y = new Float64Array(n);
  const Q = m.meanKernel();
  for (let k = 0; k < n; k++) G[k] = 1 / (Q[k]! + 0.02);
  for (let k = 1; k < P; k++) Y[k * P + k] = P;
  const fr = new Float64Array(n),
    fi = new Float64Array(n);
  modularNeuronFeatures(ws[0]!.subarray(0, 2 * P), P, fr, fi);

  it('makes the reaction and the fluctuation sums linear in the covariance given', () => {
    const env = new ModularScreenedEnvironment(kept.re, kept.im, kept.count, P, G, Y, [(N - 1) * eps * eps, N * eps * eps]);
    const own = env.reaction(fr, fi, 0, eps);
    expect(own).toBeGreaterThan(0);
    const parts = env.fluctuationParts();
    expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBeCloseTo(env.fluctuationSums[0]!, 12);
    const blocks = m.covarianceBlocks();
    env.useCovariance(blocks, [1, 1]);
    const r1 = env.reaction(fr, fi, 0, eps),
      f1 = env.fluctuationSums[1]!;
    env.useCovariance(blocks, [2, 2]);
    expect(env.reaction(fr, fi, 0, eps)).toBeCloseTo(2 * r1, 10);
    expect(env.fluctuationSums[1]).toBeCloseTo(2 * f1, 12);
    env.useCovariance(
      blocks.map((b) => new Float64Array(b.length)),
      [1, 1],
    );
    expect(env.reaction(fr, fi, 0, eps)).toBe(0);
    expect(env.fluctuationSums).toEqual([0, 0]);
    expect(() => env.useCovariance(blocks.slice(1), [1, 1])).toThrow(InvalidArgumentError);
  });

  it('with a zero covariance the screened theory is the cavity theory', () => {
    const p = { prime: 5, width: 8, sigmaA2: 1.3e-3, gamma: 30, sigma2: 0.0217 };
    const zero = Array.from({ length: n }, () => new Float64Array(2 * n * n));
    const o = { chains: 128, iterations: 4, average: 3, sweeps: 16, covarianceSamples: 128, reweightSamples: 256, key: key(3) };
    const r = solveModularScreened(p, { ...o, environmentCovariance: zero });
    expect(r.fluctuation).toBe(0);
    expect(r.essFraction).toBe(1);
    expect(Math.abs(r.a - r.aCavity)).toBeLessThan(4 * r.aStdError + 2e-3);
    expect(() => solveModularScreened(p, { ...o, environmentCovariance: zero, response: 'tilted' })).toThrow(
      /tilted response has none/,
    );
    expect(() => solveModularScreened(p, { ...o, environmentCovariance: zero.slice(1) })).toThrow(/25 Fourier blocks/);
  });
});
