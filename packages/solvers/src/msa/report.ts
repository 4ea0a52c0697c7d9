import type { Key } from '@sftdl/field';
import { gpRegression } from '../gp/regression';
import { dot, meanSquaredDiff } from '../numerics';
import { kernelRescaling } from '../rescaling/kernelRescaling';
import { linearExactOracle } from './exact';
import { linearMsaOneLoop, linearMsaSpectrum, linearMsaTree } from './linear';
import { type MsaInput, type MsaSetup, msaSetup, twoLayerNngp } from './problem';
import { sampledMsa } from './sampled';
import type { MsaActivation } from './sampling';

interface Block {
  msd: number;
  testMean?: number[];
}

/** Projections of the learned-kernel change ΔC = C(τ̄) − C0 on the training points (docs/theory/multi-scale-adaptive.md §6). */
export interface DeltaCSummary {
  /** tᵀΔC t/|t|² with t = y − f̄. */
  alongDiscrepancy: number;
  /** yᵀΔC y/|y|². */
  alongTarget: number;
  /** Largest-magnitude eigenvalue of ΔC. */
  topEigenvalue: number;
}

function deltaCSummary(
  dC: Float64Array,
  P: number,
  t: Float64Array,
  y: Float64Array,
  backend: MsaSetup['backend'],
): DeltaCSummary {
  const quad = (v: Float64Array): number => {
    let s = 0;
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) s += v[a]! * dC[a * P + b]! * v[b]!;
    return s / Math.max(dot(v, v), Number.MIN_VALUE);
  };
  const ev = backend.eigh({ rows: P, cols: P, data: dC }).values;
  const top = Math.abs(ev[0]!) > Math.abs(ev[P - 1]!) ? ev[0]! : ev[P - 1]!;
  return { alongDiscrepancy: quad(t), alongTarget: quad(y), topEigenvalue: top };
}

/** Why `oneLoop.Q` is absent for nonlinear activations. */
export const ONE_LOOP_Q_NOTE =
  'oneLoop.Q is not defined for a nonlinear activation: the one-loop adapted kernel is not a rescaling of the NNGP kernel (see tree.Q for the tree-level scale along the saddle and kernelRescaling.Q for the scalar kernel-rescaling theory)';

/**
 * Options of {@link msaReport}. Nonlinear φ (sampled tilted measure) needs the random `key` of its importance
 * samples; the linear report is deterministic, so there `key` and `samples` are accepted and unused.
 */
export type MsaReportOptions =
  { activation?: 'linear'; samples?: number; key?: Key } | { activation: 'erf' | 'relu'; samples?: number; key: Key };

/** The `demo msa` summary: NNGP, tree level, one loop, kernel rescaling and (linear) the exact posterior. */
export interface MsaReport {
  nngp: Block;
  tree: Block & {
    Q: number;
    weightCovEigenvalues: number[];
    iterations: number;
    residual: number;
    testVariance?: number[];
    deltaC: DeltaCSummary;
  };
  /**
   * One loop. `Q` (the scalar one-loop effective scale) exists only for φ = id, where the one-loop mean predictor is GP
   * regression with kernel Q·K0; for erf/ReLU the one-loop adapted kernel is not a rescaling of C0, so `Q` is absent
   * and `note` says so (compare `kernelRescaling.Q` and `tree.Q`, which are defined there).
   */
  oneLoop: Block & {
    Q?: number;
    note?: string;
    scalarMsd?: number;
    weightCovEigenvalues: number[];
    iterations: number;
    residual: number;
  };
  kernelRescaling: Block & { Q: number };
  exact?: Block & { Q: number; scaleStd: number; weightCovEigenvalues: number[]; testVariance?: number[] };
  /** Convention record: κ_n, σ²_MSA = σ_a²/χ, λ = σ²_MSA/N, qScale (Q = qScale·q). */
  conventions: { noise: number; priorScale: number; lambda: number; qScale: number; activation: MsaActivation };
}

/**
 * Runs every MSA-family solver on one dataset and summarises them (the `demo msa` command).
 *
 * Q is the effective kernel scale: for φ = id the mean predictor equals GP regression with kernel Q·K0 and noise κ.
 * tree.Q solves the scalar tree equation, oneLoop.Q the scalar one-loop (= kernel-rescaling) equation, exact.Q =
 * σ_a²·E[s | D]. oneLoop.msd and testMean come from the one-loop τ-form (O(1/N²)-accurate); `scalarMsd` is the msd of
 * the GP with the scalar one-loop Q. For erf/ReLU, tree/oneLoop use the sampled tilted measure, tree.Q is the scale
 * along the saddle, qScale·τᵀC(τ)τ/τᵀC0τ, and oneLoop has no Q (a `note` says why): the one-loop kernel is not a
 * rescaling, and the kernel-rescaling Q with the NNGP kernel stays in `kernelRescaling.Q`.
 *
 * *When to use:* side-by-side comparison of the theories on one dataset.
 * *Gotchas:* the exact oracle exists only for φ = id.
 * @example
 * ```ts
 * const r = msaReport({ x, y, width: 30, chi: 1, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 });
 * r.tree.Q; r.oneLoop.msd; r.exact?.Q;
 * ```
 */
