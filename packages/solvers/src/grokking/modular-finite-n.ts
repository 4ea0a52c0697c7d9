/**
 * Finite-N adaptive-kernel theory of the modular-addition network: the full Seroussi–Naveh–Ringel single-neuron
 * action, which keeps the log-determinant term that the paper's §4.1 mean-field theory drops
 * (docs/guides/grokking.md, "Finite width: the log-det term").
 *
 * Integrating the readout a_p ~ N(0, σ_a²/N) exactly leaves, for the read-in weights W,
 * −log p(W) = Σ_p ½ y_pᵀ(K_W + σ²)⁻¹y_p + (P/2)·log det(K_W + σ²) + Σᵢ[½|wᵢ|² + Γ(wᵢ)], K_W = (σ_a²/N)Σᵢ φᵢφᵢᵀ,
 * φᵢ(x_nm) = (wᵢ·x_nm)² = (w_n + v_m)² (one factor ½log det per output, P outputs). Linearising in K_W around its
 * mean Q (the mean-field decoupling) gives iid neurons with the single-neuron action
 *
 *   S[w] = ½|w|² + Γ(w) − (σ_a²/2N)Σ_p(Σ_μ t̄^p_μ φ_μ)² + (σ_a²P/2N)·φᵀ(Q + σ²)⁻¹φ,   t̄^p = (Q + σ²)⁻¹y^p = a y^p/σ².
 *
 * Q is diagonal in the Fourier basis of the P² table (translations), with eigenvalues Q_κ = σ_a²⟨|φ̃_κ|²⟩,
 * φ̃_κ = P⁻¹Σ_nm e^{−2πi(kn+k'm)/P}φ_nm. Five classes are kept: the DC mode (0,0); the edge modes (k,0) and (0,k)
 * (|φ̃|² summed: PΣₙhₙ² − (Σₙhₙ)², hₙ = wₙ² + 2wₙv̄, and the same with w ↔ v); the target modes (k,±k)
 * (|φ̃|² = 4P²|w_k|²|v_k|², whose eigenvalue is the λ of the discrepancy, a = σ²/(λ + σ²)); and the generic modes
 * (k,k'), k' ≠ 0, ±k, whose eigenvalues are pooled into one (they differ by < 5 % and enter only through
 * Σ_κ|φ̃_κ|² = Σ_μφ_μ², Parseval). With c_κ = 1/(Q_κ + σ²) the log-det term is
 * (σ_a²P/2N)[c_g Σ_μφ_μ² + (c_00 − c_g)φ̃_00² + (c_e − c_g)Σ_edge|φ̃|² + (c_λ − c_g)·8P²Σ_k|w_k|²|v_k|²], O(P²)
 * per evaluation. It couples the Fourier modes (through φ̃_00 and the edge modes), so the single-neuron law is not a
 * product of mode pairs any more: its moments are estimated by Hamiltonian Monte Carlo on w ∈ ℝ^{2P} (many
 * independent chains, deterministic given the key), and the self-consistency (a, Q) is solved by a damped fixed
 * point starting from the decoupled finite-P solution.
 *
 * That is the linearised action (`correction: 'log-det'`). The default `cavity` keeps the neuron's own rank-one share of
 * K_W exactly (Sherman–Morrison, the others' kernel at its mean Q): with G = (Q + σ²)⁻¹ and X = (σ_a²/N)φᵀGφ,
 * S[w] = ½|w|² + Γ(w) − (σ_a²/2N)Σ_p(φᵀGy_p)²/(1 + X) + (P/2)·log(1 + X); X is O(1/N) at fixed u but ≈ 1 for an
 * aligned neuron at N = 32, P = 11, which is why the linearisation falls short (docs/theory/grokking.md §4.7).
 * With `correction: 'none'` the same code samples the paper's mean-field action (the decoupled one), whose exact
 * answer is {@link solveModularFiniteP}: a check of the sampler.
 */
import { ConvergenceError, InvalidArgumentError } from '@sftdl/compute';
import { type Key, fold, key as makeKey, normal, uniform } from '@sftdl/field';
import { type ModularParams, modularInvariant } from './modular';
import { solveModularFiniteP } from './modular-finite';
import { modularReadoutIntegral } from './modular-readout';

/** Kernel eigenvalues Q_κ of the five mode classes (module comment). */
export interface ModularKernelClasses {
  /** DC mode (0,0). */
  dc: number;
  /** Edge modes (k,0) and (0,k), k ≠ 0. */
  edge: number;
  /** Target modes (k,±k), k ≠ 0: the λ of the discrepancy. */
  target: number;
  /** Generic modes (k,k'), k' ∉ {0, k, −k} (pooled). */
  generic: number;
}

