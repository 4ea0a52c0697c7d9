import { InvalidArgumentError, type Mat } from '@sftdl/compute';
import { type Key, keyToJSON, split } from '@sftdl/field';
import { type InputKind, type InputOptions, sampleInputs } from './inputs';
import type { Dataset, Teacher } from './types';

/** Options of {@link makeDataset}. */
export interface MakeDatasetOptions extends InputOptions {
  /** Key of the inputs (train and test inputs come from split children). */
  key: Key;
  /** Integer seed recorded in the metadata (when the key came from `key(seed)`). */
  seed?: number;
  /** Number of training samples n. */
  samples: number;
  /** Number of test samples (default 0). */
  testSamples?: number;
  /** Input distribution (default 'gaussian'; 'tokens' uses Gaussian tokens for the attention teacher). */
  inputs?: InputKind;
  /** Rows per generated chunk (default 4096); any chunk size gives identical data. */
  chunkSize?: number;
}

/**
 * Streams (x, y) in chunks of rows without materialising the whole dataset. Row i of the stream is a pure
 * function of (key, i), so chunking never changes the data.
 */
export function* datasetChunks(
  teacher: Teacher,
  o: { key: Key; samples: number; inputs?: InputKind; chunkSize?: number } & InputOptions,
): Generator<{ offset: number; x: Mat; y: Mat }> {
  const chunk = o.chunkSize ?? 4096;
  if (!Number.isInteger(o.samples) || o.samples < 0)
    throw new InvalidArgumentError(`samples must be a non-negative integer, got ${o.samples}`);
  if (!Number.isInteger(chunk) || chunk < 1) throw new InvalidArgumentError(`chunkSize must be a positive integer, got ${chunk}`);
  for (let off = 0; off < o.samples; off += chunk) {
    const rows = Math.min(chunk, o.samples - off);
    const x = sampleInputs(o.key, o.inputs ?? 'gaussian', rows, teacher.dim, { ...o, offset: (o.offset ?? 0) + off });
    yield { offset: off, x, y: teacher.evaluate(x) };
  }
}

function collect(teacher: Teacher, k: Key, n: number, o: MakeDatasetOptions): { x: Mat; y: Mat } {
  const x = new Float64Array(n * teacher.dim);
  const y = new Float64Array(n * teacher.outputs);
  for (const c of datasetChunks(teacher, { ...o, key: k, samples: n })) {
    x.set(c.x.data, c.offset * teacher.dim);
    y.set(c.y.data, c.offset * teacher.outputs);
  }
  return { x: { rows: n, cols: teacher.dim, data: x }, y: { rows: n, cols: teacher.outputs, data: y } };
}

/**
 * Draws a train (and optional test) set from a teacher. Train and test inputs come from independent children of
 * `key`, so the same key always gives the same data, and the train set does not depend on the test size.
 *
 * @example
 * ```ts
 * const k = key(0);
 * const [kt, kd] = split(k, 2);
 * const ds = makeDataset(cubicTeacher({ dim: 20, epsilon: -0.3, key: kt }), { key: kd, samples: 500, testSamples: 100 });
 * ```
 */
export function makeDataset(teacher: Teacher, o: MakeDatasetOptions): Dataset {
  const nTest = o.testSamples ?? 0;
  if (!Number.isInteger(nTest) || nTest < 0)
    throw new InvalidArgumentError(`testSamples must be a non-negative integer, got ${nTest}`);
  const [kTrain, kTest] = split(o.key, 2);
  const tr = collect(teacher, kTrain!, o.samples, o);
  const ds: Dataset = {
    x: tr.x,
    y: tr.y,
    meta: {
      teacher: teacher.name,
      inputs: teacher.name === 'attention' ? 'tokens' : (o.inputs ?? 'gaussian'),
      samples: o.samples,
      testSamples: nTest,
      dim: teacher.dim,
      outputs: teacher.outputs,
      key: keyToJSON(o.key),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...teacher.meta,
      params: { ...teacher.meta.params },
    },
  };
  if (nTest > 0) {
    const te = collect(teacher, kTest!, nTest, o);
    ds.xTest = te.x;
    ds.yTest = te.y;
  }
  return ds;
}

function rows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

function targets(m: Mat): number[] | number[][] {
  return m.cols === 1 ? Array.from(m.data) : rows(m);
}

/**
 * The CLI data-file format: `{ x: number[][], y: number[] | number[][], xTest?, yTest?, meta }` (rows are samples;
 * scalar targets as a flat array).
 */
export function datasetToJSON(ds: Dataset): Record<string, unknown> {
  const out: Record<string, unknown> = { x: rows(ds.x), y: targets(ds.y) };
  if (ds.xTest) out.xTest = rows(ds.xTest);
  if (ds.yTest) out.yTest = targets(ds.yTest);
  out.meta = ds.meta;
  return out;
}
