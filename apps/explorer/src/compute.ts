/**
 * Everything the explorer shows, computed by the same package functions the `demo` CLI calls (no reimplementation):
 * @sftdl/solvers for the grokking and MSA theories, @sftdl/kernels for the NNGP/NTK, @sftdl/compute for the spectra,
 * @sftdl/field and @sftdl/teachers for the seeded data. Pure functions; the Web Worker (worker.ts) calls them in
 * stages, and the node tests call them directly.
 */
import { type Mat, eigenvaluesDescending, referenceBackend } from '@sftdl/compute';
import { fold, key as makeKey, normalMat } from '@sftdl/field';
import { fcKernel } from '@sftdl/kernels';
import {
  cubicCriticalPoint,
  cubicInvariants,
  modularCurve,
  modularModeAction,
  modularSaddles,
  msaReport,
  nontrivialMinimaCubic,
  reducedActionCubic,
  reducedActionCubicSlopeOverQ,
  solveCubicThermodynamic,
  solveModular,
} from '@sftdl/solvers';
import type { CubicTeacherParams } from '@sftdl/solvers';
import { linearTeacher, makeDataset } from '@sftdl/teachers';
import { type CubicState, type KernelsState, type ModularState, type MsaState, cubicSigmaA2 } from './state';

/** A message for the page when a solver rejects its input or finds no solution (the page shows it; nothing is thrown). */
export interface Failure {
  error: string;
}
const failure = (e: unknown): Failure => ({ error: e instanceof Error ? (e.message.split('\n')[0] ?? String(e)) : String(e) });
function attempt<T>(f: () => T): T | Failure {
  try {
    return f();
  } catch (e) {
    return failure(e);
  }
}
export const isFailure = (v: unknown): v is Failure => typeof v === 'object' && v !== null && 'error' in v;

const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const logspace = (a: number, b: number, n: number): number[] => linspace(Math.log(a), Math.log(b), n).map(Math.exp);

// ── Cubic teacher ────────────────────────────────────────────────────────────────────────────────────────────────────

/** The solver's parameter object for a page state (σ_a² = 8/N unless given), without σ². */
export function cubicBase(p: CubicState): Omit<CubicTeacherParams, 'sigma2'> {
  return { epsilon: p.epsilon, sigmaW2: p.sigmaW2, sigmaA2: cubicSigmaA2(p), width: p.width, samples: p.samples, dim: p.dim };
}

/** The d → ∞ transition on the σ² path: exactly the call of `demo grokking cubic --find-transition` (M11 corrected). */
export interface CubicTransition {
  sigma2Critical: number;
  uCritical: number;
  kappaCritical: number;
  qStar: number;
  b: number;
  sigma2Spinodal: number;
  uSpinodal: number;
}
export function cubicTransition(p: CubicState): CubicTransition | Failure {
  return attempt(() => {
    const c = cubicCriticalPoint(cubicBase(p), { m11Convention: 'corrected' });
    return {
      sigma2Critical: c.sigma2Critical,
      uCritical: c.uCritical,
      kappaCritical: c.kappaCritical,
      qStar: c.qStar,
      b: c.b,
      sigma2Spinodal: c.sigma2Spinodal,
      uSpinodal: c.uSpinodal,
    };
  });
}