/**
 * Which single-neuron action {@link solveModularFiniteN} samples:
 * `none`: the paper's mean-field action (discrepancy term only; its exact answer is {@link solveModularFiniteP});
 * `log-det`: the linearised Seroussi–Naveh–Ringel action, discrepancy plus (P/2)·X with X = (σ_a²/N)φᵀ(Q + σ²)⁻¹φ;
 * `cavity`: the exact rank-one (Sherman–Morrison) dependence of the marginal on the neuron itself,
 * discrepancy/(1 + X) + (P/2)·log(1 + X), with the other neurons' kernel replaced by its mean Q.
 */
export type ModularFiniteNCorrection = 'none' | 'log-det' | 'cavity';

/** Options of {@link solveModularFiniteN}. */
export interface ModularFiniteNOptions {
  /** Which single-neuron action (see {@link ModularFiniteNCorrection}); default `cavity`. */
  correction?: ModularFiniteNCorrection;
  /** Independent HMC chains (neurons sampled in parallel); default 128. */
  chains?: number;
  /**
   * Damped fixed-point iterations; default 10. The last `average` of them are averaged. Where the damping had to
   * shrink (see `damping`) the iteration runs longer, at most 4× this.
   */
  iterations?: number;
  /** Iterations averaged into the result (and into its MC standard error); default 5. */
  average?: number;
  /** HMC trajectories per iteration (the first third is discarded as burn-in of that iteration); default 24. */
  sweeps?: number;
  /** Leapfrog step and steps per trajectory; defaults 0.14 and 5. */
  stepSize?: number;
  leapfrogSteps?: number;
  /**
   * Mixing weight of the new (a, Q) in the damped iteration; default 0.8. The starting weight: it halves (down to
   * 1/32) whenever |a| alternates between iterations without contracting, by more than the Monte Carlo noise (a
   * 2-cycle of the map).
   */
  damping?: number;
  /** Random key (same key → same numbers); default key(0). */
  key?: Key;
  /**
   * Networks of N neurons drawn from the final single-neuron law and reweighted to the exact read-in posterior
   * (importance sampling, {@link ModularNetworkAverage}); 0 (default) skips it. ≈ 2000 are enough at P = 11.
   */
  networkDraws?: number;
}

/**
 * The exact network average by importance sampling from the cavity law: N neurons drawn independently from the
 * single-neuron law q are a proposal for the exact read-in posterior p(W) ∝ Πᵢprior(wᵢ)e^{−Γ(wᵢ)}·e^{−S_data(W)},
 * S_data = ½Σ_p y_pᵀ(K_W + σ²)⁻¹y_p + (P/2)·log det(K_W + σ²) ({@link modularReadoutIntegral}); the weights
 * R(W) ∝ exp(−S_data(W) + Σᵢ S_cav,data(wᵢ)) correct both approximations of the cavity theory at once — the other
 * neurons' kernel replaced by its mean, and a = σ²/(Q_λ + σ²) taken at the mean kernel instead of the posterior mean
 * of σ²y(K_W + σ²)⁻¹y (Jensen: the kernel fluctuates by O(1/√N)).
 */
export interface ModularNetworkAverage {
  /**
   * Reweighted ⟨a(W)⟩ (the network's |a| when the weights are not degenerate: see `essFraction`) and its standard error
   * from 10 batches of draws (+∞ when fewer than two batches carry weight: the weights are degenerate).
   */
  a: number;
  aStdError: number;
  /** Unweighted ⟨a(W)⟩ over independent cavity neurons: the mean-kernel theory plus the kernel-fluctuation (Jensen) correction only. */
  aIndependent: number;
  aIndependentStdError: number;
  /** Kish effective sample size of the weights over the draws, divided by the number of draws. */
  essFraction: number;
  draws: number;
}

/** Finite-N adaptive-kernel solution at one σ². */
export interface ModularFiniteNSolution {
  sigma2: number;
  /** |a| = σ²/(λ + σ²), averaged over the last iterations. */
  a: number;
  /** Monte Carlo standard error of `a` (spread of the averaged iterations / √count; the iterations are nearly independent draws). */
  aStdError: number;
  learned: number;
  /** λ = Q on the target modes = 4P²σ_a²⟨|w_k|²|v_k|²⟩. */
  lambda: number;
  /** ⟨|w_k|²|v_k|²⟩, mode-averaged over k = 1…P−1. */
  phiPsi: number;
  kernel: ModularKernelClasses;
  correction: ModularFiniteNCorrection;
  /** HMC acceptance rate (mean over the run). */
  acceptance: number;
  /** |a| of every iteration (the fixed-point history). */
  history: number[];
  /** The decoupled finite-P theory's |a| at the same parameters (the starting point; null where its quadrature refused and the GP value was used). */
  aFiniteP: number | null;
  /** With `networkDraws`: the exact network average by reweighting the cavity law ({@link ModularNetworkAverage}). */
  network?: ModularNetworkAverage;
}

