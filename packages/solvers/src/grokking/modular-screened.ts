/**
 * Screened cavity theory of the modular-addition network at finite N (docs/guides/grokking.md, "The screened cavity";
 * docs/theory/grokking.md §4.9): the cavity action of {@link solveModularFiniteN} plus the response of the other N − 1 neurons.
 *
 * The cavity action keeps the others' kernel at its mean Q. In the exact read-in posterior
 * p(W) ∝ Πᵢe^{−½|wᵢ|² − Γ(wᵢ)}·e^{−F(K_W)}, F(K) = ½Σ_p y_pᵀ(K + σ²)⁻¹y_p + (P/2)·log det(K + σ²), the others'
 * kernel K_e = Q + δ fluctuates and responds to neuron 0: its marginal is
 * e^{−½|w|² − Γ}·E_δ[e^{−(F(Q + δ + κ₀) − F(Q + δ))}], κ₀ = (σ_a²/N)φφᵀ. Expanding the exponent to second order in δ,
 * D(δ) ≈ D(0) + tr(Δδ) + ½δD''δ with Δ = ∇F(Q + κ₀) − ∇F(Q) (rank two, by Sherman–Morrison) and D'' = H(Q + κ₀) − H(Q),
 * and taking δ Gaussian with the random-phase-approximation covariance of the environment,
 *
 *   Σ = (C⁻¹ + H)⁻¹ = C(1 + HC)⁻¹,   C = (N − 1)(σ_a²/N)²·Cov(φφᵀ) (independent neurons),   H = ∇²F(Q),
 *
 * the first two cumulants give S_screened(w) = S_cavity(w) − ½·tr(ΔΣΔ) + ½E_δ[δD''δ]: the reaction term and the
 * stiffness shift (the change of the others' fluctuation free energy by the neuron). H is the stiffness of the data term and the
 * log-determinant against kernel fluctuations; on the target modes it is ∝ P/(Q + σ²)³ and large, so the environment
 * absorbs most of a neuron's own anisotropic (single-phase) share of the kernel: the self-interaction 1/(1 + X) of the
 * cavity action is screened. In the limit HC ≫ 1 the reaction cancels the quadratic part of F and the action becomes the
 * linearised (mean-field) one.
 *
 * Everything is translation invariant on the P×P table, so in the orthonormal Fourier basis κ = (k, k') of the table Q, G
 * and Y = Σ_p y_py_pᵀ are diagonal (Y_κ = P on the target modes (k, k), k ≠ 0), H is diagonal on the pairs (κ, κ'),
 * H(κ, κ') = G_κG_κ'[½(Y_κG_κ + Y_κ'G_κ') − P/2], and C is block diagonal in the momentum q = κ − κ': P² blocks of
 * P² × P², estimated from the single-neuron samples (v_q(κ) = φ̂_κ·conj φ̂_{κ−q}). The single-neuron law with the reaction
 * term is sampled by HMC on the mixture (1 − λ)S_cavity + λS_log-det (λ fitted each iteration to the reaction, so the
 * proposal follows it) and reweighted exactly to S_screened; (|a|, Q) are solved by a damped fixed point.
 *
 * The network's |a| is the posterior mean of a(K) = σ²Σ_p y_pᵀ(K + σ²)⁻¹y_p/Σ|y_p|² over the N-neuron kernel, not a(Q):
 * to second order in the (screened) fluctuations, ⟨a⟩ = a(Q) + σ²/(P(P − 1))·Σ_{κκ'}Y_κG_κ²G_κ'⟨|δ_κκ'|²⟩, with the
 * covariance Σ at N neurons (`fluctuation`).
 *
 * Approximations, in order: the environment's kernel is Gaussian (RPA) with the independent-neuron covariance C of the
 * current single-neuron law; D(δ) is expanded to second order in δ and its cumulants kept to first order in Σ; ⟨a⟩ is
 * taken to second order (docs/theory/grokking.md §4.9).
 *
 * `response: 'laplace'` drops the second-order expansion of the reaction: the environment's kernel shift minimises
 * Φ(δ) = ½⟨δ, C⁻¹δ⟩ + F(Q + δ + εφφ†) − F(Q) − ⟨∇F(Q), δ⟩ with F whole (the saddle point of the same Gaussian
 * environment), and D(0) − min Φ replaces ½tr(ΔΣΔ) (`ModularScreenedEnvironment.laplaceReaction`). Deep in GMFL-II
 * an aligned neuron moves the others' kernel by O(1) of its own size, and the two responses differ: at P = 11 they
 * bracket the network at N = 16 and 32 (the Gaussian environment's linear response does not saturate, so its Laplace
 * response over-screens a strongly aligned neuron), and the Laplace response is the closer one at N ≥ 64
 * (docs/guides/grokking.md).
 *
 * `response: 'tilted'` keeps the environment a sum of N − 1 independent neurons instead of a Gaussian: each tilts its
 * law by a common field Λ, the kernel shift is their tilted mean and its cost Cramér's rate function (the relative
 * entropy of the tilted law), over the translation-symmetrised single-neuron samples
 * (`ModularScreenedEnvironment.tiltedReaction`). Its response saturates where the Gaussian's does not, and it meets the
 * Laplace response for a weak neuron.
 */
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { type Key, fold, key as makeKey, normal } from '@sftdl/field';
import { type ModularParams, modularInvariant } from './modular';
import {
  AdaptiveDamping,
  hmcTrajectories,
  type ModularKernelClasses,
  modularMixedAction,
  solveModularFiniteN,
} from './modular-finite-n';

/** Options of {@link solveModularScreened}. */
export interface ModularScreenedOptions {
  /** Independent HMC chains of the single-neuron law; default 512. */
  chains?: number;
  /**
   * Damped fixed-point iterations; default 8. The last `average` of them are averaged. Where the damping had to
   * shrink (see `damping`) the iteration runs longer, at most 4× this.
   */
  iterations?: number;
  /** Iterations averaged into the result and its standard error; default 4. */
  average?: number;
  /** HMC trajectories per iteration after its burn-in (8 trajectories; 20 in the first iteration); default 40. Every 4th is kept. */
  sweeps?: number;
  /** Single-neuron samples that estimate the environment covariance C; default 1024. */
  covarianceSamples?: number;
  /** Single-neuron samples that carry the reaction weights; default 1024. */
  reweightSamples?: number;
  /** Leapfrog step and steps per trajectory; defaults 0.1 and 6. */
  stepSize?: number;
  leapfrogSteps?: number;
  /**
   * Mixing weight of the new Q in the damped iteration; default 0.7. The starting weight: it halves (down to 1/32)
   * whenever |a| alternates between iterations without contracting, by more than the Monte Carlo noise (a 2-cycle of
   * the map).
   */
  damping?: number;
  /** Random key (same key → same numbers); default key(0). */
  key?: Key;
  /**
   * Keep the environment's stiffness shift ½E[δ·D''·δ] (the change of the others' fluctuation free energy by the neuron,
   * same order in Σ as the reaction); default true. false: the reaction term alone.
   */
  stiffnessShift?: boolean;
  /**
   * How the environment responds to the neuron. 'quadratic' (default): D(δ) expanded to second order, the reaction
   * ½tr(ΔΣΔ). 'laplace': F kept whole and the environment's shift found by minimisation
   * (`ModularScreenedEnvironment.laplaceReaction`), the non-perturbative response; ≈ 0.15 s a reweighted sample at
   * P = 11, so `reweightSamples` defaults to 256 there. 'tilted': the environment as independent neurons tilted by a
   * common field, with Cramér's rate function instead of the Gaussian's (`ModularScreenedEnvironment.tiltedReaction`);
   * ≈ 0.3 s a reweighted sample at P = 7 (256 by default) and ≈ 2 s at P = 11.
   */
  response?: 'quadratic' | 'laplace' | 'tilted';
  /**
   * The environment's kernel covariance at N neurons, per Fourier block q (interleaved complex n × n, n = P²), in place of
   * the RPA's C(1 + HC)⁻¹: e.g. the network's own, {@link ModularKernelMoments.covarianceBlocks}. A diagnostic: with it
   * the theory is no longer closed, but it separates the environment's covariance from the rest of the approximation.
   * Not with `response: 'tilted'`.
   */
  environmentCovariance?: readonly Float64Array[];
  /**
   * How a neuron of the environment responds to the others' kernel fluctuations in the RPA covariance. 'linear'
   * (default): through the stiffness, Σ = C(1 + HC)⁻¹. 'exact': through its exact Sherman–Morrison coupling
   * Δ = ∇F(Q + εφφ†) − ∇F(Q), which saturates in the neuron's own X = εφ†Gφ: Σ_q = C_q(1 + B_q)⁻¹ with
   * B_q = scale·Cov(Δ_q, v_q) (H·C is its X → 0 limit). It screens less where neurons are strongly aligned. Only with
   * the quadratic response (the Laplace and tilted responses build on the RPA's form Σ = (C⁻¹ + H)⁻¹).
   */
  coupling?: 'linear' | 'exact';
  /**
   * How the network's |a| = ⟨a(K)⟩ is taken from the single-neuron law and the environment. 'second-order' (default):
   * a(Q) + σ²/(P(P − 1))·Σ Y_κG_κ²G_κ'⟨|δ_κκ'|²⟩. 'deterministic-equivalent': σ²/(P(P − 1))·Σ_κ Y_κR_κ with the
   * self-consistent resolvent of N neurons from the reweighted law whose self-interaction is screened entry by entry,
   * R_κ = 1/(σ² + Nε·E[|φ_κ|²/(1 + εΣ_κ'ρ(κ, κ')|φ_κ'|²R_κ')]), ρ the environment's variance of K(κ, κ') relative to
   * independent neurons (docs/theory/grokking.md §4.9); not an expansion about Q, so it holds where that series diverges
   * (GMFL-II at ≈ 3 neurons per target mode).
   */
  discrepancy?: 'second-order' | 'deterministic-equivalent';
  /** Start the iteration from this solution's kernel and screening instead of the cavity theory (skips the cavity solve). */
  start?: Pick<ModularScreenedSolution, 'kernel' | 'screening' | 'aCavity'>;
  /**
   * Count the single-neuron law's Fourier-mode occupation beyond this barrier (the mode action's x₋, as a network's is
   * counted; {@link modularModeOccupation}) over the reweighted samples of the averaged iterations: the solution's
   * `occupation`. Free: the samples are there already.
   */
  occupationBarrier?: number;
}

/** The screened single-neuron law's Fourier-mode occupation (option `occupationBarrier`), averaged like `a`. */
export interface ModularScreenedOccupation {
  barrier: number;
  /** Fraction of (neuron, mode pair) pairs with |w_k|² and |v_k|² both beyond the barrier. */
  alignedPairs: number;
  /** Fraction of neurons with every pair k = 1…(P−1)/2 aligned. */
  allPairsAligned: number;
  /** ⟨|w_k|²|v_k|²⟩ over the aligned pairs only; null where none is aligned. */
  depth: number | null;
  /** Fraction of neurons with n = 0…(P−1)/2 aligned pairs. */
  neuronsByPairs: number[];
  /** The depth over the aligned pairs of the neurons with n aligned pairs; 0 where the class is empty (and at n = 0). */
  depthByPairs: number[];
}

/** Screened cavity solution at one σ². */
export interface ModularScreenedSolution {
  sigma2: number;
  /** The network's |a|: a(Q) plus the fluctuation correction, averaged over the last iterations. */
  a: number;
  /** Monte Carlo standard error of `a` (spread of the averaged iterations / √count). */
  aStdError: number;
  /** a(Q) = σ²/(Q_λ + σ²) at the self-consistent mean kernel. */
  aMeanKernel: number;
  /** ⟨a(K)⟩ − a(Q): the effect of the screened kernel fluctuations at N neurons (to second order, or whole: `discrepancy`). */
  fluctuation: number;
  /** The fitted mixture weight λ of the last iterations: 0 = no screening (cavity), 1 = complete (mean-field action). */
  screening: number;
  /** Smallest Kish effective sample fraction of the reaction weights over the averaged iterations. */
  essFraction: number;
  /** ⟨|w_k|²|v_k|²⟩, mode-averaged. */
  phiPsi: number;
  kernel: ModularKernelClasses;
  /** The cavity theory at the same key: {@link solveModularFiniteN}'s |a| (or the `start` solution's). */
  aCavity: number;
  /** The environment's response used: 'quadratic' (second order in δ), 'laplace' or 'tilted' (option `response`). */
  response: 'quadratic' | 'laplace' | 'tilted';
  /** The environment's coupling (option `coupling`). */
  coupling: 'linear' | 'exact';
  /** How ⟨a(K)⟩ was taken (option `discrepancy`); `fluctuation` is `a` − `aMeanKernel` either way. */
  discrepancy: 'second-order' | 'deterministic-equivalent';
  /** The network |a| of every iteration. */
  history: number[];
  acceptance: number;
  /** With option `occupationBarrier`: the law's Fourier-mode occupation over the averaged iterations' reweighted samples. */
  occupation?: ModularScreenedOccupation;
}

