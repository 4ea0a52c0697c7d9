/**
 * The four views: their controls, paper reference, explanation, read-outs (DOM text) and SVG charts.
 */
import type { Failure, MsaPoint } from './compute';
import { isFailure } from './compute';
import { heatmap, lineChart } from './plot';
import type { Result } from './protocol';
import { type ViewName, type ViewState, KERNEL_ACTIVATIONS, cubicSigmaA2 } from './state';

/** A slider (linear or logarithmic) or a select, bound to one URL parameter. */
export type Control =
  | {
      kind: 'range';
      key: string;
      prop: string;
      label: string;
      min: number;
      max: number;
      log?: boolean;
      digits?: number;
      integer?: boolean;
      step?: number;
    }
  | { kind: 'select'; key: string; prop: string; label: string; options: readonly { value: string; label: string }[] }
  | { kind: 'optional-number'; key: string; prop: string; label: string; placeholder: string };

export interface Readout {
  key: string;
  label: string;
  value: string;
  title?: string;
}

export interface ViewSpec {
  name: ViewName;
  tab: string;
  title: string;
  reference: string;
  explanation: string;
  controls: readonly Control[];
  readouts(state: ViewState, r: Result): Readout[];
  charts(state: ViewState, r: Result): string[];
  /** A warning or failure message for the page (solver errors, missing transition), if any. */
  notes(state: ViewState, r: Result): string[];
}

/** Numbers as DOM text: `digits` significant digits, exponent form only for very small or large values. */
export function fmt(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e7)) return v.toExponential(digits - 1);
  return v.toPrecision(digits);
}

const pending = '…';
const ok = <T extends object>(v: T | Failure | undefined): T | undefined => (v === undefined || isFailure(v) ? undefined : v);
const failures = (...vs: unknown[]): string[] => vs.filter(isFailure).map((f) => f.error);

const GROKKING =
  'N. Rubin, I. Seroussi, Z. Ringel, “Grokking as a First Order Phase Transition in Two Layer Networks”, ICLR 2024 (arXiv:2310.03789)';
const CUBIC_REF = `${GROKKING}, §4, Fig. 2 and App. A; equations as implemented: docs/theory/grokking.md §3.`;
const MODULAR_REF = `${GROKKING}, §5, Fig. 3 and App. B; equations as implemented: docs/theory/grokking.md §4.`;
const KERNELS_REF =
  'Z. Ringel, N. Rubin, E. Mor, M. Helias, I. Seroussi, “Applications of Statistical Field Theory in Deep Learning”, arXiv:2502.18553, ' +
  'the NNGP and NTK recursions with dual activations; docs/theory/field-theory.md.';
const MSA_REF =
  'N. Rubin, K. Fischer, J. Lindner, D. Dahmen, I. Seroussi, Z. Ringel, M. Krämer, M. Helias, “From Kernels to Features: ' +
  'A Multi-Scale Adaptive Theory of Feature Learning”, ICML 2025 (arXiv:2502.03210), linear network; docs/theory/multi-scale-adaptive.md.';

