/**
 * The network's own kernel statistics, for checking the Gaussian environment of the screened cavity theory
 * (docs/theory/grokking.md §4.9, "What the Gaussian environment gets wrong"; docs/guides/grokking.md).
 *
 * The screened theory ({@link solveModularScreened}) treats the kernel of the other neurons as Gaussian, with the RPA
 * covariance Σ = C(1 + HC)⁻¹ of independent neurons held together by the stiffness H = ∇²F(Q), and takes the network's
 * |a| = ⟨a(K)⟩ to second order in Σ. A Langevin ensemble of the network measures each ingredient directly:
 * {@link ModularKernelMoments} accumulates K_W = (σ_a²/N)Σᵢφᵢφᵢ† over recorded states in the Fourier blocks of the
 * P×P table (v_q(κ) = K(κ, κ − q)), and {@link modularEnvironmentCheck} compares, along the data stiffness that sets
 * ⟨a⟩ − a(Q),
 * - the network's covariance Σ_net (second order),
 * - the RPA built from the network's own neurons (so only the RPA formula differs),
 * - the exact ⟨a(Q + δ)⟩ over a Gaussian δ with Σ_net (antithetic pairs ±δ; so only the shape of the distribution
 *   differs from the network).
 * `solveModularScreened(…, { environmentCovariance })` solves the theory with Σ_net in place of the RPA.
 */
import { InvalidArgumentError } from '@sftdl/compute';
import { type Key, fold, key as makeKey, normal, uniform } from '@sftdl/field';
import {
  type ModularFluctuationParts,
  ModularScreenedEnvironment,
  choleskyHermitian,
  fluctuationParts,
  minus,
  modularNeuronFeatures,
  partsTotal,
  screenedResolvent,
  traceYInverse,
} from './modular-screened';

/**
 * Moments of the network's kernel K_W = (σ_a²/N)Σᵢφᵢφᵢ† in the orthonormal Fourier basis of the P×P table, accumulated
 * over network states: per momentum q the mean and second moment of v_q(κ) = K(κ, κ − q) (P² blocks of P² × P²), and
 * optionally the neurons' own features for an RPA built from them, and the states' read-in weights (for the kernel
 * series of {@link modularEnvironmentCheck}). Memory 16·P⁶ bytes (28 MB at P = 11) plus 16·N·P bytes a state; each
 * state costs O(N·P⁴ + P⁶).
 */
export class ModularKernelMoments {
  readonly P: number;
  readonly N: number;
  readonly sigmaA2: number;
  /** States added. */
  count = 0;
  private readonly n: number;
  private readonly sum: Float64Array;
  private readonly second: Float64Array;
  private readonly kr: Float64Array;
  private readonly ki: Float64Array;
  private readonly fr: Float64Array;
  private readonly fi: Float64Array;
  private readonly kept: { re: Float64Array; im: Float64Array }[] = [];
  private readonly states: Float64Array[] = [];

  /** @param P the prime, N the width, sigmaA2 the readout variance σ_a² (the kernel is (σ_a²/N)Σφφ†). */
  constructor(P: number, N: number, sigmaA2: number) {
    if (!(Number.isInteger(P) && P >= 3 && P % 2 === 1 && P <= 23))
      throw new InvalidArgumentError(`ModularKernelMoments: P must be an odd integer in [3, 23], got ${P}`);
    if (!(Number.isInteger(N) && N >= 1))
      throw new InvalidArgumentError(`ModularKernelMoments: N must be a positive integer, got ${N}`);
    if (!(sigmaA2 > 0)) throw new InvalidArgumentError(`ModularKernelMoments: σ_a² must be > 0, got ${sigmaA2}`);
    this.P = P;
    this.N = N;
    this.sigmaA2 = sigmaA2;
    const n = P * P;
    this.n = n;
    this.sum = new Float64Array(2 * n * n);
    this.second = new Float64Array(2 * n * n * n);
    this.kr = new Float64Array(n * n);
    this.ki = new Float64Array(n * n);
    this.fr = new Float64Array(N * n);
    this.fi = new Float64Array(N * n);
  }

