/**
 * The finite-width network runner of `demo scaling measure --runner langevin`: a Bayesian posterior sampler for the
 * two- and three-layer erf networks of @sftdl/training (read-only use of its models), written for the onset sweeps
 * of the curse-of-detail paper.
 *
 * Sampler (one sweep = two moves, both exact for the posterior p(θ | D) ∝ p₀(θ) exp(−Σ(f − y)²/(2σ²))):
 * 1. Gibbs move for the readout a: given the hidden weights, f = Φa is linear in a, so a | rest is Gaussian with
 *    precision ΦᵀΦ/σ² + I/s_a² and mean (ΦᵀΦ + σ²/s_a² I)⁻¹Φᵀy; it is drawn exactly. This removes the stiffest
 *    direction of the posterior (the readout curvature grows like P/σ²), which otherwise forces steps ∝ σ²/P.
 * 2. MALA move (Metropolis-adjusted Langevin) for the hidden weights given a, in standardised coordinates
 *    θ = prior_std ⊙ z, with a per-neuron step: neuron i (row i of W, or of V and W for three layers) moves with
 *    step η/(1 + c_i), c_i an upper bound on its likelihood curvature that depends only on a and the data (so the
 *    move stays a valid Metropolis–Hastings kernel for p(hidden | a)). η adapts to an acceptance rate of about 0.6
 *    during each stage's burn-in and is then frozen.
 *
 * Predictions are Rao–Blackwellised: each recorded sweep contributes Φ_test·E[a | rest] (exact conditional mean).
 *
 * P-annealing: `runAnnealed` walks up an increasing grid of training-set sizes on nested data (the first P points of
 * one dataset), each stage starting its chains from the previous stage's final state. Every stage is a full MCMC run
 * for its own posterior (the start only shortens the burn-in); metastability at a first-order onset shows up as an
 * onset biased upward, which the chains' R̂ across seeds/chains reports.
 *
 * Equilibrium onset (`AnnealedSweepOptions.equilibrium`): walks restricted to the lazy or the aligned side of a
 * dividing surface on the largest read-in teacher overlap (proposals leaving the region are rejected), each measuring
 * its held-out log predictive factor; the regions' free energies follow from their exact prior masses by the
 * prequential identity (`freeEnergyCurve` of @sftdl/scaling), and the full posterior's alignment is their
 * free-energy-weighted mixture. No chain has to cross the barrier.
 */
import { type ComputeBackend, InvalidArgumentError, type Mat, SftdlError, matmulInto } from '@sftdl/compute';
import { type Key, fold, gaussHermite, hermiteHeNormalized, normal, normalMat, split, uniform } from '@sftdl/field';
import {
  alignment,
  chanceSpecialised,
  countSpecialised,
  dividingThreshold,
  freeEnergyCurve,
  onsetFromCurve,
  onsetFromTop,
  regionPriorLogMass,
} from '@sftdl/scaling';
import { type Model, activate } from '@sftdl/training';

/** The posterior sampler diverged (non-finite energy): the inputs make the posterior too sharp for the step rule. */
export class SamplerDivergedError extends SftdlError {
  override readonly name = 'SamplerDivergedError';
}

/** Lower Cholesky factor of a symmetric positive-definite n×n matrix (row-major), in place into a new array. */
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new SamplerDivergedError('readout posterior precision is not positive definite; increase --sigma2');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** Solves L x = b (forward) then optionally Lᵀ x = b (backward), in place. */
function forwardSolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}
function backwardSolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/** What the network sampler needs to know about a model: its readout block and its hidden "neurons". */
interface Layout {
  aOff: number;
  nOut: number; // N of the last hidden layer (readout length, one output)
  readoutVar: number;
  hiddenSize: number; // parameters before the readout
  /** For each hidden parameter, the index of the last-layer neuron whose curvature bound applies. */
  neuronOf: Int32Array;
  std: Float64Array; // prior std of the hidden parameters
  /** Curvature bound per unit a_i² per training sample (bound on |∂f/∂θ_hidden|² / a_i², standardised). */
  curvPerSample: number;
}

function layoutOf(model: Model, activationSlope: number): Layout {
  const a = model.blocks.find((b) => b.name === 'a');
  if (!a || model.outputDim !== 1 || !model.features)
    throw new InvalidArgumentError('network runner: the model needs a linear readout block "a" with one output');
  const hiddenSize = a.offset;
  const std = new Float64Array(hiddenSize);
  const neuronOf = new Int32Array(hiddenSize);
  const N = a.size;
  for (const b of model.blocks) {
    if (b.name === 'a') continue;
    std.fill(Math.sqrt(b.priorVariance), b.offset, b.offset + b.size);
    const rows = b.shape[0]!;
    const cols = b.size / rows;
    // rows of the block feeding the last hidden layer belong to that layer's neurons; earlier blocks (W of a three-layer
    // net) share one bound over all neurons (neuron −1 = use the largest a_i²)
    const last = b.offset + b.size === a.offset;
    for (let r = 0; r < rows; r++) neuronOf.fill(last ? r : -1, b.offset + r * cols, b.offset + (r + 1) * cols);
  }
  // |∂h/∂θ|² ≤ (fan-in variance) · |input|² ≈ σ_w² per layer on standardised inputs; φ' ≤ activationSlope
  const depth = model.blocks.length - 1;
  return {
    aOff: a.offset,
    nOut: N,
    readoutVar: a.priorVariance,
    hiddenSize,
    neuronOf,
    std,
    curvPerSample: activationSlope ** (2 * depth) * 2 ** (depth - 1),
  };
}

