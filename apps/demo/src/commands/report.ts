import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@sftdl/cli-kit';
import { modularCurve, solveCubicFiniteD, solveCubicThermodynamic, solveModularFiniteP } from '@sftdl/solvers';
import { type CollectRow, collectSweep } from '@sftdl/sweep';
import type { Command } from '../context';
import { lineChartSvg } from '../plot';
import { type ReportSection, explorerUrl, renderReport, writeReport } from '../report';
import { modularScenario } from '../tour/modular-langevin';
import { scaleFig2 } from '../tour/sizes';
import { fmt, linspace } from '../tour/types';

/** Mean over the done tasks of one σ² and its standard error between tasks (independent datasets/ensembles). */
interface Point {
  sigma2: number;
  mean: number;
  se: number;
  tasks: number;
  rhatMax: number;
}

const doneCount = (rows: CollectRow[]): number => rows.filter((r) => r.status === 'done').length;

/** The sweep's simulated points as a chart series: mean ± SE, hollow where some task missed R̂ ≤ 1.05. */
function langevinSeries(name: string, pts: Point[]) {
  return {
    name,
    x: pts.map((p) => p.sigma2),
    y: pts.map((p) => p.mean),
    yErr: pts.map((p) => p.se),
    hollow: pts.map((p) => !(p.rhatMax <= 1.05)),
    points: true,
  };
}

function group(rows: CollectRow[], field: string): Point[] {
  const by = new Map<number, CollectRow[]>();
  for (const r of rows)
    if (r.status === 'done' && typeof r[field] === 'number') {
      const s = r.sigma2 as number;
      by.set(s, [...(by.get(s) ?? []), r]);
    }
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([sigma2, rs]) => {
      const v = rs.map((r) => r[field] as number);
      const m = v.reduce((p, q) => p + q, 0) / v.length;
      const sd = v.length > 1 ? Math.sqrt(v.reduce((p, q) => p + (q - m) ** 2, 0) / (v.length - 1)) : NaN;
      const r0 = rs[0]!;
      const own =
        typeof r0[`${field}Se`] === 'number'
          ? (r0[`${field}Se`] as number)
          : typeof r0.aStdError === 'number'
            ? r0.aStdError
            : NaN;
      // one task: its own Monte Carlo error; several: the spread between them (includes dataset-to-dataset variation)
      const se = v.length > 1 ? sd / Math.sqrt(v.length) : own;
      const rhats = rs.map((r) => (typeof r.rhat === 'number' ? r.rhat : NaN));
      return { sigma2, mean: m, se, tasks: v.length, rhatMax: Math.max(...rhats) };
    });
}

async function cubicSection(rows: CollectRow[]): Promise<ReportSection> {
  const r0 = rows.find((r) => r.status === 'done') ?? rows[0]!;
  const sizes = scaleFig2(r0.beta as number);
  const P = sizes.params;
  const pts = group(rows, 'learnedCubic');
  const grid = linspace(0.06, 0.32, 41);
  const safe = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch {
      return null;
    }
  };
  const thermo = grid.map((s) => safe(() => solveCubicThermodynamic({ ...P, sigma2: s })));
  const finite = grid.map((s) => safe(() => solveCubicFiniteD({ ...P, sigma2: s })));
  const svg = await lineChartSvg({
    title: `Cubic teacher at β = ${fmt(sizes.beta, 3)} (N = ${P.width}, n = ${P.samples}, d = ${P.dim}): learned cubic coefficient`,
    xLabel: 'σ²',
    yLabel: 'ε − c (learned cubic)',
    width: 640,
    height: 400,
    series: [
      { name: 'theory d → ∞', x: grid, y: thermo.map((t) => t?.learnedCubic ?? NaN) },
      { name: `theory finite d = ${P.dim}`, x: grid, y: finite.map((t) => t?.learnedCubic ?? NaN) },
      langevinSeries('Langevin (mean over datasets)', pts),
    ],
  });
  return {
    title: 'Cubic teacher (paper Fig. 2c) from the sweep',
    paragraphs: [`${doneCount(rows)} of ${rows.length} tasks done.`],
    figures: [
      {
        svg,
        caption:
          "Learned cubic coefficient: theory lines and the sweep's Langevin ensembles (mean ± SE over datasets; hollow: some task with R̂ > 1.05).",
        explorer: explorerUrl('cubic', {
          epsilon: P.epsilon,
          'sigma-w2': P.sigmaW2,
          width: P.width,
          samples: P.samples,
          dim: P.dim,
          'sigma-a2': P.sigmaA2,
          sigma2: 0.18,
        }),
      },
    ],
    tables: [
      {
        caption: 'Per σ²',
        header: ['σ²', 'tasks', 'ε − c', 'SE', 'finite-d theory', 'max R̂'],
        rows: pts.map((p) => [
          p.sigma2,
          p.tasks,
          p.mean,
          p.se,
          safe(() => solveCubicFiniteD({ ...P, sigma2: p.sigma2 }).learnedCubic) ?? NaN,
          `${fmt(p.rhatMax, 3)}${p.rhatMax <= 1.05 ? '' : ' ✗'}`,
        ]),
      },
    ],
  };
}

/** The finite-P theory's |a| (exact mode integral), or the saddle point where its quadrature refuses (deep GMFL-II). */
function finitePA(p: Parameters<typeof solveModularFiniteP>[0], saddle: { sigma2: number; a: number }[]): number {
  try {
    return solveModularFiniteP(p, { gridPoints: 100 }).a;
  } catch {
    return saddle.reduce((b, c) => (Math.abs(c.sigma2 - p.sigma2) < Math.abs(b.sigma2 - p.sigma2) ? c : b)).a;
  }
}