const cubic: ViewSpec = {
  name: 'cubic',
  tab: 'Grokking: cubic teacher',
  title: 'Grokking as a first-order phase transition: the cubic teacher',
  reference: CUBIC_REF,
  explanation:
    'A two-layer erf network of width N learns y = He₁(w*·x) + ε He₃(w*·x) from n Gaussian samples in d dimensions; σ² is both the ' +
    'ridge and the Langevin temperature. In the adaptive-kernel theory each hidden neuron feels the action d·Ŝ(q) of its overlap ' +
    'q = w·w*. While q = 0 is its only minimum the network is a rescaled Gaussian process and learns only the linear part (GFL). Lowering σ² ' +
    'raises the interaction u = n²σ_a²/(σ⁴dN): past the spinodal a second pair of minima ±q* appears, and at σ²_c it becomes as deep as q = 0 — ' +
    'a first-order transition where a droplet of aligned neurons forms and the cubic term is learned (GMFL-I); when every neuron is aligned ' +
    'the phase is GMFL-II. The numbers are the d → ∞ theory, from the same solver calls as `demo grokking cubic`.',
  controls: [
    { kind: 'range', key: 'epsilon', prop: 'epsilon', label: 'ε (cubic strength)', min: -1, max: 1, step: 0.01, digits: 3 },
    { kind: 'range', key: 'sigma-w2', prop: 'sigmaW2', label: 'σ_w² (read-in prior)', min: 0.05, max: 3, log: true, digits: 3 },
    { kind: 'range', key: 'sigma2', prop: 'sigma2', label: 'σ² (noise)', min: 0.01, max: 1, log: true, digits: 4 },
    { kind: 'range', key: 'width', prop: 'width', label: 'N (width)', min: 50, max: 20000, log: true, integer: true },
    { kind: 'range', key: 'samples', prop: 'samples', label: 'n (samples)', min: 100, max: 100000, log: true, integer: true },
    { kind: 'range', key: 'dim', prop: 'dim', label: 'd (input dimension)', min: 10, max: 2000, log: true, integer: true },
    { kind: 'optional-number', key: 'sigma-a2', prop: 'sigmaA2', label: 'σ_a² (total readout scale)', placeholder: '8/N' },
  ],
  readouts(state, r) {
    if (state.view !== 'cubic') return [];
    const t = ok(r.transition);
    const p = ok(r.point);
    const waiting = r.transition === undefined ? pending : '—';
    const pv = (v: number | null | undefined, digits = 6) => (p ? fmt(v, digits) : r.point === undefined ? pending : '—');
    return [
      {
        key: 'sigma2Critical',
        label: 'σ²_c (transition)',
        value: t ? fmt(t.sigma2Critical, 10) : waiting,
        title: t ? String(t.sigma2Critical) : '',
      },
      { key: 'uCritical', label: 'u_c', value: t ? fmt(t.uCritical, 10) : waiting, title: t ? String(t.uCritical) : '' },
      { key: 'kappaCritical', label: 'κ_c', value: t ? fmt(t.kappaCritical, 6) : waiting },
      { key: 'qStarCritical', label: 'q* at σ²_c', value: t ? fmt(t.qStar, 6) : waiting },
      { key: 'sigma2Spinodal', label: 'spinodal σ²', value: t ? fmt(t.sigma2Spinodal, 6) : waiting },
      { key: 'sigmaA2', label: 'σ_a² used', value: fmt(cubicSigmaA2(state.params), 6) },
      {
        key: 'phase',
        label: `phase at σ² = ${fmt(state.params.sigma2, 4)}`,
        value: p ? p.phase : r.point === undefined ? pending : '—',
      },
      { key: 'u', label: 'u = n²σ_a²/(σ⁴dN)', value: pv(p?.u) },
      { key: 'kappa', label: 'κ = nσ_a²/(σ²d)', value: pv(p?.kappa) },
      { key: 'learnedLinear', label: 'learned linear 1 − b', value: pv(p?.learnedLinear) },
      { key: 'learnedCubic', label: 'learned cubic ε − c', value: pv(p?.learnedCubic) },
      { key: 'qStar', label: 'q* (droplet overlap)', value: pv(p?.qStar) },
      { key: 'dropletDensity', label: 'droplet density r', value: pv(p?.dropletDensity) },
    ];
  },
  charts(state, r) {
    if (state.view !== 'cubic') return [];
    const s = state.params;
    const t = ok(r.transition);
    const p = ok(r.point);
    const out: string[] = [];
    if (p) {
      // y range: from the deepest point to a little above the barriers (the q²/2σ_w² wall is clipped), so the minima show
      const lo = Math.min(...p.landscape.dS);
      const tops = p.barriers.map((b) => b.dS);
      const inner = p.landscape.q.map((q, i) => (Math.abs(q) <= 0.5 ? (p.landscape.dS[i] ?? lo) : lo));
      const top = tops.length > 0 ? Math.max(...tops) : Math.max(...inner);
      const span = Math.max(top - lo, 1e-6);
      out.push(
        lineChart({
          id: 'landscape',
          title: `Landscape d·Ŝ(q) at σ² = ${fmt(s.sigma2, 4)}: ${p.phase}`,
          xLabel: 'q = w·w* (overlap with the teacher)',
          yLabel: 'd·Ŝ(q)',
          series: [{ name: `d·Ŝ(q), b = ${fmt(p.b, 4)}, c = ${fmt(p.c, 4)}`, x: p.landscape.q, y: p.landscape.dS }],
          points: [
            ...p.minima.map((m, i) => ({
              x: m.q,
              y: m.dS,
              id: `min-${i}`,
              label: m.q === 0 ? 'min q = 0' : `min q = ${fmt(m.q, 3)}`,
            })),
            ...p.barriers.map((b, i) => ({ x: b.q, y: b.dS, id: `barrier-${i}`, label: 'barrier', color: '#777' })),
          ],
          yRange: [lo - 0.12 * span, top + 0.6 * span],
        }),
      );
    }
    const c = ok(r.curve);
    if (c) {
      const marks = t
        ? [
            { x: t.sigma2Critical, label: 'σ²_c', id: 'sigma2c' },
            { x: t.sigma2Spinodal, label: 'spinodal', id: 'spinodal', color: '#999' },
          ]
        : [];
      out.push(
        lineChart({
          id: 'learned',
          title: 'Learned coefficients against σ² (d → ∞)',
          xLabel: 'σ²',
          yLabel: 'learned coefficient',
          series: [
            { name: 'learned linear 1 − b', x: c.sigma2, y: c.learnedLinear },
            { name: 'learned cubic ε − c', x: c.sigma2, y: c.learnedCubic },
          ],
          marks: [...marks, { x: s.sigma2, label: 'σ² now', id: 'sigma2-now', color: '#c00' }],
          xIncludes: [s.sigma2],
        }),
      );
    }
    const ph = r.phase;
    if (ph) {
      const u = p?.u ?? null;
      out.push(
        lineChart({
          id: 'phase-diagram',
          title: '(σ², u) phase diagram',
          xLabel: 'σ²',
          yLabel: 'u = n²σ_a²/(σ⁴dN)',
          logX: true,
          logY: true,
          series: [
            { name: 'transition u_c (GMFL above)', x: ph.sigma2, y: ph.uCritical },
            { name: 'spinodal (minima appear)', x: ph.sigma2, y: ph.uSpinodal, dash: true },
            { name: 'this σ² path (N, n, d fixed)', x: ph.sigma2, y: ph.pathU, color: '#777', dash: true },
          ],
          points: [
            ...(t ? [{ x: t.sigma2Critical, y: t.uCritical, id: 'critical', label: 'σ²_c', color: '#1f5fa8' }] : []),
            ...(u !== null ? [{ x: s.sigma2, y: u, id: 'now', label: 'now' }] : []),
          ],
        }),
      );
    }
    return out;
  },
  notes: (_s, r) => failures(r.transition, r.point, r.curve),
};