/** The solution at the page's σ² and the landscape d·Ŝ(q) at its self-consistent (b, c), with the minima of Ŝ. */
export interface CubicPoint {
  phase: string;
  b: number;
  c: number;
  learnedLinear: number;
  learnedCubic: number;
  qStar: number | null;
  u: number;
  kappa: number;
  dropletDensity: number;
  landscape: { q: number[]; dS: number[] };
  /** Local minima of d·Ŝ (q = 0 when it is one, and ±q for each non-trivial one). */
  minima: { q: number; dS: number }[];
  /** The barriers (local maxima) in front of the non-trivial minima, at ±q. */
  barriers: { q: number; dS: number }[];
}
export function cubicPoint(p: CubicState): CubicPoint | Failure {
  return attempt(() => {
    const params: CubicTeacherParams = { ...cubicBase(p), sigma2: p.sigma2 };
    const sol = solveCubicThermodynamic(params, { m11Convention: 'corrected' });
    const k = { u: sol.u, b: sol.b, c: sol.c, sigmaW2: p.sigmaW2 };
    const nontrivial = nontrivialMinimaCubic(k);
    const qMax = Math.max(1.6, 1.35 * Math.max(0, ...nontrivial.map((m) => m.q)));
    const q = linspace(-qMax, qMax, 321);
    const dS = q.map((x) => p.dim * reducedActionCubic(x, k));
    const minima: { q: number; dS: number }[] = [];
    if (reducedActionCubicSlopeOverQ(1e-9, k) > 0) minima.push({ q: 0, dS: 0 });
    const barriers: { q: number; dS: number }[] = [];
    for (const m of nontrivial) {
      minima.push({ q: m.q, dS: p.dim * m.value }, { q: -m.q, dS: p.dim * m.value });
      if (m.barrierQ > 0) {
        const h = p.dim * reducedActionCubic(m.barrierQ, k);
        barriers.push({ q: m.barrierQ, dS: h }, { q: -m.barrierQ, dS: h });
      }
    }
    return {
      phase: sol.phase,
      b: sol.b,
      c: sol.c,
      learnedLinear: sol.learnedLinear,
      learnedCubic: sol.learnedCubic,
      qStar: sol.qStar,
      u: sol.u,
      kappa: sol.kappa,
      dropletDensity: sol.dropletDensity,
      landscape: { q, dS },
      minima,
      barriers,
    };
  });
}

/** σ² grid of the learned-coefficient curve: around σ²_c (both sides of the jump), or around the page's σ² without a transition. */
export function cubicCurveGrid(p: CubicState, t: CubicTransition | Failure, points = 26): number[] {
  if (isFailure(t)) return logspace(p.sigma2 / 3, p.sigma2 * 3, points);
  const s = t.sigma2Critical;
  return [...linspace(0.4 * s, 1.8 * s, points), s * (1 - 1e-6), s * (1 + 1e-6)].sort((a, b) => a - b);
}

/** Learned linear (1 − b) and cubic (ε − c) coefficients of the d → ∞ solution on a σ² grid. */
export interface CubicCurve {
  sigma2: number[];
  learnedLinear: number[];
  learnedCubic: number[];
  phase: string[];
}
export function cubicCurve(p: CubicState, grid: readonly number[]): CubicCurve | Failure {
  return attempt(() => {
    const base = cubicBase(p);
    const sols = grid.map((sigma2) => solveCubicThermodynamic({ ...base, sigma2 }, { m11Convention: 'corrected' }));
    return {
      sigma2: [...grid],
      learnedLinear: sols.map((s) => s.learnedLinear),
      learnedCubic: sols.map((s) => s.learnedCubic),
      phase: sols.map((s) => s.phase),
    };
  });
}

/**
 * The (σ², u) phase diagram: at each σ² the transition and spinodal values of u = n²σ_a²/(σ⁴dN) reached by moving N
 * (the `along: 'width'` path, κ fixed), and the page's own σ² path u(σ²).
 */
export interface CubicPhaseDiagram {
  sigma2: number[];
  uCritical: (number | null)[];
  uSpinodal: (number | null)[];
  pathU: number[];
}
/** σ² grid of the phase diagram: log-spaced over a factor 3 either side of σ²_c (or of the page's σ² without a transition). */
export function cubicPhaseGrid(p: CubicState, t: CubicTransition | Failure, points = 21): number[] {
  const centre = isFailure(t) ? p.sigma2 : t.sigma2Critical;
  return logspace(centre / 3, centre * 3, points);
}
export function cubicPhaseDiagram(p: CubicState, grid: readonly number[]): CubicPhaseDiagram {
  const base = cubicBase(p);
  const uCritical: (number | null)[] = [];
  const uSpinodal: (number | null)[] = [];
  for (const s of grid) {
    const c = attempt(() => cubicCriticalPoint({ ...base, sigma2: s }, { m11Convention: 'corrected', along: 'width' }));
    uCritical.push(isFailure(c) ? null : c.uCritical);
    uSpinodal.push(isFailure(c) ? null : c.uSpinodal);
  }
  const pathU = grid.map((s) => cubicInvariants({ ...base, sigma2: s }).u);
  return { sigma2: [...grid], uCritical, uSpinodal, pathU };
}