/** cos/sin(2π((k·n) mod P)/P), indexed k·P + n, per P (the transform below runs for every sampled neuron). */
const trigTables = new Map<number, { cos: Float64Array; sin: Float64Array }>();
function trig(P: number): { cos: Float64Array; sin: Float64Array } {
  let t = trigTables.get(P);
  if (!t) {
    t = { cos: new Float64Array(P * P), sin: new Float64Array(P * P) };
    for (let k = 0; k < P; k++)
      for (let n = 0; n < P; n++) {
        const a = (2 * Math.PI * ((k * n) % P)) / P;
        t.cos[k * P + n] = Math.cos(a);
        t.sin[k * P + n] = Math.sin(a);
      }
    trigTables.set(P, t);
  }
  return t;
}

/** The orthonormal 2-D Fourier transform φ̂_κ = P⁻¹Σ_nm e^{−2πi(kn + k'm)/P}(w_n + v_m)², κ = k·P + k', of one neuron. */
export function modularNeuronFeatures(w: ArrayLike<number>, P: number, re: Float64Array, im: Float64Array, off = 0): void {
  const { cos, sin } = trig(P);
  const tr = new Float64Array(P * P),
    ti = new Float64Array(P * P),
    f = new Float64Array(P);
  for (let n = 0; n < P; n++) {
    for (let m = 0; m < P; m++) f[m] = (w[n]! + w[P + m]!) ** 2;
    for (let k2 = 0; k2 < P; k2++) {
      let a = 0,
        b = 0;
      for (let m = 0; m < P; m++) {
        a += f[m]! * cos[k2 * P + m]!;
        b -= f[m]! * sin[k2 * P + m]!;
      }
      tr[n * P + k2] = a;
      ti[n * P + k2] = b;
    }
  }
  for (let k1 = 0; k1 < P; k1++)
    for (let k2 = 0; k2 < P; k2++) {
      let a = 0,
        b = 0;
      for (let n = 0; n < P; n++) {
        const c = cos[k1 * P + n]!,
          s = -sin[k1 * P + n]!;
        const xr = tr[n * P + k2]!,
          xi = ti[n * P + k2]!;
        a += c * xr - s * xi;
        b += c * xi + s * xr;
      }
      re[off + k1 * P + k2] = a / P;
      im[off + k1 * P + k2] = b / P;
    }
}

/** |x_k| of one half of a neuron, xₙ = x[off + n] (x_k = P⁻¹Σₙxₙe^{−2πikn/P}; mode P − k is the conjugate of k). */
export function modularModeAmplitude(x: ArrayLike<number>, off: number, k: number, P: number): number {
  const { cos, sin } = trig(P);
  let r = 0,
    q = 0;
  for (let n = 0; n < P; n++) {
    r += x[off + n]! * cos[k * P + n]!;
    q += x[off + n]! * sin[k * P + n]!;
  }
  return Math.hypot(r, q) / P;
}

/** Counts of {@link modularModeOccupation}; with weights, every count is a sum of the neurons' weights. */
export interface ModularModeOccupation {
  /** (neuron, mode pair) pairs k = 1…(P−1)/2 with |w_k|² and |v_k|² both above the barrier, and all pairs seen. */
  aligned: number;
  pairs: number;
  /** Neurons with every pair aligned, and all neurons seen. */
  allAligned: number;
  neurons: number;
  /** Σ |w_k|²|v_k|² over the aligned pairs. */
  alignedW2v2: number;
  /** Neurons with n = 0…(P−1)/2 aligned pairs (how many target modes a neuron carries). */
  byPairs: number[];
  /** Σ |w_k|²|v_k|² over the aligned pairs of the neurons with n aligned pairs. */
  alignedW2v2ByPairs: number[];
}

/** Zero counts for {@link modularModeOccupation} at prime P (the start of an accumulation). */
export function emptyModularModeOccupation(P: number): ModularModeOccupation {
  const H = (P - 1) / 2;
  return {
    aligned: 0,
    pairs: 0,
    allAligned: 0,
    neurons: 0,
    alignedW2v2: 0,
    byPairs: new Array<number>(H + 1).fill(0),
    alignedW2v2ByPairs: new Array<number>(H + 1).fill(0),
  };
}

/**
 * The Fourier-mode occupation of `count` neurons stored as rows (w, v) of length 2P in `x`: which (neuron, mode pair)
 * pairs sit beyond `barrier` on both axes, |w_k|² > barrier and |v_k|² > barrier (k = 1…(P−1)/2), the definition of the
 * finite-P theory's aligned mass. `barrier` is the mode action's x₋ (`modularSaddles(s, γ).xMinus`). With `weights`, each
 * neuron counts with its weight (a reweighted sample). Counts add: with `into` they are added to it, and it is returned.
 */
export function modularModeOccupation(
  x: ArrayLike<number>,
  count: number,
  P: number,
  barrier: number,
  weights?: ArrayLike<number> | null,
  into: ModularModeOccupation = emptyModularModeOccupation(P),
): ModularModeOccupation {
  if (!(barrier > 0)) throw new InvalidArgumentError(`modularModeOccupation: barrier must be > 0, got ${barrier}`);
  if (x.length < count * 2 * P)
    throw new InvalidArgumentError(`modularModeOccupation: ${count} neurons need ${count * 2 * P} weights, got ${x.length}`);
  if (weights && weights.length < count)
    throw new InvalidArgumentError(`modularModeOccupation: ${count} neurons need ${count} weights, got ${weights.length}`);
  const H = (P - 1) / 2;
  if (into.byPairs.length !== H + 1 || into.alignedW2v2ByPairs.length !== H + 1)
    throw new InvalidArgumentError(
      `modularModeOccupation: \`into\` holds counts of another prime (P = ${P} needs ${H + 1} classes)`,
    );
  const out = into;
  for (let i = 0; i < count; i++) {
    const wt = weights ? weights[i]! : 1;
    let n = 0,
      depth = 0;
    for (let k = 1; k <= H; k++) {
      const phi = modularModeAmplitude(x, i * 2 * P, k, P) ** 2,
        psi = modularModeAmplitude(x, i * 2 * P + P, k, P) ** 2;
      if (phi > barrier && psi > barrier) {
        n++;
        depth += phi * psi;
      }
    }
    out.aligned += wt * n;
    out.pairs += wt * H;
    if (n === H) out.allAligned += wt;
    out.neurons += wt;
    out.alignedW2v2 += wt * depth;
    out.byPairs[n]! += wt;
    out.alignedW2v2ByPairs[n]! += wt * depth;
  }
  return out;
}

/** Index of κ − q in the P×P Fourier grid (κ, q flattened as k·P + k'). @internal */
export function minus(k: number, q: number, P: number): number {
  const k1 = Math.floor(k / P),
    k2 = k % P,
    q1 = Math.floor(q / P),
    q2 = q % P;
  return ((k1 - q1 + P) % P) * P + ((k2 - q2 + P) % P);
}

/** Z = (I + B)⁻¹ for complex B (n × n, split re/im; overwritten) by Gauss–Jordan with partial pivoting. */
function invertIPlus(Br: Float64Array, Bi: Float64Array, n: number): { re: Float64Array; im: Float64Array } {
  for (let k = 0; k < n; k++) Br[k * n + k] = Br[k * n + k]! + 1;
  const Zr = new Float64Array(n * n),
    Zi = new Float64Array(n * n);
  for (let k = 0; k < n; k++) Zr[k * n + k] = 1;
  for (let c = 0; c < n; c++) {
    let piv = c,
      best = -1;
    for (let r = c; r < n; r++) {
      const m = Br[r * n + c]! ** 2 + Bi[r * n + c]! ** 2;
      if (m > best) {
        best = m;
        piv = r;
      }
    }
    if (!(best > 0))
      throw new ConvergenceError({
        what: 'screened environment (1 + HC)',
        iterations: c,
        residual: 0,
        tolerance: 0,
        detail: 'singular',
        hint: 'use more covarianceSamples',
      });
    if (piv !== c)
      for (const A of [Br, Bi, Zr, Zi])
        for (let l = 0; l < n; l++) {
          const t = A[c * n + l]!;
          A[c * n + l] = A[piv * n + l]!;
          A[piv * n + l] = t;
        }
    const pr = Br[c * n + c]!,
      pi = Bi[c * n + c]!,
      pd = pr * pr + pi * pi;
    const ir = pr / pd,
      ii = -pi / pd;
    for (const [A, B] of [
      [Br, Bi],
      [Zr, Zi],
    ] as const)
      for (let l = 0; l < n; l++) {
        const xr = A[c * n + l]!,
          xi = B[c * n + l]!;
        A[c * n + l] = xr * ir - xi * ii;
        B[c * n + l] = xr * ii + xi * ir;
      }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const fr = Br[r * n + c]!,
        fi = Bi[r * n + c]!;
      if (fr === 0 && fi === 0) continue;
      for (const [A, B] of [
        [Br, Bi],
        [Zr, Zi],
      ] as const)
        for (let l = 0; l < n; l++) {
          const xr = A[c * n + l]!,
            xi = B[c * n + l]!;
          A[r * n + l] = A[r * n + l]! - (fr * xr - fi * xi);
          B[r * n + l] = B[r * n + l]! - (fr * xi + fi * xr);
        }
    }
  }
  return { re: Zr, im: Zi };
}

/**
 * In-place Cholesky factor L (LL† = A) of the Hermitian n × n matrix A from its lower triangle (split re/im, row-major);
 * returns log det A, or null where A is not positive definite.
 * @internal
 */
export function choleskyHermitian(Kr: Float64Array, Ki: Float64Array, n: number): number | null {
  let logDet = 0;
  for (let j = 0; j < n; j++) {
    let d = Kr[j * n + j]!;
    for (let k = 0; k < j; k++) d -= Kr[j * n + k]! ** 2 + Ki[j * n + k]! ** 2;
    if (!(d > 0)) return null;
    const r = Math.sqrt(d);
    Kr[j * n + j] = r;
    logDet += 2 * Math.log(r);
    for (let i = j + 1; i < n; i++) {
      let ar = Kr[i * n + j]!,
        ai = Ki[i * n + j]!;
      for (let k = 0; k < j; k++) {
        const xr = Kr[i * n + k]!,
          xi = Ki[i * n + k]!,
          yr = Kr[j * n + k]!,
          yi = Ki[j * n + k]!;
        ar -= xr * yr + xi * yi;
        ai -= xi * yr - xr * yi;
      }
      Kr[i * n + j] = ar / r;
      Ki[i * n + j] = ai / r;
    }
  }
  return logDet;
}

/**
 * tr(Y(K + σ²)⁻¹) = Σ_target Y_κ|L⁻¹e_κ|² from the Cholesky factor L of K + σ² ({@link choleskyHermitian}), Y diagonal
 * and nonzero only on `targets`; zr, zi are scratch vectors of length n.
 * @internal
 */
export function traceYInverse(
  Lr: Float64Array,
  Li: Float64Array,
  n: number,
  Y: Float64Array,
  targets: readonly number[],
  zr: Float64Array,
  zi: Float64Array,
): number {
  let tr = 0;
  for (const k0 of targets) {
    lowerSolveUnit(Lr, Li, n, k0, zr, zi);
    for (let i = k0; i < n; i++) tr += Y[k0]! * (zr[i]! ** 2 + zi[i]! ** 2);
  }
  return tr;
}

/**
 * z = L⁻¹e_{k0} by forward substitution with the Cholesky factor L ({@link choleskyHermitian}), written into zr, zi at
 * `off + k0 … off + n − 1` (the entries above k0 are zero and are not written).
 * @internal
 */
export function lowerSolveUnit(
  Lr: Float64Array,
  Li: Float64Array,
  n: number,
  k0: number,
  zr: Float64Array,
  zi: Float64Array,
  off = 0,
): void {
  for (let i = k0; i < n; i++) {
    let ar = i === k0 ? 1 : 0,
      ai = 0;
    for (let k = k0; k < i; k++) {
      const lr = Lr[i * n + k]!,
        li = Li[i * n + k]!;
      ar -= lr * zr[off + k]! - li * zi[off + k]!;
      ai -= lr * zi[off + k]! + li * zr[off + k]!;
    }
    zr[off + i] = ar / Lr[i * n + i]!;
    zi[off + i] = ai / Lr[i * n + i]!;
  }
}

/** The inverse of a 3 × 3 matrix by cofactors; null when singular. */
function invert3(A: number[][]): number[][] | null {
  const [a, b, c] = A[0]!,
    [d, e, f] = A[1]!,
    [g, h, i] = A[2]!;
  const C = [
    [e! * i! - f! * h!, c! * h! - b! * i!, b! * f! - c! * e!],
    [f! * g! - d! * i!, a! * i! - c! * g!, c! * d! - a! * f!],
    [d! * h! - e! * g!, b! * g! - a! * h!, a! * e! - b! * d!],
  ];
  const det = a! * C[0]![0]! + b! * C[1]![0]! + c! * C[2]![0]!;
  if (!(Math.abs(det) > 0) || !Number.isFinite(det)) return null;
  return C.map((r) => r.map((v) => v / det));
}

