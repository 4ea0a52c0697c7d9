/**
 * The modular-addition network of the grokking paper (§5, App. B) for Langevin sampling: f_p(x) = Σᵢ a_{pi}(wᵢ·x)² on
 * two-hot inputs x ∈ ℝ^{2P}, read-in prior N(0, 1) per component, readout N(0, σ_a²/N), plus the paper's sextic
 * regulariser Γ = Σᵢ Σ_{k=1}^{P−1} P(γ/6)(|w_{ik}|⁶ + |v_{ik}|⁶) on the Fourier modes of each neuron's two halves
 * (non-unitary convention w_k = P⁻¹Σₙ wₙ e^{2πikn/P}), which makes the theory's modes decouple
 * (docs/theory/grokking.md §4.2). The regulariser is a prior factor e^{−Γ}; the sampler's energy is loss/κ + prior,
 * so it enters the fused loss as κΓ with κ = σ² (χ = 1).
 */
import type { ComputeBackend, Mat } from '@sftdl/compute';
import { type Model, twoLayerNet } from '@sftdl/training';

/** Options of {@link modularNet}. */
export interface ModularNetOptions {
  prime: number;
  width: number;
  sigmaA2: number;
  gamma: number;
  sigma2: number;
  backend: ComputeBackend;
}

/** cos/sin tables c[k·P + n] = cos(2πkn/P). */
export function fourierTables(P: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(P * P),
    sin = new Float64Array(P * P);
  for (let k = 0; k < P; k++)
    for (let n = 0; n < P; n++) {
      const t = (2 * Math.PI * ((k * n) % P)) / P;
      cos[k * P + n] = Math.cos(t);
      sin[k * P + n] = Math.sin(t);
    }
  return { cos, sin };
}

/**
 * Γ of the read-in block W ([N, 2P] row-major, at offset 0 of θ) and, when `grad` is given, adds scale·∂Γ/∂W to it.
 * ∂Γ/∂wₙ = γ Σ_k |w_k|⁴ (Re w_k cos(2πkn/P) + Im w_k sin(2πkn/P)).
 */
export function sexticRegulariser(
  theta: ArrayLike<number>,
  N: number,
  P: number,
  gamma: number,
  grad?: Float64Array,
  scale = 1,
  tab = fourierTables(P),
): number {
  const { cos, sin } = tab;
  let G = 0;
  const re = new Float64Array(P),
    im = new Float64Array(P),
    m4 = new Float64Array(P);
  for (let i = 0; i < N; i++) {
    for (let half = 0; half < 2; half++) {
      const o = i * 2 * P + half * P;
      for (let k = 1; k < P; k++) {
        let r = 0,
          s = 0;
        for (let n = 0; n < P; n++) {
          const w = theta[o + n]!;
          r += w * cos[k * P + n]!;
          s += w * sin[k * P + n]!;
        }
        r /= P;
        s /= P;
        const m2 = r * r + s * s;
        re[k] = r;
        im[k] = s;
        m4[k] = m2 * m2;
        G += ((P * gamma) / 6) * m2 * m2 * m2;
      }
      if (grad) {
        for (let n = 0; n < P; n++) {
          let g = 0;
          for (let k = 1; k < P; k++) g += m4[k]! * (re[k]! * cos[k * P + n]! + im[k]! * sin[k * P + n]!);
          grad[o + n]! += scale * gamma * g;
        }
      }
    }
  }
  return G;
}

/** The square-activation network with P outputs and the sextic regulariser folded into its fused loss (see the module comment). */
export function modularNet(o: ModularNetOptions): Model {
  const P = o.prime,
    N = o.width;
  const base = twoLayerNet({
    dim: 2 * P,
    width: N,
    activation: 'square',
    outputs: P,
    readInVariance: 1,
    sigmaA2: o.sigmaA2,
    backend: o.backend,
  });
  const tab = fourierTables(P);
  const kappa = o.sigma2;
  const lossGrad = (params: Float64Array, x: Mat, y: Mat, gradOut: Float64Array, predOut?: Float64Array): number =>
    base.lossGrad!(params, x, y, gradOut, predOut) + kappa * sexticRegulariser(params, N, P, o.gamma, gradOut, kappa, tab);
  const { spec: _drop, lossGradBatch: _b, features: _f, ...rest } = base;
  return {
    ...rest,
    apply: base.apply.bind(base),
    grad: base.grad.bind(base),
    init: base.init.bind(base),
    ...(base.firstLayer ? { firstLayer: base.firstLayer.bind(base) } : {}),
    lossGrad,
    lossGradBatch(params, x, y, grads, preds, losses) {
      for (let c = 0; c < params.length; c++) losses[c] = lossGrad(params[c]!, x, y, grads[c]!, preds[c]!);
    },
  };
}