  /**
   * Adds one network state: the read-in weights of the N neurons (neuron i at [2Pi, 2P(i + 1)): w then v). With
   * `keepNeurons` its neurons' features are kept as samples of the single-neuron law ({@link ModularKernelMoments.neurons}).
   */
  add(w: ArrayLike<number>, keepNeurons = false): void {
    const { P, N, n, fr, fi, kr, ki } = this;
    if (w.length < N * 2 * P)
      throw new InvalidArgumentError(`ModularKernelMoments.add: need ${N * 2 * P} read-in weights, got ${w.length}`);
    this.kernel(w);
    const vr = new Float64Array(n),
      vi = new Float64Array(n);
    for (let q = 0; q < n; q++) {
      for (let a = 0; a < n; a++) {
        const b = minus(a, q, P);
        vr[a] = kr[a * n + b]!;
        vi[a] = ki[a * n + b]!;
        this.sum[2 * (q * n + a)] = this.sum[2 * (q * n + a)]! + vr[a]!;
        this.sum[2 * (q * n + a) + 1] = this.sum[2 * (q * n + a) + 1]! + vi[a]!;
      }
      const base = 2 * q * n * n;
      for (let a = 0; a < n; a++) {
        const xr = vr[a]!,
          xi = vi[a]!,
          row = base + 2 * a * n;
        for (let b = 0; b < n; b++) {
          this.second[row + 2 * b] = this.second[row + 2 * b]! + xr * vr[b]! + xi * vi[b]!;
          this.second[row + 2 * b + 1] = this.second[row + 2 * b + 1]! + xi * vr[b]! - xr * vi[b]!;
        }
      }
    }
    if (keepNeurons) this.kept.push({ re: Float64Array.from(fr), im: Float64Array.from(fi) });
    this.states.push(Float64Array.from({ length: N * 2 * P }, (_, j) => w[j]!));
    this.count++;
  }

  /**
   * K_W = (σ_a²/N)Σᵢφᵢφᵢ† of one state into `kr`, `ki` (n × n, split re/im; the neurons' features into `fr`, `fi`).
   * @internal
   */
  kernel(w: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
    const { P, N, n, fr, fi, kr, ki } = this;
    const eps = this.sigmaA2 / N;
    const wi = new Float64Array(2 * P);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < 2 * P; j++) wi[j] = w[i * 2 * P + j]!;
      modularNeuronFeatures(wi, P, fr, fi, i * n);
    }
    for (let k = 0; k < fr.length; k++)
      if (!Number.isFinite(fr[k]!) || !Number.isFinite(fi[k]!))
        throw new InvalidArgumentError('ModularKernelMoments.add: the weights are not finite');
    kr.fill(0);
    ki.fill(0);
    for (let i = 0; i < N; i++) {
      const o = i * n;
      for (let a = 0; a < n; a++) {
        const ar = eps * fr[o + a]!,
          ai = eps * fi[o + a]!;
        if (ar === 0 && ai === 0) continue;
        const row = a * n;
        for (let b = 0; b < n; b++) {
          const br = fr[o + b]!,
            bi = fi[o + b]!;
          kr[row + b] = kr[row + b]! + ar * br + ai * bi;
          ki[row + b] = ki[row + b]! + ai * br - ar * bi;
        }
      }
    }
    return { re: kr, im: ki };
  }

  /** The read-in weights of the added states (N·2P each, in the order added). */
  stateWeights(): readonly Float64Array[] {
    return this.states;
  }

  /** The mean kernel's eigenvalues Q_κ = E[K(κ, κ)] (length P²). */
  meanKernel(): Float64Array {
    this.need(1);
    const out = new Float64Array(this.n);
    for (let a = 0; a < this.n; a++) out[a] = this.sum[2 * a]! / this.count;
    return out;
  }

  /**
   * The covariance of the kernel per Fourier block: Σ_q(κ, κ') = Cov(v_q(κ), v_q(κ')), v_q(κ) = K(κ, κ − q), as
   * interleaved complex P² × P² matrices, one per q (the layout `solveModularScreened`'s `environmentCovariance` takes).
   */
  covarianceBlocks(): Float64Array[] {
    this.need(2);
    const { n, count } = this;
    const out: Float64Array[] = [];
    for (let q = 0; q < n; q++) {
      const S = new Float64Array(2 * n * n);
      const base = 2 * q * n * n;
      for (let a = 0; a < n; a++) {
        const mr = this.sum[2 * (q * n + a)]! / count,
          mi = this.sum[2 * (q * n + a) + 1]! / count;
        for (let b = 0; b < n; b++) {
          const nr = this.sum[2 * (q * n + b)]! / count,
            ni = this.sum[2 * (q * n + b) + 1]! / count;
          S[2 * (a * n + b)] = this.second[base + 2 * (a * n + b)]! / count - (mr * nr + mi * ni);
          S[2 * (a * n + b) + 1] = this.second[base + 2 * (a * n + b) + 1]! / count - (mi * nr - mr * ni);
        }
      }
      out.push(S);
    }
    return out;
  }

  /** Var(K(κ, κ')) over the added states, indexed κ·n + κ' (the diagonals of the covariance blocks). @internal */
  entryVariances(): Float64Array {
    this.need(2);
    const { n, P, count } = this;
    const out = new Float64Array(n * n);
    for (let q = 0; q < n; q++)
      for (let a = 0; a < n; a++) {
        const mr = this.sum[2 * (q * n + a)]! / count,
          mi = this.sum[2 * (q * n + a) + 1]! / count;
        out[a * n + minus(a, q, P)] = this.second[2 * q * n * n + 2 * (a * n + a)]! / count - (mr * mr + mi * mi);
      }
    return out;
  }

  /** The kept neurons' features (count × P², from {@link modularNeuronFeatures}): samples of the single-neuron law. */
  neurons(): { re: Float64Array; im: Float64Array; count: number } {
    const { n } = this;
    const count = this.kept.length * this.N;
    const re = new Float64Array(count * n),
      im = new Float64Array(count * n);
    this.kept.forEach((k, t) => {
      re.set(k.re, t * this.N * n);
      im.set(k.im, t * this.N * n);
    });
    return { re, im, count };
  }

  private need(m: number): void {
    if (this.count < m)
      throw new InvalidArgumentError(
        `ModularKernelMoments: needs at least ${m} state(s), has ${this.count}: add network states first`,
      );
  }
}

