import { type ComputeBackend, InvalidArgumentError, type Mat, ShapeError, assertFinite } from '@sftdl/compute';

/** Eigendecomposition of a training kernel (ascending eigenvalues, eigenvectors in columns). @internal */
export interface TrainEigen {
  values: Float64Array;
  vectors: Mat;
}

/**
 * Spectral factors of linearised gradient flow on ½‖f(X) − y‖² with training kernel Θ = V diag(λ) Vᵀ:
 * h_k = 1 − e^{−ηλ_k t} (train outputs) and g_k = h_k / λ_k (test outputs through Θ(x, X)), expm1-stable, and
 * g_k = 1/λ_k at t = ∞ (Θ must then be non-singular). @internal
 */
export function flowFactors(
  values: Float64Array,
  time: number,
  learningRate: number,
  what: string,
): { g: Float64Array; h: Float64Array } {
  if (!(time >= 0)) throw new InvalidArgumentError(`time must be ≥ 0 (or Infinity), got ${time}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate))
    throw new InvalidArgumentError(`learningRate must be a finite number > 0, got ${learningRate}`);
  const n = values.length;
  const top = Math.max(Math.abs(values[n - 1] ?? 0), Number.MIN_VALUE);
  const g = new Float64Array(n),
    h = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const l = values[k]!;
    if (time === Infinity) {
      if (!(l > 1e-13 * top))
        throw new InvalidArgumentError(
          `the ${what} Gram matrix on the training inputs is singular (eigenvalue ${l.toExponential(2)}); use a finite time, a diagonal regulariser, or remove duplicate inputs`,
        );
      g[k] = 1 / l;
      h[k] = 1;
    } else {
      const e = -Math.expm1(-learningRate * l * time);
      h[k] = e;
      g[k] = Math.abs(l) > 1e-300 ? e / l : learningRate * time;
    }
  }
  return { g, h };
}

/** V diag(c) Vᵀ. @internal */
export function spectralMatrix(eig: TrainEigen, c: Float64Array, backend: ComputeBackend): Mat {
  const n = c.length,
    V = eig.vectors;
  const VC: Mat = { rows: n, cols: n, data: V.data.map((v, i) => v * c[i % n]!) };
  return backend.matmul(VC, V, { transB: true });
}

/** The inputs of {@link flowPosterior}. @internal */
export interface FlowPosteriorInput {
  /** T = V diag(g) Vᵀ of the training kernel (n × n). */
  T: Mat;
  /** Targets [n, k]. */
  Y: Mat;
  /** Training kernel between test and train inputs Θ(X*, X), [m, n]. */
  trainCross: Mat;
  /** Prior (NNGP) covariance on the training inputs, [n, n] (with the same diagonal regulariser as the flow). */
  priorTrain?: Mat;
  /** Prior covariance K(X*, X), [m, n]. */
  priorCross?: Mat;
  /** K(X*, X*) [m, m] (covariance) or its diagonal (variance). */
  priorTest?: { full: Mat } | { diag: ArrayLike<number> };
}

/**
 * Mean and covariance over initialisations of the linearised network at test inputs:
 * μ = A Y with A = Θ(X*, X) T, and Σ = K** + A K_XX Aᵀ − A K_X* − K*X Aᵀ (Lee et al. 2019, eq. 16). @internal
 */
export function flowPosterior(
  input: FlowPosteriorInput,
  backend: ComputeBackend,
): { mean: Mat; covariance?: Mat; variance?: Float64Array } {
  const { T, Y, trainCross, priorTrain, priorCross, priorTest } = input;
  const n = T.rows;
  if (trainCross.cols !== n)
    throw new ShapeError(`the test–train kernel must be [m, ${n}], got [${trainCross.rows}, ${trainCross.cols}]`);
  assertFinite(trainCross, 'test–train kernel');
  const A = backend.matmul(trainCross, T);
  const mean = backend.matmul(A, Y);
  if (!priorTrain || !priorCross || !priorTest) return { mean };
  const m = trainCross.rows;
  if (priorCross.rows !== m || priorCross.cols !== n)
    throw new ShapeError(`the NNGP test–train kernel must be [${m}, ${n}], got [${priorCross.rows}, ${priorCross.cols}]`);
  if (priorTrain.rows !== n || priorTrain.cols !== n)
    throw new ShapeError(`the NNGP training kernel must be [${n}, ${n}], got [${priorTrain.rows}, ${priorTrain.cols}]`);
  const AK = backend.matmul(A, priorTrain); // m × n
  const variance = new Float64Array(m);
  if ('full' in priorTest) {
    const Kss = priorTest.full;
    if (Kss.rows !== m || Kss.cols !== m)
      throw new ShapeError(`the test kernel must be [${m}, ${m}], got [${Kss.rows}, ${Kss.cols}]`);
    const AKAt = backend.matmul(AK, A, { transB: true });
    const AKc = backend.matmul(A, priorCross, { transB: true }); // A K_X*
    const cov = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++)
        cov[i * m + j] = Kss.data[i * m + j]! + AKAt.data[i * m + j]! - AKc.data[i * m + j]! - AKc.data[j * m + i]!;
    // exact symmetry (the two triangles differ by rounding)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < i; j++) {
        const s = 0.5 * (cov[i * m + j]! + cov[j * m + i]!);
        cov[i * m + j] = s;
        cov[j * m + i] = s;
      }
    for (let i = 0; i < m; i++) variance[i] = cov[i * m + i]!;
    return { mean, covariance: { rows: m, cols: m, data: cov }, variance };
  }
  const kd = Float64Array.from(priorTest.diag);
  if (kd.length !== m) throw new ShapeError(`the test kernel diagonal has length ${kd.length}, expected ${m}`);
  // diag(A K Aᵀ) − 2 diag(A K_X*), row by row
  for (let i = 0; i < m; i++) {
    let q = 0,
      c = 0;
    for (let j = 0; j < n; j++) {
      q += AK.data[i * n + j]! * A.data[i * n + j]!;
      c += A.data[i * n + j]! * priorCross.data[i * n + j]!;
    }
    variance[i] = kd[i]! + q - 2 * c;
  }
  return { mean, variance };
}