export function msaReport(input: MsaInput, options: MsaReportOptions = {}): MsaReport {
  const activation = options.activation ?? 'linear';
  const setup = msaSetup(input);
  const { y, noise, qScale, backend } = setup;
  const arr = (v?: Float64Array): { testMean?: number[] } => (v ? { testMean: Array.from(v) } : {});
  const C0 = twoLayerNngp(setup, activation);
  const gp = gpRegression({
    kernel: C0.train,
    y,
    sigma2: noise,
    backend,
    conditionNumber: 'none',
    ...(C0.cross ? { crossKernel: C0.cross } : {}),
  });
  const nngp: Block = { msd: meanSquaredDiff(y, gp.trainMean), ...arr(gp.testMean) };
  const kr = kernelRescaling({
    kernel: C0.train,
    y,
    noise,
    width: setup.width,
    backend,
    ...(C0.cross ? { crossKernel: C0.cross } : {}),
  });
  const kernelRescalingBlock = { Q: qScale * kr.kernelScale, msd: kr.msd, ...arr(kr.testMean) };
  const conventions = { noise, priorScale: setup.priorScale, lambda: setup.lambda, qScale, activation };
  if (options.activation !== 'erf' && options.activation !== 'relu') {
    const spec = linearMsaSpectrum(setup);
    const tree = linearMsaTree(spec);
    const one = linearMsaOneLoop(spec);
    const ex = linearExactOracle(spec);
    return {
      nngp,
      tree: {
        Q: tree.Q,
        msd: tree.msd,
        weightCovEigenvalues: tree.weightCovEigenvalues,
        iterations: tree.iterations,
        residual: tree.residual,
        ...arr(tree.testMean),
        ...(tree.testVariance ? { testVariance: Array.from(tree.testVariance) } : {}),
        deltaC: deltaCSummary(tree.deltaC.data, setup.P, tree.discrepancy, y, backend),
      },
      oneLoop: {
        Q: one.scalar.Q,
        msd: one.msd,
        scalarMsd: one.scalar.msd,
        weightCovEigenvalues: one.weightCovEigenvalues,
        iterations: one.iterations,
        residual: one.residual,
        ...arr(one.testMean),
      },
      kernelRescaling: kernelRescalingBlock,
      exact: {
        Q: ex.Q,
        msd: ex.msd,
        scaleStd: ex.scaleStd,
        weightCovEigenvalues: ex.weightCovEigenvalues,
        ...arr(ex.testMean),
        ...(ex.testVariance ? { testVariance: Array.from(ex.testVariance) } : {}),
      },
      conventions,
    };
  }
  const sopts = { activation: options.activation, key: options.key, ...(options.samples ? { samples: options.samples } : {}) };
  const tree = sampledMsa(setup, sopts);
  const one = sampledMsa(setup, { ...sopts, oneLoop: true, tauInit: tree.tau });
  const Ct = new Float64Array(setup.P),
    C0t = new Float64Array(setup.P);
  for (let a = 0; a < setup.P; a++)
    for (let b = 0; b < setup.P; b++) {
      Ct[a]! += tree.kernel.data[a * setup.P + b]! * tree.tau[b]!;
      C0t[a]! += C0.train.data[a * setup.P + b]! * tree.tau[b]!;
    }
  return {
    nngp,
    tree: {
      Q: (qScale * dot(tree.tau, Ct)) / dot(tree.tau, C0t),
      msd: tree.msd,
      weightCovEigenvalues: tree.weightCovEigenvalues,
      iterations: tree.iterations,
      residual: tree.residual,
      ...arr(tree.testMean),
      ...(tree.testVariance ? { testVariance: Array.from(tree.testVariance) } : {}),
      deltaC: deltaCSummary(
        tree.kernel.data.map((v, i) => v - C0.train.data[i]!),
        setup.P,
        tree.discrepancy,
        y,
        backend,
      ),
    },
    oneLoop: {
      note: ONE_LOOP_Q_NOTE,
      msd: one.msd,
      weightCovEigenvalues: one.weightCovEigenvalues,
      iterations: one.iterations,
      residual: one.residual,
      ...arr(one.testMean),
    },
    kernelRescaling: kernelRescalingBlock,
    conventions,
  };
}
