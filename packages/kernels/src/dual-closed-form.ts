/**
 * Dual activations with closed forms (exact up to rounding): linear, erf, the arc-cosine family (ReLU, step, ReLU²),
 * |z|, z², z³, sin, cos. The angle between two inputs is formed stably (see `angle`), so duplicated rows are exact.
 */
import { erf, erfPrime, type UnaryOp } from '@sftdl/compute';
import { type DualActivation, type LayerDual, diagFrom, dualFrom } from './dual';

// A module-local copy of dual.ts's clampUnit: the erf kernel calls it per pair, and through an import binding (tsx
// source runs, as `pnpm demo` uses) it measured ~15% slower on erf kernels.
const clampUnit = (x: number): number => (x > 1 ? 1 : x < -1 ? -1 : x);

const INV_2PI = 1 / (2 * Math.PI);

/** Shared implementation of closed-form activations from a scalar kernel `(k11, k12, k22, s1s2, out)`. */
function closedForm(
  name: string,
  phi: (z: number) => number,
  dphi: (z: number) => number,
  op: UnaryOp | undefined,
  kernel: (k11: number, k12: number, k22: number, s12: number, out: Float64Array) => void,
  fastBlock?: (var1: Float64Array, var2: Float64Array, s1: Float64Array, s2: Float64Array) => LayerDual['block'],
): DualActivation {
  // The generic tile loop, with the row's variance and scale hoisted and the scalar kernel called directly (the
  // shared blockFromPair costs ~15% on erf kernels through its per-pair closure).
  const rowBlock = (var1: Float64Array, var2: Float64Array, s1: Float64Array, s2: Float64Array): LayerDual['block'] => {
    const out = new Float64Array(2);
    return (K, T, off, stride, r0, nr, c0, nc) => {
      for (let ii = 0; ii < nr; ii++) {
        const a = var1[r0 + ii]!,
          sa = s1[r0 + ii]!,
          base = off + ii * stride;
        for (let jj = 0; jj < nc; jj++) {
          const idx = base + jj;
          kernel(a, K[idx]!, var2[c0 + jj]!, sa * s2[c0 + jj]!, out);
          K[idx] = out[0]!;
          T[idx]! *= out[1]!;
        }
      }
    };
  };
  const act: DualActivation = {
    name,
    method: 'closed-form',
    phi,
    dphi,
    op,
    dual: dualFrom((k11, k12, k22, out) => kernel(k11, k12, k22, Math.sqrt(k11 * k22), out)),
    diag: diagFrom((v, out) => kernel(v, v, v, v, out)),
    prepare(var1, var2) {
      const s1 = var1.map(Math.sqrt),
        s2 = var2.map(Math.sqrt);
      const pair: LayerDual['pair'] = (i, j, k12, out) => kernel(var1[i]!, k12, var2[j]!, s1[i]! * s2[j]!, out);
      return { pair, block: (fastBlock ?? rowBlock)(var1, var2, s1, s2) };
    },
  };
  return Object.freeze(act);
}

const SPLITTER = 134217729; // 2^27 + 1 (Dekker's split for float64)

/**
 * k11·k22 − k12², formed stably (Kahan): each product is split into its rounded value and exact rounding error
 * (Dekker's two-product), so the cancellation at (near-)parallel inputs leaves the true difference, not rounding
 * noise. Exactly 0 for identical rows (k11 = k22 = k12). Arguments must be of order 1 (see {@link pow2Scale}).
 */
function gramDet(k11: number, k22: number, k12: number): number {
  const p = k11 * k22,
    q = k12 * k12;
  return p - q + (twoProductError(k11, k22, p) - twoProductError(k12, k12, q));
}

/** The rounding error of the float64 product p = fl(a·b): a·b = p + error exactly (Dekker). */
function twoProductError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a),
    al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b),
    bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** A power of two a with k/a² of order 1 (k > 0): dividing by it is exact, so scaled Gram entries keep every bit. */
function pow2Scale(k: number): number {
  return 2 ** Math.round(Math.log2(k) / 2);
}

/**
 * The angle θ ∈ [0, π] between two inputs with variances k11, k22 > 0 and covariance k12:
 * θ = atan2(√(k11k22 − k12²), k12), with the determinant formed stably on entries scaled by powers of two (no
 * underflow of the products, no rounding from the scaling). Writes out[0] = θ, out[1] = r = √(k11k22 − k12²) =
 * √(k11k22)·sin θ and out[2] = the covariance to use, k12 (or ±√(k11k22) = ±s12 when rounding put |k12| beyond it).
 *
 * Unlike arccos(ρ), θ is exact for identical inputs (θ = 0, not √(2·ulp) ≈ 1.5e-8) and well conditioned near them,
 * which keeps the NTK factor (π − θ)/(2π) accurate to full precision on duplicated rows.
 */