const modular: ViewSpec = {
  name: 'modular',
  tab: 'Grokking: modular addition',
  title: 'Grokking as a first-order phase transition: modular addition',
  reference: MODULAR_REF,
  explanation:
    'A two-layer network with quadratic activation learns (n + m) mod P on the full table of P² pairs. Each Fourier mode k of the ' +
    'read-in weights feels the action S_k/P = Ŝ_k(x) = x − s x² + (γ/3)x³ (x = |w_k|² = |v_k|², s = u a²), and the un-learned fraction |a| of the ' +
    'target solves |a| = σ²/(λ(|a|) + σ²). Above the GMFL-I onset x = 0 is the deepest minimum of every mode and nothing is learned (|a| = 1); ' +
    'below it the aligned minimum x₊ of each mode is degenerate with x = 0 and |a| falls linearly; at the GMFL-II onset every mode is aligned. ' +
    'The λ normalisation selects the printed one (paper) or the first-principles one. Same calls as `demo grokking modular`.',
  controls: [
    { kind: 'range', key: 'prime', prop: 'prime', label: 'P (modulus)', min: 3, max: 997, log: true, integer: true },
    { kind: 'range', key: 'width', prop: 'width', label: 'N (width)', min: 10, max: 100000, log: true, integer: true },
    {
      kind: 'range',
      key: 'sigma-a2',
      prop: 'sigmaA2',
      label: 'σ_a² (total readout scale)',
      min: 1e-7,
      max: 1e-4,
      log: true,
      digits: 3,
    },
    { kind: 'range', key: 'gamma', prop: 'gamma', label: 'γ (sextic regulariser)', min: 1e-6, max: 1e-2, log: true, digits: 3 },
    {
      kind: 'select',
      key: 'lambda-normalization',
      prop: 'lambdaNormalization',
      label: 'λ normalisation',
      options: [
        { value: 'paper', label: 'paper (printed)' },
        { value: 'first-principles', label: 'first principles (4P²)' },
      ],
    },
    {
      kind: 'range',
      key: 'sigma2',
      prop: 'sigma2',
      label: 'σ² for the per-mode action',
      min: 0.005,
      max: 2,
      log: true,
      digits: 4,
    },
  ],
  readouts(state, r) {
    if (state.view !== 'modular') return [];
    const m = ok(r.modular);
    const v = (x: number | null | undefined, digits = 8) => (m ? fmt(x, digits) : r.modular === undefined ? pending : '—');
    return [
      { key: 'gmfl1Onset', label: 'GMFL-I onset σ²_I', value: v(m?.gmfl1Onset) },
      { key: 'gmfl2Onset', label: 'GMFL-II onset σ²_II', value: m && m.gmfl2Onset === null ? 'none' : v(m?.gmfl2Onset) },
      { key: 'spinodal', label: 'spinodal σ²', value: v(m?.spinodal) },
      { key: 'phase', label: `phase at σ² = ${fmt(state.params.sigma2, 4)}`, value: m ? m.at.phase : v(undefined) },
      { key: 'a', label: '|a| (un-learned)', value: v(m?.at.a, 6) },
      { key: 'learned', label: '1 − |a| (learned)', value: v(m?.at.learned, 6) },
      { key: 's', label: 's = u a²', value: v(m?.at.s, 6) },
      { key: 'xPlus', label: 'x₊ (aligned minimum)', value: v(m?.at.xPlus, 6) },
      { key: 'alignedFraction', label: 'aligned fraction per mode', value: v(m?.at.alignedFraction, 6) },
    ];
  },
  charts(state, r) {
    if (state.view !== 'modular') return [];
    const m = ok(r.modular);
    if (!m) return [];
    const marks = [
      { x: m.gmfl1Onset, label: 'GMFL-I', id: 'gmfl1' },
      ...(m.gmfl2Onset !== null ? [{ x: m.gmfl2Onset, label: 'GMFL-II', id: 'gmfl2' }] : []),
      { x: m.spinodal, label: 'spinodal', id: 'spinodal', color: '#999' },
    ];
    return [
      lineChart({
        id: 'modular-a',
        title: `|a| against σ² (P = ${state.params.prime})`,
        xLabel: 'σ²',
        yLabel: 'discrepancy',
        series: [
          { name: '|a| (un-learned)', x: m.curve.sigma2, y: m.curve.a },
          { name: '1 − |a| (learned)', x: m.curve.sigma2, y: m.curve.learned },
        ],
        marks,
        points: [{ x: m.at.sigma2, y: m.at.a, id: 'now', label: 'σ² now' }],
      }),
      lineChart({
        id: 'mode-action',
        title: `Per-mode action S_k/P at σ² = ${fmt(m.at.sigma2, 4)} (${m.at.phase})`,
        xLabel: 'x = |w_k|² = |v_k|²',
        yLabel: 'S_k/P = Ŝ_k(x)',
        series: [{ name: `Ŝ_k(x), s = ${fmt(m.at.s, 4)}`, x: m.modeAction.x, y: m.modeAction.S }],
        points: [
          { x: 0, y: 0, id: 'min-0', label: 'x = 0' },
          ...(m.at.xPlus !== null
            ? [{ x: m.at.xPlus, y: (m.at.sPlus ?? 0) / state.params.prime, id: 'x-plus', label: 'x₊' }]
            : []),
        ],
      }),
    ];
  },
  notes: (_s, r) => failures(r.modular),
};

