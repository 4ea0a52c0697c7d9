/**
 * Finite-P modular-addition theory: the same adaptive-kernel mean-field equations as {@link solveModular} with the
 * first-principles λ, but the single-neuron Fourier-mode average ⟨|w_k|²|v_k|²⟩ is the exact integral over the
 * mode's distribution instead of its saddle-point (Gaussian-mixture) approximation.
 *
 * Derivation (docs/theory/grokking.md §4). Given the discrepancy σ²t̄ = a·y, the single-neuron action is
 * S[w] = Σₙ wₙ²/2 + Γ(w) − u a² P Σ_{k≠0} |w_k|²|v_k|² (the identity Σ_p(Σ_μ y^p_μ(w·x_μ)²)² = 4P³Σ_{k≠0}|w_k|²|v_k|²,
 * u = 2σ_a²P²/(Nσ⁴)), with Σₙwₙ² = PΣ_k|w_k|² and Γ = Σ_k P(γ/6)(|w_k|⁶ + |v_k|⁶). Modes k and P−k are complex
 * conjugates, so the independent variables are the (P−1)/2 pairs, each with action 2·S_k:
 *
 *   E(Φ, Ψ) = 2P[(Φ + Ψ)/2 − sΦΨ + (γ/6)(Φ³ + Ψ³)],   Φ = |w_k|², Ψ = |v_k|², s = u a²,
 *
 * and the measure d²w_k d²v_k is uniform in (Φ, Ψ) ∈ [0, ∞)². Under the prior (s = γ = 0) ⟨Φ⟩ = 1/P and
 * ⟨ΦΨ⟩ = 1/P², so λ = 4P²σ_a²⟨ΦΨ⟩ = 4σ_a² (the GP value). The saddle-point theory replaces this integral by the
 * Gaussian mixture of the paper's Eq. 41 (weights 4e^{−PŜ₊}, fluctuations dropped); both agree as P → ∞, but at the
 * small P of a simulation (P ≈ 10–50) the exact integral differs by O(1) in the mixed phase.
 */
import { InvalidArgumentError } from '@sftdl/compute';
import { brentRoot, compositeGaussLegendre } from '../numerics';
import { type ModularParams, modularInvariant, modularModeAction, modularOnsets, modularSaddles } from './modular';
import type { GrokkingPhase } from './action';

/** Exact moments of one conjugate mode pair's (Φ, Ψ) distribution. */
export interface ModularPairMoments {
  /** ⟨|w_k|²⟩. */
  phi: number;
  /** ⟨|w_k|²|v_k|²⟩. */
  phiPsi: number;
  /** Probability that both Φ and Ψ lie beyond the barrier x₋ (the "aligned" basin); 0 when there is no barrier. */
  alignedMass: number;
  /** Nodes per axis of the quadrature used. */
  nodes: number;
}

const MAX_NODES = 3000;

/**
 * ⟨Φ⟩, ⟨ΦΨ⟩ under p(Φ, Ψ) ∝ e^{−E(Φ,Ψ)} on [0, ∞)² (module comment), by a product Gauss–Legendre rule whose panels
 * resolve both the trivial peak (width 1/P) and the aligned one (width 1/√(2Pγx₊)); the domain is cut where
 * P(Ŝ(X) − min Ŝ) ≥ 46, which bounds the neglected mass by e^{−46} relative to the peak (E ≥ P(Ŝ(Φ) + Ŝ(Ψ))).
 * Throws InvalidArgumentError when the rule would need more than 3000 nodes per axis (very large P, very small γ, or
 * s far past the spinodal where the aligned peak is narrow and far out: use the saddle-point {@link solveModular}
 * there, which is accurate in those limits).
 * @example
 * modularPairMoments(0, 1e-6, 13).phiPsi // ≈ 1/13² (prior)
 */
