/**
 * The modular-addition network with its readout integrated exactly, for a given read-in block W (docs/theory/grokking.md
 * §4.7–4.8). For f_p(x) = Σᵢ a_{pi}φᵢ(x), φᵢ(x_nm) = (w_{i,n} + v_{i,m})², a_{pi} ~ N(0, σ_a²/N) and the centred one-hot
 * targets y_p(n, m) = [n + m ≡ p] − 1/P on the full P² table, the readout posterior given W is Gaussian and
 *
 *   a(W) = σ²Σ_p y_pᵀ(K_W + σ²)⁻¹y_p / Σ_p|y_p|²,   K_W = (σ_a²/N)ΦᵀΦ  (Φ: [N, P²], Φ_{iμ} = φᵢ(x_μ)),
 *
 * is the discrepancy of the network's conditional mean (σ² t̄ = a y, Claim I, averaged over the table), while
 * ½Σ_p y_pᵀ(K_W + σ²)⁻¹y_p + (P/2)·log det(K_W + σ²) is the read-in weights' data action (one ½log det per output).
 * Both are evaluated through the N×N matrix M = σ²I + (σ_a²/N)ΦΦᵀ (Woodbury), O(N²P² + N³).
 */
import { InvalidArgumentError, NotPositiveDefiniteError, referenceBackend } from '@sftdl/compute';

/** Exact readout integral of one read-in configuration (module comment). */
export interface ModularReadoutIntegral {
  /** a(W) = σ²Σ_p y_pᵀ(K_W + σ²)⁻¹y_p / Σ_p|y_p|². */
  a: number;
  /** ½Σ_p y_pᵀ(K_W + σ²)⁻¹y_p + (P/2)·log det(K_W + σ²) − (P³/2)·log σ² (the W-independent constant removed). */
  action: number;
}

/**
 * Evaluates {@link ModularReadoutIntegral} for the read-in block `w` ([N, 2P] row-major: neuron i's w then v, at
 * offset `offset`), N neurons, prime P, total readout scale σ_a² and noise σ².
 * @example
 * // one neuron at w = v = 0: K_W = 0, so a = 1 (nothing learned)
 * modularReadoutIntegral(new Float64Array(22), 1, 11, 1e-3, 0.01).a // 1
 */
export function modularReadoutIntegral(
  w: ArrayLike<number>,
  N: number,
  P: number,
  sigmaA2: number,
  sigma2: number,
  offset = 0,
): ModularReadoutIntegral {
  if (!(Number.isInteger(N) && N >= 1 && Number.isInteger(P) && P >= 2))
    throw new InvalidArgumentError(`modularReadoutIntegral: N and P must be positive integers (P ≥ 2), got ${N}, ${P}`);
  if (!(sigmaA2 > 0 && sigma2 > 0))
    throw new InvalidArgumentError(`modularReadoutIntegral: σ_a² and σ² must be > 0, got ${sigmaA2}, ${sigma2}`);
  if (w.length < offset + N * 2 * P)
    throw new InvalidArgumentError(`modularReadoutIntegral: need ${N * 2 * P} read-in weights, got ${w.length - offset}`);
  const P2 = P * P;
  const eps = sigmaA2 / N;
  // Φ rows and b_{ip} = Σ_μ φᵢ(μ) y_p(μ) = Σₙ φᵢ(n, p − n) − (1/P)Σ_μ φᵢ(μ)
  const phi = new Float64Array(N * P2);
  const b = new Float64Array(N * P);
  for (let i = 0; i < N; i++) {
    const o = offset + i * 2 * P;
    let tot = 0;
    for (let n = 0; n < P; n++)
      for (let m = 0; m < P; m++) {
        const f = (w[o + n]! + w[o + P + m]!) ** 2;
        phi[i * P2 + n * P + m] = f;
        b[i * P + ((n + m) % P)]! += f;
        tot += f;
      }
    for (let p = 0; p < P; p++) b[i * P + p]! -= tot / P;
  }
  // M = σ²I + εΦΦᵀ = LLᵀ (the reference backend's Cholesky; N ≤ a few hundred here)
  const M = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      const oi = i * P2,
        oj = j * P2;
      for (let mu = 0; mu < P2; mu++) s += phi[oi + mu]! * phi[oj + mu]!;
      M[i * N + j] = M[j * N + i] = eps * s + (i === j ? sigma2 : 0);
    }
  let L;
  try {
    L = referenceBackend.cholesky({ rows: N, cols: N, data: M });
  } catch (e) {
    // M is σ²I plus a Gram matrix: it fails only with non-finite or overflowing weights
    if (e instanceof NotPositiveDefiniteError || e instanceof InvalidArgumentError)
      throw new InvalidArgumentError('modularReadoutIntegral: K_W + σ² is not positive definite (non-finite weights?)');
    throw e;
  }
  let logDetM = 0;
  for (let j = 0; j < N; j++) logDetM += 2 * Math.log(L.data[j * N + j]!);
  // Σ_p b_pᵀM⁻¹b_p = |L⁻¹B|² with B = [b_1 … b_P] ([N, P], b's layout)
  let quad = 0;
  for (const z of referenceBackend.triangularSolve(L, { rows: N, cols: P, data: b }).data) quad += z * z;
  const y2 = P * (P - 1); // Σ_p|y_p|²
  const yGy = (y2 - eps * quad) / sigma2; // Σ_p y_pᵀ(K + σ²)⁻¹y_p (Woodbury)
  // log det(K + σ²) = (P² − N)·log σ² + log det M
  const logDet = (P2 - N) * Math.log(sigma2) + logDetM;
  return { a: (sigma2 * yGy) / y2, action: 0.5 * yGy + 0.5 * P * (logDet - P2 * Math.log(sigma2)) };
}