/** Options of {@link NetworkSampler}. */
export interface NetworkSamplerOptions {
  model: Model;
  sigma2: number;
  chains: number;
  key: Key;
  /** Largest |φ'| of the activation (erf: 2/√π; linear: 1), for the per-neuron curvature bound. */
  activationSlope: number;
  /**
   * Chains (the last `alignedChains` of them) that start specialised: their first `alignedNeurons` (default 1) read-in
   * rows set to ±w* (unit pre-activation variance along the teacher), the rest drawn from the prior. Starting half the
   * chains on each side of a first-order onset brackets the equilibrium (default 0: all chains from the prior).
   */
  alignedChains?: number;
  alignedNeurons?: number;
  teacherDirection?: Float64Array;
  /**
   * Backend for the readout Gibbs move's Gram matrix ΦᵀΦ (P·N² multiply-adds); the model's own products run on the
   * backend the model was built with. Default: host float64 loops. Use a float64 backend (the sampler is exact).
   */
  backend?: ComputeBackend;
  /**
   * Restricts every chain to one side of a dividing surface in the read-in weights: with m(W) = maxᵢ |ŵᵢ·ŵ*| (the
   * largest teacher overlap of a read-in row), 'lazy' keeps m ≤ threshold and 'aligned' keeps m > threshold (a MALA
   * proposal that leaves the region is rejected, which is the exact Metropolis–Hastings kernel of the posterior
   * restricted to the region). The chains start inside: 'aligned' chains with one row set to ±w* (see {@link align}),
   * 'lazy' chains redrawn from the prior until inside. Needs `teacherDirection`.
   */
  region?: { side: 'lazy' | 'aligned'; threshold: number };
  /** Start states of the chains (copied; one per chain), instead of prior draws; with `region` they must lie inside. */
  initialChains?: readonly Float64Array[];
}

/** Result of one stage of {@link NetworkSampler.stage}. */
export interface StageResult {
  /** Rao–Blackwellised posterior-mean prediction on the test inputs (all chains, all recorded sweeps). */
  meanTest: Float64Array;
  /** Per-chain mean test predictions (for between-chain errors and R̂). */
  chainMeanTest: Float64Array[];
  acceptance: number;
  stepSize: number;
  /**
   * With `predictive`: the mean (weighted by `predictive.weights` when given) over the test points (x, y) of log E_post[exp(−(f(x) − y)²/(2σ²))], the posterior
   * expectation estimated over all chains and recorded sweeps with the readout integrated out exactly (f | hidden is
   * Gaussian with mean φ·ā and variance φᵀA⁻¹φ). For a fresh point this is E[log Z(P + 1) − log Z(P)], the
   * free-energy increment of one more training sample (see {@link freeEnergyCurve}).
   */
  logPredictive?: number;
}

/**
 * Posterior sampler of a network with a linear readout (Gibbs for the readout + per-neuron MALA for the hidden
 * weights); chains persist across {@link stage} calls so that a sweep over P can anneal.
 */
export class NetworkSampler {
  readonly chains: Float64Array[];
  private readonly lay: Layout;
  private eta = 0.05;
  private readonly key: Key;
  private tick = 0;

  constructor(private readonly o: NetworkSamplerOptions) {
    if (!(o.sigma2 > 0)) throw new InvalidArgumentError(`sigma2 must be positive, got ${o.sigma2}`);
    this.lay = layoutOf(o.model, o.activationSlope);
    const ks = split(o.key, o.chains + 1);
    this.key = ks[o.chains]!;
    if (o.initialChains && o.initialChains.length !== o.chains)
      throw new InvalidArgumentError(`initialChains: need one start state per chain (${o.chains})`);
    this.chains = Array.from({ length: o.chains }, (_, c) =>
      o.initialChains ? Float64Array.from(o.initialChains[c]!) : o.model.init(ks[c]!),
    );
    const nAl = o.alignedChains ?? 0;
    for (let c = o.chains - nAl; c < o.chains; c++) this.align(c, fold(ks[c]!, 1));
    const r = o.region;
    if (r) {
      if (!(r.threshold > 0 && r.threshold < 1))
        throw new InvalidArgumentError(`region threshold must lie in (0, 1), got ${r.threshold}`);
      this.chains.forEach((p, c) => {
        if (r.side === 'aligned' && !this.inRegion(p)) this.align(c, fold(ks[c]!, 2));
        for (let t = 0; !this.inRegion(p); t++) {
          if (t >= 1000)
            throw new InvalidArgumentError(
              `no prior draw in 1000 has every read-in overlap ≤ ${r.threshold}; raise the dividing threshold`,
            );
          p.set(o.model.init(fold(ks[c]!, 3 + t)));
        }
      });
    }
  }

  /** Largest teacher overlap maxᵢ |ŵᵢ·ŵ*| of the read-in rows of parameters `p` (needs `teacherDirection`). */
  maxOverlap(p: Float64Array): number {
    const w = this.o.teacherDirection;
    const W = this.o.model.firstLayer?.(p);
    if (!w || !W || W.cols !== w.length)
      throw new InvalidArgumentError('the teacher overlap needs teacherDirection of length d and a model with firstLayer');
    let best = 0;
    for (const o of countSpecialised(W, w).overlaps) best = Math.max(best, Math.abs(o));
    return best;
  }

  private inRegion(p: Float64Array): boolean {
    const r = this.o.region;
    if (!r) return true;
    const m = this.maxOverlap(p);
    return r.side === 'lazy' ? m <= r.threshold : m > r.threshold;
  }

