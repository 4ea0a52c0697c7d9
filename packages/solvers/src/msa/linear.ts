import { ConvergenceError, InvalidArgumentError, type Mat, eye, matVec as matvec } from '@sftdl/compute';
import { dot, meanSquaredDiff, positiveRoots } from '../numerics';
import { kernelScaleFromSpectrum } from '../rescaling/kernelRescaling';
import { type MsaInput, type MsaSetup, inputKernel, msaSetup } from './problem';
import { eigenvaluesDescending } from '@sftdl/compute';

/** Eigen-decomposed linear-network problem: K0 = U diag(λ) Uᵀ, ỹ = Uᵀy, B = K0(X*, X) U. */
export interface LinearMsaSpectrum {
  setup: MsaSetup;
  /** K0 = (σ_w²/d) X Xᵀ, [P, P]. */
  K0: Mat;
  /** Eigenvalues of K0 (ascending, clamped at 0). */
  eigvals: Float64Array;
  /** Eigenvectors of K0 as columns. */
  U: Mat;
  /** Uᵀ y. */
  yRot: Float64Array;
  /** K0(X*, X), [P*, P]. */
  K0Test?: Mat;
  /** K0(X*, X) U. */
  B?: Mat;
  /** diag K0(X*, X*). */
  K0TestDiag?: Float64Array;
}

/** Builds the eigen-decomposed problem of a linear two-layer network (φ = id). */
export function linearMsaSpectrum(input: MsaInput | MsaSetup): LinearMsaSpectrum {
  const setup = 'lambda' in input ? input : msaSetup(input);
  const { backend, x, xTest, sigmaW2 } = setup;
  const K0 = inputKernel(x, x, sigmaW2, backend);
  const { values, vectors } = backend.eigh(K0);
  const eigvals = values.map((v) => Math.max(v, 0));
  const yRot = backend.matmul(vectors, { rows: setup.P, cols: 1, data: setup.y }, { transA: true }).data.slice();
  const spec: LinearMsaSpectrum = { setup, K0, eigvals, U: vectors, yRot };
  if (xTest) {
    spec.K0Test = inputKernel(xTest, x, sigmaW2, backend);
    spec.B = backend.matmul(spec.K0Test, vectors);
    spec.K0TestDiag = new Float64Array(xTest.rows);
    for (let i = 0; i < xTest.rows; i++) {
      let s = 0;
      for (let j = 0; j < xTest.cols; j++) s += xTest.data[i * xTest.cols + j]! ** 2;
      spec.K0TestDiag[i] = (sigmaW2 / xTest.cols) * s;
    }
  }
  return spec;
}

/** GP predictor with kernel q·σ²_MSA·K0 and noise κ_n, evaluated in the eigenbasis. */
export interface ScaledGpPrediction {
  /** Unscaled discrepancy y − f̄ on the training points. */
  discrepancy: Float64Array;
  trainMean: Float64Array;
  /** Mean over training points of (y − f̄)². */
  msd: number;
  testMean?: Float64Array;
}

/** Mean predictor of GP regression with kernel q·σ²_MSA·K0 and noise κ_n (the linear-network MSA predictor). */
export function scaledGpPredict(spec: LinearMsaSpectrum, q: number): ScaledGpPrediction {
  const { setup, eigvals, U, yRot, B } = spec;
  const { P, priorScale: c, noise: kn, y } = setup;
  const r = new Float64Array(P),
    g = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    const a = kn + q * c * eigvals[k]!;
    r[k] = (kn / a) * yRot[k]!;
    g[k] = ((q * c) / a) * yRot[k]!;
  }
  const discrepancy = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    let s = 0;
    for (let k = 0; k < P; k++) s += U.data[i * P + k]! * r[k]!;
    discrepancy[i] = s;
  }
  const trainMean = y.map((v, i) => v - discrepancy[i]!);
  const out: ScaledGpPrediction = { discrepancy, trainMean, msd: dot(discrepancy, discrepancy) / P };
  if (B) {
    out.testMean = new Float64Array(B.rows);
    for (let i = 0; i < B.rows; i++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += B.data[i * P + k]! * g[k]!;
      out.testMean[i] = s;
    }
  }
  return out;
}

