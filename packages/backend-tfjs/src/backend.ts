import {
  type BackendProbe,
  type BackendProvider,
  type BinaryOp,
  type CholeskyOptions,
  type ComputeBackend,
  type EighResult,
  type GramOptions,
  type Mat,
  type MatmulOptions,
  type Precision,
  type ReduceAxis,
  type ReduceOp,
  type TriangularSolveOptions,
  type UnaryOp,
  BackendUnavailableError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeError,
  UNARY_OPS,
  assertFinite,
  matmulDims,
  referenceBackend,
} from '@sftdl/compute';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The TensorFlow.js engine: `node` = @tensorflow/tfjs-node (native libtensorflow), `wasm` = XNNPACK/SIMD, `cpu` = plain JS. */
export type TfjsEngine = 'node' | 'wasm' | 'cpu';

export interface CreateTfjsBackendOptions {
  /** Engine to use; `auto` (default) tries node → wasm → cpu and takes the first that loads. */
  engine?: TfjsEngine | 'auto';
}

const NAME = 'tfjs';
const F32_MAX = 3.4028234663852886e38;
const TFJS_BACKEND_NAME: Record<TfjsEngine, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

// ---------------------------------------------------------------------------------------------------------------
// Engine loading (each engine is loaded at most once per process; failures are remembered with their reason).

const loading = new Map<
  TfjsEngine,
  Promise<{ ok: true; details: Record<string, string | number | boolean> } | { ok: false; reason: string }>
>();

function errorText(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return s.split('\n')[0]!.slice(0, 300);
}

async function loadEngine(
  engine: TfjsEngine,
): Promise<{ ok: true; details: Record<string, string | number | boolean> } | { ok: false; reason: string }> {
  try {
    if (engine === 'node') {
      // Never a dependency: libtensorflow is a large native download. Resolved at run time only.
      const spec = '@tensorflow/tfjs-node';
      try {
        await import(/* @vite-ignore */ spec);
      } catch (err) {
        return {
          ok: false,
          reason: `@tensorflow/tfjs-node did not load (${errorText(err)}); install it with 'pnpm add @tensorflow/tfjs-node' on a machine that can download libtensorflow, or use engine 'wasm'`,
        };
      }
      if (!(await tf.setBackend(TFJS_BACKEND_NAME.node)))
        return { ok: false, reason: "@tensorflow/tfjs-node loaded but its 'tensorflow' backend failed to initialise" };
      return { ok: true, details: { threads: 'libtensorflow (inter-op pool)' } };
    }
    if (engine === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // Serve the .wasm binaries from the package's dist folder: no network, works in Node.
      const req = createRequire(import.meta.url);
      const dist = path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
      wasm.setWasmPaths(dist);
      if (!(await tf.setBackend(TFJS_BACKEND_NAME.wasm)))
        return { ok: false, reason: 'the tfjs wasm backend failed to initialise (see the warning above)' };
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const mt = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      return { ok: true, details: { simd, threads: mt ? wasm.getThreadsCount() : 1, wasmVersion: wasm.version_wasm } };
    }
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend(TFJS_BACKEND_NAME.cpu))) return { ok: false, reason: 'the tfjs cpu backend failed to initialise' };
    // We report the engine ourselves; silence tfjs's one-time "install tfjs-node" banner.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return { ok: true, details: { threads: 1 } };
  } catch (err) {
    return { ok: false, reason: `${engine} engine failed to load: ${errorText(err)}` };
  }
}

function ensureEngine(engine: TfjsEngine) {
  let p = loading.get(engine);
  if (!p) {
    p = loadEngine(engine);
    loading.set(engine, p);
  }
  return p;
}

/** Makes `engine` the active tfjs backend (synchronous for an initialised backend). */
function activate(engine: TfjsEngine): void {
  const name = TFJS_BACKEND_NAME[engine];
  if (tf.getBackend() !== name) {
    void tf.setBackend(name);
    if (tf.getBackend() !== name)
      throw new BackendUnavailableError({ backend: NAME, reason: `could not switch tfjs to the '${name}' backend` });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function checkF32(m: Mat, what: string): void {
  assertFinite(m, what);
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    if (Math.abs(d[i]!) > F32_MAX)
      throw new InvalidArgumentError(
        `${what}: entry ${d[i]} at ${i} overflows float32 (|x| > 3.4e38); rescale the input or use a float64 backend`,
      );
  }
}

function f32Mat(m: Mat): Mat {
  const d = new Float64Array(m.data.length);
  for (let i = 0; i < d.length; i++) d[i] = Math.fround(m.data[i]!);
  return { rows: m.rows, cols: m.cols, data: d };
}

function checkResult(d: Float64Array, cols: number, what: string, why: string): void {
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      throw new InvalidArgumentError(
        `${what}: float32 result is ${d[i]} at (${Math.floor(i / Math.max(cols, 1))}, ${i % Math.max(cols, 1)}); ${why} — rescale the input or use a float64 backend`,
      );
    }
  }
}

