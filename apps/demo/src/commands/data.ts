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
import { extname } from 'node:path';
import { writeDataset } from '@sftdl/io';
import { COMMON_FLAGS, UsageError } from '@sftdl/cli-kit';
import type { Command, CommandContext } from '../context';
import { checkBudget } from '../budget';
import { fileError, writeFileAtomic } from '../io';
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
    `demo data <${TEACHERS.join('|')}> --samples <n> --dim <n> [flags] --out <file>`,
    'demo data modular --prime <n> [--train-fraction <x>] [--allow-composite] --out <file>',
  ],
  flags: [
    {
      name: 'out',
      type: 'string',
      placeholder: '<file>',
      description:
        'the data file to write: .json holds { x, y, xTest?, yTest?, meta }; .npy or .csv one table [x | y] (no test split); required unless --json',
    },
    { name: 'samples', type: 'integer', description: 'training rows n (required except for modular)' },
    { name: 'dim', type: 'integer', description: 'input dimension d (required except for modular)' },
    { name: 'test-samples', type: 'integer', default: 0, description: 'test rows (written as xTest, yTest)' },
    COMMON_FLAGS.seed,
    {
      name: 'inputs',
      type: 'choice',
      choices: INPUT_KINDS,
      default: 'gaussian',
      description: 'input distribution (cubic, linear, hermite, two-layer)',
    },
    { name: 'epsilon', type: 'number', default: -0.3, description: 'cubic: strength ε of the cubic term' },
    {
      name: 'coefficients',
      type: 'list',
      description: 'hermite: coefficients c0,c1,… (index = degree; required for hermite)',
    },
    { name: 'normalized', type: 'switch', description: 'hermite: normalised Hermite polynomials' },
    { name: 'width', type: 'integer', default: 8, description: 'two-layer: teacher width' },
    {
      name: 'activation',
      type: 'choice',
      choices: ['erf', 'relu', 'tanh', 'linear'],
      default: 'erf',
      description: 'two-layer: teacher activation',
    },
    { name: 'sigma-w2', type: 'number', default: 1, description: 'two-layer: teacher read-in weight variance' },
    { name: 'sigma-a2', type: 'number', default: 1, description: 'two-layer: teacher read-out weight variance' },
    { name: 'variant', type: 'choice', choices: ['sign', 'linear'], default: 'sign', description: 'ising: the teacher' },
    { name: 'magnetization', type: 'number', description: 'ising: mean spin m of the inputs, in (−1, 1)' },
    { name: 'context', type: 'integer', default: 4, description: 'attention: context length L' },
    { name: 'prime', type: 'integer', description: 'modular: the modulus P (required for modular)' },
    { name: 'train-fraction', type: 'number', description: 'modular: fraction of the P² table used for training, in (0, 1]' },
    { name: 'allow-composite', type: 'switch', description: 'modular: accept a composite P' },
  ],
  output: [
    { key: 'samples', description: 'training rows' },
    { key: 'dim', description: 'input dimension' },
    { key: 'outputs', description: 'output dimension' },
    { key: 'meta', description: 'teacher, seed and parameters (as written into the file)' },
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
      const ext = extname(out).toLowerCase();
      if (['.npy', '.csv', '.tsv', '.txt'].includes(ext)) {
        if (ds.xTest) throw new UsageError(`--out ${out}: a ${ext} table holds one split; drop --test-samples or write .json`);
        try {
          writeDataset(out, { x: ds.x, y: ds.y });
        } catch (e) {
          throw fileError(e, out, 'write');
        }
      } else writeFileAtomic(out, JSON.stringify(datasetToJSON(ds)));
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