interface Coefficients {
  mode: ModularFiniteNCorrection;
  gamma: number;
  /** Discrepancy coefficient of Σ_kΦ_kΨ_k: −uPa². */
  d: number;
  /** ε = σ_a²/N and the inverse eigenvalues c = 1/(Q + σ²) of the classes; cl8 = 8P²(c_λ − c_g). */
  eps: number;
  cg: number;
  c0: number;
  ce: number;
  cl8: number;
}

/** Per-sample statistics that update the kernel classes. */
interface Stats {
  sumPhi2: number;
  dc2: number;
  edge2: number;
  phiPsi: number;
}

class NeuronAction {
  readonly P: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly mod: Float64Array;
  private readonly h: Float64Array;
  constructor(P: number) {
    this.P = P;
    this.cos = new Float64Array(P * P);
    this.sin = new Float64Array(P * P);
    for (let k = 0; k < P; k++)
      for (let n = 0; n < P; n++) {
        const t = (2 * Math.PI * ((k * n) % P)) / P;
        this.cos[k * P + n] = Math.cos(t);
        this.sin[k * P + n] = Math.sin(t);
      }
    this.re = new Float64Array(2 * P);
    this.im = new Float64Array(2 * P);
    this.mod = new Float64Array(2 * P);
    this.h = new Float64Array(P);
  }

  /** |w_k|², |v_k|² (k = 1…P−1) into this.mod[half·P + k]. */
  private fourier(x: Float64Array, o: number): void {
    const { P, cos, sin, re, im, mod } = this;
    for (let half = 0; half < 2; half++) {
      const base = o + half * P;
      for (let k = 1; k < P; k++) {
        let r = 0,
          s = 0;
        for (let n = 0; n < P; n++) {
          const w = x[base + n]!;
          r += w * cos[k * P + n]!;
          s += w * sin[k * P + n]!;
        }
        r /= P;
        s /= P;
        re[half * P + k] = r;
        im[half * P + k] = s;
        mod[half * P + k] = r * r + s * s;
      }
    }
  }

  /** Edge-mode sum PΣhₙ² − (Σhₙ)², hₙ = wₙ² + 2wₙ·m (m the other half's mean); adds its gradient × scale when g is given. */
  private edge(x: Float64Array, o: number, other: number, g: Float64Array | null, go: number, scale: number): number {
    const { P, h } = this;
    let m = 0;
    for (let n = 0; n < P; n++) m += x[other + n]!;
    m /= P;
    let H = 0,
      H2 = 0;
    for (let n = 0; n < P; n++) {
      const w = x[o + n]!;
      h[n] = w * w + 2 * w * m;
      H += h[n]!;
      H2 += h[n]! * h[n]!;
    }
    if (g) {
      let dm = 0;
      for (let n = 0; n < P; n++) {
        const w = x[o + n]!;
        const q = 2 * (P * h[n]! - H);
        g[go + n]! += scale * q * (2 * w + 2 * m);
        dm += q * 2 * w;
      }
      const gother = go + (other - o);
      for (let n = 0; n < P; n++) g[gother + n]! += (scale * dm) / P;
    }
    return P * H2 - H * H;
  }

