import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@sftdl/cli-kit';
import { ConvergenceError } from '@sftdl/compute';
import {
  cubicActionProfile,
  cubicCriticalPoint,
  cubicInvariants,
  gflDiscrepancy,
  modularCurve,
  modularModeProfile,
  reducedActionCubic,
  solveCubicFiniteD,
  solveCubicThermodynamic,
} from '@sftdl/solvers';
import type { CubicSolution, CubicTeacherParams, M11Convention } from '@sftdl/solvers';
import type { Command, CommandContext } from '../context';
import { checkBudget } from '../budget';
import { writeFileAtomic } from '../io';
import { modularCurveEstimate } from '../sizes';
import { lineChartSvg } from '../plot';

const fmt = (v: number | null | undefined, digits = 6) =>
  v === null || v === undefined ? '—' : Number.isFinite(v) ? v.toPrecision(digits) : String(v);

async function writeSvg(ctx: CommandContext, name: string, svg: string): Promise<string> {
  mkdirSync(ctx.outDir, { recursive: true });
  const path = join(ctx.outDir, name);
  writeFileAtomic(path, svg);
  return path;
}

async function cubic(ctx: CommandContext): Promise<void> {
  const f = ctx.flags;
  const base = {
    epsilon: f.requireNumber('epsilon'),
    sigmaW2: f.requireNumber('sigma-w2', { positive: true }),
    sigmaA2: f.requireNumber('sigma-a2', { positive: true }),
    width: f.requireNumber('width', { positive: true }),
    samples: f.requireNumber('samples', { positive: true }),
    dim: f.requireNumber('dim', { positive: true }),
  };
  const sigma2 = f.number('sigma2', { positive: true });
  const findTransition = f.bool('find-transition');
  const limit = f.choice('limit', ['thermodynamic', 'finite'] as const, 'thermodynamic');
  const m11Convention = f.choice('m11', ['corrected', 'printed'] as const, 'corrected') as M11Convention;
  const along = f.choice('along', ['sigma2', 'width', 'samples'] as const, 'sigma2');
  f.assertAllUsed();
  if (!findTransition && along !== 'sigma2') throw new UsageError('--along is used with --find-transition');
  if (findTransition && along === 'sigma2' && sigma2 !== undefined)
    throw new UsageError(
      '--find-transition scans σ²; drop --sigma2 (or pass --along width|samples to scan another parameter at this σ²)',
    );
  if (findTransition && along !== 'sigma2' && sigma2 === undefined)
    throw new UsageError(`--along ${along} needs --sigma2 (the fixed noise of the path)`);
  if (!findTransition && sigma2 === undefined) throw new UsageError('missing required flag --sigma2 (or pass --find-transition)');
  if (findTransition && limit === 'finite')
    throw new UsageError(
      '--limit finite: at finite d the transition is a crossover, not a sharp point; use --limit thermodynamic with --find-transition, or solve finite d at given --sigma2 values',
    );
  const critical = (p: Parameters<typeof cubicCriticalPoint>[0], o: Parameters<typeof cubicCriticalPoint>[1]) => {
    try {
      return cubicCriticalPoint(p, o);
    } catch (e) {
      if (ConvergenceError.isInstance(e) && /no first-order transition/.test(e.message)) {
        throw new UsageError(
          `--epsilon ${base.epsilon}: no first-order transition exists on this ${o?.along ?? 'sigma2'} path (u in [1e-4, 1e8])${base.epsilon === 0 ? '; with epsilon 0 the teacher has no cubic term to grok, use a non-zero --epsilon' : '; try another --epsilon or --sigma-w2'}`,
        );
      }
      throw e;
    }
  };
  const crit = critical(base, { m11Convention });
  if (findTransition) {
    const tr = along === 'sigma2' ? crit : critical({ ...base, sigma2: sigma2 as number }, { m11Convention, along });
    const out = {
      uCritical: tr.uCritical,
      sigma2Critical: tr.sigma2Critical,
      qStar: tr.qStar,
      b: tr.b,
      kappaCritical: tr.kappaCritical,
      uSpinodal: tr.uSpinodal,
      along,
      criticalValue: tr.criticalValue,
      spinodalValue: tr.spinodalValue,
      limit: 'thermodynamic',
    };
    if (ctx.json) return ctx.emit(out);
    const files = await cubicPlots(ctx, base, crit.sigma2Critical, m11Convention);
    return ctx.emit(
      out,
      [
        `cubic teacher, d → ∞ first-order transition (${along} path)`,
        `  u_c      ${fmt(tr.uCritical)}      σ²_c  ${fmt(tr.sigma2Critical)}   κ_c ${fmt(tr.kappaCritical)}   ${along}_c ${fmt(tr.criticalValue)}`,
        `  q*       ${fmt(tr.qStar)}      b_GFL(u_c) ${fmt(tr.b)}`,
        `  spinodal ${along} ${fmt(tr.spinodalValue)} (non-trivial minimum appears), u ${fmt(tr.uSpinodal)}`,
        ...files.map((p) => `  wrote ${p}`),
      ].join('\n'),
    );
  }
  const params: CubicTeacherParams = { ...base, sigma2: sigma2 as number };
  const sol: CubicSolution =
    limit === 'finite' ? solveCubicFiniteD(params, { m11Convention }) : solveCubicThermodynamic(params, { m11Convention });
  const out = {
    phase: sol.phase,
    b: sol.b,
    c: sol.c,
    learnedLinear: sol.learnedLinear,
    learnedCubic: sol.learnedCubic,
    qStar: sol.qStar,
    dropletDensity: sol.dropletDensity,
    u: sol.u,
    kappa: sol.kappa,
    dropletFraction: sol.dropletFraction,
    limit,
    sigma2Critical: crit.sigma2Critical,
    ...(sol.roots ? { roots: sol.roots } : {}),
    // −log p(q) = d·Ŝ(q) at this σ² with the solution's (b, c) (paper Fig. 2a/b), local minima marked
    ...cubicProfileJson(cubicActionProfile({ u: sol.u, b: sol.b, c: sol.c, sigmaW2: base.sigmaW2 }, base.dim)),
  };
  if (ctx.json) return ctx.emit(out);
  if (sol.roots && sol.roots.length > 1)
    ctx.log(`note: ${sol.roots.length} self-consistent roots (metastability); reporting the one with the largest b`);
  const files = await cubicPlots(ctx, base, params.sigma2, m11Convention);
  const rows: [string, string][] = [
    ['limit', limit],
    ['phase', sol.phase],
    ['u', fmt(sol.u)],
    ['κ', fmt(sol.kappa)],
    ['b (linear discrepancy)', fmt(sol.b)],
    ['c (cubic discrepancy)', fmt(sol.c)],
    ['learned linear 1 − b', fmt(sol.learnedLinear)],
    ['learned cubic ε − c', fmt(sol.learnedCubic)],
    ['q*', fmt(sol.qStar)],
    ['droplet density r', fmt(sol.dropletDensity)],
    ['σ²_c (d → ∞)', fmt(crit.sigma2Critical)],
  ];
  ctx.emit(
    out,
    [
      `cubic teacher at σ² = ${params.sigma2}`,
      ...rows.map(([k, v]) => `  ${k.padEnd(24)} ${v}`),
      ...files.map((p) => `  wrote ${p}`),
    ].join('\n'),
  );
}

