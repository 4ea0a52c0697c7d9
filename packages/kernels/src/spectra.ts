import { type ComputeBackend, InvalidArgumentError, type Mat, assertSquare, referenceBackend } from '@sftdl/compute';
import { funkHeckeEigenvalues, hermiteCoefficients } from '@sftdl/field';
import type { DualActivation } from './dual';
import { getActivation } from './dual-registry';

/** Eigenvalues per degree with their multiplicities. */
export interface DegreeSpectrum {
  /** Degree ℓ (or k) of each entry, 0..maxDegree. */
  degree: number[];
  /** Eigenvalue λ_ℓ of each degree-ℓ eigenfunction. */
  eigenvalue: number[];
  /** Number of eigenfunctions of degree ℓ (as a float: it can exceed 2^53 at large d). */
  multiplicity: number[];
}

function checkDim(dim: number, min: number): void {
  if (!Number.isInteger(dim) || dim < min) throw new InvalidArgumentError(`dim must be an integer ≥ ${min}, got ${dim}`);
}

function checkDegree(maxDegree: number): void {
  if (!Number.isInteger(maxDegree) || maxDegree < 0 || maxDegree > 200)
    throw new InvalidArgumentError(`maxDegree must be an integer in 0..200, got ${maxDegree}`);
}

/** Options of {@link sphereSpectrum}. */
export interface SphereSpectrumOptions {
  /** Panels of the composite Gauss–Legendre rule in the angle (default 48, see field's funkHeckeEigenvalues). */
  panels?: number;
  /** Nodes per panel (default 24). */
  panelOrder?: number;
}

/**
 * Funk–Hecke eigenvalues of a dot-product kernel κ(x·x′) on the unit sphere S^{d−1} with the uniform
 * probability measure, λ_ℓ = c_d ∫ κ(t) P_ℓ^{(d)}(t)(1−t²)^{(d−3)/2} dt, with multiplicities N(d, ℓ)
 * (computed by `@sftdl/field`'s `funkHeckeEigenvalues`). Sum rule: Σ_ℓ N(d,ℓ) λ_ℓ = κ(1).
 *
 * *When to use*: spectral bias / learning curves of NNGP or NTK kernels on spherical data. For data on the
 * sphere of radius √d pass κ(t) = kernel at x·x′/d = t (the kernels here use x·x′/d), e.g.
 * `(t) => getActivation('relu').dual(1, t, 1).f`.
 *
 * *Gotchas*: absolute accuracy ~1e−16·max|κ|: tiny high-degree eigenvalues at large d are rounding noise.
 *
 * @example
 * ```ts
 * const s = sphereSpectrum((t) => t, 3, 2); // linear kernel: λ₁ = 1/3 (multiplicity 3), others 0
 * ```
 */
export function sphereSpectrum(
  kappa: (t: number) => number,
  dim: number,
  maxDegree: number,
  options: SphereSpectrumOptions = {},
): DegreeSpectrum {
  checkDim(dim, 2);
  checkDegree(maxDegree);
  const o: { panels?: number; panelOrder?: number } = {};
  if (options.panels) o.panels = options.panels;
  if (options.panelOrder) o.panelOrder = options.panelOrder;
  const eig = funkHeckeEigenvalues(kappa, dim, maxDegree, o);
  return {
    degree: eig.map((e) => e.degree),
    eigenvalue: eig.map((e) => e.eigenvalue),
    multiplicity: eig.map((e) => e.multiplicity),
  };
}

/** Options of {@link gaussianDataSpectrum}. */
export interface GaussianSpectrumOptions {
  /** Scale σ_a² of the readout (default 1). */
  scale?: number;
}

/**
 * Eigenvalue of a dot-product kernel K(x,x′) = Σ_k c_k (x·x′/d)^k on each Hermite degree k for Gaussian
 * data x ~ N(0, I_d): λ_k = c_k·k!/d^k, with multiplicity C(d+k−1, k) (the degree-k multivariate Hermite
 * polynomials). For a one-hidden-layer network (w ~ N(0, I/d)) c_k = σ_a² a_k², the squared normalised
 * Hermite coefficients of φ (pass the activation instead of coefficients).
 *
 * *Accuracy*: exact for k = 1 and on the traceless (harmonic) part of each degree of pure power kernels;
 * otherwise leading order in 1/d (norm fluctuations |x|²/d − 1 mix degrees k and k ± 2).
 *
 * @example
 * ```ts
 * gaussianDataSpectrum('relu', 10, 4).eigenvalue; // λ_k = a_k² k!/10^k
 * ```
 */
export function gaussianDataSpectrum(
  kernel: readonly number[] | string | DualActivation,
  dim: number,
  maxDegree: number,
  options: GaussianSpectrumOptions = {},
): DegreeSpectrum {
  checkDim(dim, 1);
  checkDegree(maxDegree);
  const scale = options.scale ?? 1;
  let c: number[];
  if (Array.isArray(kernel)) c = [...(kernel as readonly number[])];
  else {
    const act = getActivation(kernel as string | DualActivation);
    // field's kink-aware quadrature (split at 0) keeps ReLU-type coefficients exact.
    c = Array.from(hermiteCoefficients(act.phi, maxDegree, { normalized: true, kinks: [0] }), (a) => a * a);
  }
  const degree: number[] = [],
    eigenvalue: number[] = [],
    multiplicity: number[] = [];
  let logFact = 0;
  for (let k = 0; k <= maxDegree; k++) {
    if (k > 0) logFact += Math.log(k);
    degree.push(k);
    eigenvalue.push(scale * (c[k] ?? 0) * Math.exp(logFact - k * Math.log(dim)));
    let binom = 1;
    for (let i = 1; i <= k; i++) binom = (binom * (dim - 1 + i)) / i;
    multiplicity.push(Math.round(binom));
  }
  return { degree, eigenvalue, multiplicity };
}

/** Options of {@link kernelMatrixSpectrum}. */
export interface MatrixSpectrumOptions {
  backend?: ComputeBackend;
  /** Divide by n (default true): the eigenvalues of K/n estimate the operator eigenvalues under the data measure. */
  normalize?: boolean;
}

/**
 * Eigen-spectrum of a kernel matrix (descending), via `backend.eigh`. With `normalize` (default) the
 * eigenvalues of K/n, which estimate the Mercer eigenvalues λ_k of the data measure (Nyström).
 *
 * @example
 * ```ts
 * const { values } = kernelMatrixSpectrum(nngp);
 * ```
 */
export function kernelMatrixSpectrum(k: Mat, options: MatrixSpectrumOptions = {}): { values: Float64Array; vectors: Mat } {
  assertSquare(k, 'kernel matrix');
  const backend = options.backend ?? referenceBackend;
  const e = backend.eigh(k);
  const n = k.rows;
  const s = options.normalize === false ? 1 : 1 / Math.max(1, n);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const src = n - 1 - i;
    values[i] = e.values[src]! * s;
    for (let r = 0; r < n; r++) vectors[r * n + i] = e.vectors.data[r * n + src]!;
  }
  return { values, vectors: { rows: n, cols: n, data: vectors } };
}