  /**
   * Action of chain c (x at offset c·2P) and, when g is given, its gradient into g at the same offset:
   * S = ½|w|² + Γ + d·Σ_kΦ_kΨ_k/(1 + X)^m + (P/2)·ℓ(X) with X = ε·φᵀ(Q + σ²)⁻¹φ (module comment); m = 1 and
   * ℓ = log1p for the cavity action, m = 0 and ℓ(X) = X for the linearised one, X ≡ 0 for the paper's.
   */
  energy(x: Float64Array, c: number, k: Coefficients, g: Float64Array | null): number {
    const P = this.P;
    const o = c * 2 * P;
    const ov = o + P;
    this.fourier(x, o);
    const { re, im, mod, cos, sin } = this;
    let S = 0;
    for (let i = 0; i < 2 * P; i++) {
      S += 0.5 * x[o + i]! ** 2;
      if (g) g[o + i] = x[o + i]!;
    }
    let pp = 0;
    for (let q = 1; q < P; q++) {
      const a = mod[q]!,
        b = mod[P + q]!;
      S += ((P * k.gamma) / 6) * (a * a * a + b * b * b);
      pp += a * b;
    }
    // X and the weights of ∂(ΣΦΨ) and ∂Y in the gradient (Y: the non-Fourier part of X/ε)
    let X = 0,
      Y = 0,
      wPP = k.d,
      wY = 0;
    let s1w = 0,
      s2w = 0,
      s3w = 0,
      s4w = 0,
      s1v = 0,
      s2v = 0,
      s3v = 0,
      s4v = 0,
      d0 = 0;
    if (k.mode !== 'none') {
      for (let n = 0; n < P; n++) {
        const w = x[o + n]!,
          v = x[ov + n]!;
        const w2 = w * w,
          v2 = v * v;
        s1w += w;
        s2w += w2;
        s3w += w2 * w;
        s4w += w2 * w2;
        s1v += v;
        s2v += v2;
        s3v += v2 * v;
        s4v += v2 * v2;
      }
      d0 = s2w + s2v + (2 / P) * s1w * s1v;
      // Σ_μφ_μ² = Σ_nm(w_n + v_m)⁴, the DC mode φ̃_00 = Σw² + Σv² + (2/P)ΣwΣv, the edge modes
      Y =
        k.cg * (P * s4w + P * s4v + 6 * s2w * s2v + 4 * s3w * s1v + 4 * s1w * s3v) +
        (k.c0 - k.cg) * d0 * d0 +
        (k.ce - k.cg) * (this.edge(x, o, ov, null, 0, 0) + this.edge(x, ov, o, null, 0, 0));
      X = k.eps * (Y + k.cl8 * pp);
      if (k.mode === 'cavity') {
        S += (k.d * pp) / (1 + X) + 0.5 * P * Math.log1p(X);
        const wX = (-k.d * pp) / ((1 + X) * (1 + X)) + (0.5 * P) / (1 + X);
        wPP = k.d / (1 + X) + wX * k.eps * k.cl8;
        wY = wX * k.eps;
      } else {
        S += k.d * pp + 0.5 * P * X;
        wPP = k.d + 0.5 * P * k.eps * k.cl8;
        wY = 0.5 * P * k.eps;
      }
    } else S += k.d * pp;
    if (!g) return S;
    for (let half = 0; half < 2; half++) {
      const base = o + half * P;
      for (let n = 0; n < P; n++) {
        let acc = 0;
        for (let q = 1; q < P; q++) {
          const mine = mod[half * P + q]!,
            theirs = mod[(1 - half) * P + q]!;
          const dS = ((P * k.gamma) / 2) * mine * mine + wPP * theirs;
          acc += dS * (re[half * P + q]! * cos[q * P + n]! + im[half * P + q]! * sin[q * P + n]!);
        }
        g[base + n]! += (2 / P) * acc;
      }
    }
    if (wY === 0) return S;
    const bg = wY * k.cg,
      b0 = wY * (k.c0 - k.cg),
      be = wY * (k.ce - k.cg);
    for (let n = 0; n < P; n++) {
      const w = x[o + n]!,
        v = x[ov + n]!;
      g[o + n]! += bg * (4 * P * w * w * w + 12 * w * s2v + 12 * w * w * s1v + 4 * s3v) + b0 * 2 * d0 * (2 * w + (2 / P) * s1v);
      g[ov + n]! += bg * (4 * P * v * v * v + 12 * v * s2w + 12 * v * v * s1w + 4 * s3w) + b0 * 2 * d0 * (2 * v + (2 / P) * s1w);
    }
    if (be !== 0) {
      this.edge(x, o, ov, g, o, be);
      this.edge(x, ov, o, g, ov, be);
    }
    return S;
  }

  /** The kernel statistics of chain c at its current state. */
  stats(x: Float64Array, c: number): Stats {
    const P = this.P;
    const o = c * 2 * P,
      ov = o + P;
    this.fourier(x, o);
    let phiPsi = 0;
    for (let q = 1; q < P; q++) phiPsi += this.mod[q]! * this.mod[P + q]!;
    let sumPhi2 = 0,
      s1w = 0,
      s2w = 0,
      s1v = 0,
      s2v = 0;
    for (let n = 0; n < P; n++) {
      const w = x[o + n]!;
      s1w += w;
      s2w += w * w;
      for (let m = 0; m < P; m++) {
        const f = (w + x[ov + m]!) ** 2;
        sumPhi2 += f * f;
      }
    }
    for (let m = 0; m < P; m++) {
      s1v += x[ov + m]!;
      s2v += x[ov + m]! ** 2;
    }
    const d0 = s2w + s2v + (2 / P) * s1w * s1v;
    const edge2 = this.edge(x, o, ov, null, 0, 0) + this.edge(x, ov, o, null, 0, 0);
    return { sumPhi2, dc2: d0 * d0, edge2, phiPsi };
  }
}

/**
 * The adaptive damping of the finite-N and screened fixed points. A damped fixed point oscillates when two successive
 * updates of |a| change sign without contracting (|step| > ½|previous|) and are far above the Monte Carlo noise of the
 * map (> 0.005; the noise is ≈ 5·10⁻⁴ at P = 11): a 2-cycle, as deep in GMFL-II at large N where the map's slope is
 * below −1/damping. Each such step halves the mixing weight (down to 1/32) and extends the iteration (at most 4× the
 * requested count) so that the averaged window follows the last change. Noise-sized alternations do not count.
 */