function t2(m: Mat): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols], 'float32');
}

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function unaryTensor(x: tf.Tensor, op: UnaryOp): tf.Tensor {
  switch (op) {
    case 'identity':
      return tf.clone(x);
    case 'neg':
      return tf.neg(x);
    case 'abs':
      return tf.abs(x);
    case 'square':
      return tf.square(x);
    case 'sqrt':
      return tf.sqrt(x);
    case 'exp':
      return tf.exp(x);
    case 'log':
      return tf.log(x);
    case 'log1p':
      return tf.log1p(x);
    case 'reciprocal':
      return tf.reciprocal(x);
    case 'sin':
      return tf.sin(x);
    case 'cos':
      return tf.cos(x);
    case 'tanh':
      return tf.tanh(x);
    case 'erf':
      return tf.erf(x);
    case 'relu':
      return tf.relu(x);
    case 'step':
      return tf.step(x, 0);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softplus':
      return tf.softplus(x);
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1));
    case 'erfDeriv':
      return tf.mul(tf.exp(tf.neg(tf.square(x))), TWO_OVER_SQRT_PI);
    case 'tanhDeriv':
      return tf.sub(1, tf.square(tf.tanh(x)));
    case 'sigmoidDeriv': {
      const s = tf.sigmoid(x);
      return tf.mul(s, tf.sub(1, s));
    }
  }
}

function binaryTensor(a: tf.Tensor, b: tf.Tensor, op: BinaryOp): tf.Tensor {
  switch (op) {
    case 'add':
      return tf.add(a, b);
    case 'sub':
      return tf.sub(a, b);
    case 'mul':
      return tf.mul(a, b);
    case 'div':
      return tf.div(a, b);
    case 'max':
      return tf.maximum(a, b);
    case 'min':
      return tf.minimum(a, b);
  }
}

// ---------------------------------------------------------------------------------------------------------------