  /**
   * Puts chain `c` in the specialised (feature-learning) state: its first `alignedNeurons` (default 1) read-in rows set
   * to ±w*·|w*|⁻¹ (random signs from `k`), every other parameter unchanged. Needs `teacherDirection`.
   */
  align(c: number, k: Key): void {
    const w = this.o.teacherDirection;
    const d = this.o.model.inputDim;
    if (!w || w.length !== d)
      throw new InvalidArgumentError('aligning a chain needs teacherDirection of length d (the model input dimension)');
    const p = this.chains[c];
    if (!p) throw new InvalidArgumentError(`align: no chain ${c}`);
    const nrm = Math.hypot(...w);
    const m = Math.min(this.o.alignedNeurons ?? 1, this.lay.nOut);
    const sg = uniform(k, m);
    for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) p[i * d + j] = ((sg[i]! < 0.5 ? -1 : 1) * w[j]!) / nrm;
  }

  private nextKey(): Key {
    return fold(this.key, this.tick++);
  }

  /** ½Σ(f − y)² and its gradient over all parameters. */
  private lossGrad(p: Float64Array, x: Mat, y: Float64Array, g: Float64Array): number {
    const m = this.o.model;
    if (x.rows === 0) {
      g.fill(0);
      return 0;
    }
    if (m.lossGrad) return m.lossGrad(p, x, { rows: x.rows, cols: 1, data: y }, g);
    const f = m.apply(p, x).data;
    const r = new Float64Array(x.rows);
    let l = 0;
    for (let i = 0; i < r.length; i++) {
      r[i] = f[i]! - y[i]!;
      l += 0.5 * r[i]! ** 2;
    }
    g.set(m.grad(p, x, { rows: x.rows, cols: 1, data: r }));
    return l;
  }

  /** Exact Gibbs draw of the readout a | hidden; returns the conditional mean of a and the precision's Cholesky factor. */
  private gibbsReadout(p: Float64Array, x: Mat, y: Float64Array, k: Key): { mean: Float64Array; chol: Float64Array } {
    const { aOff, nOut: N, readoutVar } = this.lay;
    const s2 = this.o.sigma2;
    const A = new Float64Array(N * N);
    const rhs = new Float64Array(N);
    const be = this.o.backend;
    if (x.rows > 0 && be) {
      const Phi = this.o.model.features!(p, x);
      const phi = Phi.data;
      matmulInto(be, Phi, Phi, A, { transA: true });
      for (let mu = 0; mu < x.rows; mu++) {
        const ro = mu * N;
        const ym = y[mu]!;
        for (let i = 0; i < N; i++) rhs[i]! += phi[ro + i]! * ym;
      }
    } else if (x.rows > 0) {
      const phi = this.o.model.features!(p, x).data;
      for (let mu = 0; mu < x.rows; mu++) {
        const ro = mu * N;
        for (let i = 0; i < N; i++) {
          const v = phi[ro + i]!;
          if (v === 0) continue;
          rhs[i]! += v * y[mu]!;
          for (let j = 0; j <= i; j++) A[i * N + j]! += v * phi[ro + j]!;
        }
      }
    }
    for (let i = 0; i < N; i++) {
      for (let j = 0; j <= i; j++) {
        A[i * N + j]! /= s2;
        A[j * N + i] = A[i * N + j]!;
      }
      A[i * N + i]! += 1 / readoutVar;
      rhs[i]! /= s2;
    }
    const L = cholesky(A, N);
    const mean = rhs;
    forwardSolve(L, N, mean);
    backwardSolve(L, N, mean);
    const xi = normal(k, N);
    backwardSolve(L, N, xi); // Lᵀ u = ξ → u ~ N(0, A⁻¹)
    for (let i = 0; i < N; i++) p[aOff + i] = mean[i]! + xi[i]!;
    return { mean, chol: L };
  }

  /** Per-hidden-parameter step multipliers 1/(1 + c_i) from the current readout. */
  private stepScale(p: Float64Array, n: number, sumX2: number): Float64Array {
    const { aOff, nOut: N, hiddenSize, neuronOf, std, curvPerSample } = this.lay;
    let aMax = 0;
    for (let i = 0; i < N; i++) aMax = Math.max(aMax, p[aOff + i]! ** 2);
    const scale = new Float64Array(hiddenSize);
    const xs = n > 0 ? sumX2 / n : 0;
    for (let j = 0; j < hiddenSize; j++) {
      const ni = neuronOf[j]!;
      const a2 = ni >= 0 ? p[aOff + ni]! ** 2 : aMax * N;
      // curvature of Σ(f−y)²/(2σ²) along a standardised hidden weight ≤ n · a² · φ'² · std² · |input|² / σ²
      const c = (n * a2 * curvPerSample * std[j]! ** 2 * xs) / this.o.sigma2;
      scale[j] = 1 / (1 + c);
    }
    return scale;
  }

  /**
   * One stage at a fixed training set: `burnIn` sweeps (adapting η), then `record` sweeps whose Rao–Blackwellised
   * test predictions are averaged.
   */
  stage(
    x: Mat,
    y: Float64Array,
    xTest: Mat,
    o: { burnIn: number; record: number; predictive?: { yTest: Float64Array; weights?: Float64Array } },
  ): StageResult {
    const { hiddenSize, std } = this.lay;
    const model = this.o.model;
    const s2 = this.o.sigma2;
    const nTest = xTest.rows;
    let sumX2 = 0;
    for (let i = 0; i < x.data.length; i++) sumX2 += x.data[i]! ** 2;
    sumX2 /= model.inputDim; // |x|²/d summed over samples (≈ n)
    const chainMean = this.chains.map(() => new Float64Array(nTest));
    const g = new Float64Array(model.paramCount);
    const gp = new Float64Array(model.paramCount);
    let accepted = 0;
    let proposed = 0;
    let adaptAcc = 0;
    let adaptProp = 0;
    const total = o.burnIn + o.record;
    // per test point: running log Σ over recorded samples of E_a[exp(−(f − y)²/(2σ²))] (see StageResult.logPredictive)
    const yT = o.predictive?.yTest;
    if (yT && yT.length !== nTest) throw new InvalidArgumentError('predictive: yTest must have one label per test input');
    const wT = o.predictive?.weights;
    if (wT && wT.length !== nTest) throw new InvalidArgumentError('predictive: weights must have one entry per test input');
    const lse = yT ? new Float64Array(nTest).fill(Number.NEGATIVE_INFINITY) : null;
    const v = new Float64Array(this.lay.nOut);
    for (let sweep = 0; sweep < total; sweep++) {
      for (let c = 0; c < this.chains.length; c++) {
        const p = this.chains[c]!;
        const k = this.nextKey();
        const [kg, kn, ku] = split(k, 3);
        const { mean: aMean, chol } = this.gibbsReadout(p, x, y, kg!);
        if (sweep >= o.burnIn) {
          // Rao–Blackwellised prediction: after the exact Gibbs draw the state is a posterior sample, and E[a | hidden]
          // replaces the drawn readout (same expectation, lower variance)
          const phiT = model.features!(p, xTest).data;
          const N = this.lay.nOut;
          for (let t = 0; t < nTest; t++) {
            let s = 0;
            for (let i = 0; i < N; i++) s += phiT[t * N + i]! * aMean[i]!;
            chainMean[c]![t]! += s / o.record;
            if (lse && yT) {
              // f | hidden ~ N(s, φᵀA⁻¹φ); A = LLᵀ so φᵀA⁻¹φ = |L⁻¹φ|²
              for (let i = 0; i < N; i++) v[i] = phiT[t * N + i]!;
              forwardSolve(chol, N, v);
              let vf = 0;
              for (let i = 0; i < N; i++) vf += v[i]! ** 2;
              const lt = 0.5 * Math.log(s2 / (s2 + vf)) - (s - yT[t]!) ** 2 / (2 * (s2 + vf));
              const m = Math.max(lse[t]!, lt);
              lse[t] = m + Math.log(Math.exp(lse[t]! - m) + Math.exp(lt - m));
            }
          }
        }
        const scale = this.stepScale(p, x.rows, sumX2);
        // MALA on the standardised hidden coordinates z = θ/std, target U(z) = ½|z|² + L(θ)/σ²
        const l0 = this.lossGrad(p, x, y, g);
        const q = Float64Array.from(p);
        const xi = normal(kn!, hiddenSize);
        let u0 = 0;
        for (let j = 0; j < hiddenSize; j++) {
          const z = p[j]! / std[j]!;
          u0 += 0.5 * z * z;
          const grad = z + (std[j]! * g[j]!) / s2;
          const h = this.eta * scale[j]!;
          q[j] = std[j]! * (z - h * grad + Math.sqrt(2 * h) * xi[j]!);
        }
        u0 += l0 / s2;
        const l1 = this.lossGrad(q, x, y, gp);
        let u1 = l1 / s2;
        // log q(p | q) − log q(q | p) for the (diagonal, position-independent given a) proposal
        let logRev = 0;
        let logFwd = 0;
        for (let j = 0; j < hiddenSize; j++) {
          const z0 = p[j]! / std[j]!;
          const z1 = q[j]! / std[j]!;
          u1 += 0.5 * z1 * z1;
          const h = this.eta * scale[j]!;
          const g0 = z0 + (std[j]! * g[j]!) / s2;
          const g1 = z1 + (std[j]! * gp[j]!) / s2;
          logFwd -= (z1 - z0 + h * g0) ** 2 / (4 * h);
          logRev -= (z0 - z1 + h * g1) ** 2 / (4 * h);
        }
        if (!Number.isFinite(u1) && !Number.isFinite(u0))
          throw new SamplerDivergedError('network sampler: non-finite energy; increase --sigma2 or reduce the sizes');
        const logA = -(u1 - u0) + logRev - logFwd;
        const acc = Number.isFinite(logA) && Math.log(uniform(ku!, 1)[0]!) < logA && this.inRegion(q);
        if (acc) p.set(q.subarray(0, hiddenSize), 0);
        proposed++;
        if (acc) accepted++;
        if (sweep < o.burnIn) {
          adaptProp++;
          if (acc) adaptAcc++;
        }
      }
      // adapt η during burn-in toward acceptance ≈ 0.6 (every 10 sweeps)
      if (sweep < o.burnIn && adaptProp >= 10 * this.chains.length) {
        const r = adaptAcc / adaptProp;
        this.eta *= Math.exp(2 * (r - 0.6));
        this.eta = Math.min(Math.max(this.eta, 1e-6), 2);
        adaptAcc = 0;
        adaptProp = 0;
      }
    }
    const meanTest = new Float64Array(nTest);
    for (const m of chainMean) for (let t = 0; t < nTest; t++) meanTest[t]! += m[t]! / chainMean.length;
    for (const v of meanTest)
      if (!Number.isFinite(v)) throw new SamplerDivergedError('network sampler: non-finite predictions; increase --sigma2');
    let logPredictive: number | undefined;
    if (lse) {
      const draws = o.record * this.chains.length;
      logPredictive = 0;
      for (let t = 0; t < nTest; t++) logPredictive += (lse[t]! - Math.log(draws)) * (wT ? wT[t]! : 1 / nTest);
      if (!Number.isFinite(logPredictive))
        throw new SamplerDivergedError('network sampler: non-finite predictive likelihood; increase --sigma2');
    }
    return {
      meanTest,
      chainMeanTest: chainMean,
      acceptance: accepted / Math.max(1, proposed),
      stepSize: this.eta,
      ...(logPredictive === undefined ? {} : { logPredictive }),
    };
  }
}

