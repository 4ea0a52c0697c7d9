/**
 * Curse-of-detail figures from a `demo scaling measure --runner langevin --json` result (a prior run, so the tour
 * and reports cost nothing): log P* against log d with the fitted line and the predicted slope, the alignment curves
 * against P/d^predicted (with the equilibrium posterior's), and the specialised-neuron count M against √(N/d).
 */
import { lineChartSvg } from '../plot';
import type { ReportSection } from '../report';
import { fmt } from './types';

/** The fields of a network `scaling measure` JSON result that the figures read. */
export interface MeasureResult {
  model: string;
  target: string;
  widthExponent: number;
  threshold: number;
  sizes: {
    dim: number;
    width: number;
    samples: number[];
    meanAlignment: number[];
    onset: number | null;
    onsetInterval?: [number, number] | null;
    down?: { samples: number[]; meanAlignment: number[]; onset: number | null; onsetInterval?: [number, number] | null };
    /** The equilibrium walks (restricted-ensemble free energies), absent in results from before them. */
    equilibrium?: {
      samples: number[];
      meanAlignment: number[];
      onset: number | null;
      onsetInterval?: [number, number] | null;
      coexistence?: number | null;
    };
  }[];
  branch?: 'up' | 'down' | 'mid' | 'equilibrium';
  /** 'aligned': every chain started aligned at the top and walked down only (no up walk). */
  start?: 'prior' | 'aligned';
  predicted: number;
  predictedExact: string;
  predictedMechanism: string;
  kind: string;
  fittedExponent: number | null;
  interval: [number, number] | null;
  level: number;
  rivalExponents: number[];
  consistent: boolean;
  decisive: boolean;
  verdict: string;
  specialised: {
    threshold: number;
    perDim: { dim: number; width: number; sqrtNOverD: number; mean: number; byChance: number; excess: number }[];
    predicted: { symbol: string; formula: string; exponentInD: number } | null;
  };
  seconds: number;
}

const withInterval = (v: number | null, iv: [number, number] | null | undefined) =>
  v === null ? '—' : `${fmt(v, 4)}${iv ? ` [${fmt(iv[0], 3)}, ${fmt(iv[1], 3)}]` : ''}`;