// ── Modular addition ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface ModularView {
  gmfl1Onset: number;
  gmfl2Onset: number | null;
  spinodal: number;
  curve: { sigma2: number[]; a: number[]; learned: number[]; phase: string[] };
  at: {
    sigma2: number;
    a: number;
    learned: number;
    phase: string;
    s: number;
    xPlus: number | null;
    sPlus: number | null;
    alignedFraction: number;
  };
  /** Per-mode action S_k/P = Ŝ_k(x) at the page's σ² (x = |w_k|² = |v_k|²). */
  modeAction: { x: number[]; S: number[] };
}
export function modularView(p: ModularState): ModularView | Failure {
  return attempt(() => {
    const base = { prime: p.prime, width: p.width, sigmaA2: p.sigmaA2, gamma: p.gamma };
    const r = modularCurve(base, { lambdaNormalization: p.lambdaNormalization, points: 61 });
    const at = solveModular({ ...base, sigma2: p.sigma2 }, { lambdaNormalization: p.lambdaNormalization });
    const saddle = modularSaddles(at.s, p.gamma);
    const xMax = Math.max(1.6 * Math.sqrt(3 / p.gamma), 1.25 * (saddle?.xPlus ?? 0));
    const x = linspace(0, xMax, 241);
    return {
      gmfl1Onset: r.gmfl1Onset,
      gmfl2Onset: r.gmfl2Onset,
      spinodal: r.spinodal,
      curve: {
        sigma2: r.curve.map((c) => c.sigma2),
        a: r.curve.map((c) => c.a),
        learned: r.curve.map((c) => c.learned),
        phase: r.curve.map((c) => c.phase),
      },
      at: {
        sigma2: at.sigma2,
        a: at.a,
        learned: at.learned,
        phase: at.phase,
        s: at.s,
        xPlus: at.xPlus,
        sPlus: at.sPlus,
        alignedFraction: at.alignedFraction,
      },
      modeAction: { x, S: x.map((v) => modularModeAction(v, at.s, p.gamma)) },
    };
  });
}

// ── Kernels ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Input dimension of the kernels view; inputs lie on the sphere of radius √d, so x·x'/d = cos θ. */
export const KERNEL_DIM = 3;
/** Size of the small data set of the heatmap (seeded Gaussian points projected on the sphere, sorted by angle). */
export const KERNEL_SAMPLES = 40;

function kernelOptions(p: KernelsState) {
  // As `demo kernel`: the NTK parameterisation, or the standard one with neural-tangents' finite-width convention
  // (weight-gradient terms N_in·K) at width N. (`demo kernel --parameterization standard` without --width uses
  // fan-in-scaled learning rates, whose NTK equals the NTK-parameterisation one.)
  const common = {
    activation: p.activation,
    depth: p.depth,
    weightVar: p.weightVar,
    biasVar: p.biasVar,
    backend: referenceBackend,
  };
  return p.parameterization === 'standard'
    ? { ...common, parameterization: 'standard' as const, width: p.width }
    : { ...common, parameterization: 'ntk' as const };
}

/** Seeded points on the sphere of radius √d (d = {@link KERNEL_DIM}), sorted by their azimuth. */
export function kernelDataset(n = KERNEL_SAMPLES, seed = 7): Mat {
  const d = KERNEL_DIM;
  const z = normalMat(makeKey(seed), n, d);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = Array.from({ length: d }, (_, j) => z.data[i * d + j] ?? 0);
    const norm = Math.hypot(...r);
    rows.push(r.map((v) => (v / norm) * Math.sqrt(d)));
  }
  rows.sort((a, b) => Math.atan2(a[1] ?? 0, a[0] ?? 0) - Math.atan2(b[1] ?? 0, b[0] ?? 0));
  return { rows: n, cols: d, data: Float64Array.from(rows.flat()) };
}