export class AdaptiveDamping {
  /** Current mixing weight of the new iterate. */
  weight: number;
  /** Iterations to run (the requested count, or more after a 2-cycle). */
  total: number;
  private prevStep = 0;
  constructor(
    weight: number,
    private readonly iterations: number,
    private readonly average: number,
  ) {
    this.weight = weight;
    this.total = iterations;
  }
  /** Records the map's change of |a| at iteration `it` (0-based) before the weight is applied. */
  update(step: number, it: number): void {
    const p = this.prevStep;
    if (step * p < 0 && Math.abs(step) > 0.005 && Math.abs(step) > 0.5 * Math.abs(p)) {
      this.weight = Math.max(this.weight / 2, 1 / 32);
      this.total = Math.min(4 * this.iterations, Math.max(this.total, it + 1 + this.average + 2));
    }
    this.prevStep = step;
  }
}

/**
 * One HMC trajectory (leapfrog, Metropolis accept) of every chain of x (chains × dim, row-major) under `energy`, which
 * returns the action of the chain at offset c·dim of its first argument and writes the gradient at the same offset of
 * its third when given; g is the gradient buffer of x. Returns the number of accepted trajectories. Shared by the
 * finite-N and the screened solvers.
 * @internal
 */
export function hmcTrajectories(
  energy: (x: Float64Array, c: number, g: Float64Array | null) => number,
  x: Float64Array,
  g: Float64Array,
  o: { chains: number; dim: number; stepSize: number; leapfrogSteps: number },
  skey: Key,
): number {
  const { chains, dim, stepSize: eps, leapfrogSteps: L } = o;
  const x1 = new Float64Array(dim),
    g1 = new Float64Array(dim),
    mom = new Float64Array(dim);
  const z = normal(fold(skey, 0), chains * dim);
  const r = uniform(fold(skey, 1), chains);
  let accepted = 0;
  for (let c = 0; c < chains; c++) {
    const off = c * dim;
    const view = x.subarray(off, off + dim);
    const S0 = energy(x, c, g);
    let H0 = S0;
    for (let i = 0; i < dim; i++) {
      mom[i] = z[off + i]!;
      H0 += 0.5 * mom[i]! ** 2;
      x1[i] = view[i]!;
      mom[i] = mom[i]! - 0.5 * eps * g[off + i]!;
    }
    let S1 = 0;
    for (let l = 0; l < L; l++) {
      for (let i = 0; i < dim; i++) x1[i] = x1[i]! + eps * mom[i]!;
      S1 = energy(x1, 0, g1);
      const w = l === L - 1 ? 0.5 * eps : eps;
      for (let i = 0; i < dim; i++) mom[i] = mom[i]! - w * g1[i]!;
    }
    let H1 = S1;
    for (let i = 0; i < dim; i++) H1 += 0.5 * mom[i]! ** 2;
    if (Number.isFinite(H1) && Math.log(r[c]!) < H0 - H1) {
      view.set(x1);
      accepted++;
    }
  }
  return accepted;
}

/**
 * The mixture (1 − λ)·S_cavity + λ·S_log-det of the two single-neuron actions at (|a|, Q), in the calling convention of
 * {@link hmcTrajectories} (x holds chains of 2P; the gradient is written at the chain's offset). λ = 0 is the cavity
 * action, λ = 1 the linearised one. Also returns the two actions separately (no gradient) for reweighting.
 * @internal
 */
export function modularMixedAction(
  p: ModularParams,
  aAbs: number,
  kernel: ModularKernelClasses,
  lambda: number,
): {
  energy: (x: Float64Array, c: number, g: Float64Array | null) => number;
  cavity: (x: Float64Array, c: number) => number;
  linear: (x: Float64Array, c: number) => number;
} {
  const P = p.prime;
  const act = new NeuronAction(P);
  const base = coefficientsAt(p, aAbs, kernel, 'cavity');
  const lin: Coefficients = { ...base, mode: 'log-det' };
  const gl = new Float64Array(2 * P);
  return {
    energy: (x, c, g) => {
      const sc = act.energy(x, c, base, g);
      if (lambda === 0) return sc;
      const sl = act.energy(x.subarray(c * 2 * P, (c + 1) * 2 * P), 0, lin, g ? gl : null);
      if (g) {
        const o = c * 2 * P;
        for (let i = 0; i < 2 * P; i++) g[o + i] = (1 - lambda) * g[o + i]! + lambda * gl[i]!;
      }
      return (1 - lambda) * sc + lambda * sl;
    },
    cavity: (x, c) => act.energy(x, c, base, null),
    linear: (x, c) => act.energy(x, c, lin, null),
  };
}

/** The action coefficients at (|a|, Q) (module comment). */
function coefficientsAt(
  p: ModularParams,
  aAbs: number,
  kernel: ModularKernelClasses,
  correction: ModularFiniteNCorrection,
): Coefficients {
  const u = modularInvariant(p);
  const P = p.prime;
  const c = (q: number) => 1 / (q + p.sigma2);
  return {
    mode: correction,
    gamma: p.gamma,
    d: -u * aAbs * aAbs * P,
    eps: p.sigmaA2 / p.width,
    cg: c(kernel.generic),
    c0: c(kernel.dc),
    ce: c(kernel.edge),
    cl8: 8 * P * P * (c(kernel.target) - c(kernel.generic)),
  };
}

