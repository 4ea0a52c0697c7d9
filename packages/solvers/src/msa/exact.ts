import { ConvergenceError, type Mat, eigenvaluesDescending } from '@sftdl/compute';
import { logGamma } from '@sftdl/field';
import { meanSquaredDiff } from '../numerics';
import type { MsaInput } from './problem';
import { type LinearMsaSpectrum, linearMsaSpectrum } from './linear';

/** Exact posterior of a linear two-layer network through its Gamma scale mixture (docs/theory/multi-scale-adaptive.md §7). */
export interface LinearExactResult {
  /** E[s | D], s ~ Gamma(N/2, rate N/2) a priori. */
  expectedScale: number;
  /** Posterior standard deviation of s. */
  scaleStd: number;
  /** Exact effective scale E[Q] = σ_a²·E[s | D] (in the χ-convention). */
  Q: number;
  /** Exact posterior mean at the training points. */
  trainMean: Float64Array;
  /** Mean over training points of (y − f̄)². */
  msd: number;
  /** Exact posterior variance of the latent outputs at the training points. */
  trainVariance: Float64Array;
  testMean?: Float64Array;
  testVariance?: Float64Array;
  /**
   * Exact read-in weight covariance Σ_v = ⟨v vᵀ⟩ of one hidden neuron, [d, d] (row-major), from
   * E[VᵀV | D]/N = (E[aaᵀ | D] + (N − 1)(σ_w²/d) I)/N with a = Vᵀŵ (the only data-dependent direction in neuron space).
   */
  weightCov: Mat;
  /** Eigenvalues of `weightCov`, largest first. */
  weightCovEigenvalues: number[];
  /** log p(y) (evidence of the finite-width network). */
  logEvidence: number;
  /** Grid points of the trapezoid rule in u = ln s, and the estimated relative quadrature error. */
  nodes: number;
  quadratureError: number;
}

/**
 * Exact Bayesian posterior of f(x) = Σ_i w_i v_i·x with Gaussian priors: f | s ~ GP(0, σ²s K0) with
 * s ~ Gamma(shape N/2, rate N/2), so p(s | D) ∝ s^{N/2−1} e^{−Ns/2} N(y; 0, σ² s K0 + κ_n I). All posterior moments are
 * 1-D integrals over u = ln s, done by the trapezoid rule on a log-space grid around the global mode (spectrally
 * accurate for this smooth, rapidly decaying integrand; checked by halving the step).
 *
 * *When to use:* the ground truth for the linear-network MSA, kernel-rescaling and adaptive-kernel solvers, any N, P.
 * *Gotchas:* only for φ = id and one hidden layer; the test variance excludes the noise.
 * @example
 * ```ts
 * const ex = linearExactOracle({ x, y, width: 30, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 });
 * ex.Q; ex.msd;
 * ```
 */
/** Largest trapezoid grid of {@link linearExactOracle} (an iteration cap). */
const MAX_GRID_POINTS = 2_000_000;