/** yᵀA⁻¹K0A⁻¹y and tr(σ²K0A⁻¹) with A = κ_n + qσ²K0. */
function spectralSums(spec: LinearMsaSpectrum, q: number): { quad: number; trace: number } {
  const { eigvals, yRot, setup } = spec;
  const c = setup.priorScale,
    kn = setup.noise;
  let quad = 0,
    trace = 0;
  for (let k = 0; k < eigvals.length; k++) {
    const l = eigvals[k]!,
      a = kn + q * c * l;
    quad += (l * yRot[k]! ** 2) / (a * a);
    trace += (c * l) / a;
  }
  return { quad, trace };
}

/** Result of a scalar (q) equation solve. */
export interface ScalarScaleResult {
  /** Internal multiplier q of the prior kernel σ²_MSA·K0. */
  q: number;
  /** Effective kernel scale Q: the mean predictor is GP regression with kernel Q·K0 and noise κ (= σ_a²·q). */
  Q: number;
  iterations: number;
  /** |1/q − RHS(q)| at the solution. */
  residual: number;
}

/**
 * Scalar tree-level MSA equation of the linear two-layer network:
 * 1/q = 1 − (σ²/N) yᵀA⁻¹K0A⁻¹y, A = κ_n + qσ²K0 (unique root in q > 0).
 *
 * *When to use:* the exact tree-level MSA solution for φ = id (the τ-equation reduces to it), and the starting point
 * of the vector solvers. *Gotchas:* Q = σ_a² q already contains the χ bookkeeping.
 * @example
 * ```ts
 * const r = msaTreeScalar(linearMsaSpectrum({ x, y, width: 30, chi: 30, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 }));
 * ```
 */
export function msaTreeScalar(spec: LinearMsaSpectrum): ScalarScaleResult {
  const { width: N, priorScale: c } = spec.setup;
  const F = (q: number): number => 1 / q - 1 + (c / N) * spectralSums(spec, q).quad;
  return pickRoot(spec, F, 'MSA tree-level scalar equation');
}

/**
 * Scalar one-loop MSA equation (= stationarity of the kernel-rescaling action with C0 = σ²K0):
 * 1/q = 1 + (1/N) tr(σ²K0A⁻¹) − (σ²/N) yᵀA⁻¹K0A⁻¹y. When several roots exist, the minimiser of S(q) is returned.
 */
export function msaOneLoopScalar(spec: LinearMsaSpectrum): ScalarScaleResult {
  const { width: N, priorScale: c, noise: kn } = spec.setup;
  const r = kernelScaleFromSpectrum({ eigvals: spec.eigvals.map((l) => c * l), U: spec.U, yRot: spec.yRot }, kn, N);
  return { q: r.x, Q: spec.setup.qScale * r.x, iterations: r.iterations, residual: r.residual };
}

function pickRoot(spec: LinearMsaSpectrum, F: (q: number) => number, what: string): ScalarScaleResult {
  const roots = positiveRoots(F, { lo: 1e-12, hi: 1e12, points: 480 });
  if (roots.length === 0) {
    throw new ConvergenceError({
      what,
      iterations: 480,
      residual: Math.abs(F(1)),
      tolerance: 1e-12,
      hint: 'no root in q ∈ [1e-12, 1e12]; check sigma2 > 0 and the data scale',
    });
  }
  // F is strictly decreasing for the tree equation, so the root is unique.
  const best = roots[0]!;
  return { q: best.x, Q: spec.setup.qScale * best.x, iterations: best.iterations, residual: Math.abs(F(best.x)) };
}

/** H(τ) = κ_n I + σ²(qK0 + 2λq²(K0τ)(K0τ)ᵀ), the fluctuation matrix of the linear network. */
function hessian(spec: LinearMsaSpectrum, q: number, k0tau: Float64Array): Mat {
  const { P, priorScale: c, noise: kn, lambda: lam } = spec.setup;
  const H = new Float64Array(P * P);
  for (let a = 0; a < P; a++) {
    for (let b = 0; b < P; b++) H[a * P + b] = c * (q * spec.K0.data[a * P + b]! + 2 * lam * q * q * k0tau[a]! * k0tau[b]!);
    H[a * P + a]! += kn;
  }
  return { rows: P, cols: P, data: H };
}

