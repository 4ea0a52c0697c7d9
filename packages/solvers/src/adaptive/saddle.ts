/**
 * The kernel-saddle method of the adaptive-kernel solver (Seroussi et al. 2023; Fischer et al. 2024;
 * docs/theory/multi-scale-adaptive.md §8): the tilted single-neuron measure with exponent
 * (σ²/(2N)) φᵀ[ττᵀ + s(C + κ_n)⁻¹]φ (the MSA conventions σ² = σ_a²/χ, κ_n), solved self-consistently with
 * C = σ²⟨φφᵀ⟩ and τ = (C + κ_n)⁻¹y by damped fixed-point iteration finished with Anderson acceleration. Linear φ uses
 * the closed Gaussian form; erf/ReLU use importance sampling with common random numbers, warm-started from the MSA
 * tree level, whose Σ_v also sets the Gaussian proposal. Internal: reached through `solveAdaptiveKernel`
 * (`method: 'kernel-saddle'`).
 */
import { ConvergenceError, InvalidArgumentError, type Mat, eye } from '@sftdl/compute';
import { type Key, anderson, normal } from '@sftdl/field';
import { meanSquaredDiff } from '../numerics';
import type { MsaSetup } from '../msa/problem';
import { sampledMsa, type SampledMsaResult } from '../msa/sampled';
import { type MsaActivation, type SampleSet, drawSamples, weightCovOf, weights } from '../msa/sampling';

/** Options of {@link kernelSaddle} (defaults are filled in by `solveAdaptiveKernel`). */
export interface KernelSaddleOptions {
  activation: MsaActivation;
  /** Sign s of the variance term: −1 (docs/theory/multi-scale-adaptive.md §8), +1, or 0 (no variance term). */
  varianceSign: -1 | 0 | 1;
  damping: number;
  tol: number;
  maxIterations: number;
  samples: number;
  key: Key;
}

/** Result of {@link kernelSaddle}. */
export interface KernelSaddleResult {
  tau: Float64Array;
  trainMean: Float64Array;
  msd: number;
  testMean?: Float64Array;
  /** Adapted kernel C on the training points. */
  kernel: Mat;
  weightCov: Mat;
  iterations: number;
  residual: number;
  /** Effective sample size of the final importance weights (sampled φ only). */
  effectiveSamples?: number;
}

/** Solves the kernel-saddle equations on the MSA set-up (see the module comment). */
export function kernelSaddle(setup: MsaSetup, options: KernelSaddleOptions): KernelSaddleResult {
  const { P, d, noise: kn, priorScale: c, lambda: lam, y, backend, sigmaW2, x, xTest } = setup;
  const { activation, varianceSign, tol, maxIterations, samples } = options;
  let eta = options.damping;
  const D = sigmaW2 / d;
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  const m = xTest ? xTest.rows : 0;
  let set: SampleSet | undefined;
  let warm: SampledMsaResult | undefined;
  if (activation !== 'linear') {
    // Warm start and importance proposal from the MSA tree level (equal to AK up to O(1/χ)): samples from
    // N(0, 1.1·Σ_v^tree) keep the effective sample size high under strong (mean-field) tilts.
    const key0 = options.key;
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
      try {
        Lp = backend.cholesky(prec);
      } catch {
        throw new InvalidArgumentError(
          'adaptive-kernel tilt made the read-in measure non-normalisable; increase the damping or anneal in chi',
        );
      }
      const Sv = backend.choleskySolve(Lp, eye(d));
      const C = backend.matmul(backend.matmul(x, Sv), x, { transB: true, alpha: c });
      const Ct = xTest ? backend.matmul(backend.matmul(xTest, Sv), x, { transB: true, alpha: c }) : undefined;
      return { C, Ct, Sv, ess: undefined };
    }
    const { w, ess } = weights(set, setup, new Float64Array(P), B);
    const C = new Float64Array(P * P),
      Ct = new Float64Array(m * P);
    for (let s = 0; s < set.S; s++) {
      const ws = w[s]!;
      const ph = set.phi.subarray(s * P, (s + 1) * P);
      for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) C[a * P + b]! += c * ws * ph[a]! * ph[b]!;
      for (let j = 0; j < m; j++) for (let b = 0; b < P; b++) Ct[j * P + b]! += c * ws * set.phiTest[s * m + j]! * ph[b]!;
    }
    return {
      C: { rows: P, cols: P, data: C } as Mat,
      Ct: m ? ({ rows: m, cols: P, data: Ct } as Mat) : undefined,
      Sv: { rows: d, cols: d, data: weightCovOf(set, d, w) } as Mat,
      ess,
    };
  };
  const solveTau = (C: Mat) => {
    const L = backend.cholesky(C, { jitter: kn });
    return {
      tau: backend.choleskySolve(L, { rows: P, cols: 1, data: y }).data.slice(),
      Ainv: backend.choleskySolve(L, eye(P)).data,
    };
  };
  // NNGP start.
  let cur = adapt(new Float64Array(P), new Float64Array(P * P));
  // Linear: start at τ = 0 (the prior), the damped iteration moves towards the NNGP and beyond. Sampled: from the
  // MSA tree-level solution.
  let { tau, Ainv } = solveTau(warm ? warm.kernel : cur.C);
  tau = warm ? warm.tau.slice() : new Float64Array(P);
  let res = Infinity,
    it = 0;
  // Phase 1: damped iteration from the prior into the basin (robust against non-normalisable tilts and the
  // oscillations of strongly adapting mean-field maps).
  const coarse = Math.max(tol * scale, 1e-2 * scale);
  while (it < maxIterations) {
    it++;
    let next: ReturnType<typeof adapt>;
    try {
      next = adapt(tau, Ainv);
    } catch (e) {
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
      const t = z.subarray(0, P).map((v) => v / kn),
        A = z.subarray(P).map((v) => v / kn);
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
  if (res > tol * scale)
    throw new ConvergenceError({
      what: `adaptive-kernel fixed point (${activation})`,
      iterations: it,
      residual: res,
      tolerance: tol * scale,
      hint: 'lower the damping or anneal in chi',
    });
  ({ tau } = solveTau(cur.C));
  const trainMean = y.map((v, a) => v - kn * tau[a]!);
  const out: KernelSaddleResult = {
    tau,
    trainMean,
    msd: meanSquaredDiff(y, trainMean),
    kernel: cur.C,
    weightCov: cur.Sv,
    iterations: it,
    residual: res,
  };
  if (cur.ess !== undefined) out.effectiveSamples = cur.ess;
  if (cur.Ct) out.testMean = backend.matmul(cur.Ct, { rows: P, cols: 1, data: tau }).data.slice();
  return out;
}
