import { describe, expect, it } from 'vitest';
import { type Mat, fromRows, mat } from '@sftdl/compute';
import { linearExactOracle } from './exact';
import { linearMsaOneLoop, linearMsaSpectrum, linearMsaTree, msaOneLoopScalar, msaTreeScalar, scaledGpPredict } from './linear';
import { msaAnneal } from './anneal';
import { sampledMsa } from './sampled';
import { solveAdaptiveKernel } from '../adaptive/solver';
import { deepLinearKernelRescaling, kernelRescaling } from '../rescaling/kernelRescaling';
import { key, normal } from '@sftdl/field';
import { type MsaInput, msaSetup, twoLayerNngp } from './problem';
import { gpRegression } from '../gp/regression';

/** Seeded noisy linear-teacher data for tests: x ~ N(0, I_d) rows, y = w*·x/√d + noise·ε. */
function linearTeacherData(
  seed: number,
  P: number,
  d: number,
  noise = 0.1,
  testPoints = 0,
): { x: Mat; y: Float64Array; xTest?: Mat } {
  const x = mat(P, d, normal(key(seed), P * d));
  const w = normal(key(seed + 1), d);
  const e = normal(key(seed + 2), P);
  const y = new Float64Array(P);
  for (let a = 0; a < P; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[a * d + j]! * w[j]!;
    y[a] = s / Math.sqrt(d) + noise * e[a]!;
  }
  const out: { x: Mat; y: Float64Array; xTest?: Mat } = { x, y };
  if (testPoints > 0) out.xTest = mat(testPoints, d, normal(key(seed + 3), testPoints * d));
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
/** Least-squares slope of log(err) against log(N). */
const slope = (Ns: number[], errs: number[]): number => {
  const xs = Ns.map(Math.log),
    ys = errs.map(Math.log);
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length,
    my = ys.reduce((s, v) => s + v, 0) / ys.length;
  let num = 0,
    den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
};

const data = linearTeacherData(11, 16, 8, 0.1, 3);
const base = { ...data, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 };

describe('linear MSA closed forms (docs/theory/multi-scale-adaptive.md §7)', () => {
  it('tree level: scalar equation, τ-equation, spike Σ_v = (g_v/d)q, ΔC rank one', () => {
    const N = 40;
    const spec = linearMsaSpectrum({ ...base, width: N, chi: N });
    const s = msaTreeScalar(spec);
    const tree = linearMsaTree(spec);
    expect(tree.q).toBeCloseTo(s.q, 12);
    expect(tree.residual).toBeLessThan(1e-11);
    // the tree predictor is GP regression with kernel σ²qK0 and noise κ_n
    expect(maxAbsDiff(tree.trainMean, scaledGpPredict(spec, s.q).trainMean)).toBeLessThan(1e-11);
    expect(maxAbsDiff(tree.testMean!, scaledGpPredict(spec, s.q).testMean!)).toBeLessThan(1e-11);
    const D = 1 / 8;
    expect(tree.weightCovEigenvalues[0]).toBeCloseTo(D * tree.q, 12);
    for (const v of tree.weightCovEigenvalues.slice(1)) expect(v).toBeCloseTo(D, 12);
    // in mean-field, Q_tree does not depend on N
    expect(msaTreeScalar(linearMsaSpectrum({ ...base, width: 5000, chi: 5000 })).Q).toBeCloseTo(tree.Q, 10);
  });

  it('exact oracle reproduces the 1/N correction of docs/theory/field-theory.md §6, N·δf̄ → (σ²/(1+σ²))[t³ − 3t/(1+σ²)]', () => {
    const y = 1.3,
      s2 = 0.5;
    const t = y / (1 + s2);
    const predicted = (s2 / (1 + s2)) * (t ** 3 - (3 * t) / (1 + s2));
    const gaps: number[] = [];
    for (const N of [200, 800, 3200]) {
      const ex = linearExactOracle({ x: fromRows([[1]]), y: [y], width: N, sigmaW2: 1, sigmaA2: 1, sigma2: s2 });
      gaps.push(Math.abs(N * (ex.trainMean[0]! - y / (1 + s2)) - predicted));
    }
    // O(1/N) convergence of N·δf̄
    expect(gaps[2]!).toBeLessThan(gaps[0]! / 10);
    expect(gaps[2]!).toBeLessThan(2e-3);
  });

  it('error scalings against the exact oracle: tree O(1/N) MF and O(P/N) SS, one loop O(1/N²)', () => {
    const Ns = [60, 240, 960];
    for (const regime of ['SS', 'MF'] as const) {
      const tree: number[] = [],
        loop: number[] = [],
        kr: number[] = [];
      for (const N of Ns) {
        const spec = linearMsaSpectrum({ ...base, width: N, chi: regime === 'SS' ? 1 : N });
        const ex = linearExactOracle(spec);
        expect(ex.quadratureError).toBeLessThan(1e-12);
        const tr = linearMsaTree(spec);
        tree.push(Math.max(maxAbsDiff(tr.trainMean, ex.trainMean), maxAbsDiff(tr.testMean!, ex.testMean!)));
        const one = linearMsaOneLoop(spec);
        loop.push(Math.max(maxAbsDiff(one.trainMean, ex.trainMean), maxAbsDiff(one.testMean!, ex.testMean!)));
        kr.push(Math.abs(one.scalar.Q - ex.Q));
      }
      expect(slope(Ns, tree)).toBeGreaterThan(-1.15);
      expect(slope(Ns, tree)).toBeLessThan(-0.85);
      expect(slope(Ns, loop)).toBeLessThan(-1.8);
      expect(slope(Ns, loop)).toBeGreaterThan(-2.3);
      for (let i = 0; i < Ns.length; i++) expect(loop[i]!).toBeLessThan(tree[i]! / 10);
      // the scalar one-loop Q approaches the exact E[Q] faster than... at least O(1/N)
      expect(slope(Ns, kr)).toBeLessThan(-0.85);
    }
  });

  it('kernel rescaling equals the linear one-loop scalar equation, and the MF tree level as N → ∞', () => {
    for (const chi of [1, 50]) {
      const N = 50;
      const spec = linearMsaSpectrum({ ...base, width: N, chi });
      const one = msaOneLoopScalar(spec);
      const kr = kernelRescaling({
        kernel: { ...spec.K0, data: spec.K0.data.map((v) => v * (1 / chi)) },
        y: data.y,
        noise: 0.1 / chi,
        width: N,
      });
      expect(kr.kernelScale).toBeCloseTo(one.q, 11);
      expect(kr.msd).toBeCloseTo(scaledGpPredict(spec, one.q).msd, 12);
    }
    const big = linearMsaSpectrum({ ...base, width: 1e6, chi: 1e6 });
    expect(msaOneLoopScalar(big).Q).toBeCloseTo(msaTreeScalar(big).Q, 4);
  });

  it('weight covariance Σ_v vs the exact posterior: tree O(1/N), one loop (L4) O(1/N²); bulk shrinks below g_v/d', () => {
    const Ns = [30, 120, 480];
    const D = 1 / 8;
    for (const regime of ['SS', 'MF'] as const) {
      const tree: number[] = [],
        loop: number[] = [];
      for (const N of Ns) {
        const spec = linearMsaSpectrum({ ...base, width: N, chi: regime === 'SS' ? 1 : N });
        const ex = linearExactOracle(spec);
        const one = linearMsaOneLoop(spec);
        tree.push(maxAbsDiff(linearMsaTree(spec).weightCovEigenvalues, ex.weightCovEigenvalues));
        loop.push(maxAbsDiff(one.weightCovEigenvalues, ex.weightCovEigenvalues));
        // exact and one-loop bulk eigenvalues lie below the prior value; the spike above it
        expect(ex.weightCovEigenvalues[7]!).toBeLessThan(D);
        expect(one.weightCovEigenvalues[7]!).toBeLessThan(D);
        expect(one.weightCovEigenvalues[0]!).toBeGreaterThan(D);
      }
      expect(slope(Ns, tree)).toBeGreaterThan(-1.15);
      expect(slope(Ns, tree)).toBeLessThan(-0.85);
      expect(slope(Ns, loop)).toBeLessThan(-1.8);
    }
  });

  it('test variance: tree matches the exact oracle in MF to O(1/N)', () => {
    const errs = [50, 200].map((N) => {
      const spec = linearMsaSpectrum({ ...base, width: N, chi: N });
      const ex = linearExactOracle(spec);
      const tr = linearMsaTree(spec);
      return maxAbsDiff(tr.testVariance!, ex.testVariance!) / Math.max(...Array.from(ex.testVariance!));
    });
    expect(errs[0]!).toBeLessThan(0.02);
    expect(errs[1]!).toBeLessThan(errs[0]! / 2.5);
  });

  it('deep linear kernel rescaling: one layer = kernel rescaling; T → 0 closed form', () => {
    const spec = linearMsaSpectrum({ ...base, width: 30 });
    const C0 = spec.K0;
    const kr = kernelRescaling({ kernel: C0, y: data.y, noise: 0.1, width: 30 });
    const deep = deepLinearKernelRescaling({ kernel: C0, y: data.y, noise: 0.1, widths: [30] });
    expect(deep.kernelScale).toBeCloseTo(kr.kernelScale, 10);
    // n ≤ d so K0 is invertible; T → 0: u = [(1−α) + √((1−α)² + 4α r0/σ²)]/2 with r0 = yᵀK0⁻¹y/n.
    const small = linearTeacherData(3, 6, 10, 0.3);
    const s2 = linearMsaSpectrum({ ...small, sigmaW2: 1, sigmaA2: 1, sigma2: 1e-9, width: 12 });
    let r0 = 0;
    for (let k = 0; k < 6; k++) r0 += s2.yRot[k]! ** 2 / s2.eigvals[k]!;
    r0 /= 6;
    const alpha = 6 / 12;
    const uClosed = (1 - alpha + Math.sqrt((1 - alpha) ** 2 + 4 * alpha * r0)) / 2;
    const u = deepLinearKernelRescaling({ kernel: s2.K0, y: small.y, noise: 1e-9, widths: [12] });
    expect(u.kernelScale).toBeCloseTo(uClosed, 6);
    // two layers: u_l = 1 − α_l + α_l r0/(σ² Π u)
    const two = deepLinearKernelRescaling({ kernel: s2.K0, y: small.y, noise: 1e-9, widths: [12, 24] });
    const s = two.kernelScale;
    expect(two.layerScales[0]!).toBeCloseTo(1 - 0.5 + (0.5 * r0) / s, 6);
    expect(two.layerScales[1]!).toBeCloseTo(1 - 0.25 + (0.25 * r0) / s, 6);
  });

  it('Algorithm 1: annealing from the NNGP reaches the direct mean-field solution', () => {
    const N = 100;
    const path = msaAnneal({ ...base, width: N }, { chis: [1, 3, 10, 30, 100] });
    const direct = linearMsaTree({ ...base, width: N, chi: N });
    expect(path.at(-1)!.Q).toBeCloseTo(direct.Q, 10);
    expect(path.at(-1)!.msd).toBeCloseTo(direct.msd, 12);
    expect(path[0]!.Q).toBeCloseTo(linearMsaTree({ ...base, width: N, chi: 1 }).Q, 10);
  });
});

describe('sampled tilted measure (φ = id reproduces the closed forms)', () => {
  it('tree and one loop within Monte Carlo error', () => {
    const input = { ...base, width: 40, chi: 1 };
    const tree = linearMsaTree(input);
    const st = sampledMsa(input, { activation: 'linear', samples: 8000, stages: 1, key: key(0) });
    expect(maxAbsDiff(st.trainMean, tree.trainMean)).toBeLessThan(1e-2);
    expect(st.ess).toBeGreaterThan(7000);
    const one = linearMsaOneLoop(input);
    const so = sampledMsa(input, { activation: 'linear', samples: 8000, stages: 1, oneLoop: true, key: key(0) });
    // the loop correction itself (one − tree) is reproduced to ~15 %
    const dTrue = one.trainMean.map((v, i) => v - tree.trainMean[i]!);
    const dSamp = so.trainMean.map((v, i) => v - st.trainMean[i]!);
    expect(maxAbsDiff(dTrue, dSamp)).toBeLessThan(0.15 * Math.max(...Array.from(dTrue, Math.abs)));
  });

  it('erf tree level is self-consistent and deterministic for a key', () => {
    const input = { ...base, width: 30, chi: 30 };
    const a = sampledMsa(input, { activation: 'erf', samples: 4000, stages: 2, key: key(0) });
    const b = sampledMsa(input, { activation: 'erf', samples: 4000, stages: 2, key: key(0) });
    expect(Array.from(a.trainMean)).toEqual(Array.from(b.trainMean));
    // (T1): f̄ = C(C + κ_n)⁻¹y with the sampled adapted kernel
    const P = 16;
    for (let i = 0; i < P; i++) {
      let s = 0;
      for (let j = 0; j < P; j++) s += a.kernel.data[i * P + j]! * a.tau[j]!;
      expect(s).toBeCloseTo(a.trainMean[i]!, 7);
    }
  });
});

describe('adaptive kernel (kernel saddle)', () => {
  it('has tree-level accuracy: equals MSA tree in MF up to O(1/N), O(1/N)-accurate in SS', () => {
    for (const regime of ['SS', 'MF'] as const) {
      const errs = [60, 240].map((N) => {
        const input = { ...base, width: N, chi: regime === 'SS' ? 1 : N };
        const ex = linearExactOracle(input);
        return maxAbsDiff(kernelSaddle(input).trainMean, ex.trainMean);
      });
      expect(errs[0]! / errs[1]!).toBeGreaterThan(2.5);
      expect(errs[0]! / errs[1]!).toBeLessThan(6);
    }
    const N = 200;
    const mf = { ...base, width: N, chi: N };
    const ak = kernelSaddle(mf),
      tree = linearMsaTree(mf);
    expect(maxAbsDiff(ak.trainMean, tree.trainMean)).toBeLessThan(5e-4);
    const plus = kernelSaddle(mf, { varianceSign: 1 });
    expect(maxAbsDiff(plus.trainMean, tree.trainMean)).toBeLessThan(5e-4);
  });

  it('erf: AK agrees with the MSA tree level to O(1/N) plus Monte Carlo error (standard and mean-field)', () => {
    const input = { ...base, width: 200, chi: 1 };
    const tree = sampledMsa(input, { activation: 'erf', samples: 4000, stages: 1, key: key(0) });
    const ak = kernelSaddle(input, { activation: 'erf', samples: 4000, tolerance: 1e-9 });
    const scale = Math.max(...Array.from(data.y, Math.abs));
    expect(maxAbsDiff(ak.trainMean, tree.trainMean)).toBeLessThan(0.02 * scale);
    // mean-field: erf MSA adapts (lower training discrepancy than the NNGP) and AK matches it
    const mfIn = { ...base, width: 200, chi: 200 };
    const mf = sampledMsa(mfIn, { activation: 'erf', samples: 4000, stages: 2, key: key(0) });
    expect(mf.msd).toBeLessThan(0.9 * msaReportNngpMsd(mfIn));
    const akMf = kernelSaddle(mfIn, { activation: 'erf', samples: 4000, tolerance: 1e-9 });
    expect(maxAbsDiff(akMf.trainMean, mf.trainMean)).toBeLessThan(0.02 * scale);
  });
});

/** The kernel-saddle method of the adaptive-kernel solver on an MSA input (linear φ unless given; key 0). */
function kernelSaddle(
  input: MsaInput,
  o: { activation?: 'linear' | 'erf'; varianceSign?: -1 | 1; samples?: number; tolerance?: number } = {},
) {
  const { x, y, width, chi, sigmaW2, sigmaA2, sigma2, xTest } = input;
  return solveAdaptiveKernel(
    { x, y, width, sigmaW2, sigmaA2, sigma2, activation: o.activation ?? 'linear', ...(chi !== undefined ? { chi } : {}) },
    {
      key: key(0),
      method: 'kernel-saddle',
      ...(xTest ? { xTest } : {}),
      ...(o.varianceSign ? { varianceSign: o.varianceSign } : {}),
      ...(o.samples ? { samples: o.samples } : {}),
      ...(o.tolerance ? { tolerance: o.tolerance } : {}),
    },
  );
}

function msaReportNngpMsd(input: MsaInput): number {
  const setup = msaSetup(input);
  const C0 = twoLayerNngp(setup, 'erf');
  const r = gpRegression({ kernel: C0.train, y: setup.y, sigma2: setup.noise, conditionNumber: 'none' });
  let s = 0;
  for (let i = 0; i < setup.P; i++) s += (setup.y[i]! - r.trainMean[i]!) ** 2;
  return s / setup.P;
}
