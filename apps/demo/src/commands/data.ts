import { key as makeKey, split } from '@sftdl/field';
import {
  type Dataset,
  type InputKind,
  type Teacher,
  INPUT_KINDS,
  attentionTeacher,
  cubicTeacher,
  datasetToJSON,
  hermiteTeacher,
  isingTeacher,
  isPrime,
  linearTeacher,
  makeDataset,
  modularAddition,
  twoLayerTeacher,
} from '@sftdl/teachers';
import { UsageError } from '@sftdl/cli-kit';
import type { Command, CommandContext } from '../context';
import { checkBudget } from '../budget';
import { writeFileAtomic } from '../io';
import { dataEstimate } from '../sizes';

const TEACHERS = ['cubic', 'linear', 'hermite', 'two-layer', 'ising', 'attention', 'modular'] as const;
type TeacherName = (typeof TEACHERS)[number];

function buildTeacher(
  name: TeacherName,
  ctx: CommandContext,
  dim: number,
  teacherKey: ReturnType<typeof makeKey>,
): { teacher: Teacher; inputs: InputKind; pattern?: number[] } {
  const f = ctx.flags;
  switch (name) {
    case 'cubic':
      return {
        teacher: cubicTeacher({ dim, epsilon: f.number('epsilon', { default: -0.3 }), key: teacherKey }),
        inputs: f.choice('inputs', INPUT_KINDS, 'gaussian'),
      };
    case 'linear':
      return { teacher: linearTeacher({ dim, key: teacherKey }), inputs: f.choice('inputs', INPUT_KINDS, 'gaussian') };
    case 'hermite': {
      const coefficients = f.numberList('coefficients');
      if (!coefficients) throw new UsageError('--coefficients c0,c1,… is required for the hermite teacher (index = degree)');
      return {
        teacher: hermiteTeacher({ dim, coefficients, normalized: f.bool('normalized'), key: teacherKey }),
        inputs: f.choice('inputs', INPUT_KINDS, 'gaussian'),
      };
    }
    case 'two-layer':
      return {
        teacher: twoLayerTeacher({
          dim,
          key: teacherKey,
          width: f.number('width', { integer: true, positive: true, default: 8 }),
          activation: f.choice('activation', ['erf', 'relu', 'tanh', 'linear'] as const, 'erf'),
          sigmaW2: f.number('sigma-w2', { positive: true, default: 1 }),
          sigmaA2: f.number('sigma-a2', { positive: true, default: 1 }),
        }),
        inputs: f.choice('inputs', INPUT_KINDS, 'gaussian'),
      };
    case 'ising': {
      const teacher = isingTeacher({ dim, key: teacherKey, variant: f.choice('variant', ['sign', 'linear'] as const, 'sign') });
      return { teacher, inputs: 'spins', pattern: teacher.meta.params.pattern as number[] };
    }
    case 'attention':
      return {
        teacher: attentionTeacher({
          dim,
          context: f.number('context', { integer: true, positive: true, default: 4 }),
          key: teacherKey,
        }),
        inputs: 'gaussian',
      };
    default:
      throw new UsageError(`unknown teacher '${name}'`);
  }
}

