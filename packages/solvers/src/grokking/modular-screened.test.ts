import { key, normal } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { ModularScreenedEnvironment, modularNeuronFeatures, solveModularScreened } from './modular-screened';

describe('modularNeuronFeatures (orthonormal 2-D Fourier transform of (w_n + v_m)²)', () => {
  const P = 7;
  const w = normal(key(2), 2 * P);
  const re = new Float64Array(P * P),
    im = new Float64Array(P * P);
  modularNeuronFeatures(w, P, re, im);
  it('keeps the norm (Parseval) and puts |φ̂_(k,k)| = 2P|w_k||v_k| on the target modes', () => {
    let s = 0,
      t = 0;
    for (let n = 0; n < P; n++) for (let m = 0; m < P; m++) s += (w[n]! + w[P + m]!) ** 4;
    for (let k = 0; k < P * P; k++) t += re[k]! ** 2 + im[k]! ** 2;
    expect(t).toBeCloseTo(s, 9);
    const mod = (o: number, k: number) => {
      let a = 0,
        b = 0;
      for (let n = 0; n < P; n++) {
        a += w[o + n]! * Math.cos((2 * Math.PI * k * n) / P);
        b += w[o + n]! * Math.sin((2 * Math.PI * k * n) / P);
      }
      return Math.hypot(a, b) / P;
    };
    for (let k = 1; k < P; k++) {
      const f = Math.hypot(re[k * P + k]!, im[k * P + k]!);
      expect(f).toBeCloseTo(2 * P * mod(0, k) * mod(P, k), 10);
    }
    // DC: P⁻¹Σ_nm(w_n + v_m)²
    let dc = 0;
    for (let n = 0; n < P; n++) for (let m = 0; m < P; m++) dc += (w[n]! + w[P + m]!) ** 2;
    expect(re[0]).toBeCloseTo(dc / P, 10);
    expect(im[0]).toBeCloseTo(0, 12);
  });
});

/** Dense real inverse (Gauss–Jordan), for the position-space reference. */
function inverse(A: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(A),
    z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[piv * n + c]!)) piv = r;
    for (const M of [a, z])
      for (let l = 0; l < n; l++) {
        const t = M[c * n + l]!;
        M[c * n + l] = M[piv * n + l]!;
        M[piv * n + l] = t;
      }
    const d = a[c * n + c]!;
    for (const M of [a, z]) for (let l = 0; l < n; l++) M[c * n + l] = M[c * n + l]! / d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c]!;
      if (f === 0) continue;
      for (const M of [a, z]) for (let l = 0; l < n; l++) M[r * n + l] = M[r * n + l]! - f * M[c * n + l]!;
    }
  }
  return z;
}

function matmul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const a = A[i * n + k]!;
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] = C[i * n + j]! + a * B[k * n + j]!;
    }
  return C;
}

