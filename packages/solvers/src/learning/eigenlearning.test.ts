import { describe, expect, it } from 'vitest';
import { type Mat, mat, referenceBackend } from '@sftdl/compute';
import { type Key, key, normal, split } from '@sftdl/field';
import {
  compareLearningCurves,
  empiricalLearningCurve,
  equivalentKernel,
  learningCurve,
  renormalizedRidge,
} from './eigenlearning';

describe('renormalised ridge', () => {
  it('linear kernel on Gaussian data (renormalised ridge, docs/theory/field-theory.md §4): q = σ²/α + q/(α(1+q)); closed form at n = d', () => {
    const d = 20;
    for (const s2 of [0.01, 0.1, 1]) {
      const eps = renormalizedRidge({ eigvals: [1 / d], multiplicities: [d] }, d, s2);
      expect(eps * d).toBeCloseTo((s2 + Math.sqrt(s2 * s2 + 4 * s2)) / 2, 12);
      for (const n of [5, 40]) {
        const q = d * renormalizedRidge({ eigvals: [1 / d], multiplicities: [d] }, n, s2),
          a = n / d;
        expect(q).toBeCloseTo(s2 / a + q / (a * (1 + q)), 12);
      }
    }
  });

  it('EK is the ε → σ²/n limit and interpolates when all λ_k ≫ σ²/n', () => {
    const ek = equivalentKernel({ eigvals: [1, 0.5] }, [1, 2], 1e6, 1e-3);
    expect(ek.eg).toBeLessThan(1e-16);
    const [pt] = learningCurve({ spectrum: { eigvals: [1, 0.5] }, coeffs: [1, 2], ns: [1e6], sigma2: 1e-3 });
    expect(pt!.effRidge).toBeCloseTo(1e-9, 12);
  });
});

describe('learning curve vs empirical GP curves on a sphere task', () => {
  it('self-consistent prediction within sampling error; plain EK visibly off near n ~ #modes', () => {
    const d = 6;
    // κ(t) = t + t² on S^{d−1}: λ0 = 1/d (1 mode), λ1 = 1/d (d modes), λ2 = 2/(d(d+2)) ((d+2)(d−1)/2 modes).
    const spectrum = { eigvals: [1 / d, 1 / d, 2 / (d * (d + 2))], multiplicities: [1, d, ((d + 2) * (d - 1)) / 2] };
    const noise2 = 0.05,
      sigma2 = 0.05;
    const ns = [6, 12, 24, 48];
    const pred = learningCurve({ spectrum, targetPower: [0, 1, 1], ns, sigma2, noise2 });
    const sample = (k: Key, count: number) => {
      const [ka, kb] = split(k, 2);
      const z = normal(ka!, count * d),
        e = normal(kb!, count);
      const x = mat(count, d);
      const target = new Float64Array(count),
        y = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        let r = 0;
        for (let j = 0; j < d; j++) r += z[i * d + j]! ** 2;
        r = Math.sqrt(r);
        for (let j = 0; j < d; j++) x.data[i * d + j] = z[i * d + j]! / r;
        const x1 = x.data[i * d]!,
          x2 = x.data[i * d + 1]!;
        target[i] = Math.sqrt(d) * x1 + Math.sqrt(d * (d + 2)) * x1 * x2;
        y[i] = target[i]! + Math.sqrt(noise2) * e[i]!;
      }
      return { x, target, y };
    };
    const kernel = (a: Mat, b: Mat): Mat => {
      const g = referenceBackend.matmul(a, b, { transB: true });
      return { ...g, data: g.data.map((t) => t + t * t) };
    };
    const emp = empiricalLearningCurve({ ns, trials: 150, testSize: 200, sigma2, key: key(3), sample, kernel });
    const cmp = compareLearningCurves(pred, emp);
    for (const r of cmp.rows) {
      // agreement within 4 standard errors plus a 8 % finite-size allowance of the asymptotic theory
      expect(Math.abs(r.predicted - r.empirical)).toBeLessThan(4 * r.stderr + 0.08 * r.empirical);
    }
    // plain EK underestimates the error near n ~ number of modes (27)
    const at24 = pred.find((p) => p.n === 24)!;
    expect(emp.find((e) => e.n === 24)!.eg / at24.egEquivalentKernel).toBeGreaterThan(1.5);
    console.log(
      cmp.rows
        .map(
          (r) =>
            `${r.n}: pred ${r.predicted.toFixed(4)} emp ${r.empirical.toFixed(4)}±${r.stderr.toFixed(4)} EK ${pred.find((p) => p.n === r.n)!.egEquivalentKernel.toFixed(4)}`,
        )
        .join('\n'),
    );
  });
});