export type { ModularFluctuationParts };

/**
 * What a(K) = σ²/(P(P − 1))·tr(Y(K + σ²)⁻¹) needs: Y_κ = P on the target modes κ = (k, k), k = 1…P − 1 (0 elsewhere),
 * those modes, and the prefactor σ²/(P(P − 1)).
 */
function discrepancyWeights(P: number, sigma2: number): { Y: Float64Array; targets: number[]; unit: number } {
  const Y = new Float64Array(P * P);
  const targets: number[] = [];
  for (let k = 1; k < P; k++) {
    Y[k * P + k] = P;
    targets.push(k * P + k);
  }
  return { Y, targets, unit: sigma2 / (P * (P - 1)) };
}

/** What {@link modularEnvironmentCheck} measures; every fluctuation is a contribution to ⟨a⟩ − a(Q). */
export interface ModularEnvironmentCheck {
  /** a(Q) = σ²/(Q_target + σ²) at the network's mean kernel. */
  aMeanKernel: number;
  /** Second order in the network's own covariance: σ²/(P(P − 1))·Σ_q Σ_κ A(κ, κ − q)Σ_q(κ, κ). */
  fluctuationNetworkCovariance: number;
  /** The same sum with the RPA covariance C(1 + HC)⁻¹ built from the network's kept neurons (absent when none were kept). */
  fluctuationRpa?: number;
  /** ⟨a(Q + δ)⟩ − a(Q) exactly, over Gaussian δ with the network's covariance (Monte Carlo), and its standard error. */
  fluctuationGaussian: number;
  fluctuationGaussianSe: number;
  /** Gaussian draws (antithetic pairs ±δ) where Q ± δ + σ² was not positive definite (left out). */
  gaussianRejected: number;
  /** The two second-order sums split by the class of q (each already times σ²/(P(P − 1))). */
  parts: { network: ModularFluctuationParts; rpa?: ModularFluctuationParts };
  /** Network states and kept neuron samples behind the estimates. */
  states: number;
  neuronSamples: number;
  /** The expansion of a(K) about the network's mean kernel, term by term, over its own states ({@link modularKernelSeries}). */
  series: ModularKernelSeries;
}