describe('ModularScreenedEnvironment against a dense position-space computation', () => {
  // P = 5: the P² inputs (n, m) in position space, the kernel fluctuation δ as a 25 × 25 symmetric matrix (625
  // entries), its covariance, the stiffness H = ∇²F(Q) and Δ = ∇F(Q + εφφᵀ) − ∇F(Q) by explicit inverses — no Fourier
  // blocks, no Sherman–Morrison. The samples are closed under translations (n, m) → (n + s, m + t), so the sample
  // covariance is exactly translation invariant and the two computations must agree to rounding.
  const P = 5,
    n = P * P,
    nv = n * n;
  // strong screening on the target modes (HC ≈ 10²) and a stable log-det part elsewhere
  const sigma2 = 0.005,
    eps = 2e-5;
  const Qk = { dc: 0.4, edge: 0.05, target: 0.005, generic: 0.03 };
  const cls = (k: number) => {
    const k1 = Math.floor(k / P),
      k2 = k % P;
    if (k1 === 0 && k2 === 0) return Qk.dc;
    if (k1 === 0 || k2 === 0) return Qk.edge;
    if (k1 === k2 || (k1 + k2) % P === 0) return Qk.target;
    return Qk.generic;
  };
  const base = 8;
  const raw = normal(key(11), base * 2 * P);
  const samples: Float64Array[] = [];
  for (let b = 0; b < base; b++)
    for (let s = 0; s < P; s++)
      for (let t = 0; t < P; t++) {
        const w = new Float64Array(2 * P);
        for (let i = 0; i < P; i++) {
          w[(i + s) % P] = raw[b * 2 * P + i]! * (b % 2 ? 1.6 : 0.8);
          w[P + ((i + t) % P)] = raw[b * 2 * P + P + i]! * (b % 3 ? 1.2 : 0.7);
        }
        samples.push(w);
      }
  const count = samples.length;
  const fr = new Float64Array(count * n),
    fi = new Float64Array(count * n);
  samples.forEach((w, i) => modularNeuronFeatures(w, P, fr, fi, i * n));
  const G = new Float64Array(n),
    Y = new Float64Array(n);
  for (let k = 0; k < n; k++) G[k] = 1 / (cls(k) + sigma2);
  for (let k = 1; k < P; k++) Y[k * P + k] = P;
  const scales = [7 * eps * eps, 8 * eps * eps];
  const env = new ModularScreenedEnvironment(fr, fi, count, P, G, Y, scales);

  // position space: Q from its Fourier eigenvalues, Y from the targets y_p(n, m) = [n + m ≡ p] − 1/P
  const Qpos = new Float64Array(n * n);
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      const dn = Math.floor(a / P) - Math.floor(b / P),
        dm = (a % P) - (b % P);
      let v = 0;
      for (let k = 0; k < n; k++) v += cls(k) * Math.cos((2 * Math.PI * (Math.floor(k / P) * dn + (k % P) * dm)) / P);
      Qpos[a * n + b] = v / (P * P);
    }
  const Ypos = new Float64Array(n * n);
  for (let p = 0; p < P; p++)
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        const ya = ((Math.floor(a / P) + (a % P)) % P === p ? 1 : 0) - 1 / P;
        const yb = ((Math.floor(b / P) + (b % P)) % P === p ? 1 : 0) - 1 / P;
        Ypos[a * n + b] = Ypos[a * n + b]! + ya * yb;
      }
  const gradF = (K: Float64Array) => {
    const A = Float64Array.from(K);
    for (let i = 0; i < n; i++) A[i * n + i] = A[i * n + i]! + sigma2;
    const Gm = inverse(A, n);
    const GYG = matmul(matmul(Gm, Ypos, n), Gm, n);
    return { G: Gm, GYG, grad: GYG.map((v, i) => -0.5 * v + 0.5 * P * Gm[i]!) };
  };
  const at = gradF(Qpos);
  const feats = samples.map((w) => {
    const f = new Float64Array(n);
    for (let a = 0; a < n; a++) f[a] = (w[Math.floor(a / P)]! + w[P + (a % P)]!) ** 2;
    return f;
  });
  // covariance of vec(φφᵀ) over the samples, and the stiffness M: vec(δ)ᵀM vec(δ) = tr(GYG δ G δ) − (P/2)tr(GδGδ)
  const mean = new Float64Array(nv);
  for (const f of feats)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mean[i * n + j] = mean[i * n + j]! + (f[i]! * f[j]!) / count;
  const C = new Float64Array(nv * nv);
  const v = new Float64Array(nv);
  for (const f of feats) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = f[i]! * f[j]! - mean[i * n + j]!;
    for (let r = 0; r < nv; r++) {
      const x = v[r]! / count;
      if (x === 0) continue;
      for (let c = 0; c < nv; c++) C[r * nv + c] = C[r * nv + c]! + x * v[c]!;
    }
  }
  const stiffness = (dataOnly: boolean, m: { G: Float64Array; GYG: Float64Array } = at) => {
    // tr(AδBδ) = Σ A_ij δ_jk B_kl δ_li: M[(j,k),(l,i)] += A_ij B_kl, symmetrised
    const M = new Float64Array(nv * nv);
    const add = (A: Float64Array, B: Float64Array, f: number) => {
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          for (let k = 0; k < n; k++)
            for (let l = 0; l < n; l++) {
              const val = 0.5 * f * A[i * n + j]! * B[k * n + l]!;
              M[(j * n + k) * nv + (l * n + i)] = M[(j * n + k) * nv + (l * n + i)]! + val;
              M[(l * n + i) * nv + (j * n + k)] = M[(l * n + i) * nv + (j * n + k)]! + val;
            }
    };
    add(m.GYG, m.G, 1);
    if (!dataOnly) add(m.G, m.G, -P / 2);
    return M;
  };
  const M = stiffness(false);
  const sigmaDense = (scale: number) => {
    // Σ = sC(1 + M sC)⁻¹
    const B = new Float64Array(nv * nv);
    for (let r = 0; r < nv; r++)
      for (let k = 0; k < nv; k++) {
        const m = M[r * nv + k]!;
        if (m === 0) continue;
        for (let c = 0; c < nv; c++) B[r * nv + c] = B[r * nv + c]! + scale * m * C[k * nv + c]!;
      }
    for (let r = 0; r < nv; r++) B[r * nv + r] = B[r * nv + r]! + 1;
    const Z = inverse(B, nv);
    const S = new Float64Array(nv * nv);
    for (let r = 0; r < nv; r++)
      for (let k = 0; k < nv; k++) {
        const c0 = scale * C[r * nv + k]!;
        if (c0 === 0) continue;
        for (let c = 0; c < nv; c++) S[r * nv + c] = S[r * nv + c]! + c0 * Z[k * nv + c]!;
      }
    return S;
  };
  const SE = sigmaDense(scales[0]!);

  it('gives the reaction ½tr(ΔΣΔ) of the dense computation', () => {
    for (const s of [0, 37, 101, 190]) {
      const f = feats[s]!;
      const K = Float64Array.from(Qpos);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = K[i * n + j]! + eps * f[i]! * f[j]!;
      const d = gradF(K).grad.map((x, i) => x - at.grad[i]!);
      let q = 0;
      for (let r = 0; r < nv; r++) {
        let acc = 0;
        for (let c = 0; c < nv; c++) acc += SE[r * nv + c]! * d[c]!;
        q += d[r]! * acc;
      }
      const dense = 0.5 * q;
      // the unscreened (independent-neuron) environment would give ½ΔᵀCΔ: the stiffness must matter here
      let q0 = 0;
      for (let r = 0; r < nv; r++) {
        let acc = 0;
        for (let c = 0; c < nv; c++) acc += C[r * nv + c]! * d[c]!;
        q0 += d[r]! * acc;
      }
      expect(dense).toBeLessThan(0.5 * (0.5 * scales[0]! * q0));
      const block = env.reaction(fr, fi, s * n, eps, 0);
      expect(dense).toBeGreaterThan(1e-3); // a non-trivial case
      expect(Math.abs(block - dense)).toBeLessThan(1e-8 * dense);
    }
  });
  it('gives the stiffness shift ½E[δ(H(Q + εφφᵀ) − H(Q))δ] of the dense computation', () => {
    for (const s of [0, 101]) {
      const f = feats[s]!;
      const K = Float64Array.from(Qpos);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = K[i * n + j]! + eps * f[i]! * f[j]!;
      const M1 = stiffness(false, gradF(K));
      let t = 0;
      for (let r = 0; r < nv; r++) for (let c = 0; c < nv; c++) t += (M1[r * nv + c]! - M[r * nv + c]!) * SE[c * nv + r]!;
      const dense = 0.5 * t;
      const block = env.stiffnessShift(fr, fi, s * n, eps, 0);
      expect(Math.abs(dense)).toBeGreaterThan(1e-3);
      expect(Math.abs(block - dense)).toBeLessThan(1e-8 * Math.abs(dense));
    }
  });
  it('is stable here and flags an unstable Gaussian environment (large ε: the log-det stiffness wins)', () => {
    expect(env.unstableBlocks).toEqual([0, 0]);
    const big = new ModularScreenedEnvironment(fr, fi, count, P, G, Y, [1e4 * scales[0]!]);
    expect(big.unstableBlocks[0]).toBeGreaterThan(0);
  });
  it('gives the fluctuation sum Σ Y G² G ⟨|δ|²⟩ of the dense computation', () => {
    const SN = sigmaDense(scales[1]!);
    const Md = stiffness(true);
    let t = 0;
    for (let r = 0; r < nv; r++) for (let c = 0; c < nv; c++) t += Md[r * nv + c]! * SN[c * nv + r]!;
    expect(t).toBeGreaterThan(0);
    expect(Math.abs(env.fluctuationSums[1]! - t)).toBeLessThan(1e-8 * t);
  });
});

describe('solveModularScreened', () => {
  const small = { chains: 64, iterations: 3, average: 2, sweeps: 8, covarianceSamples: 128, reweightSamples: 128 };
  it('is deterministic, validates its input, and reduces to the GP at vanishing readout scale', () => {
    const p = { prime: 5, width: 8, sigmaA2: 1e-7, gamma: 1e-8, sigma2: 0.02 };
    const r = solveModularScreened(p, { ...small, key: key(1) });
    expect(r.a).toBe(solveModularScreened(p, { ...small, key: key(1) }).a);
    const gp = p.sigma2 / (p.sigma2 + 4 * p.sigmaA2);
    expect(Math.abs(r.a - gp)).toBeLessThan(1e-5);
    expect(Math.abs(r.fluctuation)).toBeLessThan(1e-8);
    expect(() => solveModularScreened({ ...p, prime: 29 })).toThrow(/solveModularFiniteN/);
    expect(() => solveModularScreened({ ...p, prime: 2 })).toThrow(/odd prime/);
    expect(() => solveModularScreened(p, { chains: 1 })).toThrow(/chains/);
  });
});