/** q(τ) = 1/(1 − λ τᵀK0τ); throws when the tilted measure is not normalisable. */
function qOfTau(spec: LinearMsaSpectrum, tau: Float64Array, k0tau: Float64Array): number {
  const z = 1 - spec.setup.lambda * dot(tau, k0tau);
  if (!(z > 0))
    throw new InvalidArgumentError(
      `tilted read-in measure is not normalisable (λ τᵀK0τ = ${(1 - z).toFixed(4)} ≥ 1); start closer to the NNGP solution or anneal in chi`,
    );
  return 1 / z;
}

/** Options of the iterative MSA solvers. */
export interface MsaSolveOptions {
  /** Residual tolerance on the stationarity equation, relative to max|y| (default 1e-12). */
  tol?: number;
  maxIterations?: number;
  /** Warm start for τ (default: the scalar solution). */
  tauInit?: ArrayLike<number>;
}

/** Shared fields of the MSA mean-field results. */
export interface MsaLinearSolution extends ScaledGpPrediction {
  /** Internal kernel multiplier q(τ̄) = 1/(1 − λτ̄ᵀK0τ̄). */
  q: number;
  /** Effective kernel scale Q = σ_a²·q (GP regression with Q·K0 and noise κ). */
  Q: number;
  /** Saddle / one-loop field τ̄ (P). */
  tau: Float64Array;
  iterations: number;
  /** max |stationarity residual| at τ̄. */
  residual: number;
  /** Read-in weight covariance Σ_v [d, d]. */
  weightCov: Mat;
  /** Eigenvalues of Σ_v, largest first. */
  weightCovEigenvalues: number[];
  /** Leading-order posterior variance of the training outputs (diag of κ_n I − κ_n² H⁻¹). */
  trainVariance: Float64Array;
  /** Leading-order posterior variance at the test points. */
  testVariance?: Float64Array;
  /** Learned-kernel change ΔC = C(τ̄) − C0 on the training points, [P, P]. */
  deltaC: Mat;
  /** tᵀΔC t/|t|² (t = discrepancy), yᵀΔC y/|y|² and the top eigenvalue of ΔC. */
  deltaCProjections: { alongDiscrepancy: number; alongTarget: number; topEigenvalue: number };
}

/** Tree-level Σ_v = (g_v/d)I + λq(g_v/d)² uuᵀ, u = Xᵀτ. */
function treeWeightCov(spec: LinearMsaSpectrum, q: number, tau: Float64Array): { cov: Float64Array; u: Float64Array } {
  const { x, d, sigmaW2, lambda: lam } = spec.setup;
  const D = sigmaW2 / d;
  const u = new Float64Array(d);
  for (let a = 0; a < x.rows; a++) for (let j = 0; j < d; j++) u[j]! += x.data[a * d + j]! * tau[a]!;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j] = (i === j ? D : 0) + lam * q * D * D * u[i]! * u[j]!;
  return { cov, u };
}