/**
 * The single-neuron action of {@link solveModularFiniteN} as a function of w ∈ ℝ^{2P} (w then v) at a given |a| and
 * kernel classes; writes ∂S/∂w into `grad` when given. Exposed for checks (gradient, limits), not part of the API.
 * @internal
 */
export function modularFiniteNAction(
  p: ModularParams,
  aAbs: number,
  kernel: ModularKernelClasses,
  correction: ModularFiniteNCorrection,
): (w: Float64Array, grad?: Float64Array) => number {
  const act = new NeuronAction(p.prime);
  const coef = coefficientsAt(p, aAbs, kernel, correction);
  return (w, grad) => act.energy(w, 0, coef, grad ?? null);
}

/** Kernel classes from averaged statistics (module comment). */
function kernelFromStats(s: Stats, P: number, sigmaA2: number): ModularKernelClasses {
  const target = (4 * P * P * sigmaA2 * s.phiPsi) / (P - 1);
  const genericCount = (P - 1) * (P - 3);
  const genericSum = s.sumPhi2 - s.dc2 - s.edge2 - 8 * P * P * s.phiPsi;
  return {
    dc: sigmaA2 * s.dc2,
    edge: (sigmaA2 * s.edge2) / (2 * (P - 1)),
    target,
    generic: genericCount > 0 ? (sigmaA2 * genericSum) / genericCount : 0,
  };
}

/**
 * {@link ModularNetworkAverage} from a pool of single-neuron samples (poolSweeps snapshots × chains, each with its
 * cavity data action): `draws` networks of N neurons, each neuron a random (snapshot, chain) of one of 10 blocks of
 * snapshots (the batches of the standard error), weighted by exp(−S_data(W) + Σᵢ S_cav,data(wᵢ)).
 */
function networkAverage(
  pool: Float64Array,
  sData: Float64Array,
  o: { P: number; N: number; dim: number; chains: number; poolSweeps: number; draws: number; sigmaA2: number; sigma2: number },
  k: Key,
): ModularNetworkAverage {
  const B = 10;
  const perBatch = Math.max(1, Math.ceil(o.draws / B));
  const block = Math.floor(o.poolSweeps / B);
  const W = new Float64Array(o.N * o.dim);
  const logw: number[] = [],
    as: number[] = [],
    batch: number[] = [];
  for (let b = 0; b < B; b++) {
    const u = uniform(fold(k, b), 2 * perBatch * o.N);
    for (let d = 0; d < perBatch; d++) {
      let cav = 0;
      for (let i = 0; i < o.N; i++) {
        const t = b * block + Math.min(block - 1, Math.floor(u[2 * (d * o.N + i)]! * block));
        const c = Math.min(o.chains - 1, Math.floor(u[2 * (d * o.N + i) + 1]! * o.chains));
        const at = (t * o.chains + c) * o.dim;
        W.set(pool.subarray(at, at + o.dim), i * o.dim);
        cav += sData[t * o.chains + c]!;
      }
      const r = modularReadoutIntegral(W, o.N, o.P, o.sigmaA2, o.sigma2);
      logw.push(cav - r.action);
      as.push(r.a);
      batch.push(b);
    }
  }
  const mx = Math.max(...logw);
  const w = logw.map((l) => Math.exp(l - mx));
  const sw = w.reduce((s, v) => s + v, 0);
  const sw2 = w.reduce((s, v) => s + v * v, 0);
  const stat = (weighted: boolean) => {
    // batches whose weights all underflow (degenerate weights) carry no estimate
    const per = Array.from({ length: B }, (_, b) => {
      let num = 0,
        den = 0;
      for (let d = 0; d < as.length; d++)
        if (batch[d] === b) {
          const wt = weighted ? w[d]! : 1;
          num += wt * as[d]!;
          den += wt;
        }
      return den > 0 ? [num / den] : [];
    }).flat();
    let num = 0,
      den = 0;
    for (let d = 0; d < as.length; d++) {
      const wt = weighted ? w[d]! : 1;
      num += wt * as[d]!;
      den += wt;
    }
    const mean = num / den;
    const nb = per.length;
    const m = per.reduce((s, v) => s + v, 0) / nb;
    const sd = Math.sqrt(per.reduce((s, v) => s + (v - m) ** 2, 0) / (nb - 1));
    return { mean, se: nb >= 2 ? sd / Math.sqrt(nb) : Number.POSITIVE_INFINITY };
  };
  const wtd = stat(true),
    ind = stat(false);
  return {
    a: wtd.mean,
    aStdError: wtd.se,
    aIndependent: ind.mean,
    aIndependentStdError: ind.se,
    essFraction: (sw * sw) / sw2 / as.length,
    draws: as.length,
  };
}

