import { type ComputeBackend, InvalidArgumentError, type Mat, ShapeError, assertFinite, referenceBackend } from '@sftdl/compute';

/** Options of {@link ntkPredictor}. */
export interface NtkPredictorOptions {
  /** NTK on the training inputs Θ(X, X), [n, n]. */
  ntk: Mat;
  y: ArrayLike<number>;
  /** Θ(X*, X), [m, n]. */
  ntkCross?: Mat;
  /** Training time t ≥ 0 (default Infinity). */
  time?: number;
  /** Learning rate η of gradient flow on ½‖f(X) − y‖² (default 1). */
  learningRate?: number;
  /** NNGP K(X, X), K(X*, X) and K(X*, X*) (or its diagonal): the covariance over initialisations is returned. */
  nngp?: Mat;
  nngpCross?: Mat;
  nngpTest?: Mat;
  nngpTestDiag?: ArrayLike<number>;
  backend?: ComputeBackend;
}

/** Result of {@link ntkPredictor}. */
export interface NtkPredictorResult {
  /** Mean train outputs V diag(1 − e^{−ηλt}) Vᵀ y. */
  trainMean: Float64Array;
  /** Mean test outputs Θ*X Θ⁻¹(I − e^{−ηΘt}) y. */
  testMean?: Float64Array;
  /** Covariance over initialisations at the test inputs (with `nngp`, `nngpCross` and `nngpTest`). */
  testCovariance?: Mat;
  /** Its diagonal (with `nngpTest` or `nngpTestDiag`). */
  testVariance?: Float64Array;
  /** Eigenvalues of Θ(X, X) (ascending). */
  eigenvalues: Float64Array;
}

/**
 * Lazy (linearised) gradient-flow predictor of an infinitely wide network in the NTK eigenbasis, at finite t or
 * t = ∞: μ_t(x) = Θ(x, X) Θ⁻¹(I − e^{−ηΘt}) y and, with the NNGP kernel K, the covariance over initialisations
 * Σ_t = K(x,x′) + Θ_x T K_XX T Θ_x′ − (Θ_x T K_Xx′ + K_xX T Θ_x′), T = Θ⁻¹(I − e^{−ηΘt}) (Lee et al. 2019).
 *
 * *When to use:* NTK predictions along training time. *Gotchas:* t = ∞ needs Θ(X, X) non-singular; at finite t the
 * factor (1 − e^{−ηλt})/λ is evaluated with expm1 (stable for small λ).
 * @example
 * ```ts
 * const r = ntkPredictor({ ntk: Theta, y, ntkCross: ThetaStar, time: 10 });
 * ```
 */
export function ntkPredictor(options: NtkPredictorOptions): NtkPredictorResult {
  const {
    ntk,
    ntkCross,
    time = Infinity,
    learningRate = 1,
    nngp,
    nngpCross,
    nngpTest,
    nngpTestDiag,
    backend = referenceBackend,
  } = options;
  const y = Float64Array.from(options.y);
  const n = y.length;
  if (ntk.rows !== n || ntk.cols !== n) throw new ShapeError(`ntk must be [${n}, ${n}], got [${ntk.rows}, ${ntk.cols}]`);
  if (!(time >= 0)) throw new InvalidArgumentError(`time must be ≥ 0 (or Infinity), got ${time}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    throw new InvalidArgumentError(`learningRate must be > 0, got ${learningRate}`);
  assertFinite(ntk, 'ntk');
  const { values, vectors: V } = backend.eigh(ntk);
  const top = Math.max(Math.abs(values[n - 1] ?? 0), Number.MIN_VALUE);
  const g = new Float64Array(n),
    h = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const l = values[k]!;
    if (time === Infinity) {
      if (!(l > 1e-13 * top))
        throw new InvalidArgumentError(
          `the NTK Gram matrix is singular (eigenvalue ${l.toExponential(2)}); use a finite time or remove duplicate inputs`,
        );
      g[k] = 1 / l;
      h[k] = 1;
    } else {
      const e = -Math.expm1(-learningRate * l * time);
      h[k] = e;
      g[k] = Math.abs(l) > 1e-300 ? e / l : learningRate * time;
    }
  }
  const yr = backend.matmul(V, { rows: n, cols: 1, data: y }, { transA: true }).data;
  const trainMean = backend.matmul(V, { rows: n, cols: 1, data: yr.map((v, k) => v * h[k]!) }).data.slice();
  const res: NtkPredictorResult = { trainMean, eigenvalues: values };
  if (ntkCross) {
    if (ntkCross.cols !== n) throw new ShapeError(`ntkCross must be [m, ${n}], got [${ntkCross.rows}, ${ntkCross.cols}]`);
    const coef = backend.matmul(V, { rows: n, cols: 1, data: yr.map((v, k) => v * g[k]!) });
    res.testMean = backend.matmul(ntkCross, coef).data.slice();
    if (nngp && nngpCross && (nngpTest || nngpTestDiag)) {
      const m = ntkCross.rows;
      // T = V diag(g) Vᵀ ; A = Θ*X T (m×n)
      const VG = { rows: n, cols: n, data: V.data.map((v, i) => v * g[i % n]!) };
      const T = backend.matmul(VG, V, { transB: true });
      const A = backend.matmul(ntkCross, T);
      const AK = backend.matmul(A, nngp);
      const AKAt = backend.matmul(AK, A, { transB: true });
      const AKc = backend.matmul(A, nngpCross, { transB: true }); // Θ*X T K_X*
      const full = nngpTest !== undefined;
      const cov = new Float64Array(m * m);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < m; j++) {
          if (!full && i !== j) continue;
          const kij = full ? nngpTest.data[i * m + j]! : Float64Array.from(nngpTestDiag!)[i]!;
          cov[i * m + j] = kij + AKAt.data[i * m + j]! - AKc.data[i * m + j]! - AKc.data[j * m + i]!;
        }
      res.testVariance = new Float64Array(m);
      for (let i = 0; i < m; i++) res.testVariance[i] = cov[i * m + i]!;
      if (full) res.testCovariance = { rows: m, cols: m, data: cov };
    }
  }
  return res;
}
