import { ConvergenceError, InvalidArgumentError, type Mat, eye, unaryScalar } from '@sftdl/compute';
import { type Key, anderson, key as makeKey, normal } from '@sftdl/field';
import { dot, meanSquaredDiff } from '../numerics';
import { type MsaInput, type MsaSetup, msaSetup } from './problem';

/** Activations supported by the sampled (nonlinear) MSA solvers. */
export type MsaActivation = 'linear' | 'erf' | 'relu';

const ACT: Record<MsaActivation, (x: number) => number> = { linear: (x) => x, erf: unaryScalar.erf, relu: (x) => (x > 0 ? x : 0) };

/**
 * Weighted samples of the tilted single-neuron measure p_τ(v) ∝ N(v; 0, (σ_w²/d)I)·exp((λ/2) φᵀBφ), by self-normalised
 * importance sampling from a Gaussian proposal N(0, Σ_p) with antithetic pairs ±z and common random numbers.
 */
interface SampleSet {
  S: number;
  /** φ(v_s·x_a) for training points, [S, P]. */
  phi: Float64Array;
  /** φ at test points, [S, m]. */
  phiTest: Float64Array;
  m: number;
  /** v samples [S, d]. */
  v: Float64Array;
  /** log prior − log proposal. */
  base: Float64Array;
}

function drawSamples(setup: MsaSetup, act: MsaActivation, z: Float64Array, half: number, propChol: Float64Array): SampleSet {
  const { d, x, xTest, P, sigmaW2 } = setup;
  const D = sigmaW2 / d, S = 2 * half, m = xTest ? xTest.rows : 0;
  const f = ACT[act];
  const v = new Float64Array(S * d), base = new Float64Array(S), phi = new Float64Array(S * P), phiTest = new Float64Array(S * m);
  for (let h = 0; h < half; h++) {
    const zz = z.subarray(h * d, (h + 1) * d);
    let z2 = 0, v2 = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += propChol[i * d + j]! * zz[j]!;
      v[h * d + i] = s; v[(h + half) * d + i] = -s;
      z2 += zz[i]! ** 2; v2 += s * s;
    }
    base[h] = base[h + half] = -v2 / (2 * D) + z2 / 2;
  }
  for (let s = 0; s < S; s++) {
    const vs = v.subarray(s * d, (s + 1) * d);
    for (let a = 0; a < P; a++) phi[s * P + a] = f(dot(vs, x.data.subarray(a * d, (a + 1) * d)));
    for (let j = 0; j < m; j++) phiTest[s * m + j] = f(dot(vs, xTest!.data.subarray(j * d, (j + 1) * d)));
  }
  return { S, phi, phiTest, m, v, base };
}

/** Normalised weights of the tilt (λ/2)(τ·φ)² + extra quadratic form, with the ESS. */
function weights(set: SampleSet, setup: MsaSetup, tau: Float64Array, extra?: Float64Array): { w: Float64Array; r: Float64Array; ess: number } {
  const { S, phi } = set;
  const P = setup.P, lam = setup.lambda;
  const r = new Float64Array(S), lw = new Float64Array(S);
  let mx = -Infinity;
  for (let s = 0; s < S; s++) {
    const ph = phi.subarray(s * P, (s + 1) * P);
    r[s] = dot(ph, tau);
    let e = 0.5 * lam * r[s]! ** 2;
    if (extra) {
      let q = 0;
      for (let a = 0; a < P; a++) { let t = 0; for (let b = 0; b < P; b++) t += extra[a * P + b]! * ph[b]!; q += ph[a]! * t; }
      e += 0.5 * lam * q;
    }
    lw[s] = set.base[s]! + e;
    if (lw[s]! > mx) mx = lw[s]!;
  }
  const w = new Float64Array(S);
  let z = 0, z2 = 0;
  for (let s = 0; s < S; s++) { w[s] = Math.exp(lw[s]! - mx); z += w[s]!; }
  for (let s = 0; s < S; s++) { w[s]! /= z; z2 += w[s]! ** 2; }
  return { w, r, ess: 1 / z2 };
}