function finishSolution(
  spec: LinearMsaSpectrum,
  q: number,
  tau: Float64Array,
  iterations: number,
  residual: number,
  weightCov: Float64Array,
  M: Mat,
  testMean: Float64Array | undefined,
  treeCov: Float64Array = weightCov,
): MsaLinearSolution {
  const { setup } = spec;
  const { P, d, noise: kn, y, priorScale: c, lambda: lam, x, xTest, backend } = setup;
  const discrepancy = tau.map((v) => kn * v);
  const trainMean = y.map((v, i) => v - discrepancy[i]!);
  const Wm: Mat = { rows: d, cols: d, data: weightCov };
  const ev = eigenvaluesDescending(backend, Wm);
  const trainVariance = new Float64Array(P);
  for (let a = 0; a < P; a++) trainVariance[a] = kn - kn * kn * M.data[a * P + a]!;
  const k0tau = matvec(spec.K0, tau);
  const dC = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) dC[a * P + b] = c * lam * q * k0tau[a]! * k0tau[b]!;
  const kt = dot(k0tau, discrepancy),
    ky = dot(k0tau, y);
  const sol: MsaLinearSolution = {
    q,
    Q: setup.qScale * q,
    tau,
    iterations,
    residual,
    discrepancy,
    trainMean,
    msd: meanSquaredDiff(y, trainMean),
    weightCov: Wm,
    weightCovEigenvalues: ev,
    trainVariance,
    deltaC: { rows: P, cols: P, data: dC },
    deltaCProjections: {
      alongDiscrepancy: dot(discrepancy, discrepancy) > 0 ? (c * lam * q * kt * kt) / dot(discrepancy, discrepancy) : 0,
      alongTarget: (c * lam * q * ky * ky) / Math.max(dot(y, y), Number.MIN_VALUE),
      topEigenvalue: c * lam * q * dot(k0tau, k0tau),
    },
  };
  if (xTest && testMean) {
    sol.testMean = testMean;
    // Var(f*) = ∂²**Φ − gᵀ M g with moments of the (Gaussian) tilted measure with covariance Σ_v (docs/theory/multi-scale-adaptive.md §5).
    const u = new Float64Array(d);
    for (let a = 0; a < P; a++) for (let j = 0; j < d; j++) u[j]! += x.data[a * d + j]! * tau[a]!;
    // Leading order: moments of the tilted measure at τ̄ (tree-level Σ_v(τ̄)), H at τ̄.
    const Tm: Mat = { rows: d, cols: d, data: treeCov };
    const Su = matvec(Tm, u);
    const uSu = dot(u, Su);
    const XS = backend.matmul(x, Tm); // rows: Σ x_b
    const m = xTest.rows;
    sol.testVariance = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const xs = xTest.data.subarray(i * d, (i + 1) * d);
      const sx = matvec(Tm, xs);
      const sss = dot(xs, sx),
        sSu = dot(xs, Su);
      const g = new Float64Array(P);
      for (let b = 0; b < P; b++) {
        const xb = XS.data.subarray(b * d, (b + 1) * d); // Σ x_b
        const xsb = dot(xs, xb),
          xbu = dot(xb, u);
        g[b] = c * (xsb + lam * (xsb * uSu + sSu * xbu));
      }
      const dss = c * (sss + lam * (sss * uSu + sSu * sSu));
      sol.testVariance[i] = dss - dot(g, matvec(M, g));
    }
  }
  return sol;
}

function inverseSPD(spec: LinearMsaSpectrum, H: Mat): Mat {
  const { backend, P } = spec.setup;
  const L = backend.cholesky(H);
  return backend.choleskySolve(L, eye(P));
}

/**
 * Tree-level MSA for a linear two-layer network: solves y = κ_n τ + C(τ)τ with Newton steps (Jacobian H(τ)), from the
 * scalar solution or a warm start, and returns the mean predictor, Q, Σ_v (one spike (g_v/d)q along Xᵀτ), ΔC and the
 * output variance.
 *
 * *When to use:* MSA tree level (exact in mean-field scaling up to O(1/N)) and Algorithm 1 steps.
 * *Gotchas:* in standard scaling the tree level has an O(P/N) error that the one-loop term removes.
 * @example
 * ```ts
 * const tree = linearMsaTree({ x, y, width: 30, chi: 30, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 });
 * tree.Q; tree.msd; tree.weightCovEigenvalues[0]; // spike = (σ_w²/d)·q
 * ```
 */