/** The profile JSON: `profile: [{ q, action, minimum }]` and `profileMinima: [{ q, action }]`. */
function cubicProfileJson(p: ReturnType<typeof cubicActionProfile>) {
  return { profile: p.profile, profileMinima: p.minima };
}

/** Ŝ(q) landscapes around σ² and learned coefficients along the σ² path (d → ∞), as SVG. */
async function cubicPlots(
  ctx: CommandContext,
  base: Omit<CubicTeacherParams, 'sigma2'>,
  sigma2: number,
  m11Convention: M11Convention,
): Promise<string[]> {
  const crit = cubicCriticalPoint(base, { m11Convention });
  const qs = Array.from({ length: 241 }, (_, i) => (1.6 * i) / 240);
  const landscapes = [crit.sigma2Spinodal * 1.05, crit.sigma2Critical, sigma2, 0.8 * crit.sigma2Critical].map((s2) => {
    const { u, kappa } = cubicInvariants({ ...base, sigma2: s2 });
    const { b } = gflDiscrepancy({ u, kappa, sigmaW2: base.sigmaW2, m11Convention });
    return {
      name: `σ² = ${s2.toPrecision(4)}`,
      x: qs,
      y: qs.map((q) => reducedActionCubic(q, { u, b, c: base.epsilon, sigmaW2: base.sigmaW2 })),
    };
  });
  const f1 = await writeSvg(
    ctx,
    'grokking-cubic-landscape.svg',
    await lineChartSvg({
      series: landscapes,
      xLabel: 'q = w·w*',
      yLabel: 'Ŝ(q) (b = b_GFL, c = ε)',
      title: 'Cubic teacher: reduced action Ŝ(q)',
    }),
  );
  const grid = Array.from({ length: 36 }, (_, i) => 0.4 * crit.sigma2Critical + (1.4 * crit.sigma2Critical * i) / 35);
  const sols = grid.map((s2) => solveCubicThermodynamic({ ...base, sigma2: s2 }, { m11Convention }));
  const f2 = await writeSvg(
    ctx,
    'grokking-cubic-learned.svg',
    await lineChartSvg({
      series: [
        { name: 'learned cubic ε − c', x: grid, y: sols.map((s) => s.learnedCubic) },
        { name: 'learned linear 1 − b', x: grid, y: sols.map((s) => s.learnedLinear) },
      ],
      xLabel: 'σ²',
      yLabel: 'learned coefficient',
      title: 'Cubic teacher (d → ∞): learned coefficients',
      marks: [{ x: crit.sigma2Critical, label: 'σ²_c' }],
    }),
  );
  return [f1, f2];
}