/**
 * The expansion that every Gaussian or loop theory of the environment truncates, measured on the network's states:
 * a(Q + δ) = σ²/(P(P − 1))·Σ_m (−1)^m tr(YG(δG)^m), G = (Q + σ²)⁻¹, δ = K_W − Q. The second-order term's mean is the
 * fluctuation term the screened theory keeps; the series about Q converges for a state only where the spectral radius
 * of G^½δG^½ is below 1.
 */
export interface ModularKernelSeries {
  /** The mean over the states of the m-th term, m = 0…order (term 0 is a(Q); term 1 vanishes on average up to sampling). */
  terms: number[];
  /** Their partial sums. */
  partialSums: number[];
  /** The mean of the exact a(K_W) over the same states, and its standard error (states treated as independent). */
  aExact: number;
  aExactSe: number;
  /**
   * The mean of a(K) over networks of N distinct neurons drawn at random from all the states' neurons: the network's
   * exact single-neuron marginal without the correlations between its neurons; and its standard error.
   */
  aIndependent: number;
  aIndependentSe: number;
  /**
   * The same without sampling: σ²/(P(P − 1))·Σ_κ Y_κR_κ with the self-consistent resolvent of N independent neurons
   * from that marginal, R_κ = 1/(σ² + Nε·E[|φ_κ|²/(1 + εΣ_κ'R_κ'|φ_κ'|²)]), ε = σ_a²/N (the random-matrix deterministic
   * equivalent; E over all the states' neurons).
   */
  aDeterministicEquivalent: number;
  /**
   * The deterministic equivalent with the network's correlations entered entry by entry: the self-interaction of each
   * neuron screened by ρ(κ, κ') = Var_network(K(κ, κ'))/Var_independent(K(κ, κ')), the variance of each kernel entry
   * over the network's states relative to independent neurons from the same marginal
   * (R_κ = 1/(σ² + Nε·E[|φ_κ|²/(1 + εΣ_κ'ρ(κ, κ')|φ_κ'|²R_κ')]); at most 16384 of the neurons, evenly spread). Where
   * it meets `aExact`, the correlations act on |a| only through the second moments of the kernel's entries.
   */
  aScreenedDeterministicEquivalent: number;
  /** The mean of ρ(κ, κ') over the entries κ' ≠ κ of the target modes' rows (1: no screening). */
  screeningTargetRows: number;
  /** States used: every stride-th added state, at most the `states` option (`seriesStates` of the environment check). */
  states: number;
  /**
   * The spectral radius ρ = max|eig(G^½δG^½)| per state, by power iteration (a lower bound, within ~1 % here): its
   * mean, its maximum, and the fraction of states with ρ ≥ 1 (there the series about Q diverges).
   */
  spectralRadiusMean: number;
  spectralRadiusMax: number;
  divergentFraction: number;
}

/**
 * Compares the network's kernel statistics with the Gaussian environment of the screened theory at σ² (module comment):
 * the second-order fluctuation term with the network's covariance, with the RPA covariance built from the network's own
 * neurons (where {@link ModularKernelMoments.add} kept some), and the exact Gaussian average of a(Q + δ) with the
 * network's covariance. The network's own ⟨a⟩ − a(Q) is the caller's (its Rao–Blackwellised |a| minus `aMeanKernel`).
 */