/** (A + μI)⁻¹b for a symmetric 3 × 3 A by Cholesky; null when A + μI is not positive definite. */
function solve3(A: number[][], b: number[], mu: number): number[] | null {
  const L = [0, 1, 2].map(() => [0, 0, 0]);
  for (let j = 0; j < 3; j++) {
    let d = A[j]![j]! + mu;
    for (let k = 0; k < j; k++) d -= L[j]![k]! ** 2;
    if (!(d > 0)) return null;
    L[j]![j] = Math.sqrt(d);
    for (let i = j + 1; i < 3; i++) {
      let v = A[i]![j]!;
      for (let k = 0; k < j; k++) v -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = v / L[j]![j]!;
    }
  }
  const y = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    let v = b[i]!;
    for (let k = 0; k < i; k++) v -= L[i]![k]! * y[k]!;
    y[i] = v / L[i]![i]!;
  }
  const x = [0, 0, 0];
  for (let i = 2; i >= 0; i--) {
    let v = y[i]!;
    for (let k = i + 1; k < 3; k++) v -= L[k]![i]! * x[k]!;
    x[i] = v / L[i]![i]!;
  }
  return x;
}

/** Whether the Hermitian matrix S (interleaved complex n × n) is positive semi-definite, by a Cholesky factorisation with a relative tolerance. */
function positiveSemidefinite(S: Float64Array, n: number): boolean {
  let top = 0;
  for (let k = 0; k < n; k++) top = Math.max(top, S[2 * (k * n + k)]!);
  if (top <= 0) return top === 0;
  const tol = 1e-9 * top;
  const L = new Float64Array(2 * n * n);
  for (let j = 0; j < n; j++) {
    let d = S[2 * (j * n + j)]!;
    for (let k = 0; k < j; k++) d -= L[2 * (j * n + k)]! ** 2 + L[2 * (j * n + k) + 1]! ** 2;
    if (d < -tol) return false;
    const r = d > tol ? Math.sqrt(d) : 0;
    L[2 * (j * n + j)] = r;
    if (r === 0) continue;
    for (let i = j + 1; i < n; i++) {
      let ar = S[2 * (i * n + j)]!,
        ai = S[2 * (i * n + j) + 1]!;
      for (let k = 0; k < j; k++) {
        const xr = L[2 * (i * n + k)]!,
          xi = L[2 * (i * n + k) + 1]!,
          yr = L[2 * (j * n + k)]!,
          yi = L[2 * (j * n + k) + 1]!;
        ar -= xr * yr + xi * yi;
        ai -= xi * yr - xr * yi;
      }
      L[2 * (i * n + j)] = ar / r;
      L[2 * (i * n + j) + 1] = ai / r;
    }
  }
  return true;
}

/** The objective of the tilted response ({@link ModularScreenedEnvironment.tiltedObjective}). @internal */
export interface TiltedObjective {
  /** D(0) = F(Q + εφφ†) − F(Q). */
  D0: number;
  /** The Hessian of Φ in the coefficients x in the Gaussian (weak-tilt) limit, u_su_t⟨ΣB_s, B_t⟩. */
  hessian: number[][];
  /** Φ(x), its exact gradient in x (when asked; zeros otherwise) and the Kish ESS of the tilted samples. */
  evaluate(x: readonly number[], withGradient: boolean): { phi: number; grad: number[]; ess: number };
  /** The tilt Λ(x) = Σ_t x_t·u_t(B_t − H∘ΣB_t), full n × n (split re/im). */
  tilt(x: readonly number[]): { re: Float64Array; im: Float64Array };
}

/** The data part of the stiffness H(κ, κ') = ∇²F(Q) on the pair (κ, κ'): ½G_κG_κ'(Y_κG_κ + Y_κ'G_κ'). @internal */
export function dataStiffness(G: Float64Array, Y: Float64Array, a: number, b: number): number {
  return 0.5 * G[a]! * G[b]! * (Y[a]! * G[a]! + Y[b]! * G[b]!);
}

/**
 * The parts of the fluctuation sum by the class of the momentum q: q = 0 (the modes' own magnitudes), the diagonal
 * q = (d, d) and antidiagonal q = (d, −d) (pairs of target modes), the edge q = (d, 0), (0, d), and the generic rest.
 */
export type ModularFluctuationParts = Record<'q0' | 'diagonal' | 'antidiagonal' | 'edge' | 'generic', number>;

/**
 * The fluctuation sum Σ_q Σ_κ A(κ, κ − q)Σ_q(κ, κ) (A the data part of H at G = 1/(Q + σ²) and Y; times σ²/(P(P − 1))
 * it is ⟨a⟩ − a(Q) to second order) split by the class of the momentum q: q = 0 (the modes' own magnitudes), the
 * diagonal q = (d, d) and antidiagonal q = (d, −d) (pairs of target modes), the edge q = (d, 0), (0, d), and the generic
 * rest; `blocks` interleaved complex P² × P² per q.
 * @internal
 */
export function fluctuationParts(
  P: number,
  G: Float64Array,
  Y: Float64Array,
  blocks: readonly Float64Array[],
): ModularFluctuationParts {
  const n = P * P;
  const parts = { q0: 0, diagonal: 0, antidiagonal: 0, edge: 0, generic: 0 };
  for (let q = 0; q < n; q++) {
    const q1 = Math.floor(q / P),
      q2 = q % P;
    const part =
      q === 0 ? 'q0' : q1 === q2 ? 'diagonal' : (q1 + q2) % P === 0 ? 'antidiagonal' : q1 === 0 || q2 === 0 ? 'edge' : 'generic';
    const S = blocks[q]!;
    let f = 0;
    for (let k = 0; k < n; k++) f += dataStiffness(G, Y, k, minus(k, q, P)) * S[2 * (k * n + k)]!;
    parts[part] += f;
  }
  return parts;
}

/** The total of a {@link ModularFluctuationParts}. @internal */
export function partsTotal(p: ModularFluctuationParts): number {
  return p.q0 + p.diagonal + p.antidiagonal + p.edge + p.generic;
}

/**
 * The deterministic equivalent of the resolvent E[(K + σ²)⁻¹] of a kernel K = εΣᵢφᵢφᵢ† of N neurons drawn from a law
 * given by weighted samples of |φ_κ|² (`power`, count × n; `weights` or uniform), whose kernel entries fluctuate by
 * ρ(κ, κ') times as much as independent neurons' (`rho`, n × n, or null for independent neurons): the self-consistent
 *
 *   R_κ = 1/(σ² + Nε·E[|φ_κ|²/(1 + X_κ)]),   X_κ = εΣ_κ' ρ(κ, κ')|φ_κ'|²R_κ',
 *
 * diagonal in the Fourier modes (the law is translation invariant). With ρ ≡ 1 it is the Sherman–Morrison resolvent of
 * independent rank-one terms (each neuron's self-interaction X); ρ < 1 is the part of the self-interaction the other
 * neurons' correlated response takes away (docs/theory/grokking.md §4.9). Damped iteration from `start`; throws a
 * ConvergenceError if it has not converged in 2000 steps.
 * @internal
 */
export function screenedResolvent(o: {
  power: Float64Array;
  weights: Float64Array | null;
  count: number;
  n: number;
  N: number;
  eps: number;
  sigma2: number;
  start: Float64Array;
  rho: Float64Array | null;
  what: string;
}): Float64Array {
  const { power, weights, count, n, N, eps, sigma2, rho } = o;
  let total = 0;
  for (let c = 0; c < count; c++) total += weights ? weights[c]! : 1;
  let R = Float64Array.from(o.start);
  const acc = new Float64Array(n),
    t = new Float64Array(n);
  let change = Number.POSITIVE_INFINITY;
  for (let it = 0; it < 2000; it++) {
    acc.fill(0);
    for (let c = 0; c < count; c++) {
      const off = c * n,
        w = weights ? weights[c]! : 1;
      if (w === 0) continue;
      if (rho === null) {
        let x = 0;
        for (let k = 0; k < n; k++) x += R[k]! * power[off + k]!;
        const f = w / (1 + eps * x);
        for (let k = 0; k < n; k++) acc[k] = acc[k]! + f * power[off + k]!;
      } else {
        for (let k = 0; k < n; k++) t[k] = R[k]! * power[off + k]!;
        for (let k = 0; k < n; k++) {
          let x = 0;
          const row = k * n;
          for (let l = 0; l < n; l++) x += rho[row + l]! * t[l]!;
          acc[k] = acc[k]! + (w * power[off + k]!) / (1 + eps * x);
        }
      }
    }
    change = 0;
    const next = Float64Array.from(acc, (v, k) => {
      const r = 0.5 * R[k]! + 0.5 / (sigma2 + (N * eps * v) / total);
      change = Math.max(change, Math.abs(r - R[k]!) / R[k]!);
      return r;
    });
    R = next;
    if (change < 1e-12) return R;
  }
  throw new ConvergenceError({
    what: o.what,
    iterations: 2000,
    residual: change,
    tolerance: 1e-12,
    detail: 'the deterministic equivalent of the resolvent did not converge in 2000 damped iterations',
    hint: 'check σ² and the samples (a law with |φ|² far beyond the kernel scale)',
  });
}

/**
 * The Gaussian (RPA) environment of the screened cavity theory, from single-neuron feature samples (module comment):
 * the screened covariance blocks Σ_q = C_q(1 + H_qC_q)⁻¹ for each environment size in `scales` ((N − 1)ε² and Nε²,
 * ε = σ_a²/N), the reaction ½tr(ΔΣΔ) of a neuron, and the fluctuation sum Σ Y_κG_κ²G_κ'⟨|δ_κκ'|²⟩.
 * @internal
 */
export class ModularScreenedEnvironment {
  readonly P: number;
  private readonly n: number;
  private readonly G: Float64Array;
  private readonly Y: Float64Array;
  /** Σ_q per scale, interleaved complex n × n. */
  private sigma: Float64Array[][];
  /** The environment sizes of the scale indices ((N − 1)ε², Nε²). */
  private readonly scales: number[];
  /** Σ_κ,q A_q(κ)Σ_q(κ, κ) per scale, A = the data part of H. */
  readonly fluctuationSums: number[];
  /**
   * Blocks whose screened covariance is not positive semi-definite (per scale): there C⁻¹ + H is not positive, i.e.
   * the log-determinant's negative stiffness beats the environment's own spread and the Gaussian environment does not
   * exist. 0 in a usable solution.
   */
  readonly unstableBlocks: number[];
  /** The single-neuron feature samples the environment was built from (the tilted response reweights them). */
  private readonly samples: { re: Float64Array; im: Float64Array; count: number };
  /** The per-neuron variance of each kernel entry, Var(φ_κφ̄_κ'), indexed κ·n + κ' (the diagonal of C_q, unscaled). */
  private readonly entryVariance: Float64Array;