export const command: Command = {
  name: 'data',
  summary: 'generate a seeded teacher-student dataset (CLI data format)',
  usage: [
    `demo data <${TEACHERS.join('|')}> --samples n --dim d --seed s [--epsilon e] [--test-samples m] [--inputs gaussian|sphere|spins] --out F [--json]`,
    'demo data hermite --coefficients 0,1,0,0.5 [--normalized] …   demo data two-layer --width N --activation erf …',
    'demo data attention --context L …   demo data ising [--magnetization m] [--variant sign|linear] …',
    'demo data modular --prime P [--train-fraction f] [--seed s] [--allow-composite] --out F [--json]',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const name = f.positionals[0];
    if (!name || !(TEACHERS as readonly string[]).includes(name))
      throw new UsageError(`data needs a teacher: one of ${TEACHERS.join('|')}${name ? `, got '${name}'` : ''}`);
    const seed = f.number('seed', { integer: true, min: 0, default: 0 });
    const out = f.string('out');
    let ds: Dataset;
    if (name === 'modular') {
      const prime = f.requireNumber('prime', { integer: true, min: 2 });
      const allowComposite = f.bool('allow-composite');
      if (!allowComposite && !isPrime(prime))
        throw new UsageError(`--prime must be prime, got ${prime} (or pass --allow-composite)`);
      const trainFraction = f.number('train-fraction', { min: 0, max: 1 });
      if (trainFraction !== undefined && !(trainFraction > 0)) throw new UsageError('--train-fraction must lie in (0, 1]');
      f.assertAllUsed();
      // all P² pairs (a, b) as two-hot rows of length 2P with one-hot targets of length P
      checkBudget(ctx.budget, {
        what: `modular addition with P = ${prime} (${prime}² = ${prime * prime} rows of length ${2 * prime})`,
        ...dataEstimate({ rows: prime * prime, dim: 2 * prime, outputs: prime }),
        flags: '--prime',
      });
      ds = modularAddition({
        prime,
        allowComposite,
        key: makeKey(seed),
        ...(trainFraction !== undefined ? { trainFraction } : {}),
      });
      ds.meta.seed = seed;
    } else {
      const samples = f.requireNumber('samples', { integer: true, min: 1 });
      const dim = f.requireNumber('dim', { integer: true, min: 1 });
      const testSamples = f.number('test-samples', { integer: true, min: 0, default: 0 });
      const magnetization = f.number('magnetization', { min: -0.999999, max: 0.999999 });
      const est = dataEstimate({ rows: samples + testSamples, dim: dim + 1, outputs: 1 });
      if (name === 'two-layer') {
        // the teacher network itself: width × (dim + 1) weights, evaluated on every row
        const tw = f.number('width', { integer: true, positive: true, default: 8 });
        est.bytes += 16 * tw * (dim + 1);
        est.flops += 4 * (samples + testSamples) * tw * (dim + 1);
      }
      checkBudget(ctx.budget, {
        what: `a data set of ${samples + testSamples} rows of dimension ${dim}${name === 'two-layer' ? ' from a two-layer teacher' : ''}`,
        ...est,
        flags: name === 'two-layer' ? '--samples, --test-samples, --dim or --width' : '--samples, --test-samples or --dim',
      });
      const [teacherKey, dataKey] = split(makeKey(seed), 2);
      const { teacher, inputs, pattern } = buildTeacher(name as TeacherName, ctx, dim, teacherKey!);
      f.assertAllUsed();
      ds = makeDataset(teacher, {
        key: dataKey!,
        seed,
        samples,
        testSamples,
        inputs,
        ...(magnetization !== undefined ? { magnetization } : {}),
        ...(pattern ? { pattern } : {}),
      });
    }
    if (!out && !ctx.json) throw new UsageError('--out F is required (or pass --json to print only the summary)');
    const summary = { samples: ds.meta.samples, dim: ds.meta.dim, outputs: ds.meta.outputs, meta: ds.meta };
    if (out) {
      writeFileAtomic(out, JSON.stringify(datasetToJSON(ds)));
      ctx.log(
        `wrote ${out} (${ds.meta.samples} samples${ds.meta.testSamples ? ` + ${ds.meta.testSamples} test` : ''}, dim ${ds.meta.dim}, ${ds.meta.outputs} output${ds.meta.outputs > 1 ? 's' : ''})`,
      );
    }
    ctx.emit(
      summary,
      `teacher ${ds.meta.teacher}: ${ds.meta.samples} samples, dim ${ds.meta.dim}, outputs ${ds.meta.outputs}${out ? `\nwritten to ${out}` : ''}`,
    );
  },
};