export function linearMsaTree(input: MsaInput | LinearMsaSpectrum, options: MsaSolveOptions = {}): MsaLinearSolution {
  const spec = 'K0' in input ? input : linearMsaSpectrum(input);
  const { setup } = spec;
  const { P, priorScale: c, noise: kn, y } = setup;
  const { tol = 1e-12, maxIterations = 100 } = options;
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  let tau: Float64Array;
  if (options.tauInit) {
    tau = Float64Array.from(options.tauInit);
    // A warm start outside the normalisable region (λτᵀK0τ ≥ 1) is shrunk back inside it.
    const rho = setup.lambda * dot(tau, matvec(spec.K0, tau));
    if (rho >= 0.9) tau = tau.map((v) => v * Math.sqrt(0.9 / rho));
  } else {
    const s = msaTreeScalar(spec);
    tau = scaledGpPredict(spec, s.q).discrepancy.map((v) => v / kn);
  }
  const G = (t: Float64Array, k0t: Float64Array, q: number): Float64Array => t.map((v, a) => kn * v + c * q * k0t[a]! - y[a]!);
  let k0tau = matvec(spec.K0, tau);
  let q = qOfTau(spec, tau, k0tau);
  let g = G(tau, k0tau, q);
  let res = Math.max(...Array.from(g, Math.abs));
  let it = 0;
  while (res > tol * scale && it < maxIterations) {
    it++;
    const H = hessian(spec, q, k0tau);
    const step = spec.setup.backend.choleskySolve(spec.setup.backend.cholesky(H), { rows: P, cols: 1, data: g }).data;
    let eta = 1;
    for (;;) {
      const cand = tau.map((v, a) => v - eta * step[a]!);
      const k0c = matvec(spec.K0, cand);
      const z = 1 - setup.lambda * dot(cand, k0c);
      if (z > 0) {
        const qc = 1 / z,
          gc = G(cand, k0c, qc);
        const rc = Math.max(...Array.from(gc, Math.abs));
        if (rc < res || eta < 1e-6) {
          tau = cand;
          k0tau = k0c;
          q = qc;
          g = gc;
          res = rc;
          break;
        }
      }
      eta /= 2;
      if (eta < 1e-12)
        throw new ConvergenceError({
          what: 'MSA tree-level Newton',
          iterations: it,
          residual: res,
          tolerance: tol * scale,
          hint: 'anneal in chi from the NNGP solution (msaAnneal)',
        });
    }
  }
  if (res > tol * scale)
    throw new ConvergenceError({ what: 'MSA tree-level Newton', iterations: it, residual: res, tolerance: tol * scale });
  const H = hessian(spec, q, k0tau);
  const M = inverseSPD(spec, H);
  const { cov } = treeWeightCov(spec, q, tau);
  let testMean: Float64Array | undefined;
  if (spec.K0Test) testMean = matvec(spec.K0Test, tau).map((v) => c * q * v);
  return finishSolution(spec, q, tau, it, res, cov, M, testMean);
}

/** One-loop MSA solution (linear): the τ-form of (L1)–(L4) plus the scalar one-loop Q. */
export interface MsaOneLoopSolution extends MsaLinearSolution {
  /** Scalar one-loop (= kernel-rescaling) solution; `Q`, `msd`, `testMean` of this object's scalar fields use it. */
  scalar: ScalarScaleResult & ScaledGpPrediction;
}

/**
 * One-loop MSA for a linear two-layer network. Solves the corrected stationarity (L1)
 * y = κ_n τ + ∇Φ(τ) − ½ Σ M ∂³Φ(τ) in closed τ-form, with test means (L3), the one-loop Σ_v (L4) and variances.
 * `scalar` holds the scalar one-loop equation's Q and its GP predictor (equal to kernel rescaling).
 *
 * *When to use:* standard scaling (χ = 1), where tree level is off by O(P/N); both forms are O(1/N²)-accurate.
 * *Gotchas:* leading order in 1/N; for P ≳ N the expansion degrades.
 * @example
 * ```ts
 * const one = linearMsaOneLoop({ x, y, width: 30, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 });
 * one.scalar.Q; one.msd; // τ-form msd
 * ```
 */