export interface KernelsView {
  angle: { theta: number[]; nngp: number[]; ntk: number[] };
  matrix: { n: number; nngp: number[]; ntk: number[] };
  spectrum: { nngp: number[]; ntk: number[] };
}
export function kernelsView(p: KernelsState): KernelsView | Failure {
  return attempt(() => {
    const o = kernelOptions(p);
    const d = KERNEL_DIM;
    const theta = linspace(0, Math.PI, 181);
    const ring: Mat = {
      rows: theta.length,
      cols: d,
      data: Float64Array.from(theta.flatMap((t) => [Math.sqrt(d) * Math.cos(t), Math.sqrt(d) * Math.sin(t), 0])),
    };
    const pole: Mat = { rows: 1, cols: d, data: Float64Array.from([Math.sqrt(d), 0, 0]) };
    const k = fcKernel(ring, pole, o);
    const x = kernelDataset();
    const km = fcKernel(x, undefined, o);
    if (!k.nngp || !k.ntk || !km.nngp || !km.ntk) throw new Error('fcKernel returned no NNGP/NTK');
    return {
      angle: { theta, nngp: Array.from(k.nngp.data), ntk: Array.from(k.ntk.data) },
      matrix: { n: x.rows, nngp: Array.from(km.nngp.data), ntk: Array.from(km.ntk.data) },
      spectrum: {
        nngp: Array.from(eigenvaluesDescending(referenceBackend, km.nngp)),
        ntk: Array.from(eigenvaluesDescending(referenceBackend, km.ntk)),
      },
    };
  });
}

// ── MSA, linear network ─────────────────────────────────────────────────────────────────────────────────────────────

/** The data and priors of the MSA view: the demo tour's linear-network part (n = 30, d = 10, seed 0). */
export const MSA_SETUP = { dim: 10, samples: 30, sigma2: 0.1, sigmaW2: 1, sigmaA2: 1, seed: 0 } as const;
/** Widths of the curve: N = 2⁴ … 2¹³ (the tour's 2⁴ … 2¹² and the slider's end). */
export const MSA_WIDTHS: readonly number[] = Array.from({ length: 10 }, (_, i) => 2 ** (4 + i));

let msaData: { x: Mat; y: Float64Array } | null = null;
/** The seeded linear-teacher data set of the MSA view (the same calls and keys as `demo msa-regimes`). */
export function msaDataset(): { x: Mat; y: Float64Array } {
  if (msaData) return msaData;
  const root = makeKey(MSA_SETUP.seed + 1000);
  const ds = makeDataset(linearTeacher({ dim: MSA_SETUP.dim, key: fold(root, 1) }), {
    key: fold(root, 2),
    samples: MSA_SETUP.samples,
  });
  msaData = { x: ds.x, y: ds.y.data };
  return msaData;
}

export interface MsaPoint {
  width: number;
  chi: number;
  nngp: number;
  tree: number;
  oneLoop: number;
  exact: number | null;
  treeQ: number;
  oneLoopQ: number | null;
  exactQ: number | null;
}
/** NNGP, tree-level, one-loop and exact train discrepancies (mean squared) at one width. */
export function msaPoint(p: Pick<MsaState, 'chi' | 'activation'>, width: number): MsaPoint | Failure {
  return attempt(() => {
    const { x, y } = msaDataset();
    const chi = p.chi === 'N' ? width : 1;
    const r = msaReport(
      { x, y, width, chi, sigmaW2: MSA_SETUP.sigmaW2, sigmaA2: MSA_SETUP.sigmaA2, sigma2: MSA_SETUP.sigma2 },
      { activation: p.activation },
    );
    return {
      width,
      chi,
      nngp: r.nngp.msd,
      tree: r.tree.msd,
      oneLoop: r.oneLoop.msd,
      exact: r.exact?.msd ?? null,
      treeQ: r.tree.Q,
      oneLoopQ: r.oneLoop.Q ?? null,
      exactQ: r.exact?.Q ?? null,
    };
  });
}