/** One curve point per phase (the middle one of each phase), in curve order. */
function pickPerPhase<T extends { phase: string }>(curve: T[]): T[] {
  const out: T[] = [];
  for (const ph of ['GFL', 'GMFL-I', 'GMFL-II']) {
    const inPhase = curve.filter((c) => c.phase === ph);
    const mid = inPhase[Math.floor(inPhase.length / 2)];
    if (mid) out.push(mid);
  }
  return out;
}

async function modular(ctx: CommandContext): Promise<void> {
  const f = ctx.flags;
  const p = {
    prime: f.requireNumber('prime', { integer: true, min: 2 }),
    width: f.requireNumber('width', { positive: true }),
    sigmaA2: f.requireNumber('sigma-a2', { positive: true }),
    gamma: f.requireNumber('gamma', { positive: true }),
  };
  const lambdaNormalization = f.choice('lambda-normalization', ['paper', 'first-principles'] as const, 'paper');
  const points = f.number('points', { integer: true, min: 3, default: 61 });
  const sigma2List = f.numberList('sigma2', { positive: true });
  f.assertAllUsed();
  checkBudget(ctx.budget, {
    what: `the modular curve at ${sigma2List?.length ?? points} σ² points (P = ${p.prime})`,
    ...modularCurveEstimate({ prime: p.prime, points: sigma2List?.length ?? points }),
    flags: '--points or --prime',
  });
  const r = modularCurve(p, { lambdaNormalization, points, ...(sigma2List ? { sigma2: sigma2List } : {}) });
  // per-mode S_k/P = Ŝ_k(x) profiles (paper Fig. 3a): at every requested σ², or at one point per phase of the curve
  const profiled = sigma2List ? r.curve : pickPerPhase(r.curve);
  const out = {
    gmfl1Onset: r.gmfl1Onset,
    gmfl2Onset: r.gmfl2Onset,
    spinodal: r.spinodal,
    lambdaNormalization,
    curve: r.curve.map((c) => ({
      sigma2: c.sigma2,
      a: c.a,
      phase: c.phase,
      learned: c.learned,
      alignedFraction: c.alignedFraction,
      xPlus: c.xPlus,
      sPlus: c.sPlus,
    })),
    modeProfiles: profiled.map((c) => {
      const m = modularModeProfile(c.s, p.gamma);
      return {
        sigma2: c.sigma2,
        phase: c.phase,
        s: c.s,
        profile: m.profile.map((q) => ({ x: q.q, action: q.action, minimum: q.minimum })),
        minima: m.minima.map((q) => ({ x: q.q, action: q.action })),
      };
    }),
  };
  if (ctx.json) return ctx.emit(out);
  const marks = [
    { x: r.gmfl1Onset, label: 'GMFL-I' },
    { x: r.spinodal, label: 'spinodal' },
    ...(r.gmfl2Onset !== null ? [{ x: r.gmfl2Onset, label: 'GMFL-II' }] : []),
  ];
  const f1 = await writeSvg(
    ctx,
    'grokking-modular-discrepancy.svg',
    await lineChartSvg({
      series: [
        { name: '|a| (un-learned)', x: r.curve.map((c) => c.sigma2), y: r.curve.map((c) => c.a) },
        { name: '1 − |a| (learned)', x: r.curve.map((c) => c.sigma2), y: r.curve.map((c) => c.learned) },
      ],
      xLabel: 'σ²',
      yLabel: 'discrepancy',
      title: `Modular addition P = ${p.prime} (λ: ${lambdaNormalization})`,
      marks,
    }),
  );
  const f2 = await writeSvg(
    ctx,
    'grokking-modular-landscape.svg',
    await lineChartSvg({
      series: out.modeProfiles.map((c) => ({
        name: `σ² = ${c.sigma2.toPrecision(3)} (${c.phase})`,
        x: c.profile.map((q) => q.x),
        y: c.profile.map((q) => q.action),
      })),
      xLabel: 'x = |w_k|² = |v_k|²',
      yLabel: 'S_k/P = Ŝ_k(x)',
      title: 'Modular addition: per-mode action',
    }),
  );
  const rows = r.curve
    .filter((_, i) => i % Math.max(1, Math.floor(r.curve.length / 15)) === 0)
    .map((c) => `  ${fmt(c.sigma2, 5).padEnd(10)} ${fmt(c.a, 6).padEnd(12)} ${c.phase}`);
  ctx.emit(
    out,
    [
      `modular addition, P = ${p.prime}, λ normalisation: ${lambdaNormalization}`,
      `  GMFL-I onset σ² ${fmt(r.gmfl1Onset)}   GMFL-II onset σ² ${fmt(r.gmfl2Onset)}   spinodal σ² ${fmt(r.spinodal)}`,
      '  σ²         |a|          phase',
      ...rows,
      `  wrote ${f1}`,
      `  wrote ${f2}`,
    ].join('\n'),
  );
}