function angle(k11: number, k22: number, k12: number, s12: number, ai: number, aj: number, out: Float64Array): void {
  const c = k12 / ai / aj;
  const k11s = k11 / ai / ai,
    k22s = k22 / aj / aj;
  const det = gramDet(k11s, k22s, c);
  if (!(det > PARALLEL * k11s * k22s)) {
    out[0] = k12 >= 0 ? 0 : Math.PI;
    out[1] = 0;
    out[2] = k12 >= 0 ? s12 : -s12;
    return;
  }
  const rs = Math.sqrt(det);
  out[0] = Math.atan2(rs, c);
  out[1] = rs * ai * aj;
  out[2] = k12;
}
const angleScratch = new Float64Array(3);
/**
 * sin²θ below which two inputs count as parallel (θ = 0): 4ε, i.e. θ < 3e-8. Gram entries carry a few ulps of
 * rounding (the diagonal and the off-diagonal of a duplicated row are summed in different orders), which alone puts
 * sin²θ of identical rows at ~ε; snapping keeps duplicates exact. Below this angle float64 Gram entries cannot resolve
 * θ anyway (a one-ulp change of k12 moves θ by ε/θ ≥ θ).
 */
const PARALLEL = 4 * Number.EPSILON;
/** {@link angle} for a scalar evaluation (scales computed on the fly). */
function angleOf(k11: number, k22: number, k12: number, s12: number): Float64Array {
  angle(k11, k22, k12, s12, pow2Scale(k11), pow2Scale(k22), angleScratch);
  return angleScratch;
}

/** φ(z) = z: F = k12, Ḟ = 1. */
export const linearDual: DualActivation = closedForm(
  'linear',
  (z) => z,
  () => 1,
  'identity',
  (_a, k12, _b, _s, out) => {
    out[0] = k12;
    out[1] = 1;
  },
);

/** φ(z) = erf(z) (Williams 1997): F = (2/π) arcsin(2k12/√((1+2k11)(1+2k22))), Ḟ = (4/π)/√((1+2k11)(1+2k22) − 4k12²). */
export const erfDual: DualActivation = closedForm('erf', erf, erfPrime, 'erf', (k11, k12, k22, _s, out) => {
  const a = 1 + 2 * k11,
    b = 1 + 2 * k22;
  const ab = a * b;
  out[0] = (2 / Math.PI) * Math.asin(clampUnit((2 * k12) / Math.sqrt(ab)));
  // ab − 4k12² ≥ 1 + 2(k11 + k22) > 0 whenever |k12| ≤ √(k11k22); clamp k12 for safety.
  const s12 = Math.sqrt(k11 * k22);
  const c = k12 > s12 ? s12 : k12 < -s12 ? -s12 : k12;
  out[1] = 4 / (Math.PI * Math.sqrt(ab - 4 * c * c));
});

/** ReLU (arc-cosine kernel of order 1): F = √(k11k22)/(2π)[sin θ + (π−θ)cos θ], Ḟ = (π−θ)/(2π). */
// With θ = atan2(r, k12), r = √(k11k22 − k12²): √(k11k22)(sin θ + (π−θ) cos θ) = r + (π−θ) k12.
export const reluDual: DualActivation = closedForm(
  'relu',
  (z) => (z > 0 ? z : 0),
  (z) => (z > 0 ? 1 : 0),
  'relu',
  (k11, k12, k22, s12, out) => {
    if (s12 === 0) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    const a = angleOf(k11, k22, k12, s12);
    const pt = Math.PI - a[0]!;
    out[0] = INV_2PI * (a[1]! + pt * a[2]!);
    out[1] = pt * INV_2PI;
  },
  (v1, v2, s1, s2) => {
    // per-row/column power-of-two scales and scaled variances, once per layer
    const scales = (v: Float64Array) => {
      const a = new Float64Array(v.length),
        k = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) {
        a[i] = v[i]! > 0 ? pow2Scale(v[i]!) : 1;
        k[i] = v[i]! / a[i]! / a[i]!;
      }
      return { a, k };
    };
    const r1 = scales(v1),
      r2 = v2 === v1 ? r1 : scales(v2);
    return (K, T, off, stride, r0, nr, c0, nc) => {
      // Inlined tile loop (the hot path of large ReLU kernels).
      for (let ii = 0; ii < nr; ii++) {
        const a = s1[r0 + ii]!,
          ai = r1.a[r0 + ii]!,
          k11 = r1.k[r0 + ii]!,
          base = off + ii * stride;
        for (let jj = 0; jj < nc; jj++) {
          const idx = base + jj;
          const s12 = a * s2[c0 + jj]!;
          if (s12 === 0) {
            K[idx] = 0;
            T[idx] = 0;
            continue;
          }
          const k12 = K[idx]!,
            aj = r2.a[c0 + jj]!;
          const c = k12 / ai / aj,
            k22 = r2.k[c0 + jj]!;
          const det = gramDet(k11, k22, c);
          if (det > PARALLEL * k11 * k22) {
            const rs = Math.sqrt(det);
            const pt = Math.PI - Math.atan2(rs, c);
            K[idx] = INV_2PI * (rs * ai * aj + pt * k12);
            T[idx]! *= pt * INV_2PI;
          } else {
            // (anti)parallel within rounding (see PARALLEL): θ = 0 (F = s12/2, Ḟ = 1/2) or θ = π (F = Ḟ = 0)
            K[idx] = k12 >= 0 ? 0.5 * s12 : 0;
            T[idx]! *= k12 >= 0 ? 0.5 : 0;
          }
        }
      }
    };
  },
);

