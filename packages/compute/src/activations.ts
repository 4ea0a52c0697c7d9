import { InvalidArgumentError } from './errors';
import { erf } from './special';

/**
 * The elementwise activations shared by every package (networks in training, kernels, solvers, scaling): one
 * definition of φ, φ′ and the fast erf used in hot loops.
 *
 * `linear` is the identity, `square` is h ↦ h².
 */
export type ActivationName = 'linear' | 'erf' | 'relu' | 'tanh' | 'square';

/** The activation names, as a runtime list (validation, CLI choices). */
export const ACTIVATION_NAMES: readonly ActivationName[] = ['linear', 'erf', 'relu', 'tanh', 'square'];

/** 2/√π. */
export const TWO_OVER_SQRT_PI = 1.1283791670955126;

// Fast erf for hot loops: on a 1/128 grid over [0, 6] we tabulate erf(x₀) and the Taylor coefficients
// c_k = (2/√π)e^{−x₀²}(−1)^k H_k(x₀)/(k+1)! (physicists' H_k), so erf(x₀+h) = erf(x₀) + Σ_{k=0}^{5} c_k h^{k+1},
// |h| ≤ 1/256 (truncation < 1e-19). Against a 50-digit erf (test/fixtures/erf.json) both φ and φ′ = Σ (k+1)c_k h^k
// are within 4·2⁻⁵² absolute over the whole line; φ′'s relative error grows in the tail where φ′ is tiny (~1e-11
// relative near |x| = 6, where φ′ < 1e-15).
const ERF_STEP = 128;
const ERF_MAX = 6;
const ERF_STRIDE = 7;
let erfTab: Float64Array | undefined;

/**
 * The fast-erf table: rows of 7 doubles (erf(x₀), c₀ … c₅) at x₀ = i/128, i = 0 … 768. Exposed so that native
 * kernels can evaluate bit-identical erf values from the same table. @internal
 */
export function fastErfTable(): Float64Array {
  if (!erfTab) {
    const m = ERF_MAX * ERF_STEP + 1;
    const t = new Float64Array(m * ERF_STRIDE);
    const fact = [1, 2, 6, 24, 120, 720];
    for (let i = 0; i < m; i++) {
      const x = i / ERF_STEP,
        g = TWO_OVER_SQRT_PI * Math.exp(-x * x);
      const H = [
        1,
        2 * x,
        4 * x * x - 2,
        8 * x ** 3 - 12 * x,
        16 * x ** 4 - 48 * x * x + 12,
        32 * x ** 5 - 160 * x ** 3 + 120 * x,
      ];
      t[i * ERF_STRIDE] = erf(x);
      for (let k = 0; k < 6; k++) t[i * ERF_STRIDE + 1 + k] = (g * (k % 2 === 0 ? 1 : -1) * H[k]!) / fact[k]!;
    }
    erfTab = t;
  }
  return erfTab;
}

/**
 * erf(x) accurate to a few ulps, several times faster than {@link erf} (table + degree-6 Taylor polynomial).
 *
 * *When to use*: hot elementwise loops (network forward passes); use {@link erf} elsewhere.
 *
 * @example
 * ```ts
 * fastErf(0.5); // 0.5204998778130465
 * ```
 */
export function fastErf(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax >= ERF_MAX) return x < 0 ? -1 : 1;
  const t = erfTab ?? fastErfTable();
  const i = (ax * ERF_STEP + 0.5) | 0; // = Math.round for 0 ≤ ax < 6
  const h = ax - i * (1 / ERF_STEP);
  const o = i * ERF_STRIDE;
  const v = t[o]! + h * (t[o + 1]! + h * (t[o + 2]! + h * (t[o + 3]! + h * (t[o + 4]! + h * (t[o + 5]! + h * t[o + 6]!)))));
  return x < 0 ? -v : v;
}

/** erf′(x) = (2/√π)e^{−x²}. */
export function erfPrime(x: number): number {
  return TWO_OVER_SQRT_PI * Math.exp(-x * x);
}

function unknown(a: unknown): never {
  throw new InvalidArgumentError(`unknown activation '${String(a)}'; use one of ${ACTIVATION_NAMES.join('|')}`);
}

/**
 * φ as a scalar function (erf is the accurate {@link erf}; ReLU(0) = 0).
 *
 * @example
 * ```ts
 * activationFunction('tanh')(0.3); // Math.tanh(0.3)
 * ```
 */