/** Weighted moments needed by tree level: ⟨φφᵀ⟩ (all points), ⟨φ r⟩, and H = κ_n + σ²[⟨φφᵀ⟩ + λ Cov(A, A)] on train. */
function moments(set: SampleSet, setup: MsaSetup, w: Float64Array, r: Float64Array) {
  const { P, lambda: lam, priorScale: c, noise: kn } = setup;
  const { S, phi, phiTest, m } = set;
  const T = P + m;
  const m2 = new Float64Array(T * T), phr = new Float64Array(T), AA = new Float64Array(P * P);
  const row = new Float64Array(T);
  for (let s = 0; s < S; s++) {
    const ws = w[s]!;
    if (ws === 0) continue;
    for (let a = 0; a < P; a++) row[a] = phi[s * P + a]!;
    for (let j = 0; j < m; j++) row[P + j] = phiTest[s * m + j]!;
    const rs = r[s]!;
    for (let a = 0; a < T; a++) {
      const wa = ws * row[a]!;
      phr[a]! += wa * rs;
      for (let b = 0; b <= a; b++) m2[a * T + b]! += wa * row[b]!;
    }
    const wr2 = ws * rs * rs;
    for (let a = 0; a < P; a++) for (let b = 0; b <= a; b++) AA[a * P + b]! += wr2 * row[a]! * row[b]!;
  }
  for (let a = 0; a < T; a++) for (let b = 0; b < a; b++) m2[b * T + a] = m2[a * T + b]!;
  const H = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b <= a; b++) {
    const v = c * (m2[a * T + b]! + lam * (AA[a * P + b]! - phr[a]! * phr[b]!)) + (a === b ? kn : 0);
    H[a * P + b] = v; H[b * P + a] = v;
  }
  return { m2, phr, H, T };
}

/** Options of the sampled MSA solvers. */
export interface SampledMsaOptions {
  activation?: MsaActivation;
  /** Importance samples (antithetic pairs, default 40 000). */
  samples?: number;
  /** Random key (default key(0)). */
  key?: Key;
  /** Residual tolerance relative to max|y| (default 1e-9; deterministic given the samples). */
  tol?: number;
  maxIterations?: number;
  /** Adaptive proposal stages (default 3): the proposal covariance is refitted to the tilted Σ_v. */
  stages?: number;
  tauInit?: ArrayLike<number>;
  /** Include the one-loop correction (L1)–(L4). */
  oneLoop?: boolean;
}

/** Result of the sampled MSA solvers. */
export interface SampledMsaResult {
  tau: Float64Array;
  discrepancy: Float64Array;
  trainMean: Float64Array;
  msd: number;
  testMean?: Float64Array;
  testVariance?: Float64Array;
  /** Adapted kernel C(τ̄) = σ²⟨φφᵀ⟩ on train, [P, P]. */
  kernel: Mat;
  /** Read-in weight covariance Σ_v = ⟨vvᵀ⟩ (one-loop corrected with `oneLoop`), [d, d]. */
  weightCov: Mat;
  weightCovEigenvalues: number[];
  iterations: number;
  residual: number;
  /** Effective sample size of the final weights. */
  ess: number;
}

/**
 * MSA for a two-layer network with nonlinear φ (erf, ReLU; linear for cross-checks) by importance sampling of the
 * tilted single-neuron measure. Newton iterations on y = κ_nτ + ∇Φ(τ) (tree level, (T1)–(T3)) or on the one-loop
 * equation (L1) with the sampled cumulant form of ½ΣM∂³Φ, Jacobian H(τ) from the same samples.
 *
 * *When to use:* nonlinear networks (erf/ReLU), where the adapted kernel is not a rescaling.
 * *Gotchas:* Monte Carlo error O(1/√ESS) (reported `ess`); results are deterministic for a given key. The nonlinear
 * one-loop term is validated only through the φ = id limit (docs/theory/multi-scale-adaptive.md §4, §10).
 * @example
 * ```ts
 * const r = sampledMsa({ x, y, width: 100, chi: 100, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 }, { activation: 'erf' });
 * ```
 */