async function modularSection(rows: CollectRow[]): Promise<ReportSection> {
  const r0 = rows.find((r) => r.status === 'done') ?? rows[0]!;
  const sc = modularScenario({ prime: r0.prime as number, width: r0.width as number, gamma: r0.gamma as number });
  const par = { prime: sc.prime, width: sc.width, sigmaA2: sc.sigmaA2, gamma: sc.gamma };
  const pts = group(rows, 'a');
  // the finite-N theory comes with each task (computed where the network ran); mean over the tasks of a σ²
  const thN = group(rows, 'theoryFiniteN');
  const th = modularCurve(par, { lambdaNormalization: 'first-principles', points: 121 });
  const grid = linspace(0.6 * sc.gmfl2Onset, 1.25 * sc.gmfl1Onset, 41);
  const finiteP = grid.map((sigma2) => ({ sigma2, a: finitePA({ ...par, sigma2 }, th.curve) }));
  const svg = await lineChartSvg({
    title: `Modular addition, P = ${sc.prime}, N = ${sc.width}, γ = ${sc.gamma}: |a|`,
    xLabel: 'σ²',
    yLabel: '|a|',
    width: 640,
    height: 400,
    marks: [
      { x: sc.gmfl1Onset, label: 'GMFL-I' },
      { x: sc.gmfl2Onset, label: 'GMFL-II' },
    ],
    series: [
      { name: 'saddle-point theory (P → ∞ weights)', x: th.curve.map((c) => c.sigma2), y: th.curve.map((c) => c.a) },
      { name: 'finite-P theory (exact mode integral)', x: finiteP.map((c) => c.sigma2), y: finiteP.map((c) => c.a) },
      ...(thN.length
        ? [{ name: `finite-N theory (cavity), N = ${sc.width}`, x: thN.map((c) => c.sigma2), y: thN.map((c) => c.mean) }]
        : []),
      langevinSeries('Langevin (mean over ensembles)', pts),
    ],
  });
  return {
    title: 'Modular addition (paper Fig. 3, network side) from the sweep',
    paragraphs: [
      `${doneCount(rows)} of ${rows.length} tasks done. Theories at the same P, N, σ_a², γ: the finite-P one (exact single-mode integral; the saddle point where its quadrature refuses) and the finite-N one (readout integrated exactly, cavity action; from the tasks).`,
    ],
    figures: [
      {
        svg,
        caption:
          "|a| against σ²: theories at the same P, N, σ_a², γ and the sweep's Langevin ensembles (mean ± SE; hollow: some task with R̂ > 1.05).",
        explorer: explorerUrl('modular', {
          prime: sc.prime,
          width: sc.width,
          'sigma-a2': sc.sigmaA2,
          gamma: sc.gamma,
          'lambda-normalization': 'first-principles',
          sigma2: sc.gmfl1Onset,
        }),
      },
    ],
    tables: [
      {
        caption: 'Per σ²',
        header: ['σ²', 'tasks', '|a|', 'SE', 'finite-P theory', 'finite-N theory', 'max R̂'],
        rows: pts.map((p) => [
          p.sigma2,
          p.tasks,
          p.mean,
          p.se,
          finitePA({ ...par, sigma2: p.sigma2 }, th.curve),
          thN.find((t) => t.sigma2 === p.sigma2)?.mean ?? '—',
          `${fmt(p.rhatMax, 3)}${p.rhatMax <= 1.05 ? '' : ' ✗'}`,
        ]),
      },
    ],
  };
}

export const command: Command = {
  name: 'report',
  summary:
    'paper-size figures from a collected sweep (planned by `demo cubic` or `demo modular` in full size, run by `demo sweep run`)',
  usage: [
    'demo report --from <dir> [--out-dir <dir>] [--json]   (cubic-point or modular-point sweeps; done tasks are averaged per σ², pending ones skipped)',
  ],
  flags: [{ name: 'from', type: 'string', placeholder: '<dir>', required: true, description: 'the sweep folder' }],
  async run(ctx) {
    const dir = ctx.flags.requireString('from');
    ctx.flags.assertAllUsed();
    let c;
    try {
      c = collectSweep(dir);
    } catch (e) {
      throw new UsageError(`--from ${dir}: ${(e as Error).message.split('\n')[0]}`);
    }
    const section =
      c.experiment === 'cubic-point'
        ? await cubicSection(c.rows)
        : c.experiment === 'modular-point'
          ? await modularSection(c.rows)
          : null;
    if (!section)
      throw new UsageError(`--from ${dir}: a '${c.experiment}' sweep has no paper figure; allowed: cubic-point|modular-point`);
    mkdirSync(ctx.outDir, { recursive: true });
    const path = join(ctx.outDir, `report-${c.experiment}.html`);
    writeReport(
      path,
      renderReport({
        title: `sftdl: ${c.experiment} sweep`,
        subtitle: `from ${dir}`,
        sections: [section],
        footer: `Generated by \`pnpm demo report --from\` on ${new Date().toISOString()}.`,
      }),
    );
    const done = doneCount(c.rows);
    ctx.emit(
      { report: path, experiment: c.experiment, tasks: c.rows.length, done, table: section.tables[0] },
      `report: ${path} (${done}/${c.rows.length} tasks done)`,
    );
  },
};