export function modularPairMoments(s: number, gamma: number, prime: number): ModularPairMoments {
  if (!(Number.isFinite(s) && s >= 0)) throw new InvalidArgumentError(`modularPairMoments: s must be ≥ 0, got ${s}`);
  if (!(gamma > 0)) throw new InvalidArgumentError(`modularPairMoments: gamma must be > 0, got ${gamma}`);
  if (!(prime >= 2)) throw new InvalidArgumentError(`modularPairMoments: prime must be ≥ 2, got ${prime}`);
  const P = prime;
  const sad = modularSaddles(s, gamma);
  const sHat = (x: number) => modularModeAction(x, s, gamma);
  const minS = sad ? Math.min(0, sHat(sad.xPlus)) : 0;
  let X = Math.max(sad ? sad.xPlus : 0, 1 / P);
  while (P * (sHat(X) - minS) < 46 || (sad !== null && X < sad.xPlus)) X *= 1.25;
  const width = 0.5 * Math.min(1 / P, sad ? 1 / Math.sqrt(2 * P * gamma * sad.xPlus) : Infinity);
  const order = 8;
  const panels = Math.ceil(X / width);
  // with a barrier inside (0, X) the panels meet at it, so the aligned-basin indicator below is integrated exactly
  const barrier = sad && sad.xMinus < X ? sad.xMinus : Infinity;
  const split = Number.isFinite(barrier)
    ? [Math.max(1, Math.ceil(barrier / width)), Math.max(1, Math.ceil((X - barrier) / width))]
    : [panels];
  const nodes = split.reduce((a, b) => a + b, 0) * order;
  if (nodes > MAX_NODES)
    throw new InvalidArgumentError(
      `modularPairMoments: P = ${P}, γ = ${gamma}, s = ${s} needs ${nodes} quadrature nodes per axis (> ${MAX_NODES}: large P, or deep in the aligned phase where the saddle point is accurate); use the saddle-point solveModular here`,
    );
  const parts = Number.isFinite(barrier)
    ? [compositeGaussLegendre(0, barrier, split[0]!, order), compositeGaussLegendre(barrier, X, split[1]!, order)]
    : [compositeGaussLegendre(0, X, panels, order)];
  const x = Float64Array.from(parts.flatMap((q) => Array.from(q.x)));
  const w = Float64Array.from(parts.flatMap((q) => Array.from(q.w)));
  const n = x.length;
  // separable part e^{−2P(Φ/2 + γΦ³/6)} and the coupling e^{2PsΦΨ}; shift the exponent by its maximum
  const sep = new Float64Array(n);
  for (let i = 0; i < n; i++) sep[i] = -2 * P * (x[i]! / 2 + (gamma / 6) * x[i]! ** 3);
  let emax = -Infinity;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) emax = Math.max(emax, sep[i]! + sep[j]! + 2 * P * s * x[i]! * x[j]!);
  let z = 0,
    m1 = 0,
    m11 = 0,
    al = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    for (let j = 0; j < n; j++) {
      const xj = x[j]!;
      const p = w[i]! * w[j]! * Math.exp(sep[i]! + sep[j]! + 2 * P * s * xi * xj - emax);
      z += p;
      m1 += p * xi;
      m11 += p * xi * xj;
      if (xi > barrier && xj > barrier) al += p;
    }
  }
  return { phi: m1 / z, phiPsi: m11 / z, alignedMass: al / z, nodes: n };
}

/** Finite-P self-consistent solution (first-principles λ) at one σ². */
export interface ModularFinitePSolution {
  sigma2: number;
  /** |a| = σ²/(λ + σ²), the largest root (continuous with GFL). */
  a: number;
  learned: number;
  /** λ = 4P²σ_a²⟨ΦΨ⟩. */
  lambda: number;
  u: number;
  s: number;
  /** ⟨|w_k|²|v_k|²⟩ at the solution (the per-mode Fourier correlator a network ensemble measures). */
  phiPsi: number;
  /** Mass of the aligned basin (both Φ, Ψ beyond the barrier). */
  alignedMass: number;
  /** Phase label of the P → ∞ boundaries ({@link modularOnsets}, first-principles λ). */
  phase: GrokkingPhase;
  /** Every root found on (0, 1]. */
  roots: number[];
}

/**
 * Solves |a| = σ²/(λ(|a|) + σ²) with λ = 4P²σ_a²⟨|w_k|²|v_k|²⟩ computed exactly at finite P
 * ({@link modularPairMoments}); scan of (0, 1] for sign changes, refined by Brent.
 *
 * *When to use*: comparing a Langevin ensemble of the modular network at a small prime with the theory; the
 * saddle-point {@link solveModular} is the P → ∞ limit of the same equations.
 * @example
 * solveModularFiniteP({ prime: 13, width: 32, sigmaA2: 0.01, gamma: 30, sigma2: 0.05 }).a
 */
export function solveModularFiniteP(p: ModularParams, opts: { gridPoints?: number } = {}): ModularFinitePSolution {
  const u = modularInvariant(p); // validates p
  const lam = (a: number) => 4 * p.prime * p.prime * p.sigmaA2 * modularPairMoments(u * a * a, p.gamma, p.prime).phiPsi;
  const g = (a: number) => a - p.sigma2 / (lam(a) + p.sigma2);
  const m = opts.gridPoints ?? 200;
  const roots: number[] = [];
  let a0 = 1e-6,
    g0 = g(a0);
  for (let i = 1; i <= m; i++) {
    const a1 = i / m;
    const g1 = g(a1);
    if (g1 === 0) roots.push(a1);
    else if (g0 * g1 < 0)
      roots.push(brentRoot(g, a0, a1, { xtol: 1e-13, maxIterations: 200, what: 'modular |a| (finite P)' }).root);
    a0 = a1;
    g0 = g1;
  }
  if (roots.length === 0)
    throw new InvalidArgumentError(
      `modular discrepancy (finite P): no root on (0, 1] for sigma2 = ${p.sigma2}; check the parameters`,
    );
  const a = Math.max(...roots);
  const s = u * a * a;
  const mo = modularPairMoments(s, p.gamma, p.prime);
  const lambda = 4 * p.prime * p.prime * p.sigmaA2 * mo.phiPsi;
  const on = modularOnsets(p, { lambdaNormalization: 'first-principles' });
  const phase: GrokkingPhase =
    p.sigma2 >= on.gmfl1Onset ? 'GFL' : on.gmfl2Onset !== null && p.sigma2 <= on.gmfl2Onset ? 'GMFL-II' : 'GMFL-I';
  return { sigma2: p.sigma2, a, learned: 1 - a, lambda, u, s, phiPsi: mo.phiPsi, alignedMass: mo.alignedMass, phase, roots };
}