export function modularEnvironmentCheck(
  moments: ModularKernelMoments,
  sigma2: number,
  opts: { gaussianDraws?: number; key?: Key; seriesOrder?: number; seriesStates?: number } = {},
): ModularEnvironmentCheck {
  if (!(sigma2 > 0)) throw new InvalidArgumentError(`modularEnvironmentCheck: σ² must be > 0, got ${sigma2}`);
  const draws = opts.gaussianDraws ?? 1000;
  if (!(Number.isInteger(draws) && draws >= 2))
    throw new InvalidArgumentError(`modularEnvironmentCheck: gaussianDraws must be an integer ≥ 2, got ${draws}`);
  const { P, N } = moments;
  const n = P * P;
  const Q = moments.meanKernel();
  const blocks = moments.covarianceBlocks();
  const G = new Float64Array(n);
  const { Y, targets, unit } = discrepancyWeights(P, sigma2);
  for (let k = 0; k < n; k++) G[k] = 1 / (Q[k]! + sigma2);
  const scale = (p: ModularFluctuationParts): ModularFluctuationParts => ({
    q0: unit * p.q0,
    diagonal: unit * p.diagonal,
    antidiagonal: unit * p.antidiagonal,
    edge: unit * p.edge,
    generic: unit * p.generic,
  });
  const eps = moments.sigmaA2 / N;
  const kept = moments.neurons();
  const network = scale(fluctuationParts(P, G, Y, blocks));
  const rpa =
    kept.count >= 2
      ? scale(new ModularScreenedEnvironment(kept.re, kept.im, kept.count, P, G, Y, [N * eps * eps]).fluctuationParts())
      : undefined;
  // a(K) = σ²/(P(P − 1))·tr(Y(K + σ²)⁻¹), exactly, over Hermitian Gaussian δ: v_q ~ CN(0, Σ_q) for one q of each pair
  // {q, −q} (K(κ − q, κ) = conj K(κ, κ − q)), v_0 real with covariance Re Σ_0
  // a sample covariance from fewer states than P² is singular: a ridge of 1e-10 (then 1e-8, 1e-6) of its largest
  // variance makes it factorable without changing the draws measurably
  const factors = blocks.map((S, q) => {
    let top = 0;
    for (let a = 0; a < n; a++) top = Math.max(top, S[2 * (a * n + a)]!);
    for (const ridge of [1e-10, 1e-8, 1e-6]) {
      const Lr = new Float64Array(n * n),
        Li = new Float64Array(n * n);
      for (let a = 0; a < n; a++)
        for (let b = 0; b <= a; b++) {
          Lr[a * n + b] = S[2 * (a * n + b)]! + (a === b ? ridge * top : 0);
          Li[a * n + b] = q === 0 ? 0 : S[2 * (a * n + b) + 1]!;
        }
      if (choleskyHermitian(Lr, Li, n) !== null) return { Lr, Li };
    }
    throw new InvalidArgumentError(
      `modularEnvironmentCheck: the covariance block q = ${q} is not positive semi-definite; add more network states`,
    );
  });
  const root = opts.key ?? makeKey(0);
  const Kr = new Float64Array(n * n),
    Ki = new Float64Array(n * n),
    zr = new Float64Array(n),
    zi = new Float64Array(n);
  const aOf = (): number => {
    const lt = choleskyHermitian(Kr, Ki, n);
    return lt === null ? Number.NaN : unit * traceYInverse(Kr, Ki, n, Y, targets, zr, zi);
  };
  Kr.fill(0);
  Ki.fill(0);
  for (let k = 0; k < n; k++) Kr[k * n + k] = Q[k]! + sigma2;
  const aQ = aOf();
  let s1 = 0,
    s2 = 0,
    m = 0,
    rejected = 0;
  const Dr = new Float64Array(n * n),
    Di = new Float64Array(n * n);
  for (let d = 0; d < draws; d++) {
    Dr.fill(0);
    Di.fill(0);
    const z = normal(fold(root, d), 2 * n * n);
    for (let q = 0; q < n; q++) {
      if (minus(0, q, P) < q) continue; // drawn with −q
      const { Lr, Li } = factors[q]!;
      for (let a = 0; a < n; a++) {
        let vr = 0,
          vi = 0;
        for (let k = 0; k <= a; k++) {
          const xr = q === 0 ? z[k]! : z[2 * (q * n + k)]! * Math.SQRT1_2,
            xi = q === 0 ? 0 : z[2 * (q * n + k) + 1]! * Math.SQRT1_2;
          vr += Lr[a * n + k]! * xr - Li[a * n + k]! * xi;
          vi += Lr[a * n + k]! * xi + Li[a * n + k]! * xr;
        }
        const b = minus(a, q, P);
        if (q === 0) Dr[a * n + a] = vr;
        else {
          Dr[a * n + b] = vr;
          Di[a * n + b] = vi;
          Dr[b * n + a] = vr;
          Di[b * n + a] = -vi;
        }
      }
    }
    // antithetic pair ±δ: the linear term of a(Q + δ) cancels, so the error is that of the curvature alone
    let pair = 0;
    for (const sign of [1, -1]) {
      for (let k = 0; k < n * n; k++) {
        Kr[k] = sign * Dr[k]!;
        Ki[k] = sign * Di[k]!;
      }
      for (let k = 0; k < n; k++) Kr[k * n + k] = Kr[k * n + k]! + Q[k]! + sigma2;
      pair += 0.5 * aOf();
    }
    if (!Number.isFinite(pair)) {
      rejected++;
      continue;
    }
    s1 += pair;
    s2 += pair * pair;
    m++;
  }
  if (m < 2)
    throw new InvalidArgumentError(
      'modularEnvironmentCheck: almost no Gaussian draw kept Q + δ + σ² positive definite; the Gaussian environment does not apply here',
    );
  const mean = s1 / m;
  const series = modularKernelSeries(moments, sigma2, {
    key: root,
    ...(opts.seriesOrder !== undefined ? { order: opts.seriesOrder } : {}),
    ...(opts.seriesStates !== undefined ? { states: opts.seriesStates } : {}),
  });
  return {
    aMeanKernel: aQ,
    fluctuationNetworkCovariance: partsTotal(network),
    ...(rpa ? { fluctuationRpa: partsTotal(rpa) } : {}),
    fluctuationGaussian: mean - aQ,
    fluctuationGaussianSe: Math.sqrt(Math.max(0, s2 / m - mean * mean) / (m - 1)),
    gaussianRejected: rejected,
    parts: { network, ...(rpa ? { rpa } : {}) },
    states: moments.count,
    neuronSamples: kept.count,
    series,
  };
}