function makeBackend(engine: TfjsEngine, details: Record<string, string | number | boolean>): ComputeBackend {
  // Runs a tfjs computation inside tidy (intermediates freed), reads the result back and frees it.
  const run = (fn: () => tf.Tensor): Float64Array => {
    activate(engine);
    const t = tf.tidy(fn);
    try {
      return Float64Array.from(t.dataSync() as Float32Array);
    } finally {
      t.dispose();
    }
  };
  const host = referenceBackend;

  const matmul = (a: Mat, b: Mat, o: MatmulOptions = {}): Mat => {
    const { m, n, k, alpha, transA: ta, transB: tb } = matmulDims(a, b, o);
    checkF32(a, 'matmul: A');
    checkF32(b, 'matmul: B');
    if (m === 0 || n === 0 || k === 0) return { rows: m, cols: n, data: new Float64Array(m * n) };
    const out: Mat = { rows: m, cols: n, data: run(() => tf.matMul(t2(a), t2(b), ta, tb)) };
    if (alpha !== 1) for (let i = 0; i < out.data.length; i++) out.data[i] = Math.fround(alpha * out.data[i]!);
    checkResult(out.data, n, 'matmul', 'the product overflows float32');
    return out;
  };

  const gram = (a: Mat, o: GramOptions = {}): Mat => {
    const tr = o.trans ?? false;
    const g = matmul(a, a, tr ? { transA: true, alpha: o.alpha ?? 1 } : { transB: true, alpha: o.alpha ?? 1 });
    const n = g.rows,
      d = g.data;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[j * n + i] = d[i * n + j]!;
    return g;
  };

  // Host fallbacks: the input is rounded to float32 (what a float32 device would hold), factorised in float64 by the
  // reference backend, and the result rounded back to float32. Precision stays honestly float32.
  const round = (m: Mat): Mat => {
    for (let i = 0; i < m.data.length; i++) m.data[i] = Math.fround(m.data[i]!);
    return m;
  };
  const relabel = (err: unknown): never => {
    if (NotPositiveDefiniteError.isInstance(err)) {
      throw new NotPositiveDefiniteError({
        pivot: err.pivot,
        backend: NAME,
        suggestedJitter: err.suggestedJitter,
        detail: 'float32 input, host factorisation',
      });
    }
    throw err;
  };

  const cholesky = (a: Mat, o: CholeskyOptions = {}): Mat => {
    if (a.rows !== a.cols) return host.cholesky(a, o); // throws the ShapeError
    checkF32(a, 'cholesky: A');
    try {
      return round(host.cholesky(f32Mat(a), o.jitter === undefined ? {} : { jitter: Math.fround(o.jitter) }));
    } catch (err) {
      return relabel(err);
    }
  };
  const triangularSolve = (t: Mat, b: Mat, o: TriangularSolveOptions = {}): Mat => {
    checkF32(t, 'triangularSolve: T');
    checkF32(b, 'triangularSolve: B');
    const x = round(host.triangularSolve(f32Mat(t), f32Mat(b), o));
    checkResult(x.data, x.cols, 'triangularSolve', 'the solution overflows float32 (nearly singular factor)');
    return x;
  };
  const choleskySolve = (l: Mat, b: Mat): Mat => {
    checkF32(l, 'choleskySolve: L');
    checkF32(b, 'choleskySolve: B');
    const x = round(host.choleskySolve(f32Mat(l), f32Mat(b)));
    checkResult(x.data, x.cols, 'choleskySolve', 'the solution overflows float32 (nearly singular factor)');
    return x;
  };
  const choleskyLogDet = (l: Mat): number => {
    checkF32(l, 'choleskyLogDet: L');
    return Math.fround(host.choleskyLogDet(f32Mat(l)));
  };
  const eigh = (a: Mat): EighResult => {
    checkF32(a, 'eigh: A');
    const r = host.eigh(f32Mat(a));
    for (let i = 0; i < r.values.length; i++) r.values[i] = Math.fround(r.values[i]!);
    round(r.vectors);
    return r;
  };

  const map = (a: Mat, op: UnaryOp): Mat => {
    if (!UNARY_OPS.includes(op)) throw new InvalidArgumentError(`unknown unary op '${op}'; known: ${UNARY_OPS.join(', ')}`);
    checkF32(a, `map(${op})`);
    if (a.data.length === 0) return { rows: a.rows, cols: a.cols, data: new Float64Array(0) };
    const out: Mat = { rows: a.rows, cols: a.cols, data: run(() => unaryTensor(t2(a), op)) };
    checkResult(out.data, a.cols, `map(${op})`, 'the input is outside the domain of the op or overflows float32');
    return out;
  };

  const binary = (a: Mat, b: Mat, op: BinaryOp): Mat => {
    if (!['add', 'sub', 'mul', 'div', 'max', 'min'].includes(op))
      throw new InvalidArgumentError(`unknown binary op '${op}'; known: add, sub, mul, div, max, min`);
    const fits =
      (b.rows === a.rows && b.cols === a.cols) || (b.rows === 1 && b.cols === a.cols) || (b.cols === 1 && b.rows === a.rows);
    if (!fits)
      throw new ShapeError(
        `binary(${op}): B of shape [${b.rows}, ${b.cols}] does not fit or broadcast to A of shape [${a.rows}, ${a.cols}]`,
      );
    checkF32(a, `binary(${op}): A`);
    checkF32(b, `binary(${op}): B`);
    if (a.data.length === 0) return { rows: a.rows, cols: a.cols, data: new Float64Array(0) };
    const out: Mat = { rows: a.rows, cols: a.cols, data: run(() => binaryTensor(t2(a), t2(b), op)) };
    checkResult(out.data, a.cols, `binary(${op})`, 'division by zero or float32 overflow');
    return out;
  };

  const affine = (a: Mat, alpha: number, beta = 0): Mat => {
    if (!Number.isFinite(alpha) || !Number.isFinite(beta))
      throw new InvalidArgumentError(`affine: alpha and beta must be finite, got ${alpha}, ${beta}`);
    checkF32(a, 'affine: A');
    if (a.data.length === 0) return { rows: a.rows, cols: a.cols, data: new Float64Array(0) };
    const out: Mat = { rows: a.rows, cols: a.cols, data: run(() => tf.add(tf.mul(t2(a), alpha), beta)) };
    checkResult(out.data, a.cols, 'affine', 'float32 overflow');
    return out;
  };

  const reduce = (a: Mat, op: ReduceOp, axis: ReduceAxis): Float64Array => {
    if (!['rows', 'cols', 'all'].includes(axis))
      throw new InvalidArgumentError(`reduce: axis must be 'rows', 'cols' or 'all', got '${String(axis)}'`);
    if (!['sum', 'mean', 'max', 'min', 'sumsq'].includes(op))
      throw new InvalidArgumentError(`unknown reduce op '${op}'; known: sum, mean, max, min, sumsq`);
    checkF32(a, `reduce(${op})`);
    if (a.data.length === 0) return host.reduce(a, op, axis);
    const ax = axis === 'rows' ? 1 : axis === 'cols' ? 0 : undefined;
    const out = run(() => {
      const x = t2(a);
      return op === 'sum'
        ? tf.sum(x, ax)
        : op === 'mean'
          ? tf.mean(x, ax)
          : op === 'max'
            ? tf.max(x, ax)
            : op === 'min'
              ? tf.min(x, ax)
              : tf.sum(tf.square(x), ax);
    });
    checkResult(out, out.length, `reduce(${op})`, 'float32 overflow');
    return out;
  };

  const transpose = (a: Mat): Mat => {
    checkF32(a, 'transpose: A');
    return round(host.transpose(a));
  };

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: NAME,
    precision: 'float32' as const,
    info: Object.freeze({
      engine,
      tfjs: tf.version_core,
      hostFallback:
        'cholesky, triangularSolve, choleskySolve, choleskyLogDet, eigh (float64 on float32-rounded input, rounded to float32)',
      ...details,
    }),
    matmul,
    gram,
    cholesky,
    triangularSolve,
    choleskySolve,
    choleskyLogDet,
    eigh,
    map,
    binary,
    affine,
    reduce,
    transpose,
  });
}