/**
 * How the held-out alignment and log predictive factor of a single-index teacher are estimated:
 * - `random`: nTest fresh Gaussian inputs, equal weights (A_f = Σfy/Σy²).
 * - `quadrature` (the network runner's default): Gauss–Hermite nodes z_q along the teacher direction, each with
 *   nTest/Q Gaussian draws in the orthogonal complement, x = z_q·w* + x_⊥, weights ω_q/(draws per node). The inputs are
 *   still distributed as N(0, I_d) once weighted, but the label y = He_k(z)/√(k!) depends only on z, so ⟨y, y⟩ comes
 *   out exactly (1) and the heavy He_k tails no longer set the estimate: with 500 random points the test-set mean of
 *   y² for He₃ has a relative standard deviation of √(E y⁴ − 1)/√500 = √92/√500 ≈ 43 %, and A_f = Σfy/Σy² inherits it
 *   (a network that saturates in the tails gets a low A_f on a test set with one large |z|).
 */
export type TestSet = 'random' | 'quadrature';

/** Gauss–Hermite nodes of the quadrature test set (exact for E[y²] of He_k up to k = 49; E[erf(rz)·He₃(z)] to 6e-6 for r ≤ 2, 7e-4 at r = 3). */
export const TEST_QUADRATURE_NODES = 50;

/** Gaussian draws orthogonal to w* per node of the quadrature test set of about `nTest` points (at least 1). */
export function quadraturePointsPerNode(nTest: number): number {
  return Math.max(1, Math.round(nTest / TEST_QUADRATURE_NODES));
}

/**
 * A single-index teacher dataset y = He_k(w*·x)/√(k!) (unit variance), |w*| = 1, with a held-out test set (random
 * Gaussian inputs, equal weights: `wt` undefined; or the teacher-quadrature set of {@link TestSet}: `wt` holds the
 * test weights, summing to 1).
 */