export function linearExactOracle(input: MsaInput | LinearMsaSpectrum, { relTol = 1e-13 } = {}): LinearExactResult {
  const spec = 'K0' in input ? input : linearMsaSpectrum(input);
  const { setup, eigvals, yRot, U, B, K0TestDiag } = spec;
  const { P, width: N, priorScale: c, noise: kn, y } = setup;
  const logDensity = (u: number): number => {
    const s = Math.exp(u);
    let v = 0.5 * N * u - 0.5 * N * s;
    for (let k = 0; k < P; k++) {
      const a = kn + s * c * eigvals[k]!;
      v -= 0.5 * (Math.log(a) + yRot[k]! ** 2 / a);
    }
    return v;
  };
  // Coarse scan for the global mode and the support (log density within 80 of the maximum).
  const u0 = -60,
    u1 = 40,
    coarse = 4000;
  let best = -Infinity,
    ubest = 0;
  const vals = new Float64Array(coarse + 1);
  for (let i = 0; i <= coarse; i++) {
    const u = u0 + ((u1 - u0) * i) / coarse;
    vals[i] = logDensity(u);
    if (vals[i]! > best) {
      best = vals[i]!;
      ubest = u;
    }
  }
  let iLo = 0,
    iHi = coarse;
  while (iLo < coarse && vals[iLo]! < best - 80) iLo++;
  while (iHi > 0 && vals[iHi]! < best - 80) iHi--;
  const a = u0 + ((u1 - u0) * Math.max(iLo - 1, 0)) / coarse;
  const b = u0 + ((u1 - u0) * Math.min(iHi + 1, coarse)) / coarse;
  // Curvature at the mode sets the step.
  const h0 = 1e-3;
  const curv = -(logDensity(ubest + h0) - 2 * logDensity(ubest) + logDensity(ubest - h0)) / (h0 * h0);
  const width = curv > 0 ? 1 / Math.sqrt(curv) : (b - a) / 100;
  // Weight space: u = Σ_i w_i v_i | s ~ N(0, (σ_w²/d)σ²s I) a priori (|w|² = σ²s), y | u ~ N(Xu, κ_n I).
  const { x, d, sigmaW2 } = setup;
  const D = sigmaW2 / d;
  const { values: mu, vectors: W } = setup.backend.eigh(setup.backend.gram(x, { trans: true }));
  const bvec = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let t = 0;
    for (let a2 = 0; a2 < P; a2++) {
      let xw = 0;
      for (let j = 0; j < d; j++) xw += x.data[a2 * d + j]! * W.data[j * d + k]!;
      t += xw * y[a2]!;
    }
    bvec[k] = t;
  }
  const integrate = (stepsPerSd: number) => {
    const h = Math.min(width / stepsPerSd, (b - a) / 64);
    const n = Math.ceil((b - a) / h);
    // hard cap: a huge width N makes the scale posterior so narrow that the grid would need billions of points
    if (!(n <= MAX_GRID_POINTS)) {
      throw new ConvergenceError({
        what: 'exact Gamma-mixture quadrature',
        iterations: 0,
        residual: NaN,
        tolerance: relTol,
        detail: `the scale posterior (width ${width.toExponential(2)} in ln s, N = ${N}) would need ${n > 1e15 ? n.toExponential(1) : n} grid points, more than ${MAX_GRID_POINTS}`,
        hint: 'the exact linear oracle resolves widths up to N ~ 1e9; use a smaller width (at this N the kernel-rescaling/one-loop results are already exact to O(1/N))',
      });
    }
    const hh = (b - a) / n;
    let Z = 0,
      Es = 0,
      Es2 = 0;
    const m1 = new Float64Array(P),
      m2 = new Float64Array(P),
      v1 = new Float64Array(P);
    const nT = B ? B.rows : 0;
    const t1 = new Float64Array(nT),
      t2 = new Float64Array(nT),
      tv = new Float64Array(nT);
    const r = new Float64Array(P),
      g = new Float64Array(P);
    const Aa = new Float64Array(d * d),
      mt = new Float64Array(d);
    for (let i = 0; i <= n; i++) {
      const u = a + i * hh;
      const w = (i === 0 || i === n ? 0.5 : 1) * Math.exp(logDensity(u) - best);
      if (w === 0) continue;
      const s = Math.exp(u);
      Z += w;
      Es += w * s;
      Es2 += w * s * s;
      // E[aaᵀ | s, D] = (Σ_u + m mᵀ)/(σ²s) in the eigenbasis of XᵀX
      const ls = D * c * s,
        fac = 1 / (c * s); // |w|² = σ²s
      for (let k = 0; k < d; k++) {
        const sk = 1 / (1 / ls + Math.max(mu[k]!, 0) / kn);
        mt[k] = (sk * bvec[k]!) / kn;
        Aa[k * d + k]! += w * fac * sk;
      }
      for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) Aa[k * d + l]! += w * fac * mt[k]! * mt[l]!;
      for (let k = 0; k < P; k++) {
        const A = kn + s * c * eigvals[k]!;
        r[k] = ((s * c * eigvals[k]!) / A) * yRot[k]!; // rotated train mean
        g[k] = ((s * c) / A) * yRot[k]!;
      }
      for (let i2 = 0; i2 < P; i2++) {
        let f = 0,
          pv = 0;
        for (let k = 0; k < P; k++) {
          const uik = U.data[i2 * P + k]!;
          f += uik * r[k]!;
          const A = kn + s * c * eigvals[k]!;
          pv += uik * uik * ((s * c * eigvals[k]! * kn) / A);
        }
        m1[i2]! += w * f;
        m2[i2]! += w * f * f;
        v1[i2]! += w * pv;
      }
      for (let j = 0; j < nT; j++) {
        let f = 0,
          q = 0;
        for (let k = 0; k < P; k++) {
          const bjk = B!.data[j * P + k]!;
          f += bjk * g[k]!;
          q += (bjk * bjk) / (kn + s * c * eigvals[k]!);
        }
        t1[j]! += w * f;
        t2[j]! += w * f * f;
        tv[j]! += w * (s * c * K0TestDiag![j]! - s * s * c * c * q);
      }
    }
    const mean = m1.map((v) => v / Z);
    const trainVariance = mean.map((mu, i2) => v1[i2]! / Z + m2[i2]! / Z - mu * mu);
    const testMean = t1.map((v) => v / Z);
    const testVariance = testMean.map((mu, j) => tv[j]! / Z + t2[j]! / Z - mu * mu);
    // rotate back and form Σ_v = (E[aaᵀ] + (N − 1) D I)/N
    const Sv = new Float64Array(d * d);
    for (let i2 = 0; i2 < d; i2++)
      for (let j = 0; j < d; j++) {
        let t = 0;
        for (let k = 0; k < d; k++)
          for (let l = 0; l < d; l++) t += W.data[i2 * d + k]! * (Aa[k * d + l]! / Z) * W.data[j * d + l]!;
        Sv[i2 * d + j] = (t + (i2 === j ? (N - 1) * D : 0)) / N;
      }
    return { Z: Z * hh, Es: Es / Z, Es2: Es2 / Z, mean, trainVariance, testMean, testVariance, n, Sv };
  };
  const coarseR = integrate(12);
  const fine = integrate(24);
  let err = Math.abs(fine.Es - coarseR.Es) / Math.abs(fine.Es);
  for (let i = 0; i < P; i++)
    err = Math.max(err, Math.abs(fine.mean[i]! - coarseR.mean[i]!) / Math.max(1e-300, Math.max(...Array.from(y, Math.abs))));
  if (!(err <= Math.max(relTol, 1e-13))) {
    throw new ConvergenceError({
      what: 'exact Gamma-mixture quadrature',
      iterations: fine.n,
      residual: err,
      tolerance: relTol,
      hint: 'the scale posterior is extremely narrow or multi-modal; check the data scale',
    });
  }
  // log p(y) = ln ∫ ds Gamma(s) N(y; …) ; Gamma density in u = ln s: (N/2)^{N/2}/Γ(N/2) s^{N/2} e^{−Ns/2}.
  const logGammaNorm = 0.5 * N * Math.log(0.5 * N) - logGamma(0.5 * N);
  const logEvidence = Math.log(fine.Z) + best + logGammaNorm - 0.5 * P * Math.log(2 * Math.PI);
  const res: LinearExactResult = {
    expectedScale: fine.Es,
    scaleStd: Math.sqrt(Math.max(fine.Es2 - fine.Es * fine.Es, 0)),
    Q: setup.qScale * fine.Es,
    trainMean: fine.mean,
    msd: meanSquaredDiff(y, fine.mean),
    trainVariance: fine.trainVariance,
    logEvidence,
    nodes: fine.n + 1,
    quadratureError: err,
    weightCov: { rows: d, cols: d, data: fine.Sv },
    weightCovEigenvalues: eigenvaluesDescending(setup.backend, { rows: d, cols: d, data: fine.Sv }),
  };
  if (B) {
    res.testMean = fine.testMean;
    res.testVariance = fine.testVariance;
  }
  return res;
}