/**
 * Creates the float32 TensorFlow.js backend on the requested engine.
 *
 * matmul, gram and the elementwise/reduction ops run in tfjs (float32); Cholesky, triangular/Cholesky solves, logdet
 * and eigh run on the host in float64 on the float32-rounded input and are rounded back to float32, so
 * `precision` is honestly `'float32'`. The engine in use is in `backend.info.engine`.
 *
 * *When to use*: fast float32 GEMM-heavy work (kernels of wide networks, sampling) where ~1e-6 relative error is fine.
 *
 * *Gotchas*: tfjs keeps one global active backend; each op re-activates this backend's engine, so wasm and cpu
 * instances can coexist but should not be used concurrently from async code. Inputs beyond the float32 range throw
 * `InvalidArgumentError`. `@tensorflow/tfjs-node` is never installed by this package: the `node` engine works only if
 * you install it yourself. In Node the wasm engine is single-threaded (SIMD when available).
 *
 * @param options - `{ engine: 'node' | 'wasm' | 'cpu' | 'auto' }`, default `'auto'` (node → wasm → cpu).
 * @throws BackendUnavailableError when the requested engine does not load (the reason says how to fix it).
 * @example
 * ```ts
 * import { createTfjsBackend } from '@sftdl/backend-tfjs';
 * const backend = await createTfjsBackend({ engine: 'wasm' });
 * backend.info?.engine; // 'wasm'
 * ```
 */
export async function createTfjsBackend(options: CreateTfjsBackendOptions = {}): Promise<ComputeBackend> {
  const requested = options.engine ?? 'auto';
  if (!['auto', 'node', 'wasm', 'cpu'].includes(requested)) {
    throw new InvalidArgumentError(
      `createTfjsBackend: engine must be 'node', 'wasm', 'cpu' or 'auto', got '${String(requested)}'`,
    );
  }
  const order: TfjsEngine[] = requested === 'auto' ? ['node', 'wasm', 'cpu'] : [requested];
  const reasons: string[] = [];
  for (const engine of order) {
    const r = await ensureEngine(engine);
    if (r.ok) return makeBackend(engine, r.details);
    reasons.push(`${engine}: ${r.reason}`);
  }
  throw new BackendUnavailableError({ backend: NAME, reason: reasons.join('; ') });
}

/**
 * Checks whether an engine loads, without throwing. Returns the reason when it does not.
 *
 * @example
 * ```ts
 * const probe = await probeTfjsEngine('node'); // { available: false, reason: '@tensorflow/tfjs-node did not load …' } here
 * ```
 */
export async function probeTfjsEngine(engine: TfjsEngine): Promise<{ available: boolean; reason?: string }> {
  const r = await ensureEngine(engine);
  return r.ok ? { available: true } : { available: false, reason: r.reason };
}

/**
 * `selectBackend` provider of the tfjs backend: float32 only, priority 5, engine `auto` (node → wasm → cpu).
 *
 * @example
 * ```ts
 * import { selectBackend } from '@sftdl/compute';
 * import { provider } from '@sftdl/backend-tfjs';
 * const { backend } = await selectBackend({ precision: 'float32', providers: [provider] });
 * ```
 */
export const provider: BackendProvider = Object.freeze({
  name: NAME,
  precisions: Object.freeze(['float32'] as const),
  priority: 5,
  async probe(): Promise<BackendProbe> {
    const reasons: string[] = [];
    for (const engine of ['node', 'wasm', 'cpu'] as const) {
      const r = await ensureEngine(engine);
      if (r.ok) return { name: NAME, precision: ['float32'], available: true, engine };
      reasons.push(`${engine}: ${r.reason}`);
    }
    return { name: NAME, precision: ['float32'], available: false, reason: reasons.join('; ') };
  },
  async create({ precision }: { precision: Precision }): Promise<ComputeBackend> {
    if (precision !== 'float32')
      throw new BackendUnavailableError({ backend: NAME, reason: `computes in float32 only (asked for ${precision})` });
    return createTfjsBackend({ engine: 'auto' });
  },
});