export function singleIndexData(k: Key, n: number, nTest: number, d: number, degree: number, testSet: TestSet = 'random') {
  const [kw, kx, kt] = split(k, 3);
  const w = normal(kw!, d);
  const nrm = Math.hypot(...w);
  for (let j = 0; j < d; j++) w[j]! /= nrm;
  const X = normalMat(kx!, n, d);
  const label = (A: Mat) => {
    const y = new Float64Array(A.rows);
    for (let i = 0; i < A.rows; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += A.data[i * d + j]! * w[j]!;
      y[i] = hermiteHeNormalized(degree, z);
    }
    return y;
  };
  if (testSet === 'random') {
    const Xt = normalMat(kt!, nTest, d);
    return { X, Xt, y: label(X), yt: label(Xt), wt: undefined as Float64Array | undefined, w };
  }
  const Q = TEST_QUADRATURE_NODES;
  const per = quadraturePointsPerNode(nTest);
  const { nodes, weights } = gaussHermite(Q);
  const Xt = normalMat(kt!, Q * per, d);
  const wt = new Float64Array(Q * per);
  for (let q = 0; q < Q; q++)
    for (let r = 0; r < per; r++) {
      const t = q * per + r;
      const row = Xt.data.subarray(t * d, (t + 1) * d);
      let g = 0;
      for (let j = 0; j < d; j++) g += row[j]! * w[j]!;
      // replace the component along w* by the node: x = z_q·w* + (g − (g·w*)w*)
      for (let j = 0; j < d; j++) row[j]! += (nodes[q]! - g) * w[j]!;
      wt[t] = weights[q]! / per;
    }
  return { X, Xt, y: label(X), yt: label(Xt), wt, w };
}

/** Options of {@link annealedSweep}. */
export interface AnnealedSweepOptions {
  /** The network at input dimension d (its `firstLayer` rows are compared with w* for the specialised count). */
  model: (dim: number) => Model;
  /** Label of the width at d, for the output (e.g. N or [N1, N2]). */
  widthOf: (dim: number) => number;
  dims: readonly number[];
  /** Increasing training-set sizes (absolute, the same for every d); each d stops one stage after its onset. */
  grid: readonly number[];
  /** Datasets (seeds) per d: a number, or a function of d (more datasets where they are cheap). */
  seeds: number | ((dim: number) => number);
  chains: number;
  /** Chains (of `chains`) started specialised (see {@link NetworkSamplerOptions.alignedChains}). */
  alignedChains: number;
  degree: number;
  sigma2: number;
  activationSlope: number;
  /** Float64 backend for the sampler's readout Gram matrix (the model carries its own); default host loops. */
  backend?: ComputeBackend;
  burnIn: number;
  record: number;
  testSamples: number;
  /** How the held-out alignment and log predictive are estimated (see {@link TestSet}); default 'quadrature'. */
  testSet?: TestSet;
  threshold: number;
  specialisationThreshold: number;
  /**
   * Which hidden layer's specialised neurons to count (default 1). 1: read-in rows with |ŵᵢ·w*| > threshold. 2 (a
   * three-layer net, whose predicted mechanism specialises second-layer neurons): neurons whose pre-activation
   * h₂ᵢ(x) correlates with w*·x over the test inputs beyond the threshold, |corr| > threshold (for a first-layer
   * neuron this correlation is ŵᵢ·w*); the chance count is then measured on prior draws of the same network.
   */
  specialisedLayer?: 1 | 2;
  /**
   * After the upward walk, walk back down the grid with the same chains (which are then in the feature-learning
   * phase) until the alignment falls below the threshold: the down branch of the hysteresis loop. At a first-order
   * onset the upward walk from the prior overshoots (escaping the lazy state over a barrier that grows with d), the
   * downward walk undershoots; the equilibrium onset lies between.
   */
  hysteresis?: boolean;
  /**
   * The equilibrium onset (needs `hysteresis`): two more walks per dataset on the up grid, each restricted to one side
   * of a dividing surface on the largest read-in teacher overlap (NetworkSamplerOptions.region): the lazy side walks
   * up from P = 0 to the top, the aligned side walks down from the top's feature-learning state (a copy of the chains
   * the down walk starts from) to P = 0. Each measures its held-out log predictive factor; the free energies integrate
   * from the regions' exact prior masses (freeEnergyCurve of @sftdl/scaling), giving the aligned phase's posterior
   * weight and the full posterior's alignment at every P. `alignedMass`: the aligned region's prior mass (sets the
   * dividing overlap per d, dividingThreshold).
   */
  equilibrium?: { alignedMass: number };
  /**
   * A sweep cell's walks (`scaling-onset` cells pool afterwards, so every dataset of a d needs the same P grids): the up
   * walk covers the whole grid (no stop after the onset), the down walk runs from the grid's top to its bottom (no stop
   * rule), and with `hysteresis` every dataset walks down and, with `equilibrium`, runs the restricted walks, whatever
   * its alignment at the top (a dataset still lazy there is realigned first, as always).
   */
  wholeGrid?: boolean;
  /**
   * The down walk's lowest P (default: the grid's first point). With a one-point `grid` and every chain started aligned
   * (`alignedChains` = `chains`) the sweep is a down walk from a teacher-aligned top ({@link annealedSweep}).
   */
  downFloor?: number;
  /** Steps per octave of the down walk's P grid, from the top down (default 2: ×√2 like the up grid; 4: ×2^¼). */
  downStepsPerOctave?: number;
  /**
   * The down walk stops once the dataset-mean alignment has stayed below the threshold for this many stages (default
   * 2, so that resampled dataset means are bracketed too) and every dataset has fallen below it at least once.
   */
  belowStages?: number;
  key: Key;
  onProgress?: (msg: string) => void;
}

/** The restricted walks of {@link AnnealedSweepOptions.equilibrium}: their region and direction. */
export const EQUILIBRIUM_WALKS = {
  /** restricted to the lazy region, up the grid from P = 0 (prior draws) */
  lazy: { side: 'lazy', from: 'bottom' },
  /** restricted to the aligned region, up from P = 0, started with one read-in row set to ±w* */
  alignedUp: { side: 'aligned', from: 'bottom' },
  /** restricted to the aligned region, down from the top's feature-learning chains (all their specialised neurons) */
  alignedDown: { side: 'aligned', from: 'top' },
} as const;
export type EquilibriumWalk = keyof typeof EQUILIBRIUM_WALKS;