/** The GP (prior) kernel classes: Q under w ~ N(0, I) (used to start the iteration). */
function priorKernel(P: number, sigmaA2: number): ModularKernelClasses {
  // E|φ̃_00|² = E(Σw² + Σv² + (2/P)ΣwΣv)² = (2P)² + 4P + 4 ; edge: E|φ̃_k0|² = 2P + 4 ; target/generic: 4
  return { dc: sigmaA2 * (4 * P * P + 4 * P + 4), edge: sigmaA2 * (2 * P + 4), target: 4 * sigmaA2, generic: 4 * sigmaA2 };
}

/**
 * Solves the finite-N adaptive-kernel equations of the modular network (module comment) at one σ²: a damped fixed
 * point in (a, Q) whose single-neuron averages come from HMC over w ∈ ℝ^{2P}.
 *
 * *When to use*: comparing a Langevin ensemble of width N with the theory at the same P, N, σ_a², γ, σ²; the log-det
 * term is O(σ_a²P³/(Nσ²)) relative to the prior, i.e. O(1/N) at fixed u. With `correction: 'none'` it reproduces
 * {@link solveModularFiniteP} up to Monte Carlo error.
 * *Cost*: chains × iterations × sweeps × (leapfrogSteps + 1) action gradients of O(P²) each (≈ 1–2 s at P = 11 with
 * the defaults). Throws InvalidArgumentError for P > 61 (use the finite-P or saddle-point theory there: the
 * correction is O(P³σ_a²/(Nσ²))) and ConvergenceError when the HMC acceptance falls below 0.5 (lower `stepSize`).
 * @example
 * solveModularFiniteN({ prime: 11, width: 32, sigmaA2: 3.75e-5, gamma: 30, sigma2: 0.0057 }).a // ≈ 0.946 (network: 0.947; decoupled theory: 0.839)
 */