  /**
   * @param fr,fi feature samples (count × P², from {@link modularNeuronFeatures}); G = 1/(Q_κ + σ²) and Y_κ per Fourier
   * mode; scales multiply the per-neuron covariance (e.g. (N − 1)ε²). With `exactCoupling` (the per-neuron scale
   * ε = σ_a²/N) each neuron responds to the others' kernel through its exact Sherman–Morrison coupling
   * Δ = ∇F(Q + εφφ†) − ∇F(Q) instead of its linearisation H·εφφ†: Σ_q = C_q(1 + B_q)⁻¹ with B_q = scale·Cov(Δ_q, v_q)
   * ({@link ModularScreenedOptions.coupling}).
   */
  constructor(
    fr: Float64Array,
    fi: Float64Array,
    count: number,
    P: number,
    G: Float64Array,
    Y: Float64Array,
    scales: number[],
    exactCoupling?: number,
  ) {
    const n = P * P;
    this.P = P;
    this.n = n;
    this.G = G;
    this.Y = Y;
    this.sigma = scales.map(() => []);
    this.fluctuationSums = scales.map(() => 0);
    this.unstableBlocks = scales.map(() => 0);
    this.samples = { re: fr, im: fi, count };
    this.scales = scales;
    this.entryVariance = new Float64Array(n * n);
    // the exact coupling's per-sample factors: Δ(κ, κ') = εφ_κφ̄_κ'·[H(κ, κ')/(1 + X) − ½εG_κG_κ'·S_Y/(1 + X)²],
    // X = εΣG|φ|², S_Y = ΣYG²|φ|² (Sherman–Morrison; H·εφφ† is its X → 0 limit)
    const inv1X = new Float64Array(count),
      selfY = new Float64Array(count);
    if (exactCoupling !== undefined)
      for (let s = 0; s < count; s++) {
        let X = 0,
          SY = 0;
        for (let k = 0; k < n; k++) {
          const a2 = fr[s * n + k]! ** 2 + fi[s * n + k]! ** 2;
          X += G[k]! * a2;
          SY += Y[k]! * G[k]! * G[k]! * a2;
        }
        inv1X[s] = 1 / (1 + exactCoupling * X);
        selfY[s] = 0.5 * exactCoupling * SY * inv1X[s]! * inv1X[s]!;
      }
    const Dr = exactCoupling === undefined ? null : new Float64Array(n * n),
      Di = exactCoupling === undefined ? null : new Float64Array(n * n),
      dmr = new Float64Array(n),
      dmi = new Float64Array(n),
      cs = new Float64Array(n);
    const vr = new Float64Array(n),
      vi = new Float64Array(n),
      Cr = new Float64Array(n * n),
      Ci = new Float64Array(n * n),
      mr = new Float64Array(n),
      mi = new Float64Array(n),
      H = new Float64Array(n);
    for (let q = 0; q < n; q++) {
      Cr.fill(0);
      Ci.fill(0);
      mr.fill(0);
      mi.fill(0);
      for (let k = 0; k < n; k++) H[k] = this.stiffness(k, minus(k, q, P));
      if (Dr && Di) {
        Dr.fill(0);
        Di.fill(0);
        dmr.fill(0);
        dmi.fill(0);
      }
      for (let s = 0; s < count; s++) {
        const o = s * n;
        for (let k = 0; k < n; k++) {
          const j = minus(k, q, P);
          const ar = fr[o + k]!,
            ai = fi[o + k]!,
            br = fr[o + j]!,
            bi = fi[o + j]!;
          vr[k] = ar * br + ai * bi;
          vi[k] = ai * br - ar * bi;
          mr[k] = mr[k]! + vr[k]!;
          mi[k] = mi[k]! + vi[k]!;
        }
        for (let k = 0; k < n; k++) {
          const xr = vr[k]!,
            xi = vi[k]!,
            row = k * n;
          for (let l = k; l < n; l++) {
            Cr[row + l] = Cr[row + l]! + xr * vr[l]! + xi * vi[l]!;
            Ci[row + l] = Ci[row + l]! + xi * vr[l]! - xr * vi[l]!;
          }
        }
        if (Dr && Di) {
          // E[Δ_k·v̄_l] over the samples: Δ_k = c_k·v_k with the sample's factor c_k
          for (let k = 0; k < n; k++) {
            const j = minus(k, q, P);
            cs[k] = H[k]! * inv1X[s]! - selfY[s]! * G[k]! * G[j]!;
            dmr[k] = dmr[k]! + cs[k]! * vr[k]!;
            dmi[k] = dmi[k]! + cs[k]! * vi[k]!;
          }
          for (let k = 0; k < n; k++) {
            const xr = cs[k]! * vr[k]!,
              xi = cs[k]! * vi[k]!,
              row = k * n;
            for (let l = 0; l < n; l++) {
              Dr[row + l] = Dr[row + l]! + xr * vr[l]! + xi * vi[l]!;
              Di[row + l] = Di[row + l]! + xi * vr[l]! - xr * vi[l]!;
            }
          }
        }
      }
      for (let k = 0; k < n; k++) {
        mr[k] = mr[k]! / count;
        mi[k] = mi[k]! / count;
      }
      for (let k = 0; k < n; k++)
        for (let l = k; l < n; l++) {
          const re = Cr[k * n + l]! / count - (mr[k]! * mr[l]! + mi[k]! * mi[l]!);
          const im = Ci[k * n + l]! / count - (mi[k]! * mr[l]! - mr[k]! * mi[l]!);
          Cr[k * n + l] = re;
          Ci[k * n + l] = im;
          Cr[l * n + k] = re;
          Ci[l * n + k] = -im;
        }
      for (let k = 0; k < n; k++) this.entryVariance[k * n + minus(k, q, P)] = Cr[k * n + k]!;
      if (Dr && Di)
        for (let k = 0; k < n; k++)
          for (let l = 0; l < n; l++) {
            const mdr = dmr[k]! / count,
              mdi = dmi[k]! / count;
            Dr[k * n + l] = Dr[k * n + l]! / count - (mdr * mr[l]! + mdi * mi[l]!);
            Di[k * n + l] = Di[k * n + l]! / count - (mdi * mr[l]! - mdr * mi[l]!);
          }
      for (const [si, scale] of scales.entries()) {
        const Br = new Float64Array(n * n),
          Bi = new Float64Array(n * n);
        for (let k = 0; k < n; k++)
          for (let l = 0; l < n; l++) {
            Br[k * n + l] = scale * (Dr ? Dr[k * n + l]! : H[k]! * Cr[k * n + l]!);
            Bi[k * n + l] = scale * (Di ? Di[k * n + l]! : H[k]! * Ci[k * n + l]!);
          }
        const Z = invertIPlus(Br, Bi, n);
        const S = new Float64Array(2 * n * n);
        for (let k = 0; k < n; k++)
          for (let l = 0; l < n; l++) {
            let ar = 0,
              ai = 0;
            for (let m = 0; m < n; m++) {
              const cr = Cr[k * n + m]!,
                ci = Ci[k * n + m]!,
                zr = Z.re[m * n + l]!,
                zi = Z.im[m * n + l]!;
              ar += cr * zr - ci * zi;
              ai += cr * zi + ci * zr;
            }
            S[2 * (k * n + l)] = scale * ar;
            S[2 * (k * n + l) + 1] = scale * ai;
          }
        // the exact coupling's B is not C·(Hermitian): keep the Hermitian part of the response C(1 + B)⁻¹
        if (Dr)
          for (let k = 0; k < n; k++)
            for (let l = k; l < n; l++) {
              const re = 0.5 * (S[2 * (k * n + l)]! + S[2 * (l * n + k)]!),
                im = 0.5 * (S[2 * (k * n + l) + 1]! - S[2 * (l * n + k) + 1]!);
              S[2 * (k * n + l)] = re;
              S[2 * (k * n + l) + 1] = im;
              S[2 * (l * n + k)] = re;
              S[2 * (l * n + k) + 1] = -im;
            }
        this.sigma[si]!.push(S);
        if (!positiveSemidefinite(S, n)) this.unstableBlocks[si] = this.unstableBlocks[si]! + 1;
      }
    }
    for (const si of scales.keys()) this.fluctuationSums[si] = partsTotal(this.fluctuationParts(this.sigma[si]!));
  }

  /**
   * Replaces the RPA covariance by a given one: Σ_q ← fractions[s]·blocks[q] for each scale index s (e.g. the network's
   * own kernel covariance at N neurons, {@link ModularKernelMoments.covarianceBlocks}, with fractions ((N − 1)/N, 1)).
   * The reaction, the stiffness shift, the Laplace response and the fluctuation sums then use it; the tilted response
   * does not (it reweights the samples).
   */
  useCovariance(blocks: readonly Float64Array[], fractions: readonly number[]): void {
    const { n } = this;
    if (blocks.length !== n || blocks.some((b) => b.length !== 2 * n * n) || fractions.length !== this.scales.length)
      throw new InvalidArgumentError(
        `ModularScreenedEnvironment.useCovariance: need ${n} blocks of ${n} × ${n} (interleaved complex) and ${this.scales.length} fractions`,
      );
    for (const [si, fr] of fractions.entries()) {
      this.sigma[si] = blocks.map((b) => b.map((v) => fr * v));
      this.unstableBlocks[si] = this.sigma[si]!.filter((S) => !positiveSemidefinite(S, n)).length;
      this.fluctuationSums[si] = partsTotal(this.fluctuationParts(this.sigma[si]!));
    }
  }

  /** {@link fluctuationParts} at this environment's G and Y, for `blocks` (by default its own Σ at scale index 0). */
  fluctuationParts(blocks: readonly Float64Array[] = this.sigma[0]!): ModularFluctuationParts {
    return fluctuationParts(this.P, this.G, this.Y, blocks);
  }

  /**
   * How much the environment screens each kernel entry: ρ(κ, κ') = Σ_q(κ, κ)/(scale·Var(φ_κφ̄_κ')), q = κ − κ', the
   * variance of K(κ, κ') relative to that of independent neurons, indexed κ·n + κ' (scale index `which`; 1 where the
   * independent variance vanishes). The input of {@link screenedResolvent}.
   */
  entryScreening(which = 1): Float64Array {
    const { n, P } = this;
    const rho = new Float64Array(n * n).fill(1);
    const scale = this.scales[which]!;
    for (let q = 0; q < n; q++) {
      const S = this.sigma[which]![q]!;
      for (let k = 0; k < n; k++) {
        const at = k * n + minus(k, q, P);
        const v = scale * this.entryVariance[at]!;
        if (v > 0) rho[at] = S[2 * (k * n + k)]! / v;
      }
    }
    return rho;
  }

  /** The data part of the stiffness H(κ, κ') = ∇²F(Q) on the pair (κ, κ') ({@link dataStiffness}). */
  private dataStiffness(a: number, b: number): number {
    return dataStiffness(this.G, this.Y, a, b);
  }

  /** H(κ, κ') = ∇²F(Q) on the pair (κ, κ'): the data part and the log-determinant's −(P/2)G_κG_κ'. */
  private stiffness(a: number, b: number): number {
    return this.dataStiffness(a, b) - 0.5 * this.P * this.G[a]! * this.G[b]!;
  }