/** The restricted-ensemble walks of one input dimension (see {@link AnnealedSweepOptions.equilibrium}). */
export interface EquilibriumBranch {
  /** The dividing overlap c: lazy region maxᵢ |ŵᵢ·ŵ*| ≤ c, aligned region > c. */
  dividing: number;
  /** log prior masses of the two regions (the free energies' anchors at P = 0). */
  logMass: { lazy: number; aligned: number };
  /** P grid in increasing order, starting at 0 (alignedDown walked it downward). */
  samples: number[];
  /** logPredictive[walk][seed][stage]: the restricted posterior's held-out log predictive factor g_R(P). */
  logPredictive: Record<EquilibriumWalk, number[][]>;
  /** freeEnergy[walk][seed][stage]: F = −E log Z of the walk's region, integrated from its prior mass at P = 0. */
  freeEnergy: Record<EquilibriumWalk, number[][]>;
  /**
   * deltaF[seed][stage] = F_aligned − F_lazy, F_aligned = min(F_alignedUp, F_alignedDown): the aligned region's free
   * energy is that of its more stable branch (exact when one dominates, within log 2 when the two walks sample
   * disjoint parts of the region with equal weight).
   */
  deltaF: number[][];
  /** Test alignment of each restricted posterior mean, alignment[walk][seed][stage]. */
  alignment: Record<EquilibriumWalk, number[][]>;
  /** Posterior weight of the aligned region, weight[seed][stage] = 1/(1 + exp ΔF). */
  weight: number[][];
  /**
   * The full posterior's test alignment, mixture[seed][stage] = w·A_aligned + (1 − w)·A_lazy (the posterior mean is the
   * weighted mixture of the restricted posterior means, and A_f is linear in the prediction); A_aligned weights the two
   * aligned walks by exp(−F).
   */
  mixture: number[][];
  /** Chain- and dataset-mean largest teacher overlap at each stage, per walk (where each ensemble sits). */
  overlap: Record<EquilibriumWalk, number[]>;
  acceptance: number;
}

/** One input dimension of an annealed sweep. */
export interface AnnealedSize {
  dim: number;
  width: number;
  samples: number[];
  /** alignment[seed][stage]: test alignment of the seed's Rao–Blackwellised posterior mean. */
  alignment: number[][];
  /** Largest between-chain spread of the alignment over stages and seeds (a mixing diagnostic). */
  chainSpread: number;
  /** Specialised read-in neurons (|ŵ·w*| > threshold) per seed, chain-averaged, at the last stage. */
  specialised: number[];
  /** The expected chance count of bulk neurons above the threshold (subtract for the excess). */
  specialisedByChance: number;
  acceptance: number;
  seconds: number;
  /**
   * The down branch (see {@link AnnealedSweepOptions.hysteresis}), in increasing P, the same grid for every dataset;
   * its last point is the top the walk started from (every dataset in the feature-learning state there, see
   * `realigned`): alignment[seed][stage].
   */
  down?: { samples: number[]; alignment: number[][] };
  /** Each dataset's own up-branch onset (its A_f first reaching the threshold walking up; null if never). */
  onsetsUp: (number | null)[];
  /**
   * Each dataset's own down-branch onset (walking down from the top of the up walk, where its A_f first falls below
   * the threshold; null without a down walk or if it never fell). Interpolated in log P.
   */
  onsetsDown: (number | null)[];
  /** Datasets whose down walk started from an aligned (specialised) state because they were still lazy at the top. */
  realigned: number[];
  /** The equilibrium walks (see {@link AnnealedSweepOptions.equilibrium}); absent without them. */
  equilibrium?: EquilibriumBranch;
  /**
   * P values walked above the up walk's top, all datasets together and in the feature-learning state, because their
   * mean alignment there was still below the threshold (the down walk then starts from the last of them).
   */
  extendedTo: number[];
}

/**
 * P-annealed sweep over dims × seeds: for each d and seed one dataset of max(grid) points and one chain ensemble;
 * stage k trains on the first grid[k] points starting from stage k−1's chains. A d stops one stage after the
 * seed-mean alignment first reaches the threshold (or at the end of the grid); with `hysteresis` it then walks back
 * down until the alignment falls below the threshold again.
 */
