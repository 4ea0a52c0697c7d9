/** Tour part 4: predicted sample-complexity exponents (Rubin, Davidovich, Ringel, "curse of detail"). */
import { Fraction, builtinModels, parseTarget, predict } from '@sftdl/scaling';
import { Progress } from '../progress';
import type { PartContext, PartResult } from './types';

interface Row {
  model: string;
  target: string;
  scaling: Record<string, string>;
  exponent: string;
  kind: 'scaling' | 'lower-bound';
  mechanism: string;
  formula: string;
}

/** The table's configurations: model, target and exponents of N (ν), N₁/N₂ or the context length L (ℓ), in powers of d. */
export function scalingConfigs(full: boolean): { model: string; target: string; scaling: Record<string, string> }[] {
  const degrees = full ? ['he1', 'he3', 'he5', 'he7'] : ['he1', 'he3', 'he5']; // erf networks: odd targets only
  const nus = full ? ['1/2', '1', '3/2', '2', '3'] : ['1/2', '1', '2'];
  const out: { model: string; target: string; scaling: Record<string, string> }[] = [];
  for (const t of degrees) for (const nu of nus) out.push({ model: 'two-layer', target: t, scaling: { N: nu } });
  // the linear network's feature-learning row (N < d) is a lower bound only; its proportional row a scaling
  for (const nu of ['1/2', '1']) out.push({ model: 'two-layer-linear', target: 'he1', scaling: { N: nu } });
  for (const nu of full ? ['1/2', '1', '2'] : ['1', '2'])
    out.push({ model: 'three-layer', target: 'he3', scaling: { N1: nu, N2: nu } });
  for (const ell of full ? ['0', '1/2', '1', '2'] : ['0', '1/2', '1'])
    out.push({ model: 'attention', target: 'he3', scaling: { L: ell } });
  return out;
}

export async function runScalingPart(ctx: PartContext): Promise<PartResult> {
  const t0 = performance.now();
  const cfgs = scalingConfigs(ctx.full);
  const bar = new Progress('scaling: predicted exponents', cfgs.length, ctx.quiet);
  const failed: string[] = [];
  const rows: Row[] = [];
  cfgs.forEach((c, i) => {
    const scaling: Record<string, Fraction> = {};
    for (const [k, v] of Object.entries(c.scaling)) scaling[k] = Fraction.parse(v);
    try {
      const p = predict(builtinModels[c.model]!, { target: parseTarget(c.target), scaling });
      rows.push({
        model: c.model,
        target: c.target,
        scaling: c.scaling,
        exponent: p.pStarExponent.toString(),
        kind: p.kind,
        mechanism: p.mechanism,
        formula: p.formula,
      });
    } catch (e) {
      failed.push(`${c.model} ${c.target}: ${(e as Error).message.split('\n')[0]}`);
    }
    bar.update(i + 1);
  });
  const sc = (r: Row) =>
    Object.entries(r.scaling)
      .map(([k, v]) => `${k} = d^${v}`)
      .join(', ');
  const section = {
    title: 'Scaling: predicted sample-complexity exponents (Rubin, Davidovich, Ringel, ICLR 2026)',
    paragraphs: [
      'The variational scale analysis bounds the sample complexity P* at which a network learns a Hermite target He_k(w*·x) of its input dimension d: P* ∝ d^exponent, from the cheapest mechanism (GP, feature learning by "specialisation" of a few neurons, …), with the widths (and the attention context L) scaling as powers of d. Exponents are exact fractions from the LP in log space; O(1) prefactors are not predicted.',
      ...(failed.length ? [`Not predicted: ${failed.join('; ')}.`] : []),
    ],
    figures: [],
    tables: [
      {
        caption: 'Predicted P* ∝ d^exponent',
        header: ['model', 'target', 'scaling', 'P* exponent', 'kind', 'mechanism', 'E*'],
        rows: rows.map((r) => [r.model, r.target, sc(r), r.exponent, r.kind, r.mechanism, r.formula]),
      },
    ],
  };
  const summary = [
    '4. scaling (predicted P* ∝ d^x):',
    ...rows.map(
      (r) =>
        `   ${r.model.padEnd(16)} ${r.target.padEnd(4)} ${sc(r).padEnd(22)} x ${r.kind === 'lower-bound' ? '≥' : '='} ${r.exponent.padEnd(6)} ${r.mechanism}${r.kind === 'lower-bound' ? ' (lower bound)' : ''}`,
    ),
  ];
  return { name: 'scaling', section, summary, json: { rows, failed }, seconds: (performance.now() - t0) / 1000 };
}