/** The report section of one measured row (figures and the per-d table). */
export async function curseOfDetailSection(r: MeasureResult): Promise<ReportSection> {
  const branch = r.branch ?? 'up';
  // per d: the pooled onset (the dataset-mean curve's crossing; mid: √(P*↑·P*↓))
  type Branch = 'up' | 'down' | 'mid' | 'equilibrium';
  const onsetOf = (s: MeasureResult['sizes'][number], b: Branch) =>
    b === 'up'
      ? s.onset
      : b === 'equilibrium'
        ? (s.equilibrium?.onset ?? null)
        : b === 'down'
          ? (s.down?.onset ?? null)
          : s.onset === null || s.down?.onset == null
            ? null
            : Math.sqrt(s.onset * s.down.onset);
  const on = r.sizes.map((s) => ({ dim: s.dim, onset: onsetOf(s, branch) })).filter((s) => s.onset !== null) as {
    dim: number;
    onset: number;
  }[];
  // the other branches' onsets as points (for equilibrium: the spinodals up and down)
  const others = (['equilibrium', 'up', 'down'] as const)
    .filter((b) => b !== branch)
    .map((b) => ({
      b,
      pts: r.sizes.map((s) => ({ dim: s.dim, onset: onsetOf(s, b) })).filter((s) => s.onset !== null) as {
        dim: number;
        onset: number;
      }[],
    }))
    .filter((o) => o.pts.length > 0);
  const figures: ReportSection['figures'] = [];
  const row = `${r.model} erf network, ${r.target}, N = d^${r.widthExponent}`;
  if (on.length >= 2 && r.fittedExponent !== null) {
    // fitted line through the onsets (least squares in log–log) and the predicted slope through their centroid
    const lx = on.map((s) => Math.log(s.dim));
    const ly = on.map((s) => Math.log(s.onset));
    const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
    const my = ly.reduce((a, b) => a + b, 0) / ly.length;
    const xs = [Math.min(...on.map((s) => s.dim)), Math.max(...on.map((s) => s.dim))];
    const line = (slope: number) => xs.map((x) => Math.exp(my + slope * (Math.log(x) - mx)));
    const series = [
      { name: `fit: slope ${fmt(r.fittedExponent, 3)}`, x: xs, y: line(r.fittedExponent) },
      { name: `predicted slope ${r.predictedExact} (${r.predictedMechanism})`, x: xs, y: line(r.predicted) },
      ...r.rivalExponents.map((e) => ({ name: `rival slope ${fmt(e, 3)}`, x: xs, y: line(e) })),
      { name: `onset P*, ${branch} branch (fitted)`, x: on.map((s) => s.dim), y: on.map((s) => s.onset), points: true },
      ...others.map((o) => ({
        name: `onset P*, ${o.b} branch${o.b === 'equilibrium' ? '' : ' (spinodal)'}`,
        x: o.pts.map((s) => s.dim),
        y: o.pts.map((s) => s.onset),
        points: true,
      })),
    ];
    figures.push({
      svg: await lineChartSvg({
        series,
        xLabel: 'input dimension d',
        yLabel: `onset P* (A_f = ${r.threshold})`,
        title: `P* vs d (log–log): ${row}`,
        xScale: 'log',
        yScale: 'log',
        pointsTitle: 'measurement',
        linesTitle: 'slopes',
      }),
      caption: `Onset P* of the posterior-mean test alignment against d. Fitted exponent ${fmt(r.fittedExponent, 3)}, ${Math.round(r.level * 100)}% bootstrap interval [${r.interval ? r.interval.map((v) => fmt(v, 3)).join(', ') : '—'}]; predicted ${r.predictedExact} (${r.predictedMechanism}, ${r.kind}); rivals ${r.rivalExponents.map((e) => fmt(e, 3)).join(', ')}. Verdict: ${r.verdict}.`,
    });
  }
  figures.push({
    svg: await lineChartSvg({
      series: r.sizes.flatMap((s) => [
        { name: `d = ${s.dim} ↑`, x: s.samples.map((p) => p / s.dim ** r.predicted), y: s.meanAlignment, points: true },
        ...(s.down
          ? [{ name: `d = ${s.dim} ↓`, x: s.down.samples.map((p) => p / s.dim ** r.predicted), y: s.down.meanAlignment }]
          : []),
        ...(s.equilibrium
          ? [
              {
                name: `d = ${s.dim} eq`,
                x: s.equilibrium.samples.slice(1).map((p) => p / s.dim ** r.predicted),
                y: s.equilibrium.meanAlignment.slice(1),
              },
            ]
          : []),
      ]),
      xLabel: `P / d^${r.predictedExact}`,
      yLabel: 'test alignment A_f',
      title: `alignment against the predicted collapse variable: ${row}`,
      xScale: 'log',
      pointsTitle: 'seed-mean A_f',
    }),
    caption: `Seed-mean test alignment against P/d^${r.predictedExact} (points: up branch from the prior; lines: down branch from the feature-learning state, and "eq": the full posterior's alignment from the restricted-ensemble free energies): the curves collapse if the predicted exponent is right; the gap between ↑ and ↓ is the hysteresis of a first-order onset, and the equilibrium curve lies between.`,
  });
  const m = r.specialised.perDim;
  // at N ∝ d, √(N/d) is constant: plot against d instead (the prediction is then a constant M)
  const xs = m.map((s) => s.sqrtNOverD);
  const flat = Math.max(...xs) < 1.05 * Math.min(...xs);
  const mx = flat ? m.map((s) => s.dim) : xs;
  figures.push({
    svg: await lineChartSvg({
      series: [
        { name: 'excess specialised neurons M', x: mx, y: m.map((s) => s.excess), points: true },
        { name: 'raw count', x: mx, y: m.map((s) => s.mean), points: true },
      ],
      xLabel: flat ? `d (√(N/d) = ${fmt(xs[0], 3)} at every d)` : '√(N/d)',
      yLabel: `neurons with |ŵ·w*| > ${r.specialised.threshold}`,
      title: `specialised neurons at the last P of each d: ${row}`,
      pointsTitle: 'measurement',
    }),
    caption: `Specialised first-layer neurons (chain- and seed-averaged) against ${flat ? 'd' : '√(N/d)'}; excess = raw − the count a random direction reaches by chance. Predicted ${r.specialised.predicted ? `${r.specialised.predicted.symbol}* = ${r.specialised.predicted.formula} (∝ d^${fmt(r.specialised.predicted.exponentInD, 3)})` : '—'}.`,
  });
  return {
    title: `Curse of detail, network side: ${row}`,
    paragraphs: [
      ...(r.start === 'aligned'
        ? [
            'This run started every chain with one read-in row at ±w* at the top of the P grid and walked down only (--start aligned): there is no up walk and no equilibrium walk, the "↑" point of each d is that top stage, and the verdict uses the down branch.',
          ]
        : []),
      `Finite-width erf networks sampled from their Bayesian posterior (Gibbs readout + MALA hidden weights), P-annealed on nested data up from the prior (↑) and back down from the feature-learning state (↓, every dataset started there, on a common finer grid); the equilibrium branch weights walks restricted to the lazy and the aligned side of a dividing surface by their free energies (integrated from the regions' exact prior masses with the held-out log predictive factor), which needs no barrier crossing; P* per d is where the dataset-mean posterior test alignment crosses ${r.threshold} (↑: first reaching it; ↓: falling below it from the top), and the exponent's interval resamples datasets and recomputes these pooled crossings; the verdict uses the ${branch} branch (${fmt(r.seconds, 3)} s).`,
      `Verdict: ${r.consistent ? 'consistent' : 'not consistent'} — ${r.verdict}.`,
    ],
    figures,
    tables: [
      {
        caption: 'Per input dimension',
        header: ['d', 'N', 'P* eq [90%]', 'P* ↑ [90%]', 'P* ↓ [90%]', 'P*/d (fitted branch)', 'M (raw)', 'M (excess)'],
        rows: r.sizes.map((s, i) => [
          s.dim,
          s.width,
          withInterval(s.equilibrium?.onset ?? null, s.equilibrium?.onsetInterval),
          withInterval(s.onset, s.onsetInterval),
          withInterval(s.down?.onset ?? null, s.down?.onsetInterval),
          onsetOf(s, branch) === null ? '—' : fmt(onsetOf(s, branch)! / s.dim, 3),
          fmt(m[i]?.mean, 3),
          fmt(m[i]?.excess, 3),
        ]),
      },
    ],
  };
}