const ANGLE_MARKS = [0, Math.PI / 2, Math.PI];
const kernels: ViewSpec = {
  name: 'kernels',
  tab: 'Kernels',
  title: 'NNGP and NTK of deep fully connected networks',
  reference: KERNELS_REF,
  explanation:
    'At infinite width a deep fully connected network with weights of variance σ_w²/fan-in and biases of variance σ_b² is a Gaussian process ' +
    'with the NNGP kernel K, and gradient descent on it follows the neural tangent kernel Θ. Both follow layer by layer from the dual ' +
    'activation of φ. On the sphere of radius √d they depend only on the angle θ between two inputs (left). The heatmap is K on a small ' +
    'seeded data set on the sphere (sorted by azimuth), and its spectrum shows how fast the eigenvalues decay — what a GP learns first. ' +
    'The standard parameterisation uses neural-tangents’ finite-width NTK convention at width N. Same calls as `demo kernel`.',
  controls: [
    {
      kind: 'select',
      key: 'activation',
      prop: 'activation',
      label: 'activation φ',
      options: KERNEL_ACTIVATIONS.map((a) => ({ value: a, label: a })),
    },
    { kind: 'range', key: 'depth', prop: 'depth', label: 'depth L (hidden layers)', min: 1, max: 20, integer: true, step: 1 },
    {
      kind: 'range',
      key: 'weight-var',
      prop: 'weightVar',
      label: 'σ_w² (weight variance)',
      min: 0,
      max: 4,
      step: 0.01,
      digits: 3,
    },
    { kind: 'range', key: 'bias-var', prop: 'biasVar', label: 'σ_b² (bias variance)', min: 0, max: 2, step: 0.01, digits: 3 },
    {
      kind: 'select',
      key: 'parameterization',
      prop: 'parameterization',
      label: 'parameterisation',
      options: [
        { value: 'ntk', label: 'NTK' },
        { value: 'standard', label: 'standard (width N)' },
      ],
    },
    {
      kind: 'range',
      key: 'width',
      prop: 'width',
      label: 'N (width, standard only)',
      min: 1,
      max: 4096,
      log: true,
      integer: true,
    },
  ],
  readouts(state, r) {
    if (state.view !== 'kernels') return [];
    const k = ok(r.kernels);
    const v = (x: number | undefined, digits = 8) => (k ? fmt(x, digits) : r.kernels === undefined ? pending : '—');
    const at = (arr: readonly number[] | undefined, theta: number) => arr?.[Math.round((theta / Math.PI) * 180)];
    const rows: Readout[] = [];
    ANGLE_MARKS.forEach((th, i) => {
      const name = ['0', 'π/2', 'π'][i] ?? '';
      rows.push(
        { key: `nngp-${i}`, label: `K(θ = ${name})`, value: v(at(k?.angle.nngp, th)) },
        { key: `ntk-${i}`, label: `Θ(θ = ${name})`, value: v(at(k?.angle.ntk, th)) },
      );
    });
    rows.push({ key: 'lambdaMax', label: 'largest NNGP eigenvalue', value: v(k?.spectrum.nngp[0], 6) });
    rows.push({ key: 'ntkLambdaMax', label: 'largest NTK eigenvalue', value: v(k?.spectrum.ntk[0], 6) });
    return rows;
  },
  charts(state, r) {
    if (state.view !== 'kernels') return [];
    const k = ok(r.kernels);
    if (!k) return [];
    const deg = k.angle.theta.map((t) => (t * 180) / Math.PI);
    const idx = k.spectrum.nngp.map((_, i) => i + 1);
    return [
      lineChart({
        id: 'angle',
        title: `NNGP and NTK on the sphere (${state.params.activation}, L = ${state.params.depth})`,
        xLabel: 'angle θ between inputs (degrees)',
        yLabel: 'kernel',
        series: [
          { name: 'NNGP K(θ)', x: deg, y: k.angle.nngp },
          { name: 'NTK Θ(θ)', x: deg, y: k.angle.ntk },
        ],
      }),
      heatmap({
        id: 'heatmap',
        title: `NNGP kernel matrix, ${k.matrix.n} points on the sphere`,
        n: k.matrix.n,
        values: k.matrix.nngp,
      }),
      lineChart({
        id: 'spectrum',
        title: 'Spectrum of the kernel matrices',
        xLabel: 'eigenvalue index',
        yLabel: 'eigenvalue',
        logY: true,
        series: [
          { name: 'NNGP', x: idx, y: k.spectrum.nngp.map((v) => (v > 0 ? v : null)), dots: true },
          { name: 'NTK', x: idx, y: k.spectrum.ntk.map((v) => (v > 0 ? v : null)), dots: true },
        ],
      }),
    ];
  },
  notes: (_s, r) => failures(r.kernels),
};