export function activationFunction(name: ActivationName): (z: number) => number {
  switch (name) {
    case 'linear':
      return (z) => z;
    case 'erf':
      return erf;
    case 'relu':
      return (z) => (z > 0 ? z : 0);
    case 'tanh':
      return Math.tanh;
    case 'square':
      return (z) => z * z;
    default:
      return unknown(name);
  }
}

/**
 * φ′ as a scalar function (ReLU′(0) = 0, the a.e. derivative gradient descent sees).
 *
 * @example
 * ```ts
 * activationDerivative('erf')(0); // 2/√π
 * ```
 */
export function activationDerivative(name: ActivationName): (z: number) => number {
  switch (name) {
    case 'linear':
      return () => 1;
    case 'erf':
      return erfPrime;
    case 'relu':
      return (z) => (z > 0 ? 1 : 0);
    case 'tanh':
      return (z) => {
        const t = Math.tanh(z);
        return 1 - t * t;
      };
    case 'square':
      return (z) => 2 * z;
    default:
      return unknown(name);
  }
}

/**
 * φ(h) and φ′(h) over a buffer in one pass: φ(hᵢ) → `phi[i]`, φ′(hᵢ) → `dphi[i]` for i < len. erf uses the fast
 * table (φ and φ′ from the same table row, each within 4·2⁻⁵² absolute of the exact values; erf(−0) = +0). Native
 * backends' `activate` reproduces linear, erf, ReLU and square bit for bit (except erf′ for |h| ≥ 6, below 3e-16,
 * and tanh: the platform's exp/tanh may differ from the JS engine's in the last bit).
 *
 * *When to use*: the forward pass of networks (training's models and samplers).
 *
 * @example
 * ```ts
 * const h = Float64Array.of(-1, 0, 2), phi = new Float64Array(3), dphi = new Float64Array(3);
 * activateInto('relu', h, phi, dphi); // phi = [0, 0, 2], dphi = [0, 0, 1]
 * ```
 */
export function activateInto(name: ActivationName, h: Float64Array, phi: Float64Array, dphi: Float64Array, len = h.length): void {
  switch (name) {
    case 'linear':
      for (let i = 0; i < len; i++) {
        phi[i] = h[i]!;
        dphi[i] = 1;
      }
      break;
    case 'erf':
      {
        // erf and erf' from the same table row: erf'(x₀+h) = Σ_k (k+1) c_k h^k
        const t = erfTab ?? fastErfTable();
        for (let i = 0; i < len; i++) {
          const v = h[i]!;
          const ax = v < 0 ? -v : v;
          if (ax >= ERF_MAX) {
            phi[i] = v < 0 ? -1 : 1;
            dphi[i] = TWO_OVER_SQRT_PI * Math.exp(-v * v);
            continue;
          }
          const j = (ax * ERF_STEP + 0.5) | 0; // = Math.round for 0 ≤ ax < 6
          const e = ax - j * (1 / ERF_STEP);
          const o = j * ERF_STRIDE;
          const c1 = t[o + 1]!,
            c2 = t[o + 2]!,
            c3 = t[o + 3]!,
            c4 = t[o + 4]!,
            c5 = t[o + 5]!,
            c6 = t[o + 6]!;
          const val = t[o]! + e * (c1 + e * (c2 + e * (c3 + e * (c4 + e * (c5 + e * c6)))));
          phi[i] = v < 0 ? -val : val;
          dphi[i] = c1 + e * (2 * c2 + e * (3 * c3 + e * (4 * c4 + e * (5 * c5 + e * 6 * c6))));
        }
      }
      break;
    case 'relu':
      for (let i = 0; i < len; i++) {
        const v = h[i]!;
        phi[i] = v > 0 ? v : 0;
        dphi[i] = v > 0 ? 1 : 0;
      }
      break;
    case 'tanh':
      for (let i = 0; i < len; i++) {
        const t = Math.tanh(h[i]!);
        phi[i] = t;
        dphi[i] = 1 - t * t;
      }
      break;
    case 'square':
      for (let i = 0; i < len; i++) {
        const v = h[i]!;
        phi[i] = v * v;
        dphi[i] = 2 * v;
      }
      break;
    default:
      unknown(name);
  }
}
