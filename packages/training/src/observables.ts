import type { Mat } from '@sftdl/compute';
import { hermiteHe } from '@sftdl/field';
import type { OverlapHistogram } from './result';

/**
 * The sampler's teacher and Fourier observables as standalone recorders/reducers (the sampler owns the
 * accumulators; these functions add one sample or assemble the reported value).
 */

/**
 * Adds one sample of the modular net's Fourier magnitudes to the accumulators: for every neuron (row of W = [w | v],
 * 2p inputs) |w_k|²/N, |v_k|²/N and |w_k|²|v_k|²/N at k = 0 … p−1, with w_k = (1/p)Σ_m w_m e^{2πikm/p}.
 */
export function recordFourier(W: Mat, p: number, fw2: Float64Array, fv2: Float64Array, fw2v2: Float64Array): void {
  const N = W.rows;
  const cos = new Float64Array(p), sin = new Float64Array(p);
  for (let j = 0; j < p; j++) { cos[j] = Math.cos((2 * Math.PI * j) / p); sin[j] = Math.sin((2 * Math.PI * j) / p); }
  for (let i = 0; i < N; i++) {
    const row = W.data.subarray(i * 2 * p, (i + 1) * 2 * p);
    for (let k = 0; k < p; k++) {
      let wr = 0, wi = 0, vr = 0, vi = 0;
      for (let m = 0; m < p; m++) {
        const idx = (k * m) % p;
        wr += row[m]! * cos[idx]!; wi += row[m]! * sin[idx]!;
        vr += row[p + m]! * cos[idx]!; vi += row[p + m]! * sin[idx]!;
      }
      const w2 = (wr * wr + wi * wi) / (p * p), v2 = (vr * vr + vi * vi) / (p * p);
      fw2[k]! += w2 / N; fv2[k]! += v2 / N; fw2v2[k]! += (w2 * v2) / N;
    }
  }
}

/**
 * The overlap histogram from its two half-run count arrays (B + 2 slots each: underflow, B bins over [−R, R],
 * overflow): pooled counts, −log of the normalised density (null for empty bins), under/overflow and total.
 */
export function overlapHistogram(h1: Float64Array, h2: Float64Array, B: number, R: number): OverlapHistogram {
  const counts = Array.from({ length: B }, (_, i) => h1[i + 1]! + h2[i + 1]!);
  const total = h1.reduce((p, q) => p + q, 0) + h2.reduce((p, q) => p + q, 0);
  const width = (2 * R) / B;
  return {
    edges: Array.from({ length: B + 1 }, (_, i) => -R + i * width), counts,
    negLogP: counts.map((k) => (k > 0 ? -Math.log(k / (total * width)) : null)),
    underflow: h1[0]! + h2[0]!, overflow: h1[B + 1]! + h2[B + 1]!, total,
  };
}

/** He₁ and He₃ coefficients E[f He_k(ŵ*·x)]/k! of the first output of f ([rows, O]) over the inputs xm. */
export function hermiteProjections(xm: Mat, f: Float64Array, wStar: Float64Array, O: number): { he1: number; he3: number } {
  const d = wStar.length;
  let h1s = 0, h3s = 0;
  for (let mu = 0; mu < xm.rows; mu++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += xm.data[mu * xm.cols + j]! * wStar[j]!;
    h1s += f[mu * O]! * hermiteHe(1, z); h3s += f[mu * O]! * hermiteHe(3, z);
  }
  return { he1: h1s / xm.rows, he3: h3s / (6 * xm.rows) };
}