export function sampledMsa(input: MsaInput | MsaSetup, options: SampledMsaOptions = {}): SampledMsaResult {
  const setup = 'lambda' in input ? input : msaSetup(input);
  const { P, d, noise: kn, priorScale: c, lambda: lam, y, backend, sigmaW2 } = setup;
  const { activation = 'erf', samples = 40000, tol = 1e-9, maxIterations = 100, stages = 3, oneLoop = false } = options;
  const half = Math.max(1, Math.floor(samples / 2));
  const z = normal(options.key ?? makeKey(0), half * d);
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  const D = sigmaW2 / d;
  let chol = new Float64Array(d * d);
  for (let i = 0; i < d; i++) chol[i * d + i] = Math.sqrt(D);
  let set = drawSamples(setup, activation, z, half, chol);
  let tau: Float64Array;
  if (options.tauInit) tau = Float64Array.from(options.tauInit);
  else {
    // NNGP start: τ = (C0 + κ_n)⁻¹ y with C0 from the prior samples.
    const { w, r } = weights(set, setup, new Float64Array(P));
    const mo = moments(set, setup, w, r);
    tau = backend.choleskySolve(backend.cholesky({ rows: P, cols: P, data: mo.H }), { rows: P, cols: 1, data: y }).data.slice();
  }
  let total = 0, res = Infinity, ess = 0;
  let last: ReturnType<typeof evaluate> | undefined;
  function evaluate(t: Float64Array) {
    const { w, r, ess: e } = weights(set, setup, t);
    const mo = moments(set, setup, w, r);
    const Hm: Mat = { rows: P, cols: P, data: mo.H };
    const L = backend.cholesky(Hm);
    const g = new Float64Array(P);
    for (let a = 0; a < P; a++) g[a] = kn * t[a]! + c * mo.phr[a]! - y[a]!;
    let loop: Float64Array | undefined, M: Mat | undefined;
    if (oneLoop) {
      M = backend.choleskySolve(L, eye(P));
      loop = loopTerm(set, setup, w, r, mo, M);
      for (let a = 0; a < P; a++) g[a]! -= loop[a]!;
    }
    return { w, r, mo, L, g, loop, M, ess: e, res: Math.max(...Array.from(g, Math.abs)) };
  }
  for (let stage = 0; stage < Math.max(1, stages); stage++) {
    const final = stage === Math.max(1, stages) - 1;
    let st = evaluate(tau);
    let it = 0;
    const stol = final ? tol * scale : Math.max(1e-6 * scale, tol * scale);
    while (st.res > stol && it < maxIterations) {
      it++;
      const step = backend.choleskySolve(st.L, { rows: P, cols: 1, data: st.g }).data;
      let eta = 1, stalled = false;
      for (;;) {
        const cand = tau.map((v, a) => v - eta * step[a]!);
        const nx = evaluate(cand);
        if (nx.res < st.res) { tau = cand; st = nx; break; }
        eta /= 2;
        // Round-off floor of the weighted sums: accept when even a tiny step cannot reduce the residual.
        if (eta < 1e-3) { stalled = true; break; }
      }
      if (stalled) break;
    }
    total += it;
    res = st.res; ess = st.ess; last = st;
    if (final) {
      if (res > stol) throw new ConvergenceError({ what: `sampled MSA ${oneLoop ? 'one-loop' : 'tree-level'} Newton (${activation})`, iterations: total, residual: res, tolerance: stol, hint: 'anneal in chi (msaAnneal), or increase samples' });
      break;
    }
    // Refit the proposal to the tilted weight covariance Σ_v (inflated by 10 %).
    const Sv = weightCovariance(set, d, st.w);
    for (let i = 0; i < d * d; i++) Sv[i]! *= 1.1;
    const L = backend.cholesky({ rows: d, cols: d, data: Sv }, { jitter: 1e-12 * D });
    chol = L.data.slice();
    set = drawSamples(setup, activation, z, half, chol);
  }
  const st = last!;
  const { mo } = st;
  const T = mo.T, m = set.m;
  const discrepancy = tau.map((v) => kn * v);
  const trainMean = y.map((v, a) => v - discrepancy[a]!);
  const K = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) K[a * P + b] = c * mo.m2[a * T + b]!;
  const Sv = weightCovariance(set, d, st.w);
  const M = st.M ?? backend.choleskySolve(st.L, eye(P));
  if (oneLoop) {
    // (L4) for F = vvᵀ: ⟨F⟩ − (λ/2)[Cov(F, s) + λ⟨δF δAᵀMδA⟩].
    const corr = loopObservable(set, setup, st.w, st.r, M, (s, out) => { const v = set.v.subarray(s * d, (s + 1) * d); for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = v[i]! * v[j]!; }, d * d, mo.phr);
    for (let i = 0; i < d * d; i++) Sv[i]! -= corr[i]!;
  }
  const Wm: Mat = { rows: d, cols: d, data: Sv };
  const result: SampledMsaResult = {
    tau, discrepancy, trainMean, msd: meanSquaredDiff(y, trainMean), kernel: { rows: P, cols: P, data: K }, weightCov: Wm,
    weightCovEigenvalues: Array.from(backend.eigh(Wm).values).reverse(), iterations: total, residual: res, ess,
  };
  if (m > 0) {
    const testMean = new Float64Array(m), testVariance = new Float64Array(m);
    const loopT = oneLoop ? loopTerm(set, setup, st.w, st.r, mo, M, true) : undefined;
    for (let j = 0; j < m; j++) {
      testMean[j] = c * mo.phr[P + j]! - (loopT ? loopT[j]! : 0);
    }
    // Var(f*) = ∂²**Φ − gᵀMg (docs/theory/multi-scale-adaptive.md §5) from the same samples.
    for (let j = 0; j < m; j++) {
      let e2 = 0, er2 = 0, er = 0;
      const cross = new Float64Array(P);
      for (let s = 0; s < set.S; s++) {
        const ws = st.w[s]!, ph = set.phiTest[s * m + j]!, rs = st.r[s]!;
        e2 += ws * ph * ph; er += ws * ph * rs; er2 += ws * ph * ph * rs * rs;
        for (let b = 0; b < P; b++) cross[b]! += ws * ph * rs * set.phi[s * P + b]! * rs;
      }
      const g = new Float64Array(P);
      for (let b = 0; b < P; b++) g[b] = c * (mo.m2[(P + j) * T + b]! + lam * (cross[b]! - er * mo.phr[b]!));
      const dss = c * (e2 + lam * (er2 - er * er));
      let gMg = 0;
      for (let a = 0; a < P; a++) { let t = 0; for (let b = 0; b < P; b++) t += M.data[a * P + b]! * g[b]!; gMg += g[a]! * t; }
      testVariance[j] = dss - gMg;
    }
    result.testMean = testMean;
    result.testVariance = testVariance;
  }
  return result;
}