const msa: ViewSpec = {
  name: 'msa',
  tab: 'MSA: linear network',
  title: 'Multi-scale adaptive theory: a linear two-layer network',
  reference: MSA_REF,
  explanation:
    'A linear two-layer network f(x) = Σᵢ aᵢ wᵢ·x with readout prior variance σ_a²/(χN) is trained on n = 30 samples of a linear teacher in ' +
    'd = 10 (σ_w² = σ_a² = 1, noise σ² = 0.1, rescaled by 1/χ; the seeded data of `demo msa-regimes`). Its exact posterior reduces to a ' +
    'one-dimensional integral (the oracle). The MSA tree level is the saddle point of the theory; the one-loop term adds the finite-N ' +
    'fluctuations. In standard scaling (χ = 1) both approach the NNGP as N grows; in mean-field scaling (χ = N) the network keeps learning ' +
    'features and stays away from the NNGP. The curves show the train discrepancy against N; the slider picks N for the read-outs.',
  controls: [
    { kind: 'range', key: 'width', prop: 'width', label: 'N (width)', min: 16, max: 8192, log: true, integer: true },
    {
      kind: 'select',
      key: 'chi',
      prop: 'chi',
      label: 'χ (scaling)',
      options: [
        { value: '1', label: 'χ = 1 (standard)' },
        { value: 'N', label: 'χ = N (mean field)' },
      ],
    },
  ],
  readouts(state, r) {
    if (state.view !== 'msa') return [];
    const p = ok(r.msaPoint);
    const v = (x: number | null | undefined, digits = 8) => (p ? fmt(x, digits) : r.msaPoint === undefined ? pending : '—');
    const rel = (a: number | undefined, b: number | null | undefined) =>
      a !== undefined && b !== null && b !== undefined ? Math.abs(a - b) / Math.abs(b) : undefined;
    return [
      { key: 'chi', label: 'χ', value: p ? String(p.chi) : v(undefined) },
      { key: 'nngp', label: 'NNGP train discrepancy', value: v(p?.nngp) },
      { key: 'tree', label: 'MSA tree level', value: v(p?.tree) },
      { key: 'oneLoop', label: 'MSA one loop', value: v(p?.oneLoop) },
      { key: 'exact', label: 'exact posterior', value: v(p?.exact) },
      { key: 'treeError', label: 'tree rel. error vs exact', value: v(rel(p?.tree, p?.exact), 3) },
      { key: 'oneLoopError', label: 'one-loop rel. error vs exact', value: v(rel(p?.oneLoop, p?.exact), 3) },
    ];
  },
  charts(state, r) {
    if (state.view !== 'msa') return [];
    const pts = (r.msaCurve ?? []).filter((x): x is MsaPoint => !isFailure(x));
    const p = ok(r.msaPoint);
    if (pts.length === 0) return [];
    const ns = pts.map((x) => x.width);
    return [
      lineChart({
        id: 'msa-curve',
        title: `Train discrepancy against N (χ = ${state.params.chi === 'N' ? 'N, mean field' : '1, standard'})`,
        xLabel: 'N (hidden width)',
        yLabel: '⟨(y − f̄)²⟩ over the n samples',
        logX: true,
        logY: true,
        width: 620,
        height: 380,
        series: [
          { name: 'NNGP (N → ∞)', x: ns, y: pts.map((x) => x.nngp), dash: true },
          { name: 'MSA tree level', x: ns, y: pts.map((x) => x.tree) },
          { name: 'MSA one loop', x: ns, y: pts.map((x) => x.oneLoop) },
          { name: 'exact posterior (dots)', x: ns, y: pts.map((x) => x.exact), dots: true, noLine: true },
        ],
        marks: [{ x: state.params.width, label: 'N now', id: 'width-now', color: '#c00' }],
        xIncludes: [state.params.width],
        points: p && p.exact !== null ? [{ x: p.width, y: p.exact, id: 'exact-now', label: 'exact' }] : [],
      }),
    ];
  },
  notes: (_s, r) => failures(r.msaPoint, ...(r.msaCurve ?? [])),
};

export const VIEWS: Record<ViewName, ViewSpec> = { cubic, modular, kernels, msa };