export function linearMsaOneLoop(input: MsaInput | LinearMsaSpectrum, options: MsaSolveOptions = {}): MsaOneLoopSolution {
  const spec = 'K0' in input ? input : linearMsaSpectrum(input);
  const { setup } = spec;
  const { P, priorScale: c, noise: kn, lambda: lam, y, backend, x, d, sigmaW2 } = setup;
  const { tol = 1e-12, maxIterations = 200 } = options;
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  const s1 = msaOneLoopScalar(spec);
  const pred1 = scaledGpPredict(spec, s1.q);
  let tau = options.tauInit ? Float64Array.from(options.tauInit) : pred1.discrepancy.map((v) => v / kn);
  const evalAt = (t: Float64Array) => {
    const k0t = matvec(spec.K0, t);
    const q = qOfTau(spec, t, k0t);
    const H = hessian(spec, q, k0t);
    const L = backend.cholesky(H);
    const M = backend.choleskySolve(L, eye(P));
    const MK0 = backend.matmul(M, spec.K0);
    let trMK0 = 0;
    for (let a = 0; a < P; a++) trMK0 += MK0.data[a * P + a]!;
    const MK0t = matvec(M, k0t);
    const K0MK0t = matvec(spec.K0, MK0t);
    const tK0MK0t = dot(k0t, MK0t);
    const loop = new Float64Array(P);
    for (let a = 0; a < P; a++)
      loop[a] = c * (lam * q * q * (trMK0 * k0t[a]! + 2 * K0MK0t[a]!) + 4 * lam * lam * q * q * q * k0t[a]! * tK0MK0t);
    const g = t.map((v, a) => kn * v + c * q * k0t[a]! - loop[a]! - y[a]!);
    return { k0t, q, L, M, trMK0, MK0t, tK0MK0t, g, res: Math.max(...Array.from(g, Math.abs)) };
  };
  let st = evalAt(tau);
  let it = 0;
  while (st.res > tol * scale && it < maxIterations) {
    it++;
    const step = backend.choleskySolve(st.L, { rows: P, cols: 1, data: st.g }).data;
    let eta = 1;
    for (;;) {
      const cand = tau.map((v, a) => v - eta * step[a]!);
      let next: ReturnType<typeof evalAt> | undefined;
      try {
        next = evalAt(cand);
      } catch {
        next = undefined;
      }
      if (next && (next.res < st.res || eta < 1e-3)) {
        tau = cand;
        st = next;
        break;
      }
      eta /= 2;
      if (eta < 1e-6)
        throw new ConvergenceError({
          what: 'MSA one-loop τ-equation',
          iterations: it,
          residual: st.res,
          tolerance: tol * scale,
          hint: 'the one-loop expansion needs P/N small in standard scaling; try a larger width',
        });
    }
  }
  if (st.res > tol * scale)
    throw new ConvergenceError({ what: 'MSA one-loop τ-equation', iterations: it, residual: st.res, tolerance: tol * scale });
  const { q, M, k0t, trMK0, tK0MK0t } = st;
  // One-loop Σ_v (L4): Σ_v(τ̄) − ½ Σ_bc M_bc ∂_b∂_c Σ_v(τ̄), differentiated in closed form.
  const { cov, u } = treeWeightCov(spec, q, tau);
  const treeCov = cov.slice();
  const D = sigmaW2 / d;
  const XtM = backend.matmul(x, M, { transA: true }); // [d, P]
  const XtMX = backend.matmul(XtM, x); // [d, d]
  const w = matvec(XtM, k0t);
  const cu = 2 * lam * q * q * trMK0 + 8 * lam * lam * q * q * q * tK0MK0t;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      cov[i * d + j]! -=
        ((lam * D * D) / 2) *
        (cu * u[i]! * u[j]! + 4 * lam * q * q * (w[i]! * u[j]! + u[i]! * w[j]!) + 2 * q * XtMX.data[i * d + j]!);
    }
  let testMean: Float64Array | undefined;
  if (spec.K0Test) {
    const Ks = spec.K0Test;
    const kst = matvec(Ks, tau);
    const ksMk = matvec(Ks, st.MK0t);
    testMean = kst.map(
      (v, i) => c * q * v - c * (lam * q * q * (2 * ksMk[i]! + trMK0 * v) + 4 * lam * lam * q * q * q * v * tK0MK0t),
    );
  }
  const sol = finishSolution(spec, q, tau, it, st.res, cov, M, testMean, treeCov);
  return { ...sol, scalar: { ...s1, ...pred1 } };
}