function weightCovariance(set: SampleSet, d: number, w: Float64Array): Float64Array {
  const Sv = new Float64Array(d * d);
  for (let s = 0; s < set.S; s++) {
    const ws = w[s]!;
    const v = set.v.subarray(s * d, (s + 1) * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) Sv[i * d + j]! += ws * v[i]! * v[j]!;
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) Sv[j * d + i] = Sv[i * d + j]!;
  return Sv;
}

/**
 * ½ Σ_bc M_bc ∂_a∂_b∂_cΦ for train indices a (or test indices with `test`), from the weighted samples:
 * (σ²λ/2)[3⟨φ_a s r⟩ − 2(m2 M⟨φr⟩)_a − ⟨s⟩⟨φ_a r⟩] + (σ²λ²/2)⟨δA_a(δAᵀMδA)⟩, s = φᵀMφ.
 */
function loopTerm(set: SampleSet, setup: MsaSetup, w: Float64Array, r: Float64Array, mo: { m2: Float64Array; phr: Float64Array; T: number }, M: Mat, test = false): Float64Array {
  const { P, priorScale: c, lambda: lam } = setup;
  const { S, phi, phiTest, m } = set;
  const T = mo.T;
  const n = test ? m : P, off = test ? P : 0;
  const Mphr = new Float64Array(P);
  for (let a = 0; a < P; a++) { let t = 0; for (let b = 0; b < P; b++) t += M.data[a * P + b]! * mo.phr[b]!; Mphr[a] = t; }
  const phsr = new Float64Array(n), dAq = new Float64Array(n);
  let sMean = 0;
  const Mph = new Float64Array(P), dA = new Float64Array(P), MdA = new Float64Array(P);
  for (let s = 0; s < S; s++) {
    const ws = w[s]!;
    if (ws === 0) continue;
    const ph = phi.subarray(s * P, (s + 1) * P), rs = r[s]!;
    for (let a = 0; a < P; a++) { let t = 0; for (let b = 0; b < P; b++) t += M.data[a * P + b]! * ph[b]!; Mph[a] = t; }
    const ss = dot(ph, Mph);
    for (let a = 0; a < P; a++) dA[a] = ph[a]! * rs - mo.phr[a]!;
    for (let a = 0; a < P; a++) { let t = 0; for (let b = 0; b < P; b++) t += M.data[a * P + b]! * dA[b]!; MdA[a] = t; }
    const q = dot(dA, MdA);
    sMean += ws * ss;
    for (let i = 0; i < n; i++) {
      const pa = test ? phiTest[s * m + i]! : ph[i]!;
      phsr[i]! += ws * pa * ss * rs;
      dAq[i]! += ws * (pa * rs - mo.phr[off + i]!) * q;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m2M = 0;
    for (let b = 0; b < P; b++) m2M += mo.m2[(off + i) * T + b]! * Mphr[b]!;
    out[i] = ((c * lam) / 2) * (3 * phsr[i]! - 2 * m2M - sMean * mo.phr[off + i]!) + ((c * lam * lam) / 2) * dAq[i]!;
  }
  return out;
}

/** ½ Σ M ∂∂⟨F⟩ = (λ/2)[Cov(F, s) + λ⟨δF (δAᵀMδA)⟩] for a vector observable F(v_s) of length k. */
function loopObservable(set: SampleSet, setup: MsaSetup, w: Float64Array, r: Float64Array, M: Mat, F: (s: number, out: Float64Array) => void, k: number, phr: Float64Array): Float64Array {
  const { P, lambda: lam } = setup;
  const Fm = new Float64Array(k), Fs = new Float64Array(k), Fq = new Float64Array(k), f = new Float64Array(k);
  let sMean = 0, qMean = 0;
  const Mph = new Float64Array(P), dA = new Float64Array(P);
  for (let s = 0; s < set.S; s++) {
    const ws = w[s]!;
    if (ws === 0) continue;
    const ph = set.phi.subarray(s * P, (s + 1) * P), rs = r[s]!;
    for (let a = 0; a < P; a++) { let t = 0; for (let b = 0; b < P; b++) t += M.data[a * P + b]! * ph[b]!; Mph[a] = t; }
    const ss = dot(ph, Mph);
    for (let a = 0; a < P; a++) dA[a] = ph[a]! * rs - phr[a]!;
    let q = 0;
    for (let a = 0; a < P; a++) { let t = 0; for (let b = 0; b < P; b++) t += M.data[a * P + b]! * dA[b]!; q += dA[a]! * t; }
    F(s, f);
    sMean += ws * ss; qMean += ws * q;
    for (let i = 0; i < k; i++) { Fm[i]! += ws * f[i]!; Fs[i]! += ws * f[i]! * ss; Fq[i]! += ws * f[i]! * q; }
  }
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = (lam / 2) * (Fs[i]! - Fm[i]! * sMean + lam * (Fq[i]! - Fm[i]! * qMean));
  return out;
}

/** Throws unless the activation is supported. */
export function assertActivation(a: string): asserts a is MsaActivation {
  if (!(a in ACT)) throw new InvalidArgumentError(`activation must be one of ${Object.keys(ACT).join('|')}, got '${a}'`);
}

/** Options of {@link sampledAdaptiveKernel}. */
export interface MsaAdaptiveKernelOptions {
  activation?: MsaActivation;
  /**
   * Sign s of the variance term in the tilt exponent (σ²/(2N)) φᵀ[ττᵀ + s·(C + κ_n)⁻¹]φ: −1 (default, the form of
   * docs/theory/multi-scale-adaptive.md §8, from the fluctuation determinant) or +1 (as in some public adaptive-GP codes).
   */
  varianceSign?: -1 | 1;
  /** Fixed-point damping η in τ ← (1−η)τ + η(C + κ_n)⁻¹y (default 0.5, halved on divergence). */
  damping?: number;
  tol?: number;
  maxIterations?: number;
  samples?: number;
  key?: Key;
}

/** Result of the adaptive-kernel solvers. */
export interface MsaAdaptiveKernelResult {
  tau: Float64Array;
  trainMean: Float64Array;
  msd: number;
  testMean?: Float64Array;
  /** Adapted kernel C on the training points. */
  kernel: Mat;
  weightCov: Mat;
  iterations: number;
  residual: number;
}

/**
 * Adaptive-kernel (kernel-saddle) theory of a two-layer network (Seroussi et al. 2023; Fischer et al. 2024): the
 * tilted single-neuron measure with exponent (σ²/(2N)) φᵀ[ττᵀ + s(C + κ_n)⁻¹]φ, solved self-consistently with
 * C = σ²⟨φφᵀ⟩ and τ = (C + κ_n)⁻¹y by damped fixed-point iteration finished with Anderson acceleration. Linear φ uses
 * the closed Gaussian form; erf/ReLU use importance sampling with common random numbers, warm-started from the MSA
 * tree level, whose Σ_v also sets the Gaussian proposal.
 *
 * *When to use:* comparison with MSA: equals MSA tree level in mean-field scaling, stays at tree-level accuracy in
 * standard scaling (it misses the O(P/N) trace term).
 * *Gotchas:* the sign of the variance term differs between implementations (`varianceSign`).
 * @example
 * ```ts
 * const ak = sampledAdaptiveKernel({ x, y, width: 50, chi: 50, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 }, { activation: 'linear' });
 * ```
 */
export function sampledAdaptiveKernel(input: MsaInput | MsaSetup, options: MsaAdaptiveKernelOptions = {}): MsaAdaptiveKernelResult {
  const setup = 'lambda' in input ? input : msaSetup(input);
  const { P, d, noise: kn, priorScale: c, lambda: lam, y, backend, sigmaW2, x, xTest } = setup;
  const { activation = 'linear', varianceSign = -1, tol = 1e-11, maxIterations = 2000, samples = 40000 } = options;
  let eta = options.damping ?? 0.5;
  const D = sigmaW2 / d;
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  const m = xTest ? xTest.rows : 0;
  let set: SampleSet | undefined;
  let warm: SampledMsaResult | undefined;
  if (activation !== 'linear') {
    // Warm start and importance proposal from the MSA tree level (equal to AK up to O(1/χ)): samples from
    // N(0, 1.1·Σ_v^tree) keep the effective sample size high under strong (mean-field) tilts.
    const key0 = options.key ?? makeKey(0);
    warm = sampledMsa(setup, { activation, samples, key: key0, stages: 2, tol: 1e-8 });
    const half = Math.max(1, Math.floor(samples / 2));
    const L = backend.cholesky({ rows: d, cols: d, data: warm.weightCov.data.map((v) => 1.1 * v) }, { jitter: 1e-12 * D });
    set = drawSamples(setup, activation, normal(key0, half * d), half, L.data);
  }
  // Returns C (train), C(X*, X) and Σ_v for the current (τ, A⁻¹ = (C + κ_n)⁻¹).
  const adapt = (tau: Float64Array, Ainv: Float64Array) => {
    const B = new Float64Array(P * P);
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) B[a * P + b] = tau[a]! * tau[b]! + varianceSign * Ainv[a * P + b]!;
    if (!set) {
      const XtB = backend.matmul(x, { rows: P, cols: P, data: B }, { transA: true });
      const prec = backend.matmul(XtB, x, { alpha: -lam });
      for (let i = 0; i < d; i++) prec.data[i * d + i]! += 1 / D;
      let Lp: Mat;
      try { Lp = backend.cholesky(prec); } catch { throw new InvalidArgumentError('adaptive-kernel tilt made the read-in measure non-normalisable; increase the damping or anneal in chi'); }
      const Sv = backend.choleskySolve(Lp, eye(d));
      const C = backend.matmul(backend.matmul(x, Sv), x, { transB: true, alpha: c });
      const Ct = xTest ? backend.matmul(backend.matmul(xTest, Sv), x, { transB: true, alpha: c }) : undefined;
      return { C, Ct, Sv };
    }
    const { w } = weightsQuad(set, setup, B);
    const C = new Float64Array(P * P), Ct = new Float64Array(m * P);
    for (let s = 0; s < set.S; s++) {
      const ws = w[s]!;
      const ph = set.phi.subarray(s * P, (s + 1) * P);
      for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) C[a * P + b]! += c * ws * ph[a]! * ph[b]!;
      for (let j = 0; j < m; j++) for (let b = 0; b < P; b++) Ct[j * P + b]! += c * ws * set.phiTest[s * m + j]! * ph[b]!;
    }
    return { C: { rows: P, cols: P, data: C } as Mat, Ct: m ? ({ rows: m, cols: P, data: Ct } as Mat) : undefined, Sv: { rows: d, cols: d, data: weightCovariance(set, d, w) } as Mat };
  };
  const solveTau = (C: Mat) => {
    const L = backend.cholesky(C, { jitter: kn });
    return { tau: backend.choleskySolve(L, { rows: P, cols: 1, data: y }).data.slice(), Ainv: backend.choleskySolve(L, eye(P)).data };
  };
  // NNGP start.
  let cur = adapt(new Float64Array(P), new Float64Array(P * P));
  // Linear: start at τ = 0 (the prior), the damped iteration moves towards the NNGP and beyond. Sampled: from the
  // MSA tree-level solution.
  let { tau, Ainv } = solveTau(warm ? warm.kernel : cur.C);
  tau = warm ? warm.tau.slice() : new Float64Array(P);
  let res = Infinity, it = 0;
  // Phase 1: damped iteration from the prior into the basin (robust against non-normalisable tilts and the
  // oscillations of strongly adapting mean-field maps).
  const coarse = Math.max(tol * scale, 1e-2 * scale);
  while (it < maxIterations) {
    it++;
    let next: ReturnType<typeof adapt>;
    try { next = adapt(tau, Ainv); } catch (e) {
      if (eta < 1e-4) throw e;
      eta /= 2;
      for (let a = 0; a < P; a++) tau[a]! *= 0.5;
      continue;
    }
    const sol = solveTau(next.C);
    let r = 0;
    for (let a = 0; a < P; a++) r = Math.max(r, Math.abs(kn * (sol.tau[a]! - tau[a]!)));
    if (r > res * 1.5 && eta > 1e-4) eta /= 2;
    res = r;
    cur = next;
    for (let a = 0; a < P; a++) tau[a] = (1 - eta) * tau[a]! + eta * sol.tau[a]!;
    for (let i = 0; i < P * P; i++) Ainv[i] = (1 - eta) * Ainv[i]! + eta * sol.Ainv[i]!;
    if (res <= coarse) break;
  }
  // Phase 2: Anderson acceleration (@sftdl/field) on z = (κ_n τ, κ_n (C + κ_n)⁻¹), both O(1).
  if (res > tol * scale && res <= coarse) {
    const G = (z: Float64Array): Float64Array => {
      const t = z.subarray(0, P).map((v) => v / kn), A = z.subarray(P).map((v) => v / kn);
      const sol = solveTau(adapt(t, A).C);
      const out = new Float64Array(P + P * P);
      for (let a = 0; a < P; a++) out[a] = kn * sol.tau[a]!;
      for (let i = 0; i < P * P; i++) out[P + i] = kn * sol.Ainv[i]!;
      return out;
    };
    const z0 = new Float64Array(P + P * P);
    for (let a = 0; a < P; a++) z0[a] = kn * tau[a]!;
    for (let i = 0; i < P * P; i++) z0[P + i] = kn * Ainv[i]!;
    const r = anderson(G, z0, { m: 8, beta: 0.5, tol: tol * scale, maxIterations: Math.max(10, maxIterations - it) });
    it += r.iterations;
    res = r.residual;
    tau = r.x.subarray(0, P).map((v) => v / kn);
    Ainv = r.x.subarray(P).map((v) => v / kn);
    cur = adapt(tau, Ainv);
  }
  if (res > tol * scale) throw new ConvergenceError({ what: `adaptive-kernel fixed point (${activation})`, iterations: it, residual: res, tolerance: tol * scale, hint: 'lower the damping or anneal in chi' });
  ({ tau } = solveTau(cur.C));
  const trainMean = y.map((v, a) => v - kn * tau[a]!);
  const out: MsaAdaptiveKernelResult = { tau, trainMean, msd: meanSquaredDiff(y, trainMean), kernel: cur.C, weightCov: cur.Sv, iterations: it, residual: res };
  if (cur.Ct) out.testMean = backend.matmul(cur.Ct, { rows: P, cols: 1, data: tau }).data.slice();
  return out;
}

function weightsQuad(set: SampleSet, setup: MsaSetup, B: Float64Array): { w: Float64Array } {
  return weights(set, setup, new Float64Array(setup.P), B);
}