export const command: Command = {
  name: 'grokking',
  summary: 'grokking phase transition: cubic teacher and modular addition',
  usage: [
    'demo grokking cubic --epsilon e --sigma-w2 s --sigma-a2 A --width N --samples n --dim d --sigma2 s2 [--limit thermodynamic|finite] [--m11 corrected|printed] [--json]',
    'demo grokking cubic --epsilon e --sigma-w2 s --sigma-a2 A --width N --samples n --dim d --find-transition [--along sigma2|width|samples --sigma2 s2] [--json]',
    'demo grokking modular --prime P --width N --sigma-a2 A --gamma g [--lambda-normalization paper|first-principles] [--points m | --sigma2 s1,s2,…] [--json]',
    '  JSON nulls: gmfl2Onset = null when no GMFL-II onset exists on the curve; curve[].xPlus/sPlus = null where no non-trivial saddle exists (un-learned phase)',
    '  (--sigma-a2 is the TOTAL readout scale; per-weight variance σ_a²/N)',
    '  JSON nulls (cubic at --sigma2): qStar = null when Ŝ has no non-trivial minimum (GFL phase)',
    '  cubic at --sigma2: profile = [{ q, action, minimum }] is d·Ŝ(q) = −log p(q) + log p(0) on q ∈ [−qMax, qMax] with the minima inserted and marked (profileMinima)',
    '  modular: modeProfiles = [{ sigma2, phase, s, profile: [{ x, action, minimum }], minima }] is S_k/P = Ŝ_k(x) at each --sigma2 (or one σ² per phase)',
  ],
  flags: [
    { name: 'epsilon', type: 'number', description: 'cubic: strength ε of the teacher’s cubic term' },
    { name: 'sigma-w2', type: 'number', description: 'cubic: read-in weight variance σ_w² (> 0)' },
    { name: 'sigma-a2', type: 'number', description: 'read-out weight variance σ_a² (> 0)' },
    { name: 'width', type: 'number', description: 'network width N (> 0)' },
    { name: 'samples', type: 'number', description: 'cubic: training samples n (> 0)' },
    { name: 'dim', type: 'number', description: 'cubic: input dimension d (> 0)' },
    {
      name: 'sigma2',
      type: 'list',
      description: 'noise σ²: one value (cubic; required unless --find-transition) or a list of values (modular)',
    },
    { name: 'find-transition', type: 'switch', description: 'cubic: locate the first-order transition' },
    {
      name: 'limit',
      type: 'choice',
      choices: ['thermodynamic', 'finite'],
      default: 'thermodynamic',
      description: 'cubic: d → ∞ or finite-d saddle point',
    },
    {
      name: 'm11',
      type: 'choice',
      choices: ['corrected', 'printed'],
      default: 'corrected',
      description: 'cubic: the M11 convention (corrected, or as printed in the paper)',
    },
    {
      name: 'along',
      type: 'choice',
      choices: ['sigma2', 'width', 'samples'],
      default: 'sigma2',
      description: 'cubic --find-transition: the parameter scanned',
    },
    { name: 'prime', type: 'integer', description: 'modular: the modulus P (≥ 2)' },
    { name: 'gamma', type: 'number', description: 'modular: output scaling γ (> 0)' },
    {
      name: 'lambda-normalization',
      type: 'choice',
      choices: ['paper', 'first-principles'],
      default: 'paper',
      description: 'modular: normalisation of the kernel eigenvalues',
    },
    { name: 'points', type: 'integer', default: 61, description: 'modular: σ² points of the curve (≥ 3)' },
  ],
  async run(ctx) {
    const sub = ctx.flags.positionals[0];
    if (sub === 'cubic') return cubic(ctx);
    if (sub === 'modular') return modular(ctx);
    throw new UsageError(`grokking needs a sub-command: cubic|modular${sub ? `, got '${sub}'` : ''}`);
  },
};