export function solveModularFiniteN(p: ModularParams, opts: ModularFiniteNOptions = {}): ModularFiniteNSolution {
  const u = modularInvariant(p); // validates p
  const P = p.prime;
  if (P > 61)
    throw new InvalidArgumentError(
      `solveModularFiniteN: prime ${P} > 61 is too large for the single-neuron Monte Carlo; use solveModularFiniteP or solveModular`,
    );
  const mode = opts.correction ?? 'cavity';
  if (!['none', 'log-det', 'cavity'].includes(mode))
    throw new InvalidArgumentError(`solveModularFiniteN: correction must be none, log-det or cavity, got ${String(mode)}`);
  const chains = opts.chains ?? 128;
  const iterations = opts.iterations ?? 10;
  const average = Math.min(opts.average ?? 5, iterations);
  const sweeps = opts.sweeps ?? 24;
  const eps = opts.stepSize ?? 0.14;
  const L = opts.leapfrogSteps ?? 5;
  const damping = opts.damping ?? 0.8;
  for (const [name, v] of [
    ['chains', chains],
    ['iterations', iterations],
    ['sweeps', sweeps],
    ['leapfrogSteps', L],
  ] as const)
    if (!(Number.isInteger(v) && v >= (name === 'sweeps' ? 3 : 1)))
      throw new InvalidArgumentError(`solveModularFiniteN: ${name} must be a positive integer, got ${v}`);
  if (!(eps > 0 && damping > 0 && damping <= 1))
    throw new InvalidArgumentError(`solveModularFiniteN: stepSize must be > 0 and damping in (0, 1]`);
  const root = opts.key ?? makeKey(0);
  const s2 = p.sigma2;
  const act = new NeuronAction(P);
  const dim = 2 * P;
  // start: the decoupled finite-P solution for a, the prior for the other classes, the chains from the prior
  let aFiniteP: number | null = null;
  try {
    aFiniteP = solveModularFiniteP(p, { gridPoints: 80 }).a;
  } catch (e) {
    // its quadrature refuses very small γ or s far past the spinodal: start from the GP value instead
    if (!(e instanceof InvalidArgumentError)) throw e;
  }
  let a = aFiniteP ?? s2 / (s2 + 4 * p.sigmaA2);
  let Q = priorKernel(P, p.sigmaA2);
  Q.target = s2 / a - s2;
  const x = normal(fold(root, 0), chains * dim);
  const g = new Float64Array(chains * dim);
  const history: number[] = [];
  let accepted = 0,
    proposed = 0;
  const coefficients = (aAbs: number, K: ModularKernelClasses): Coefficients => coefficientsAt(p, aAbs, K, mode);
  /** One HMC trajectory of every chain under `coef` (leapfrog, Metropolis accept). */
  const hmcSweep = (coef: Coefficients, skey: Key) => {
    accepted += hmcTrajectories(
      (y, c, gy) => act.energy(y, c, coef, gy),
      x,
      g,
      { chains, dim, stepSize: eps, leapfrogSteps: L },
      skey,
    );
    proposed += chains;
  };
  const damper = new AdaptiveDamping(damping, iterations, average);
  const records: { a: number; Q: ModularKernelClasses; phiPsi: number }[] = [];
  for (let it = 0; it < damper.total; it++) {
    const coef = coefficients(a, Q);
    const acc: Stats = { sumPhi2: 0, dc2: 0, edge2: 0, phiPsi: 0 };
    let count = 0;
    const ikey = fold(root, 1 + it);
    for (let sw = 0; sw < sweeps; sw++) {
      hmcSweep(coef, fold(ikey, sw));
      if (sw >= Math.floor(sweeps / 3)) {
        for (let c = 0; c < chains; c++) {
          const st = act.stats(x, c);
          acc.sumPhi2 += st.sumPhi2;
          acc.dc2 += st.dc2;
          acc.edge2 += st.edge2;
          acc.phiPsi += st.phiPsi;
        }
        count += chains;
      }
    }
    const mean: Stats = {
      sumPhi2: acc.sumPhi2 / count,
      dc2: acc.dc2 / count,
      edge2: acc.edge2 / count,
      phiPsi: acc.phiPsi / count,
    };
    const Qn = kernelFromStats(mean, P, p.sigmaA2);
    const an = s2 / (Qn.target + s2);
    if (!Number.isFinite(an))
      throw new ConvergenceError({
        what: 'solveModularFiniteN (single-neuron HMC)',
        iterations: it + 1,
        residual: NaN,
        tolerance: 0,
        detail: 'the kernel estimate is not finite',
        hint: `pass a smaller stepSize (now ${eps})`,
      });
    damper.update(an - a, it);
    const damp = damper.weight;
    a = (1 - damp) * a + damp * an;
    Q = {
      dc: (1 - damp) * Q.dc + damp * Qn.dc,
      edge: (1 - damp) * Q.edge + damp * Qn.edge,
      target: (1 - damp) * Q.target + damp * Qn.target,
      generic: (1 - damp) * Q.generic + damp * Qn.generic,
    };
    history.push(an);
    records.push({ a: an, Q: Qn, phiPsi: mean.phiPsi / (P - 1) });
  }
  const kept = records.slice(-average);
  const acceptance = accepted / proposed;
  if (acceptance < 0.5)
    throw new ConvergenceError({
      what: 'solveModularFiniteN (single-neuron HMC)',
      iterations: damper.total,
      residual: acceptance,
      tolerance: 0.5,
      detail: `HMC acceptance ${acceptance.toFixed(2)} < 0.5 at P = ${P}, γ = ${p.gamma}`,
      hint: `pass a smaller stepSize (now ${eps})`,
    });
  const m = kept.length;
  const avg = (f: (k: (typeof kept)[number]) => number) => kept.reduce((s, k) => s + f(k), 0) / m;
  const aMean = avg((k) => k.a);
  const sd = m > 1 ? Math.sqrt(kept.reduce((s, k) => s + (k.a - aMean) ** 2, 0) / (m - 1)) : NaN;
  const kernel: ModularKernelClasses = {
    dc: avg((k) => k.Q.dc),
    edge: avg((k) => k.Q.edge),
    target: avg((k) => k.Q.target),
    generic: avg((k) => k.Q.generic),
  };
  const draws = opts.networkDraws ?? 0;
  if (!(Number.isInteger(draws) && draws >= 0))
    throw new InvalidArgumentError(`solveModularFiniteN: networkDraws must be a non-negative integer, got ${draws}`);
  let network: ModularNetworkAverage | undefined;
  if (draws > 0) {
    // pool: the single-neuron law at the final (a, Q), 8 trajectories of burn-in, then `poolSweeps` snapshots
    const coef = coefficients(a, Q);
    const prior: Coefficients = { ...coef, mode: 'none', d: 0 };
    const poolSweeps = 80;
    const pool = new Float64Array(poolSweeps * chains * dim);
    const sData = new Float64Array(poolSweeps * chains); // S_cav − ½|w|² − Γ of every pooled neuron
    const pkey = fold(root, 1 + damper.total);
    for (let sw = 0; sw < 8 + poolSweeps; sw++) {
      hmcSweep(coef, fold(pkey, sw));
      if (sw < 8) continue;
      const t = sw - 8;
      pool.set(x, t * chains * dim);
      for (let c = 0; c < chains; c++) sData[t * chains + c] = act.energy(x, c, coef, null) - act.energy(x, c, prior, null);
    }
    network = networkAverage(
      pool,
      sData,
      { P, N: p.width, dim, chains, poolSweeps, draws, sigmaA2: p.sigmaA2, sigma2: s2 },
      fold(root, 2 + damper.total),
    );
  }
  return {
    ...(network ? { network } : {}),
    sigma2: s2,
    a: aMean,
    aStdError: sd / Math.sqrt(m),
    learned: 1 - aMean,
    lambda: kernel.target,
    phiPsi: avg((k) => k.phiPsi),
    kernel,
    correction: mode,
    acceptance,
    history,
    aFiniteP,
  };
}