  /**
   * What the Laplace response needs of the environment alone, computed once: H on every pair (n × n), ∇F(Q) (diagonal),
   * F(Q) and the modes that carry the targets.
   */
  private laplaceConstants(): { H: Float64Array; gradF: Float64Array; F0: number; targets: number[] } {
    if (this.laplaceCache) return this.laplaceCache;
    const { n, P, G, Y } = this;
    const H = new Float64Array(n * n),
      gradF = new Float64Array(n),
      targets: number[] = [];
    let F0 = 0;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) H[a * n + b] = this.stiffness(a, b);
      gradF[a] = G[a]! * (0.5 * P - 0.5 * Y[a]! * G[a]!);
      F0 += 0.5 * Y[a]! * G[a]! - 0.5 * P * Math.log(G[a]!);
      if (Y[a]! > 0) targets.push(a);
    }
    this.laplaceCache = { H, gradF, F0, targets };
    return this.laplaceCache;
  }
  private laplaceCache: { H: Float64Array; gradF: Float64Array; F0: number; targets: number[] } | null = null;

  /**
   * The neuron's vectors g = Gφ and h = GYg (split re/im), X = εφ†Gφ, g†Yg, and the coefficients of
   * Δ = ½β(gh† + hg†) − c_gg·gg†: β = ε/(1 + X), c_gg = ½β²g†Yg + (P/2)β (Sherman–Morrison).
   */
  private neuron(re: Float64Array, im: Float64Array, off: number, eps: number) {
    const { n, P, G, Y } = this;
    const gr = new Float64Array(n),
      gi = new Float64Array(n),
      hr = new Float64Array(n),
      hi = new Float64Array(n);
    let X = 0,
      sY = 0;
    for (let k = 0; k < n; k++) {
      const a = re[off + k]!,
        b = im[off + k]!;
      X += G[k]! * (a * a + b * b);
      gr[k] = G[k]! * a;
      gi[k] = G[k]! * b;
      hr[k] = G[k]! * Y[k]! * gr[k]!;
      hi[k] = G[k]! * Y[k]! * gi[k]!;
      sY += Y[k]! * (gr[k]! ** 2 + gi[k]! ** 2);
    }
    X *= eps;
    const beta = eps / (1 + X);
    return { gr, gi, hr, hi, X, sY, beta, cgg: 0.5 * beta * beta * sY + 0.5 * P * beta };
  }

  /**
   * ½tr(ΔΣΔ) for the neuron with features (re, im) at offset `off`, Δ = ∇F(Q + εφφᵀ) − ∇F(Q), with the covariance of
   * scale index `which`: the reaction term (the log-weight of the screened law relative to the cavity law).
   */
  reaction(re: Float64Array, im: Float64Array, off: number, eps: number, which = 0): number {
    return this.terms(re, im, off, eps, which, false).reaction;
  }

  /**
   * ½E_δ[δ·D''·δ] for the neuron with features (re, im) at offset `off`: D'' = H(Q + εφφᵀ) − H(Q), the change of the
   * environment's stiffness by the neuron, averaged over the environment's Gaussian fluctuations (scale index `which`).
   * With G' = G − βgg†, the data part tr(YG'δG'δG') − tr(YGδGδG) and the log-det part −(P/2)[tr(G'δG'δ) − tr(GδGδ)]
   * expand into averages E[x†δBδy] (B diagonal; only the diagonals of Σ_q) and E[(g†δg)(z†δt)] (all of Σ_q).
   */
  stiffnessShift(re: Float64Array, im: Float64Array, off: number, eps: number, which = 0): number {
    return this.terms(re, im, off, eps, which, true).shift;
  }

  /**
   * The Laplace (saddle-point) response of the environment to the neuron with features (re, im) at offset `off`, the
   * non-perturbative alternative to {@link reaction}. The environment's kernel shift δ minimises
   *
   *   Φ(δ) = ½⟨δ, C⁻¹δ⟩ + F(Q + δ + εφφ†) − F(Q) − ⟨∇F(Q), δ⟩
   *
   * (the Gaussian environment of scale index `which` with F kept whole instead of expanded to second order), over the
   * subspace δ = −Σ(c₁(gh† + hg†) + c₂gg† + c₃hh†), which contains the linear response −ΣΔ. ⟨δ, C⁻¹δ⟩ follows from
   * C⁻¹Σ = 1 − HΣ without C⁻¹, F(Q + δ + εφφ†) from a Cholesky factorisation of the Hermitian P² × P² matrix in the
   * Fourier basis, and the three c by Newton's method with finite differences and backtracking. Returns
   * `reaction` = D(0) − min Φ, which replaces the quadratic ½tr(ΔΣΔ) (they agree to third order in εφφ†; the
   * variational minimum is an upper bound on the full one, so `reaction` is a lower bound on the full Laplace value),
   * `atLinearResponse` = D(0) − Φ(−ΣΔ) (null where K + σ² is not positive definite there; the minimisation then starts
   * at δ = 0), and the minimising c relative to the linear response (c₃ in units of c₁|g|/|h|).
   */
  laplaceReaction(
    re: Float64Array,
    im: Float64Array,
    off: number,
    eps: number,
    which = 0,
  ): { reaction: number; atLinearResponse: number | null; coefficients: [number, number, number] } {
    const { n, P, G, Y } = this;
    const { H, gradF, F0, targets } = this.laplaceConstants();
    const pr = re.subarray(off, off + n),
      pi = im.subarray(off, off + n);
    const { D0, Bs, Ss, unit } = this.responseBasis(re, im, off, eps, which);
    // ½⟨δ, C⁻¹δ⟩ = ½cᵀMc with M_st = ⟨S_s, B_t⟩ − ⟨S_s, H∘S_t⟩; −⟨∇F(Q), δ⟩ = Σ_t c_t·Σ_a ∇F(Q)_a S_t(a, a)
    const M = [0, 1, 2].map(() => new Float64Array(3));
    const lin = new Float64Array(3);
    for (let s = 0; s < 3; s++) {
      for (let t = s; t < 3; t++) {
        let v = 0;
        for (let i = 0; i < n * n; i++) {
          const sr = Ss[s]!.re[i]!,
            si = Ss[s]!.im[i]!;
          v += sr * (Bs[t]!.re[i]! - H[i]! * Ss[t]!.re[i]!) + si * (Bs[t]!.im[i]! - H[i]! * Ss[t]!.im[i]!);
        }
        M[s]![t] = v;
        M[t]![s] = v;
      }
      let l = 0;
      for (let a = 0; a < n; a++) l += gradF[a]! * Ss[s]!.re[a * n + a]!;
      lin[s] = l;
    }
    const Kr = new Float64Array(n * n),
      Ki = new Float64Array(n * n);
    const zr = new Float64Array(n),
      zi = new Float64Array(n);
    const phi = (c: readonly number[]): number => {
      // K + σ² = diag(1/G) + εφφ† − Σ_t c_tS_t (lower triangle), then its Cholesky factor in place
      for (let a = 0; a < n; a++)
        for (let b = 0; b <= a; b++) {
          let vr = eps * (pr[a]! * pr[b]! + pi[a]! * pi[b]!),
            vi = eps * (pi[a]! * pr[b]! - pr[a]! * pi[b]!);
          for (let t = 0; t < 3; t++) {
            vr -= c[t]! * Ss[t]!.re[a * n + b]!;
            vi -= c[t]! * Ss[t]!.im[a * n + b]!;
          }
          Kr[a * n + b] = a === b ? vr + 1 / G[a]! : vr;
          Ki[a * n + b] = a === b ? 0 : vi;
        }
      const logDet = choleskyHermitian(Kr, Ki, n);
      if (logDet === null) return Number.POSITIVE_INFINITY;
      const tr = traceYInverse(Kr, Ki, n, Y, targets, zr, zi);
      let quad = 0;
      for (let s = 0; s < 3; s++) {
        quad += c[s]! * lin[s]!;
        for (let t = 0; t < 3; t++) quad += 0.5 * c[s]! * M[s]![t]! * c[t]!;
      }
      return quad + 0.5 * tr + 0.5 * P * logDet - F0;
    };
    // Newton in the scaled coefficients x_t = c_t/unit_t
    const toC = (x: readonly number[]) => x.map((v, t) => v * unit[t]!);
    const f = (x: readonly number[]) => phi(toC(x));
    let x = [1, 1, 0];
    let fx = f(x);
    const atLinearResponse = Number.isFinite(fx) ? D0 - fx : null;
    if (!Number.isFinite(fx)) {
      x = [0, 0, 0];
      fx = D0;
    }
    const h = 1e-3;
    for (let it = 0; it < 30; it++) {
      const grad = [0, 0, 0];
      const hess = [0, 1, 2].map(() => [0, 0, 0]);
      for (let s = 0; s < 3; s++) {
        const xp = [...x],
          xm = [...x];
        xp[s] = xp[s]! + h;
        xm[s] = xm[s]! - h;
        const fp = f(xp),
          fm = f(xm);
        grad[s] = (fp - fm) / (2 * h);
        hess[s]![s] = (fp - 2 * fx + fm) / (h * h);
      }
      for (let s = 0; s < 3; s++)
        for (let t = s + 1; t < 3; t++) {
          const at = (ds: number, dt: number) => {
            const y = [...x];
            y[s] = y[s]! + ds * h;
            y[t] = y[t]! + dt * h;
            return f(y);
          };
          const v = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h);
          hess[s]![t] = v;
          hess[t]![s] = v;
        }
      if (grad.some((v) => !Number.isFinite(v))) break;
      // Levenberg shift until the 3 × 3 system is positive definite
      let mu = 0;
      let step: number[] | null = null;
      for (let k = 0; k < 30 && !step; k++) {
        step = solve3(hess, grad, mu);
        mu = mu === 0 ? 1e-6 * (Math.abs(hess[0]![0]!) + Math.abs(hess[1]![1]!) + Math.abs(hess[2]![2]!) + 1) : 10 * mu;
      }
      if (!step) break;
      let lam = 1,
        xn = x.map((v, t) => v - step![t]!),
        fn = f(xn);
      while (!(fn < fx) && lam > 1e-4) {
        lam /= 2;
        xn = x.map((v, t) => v - lam * step![t]!);
        fn = f(xn);
      }
      if (!(fn < fx)) break;
      const gain = fx - fn;
      x = xn;
      fx = fn;
      if (gain < 1e-7) break;
    }
    return { reaction: D0 - fx, atLinearResponse, coefficients: [x[0]!, x[1]!, x[2]!] };
  }

  /**
   * The objective of the tilted (non-Gaussian) response of the environment to the neuron with features (re, im) at
   * offset `off` ({@link tiltedReaction} minimises it): the alternative to {@link laplaceReaction} that keeps the
   * environment a sum of independent neurons instead of a Gaussian. Each of the Ne environment neurons (Ne·ε² = `scales[which]`) tilts its law by e^{−εφ†Λφ}; the kernel
   * shift is δ(Λ) = Ne·ε·(E_Λ[φφ†] − E[φφ†]) and its cost the relative entropy I = Ne·KL(p_Λ‖p) (Cramér's rate function),
   * both over the translation-symmetrised samples of the single-neuron law (every sample at all P² translations of the
   * table). The tilt minimises Φ(Λ) = I + F(Q + δ + εφφ†) − F(Q) − ⟨∇F(Q), δ⟩ over Λ = Σ_t x_t·u_t(B_t − H∘S_t), the
   * directions whose Gaussian response −C(B − H∘ΣB) = −ΣB is the Laplace family, so the two agree for a weak neuron
   * (to second order in the tilt the rate function is ½⟨δ, C⁻¹δ⟩). Unlike the Gaussian's linear response C·Λ, the tilted
   * kernel E_Λ[φφ†] stays a positive mixture of the neurons' own kernels: the response saturates. The gradient is exact
   * (dΦ/dx_t = Ne·ε²·Cov_Λ(φ†(Λ − ∇F(Q + δ + εφφ†) + ∇F(Q))φ, φ†Λ_tφ)). Returns D(0) = F(Q + εφφ†) − F(Q), the
   * Gaussian limit's Hessian in x, `evaluate(x, withGradient)` (Φ = +∞ where K + σ² is not positive; `ess` the Kish
   * effective number of tilted (sample, translation) pairs) and `tilt(x)`, Λ as a full n × n matrix (split re/im).
   */
  tiltedObjective(re: Float64Array, im: Float64Array, off: number, eps: number, which = 0): TiltedObjective {
    const { n, P, G, Y } = this;
    const { H, gradF, F0, targets } = this.laplaceConstants();
    const { re: sr, im: si, count: ns } = this.samples;
    const Ne = this.scales[which]! / (eps * eps);
    const pr = re.subarray(off, off + n),
      pi = im.subarray(off, off + n);
    const { D0, Bs, Ss, unit } = this.responseBasis(re, im, off, eps, which);
    // the tilt directions Λ_t = u_t(B_t − H∘S_t) and the Gaussian-limit Hessian u_su_t⟨S_s, B_t⟩
    const Ls = Bs.map((B, t) => {
      const Lr = new Float64Array(n * n),
        Li = new Float64Array(n * n);
      for (let i = 0; i < n * n; i++) {
        Lr[i] = unit[t]! * (B.re[i]! - H[i]! * Ss[t]!.re[i]!);
        Li[i] = unit[t]! * (B.im[i]! - H[i]! * Ss[t]!.im[i]!);
      }
      return { re: Lr, im: Li };
    });
    const hess0 = [0, 1, 2].map((s) =>
      [0, 1, 2].map((t) => {
        let v = 0;
        for (let i = 0; i < n * n; i++) v += Ss[s]!.re[i]! * Bs[t]!.re[i]! + Ss[s]!.im[i]! * Bs[t]!.im[i]!;
        return v * unit[s]! * unit[t]!;
      }),
    );
    const { cos, sin } = trig(P);
    const diffIndex = this.diffIndex();
    // e(s, τ) = φ_{s,τ}†Aφ_{s,τ} for Hermitian A (full, split re/im), all samples and translations τ
    const u1r = new Float64Array(n),
      u1i = new Float64Array(n),
      tmpR = new Float64Array(n),
      tmpI = new Float64Array(n);
    const project = (Ar: Float64Array, Ai: Float64Array, out: Float64Array) => {
      for (let s = 0; s < ns; s++) {
        const o = s * n;
        u1r.fill(0);
        u1i.fill(0);
        // u(q) = Σ_a conj φ(a)·A(a, b)·φ(b), b = a − q; A Hermitian: the pair (b, a) adds the conjugate at −q
        for (let a = 0; a < n; a++) {
          const xr = sr[o + a]!,
            xi = -si[o + a]!;
          const row = a * n;
          u1r[0] = u1r[0]! + Ar[row + a]! * (xr * xr + xi * xi);
          for (let b = 0; b < a; b++) {
            const yr = sr[o + b]!,
              yi = si[o + b]!,
              ar = Ar[row + b]!,
              ai = Ai[row + b]!;
            const tr = ar * yr - ai * yi,
              ti = ar * yi + ai * yr;
            const zr = xr * tr - xi * ti,
              zi = xr * ti + xi * tr;
            const q = diffIndex[row + b]!,
              mq = diffIndex[b * n + a]!;
            u1r[q] = u1r[q]! + zr;
            u1i[q] = u1i[q]! + zi;
            u1r[mq] = u1r[mq]! + zr;
            u1i[mq] = u1i[mq]! - zi;
          }
        }
        // E(τ) = Re Σ_q ω^{−q·τ}u(q), separably: first over q₂ → τ₂, then q₁ → τ₁
        for (let q1 = 0; q1 < P; q1++)
          for (let t2 = 0; t2 < P; t2++) {
            let ar = 0,
              ai = 0;
            for (let q2 = 0; q2 < P; q2++) {
              const c = cos[q2 * P + t2]!,
                sn = -sin[q2 * P + t2]!,
                vr = u1r[q1 * P + q2]!,
                vi = u1i[q1 * P + q2]!;
              ar += c * vr - sn * vi;
              ai += c * vi + sn * vr;
            }
            tmpR[q1 * P + t2] = ar;
            tmpI[q1 * P + t2] = ai;
          }
        for (let t1 = 0; t1 < P; t1++)
          for (let t2 = 0; t2 < P; t2++) {
            let ar = 0;
            for (let q1 = 0; q1 < P; q1++) {
              const c = cos[q1 * P + t1]!,
                sn = -sin[q1 * P + t1]!;
              ar += c * tmpR[q1 * P + t2]! - sn * tmpI[q1 * P + t2]!;
            }
            out[o + t1 * P + t2] = ar;
          }
      }
    };
    const m = ns * n;
    const es = Ls.map((L) => {
      const e = new Float64Array(m);
      project(L.re, L.im, e);
      return e;
    });
    // the base law's mean kernel diagonal
    const d0 = new Float64Array(n);
    for (let s = 0; s < ns; s++) for (let a = 0; a < n; a++) d0[a] = d0[a]! + (sr[s * n + a]! ** 2 + si[s * n + a]! ** 2) / ns;
    // work buffers of the evaluations (n × n matrices split re/im; per (sample, translation) arrays of length m)
    const w = new Float64Array(m),
      xl = new Float64Array(m),
      eA = new Float64Array(m);
    const mat = () => new Float64Array(n * n);
    const [Kr, Ki, Lr, Li, Vr, Vi, Ar, Ai] = [mat(), mat(), mat(), mat(), mat(), mat(), mat(), mat()];
    const Wr = new Float64Array(n),
      Wi = new Float64Array(n),
      zr = new Float64Array(n),
      zi = new Float64Array(n);
    // Φ at the tilt whose projections are eL(s, τ) = φ_{s,τ}†Λφ_{s,τ}; with `withGradient` also the projections eA of
    // A' = ∇F(Q + δ + εφφ†) − ∇F(Q) (`gradient` true: eA holds them)
    const core = (eL: Float64Array, withGradient: boolean): { phi: number; ess: number; gradient: boolean } => {
      let mx = -Infinity;
      for (let i = 0; i < m; i++) {
        xl[i] = -eps * eL[i]!;
        if (xl[i]! > mx) mx = xl[i]!;
      }
      let z = 0;
      for (let i = 0; i < m; i++) {
        w[i] = Math.exp(xl[i]! - mx);
        z += w[i]!;
      }
      let ex = 0,
        w2 = 0;
      for (let i = 0; i < m; i++) {
        w[i] = w[i]! / z;
        ex += w[i]! * xl[i]!;
        w2 += w[i]! ** 2;
      }
      const logZ = mx + Math.log(z) - Math.log(m);
      const rate = Ne * (ex - logZ);
      // δ (lower triangle) = Ne·ε·Σ_s φ_s(a)conj φ_s(b)·W_s(a − b) − Ne·ε·diag(d0), W_s(q) = Σ_τ w(s, τ)ω^{q·τ}
      Kr.fill(0);
      Ki.fill(0);
      for (let s = 0; s < ns; s++) {
        const o = s * n;
        let ws = 0;
        for (let t = 0; t < n; t++) ws += w[o + t]!;
        if (ws < 1e-14) continue;
        for (let q1 = 0; q1 < P; q1++)
          for (let t2 = 0; t2 < P; t2++) {
            // over τ₁ first: T(q₁, τ₂) = Σ_τ₁ w(τ₁, τ₂)ω^{q₁τ₁}
            let ar = 0,
              ai = 0;
            for (let t1 = 0; t1 < P; t1++) {
              const v = w[o + t1 * P + t2]!;
              ar += v * cos[q1 * P + t1]!;
              ai += v * sin[q1 * P + t1]!;
            }
            tmpR[q1 * P + t2] = ar;
            tmpI[q1 * P + t2] = ai;
          }
        for (let q1 = 0; q1 < P; q1++)
          for (let q2 = 0; q2 < P; q2++) {
            let ar = 0,
              ai = 0;
            for (let t2 = 0; t2 < P; t2++) {
              const c = cos[q2 * P + t2]!,
                sn = sin[q2 * P + t2]!,
                vr = tmpR[q1 * P + t2]!,
                vi = tmpI[q1 * P + t2]!;
              ar += c * vr - sn * vi;
              ai += c * vi + sn * vr;
            }
            Wr[q1 * P + q2] = ar;
            Wi[q1 * P + q2] = ai;
          }
        for (let a = 0; a < n; a++) {
          const xr = sr[o + a]!,
            xi = si[o + a]!,
            row = a * n;
          for (let b = 0; b <= a; b++) {
            const yr = sr[o + b]!,
              yi = -si[o + b]!,
              q = diffIndex[row + b]!;
            const pr_ = xr * yr - xi * yi,
              pi_ = xr * yi + xi * yr;
            Kr[row + b] = Kr[row + b]! + pr_ * Wr[q]! - pi_ * Wi[q]!;
            Ki[row + b] = Ki[row + b]! + pr_ * Wi[q]! + pi_ * Wr[q]!;
          }
        }
      }
      let lin = 0;
      const scale = Ne * eps;
      for (let a = 0; a < n; a++) {
        for (let b = 0; b <= a; b++) {
          Kr[a * n + b] = scale * Kr[a * n + b]!;
          Ki[a * n + b] = scale * Ki[a * n + b]!;
        }
        Kr[a * n + a] = Kr[a * n + a]! - scale * d0[a]!;
        Ki[a * n + a] = 0;
        lin -= gradF[a]! * Kr[a * n + a]!;
      }
      for (let a = 0; a < n; a++)
        for (let b = 0; b <= a; b++) {
          Kr[a * n + b] = Kr[a * n + b]! + eps * (pr[a]! * pr[b]! + pi[a]! * pi[b]!) + (a === b ? 1 / G[a]! : 0);
          if (a !== b) Ki[a * n + b] = Ki[a * n + b]! + eps * (pi[a]! * pr[b]! - pr[a]! * pi[b]!);
        }
      const logDet = choleskyHermitian(Kr, Ki, n);
      if (logDet === null) return { phi: Number.POSITIVE_INFINITY, ess: 1 / w2, gradient: false };
      const tr = traceYInverse(Kr, Ki, n, Y, targets, zr, zi);
      const phi = rate + 0.5 * tr + 0.5 * P * logDet - F0 + lin;
      if (!withGradient) return { phi, ess: 1 / w2, gradient: false };
      // (K + σ²)⁻¹ = L^{−†}L^{−1}: columns of L⁻¹ by forward substitution, then the products
      Lr.fill(0);
      Li.fill(0); // Linv(i, j), i ≥ j
      for (let j = 0; j < n; j++) {
        Lr[j * n + j] = 1 / Kr[j * n + j]!;
        for (let i = j + 1; i < n; i++) {
          let ar = 0,
            ai = 0;
          for (let k = j; k < i; k++) {
            const lr = Kr[i * n + k]!,
              li = Ki[i * n + k]!,
              vr = Lr[k * n + j]!,
              vi = Li[k * n + j]!;
            ar -= lr * vr - li * vi;
            ai -= lr * vi + li * vr;
          }
          Lr[i * n + j] = ar / Kr[i * n + i]!;
          Li[i * n + j] = ai / Kr[i * n + i]!;
        }
      }
      // Kinv(a, b) = Σ_i conj(Linv(i, a))Linv(i, b); A' = −½KinvYKinv + (P/2)Kinv − ∇F(Q)
      for (let a = 0; a < n; a++)
        for (let b = 0; b <= a; b++) {
          let ar = 0,
            ai = 0;
          for (let i = a; i < n; i++) {
            const xr = Lr[i * n + a]!,
              xi = -Li[i * n + a]!,
              yr = Lr[i * n + b]!,
              yi = Li[i * n + b]!;
            ar += xr * yr - xi * yi;
            ai += xr * yi + xi * yr;
          }
          Vr[a * n + b] = ar;
          Vi[a * n + b] = ai;
          Vr[b * n + a] = ar;
          Vi[b * n + a] = -ai;
        }
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          let ar = 0.5 * P * Vr[a * n + b]!,
            ai = 0.5 * P * Vi[a * n + b]!;
          for (const k of targets) {
            const xr = Vr[a * n + k]!,
              xi = Vi[a * n + k]!,
              yr = Vr[k * n + b]!,
              yi = Vi[k * n + b]!;
            ar -= 0.5 * Y[k]! * (xr * yr - xi * yi);
            ai -= 0.5 * Y[k]! * (xr * yi + xi * yr);
          }
          if (a === b) ar -= gradF[a]!;
          Ar[a * n + b] = ar;
          Ai[a * n + b] = ai;
        }
      project(Ar, Ai, eA);
      return { phi, ess: 1 / w2, gradient: true };
    };
    const eL = new Float64Array(m);
    const evaluate = (x: readonly number[], withGradient: boolean): { phi: number; grad: number[]; ess: number } => {
      for (let i = 0; i < m; i++) eL[i] = x[0]! * es[0]![i]! + x[1]! * es[1]![i]! + x[2]! * es[2]![i]!;
      const c = core(eL, withGradient);
      if (!c.gradient) return { phi: c.phi, grad: [0, 0, 0], ess: c.ess };
      // dΦ/dx_t = Ne·ε²·Cov_w(e_Λ − e_A', e_t)
      const grad = [0, 0, 0];
      let md = 0;
      const mt = [0, 0, 0];
      for (let i = 0; i < m; i++) {
        md += w[i]! * (eL[i]! - eA[i]!);
        for (let t = 0; t < 3; t++) mt[t] = mt[t]! + w[i]! * es[t]![i]!;
      }
      for (let i = 0; i < m; i++) {
        const d = eL[i]! - eA[i]! - md;
        for (let t = 0; t < 3; t++) grad[t] = grad[t]! + w[i]! * d * (es[t]![i]! - mt[t]!);
      }
      for (let t = 0; t < 3; t++) grad[t] = Ne * eps * eps * grad[t]!;
      return { phi: c.phi, grad, ess: c.ess };
    };
    const tilt = (x: readonly number[]) => {
      const Tr = new Float64Array(n * n),
        Ti = new Float64Array(n * n);
      for (let t = 0; t < 3; t++)
        for (let i = 0; i < n * n; i++) {
          Tr[i] = Tr[i]! + x[t]! * Ls[t]!.re[i]!;
          Ti[i] = Ti[i]! + x[t]! * Ls[t]!.im[i]!;
        }
      return { re: Tr, im: Ti };
    };
    return { D0, hessian: hess0, evaluate, tilt };
  }

  /**
   * The tilted (non-Gaussian) response of the environment to the neuron with features (re, im) at offset `off`: the
   * minimum of {@link tiltedObjective} over its three tilt coefficients by quasi-Newton (BFGS, exact gradient, the
   * Gaussian limit's Hessian to start) from the linear response x = (1, 1, 0) (from no tilt where K + σ² is not positive
   * there). Returns `reaction` = D(0) − min Φ, which replaces the Gaussian ½tr(ΔΣΔ) or the Laplace D(0) − min Φ_Gauss,
   * `ess`, the Kish effective number of tilted (sample, translation) pairs at the minimum, and the coefficients.
   */
  tiltedReaction(
    re: Float64Array,
    im: Float64Array,
    off: number,
    eps: number,
    which = 0,
  ): { reaction: number; ess: number; coefficients: [number, number, number] } {
    const { D0, hessian: hess0, evaluate } = this.tiltedObjective(re, im, off, eps, which);
    // BFGS from the linear response (or from no tilt where K + σ² is not positive there)
    let x = [1, 1, 0];
    let cur = evaluate(x, true);
    if (!Number.isFinite(cur.phi)) {
      x = [0, 0, 0];
      cur = evaluate(x, true);
    }
    // inverse Hessian from the Gaussian limit
    const Bm = hess0.map((r) => [...r]);
    let Hi = invert3(Bm) ?? [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    for (let it = 0; it < 40; it++) {
      const dir = [0, 1, 2].map((s) => -(Hi[s]![0]! * cur.grad[0]! + Hi[s]![1]! * cur.grad[1]! + Hi[s]![2]! * cur.grad[2]!));
      let slope = dir[0]! * cur.grad[0]! + dir[1]! * cur.grad[1]! + dir[2]! * cur.grad[2]!;
      if (!(slope < 0)) {
        // reset to steepest descent scaled by the Gaussian Hessian's diagonal
        Hi = [0, 1, 2].map((s) => [0, 1, 2].map((t) => (s === t ? 1 / Math.max(Math.abs(hess0[s]![s]!), 1e-300) : 0)));
        for (let s = 0; s < 3; s++) dir[s] = -Hi[s]![s]! * cur.grad[s]!;
        slope = dir[0]! * cur.grad[0]! + dir[1]! * cur.grad[1]! + dir[2]! * cur.grad[2]!;
        if (!(slope < 0)) break;
      }
      if (-slope < 1e-9) break;
      let lam = 1;
      let xn = x.map((v, t) => v + lam * dir[t]!);
      let nxt = evaluate(xn, true);
      while (!(nxt.phi <= cur.phi + 1e-4 * lam * slope) && lam > 1e-6) {
        lam /= 2;
        xn = x.map((v, t) => v + lam * dir[t]!);
        nxt = evaluate(xn, true);
      }
      if (!(nxt.phi <= cur.phi)) break;
      const sv = xn.map((v, t) => v - x[t]!);
      const yv = nxt.grad.map((v, t) => v - cur.grad[t]!);
      const sy = sv[0]! * yv[0]! + sv[1]! * yv[1]! + sv[2]! * yv[2]!;
      const gain = cur.phi - nxt.phi;
      x = xn;
      cur = nxt;
      if (sy > 0) {
        const Hy = [0, 1, 2].map((s) => Hi[s]![0]! * yv[0]! + Hi[s]![1]! * yv[1]! + Hi[s]![2]! * yv[2]!);
        const yHy = yv[0]! * Hy[0]! + yv[1]! * Hy[1]! + yv[2]! * Hy[2]!;
        Hi = [0, 1, 2].map((s) =>
          [0, 1, 2].map(
            (t) => Hi[s]![t]! + ((sy + yHy) * sv[s]! * sv[t]!) / (sy * sy) - (Hy[s]! * sv[t]! + sv[s]! * Hy[t]!) / sy,
          ),
        );
      }
      if (gain < 1e-8) break;
    }
    return { reaction: D0 - cur.phi, ess: cur.ess, coefficients: [x[0]!, x[1]!, x[2]!] };
  }

  /** The index of a − b in the Fourier grid, for every pair (a, b) (cached). */
  private diffIndex(): Int32Array {
    if (!this.diffCache) {
      const { n, P } = this;
      this.diffCache = new Int32Array(n * n);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) this.diffCache[a * n + b] = minus(a, b, P);
    }
    return this.diffCache;
  }
  private diffCache: Int32Array | null = null;

  /** ΣR for a full n × n matrix R (split re/im), block by block: (ΣR)(a, a − q) = Σ_e Σ_q(a, e)R(e, e − q). */
  private applySigma(Rr: Float64Array, Ri: Float64Array, which: number): { re: Float64Array; im: Float64Array } {
    const { n, P } = this;
    const blocks = this.sigma[which]!;
    const Sr = new Float64Array(n * n),
      Si = new Float64Array(n * n),
      br = new Float64Array(n),
      bi = new Float64Array(n);
    for (let q = 0; q < n; q++) {
      for (let a = 0; a < n; a++) {
        const j = minus(a, q, P);
        br[a] = Rr[a * n + j]!;
        bi[a] = Ri[a * n + j]!;
      }
      const S = blocks[q]!;
      for (let a = 0; a < n; a++) {
        let sr = 0,
          si = 0;
        const row = 2 * a * n;
        for (let e = 0; e < n; e++) {
          const mr = S[row + 2 * e]!,
            mi = S[row + 2 * e + 1]!;
          sr += mr * br[e]! - mi * bi[e]!;
          si += mr * bi[e]! + mi * br[e]!;
        }
        const j = minus(a, q, P);
        Sr[a * n + j] = sr;
        Si[a * n + j] = si;
      }
    }
    return { re: Sr, im: Si };
  }

  /**
   * What both non-perturbative responses need of the neuron with features (re, im) at offset `off`: D(0) =
   * F(Q + εφφ†) − F(Q), the basis B_t = (gh† + hg†, gg†, hh†) of g = Gφ, h = GYg (full n × n, split re/im),
   * S_t = ΣB_t with the covariance of scale index `which` and the units u_t of the coefficients (c₁, c₂ relative to the
   * linear response, c₃ in units of c₁|g|/|h|).
   */
  private responseBasis(
    re: Float64Array,
    im: Float64Array,
    off: number,
    eps: number,
    which: number,
  ): {
    D0: number;
    Bs: { re: Float64Array; im: Float64Array }[];
    Ss: { re: Float64Array; im: Float64Array }[];
    unit: number[];
  } {
    const { n, P } = this;
    const { gr, gi, hr, hi, X, sY, beta, cgg } = this.neuron(re, im, off, eps);
    let g2 = 0,
      h2 = 0;
    for (let k = 0; k < n; k++) {
      g2 += gr[k]! ** 2 + gi[k]! ** 2;
      h2 += hr[k]! ** 2 + hi[k]! ** 2;
    }
    const D0 = (-0.5 * eps * sY) / (1 + X) + 0.5 * P * Math.log1p(X);
    const unit = [0.5 * beta, -cgg, (0.5 * beta * Math.sqrt(g2)) / Math.sqrt(h2 || 1)];
    const outer = (
      xr: Float64Array,
      xi: Float64Array,
      yr: Float64Array,
      yi: Float64Array,
      Br: Float64Array,
      Bi: Float64Array,
    ) => {
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          Br[a * n + b] = Br[a * n + b]! + xr[a]! * yr[b]! + xi[a]! * yi[b]!;
          Bi[a * n + b] = Bi[a * n + b]! + xi[a]! * yr[b]! - xr[a]! * yi[b]!;
        }
    };
    const Bs = [0, 1, 2].map(() => ({ re: new Float64Array(n * n), im: new Float64Array(n * n) }));
    outer(gr, gi, hr, hi, Bs[0]!.re, Bs[0]!.im);
    outer(hr, hi, gr, gi, Bs[0]!.re, Bs[0]!.im);
    outer(gr, gi, gr, gi, Bs[1]!.re, Bs[1]!.im);
    outer(hr, hi, hr, hi, Bs[2]!.re, Bs[2]!.im);
    const Ss = Bs.map((B) => this.applySigma(B.re, B.im, which));
    return { D0, Bs, Ss, unit };
  }

  /** The reaction and (when `shift`) the stiffness shift in one pass over the blocks Σ_q. */
  terms(
    re: Float64Array,
    im: Float64Array,
    off: number,
    eps: number,
    which: number,
    shift: boolean,
  ): { reaction: number; shift: number } {
    const { n, P, G, Y } = this;
    // Δ = ½β(gh† + hg†) − (½β²g†Yg + (P/2)β)gg†, β = ε/(1 + X)
    const { gr, gi, hr, hi, sY, beta, cgg } = this.neuron(re, im, off, eps);
    const blocks = this.sigma[which]!;
    // per block q: Δ_q(a) = Δ(a, a − q); U_q(a) = conj(g_a)g_{a−q}; V_q(a) = conj(g_{a−q})·(h_a, g_a) and conj(h_{a−q})g_a
    const dr = new Float64Array(n),
      di = new Float64Array(n),
      ur = new Float64Array(n),
      ui = new Float64Array(n),
      v1r = new Float64Array(n),
      v1i = new Float64Array(n),
      v2r = new Float64Array(n),
      v2i = new Float64Array(n),
      v3r = new Float64Array(n),
      v3i = new Float64Array(n);
    let reaction = 0,
      gggh = 0,
      gghg = 0,
      gggg = 0,
      gGh = 0,
      gAg = 0,
      gGg = 0;
    for (let q = 0; q < n; q++) {
      const S = blocks[q]!;
      for (let a = 0; a < n; a++) {
        const j = minus(a, q, P);
        const gar = gr[a]!,
          gai = gi[a]!,
          har = hr[a]!,
          hai = hi[a]!,
          gjr = gr[j]!,
          gji = gi[j]!,
          hjr = hr[j]!,
          hji = hi[j]!;
        dr[a] = 0.5 * beta * (gar * hjr + gai * hji + har * gjr + hai * gji) - cgg * (gar * gjr + gai * gji);
        di[a] = 0.5 * beta * (gai * hjr - gar * hji + hai * gjr - har * gji) - cgg * (gai * gjr - gar * gji);
        if (!shift) continue;
        ur[a] = gar * gjr + gai * gji;
        ui[a] = gar * gji - gai * gjr;
        v1r[a] = gjr * har + gji * hai;
        v1i[a] = gjr * hai - gji * har;
        v2r[a] = hjr * gar + hji * gai;
        v2i[a] = hjr * gai - hji * gar;
        v3r[a] = gjr * gar + gji * gai;
        v3i[a] = gjr * gai - gji * gar;
        // type 1 (diagonals): E[x†δBδy] = Σ_{a,b} conj(x_a)y_a B_b Σ_{a−b}(a, a), b = a − q
        const d = S[2 * (a * n + a)]!;
        const gg = gar * gar + gai * gai;
        const gh = gar * har + gai * hai;
        gGh += gh * G[j]! * d;
        gAg += gg * G[j]! * G[j]! * Y[j]! * d;
        gGg += gg * G[j]! * d;
      }
      for (let a = 0; a < n; a++) {
        let sr = 0,
          si = 0,
          s1r = 0,
          s1i = 0,
          s2r = 0,
          s2i = 0,
          s3r = 0,
          s3i = 0;
        const row = 2 * a * n;
        if (shift)
          for (let e = 0; e < n; e++) {
            const mr = S[row + 2 * e]!,
              mi = S[row + 2 * e + 1]!;
            sr += mr * dr[e]! - mi * di[e]!;
            si += mr * di[e]! + mi * dr[e]!;
            s1r += mr * v1r[e]! - mi * v1i[e]!;
            s1i += mr * v1i[e]! + mi * v1r[e]!;
            s2r += mr * v2r[e]! - mi * v2i[e]!;
            s2i += mr * v2i[e]! + mi * v2r[e]!;
            s3r += mr * v3r[e]! - mi * v3i[e]!;
            s3i += mr * v3i[e]! + mi * v3r[e]!;
          }
        else
          for (let e = 0; e < n; e++) {
            const mr = S[row + 2 * e]!,
              mi = S[row + 2 * e + 1]!;
            sr += mr * dr[e]! - mi * di[e]!;
            si += mr * di[e]! + mi * dr[e]!;
          }
        reaction += dr[a]! * sr + di[a]! * si;
        if (shift) {
          // E[(g†δg)(z†δt)] = Σ_q Σ_{a,e} U_q(a)Σ_q(a, e)V_q(e)
          gggh += ur[a]! * s1r - ui[a]! * s1i;
          gghg += ur[a]! * s2r - ui[a]! * s2i;
          gggg += ur[a]! * s3r - ui[a]! * s3i;
        }
      }
    }
    // E[g†δGδh] = E[h†δGδg] (both real): gGh twice
    const data = -beta * (2 * gGh + gAg) + beta * beta * (gggh + sY * gGg + gghg) - beta * beta * beta * sY * gggg;
    const logDet = P * beta * gGg - 0.5 * P * beta * beta * gggg;
    return { reaction: 0.5 * reaction, shift: shift ? 0.5 * (data + logDet) : 0 };
  }
}