/** Power-iteration steps for the spectral radius of G^½δG^½ (Hermitian, so ‖Ax‖ for unit x is a lower bound). */
const RADIUS_ITERATIONS = 100;

/**
 * The expansion of a(K) about the mean kernel Q over the network's states in `moments` ({@link ModularKernelSeries}):
 * the mean of each term up to `order` (default 6) and the spectral radius of G^½δG^½, over every stride-th added state
 * (at most `states`, default 1000). Each state costs O(N·P⁴ + P⁶ + (order·(P − 1) + 100)·P⁴).
 */
export function modularKernelSeries(
  moments: ModularKernelMoments,
  sigma2: number,
  opts: { order?: number; states?: number; key?: Key } = {},
): ModularKernelSeries {
  const order = opts.order ?? 6,
    maxStates = opts.states ?? 1000;
  if (!(sigma2 > 0)) throw new InvalidArgumentError(`modularKernelSeries: σ² must be > 0, got ${sigma2}`);
  if (!(Number.isInteger(order) && order >= 2 && order <= 40))
    throw new InvalidArgumentError(`modularKernelSeries: the order must be an integer in [2, 40], got ${order}`);
  if (!(Number.isInteger(maxStates) && maxStates >= 1))
    throw new InvalidArgumentError(`modularKernelSeries: the number of states must be a positive integer, got ${maxStates}`);
  const { P, N } = moments;
  const width = 2 * P;
  const Q = moments.meanKernel();
  const n = Q.length;
  const { Y, targets, unit } = discrepancyWeights(P, sigma2);
  const root = opts.key ?? makeKey(0);
  const all = moments.stateWeights();
  const stride = Math.max(1, Math.ceil(all.length / maxStates));
  const g = Float64Array.from(Q, (q) => Math.sqrt(1 / (q + sigma2)));
  const Ar = new Float64Array(n * n),
    Ai = new Float64Array(n * n),
    Kr = new Float64Array(n * n),
    Ki = new Float64Array(n * n),
    zr = new Float64Array(n),
    zi = new Float64Array(n);
  let ur = new Float64Array(n),
    ui = new Float64Array(n),
    tr = new Float64Array(n),
    ti = new Float64Array(n);
  // t ← A u (complex)
  const apply = (): void => {
    for (let a = 0; a < n; a++) {
      let re = 0,
        im = 0;
      const row = a * n;
      for (let b = 0; b < n; b++) {
        const xr = Ar[row + b]!,
          xi = Ai[row + b]!;
        re += xr * ur[b]! - xi * ui[b]!;
        im += xr * ui[b]! + xi * ur[b]!;
      }
      tr[a] = re;
      ti[a] = im;
    }
    [ur, tr] = [tr, ur];
    [ui, ti] = [ti, ui];
  };
  // a(K) = σ²/(P(P − 1))·tr(Y(K + σ²)⁻¹) of one state's kernel, exactly
  const aOf = (K: { re: Float64Array; im: Float64Array }): number => {
    Kr.set(K.re);
    Ki.set(K.im);
    for (let a = 0; a < n; a++) Kr[a * n + a] = Kr[a * n + a]! + sigma2;
    if (choleskyHermitian(Kr, Ki, n) === null)
      throw new InvalidArgumentError('modularKernelSeries: a network state has K + σ² not positive definite; check σ²');
    return unit * traceYInverse(Kr, Ki, n, Y, targets, zr, zi);
  };
  const sums = new Float64Array(order + 1);
  const mixed = new Float64Array(N * width);
  const pool = Int32Array.from({ length: all.length * N }, (_, i) => i);
  let used = 0,
    iSum = 0,
    iSq = 0,
    aSum = 0,
    aSq = 0,
    radSum = 0,
    radMax = 0,
    divergent = 0;
  for (let s = 0; s < all.length; s += stride) {
    // N distinct neurons drawn from the pool of every state's neurons (a partial Fisher–Yates shuffle): the network's
    // single-neuron marginal, without correlations between them
    const u = uniform(fold(root, 2_000_000 + s), N);
    for (let i = 0; i < N; i++) {
      const j = i + Math.floor(u[i]! * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      const p = pool[i]!,
        o = (p % N) * width;
      mixed.set(all[Math.floor(p / N)]!.subarray(o, o + width), i * width);
    }
    const aI = aOf(moments.kernel(mixed));
    iSum += aI;
    iSq += aI * aI;
    const K = moments.kernel(all[s]!);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        const k = a * n + b;
        Ar[k] = g[a]! * g[b]! * (K.re[k]! - (a === b ? Q[a]! : 0));
        Ai[k] = g[a]! * g[b]! * K.im[k]!;
      }
    const aK = aOf(K);
    aSum += aK;
    aSq += aK * aK;
    // the terms: (A^m)_tt for each target mode t, by repeated products with e_t
    for (const t of targets) {
      ur.fill(0);
      ui.fill(0);
      ur[t] = 1;
      for (let m = 0; m <= order; m++) {
        sums[m] = sums[m]! + (m % 2 === 0 ? 1 : -1) * unit * Y[t]! * g[t]! * g[t]! * ur[t]!;
        if (m < order) apply();
      }
    }
    // the spectral radius, from a random start (its own key: the draws above are untouched)
    const z = normal(fold(root, 1_000_000 + s), 2 * n);
    let norm = 0;
    for (let a = 0; a < n; a++) {
      ur[a] = z[a]!;
      ui[a] = z[n + a]!;
      norm += ur[a]! ** 2 + ui[a]! ** 2;
    }
    let rho = 0;
    for (let it = 0; it < RADIUS_ITERATIONS; it++) {
      norm = Math.sqrt(norm);
      for (let a = 0; a < n; a++) {
        ur[a] = ur[a]! / norm;
        ui[a] = ui[a]! / norm;
      }
      apply();
      norm = 0;
      for (let a = 0; a < n; a++) norm += ur[a]! ** 2 + ui[a]! ** 2;
      rho = Math.sqrt(norm);
      if (rho === 0) break;
    }
    radSum += rho;
    radMax = Math.max(radMax, rho);
    if (rho >= 1) divergent++;
    used++;
  }
  const de = deterministicEquivalents(moments, sigma2);
  const terms = Array.from(sums, (v) => v / used);
  const partialSums: number[] = [];
  terms.reduce((acc, v) => (partialSums.push(acc + v), acc + v), 0);
  const aExact = aSum / used;
  return {
    terms,
    partialSums,
    aExact,
    aExactSe: used > 1 ? Math.sqrt(Math.max(0, aSq / used - aExact * aExact) / (used - 1)) : 0,
    aDeterministicEquivalent: de.plain,
    aScreenedDeterministicEquivalent: de.screened,
    screeningTargetRows: de.screeningTargetRows,
    aIndependent: iSum / used,
    aIndependentSe: used > 1 ? Math.sqrt(Math.max(0, iSq / used - (iSum / used) ** 2) / (used - 1)) : 0,
    states: used,
    spectralRadiusMean: radSum / used,
    spectralRadiusMax: radMax,
    divergentFraction: divergent / used,
  };
}

