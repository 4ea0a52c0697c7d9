/**
 * Importance sampling of the tilted single-neuron measure of a two-layer network (docs/theory/multi-scale-adaptive.md
 * §4): p_τ(v) ∝ N(v; 0, (σ_w²/d)I)·exp((λ/2)(τ·φ)² + (λ/2)φᵀBφ), sampled from a Gaussian proposal with antithetic
 * pairs and common random numbers. Shared by the sampled MSA (`sampled.ts`) and the kernel-saddle method of the
 * adaptive-kernel solver (`adaptive/saddle.ts`). Not exported from the package index except {@link MsaActivation}.
 */
import { InvalidArgumentError, unaryScalar } from '@sftdl/compute';
import { dot } from '../numerics';
import type { MsaSetup } from './problem';

/** Activations supported by the sampled (nonlinear) MSA solvers. */
export type MsaActivation = 'linear' | 'erf' | 'relu';

const ACT: Record<MsaActivation, (x: number) => number> = {
  linear: (x) => x,
  erf: unaryScalar.erf,
  relu: (x) => (x > 0 ? x : 0),
};
/**
 * Weighted samples of the tilted single-neuron measure p_τ(v) ∝ N(v; 0, (σ_w²/d)I)·exp((λ/2) φᵀBφ), by self-normalised
 * importance sampling from a Gaussian proposal N(0, Σ_p) with antithetic pairs ±z and common random numbers.
 */
export interface SampleSet {
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

/** Draws the sample set from standard normals `z` ([half, d]) through the proposal Cholesky factor. */
export function drawSamples(
  setup: MsaSetup,
  act: MsaActivation,
  z: Float64Array,
  half: number,
  propChol: Float64Array,
): SampleSet {
  const { d, x, xTest, P, sigmaW2 } = setup;
  const D = sigmaW2 / d,
    S = 2 * half,
    m = xTest ? xTest.rows : 0;
  const f = ACT[act];
  const v = new Float64Array(S * d),
    base = new Float64Array(S),
    phi = new Float64Array(S * P),
    phiTest = new Float64Array(S * m);
  for (let h = 0; h < half; h++) {
    const zz = z.subarray(h * d, (h + 1) * d);
    let z2 = 0,
      v2 = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += propChol[i * d + j]! * zz[j]!;
      v[h * d + i] = s;
      v[(h + half) * d + i] = -s;
      z2 += zz[i]! ** 2;
      v2 += s * s;
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
export function weights(
  set: SampleSet,
  setup: MsaSetup,
  tau: Float64Array,
  extra?: Float64Array,
): { w: Float64Array; r: Float64Array; ess: number } {
  const { S, phi } = set;
  const P = setup.P,
    lam = setup.lambda;
  const r = new Float64Array(S),
    lw = new Float64Array(S);
  let mx = -Infinity;
  for (let s = 0; s < S; s++) {
    const ph = phi.subarray(s * P, (s + 1) * P);
    r[s] = dot(ph, tau);
    let e = 0.5 * lam * r[s]! ** 2;
    if (extra) {
      let q = 0;
      for (let a = 0; a < P; a++) {
        let t = 0;
        for (let b = 0; b < P; b++) t += extra[a * P + b]! * ph[b]!;
        q += ph[a]! * t;
      }
      e += 0.5 * lam * q;
    }
    lw[s] = set.base[s]! + e;
    if (lw[s]! > mx) mx = lw[s]!;
  }
  const w = new Float64Array(S);
  let z = 0,
    z2 = 0;
  for (let s = 0; s < S; s++) {
    w[s] = Math.exp(lw[s]! - mx);
    z += w[s]!;
  }
  for (let s = 0; s < S; s++) {
    w[s]! /= z;
    z2 += w[s]! ** 2;
  }
  return { w, r, ess: 1 / z2 };
}

/** Weighted moments needed by tree level: ⟨φφᵀ⟩ (train × train and test × train blocks; test × test is left 0), ⟨φ r⟩, and H = κ_n + σ²[⟨φφᵀ⟩ + λ Cov(A, A)] on train. */
export function moments(set: SampleSet, setup: MsaSetup, w: Float64Array, r: Float64Array) {
  const { P, lambda: lam, priorScale: c, noise: kn } = setup;
  const { S, phi, phiTest, m } = set;
  const T = P + m;
  const m2 = new Float64Array(T * T),
    phr = new Float64Array(T),
    AA = new Float64Array(P * P);
  const row = new Float64Array(T);
  for (let s = 0; s < S; s++) {
    const ws = w[s]!;
    if (ws === 0) continue;
    for (let a = 0; a < P; a++) row[a] = phi[s * P + a]!;
    for (let j = 0; j < m; j++) row[P + j] = phiTest[s * m + j]!;
    const rs = r[s]!;
    // only the blocks the solvers read: train × train and test × train (the test × test block stays 0)
    for (let a = 0; a < T; a++) {
      const wa = ws * row[a]!;
      phr[a]! += wa * rs;
      const top = Math.min(a, P - 1);
      for (let b = 0; b <= top; b++) m2[a * T + b]! += wa * row[b]!;
    }
    const wr2 = ws * rs * rs;
    for (let a = 0; a < P; a++) for (let b = 0; b <= a; b++) AA[a * P + b]! += wr2 * row[a]! * row[b]!;
  }
  for (let a = 0; a < T; a++) for (let b = 0; b < Math.min(a, P); b++) m2[b * T + a] = m2[a * T + b]!;
  const H = new Float64Array(P * P);
  for (let a = 0; a < P; a++)
    for (let b = 0; b <= a; b++) {
      const v = c * (m2[a * T + b]! + lam * (AA[a * P + b]! - phr[a]! * phr[b]!)) + (a === b ? kn : 0);
      H[a * P + b] = v;
      H[b * P + a] = v;
    }
  return { m2, phr, H, T };
}

/** Weighted read-in covariance Σ_v = Σ_s w_s v_s v_sᵀ, [d, d] row-major. */
export function weightCovOf(set: SampleSet, d: number, w: Float64Array): Float64Array {
  const Sv = new Float64Array(d * d);
  for (let s = 0; s < set.S; s++) {
    const ws = w[s]!;
    const v = set.v.subarray(s * d, (s + 1) * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) Sv[i * d + j]! += ws * v[i]! * v[j]!;
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) Sv[j * d + i] = Sv[i * d + j]!;
  return Sv;
}

/** Throws unless the activation is supported. */
export function assertActivation(a: string): asserts a is MsaActivation {
  if (!(a in ACT)) throw new InvalidArgumentError(`activation must be one of ${Object.keys(ACT).join('|')}, got '${a}'`);
}