/** Step Θ(z) (arc-cosine order 0, Θ(0) = 0): F = (π−θ)/(2π); Ḟ = 0 (the a.e. derivative, as gradient descent sees it). */
export const stepDual: DualActivation = closedForm(
  'step',
  (z) => (z > 0 ? 1 : 0),
  () => 0,
  'step',
  (k11, k12, k22, s12, out) => {
    out[0] = s12 === 0 ? 0 : (Math.PI - angleOf(k11, k22, k12, s12)[0]!) * INV_2PI;
    out[1] = 0;
  },
);

/** ReLU² = max(0,z)² (arc-cosine order 2): F = k11k22/(2π)[3 sinθ cosθ + (π−θ)(1+2cos²θ)], Ḟ = 4·F_relu. */
// k11k22[3 sinθ cosθ + (π−θ)(1 + 2cos²θ)] = 3 r k12 + (π−θ)(k11k22 + 2k12²).
export const relu2Dual: DualActivation = closedForm(
  'relu2',
  (z) => (z > 0 ? z * z : 0),
  (z) => (z > 0 ? 2 * z : 0),
  undefined,
  (k11, k12, k22, s12, out) => {
    if (s12 === 0) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    const a = angleOf(k11, k22, k12, s12);
    const pt = Math.PI - a[0]!,
      r = a[1]!,
      c = a[2]!;
    out[0] = INV_2PI * (3 * r * c + pt * (s12 * s12 + 2 * c * c));
    out[1] = 4 * INV_2PI * (r + pt * c);
  },
);

/** |z|: F = (2√(k11k22)/π)[√(1−ρ²) + ρ arcsin ρ], Ḟ = E[sign u sign v] = (2/π) arcsin ρ. */
// arcsin ρ = π/2 − θ and √(k11k22)√(1−ρ²) = r: F = (2/π)[r + k12 (π/2 − θ)].
export const absDual: DualActivation = closedForm('abs', Math.abs, Math.sign, 'abs', (k11, k12, k22, s12, out) => {
  if (s12 === 0) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const a = angleOf(k11, k22, k12, s12);
  const as = Math.PI / 2 - a[0]!;
  out[0] = (2 / Math.PI) * (a[1]! + a[2]! * as);
  out[1] = (2 / Math.PI) * as;
});

/** z²: F = k11k22 + 2k12², Ḟ = 4k12 (Isserlis). */
export const squareDual: DualActivation = closedForm(
  'square',
  (z) => z * z,
  (z) => 2 * z,
  'square',
  (k11, k12, k22, _s, out) => {
    out[0] = k11 * k22 + 2 * k12 * k12;
    out[1] = 4 * k12;
  },
);

/** z³: F = 9k11k22k12 + 6k12³, Ḟ = 9(k11k22 + 2k12²) (Isserlis). */
export const cubeDual: DualActivation = closedForm(
  'cube',
  (z) => z * z * z,
  (z) => 3 * z * z,
  undefined,
  (k11, k12, k22, _s, out) => {
    out[0] = 9 * k11 * k22 * k12 + 6 * k12 * k12 * k12;
    out[1] = 9 * (k11 * k22 + 2 * k12 * k12);
  },
);

/** sin z: F = e^{−(k11+k22)/2} sinh k12, Ḟ = e^{−(k11+k22)/2} cosh k12. */
export const sinDual: DualActivation = closedForm('sin', Math.sin, Math.cos, 'sin', (k11, k12, k22, _s, out) => {
  const e = Math.exp(-0.5 * (k11 + k22));
  out[0] = e * Math.sinh(k12);
  out[1] = e * Math.cosh(k12);
});

/** cos z: F = e^{−(k11+k22)/2} cosh k12, Ḟ = e^{−(k11+k22)/2} sinh k12. */
export const cosDual: DualActivation = closedForm(
  'cos',
  Math.cos,
  (z) => -Math.sin(z),
  'cos',
  (k11, k12, k22, _s, out) => {
    const e = Math.exp(-0.5 * (k11 + k22));
    out[0] = e * Math.cosh(k12);
    out[1] = e * Math.sinh(k12);
  },
);