export function annealedSweep(o: AnnealedSweepOptions): AnnealedSize[] {
  const out: AnnealedSize[] = [];
  const pMax = o.grid[o.grid.length - 1]!;
  for (let di = 0; di < o.dims.length; di++) {
    const t0 = performance.now();
    const dim = o.dims[di]!;
    const nSeeds = typeof o.seeds === 'number' ? o.seeds : o.seeds(dim);
    const runs = Array.from({ length: nSeeds }, (_, s) => {
      const [kd, ks] = split(fold(fold(o.key, dim), s), 2);
      const data = singleIndexData(kd!, pMax, o.testSamples, dim, o.degree, o.testSet ?? 'quadrature');
      const model = o.model(dim);
      const sampler = new NetworkSampler({
        model,
        sigma2: o.sigma2,
        chains: o.chains,
        key: ks!,
        activationSlope: o.activationSlope,
        alignedChains: o.alignedChains,
        ...(o.backend ? { backend: o.backend } : {}),
        teacherDirection: data.w,
      });
      return {
        data,
        model,
        sampler,
        curve: [] as number[],
      };
    });
    const samples: number[] = [];
    let spread = 0;
    let acc = 0;
    let accN = 0;
    let crossed = -1;
    // one stage of one dataset at P (its first P points): the test alignment of its posterior mean
    const stageRun = (r: (typeof runs)[number], P: number) => {
      const x: Mat = { rows: P, cols: dim, data: r.data.X.data.subarray(0, P * dim) };
      const res = r.sampler.stage(x, r.data.y.subarray(0, P), r.data.Xt, { burnIn: o.burnIn, record: o.record });
      const per = res.chainMeanTest.map((m) => alignment(m, r.data.yt, r.data.wt));
      spread = Math.max(spread, Math.max(...per) - Math.min(...per));
      acc += res.acceptance;
      accN++;
      return alignment(res.meanTest, r.data.yt, r.data.wt);
    };
    const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    let top = -1;
    for (let st = 0; st < o.grid.length; st++) {
      const P = o.grid[st]!;
      samples.push(P);
      const last = runs.map((r) => {
        const a = stageRun(r, P);
        r.curve.push(a);
        return a;
      });
      const m = mean(last);
      o.onProgress?.(`d = ${dim}, P = ${P} ↑: mean A_f = ${m.toFixed(3)} (${last.map((v) => v.toFixed(2)).join(' ')})`);
      top = st;
      if (crossed < 0 && m >= o.threshold) crossed = st;
      if (!o.wholeGrid && crossed >= 0 && st >= crossed + 1) break;
    }
    // specialised neurons at the top of the up branch (before any walk down)
    const layer2 = o.specialisedLayer === 2;
    const countOf = (r: (typeof runs)[number], p: Float64Array) =>
      layer2
        ? secondLayerSpecialised(r.model, p, r.data.Xt, r.data.w, o.specialisationThreshold)
        : countSpecialised(r.model.firstLayer!(p), r.data.w, { threshold: o.specialisationThreshold }).count;
    const specialised = runs.map((r) => {
      let c = 0;
      for (const p of r.sampler.chains) c += countOf(r, p);
      return c / r.sampler.chains.length;
    });
    // chance count: layer 1 from the exact overlap law of a random direction; layer 2 from 16 prior draws
    const r0 = runs[0]!;
    const byChance = layer2
      ? Array.from({ length: 16 }, (_, k) => countOf(r0, r0.model.init(fold(fold(o.key, dim), 7000 + k)))).reduce(
          (a, b) => a + b,
          0,
        ) / 16
      : chanceSpecialised(r0Rows(r0.model), dim, o.specialisationThreshold);
    // hysteresis: walk back down from the top with the same (now feature-learning) chains. A dataset whose chains have
    // not escaped the lazy state by the top of the up walk (A_f below the threshold there) is put in the
    // feature-learning state instead: its chains are aligned with the teacher (one neuron, see NetworkSampler.align)
    // and re-equilibrated at the top P. If the datasets' mean alignment at the top is still below the threshold, all
    // datasets walk on up together (in that state) until it is not; the down walk then starts from there, on a grid
    // of `downStepsPerOctave` steps per octave, the same for every dataset (so dataset means are defined at every P).
    const realigned: number[] = [];
    const extendedTo: number[] = [];
    let down: { samples: number[]; alignment: number[][] } | undefined;
    let equilibrium: EquilibriumBranch | undefined;
    if (o.hysteresis) {
      let topP = o.grid[top]!;
      const atTop = runs.map((r) => r.curve[r.curve.length - 1]!);
      runs.forEach((r, s) => {
        if (atTop[s]! >= o.threshold) return;
        realigned.push(s);
        r.sampler.chains.forEach((_, c) => r.sampler.align(c, fold(fold(fold(o.key, dim), s), 1000 + c)));
        atTop[s] = stageRun(r, topP);
        o.onProgress?.(
          `d = ${dim}, P = ${topP}: dataset ${s} still lazy at the top; aligned start → A_f = ${atTop[s]!.toFixed(3)}`,
        );
      });
      for (let k = top + 1; k < o.grid.length && mean(atTop) < o.threshold; k++) {
        topP = o.grid[k]!;
        extendedTo.push(topP);
        runs.forEach((r, s) => {
          atTop[s] = stageRun(r, topP);
        });
        o.onProgress?.(`d = ${dim}, P = ${topP} (aligned, extended): mean A_f = ${mean(atTop).toFixed(3)}`);
      }
      const walkDown = o.wholeGrid || mean(atTop) >= o.threshold;
      if (o.equilibrium && walkDown)
        equilibrium = equilibriumWalks(o, dim, runs, [...o.grid.filter((P) => P < topP), topP], o.equilibrium.alignedMass);
      if (walkDown) {
        const per = o.downStepsPerOctave ?? 2;
        const need = o.belowStages ?? 2;
        const rows = runs.map((_, s) => [atTop[s]!]);
        const ps = [topP];
        const fell = atTop.map((v) => !(v >= o.threshold));
        let below = 0;
        for (let k = 1; ; k++) {
          const P = Math.round(topP * 2 ** (-k / per));
          if (P < (o.downFloor ?? o.grid[0]!)) break;
          if (P === ps[ps.length - 1]) continue;
          ps.push(P);
          const last = runs.map((r, s) => {
            const a = stageRun(r, P);
            rows[s]!.push(a);
            if (a < o.threshold) fell[s] = true;
            return a;
          });
          const m = mean(last);
          o.onProgress?.(`d = ${dim}, P = ${P} ↓: mean A_f = ${m.toFixed(3)} (${last.map((v) => v.toFixed(2)).join(' ')})`);
          below = m < o.threshold ? below + 1 : 0;
          if (!o.wholeGrid && below >= need && fell.every(Boolean)) break;
        }
        // increasing P, like the up branch (the walk itself went down)
        down = { samples: [...ps].reverse(), alignment: rows.map((r) => [...r].reverse()) };
      }
    }
    const width = o.widthOf(dim);
    out.push({
      onsetsUp: runs.map((r) => onsetFromCurve(samples, r.curve, o.threshold)),
      realigned,
      extendedTo,
      onsetsDown: runs.map((_, i) => (down ? onsetFromTop(down.samples, down.alignment[i]!, o.threshold) : null)),
      dim,
      width,
      samples,
      alignment: runs.map((r) => r.curve),
      chainSpread: spread,
      specialised,
      specialisedByChance: byChance,
      acceptance: acc / Math.max(1, accN),
      seconds: (performance.now() - t0) / 1000,
      ...(down ? { down } : {}),
      ...(equilibrium ? { equilibrium } : {}),
    });
  }
  return out;
}

/** What {@link equilibriumWalks} needs of one dataset of the annealed sweep. */
interface SweepRun {
  data: ReturnType<typeof singleIndexData>;
  model: Model;
  sampler: NetworkSampler;
}

/**
 * The two restricted walks of one d (see {@link AnnealedSweepOptions.equilibrium}) on `grid` (increasing, its last
 * point the top, where every dataset's chains are in the feature-learning state): lazy side up from P = 0, aligned side
 * down from copies of the top chains to P = 0.
 */
