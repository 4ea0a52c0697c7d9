/**
 * Multi-scale adaptive (MSA) theory for nonlinear φ by importance sampling of the tilted single-neuron measure
 * (docs/theory/multi-scale-adaptive.md §4, §5, §10): tree level and one loop.
 */
import { ConvergenceError, type Mat, eigenvaluesDescending, eye } from '@sftdl/compute';
import { type Key, normal } from '@sftdl/field';
import { getActivation } from '@sftdl/kernels';
import { dot, meanSquaredDiff } from '../numerics';
import { type MsaInput, type MsaSetup, msaSetup } from './problem';
import { type MsaActivation, type SampleSet, drawSamples, moments, weightCovOf, weights } from './sampling';

/** Options of the sampled MSA solvers. */
export interface SampledMsaOptions {
  activation?: MsaActivation;
  /** Importance samples (antithetic pairs, default 40 000). */
  samples?: number;
  /** Random key of the importance samples (required: all randomness is explicit). */
  key: Key;
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
 * const r = sampledMsa({ x, y, width: 100, chi: 100, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 }, { activation: 'erf', key: key(0) });
 * ```
 */
export function sampledMsa(input: MsaInput | MsaSetup, options: SampledMsaOptions): SampledMsaResult {
  const setup = 'lambda' in input ? input : msaSetup(input);
  const { P, d, noise: kn, priorScale: c, lambda: lam, y, backend, sigmaW2 } = setup;
  const { activation = 'erf', samples = 40000, tol = 1e-9, maxIterations = 100, stages = 3, oneLoop = false } = options;
  const half = Math.max(1, Math.floor(samples / 2));
  const z = normal(options.key, half * d);
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  const D = sigmaW2 / d;
  let chol = new Float64Array(d * d);
  for (let i = 0; i < d; i++) chol[i * d + i] = Math.sqrt(D);
  let set = drawSamples(setup, activation, z, half, chol);
  const exact = exactPriorMoments(setup, activation);
  let cv = priorControl(set, setup, exact, new Float64Array(P));
  let tau: Float64Array;
  if (options.tauInit) tau = Float64Array.from(options.tauInit);
  else {
    // NNGP start: τ = (C0 + κ_n)⁻¹ y with C0 from the prior samples.
    const { w, r } = weights(set, setup, new Float64Array(P));
    const mo = controlled(moments(set, setup, w, r), cv, setup, new Float64Array(P));
    tau = backend.choleskySolve(backend.cholesky({ rows: P, cols: P, data: mo.H }), { rows: P, cols: 1, data: y }).data.slice();
  }
  let total = 0,
    res = Infinity,
    ess = 0;
  let last: ReturnType<typeof evaluate> | undefined;
  function evaluate(t: Float64Array) {
    const { w, r, ess: e } = weights(set, setup, t);
    // raw moments for the loop cumulants (centred on their own sample means), controlled ones for the tree parts
    const raw = moments(set, setup, w, r);
    const mo = controlled(raw, cv, setup, t);
    const Hm: Mat = { rows: P, cols: P, data: mo.H };
    const L = backend.cholesky(Hm);
    const g = new Float64Array(P);
    for (let a = 0; a < P; a++) g[a] = kn * t[a]! + c * mo.phr[a]! - y[a]!;
    let loop: Float64Array | undefined, M: Mat | undefined;
    if (oneLoop) {
      M = backend.choleskySolve(L, eye(P));
      loop = loopTerm(set, setup, w, r, raw, M);
      for (let a = 0; a < P; a++) g[a]! -= loop[a]!;
    }
    return { w, r, mo, raw, L, g, loop, M, ess: e, res: Math.max(...Array.from(g, Math.abs)) };
  }
  for (let stage = 0; stage < Math.max(1, stages); stage++) {
    const final = stage === Math.max(1, stages) - 1;
    let st = evaluate(tau);
    let it = 0;
    const stol = final ? tol * scale : Math.max(1e-6 * scale, tol * scale);
    while (st.res > stol && it < maxIterations) {
      it++;
      const step = backend.choleskySolve(st.L, { rows: P, cols: 1, data: st.g }).data;
      let eta = 1,
        stalled = false;
      for (;;) {
        const cand = tau.map((v, a) => v - eta * step[a]!);
        const nx = evaluate(cand);
        if (nx.res < st.res) {
          tau = cand;
          st = nx;
          break;
        }
        eta /= 2;
        // Round-off floor of the weighted sums: accept when even a tiny step cannot reduce the residual.
        if (eta < 1e-3) {
          stalled = true;
          break;
        }
      }
      if (stalled) break;
    }
    total += it;
    res = st.res;
    ess = st.ess;
    last = st;
    if (final) {
      if (res > stol)
        throw new ConvergenceError({
          what: `sampled MSA ${oneLoop ? 'one-loop' : 'tree-level'} Newton (${activation})`,
          iterations: total,
          residual: res,
          tolerance: stol,
          hint: 'anneal in chi (msaAnneal), or increase samples',
        });
      break;
    }
    // Refit the proposal to the tilted weight covariance Σ_v (inflated by 10 %).
    const Sv = weightCovOf(set, d, st.w);
    for (let i = 0; i < d * d; i++) Sv[i]! *= 1.1;
    const L = backend.cholesky({ rows: d, cols: d, data: Sv }, { jitter: 1e-12 * D });
    chol = L.data.slice();
    set = drawSamples(setup, activation, z, half, chol);
    cv = priorControl(set, setup, exact, tau);
  }
  const st = last!;
  const { mo, raw } = st;
  const T = mo.T,
    m = set.m;
  const discrepancy = tau.map((v) => kn * v);
  const trainMean = y.map((v, a) => v - discrepancy[a]!);
  const K = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) K[a * P + b] = c * mo.m2[a * T + b]!;
  const Sv = weightCovOf(set, d, st.w);
  // control variate: Σ_v + β((σ_w²/d)I − Σ_v,prior) with the prior-weighted Σ_v of the same samples
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) Sv[i * d + j]! += cv.beta * ((i === j ? D : 0) - cv.priorWeightCov[i * d + j]!);
  const M = st.M ?? backend.choleskySolve(st.L, eye(P));
  if (oneLoop) {
    // (L4) for F = vvᵀ: ⟨F⟩ − (λ/2)[Cov(F, s) + λ⟨δF δAᵀMδA⟩].
    const corr = loopObservable(
      set,
      setup,
      st.w,
      st.r,
      M,
      (s, out) => {
        const v = set.v.subarray(s * d, (s + 1) * d);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = v[i]! * v[j]!;
      },
      d * d,
      raw.phr,
    );
    for (let i = 0; i < d * d; i++) Sv[i]! -= corr[i]!;
  }
  const Wm: Mat = { rows: d, cols: d, data: Sv };
  const result: SampledMsaResult = {
    tau,
    discrepancy,
    trainMean,
    msd: meanSquaredDiff(y, trainMean),
    kernel: { rows: P, cols: P, data: K },
    weightCov: Wm,
    weightCovEigenvalues: eigenvaluesDescending(backend, Wm),
    iterations: total,
    residual: res,
    ess,
  };
  if (m > 0) {
    const testMean = new Float64Array(m),
      testVariance = new Float64Array(m);
    const loopT = oneLoop ? loopTerm(set, setup, st.w, st.r, raw, M, true) : undefined;
    for (let j = 0; j < m; j++) {
      testMean[j] = c * mo.phr[P + j]! - (loopT ? loopT[j]! : 0);
    }
    // Var(f*) = ∂²**Φ − gᵀMg (docs/theory/multi-scale-adaptive.md §5) from the same samples.
    for (let j = 0; j < m; j++) {
      let e2 = 0,
        er2 = 0,
        er = 0;
      const cross = new Float64Array(P);
      for (let s = 0; s < set.S; s++) {
        const ws = st.w[s]!,
          ph = set.phiTest[s * m + j]!,
          rs = st.r[s]!;
        e2 += ws * ph * ph;
        er += ws * ph * rs;
        er2 += ws * ph * ph * rs * rs;
        for (let b = 0; b < P; b++) cross[b]! += ws * ph * rs * set.phi[s * P + b]! * rs;
      }
      const g = new Float64Array(P);
      for (let b = 0; b < P; b++) g[b] = c * (mo.m2[(P + j) * T + b]! + lam * (cross[b]! - er * raw.phr[b]!));
      const dss = c * (e2 + lam * (er2 - er * er));
      let gMg = 0;
      for (let a = 0; a < P; a++) {
        let t = 0;
        for (let b = 0; b < P; b++) t += M.data[a * P + b]! * g[b]!;
        gMg += g[a]! * t;
      }
      testVariance[j] = dss - gMg;
    }
    result.testMean = testMean;
    result.testVariance = testVariance;
  }
  return result;
}

/**
 * ½ Σ_bc M_bc ∂_a∂_b∂_cΦ for train indices a (or test indices with `test`), from the weighted samples:
 * (σ²λ/2)[3⟨φ_a s r⟩ − 2(m2 M⟨φr⟩)_a − ⟨s⟩⟨φ_a r⟩] + (σ²λ²/2)⟨δA_a(δAᵀMδA)⟩, s = φᵀMφ.
 */
function loopTerm(
  set: SampleSet,
  setup: MsaSetup,
  w: Float64Array,
  r: Float64Array,
  mo: { m2: Float64Array; phr: Float64Array; T: number },
  M: Mat,
  test = false,
): Float64Array {
  const { P, priorScale: c, lambda: lam } = setup;
  const { S, phi, phiTest, m } = set;
  const T = mo.T;
  const n = test ? m : P,
    off = test ? P : 0;
  const Mphr = new Float64Array(P);
  for (let a = 0; a < P; a++) {
    let t = 0;
    for (let b = 0; b < P; b++) t += M.data[a * P + b]! * mo.phr[b]!;
    Mphr[a] = t;
  }
  const phsr = new Float64Array(n),
    dAq = new Float64Array(n);
  let sMean = 0;
  const Mph = new Float64Array(P),
    dA = new Float64Array(P),
    MdA = new Float64Array(P);
  for (let s = 0; s < S; s++) {
    const ws = w[s]!;
    if (ws === 0) continue;
    const ph = phi.subarray(s * P, (s + 1) * P),
      rs = r[s]!;
    for (let a = 0; a < P; a++) {
      let t = 0;
      for (let b = 0; b < P; b++) t += M.data[a * P + b]! * ph[b]!;
      Mph[a] = t;
    }
    const ss = dot(ph, Mph);
    for (let a = 0; a < P; a++) dA[a] = ph[a]! * rs - mo.phr[a]!;
    for (let a = 0; a < P; a++) {
      let t = 0;
      for (let b = 0; b < P; b++) t += M.data[a * P + b]! * dA[b]!;
      MdA[a] = t;
    }
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
function loopObservable(
  set: SampleSet,
  setup: MsaSetup,
  w: Float64Array,
  r: Float64Array,
  M: Mat,
  F: (s: number, out: Float64Array) => void,
  k: number,
  phr: Float64Array,
): Float64Array {
  const { P, lambda: lam } = setup;
  const Fm = new Float64Array(k),
    Fs = new Float64Array(k),
    Fq = new Float64Array(k),
    f = new Float64Array(k);
  let sMean = 0,
    qMean = 0;
  const Mph = new Float64Array(P),
    dA = new Float64Array(P);
  for (let s = 0; s < set.S; s++) {
    const ws = w[s]!;
    if (ws === 0) continue;
    const ph = set.phi.subarray(s * P, (s + 1) * P),
      rs = r[s]!;
    for (let a = 0; a < P; a++) {
      let t = 0;
      for (let b = 0; b < P; b++) t += M.data[a * P + b]! * ph[b]!;
      Mph[a] = t;
    }
    const ss = dot(ph, Mph);
    for (let a = 0; a < P; a++) dA[a] = ph[a]! * rs - phr[a]!;
    let q = 0;
    for (let a = 0; a < P; a++) {
      let t = 0;
      for (let b = 0; b < P; b++) t += M.data[a * P + b]! * dA[b]!;
      q += dA[a]! * t;
    }
    F(s, f);
    sMean += ws * ss;
    qMean += ws * q;
    for (let i = 0; i < k; i++) {
      Fm[i]! += ws * f[i]!;
      Fs[i]! += ws * f[i]! * ss;
      Fq[i]! += ws * f[i]! * q;
    }
  }
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = (lam / 2) * (Fs[i]! - Fm[i]! * sMean + lam * (Fq[i]! - Fm[i]! * qMean));
  return out;
}

/** E_prior[φ_aφ_b] over all points (train then test), [T, T], from the dual activation of `@sftdl/kernels`. */
function exactPriorMoments(setup: MsaSetup, activation: MsaActivation): Float64Array {
  const { x, xTest, sigmaW2, d, P } = setup;
  const dual = getActivation(activation);
  const T = P + (xTest ? xTest.rows : 0);
  const row = (i: number) => (i < P ? x.data.subarray(i * d, (i + 1) * d) : xTest!.data.subarray((i - P) * d, (i - P + 1) * d));
  const K = (i: number, j: number) => (sigmaW2 / d) * dot(row(i), row(j));
  const out = new Float64Array(T * T);
  for (let i = 0; i < T; i++)
    for (let j = 0; j <= i; j++) {
      const v = dual.dual(K(i, i), K(i, j), K(j, j)).f;
      out[i * T + j] = v;
      out[j * T + i] = v;
    }
  return out;
}

/**
 * Control variate of the tilted second moments (docs/theory/multi-scale-adaptive.md §9): the same samples weighted by
 * the prior alone estimate E_prior[φφᵀ], which is known exactly (dual activation). Adding β(exact − prior estimate)
 * cancels most of the Monte Carlo error of ⟨φφᵀ⟩_τ when the tilt is weak (standard scaling, where the MSA
 * corrections are small differences from the NNGP). β = Cov(w_τ-estimate, w_0-estimate)/Var(w_0-estimate) of the
 * sample norms |φ_s|², clamped to [0, 1], is fixed per proposal stage (at the τ the stage starts from), so the
 * corrected equations stay smooth in τ.
 */
interface PriorControl {
  beta: number;
  /** exact − prior-weighted estimate of E[φφᵀ], [T, T]. */
  delta: Float64Array;
  priorWeightCov: Float64Array;
}

function priorControl(set: SampleSet, setup: MsaSetup, exact: Float64Array, tau: Float64Array): PriorControl {
  const { P, d } = setup;
  const { S, phi, phiTest, m } = set;
  const T = P + m;
  let mx = -Infinity;
  for (let s = 0; s < S; s++) mx = Math.max(mx, set.base[s]!);
  const w0 = new Float64Array(S);
  let z = 0;
  for (let s = 0; s < S; s++) z += w0[s] = Math.exp(set.base[s]! - mx);
  for (let s = 0; s < S; s++) w0[s]! /= z;
  const wt = weights(set, setup, tau).w;
  const m2 = new Float64Array(T * T),
    row = new Float64Array(T),
    nrm = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < P; a++) row[a] = phi[s * P + a]!;
    for (let j = 0; j < m; j++) row[P + j] = phiTest[s * m + j]!;
    nrm[s] = dot(row, row);
    const ws = w0[s]!;
    for (let a = 0; a < T; a++) for (let b = 0; b <= Math.min(a, P - 1); b++) m2[a * T + b]! += ws * row[a]! * row[b]!;
  }
  // train × train and test × train blocks only (as `moments`); test × test stays 0
  const delta = new Float64Array(T * T);
  for (let a = 0; a < T; a++)
    for (let b = 0; b <= Math.min(a, P - 1); b++) {
      delta[a * T + b] = exact[a * T + b]! - m2[a * T + b]!;
      delta[b * T + a] = delta[a * T + b]!;
    }
  let f0 = 0,
    ft = 0;
  for (let s = 0; s < S; s++) {
    f0 += w0[s]! * nrm[s]!;
    ft += wt[s]! * nrm[s]!;
  }
  let cov = 0,
    v0 = 0;
  for (let s = 0; s < S; s++) {
    cov += wt[s]! * w0[s]! * (nrm[s]! - ft) * (nrm[s]! - f0);
    v0 += w0[s]! ** 2 * (nrm[s]! - f0) ** 2;
  }
  const beta = v0 > 0 ? Math.min(1, Math.max(0, cov / v0)) : 0;
  return { beta, delta, priorWeightCov: weightCovOf(set, d, w0) };
}

/** The tilted moments plus β·Δ: m2 (all points), ⟨φ r⟩ = m2·τ and H = … + σ²m2 (train); a copy. */
function controlled(
  raw: { m2: Float64Array; phr: Float64Array; H: Float64Array; T: number },
  cv: PriorControl,
  setup: MsaSetup,
  tau: Float64Array,
): { m2: Float64Array; phr: Float64Array; H: Float64Array; T: number } {
  const { P, priorScale: c } = setup;
  const T = raw.T,
    b = cv.beta;
  const mo = { m2: raw.m2.slice(), phr: raw.phr.slice(), H: raw.H.slice(), T };
  if (b === 0) return mo;
  for (let i = 0; i < T * T; i++) mo.m2[i]! += b * cv.delta[i]!;
  for (let a = 0; a < T; a++) {
    let t = 0;
    for (let k = 0; k < P; k++) t += cv.delta[a * T + k]! * tau[k]!;
    mo.phr[a]! += b * t;
  }
  for (let a = 0; a < P; a++) for (let k = 0; k < P; k++) mo.H[a * P + k]! += c * b * cv.delta[a * T + k]!;
  return mo;
}