/** Neurons of the screened deterministic equivalent (each costs O(P⁴) per iteration of the resolvent). */
const SCREENED_NEURONS = 16384;

/**
 * σ²/(P(P − 1))·Σ_κ Y_κR_κ for N neurons from the empirical law of every neuron in the states of `moments`, with the
 * self-consistent resolvent of {@link screenedResolvent} (diagonal in the Fourier modes, since the law is translation
 * invariant): `plain` for independent neurons (ρ ≡ 1, all neurons), `screened` with the network's entry-variance ratio
 * ρ(κ, κ') (at most {@link SCREENED_NEURONS} neurons, evenly spread), and the mean of ρ over the target rows.
 */
function deterministicEquivalents(
  moments: ModularKernelMoments,
  sigma2: number,
): { plain: number; screened: number; screeningTargetRows: number } {
  const { P, N } = moments;
  const states = moments.stateWeights();
  const { Y, targets, unit } = discrepancyWeights(P, sigma2);
  const n = P * P,
    eps = moments.sigmaA2 / N,
    count = states.length * N;
  // |φ_κ|² of every neuron (count × n) and, in the same pass, the moments of the independent neurons' entries
  // φ_κφ̄_κ': their variance is Nε²·(E|φ_κ|²|φ_κ'|² − |E φ_κφ̄_κ'|²), against the network's
  const power = new Float64Array(count * n);
  const fr = new Float64Array(n),
    fi = new Float64Array(n);
  const m4 = new Float64Array(n * n),
    mr = new Float64Array(n * n),
    mi = new Float64Array(n * n);
  states.forEach((w, s) => {
    for (let i = 0; i < N; i++) {
      modularNeuronFeatures(w.subarray(i * 2 * P, (i + 1) * 2 * P), P, fr, fi);
      const o = (s * N + i) * n;
      for (let a = 0; a < n; a++) power[o + a] = fr[a]! ** 2 + fi[a]! ** 2;
      for (let a = 0; a < n; a++) {
        const ar = fr[a]!,
          ai = fi[a]!,
          pa = power[o + a]!,
          row = a * n;
        for (let b = 0; b < n; b++) {
          m4[row + b] = m4[row + b]! + pa * power[o + b]!;
          mr[row + b] = mr[row + b]! + ar * fr[b]! + ai * fi[b]!;
          mi[row + b] = mi[row + b]! + ai * fr[b]! - ar * fi[b]!;
        }
      }
    }
  });
  const start = Float64Array.from(moments.meanKernel(), (q) => 1 / (q + sigma2));
  const what = 'modularKernelSeries (deterministic equivalent)';
  const aOf = (R: Float64Array) => unit * R.reduce((acc, r, k) => acc + Y[k]! * r, 0);
  const plain = aOf(screenedResolvent({ power, weights: null, count, n, N, eps, sigma2, start, rho: null, what }));
  const network = moments.entryVariances();
  const rho = new Float64Array(n * n);
  let rowSum = 0,
    rowCount = 0;
  for (let k = 0; k < n * n; k++) {
    const independent = N * eps * eps * (m4[k]! / count - ((mr[k]! / count) ** 2 + (mi[k]! / count) ** 2));
    rho[k] = independent > 0 ? network[k]! / independent : 1;
  }
  for (const t of targets)
    for (let b = 0; b < n; b++)
      if (b !== t) {
        rowSum += rho[t * n + b]!;
        rowCount++;
      }
  const stride = Math.max(1, Math.ceil(count / SCREENED_NEURONS));
  const used = Math.ceil(count / stride);
  const sub = new Float64Array(used * n);
  for (let i = 0; i < used; i++) sub.set(power.subarray(i * stride * n, (i * stride + 1) * n), i * n);
  const screened = aOf(screenedResolvent({ power: sub, weights: null, count: used, n, N, eps, sigma2, start, rho, what }));
  return { plain, screened, screeningTargetRows: rowSum / rowCount };
}