type ClassName = keyof ModularKernelClasses;

/** The class of Fourier mode κ = k·P + k' (module comment of {@link solveModularFiniteN}). */
function modeClass(k: number, P: number): ClassName {
  const k1 = Math.floor(k / P),
    k2 = k % P;
  if (k1 === 0 && k2 === 0) return 'dc';
  if (k1 === 0 || k2 === 0) return 'edge';
  if (k1 === k2 || (k1 + k2) % P === 0) return 'target';
  return 'generic';
}

/**
 * Solves the screened cavity theory (module comment) at one σ²: starts from the cavity solution
 * ({@link solveModularFiniteN}, same key), then iterates — sample the single-neuron law, estimate the environment
 * covariance, reweight by the reaction term, update Q.
 *
 * *When to use*: the modular network deep in GMFL-II at N ≥ 32, where the cavity theory misses how the other neurons
 * make room for an aligned one. *Cost*: per iteration, P² blocks of P² × P² (estimate, invert) and P⁶ per reweighted
 * sample: ≈ 15 s at P = 11 with the defaults; refuses P > 23.
 * @example
 * solveModularScreened({ prime: 11, width: 32, sigmaA2: 3.746e-5, gamma: 30, sigma2: 0.004636 }).a // ≈ 0.888 (network 0.8786, cavity 0.8950)
 */
