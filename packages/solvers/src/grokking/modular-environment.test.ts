import { InvalidArgumentError, fromRows, referenceBackend } from '@sftdl/compute';
import { fold, key, normal, uniform } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { ModularKernelMoments, modularEnvironmentCheck, modularKernelSeries } from './modular-environment';
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
  const denseFeatures = (w: Float64Array) => {
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
    return { fr, fi };
  };
  const denseKernel = (w: Float64Array) => {
    const { fr, fi } = denseFeatures(w);
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
  };
  const dense = ws.map(denseKernel);
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

  it('expands a(K) about the mean kernel term by term as the dense matrices do, with the spectral radius of G^½δG^½', () => {
    // dense: A = G^½(K − Q)G^½ per state, (A^m)_tt by full complex matrix powers, a(K) by Gauss–Jordan inversion of
    // K + σ², and max|eig A| from the real symmetric embedding [[Re A, −Im A], [Im A, Re A]] (each eigenvalue twice)
    const sigma2 = 0.4,
      order = 5;
    const Q = m.meanKernel();
    const g = Array.from(Q, (q) => Math.sqrt(1 / (q + sigma2)));
    const targets = Array.from({ length: P - 1 }, (_, k) => (k + 1) * P + k + 1);
    const unit = sigma2 / (P * (P - 1));
    const mul = (Xr: number[][], Xi: number[][], Br: number[][], Bi: number[][]) => {
      const Rr = Xr.map(() => new Array<number>(n).fill(0)),
        Ri = Xr.map(() => new Array<number>(n).fill(0));
      for (let a = 0; a < n; a++)
        for (let c = 0; c < n; c++)
          for (let b = 0; b < n; b++) {
            Rr[a]![b] = Rr[a]![b]! + Xr[a]![c]! * Br[c]![b]! - Xi[a]![c]! * Bi[c]![b]!;
            Ri[a]![b] = Ri[a]![b]! + Xr[a]![c]! * Bi[c]![b]! + Xi[a]![c]! * Br[c]![b]!;
          }
      return [Rr, Ri] as const;
    };
    // a(K) = σ²/(P(P − 1))·tr(Y(K + σ²)⁻¹), the inverse by Gauss–Jordan on the real embedding [[Kr, −Ki], [Ki, Kr]]
    const aOf = (d: { Kr: Float64Array; Ki: Float64Array }) => {
      const M = Array.from({ length: 2 * n }, (_, a) =>
        Array.from({ length: 4 * n }, (_, b) => {
          if (b >= 2 * n) return b - 2 * n === a ? 1 : 0;
          const [r, c] = [a % n, b % n];
          const re = d.Kr[r * n + c]! + (r === c ? sigma2 : 0),
            im = d.Ki[r * n + c]!;
          return a < n === b < n ? re : a < n ? -im : im;
        }),
      );
      for (let c = 0; c < 2 * n; c++) {
        let piv = c;
        for (let r = c + 1; r < 2 * n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
        [M[c], M[piv]] = [M[piv]!, M[c]!];
        const inv = 1 / M[c]![c]!;
        M[c] = M[c]!.map((v) => v * inv);
        for (let r = 0; r < 2 * n; r++)
          if (r !== c) {
            const f = M[r]![c]!;
            if (f !== 0) M[r] = M[r]!.map((v, j) => v - f * M[c]![j]!);
          }
      }
      return unit * targets.reduce((s, t) => s + P * M[t]![2 * n + t]!, 0);
    };
    // networks of N distinct neurons from the pool of all states' neurons, by the same draws (partial Fisher–Yates)
    let aIndependent = 0;
    const pool = Array.from({ length: ws.length * N }, (_, i) => i);
    ws.forEach((_, s) => {
      const u = uniform(fold(key(2), 2_000_000 + s), N);
      const w = new Float64Array(N * 2 * P);
      for (let i = 0; i < N; i++) {
        const j = i + Math.floor(u[i]! * (pool.length - i));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
        const src = ws[Math.floor(pool[i]! / N)]!,
          o = (pool[i]! % N) * 2 * P;
        w.set(src.subarray(o, o + 2 * P), i * 2 * P);
      }
      aIndependent += aOf(denseKernel(w)) / ws.length;
    });
    // the deterministic equivalent: R_κ = 1/(σ² + Nε·E[|φ_κ|²/(1 + εΣR|φ|²)]) over all neurons, damped iteration
    const powers = ws.flatMap((w) => {
      const { fr, fi } = denseFeatures(w);
      return Array.from({ length: N }, (_, i) => Array.from({ length: n }, (_, k) => fr[i * n + k]! ** 2 + fi[i * n + k]! ** 2));
    });
    let R = Array.from(g, (x) => x * x);
    for (let it = 0; it < 3000; it++) {
      const acc = new Array<number>(n).fill(0);
      for (const p of powers) {
        const x = p.reduce((t, v, k) => t + R[k]! * v, 0);
        p.forEach((v, k) => (acc[k] = acc[k]! + v / (1 + eps * x) / powers.length));
      }
      R = R.map((r, k) => 0.7 * r + 0.3 / (sigma2 + N * eps * acc[k]!));
    }
    const aDet = unit * targets.reduce((t, k) => t + P * R[k]!, 0);
    // screened: ρ(a, b) = Var over the states of K(a, b) / (Nε²·Var over the neurons of φ_aφ̄_b), in each row's X
    const feats = ws.flatMap((w) => {
      const { fr, fi } = denseFeatures(w);
      return Array.from({ length: N }, (_, i) => ({ re: fr.subarray(i * n, (i + 1) * n), im: fi.subarray(i * n, (i + 1) * n) }));
    });
    const variance = (xs: { re: number; im: number }[]) => {
      const mr = xs.reduce((t, x) => t + x.re, 0) / xs.length,
        mi = xs.reduce((t, x) => t + x.im, 0) / xs.length;
      return xs.reduce((t, x) => t + x.re ** 2 + x.im ** 2, 0) / xs.length - mr * mr - mi * mi;
    };
    const rho = Array.from({ length: n }, (_, a) =>
      Array.from({ length: n }, (_, b) => {
        const net = variance(dense.map((d) => ({ re: d.Kr[a * n + b]!, im: d.Ki[a * n + b]! })));
        const one = variance(
          feats.map((f) => ({ re: f.re[a]! * f.re[b]! + f.im[a]! * f.im[b]!, im: f.im[a]! * f.re[b]! - f.re[a]! * f.im[b]! })),
        );
        return net / (N * eps * eps * one);
      }),
    );
    let Rs = Array.from(g, (x) => x * x);
    for (let it = 0; it < 3000; it++) {
      const acc = new Array<number>(n).fill(0);
      for (const p of powers)
        p.forEach((v, a) => {
          const x = p.reduce((t, u, b) => t + rho[a]![b]! * Rs[b]! * u, 0);
          acc[a] = acc[a]! + v / (1 + eps * x) / powers.length;
        });
      Rs = Rs.map((r, k) => 0.7 * r + 0.3 / (sigma2 + N * eps * acc[k]!));
    }
    const aScreened = unit * targets.reduce((t, k) => t + P * Rs[k]!, 0);
    const rowMean =
      targets.reduce((t, a) => t + rho[a]!.reduce((u, r, b) => u + (b === a ? 0 : r), 0), 0) / (targets.length * (n - 1));
    const terms = new Array<number>(order + 1).fill(0);
    let aSum = 0,
      radSum = 0,
      radMax = 0;
    for (const d of dense) {
      const Ar = Array.from({ length: n }, (_, a) =>
        Array.from({ length: n }, (_, b) => g[a]! * g[b]! * (d.Kr[a * n + b]! - (a === b ? Q[a]! : 0))),
      );
      const Ai = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => g[a]! * g[b]! * d.Ki[a * n + b]!));
      let Xr: number[][] = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => (a === b ? 1 : 0)));
      let Xi = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let k = 0; k <= order; k++) {
        for (const t of targets)
          terms[k] = terms[k]! + ((k % 2 === 0 ? 1 : -1) * unit * P * g[t]! ** 2 * Xr[t]![t]!) / dense.length;
        [Xr, Xi] = mul(Xr, Xi, Ar, Ai);
      }
      aSum += aOf(d) / dense.length;
      const E = referenceBackend.eigh(
        fromRows(
          Array.from({ length: 2 * n }, (_, a) =>
            Array.from({ length: 2 * n }, (_, b) => {
              const [r, c] = [a % n, b % n];
              return a < n === b < n ? Ar[r]![c]! : a < n ? -Ai[r]![c]! : Ai[r]![c]!;
            }),
          ),
        ),
      ).values;
      const rho = Math.max(...Array.from(E, Math.abs));
      radSum += rho / dense.length;
      radMax = Math.max(radMax, rho);
    }
    const sr = modularKernelSeries(m, sigma2, { order, key: key(2) });
    expect(sr.states).toBe(dense.length);
    expect(sr.terms).toHaveLength(order + 1);
    // the terms grow with k here (ρ > 1 in some states): relative agreement
    for (let k = 0; k <= order; k++)
      expect(Math.abs(sr.terms[k]! - terms[k]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(terms[k]!)));
    expect(sr.terms[0]).toBeCloseTo(unit * targets.reduce((s, t) => s + P * g[t]! ** 2, 0), 14);
    // Q is the mean over the same states, so the linear term vanishes
    expect(Math.abs(sr.terms[1]!)).toBeLessThan(1e-14);
    expect(sr.partialSums[order]).toBeCloseTo(
      sr.terms.reduce((a, b) => a + b, 0),
      14,
    );
    expect(sr.aExact).toBeCloseTo(aSum, 12);
    expect(sr.aIndependent).toBeCloseTo(aIndependent, 12);
    expect(Math.abs(sr.aIndependent - sr.aExact)).toBeGreaterThan(1e-6);
    expect(sr.aDeterministicEquivalent).toBeCloseTo(aDet, 11);
    expect(sr.aScreenedDeterministicEquivalent).toBeCloseTo(aScreened, 10);
    expect(sr.screeningTargetRows).toBeCloseTo(rowMean, 10);
    // seven states of three strongly correlated neurons (one base state plus noise): the screening is far from 1
    expect(Math.abs(sr.screeningTargetRows - 1)).toBeGreaterThan(0.1);
    expect(Math.abs(sr.aScreenedDeterministicEquivalent - sr.aDeterministicEquivalent)).toBeGreaterThan(1e-4);
    // power iteration is a lower bound on the spectral radius, and converged here
    expect(sr.spectralRadiusMax).toBeLessThanOrEqual(radMax * (1 + 1e-12));
    expect(sr.spectralRadiusMax).toBeCloseTo(radMax, 3);
    expect(sr.spectralRadiusMean).toBeCloseTo(radSum, 2);
    expect(radMax).toBeGreaterThan(0.05);
    expect(() => modularKernelSeries(m, sigma2, { order: 1 })).toThrow(/order must be/);
    expect(() => modularKernelSeries(m, sigma2, { states: 0 })).toThrow(/number of states/);
    expect(() => modularKernelSeries(m, 0)).toThrow(InvalidArgumentError);
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

  it('its series about Q converges to the exact mean of a(K) where the fluctuations are small', () => {
    // independent states (a translation-invariant ensemble: the mean kernel is diagonal up to sampling), σ² ≫ the
    // kernel's fluctuation, so ρ = max|eig G^½δG^½| ≪ 1; ρ ∝ σ_a²
    const series = (a2: number) => {
      const m = new ModularKernelMoments(P, N, a2);
      const z = normal(key(41), 600 * N * 2 * P);
      for (let s = 0; s < 600; s++) m.add(z.subarray(s * N * 2 * P, (s + 1) * N * 2 * P), s % 3 === 0);
      return modularEnvironmentCheck(m, 10, { gaussianDraws: 50, key: key(5) });
    };
    const [c1, c2] = [series(0.004), series(0.002)];
    for (const c of [c1, c2]) {
      const sr = c.series;
      expect(sr.states).toBe(600);
      // measured: ρ mean 0.059 and 0.030, max 0.46 and 0.23 (the features are quartic in the weights: heavy tails)
      expect(sr.divergentFraction).toBe(0);
      expect(sr.spectralRadiusMax).toBeLessThan(0.6);
      // the second-order term is the fluctuation sum of the covariance, up to the sampled off-diagonal mean (1/600)
      expect(sr.terms[2]! / c.fluctuationNetworkCovariance).toBeCloseTo(1, 2);
      // measured: the sixth-order partial sum within 2.3e-4 and 9e-6 of the second-order term's size
      expect(Math.abs(sr.partialSums[6]! - sr.aExact)).toBeLessThan(1e-3 * sr.terms[2]!);
      expect(Math.abs(sr.partialSums[2]! - sr.aExact)).toBeGreaterThan(Math.abs(sr.partialSums[6]! - sr.aExact));
    }
    expect(c1.series.spectralRadiusMean / c2.series.spectralRadiusMean).toBeCloseTo(2, 1);
    // independent states carry no correlations between neurons: reassembling networks changes nothing beyond sampling,
    // and the deterministic equivalent of independent neurons is their mean
    for (const c of [c1, c2]) {
      const sr = c.series;
      // measured: 1.3 and 1.3 SE apart; the deterministic equivalent within 0.01 SE of the mean
      expect(Math.abs(sr.aIndependent - sr.aExact)).toBeLessThan(4 * Math.hypot(sr.aExactSe, sr.aIndependentSe));
      expect(Math.abs(sr.aDeterministicEquivalent - sr.aExact)).toBeLessThan(sr.aExactSe);
      // the network's entry variances are those of independent neurons: nothing to screen (measured: ρ̄ = 0.998, and
      // the screened resolvent 1.2 SE from the exact mean, moved by the sampling noise of each entry's ρ)
      expect(Math.abs(sr.screeningTargetRows - 1)).toBeLessThan(0.01);
      expect(Math.abs(sr.aScreenedDeterministicEquivalent - sr.aExact)).toBeLessThan(2 * sr.aExactSe);
    }
    expect(c1.series.terms[2]! / c2.series.terms[2]!).toBeCloseTo(4, 0);
    // the truncation error is of seventh order in σ_a² (measured: a factor ≈ 100 for a halving)
    const err = (c: typeof c1) => Math.abs(c.series.partialSums[6]! - c.series.aExact);
    expect(err(c1)).toBeGreaterThan(16 * err(c2));
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