function equilibriumWalks(
  o: AnnealedSweepOptions,
  dim: number,
  runs: readonly SweepRun[],
  grid: readonly number[],
  alignedMass: number,
): EquilibriumBranch {
  const width = runs[0]!.model.blocks[0]!.shape[0]!;
  const c = dividingThreshold(width, dim, alignedMass);
  const logMass = {
    lazy: regionPriorLogMass(width, dim, c, 'lazy'),
    aligned: regionPriorLogMass(width, dim, c, 'aligned'),
  };
  const samples = [0, ...grid];
  const K = samples.length;
  const nS = runs.length;
  const walks = Object.keys(EQUILIBRIUM_WALKS) as EquilibriumWalk[];
  const table = () => Array.from({ length: nS }, () => new Array<number>(K).fill(0));
  const per = <T>(f: () => T) => Object.fromEntries(walks.map((w) => [w, f()])) as Record<EquilibriumWalk, T>;
  const g = per(table);
  const al = per(table);
  const overlap = per(() => new Array<number>(K).fill(0));
  const mean = (v: number[][], k: number) => v.reduce((a, r) => a + r[k]!, 0) / v.length;
  let acc = 0;
  let accN = 0;
  walks.forEach((walk, wi) => {
    const { side, from } = EQUILIBRIUM_WALKS[walk];
    runs.forEach((r, s) => {
      const sm = new NetworkSampler({
        model: r.model,
        sigma2: o.sigma2,
        chains: o.chains,
        key: fold(fold(fold(o.key, dim), s), 2001 + wi),
        activationSlope: o.activationSlope,
        ...(o.backend ? { backend: o.backend } : {}),
        teacherDirection: r.data.w,
        region: { side, threshold: c },
        ...(from === 'top' ? { initialChains: r.sampler.chains } : {}),
      });
      const order = from === 'bottom' ? samples.map((_, k) => k) : samples.map((_, k) => K - 1 - k);
      for (const k of order) {
        const P = samples[k]!;
        const x: Mat = { rows: P, cols: dim, data: r.data.X.data.subarray(0, P * dim) };
        const res = sm.stage(x, r.data.y.subarray(0, P), r.data.Xt, {
          burnIn: o.burnIn,
          record: o.record,
          predictive: { yTest: r.data.yt, ...(r.data.wt ? { weights: r.data.wt } : {}) },
        });
        g[walk][s]![k] = res.logPredictive!;
        al[walk][s]![k] = alignment(res.meanTest, r.data.yt, r.data.wt);
        for (const p of sm.chains) overlap[walk][k]! += sm.maxOverlap(p) / (sm.chains.length * nS);
        acc += res.acceptance;
        accN++;
      }
    });
    o.onProgress?.(
      `d = ${dim} (equilibrium, c = ${c.toFixed(3)}): ${walk} A_f ${samples.map((P, k) => `${P}:${mean(al[walk], k).toFixed(2)}`).join(' ')}`,
    );
  });
  const freeEnergy = per(() => [] as number[][]);
  for (const walk of walks)
    freeEnergy[walk] = runs.map((_, s) => freeEnergyCurve(samples, g[walk][s]!, logMass[EQUILIBRIUM_WALKS[walk].side]));
  const deltaF: number[][] = [];
  const weight: number[][] = [];
  const mixture: number[][] = [];
  runs.forEach((_, s) => {
    const dF: number[] = [];
    const w: number[] = [];
    const mix: number[] = [];
    for (let k = 0; k < K; k++) {
      const fu = freeEnergy.alignedUp[s]![k]!;
      const fd = freeEnergy.alignedDown[s]![k]!;
      const fa = Math.min(fu, fd);
      const wd = 1 / (1 + Math.exp(fd - fu)); // share of the down walk inside the aligned region
      const aAl = wd * al.alignedDown[s]![k]! + (1 - wd) * al.alignedUp[s]![k]!;
      const df = fa - freeEnergy.lazy[s]![k]!;
      const wa = 1 / (1 + Math.exp(df));
      dF.push(df);
      w.push(wa);
      mix.push(wa * aAl + (1 - wa) * al.lazy[s]![k]!);
    }
    deltaF.push(dF);
    weight.push(w);
    mixture.push(mix);
  });
  o.onProgress?.(
    `d = ${dim} (equilibrium): mean ΔF ${samples.map((P, k) => `${P}:${mean(deltaF, k).toFixed(1)}`).join(' ')}; mixture A_f ${samples.map((P, k) => `${P}:${mean(mixture, k).toFixed(2)}`).join(' ')}`,
  );
  return {
    dividing: c,
    logMass,
    samples,
    logPredictive: g,
    freeEnergy,
    deltaF,
    alignment: al,
    weight,
    mixture,
    overlap,
    acceptance: acc / Math.max(1, accN),
  };
}

/**
 * Second-layer neurons of an erf three-layer net (blocks W: N₁×d, V: N₂×N₁) whose pre-activation
 * h₂ᵢ(x) = Σⱼ Vᵢⱼ erf(Wⱼ·x) correlates with the teacher's w*·x over the inputs `x` beyond `threshold` in absolute value.
 */
export function secondLayerSpecialised(model: Model, p: Float64Array, x: Mat, w: Float64Array, threshold: number): number {
  const W = model.blocks.find((b) => b.name === 'W');
  const V = model.blocks.find((b) => b.name === 'V');
  if (!W || !V) throw new InvalidArgumentError('second-layer specialisation needs a three-layer net (blocks W and V)');
  const d = x.cols;
  const [n1, n2] = [W.shape[0]!, V.shape[0]!];
  const n = x.rows;
  const z = new Float64Array(n);
  const h1 = new Float64Array(n1);
  const p1 = new Float64Array(n1);
  const d1 = new Float64Array(n1);
  const h2 = new Float64Array(n * n2);
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < d; j++) z[t]! += x.data[t * d + j]! * w[j]!;
    for (let k = 0; k < n1; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += p[W.offset + k * d + j]! * x.data[t * d + j]!;
      h1[k] = s;
    }
    activate('erf', h1, p1, d1); // the network's own erf
    for (let i = 0; i < n2; i++) {
      let s = 0;
      for (let k = 0; k < n1; k++) s += p[V.offset + i * n1 + k]! * p1[k]!;
      h2[t * n2 + i] = s;
    }
  }
  const mz = z.reduce((a, b) => a + b, 0) / n;
  let zz = 0;
  for (let t = 0; t < n; t++) zz += (z[t]! - mz) ** 2;
  let count = 0;
  for (let i = 0; i < n2; i++) {
    let m = 0;
    for (let t = 0; t < n; t++) m += h2[t * n2 + i]! / n;
    let hz = 0;
    let hh = 0;
    for (let t = 0; t < n; t++) {
      const h = h2[t * n2 + i]! - m;
      hz += h * (z[t]! - mz);
      hh += h * h;
    }
    if (hh > 0 && Math.abs(hz) / Math.sqrt(hh * zz) > threshold) count++;
  }
  return count;
}

function r0Rows(m: Model): number {
  return m.blocks[0]!.shape[0]!;
}