export function solveModularScreened(p: ModularParams, opts: ModularScreenedOptions = {}): ModularScreenedSolution {
  modularInvariant(p); // validates p
  const P = p.prime;
  if (P < 3)
    throw new InvalidArgumentError(
      `solveModularScreened: needs an odd prime (got ${P}): the Fourier blocks q ≠ 0 are circular Gaussians only when 2q ≢ 0 mod P`,
    );
  if (P > 23)
    throw new InvalidArgumentError(
      `solveModularScreened: prime ${P} > 23 is too large (the environment has P² blocks of P² × P²); use solveModularFiniteN`,
    );
  const chains = opts.chains ?? 512;
  const iterations = opts.iterations ?? 8;
  const average = Math.min(opts.average ?? 4, iterations);
  const sweeps = opts.sweeps ?? 40;
  const nCov = opts.covarianceSamples ?? 1024;
  const response = opts.response ?? 'quadratic';
  if (response !== 'quadratic' && response !== 'laplace' && response !== 'tilted')
    throw new InvalidArgumentError(
      `solveModularScreened: response must be 'quadratic', 'laplace' or 'tilted', got ${String(response)}`,
    );
  if (opts.environmentCovariance && response === 'tilted')
    throw new InvalidArgumentError(
      "solveModularScreened: environmentCovariance replaces the Gaussian environment's covariance; the tilted response has none (use 'quadratic' or 'laplace')",
    );
  if (opts.environmentCovariance && opts.environmentCovariance.length !== P * P)
    throw new InvalidArgumentError(
      `solveModularScreened: environmentCovariance needs ${P * P} Fourier blocks (one per momentum q), got ${opts.environmentCovariance.length}`,
    );
  const coupling = opts.coupling ?? 'linear';
  if (coupling !== 'linear' && coupling !== 'exact')
    throw new InvalidArgumentError(`solveModularScreened: coupling must be 'linear' or 'exact', got ${String(coupling)}`);
  if (coupling === 'exact' && response !== 'quadratic')
    throw new InvalidArgumentError(
      `solveModularScreened: coupling 'exact' is for the quadratic response; the ${response} response builds on the RPA's form Σ = (C⁻¹ + H)⁻¹ (use coupling 'linear' with it)`,
    );
  const discrepancy = opts.discrepancy ?? 'second-order';
  if (discrepancy !== 'second-order' && discrepancy !== 'deterministic-equivalent')
    throw new InvalidArgumentError(
      `solveModularScreened: discrepancy must be 'second-order' or 'deterministic-equivalent', got ${String(discrepancy)}`,
    );
  const nRw = opts.reweightSamples ?? (response === 'quadratic' ? 1024 : 256);
  const stepSize = opts.stepSize ?? 0.1;
  const leapfrogSteps = opts.leapfrogSteps ?? 6;
  const damping = opts.damping ?? 0.7;
  const shift = opts.stiffnessShift ?? true;
  for (const [name, v, min] of [
    ['chains', chains, 2],
    ['iterations', iterations, 1],
    ['sweeps', sweeps, 4],
    ['covarianceSamples', nCov, 2],
    ['reweightSamples', nRw, 2],
    ['leapfrogSteps', leapfrogSteps, 1],
  ] as const)
    if (!(Number.isInteger(v) && v >= min))
      throw new InvalidArgumentError(`solveModularScreened: ${name} must be an integer ≥ ${min}, got ${v}`);
  const barrier = opts.occupationBarrier;
  if (barrier !== undefined && !(barrier > 0 && Number.isFinite(barrier)))
    throw new InvalidArgumentError(
      `solveModularScreened: occupationBarrier must be a finite x₋ > 0 (modularSaddles(s, γ).xMinus), got ${barrier}`,
    );
  if (!(stepSize > 0 && damping > 0 && damping <= 1))
    throw new InvalidArgumentError('solveModularScreened: stepSize must be > 0 and damping in (0, 1]');
  const root = opts.key ?? makeKey(0);
  const s2 = p.sigma2;
  const N = p.width;
  const eps = p.sigmaA2 / N;
  const n = P * P;
  const dim = 2 * P;
  const cav = opts.start ? null : solveModularFiniteN(p, { key: root });
  const aCavity = cav ? cav.a : opts.start!.aCavity;
  const Q: ModularKernelClasses = { ...(cav ? cav.kernel : opts.start!.kernel) };
  const Y = new Float64Array(n);
  for (let k = 1; k < P; k++) Y[k * P + k] = P;
  const cls = Array.from({ length: n }, (_, k) => modeClass(k, P));
  const count: Record<ClassName, number> = { dc: 0, edge: 0, target: 0, generic: 0 };
  for (const c of cls) count[c]++;
  const x = normal(fold(root, 100), chains * dim);
  const g = new Float64Array(chains * dim);
  let lambda = opts.start ? opts.start.screening : 0;
  let accepted = 0,
    proposed = 0;
  const history: number[] = [];
  const damper = new AdaptiveDamping(damping, iterations, average);
  const records: {
    a: number;
    aQ: number;
    fl: number;
    lambda: number;
    ess: number;
    Q: ModularKernelClasses;
    occ: ModularModeOccupation | null;
  }[] = [];
  for (let it = 0; it < damper.total; it++) {
    const aQ0 = s2 / (Q.target + s2);
    const act = modularMixedAction(p, aQ0, Q, lambda);
    const burn = it === 0 ? 20 : 8;
    const ikey = fold(root, 200 + it);
    const keptStates: Float64Array[] = [];
    for (let sw = 0; sw < burn + sweeps; sw++) {
      accepted += hmcTrajectories(act.energy, x, g, { chains, dim, stepSize, leapfrogSteps }, fold(ikey, sw));
      proposed += chains;
      if (sw >= burn && (sw - burn) % 4 === 0) keptStates.push(Float64Array.from(x));
    }
    const M = keptStates.length * chains;
    const fr = new Float64Array(M * n),
      fi = new Float64Array(M * n);
    for (let t = 0; t < keptStates.length; t++)
      for (let c = 0; c < chains; c++)
        modularNeuronFeatures(keptStates[t]!.subarray(c * dim, (c + 1) * dim), P, fr, fi, (t * chains + c) * n);
    const G = new Float64Array(n);
    for (let k = 0; k < n; k++) G[k] = 1 / (Q[cls[k]!] + s2);
    // the environment from an even spread of the samples
    const nc = Math.min(nCov, M);
    const cfr = new Float64Array(nc * n),
      cfi = new Float64Array(nc * n);
    for (let i = 0; i < nc; i++) {
      const s = Math.floor((i * M) / nc);
      cfr.set(fr.subarray(s * n, (s + 1) * n), i * n);
      cfi.set(fi.subarray(s * n, (s + 1) * n), i * n);
    }
    const env = new ModularScreenedEnvironment(
      cfr,
      cfi,
      nc,
      P,
      G,
      Y,
      [(N - 1) * eps * eps, N * eps * eps],
      coupling === 'exact' ? eps : undefined,
    );
    if (opts.environmentCovariance) env.useCovariance(opts.environmentCovariance, [(N - 1) / N, 1]);
    if (env.unstableBlocks.some((b) => b > 0))
      throw new ConvergenceError({
        what: 'solveModularScreened (Gaussian environment)',
        iterations: it + 1,
        residual: Math.max(...env.unstableBlocks),
        tolerance: 0,
        detail: `${Math.max(...env.unstableBlocks)} of ${n} Fourier blocks have C⁻¹ + H not positive: the log-determinant's negative stiffness beats the environment's spread, so the Gaussian environment does not exist`,
        hint: 'the screened theory does not apply at these parameters (σ_a²P²/(Nσ²) too large); use solveModularFiniteN',
      });
    let fl = (s2 / (P * (P - 1))) * env.fluctuationSums[1]!;
    // reaction log-weights, relative to the mixture the samples came from
    const nr = Math.min(nRw, M);
    const lw = new Float64Array(nr),
      diff = new Float64Array(nr),
      idx = new Int32Array(nr);
    for (let i = 0; i < nr; i++) {
      const s = Math.floor((i * M) / nr);
      idx[i] = s;
      const tw = env.terms(fr, fi, s * n, eps, 0, shift);
      lw[i] =
        (response === 'laplace'
          ? env.laplaceReaction(fr, fi, s * n, eps, 0).reaction
          : response === 'tilted'
            ? env.tiltedReaction(fr, fi, s * n, eps, 0).reaction
            : tw.reaction) - tw.shift;
      const t = Math.floor(s / chains),
        c = s % chains;
      diff[i] = act.cavity(keptStates[t]!, c) - act.linear(keptStates[t]!, c);
    }
    // λ for the next proposal: the regression slope of the reaction on S_cavity − S_linear
    let mr = 0,
      md = 0;
    for (let i = 0; i < nr; i++) {
      mr += lw[i]! / nr;
      md += diff[i]! / nr;
    }
    let cov = 0,
      vd = 0;
    for (let i = 0; i < nr; i++) {
      cov += (lw[i]! - mr) * (diff[i]! - md);
      vd += (diff[i]! - md) ** 2;
    }
    let mx = -Infinity;
    for (let i = 0; i < nr; i++) {
      lw[i] = lw[i]! - lambda * diff[i]!;
      mx = Math.max(mx, lw[i]!);
    }
    let sw = 0,
      sw2 = 0;
    const mom: Record<ClassName, number> = { dc: 0, edge: 0, target: 0, generic: 0 };
    const weights = new Float64Array(nr);
    for (let i = 0; i < nr; i++) {
      const w = Math.exp(lw[i]! - mx);
      weights[i] = w;
      sw += w;
      sw2 += w * w;
      const o = idx[i]! * n;
      for (let k = 0; k < n; k++) mom[cls[k]!] += w * (fr[o + k]! ** 2 + fi[o + k]! ** 2);
    }
    // the reweighted law's mode occupation (the reweighted samples' states, as rows (w, v))
    let occ: ModularModeOccupation | null = null;
    if (barrier !== undefined) {
      const rows = new Float64Array(nr * dim);
      for (let i = 0; i < nr; i++) {
        const s = idx[i]!;
        const c = s % chains;
        rows.set(keptStates[Math.floor(s / chains)]!.subarray(c * dim, (c + 1) * dim), i * dim);
      }
      occ = modularModeOccupation(rows, nr, P, barrier, weights);
    }
    const Qn: ModularKernelClasses = {
      dc: (p.sigmaA2 * mom.dc) / (sw * count.dc),
      edge: (p.sigmaA2 * mom.edge) / (sw * count.edge),
      target: (p.sigmaA2 * mom.target) / (sw * count.target),
      generic: count.generic > 0 ? (p.sigmaA2 * mom.generic) / (sw * count.generic) : 0,
    };
    const aQ = s2 / (Qn.target + s2);
    if (discrepancy === 'deterministic-equivalent') {
      // ⟨a(K)⟩ whole: the screened resolvent of N neurons from the reweighted law
      const power = new Float64Array(nr * n);
      for (let i = 0; i < nr; i++) {
        const o = idx[i]! * n;
        for (let k = 0; k < n; k++) power[i * n + k] = fr[o + k]! ** 2 + fi[o + k]! ** 2;
      }
      const R = screenedResolvent({
        power,
        weights,
        count: nr,
        n,
        N,
        eps,
        sigma2: s2,
        start: G,
        rho: env.entryScreening(1),
        what: 'solveModularScreened (deterministic equivalent)',
      });
      let aDE = 0;
      for (let k = 0; k < n; k++) aDE += Y[k]! * R[k]!;
      fl = (s2 / (P * (P - 1))) * aDE - aQ;
    }
    if (!Number.isFinite(aQ) || !Number.isFinite(fl))
      throw new ConvergenceError({
        what: 'solveModularScreened',
        iterations: it + 1,
        residual: NaN,
        tolerance: 0,
        detail: 'the reweighted kernel is not finite',
        hint: 'use more chains or a smaller stepSize',
      });
    const ess = (sw * sw) / sw2 / nr;
    const lambdaUsed = lambda;
    lambda = vd > 0 ? Math.min(1, Math.max(0, cov / vd)) : 0;
    damper.update(aQ - aQ0, it);
    const damp = damper.weight;
    for (const c of ['dc', 'edge', 'target', 'generic'] as const) Q[c] = (1 - damp) * Q[c] + damp * Qn[c];
    history.push(aQ + fl);
    records.push({ a: aQ + fl, aQ, fl, lambda: lambdaUsed, ess, Q: Qn, occ });
  }
  const kept = records.slice(-average);
  const acceptance = accepted / proposed;
  if (acceptance < 0.5)
    throw new ConvergenceError({
      what: 'solveModularScreened (single-neuron HMC)',
      iterations: damper.total,
      residual: acceptance,
      tolerance: 0.5,
      detail: `HMC acceptance ${acceptance.toFixed(2)} < 0.5`,
      hint: `pass a smaller stepSize (now ${stepSize})`,
    });
  const m = kept.length;
  const avg = (f: (k: (typeof kept)[number]) => number) => kept.reduce((s, k) => s + f(k), 0) / m;
  const aMean = avg((k) => k.a);
  const sd = m > 1 ? Math.sqrt(kept.reduce((s, k) => s + (k.a - aMean) ** 2, 0) / (m - 1)) : Number.POSITIVE_INFINITY;
  const kernel: ModularKernelClasses = {
    dc: avg((k) => k.Q.dc),
    edge: avg((k) => k.Q.edge),
    target: avg((k) => k.Q.target),
    generic: avg((k) => k.Q.generic),
  };
  // occupation: per-iteration fractions averaged like a; the depth as the ratio of the averaged sums
  const occs = kept.map((k) => k.occ).filter((o): o is ModularModeOccupation => o !== null);
  const occupation: ModularScreenedOccupation | undefined =
    barrier !== undefined && occs.length === m
      ? (() => {
          const mean = (f: (o: ModularModeOccupation) => number) => occs.reduce((s, o) => s + f(o), 0) / m;
          const alignedPerNeuron = mean((o) => o.aligned / o.neurons);
          const neuronsByPairs = occs[0]!.byPairs.map((_, n) => mean((o) => o.byPairs[n]! / o.neurons));
          return {
            barrier,
            alignedPairs: mean((o) => o.aligned / o.pairs),
            allPairsAligned: mean((o) => o.allAligned / o.neurons),
            depth: alignedPerNeuron > 0 ? mean((o) => o.alignedW2v2 / o.neurons) / alignedPerNeuron : null,
            neuronsByPairs,
            depthByPairs: neuronsByPairs.map((f, n) =>
              n > 0 && f > 0 ? mean((o) => o.alignedW2v2ByPairs[n]! / o.neurons) / (n * f) : 0,
            ),
          };
        })()
      : undefined;
  return {
    sigma2: s2,
    a: aMean,
    aStdError: sd / Math.sqrt(m),
    aMeanKernel: avg((k) => k.aQ),
    fluctuation: avg((k) => k.fl),
    screening: avg((k) => k.lambda),
    essFraction: Math.min(...kept.map((k) => k.ess)),
    phiPsi: kernel.target / (4 * P * P * p.sigmaA2),
    kernel,
    aCavity,
    response,
    coupling,
    discrepancy,
    history,
    acceptance,
    ...(occupation ? { occupation } : {}),
  };
}
