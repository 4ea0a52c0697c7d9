/**
 * The CLI fuzz suite: generated bad flags and bad data files for every `demo` command, the driver that runs them
 * in-process (runner.ts, restarted on a time-out) and the checks every result must pass:
 *
 * - exit code 0 or 2 (never 1, never a signal, never a time-out);
 * - at most one line on stderr (cases run with `--quiet`, which keeps errors but drops notes and progress);
 * - exit 0 with `--json`: stdout is exactly one JSON object, no non-finite number (JSON.stringify writes them as
 *   null) and no `null` other than the documented ones ({@link DOCUMENTED_NULLS});
 * - exit 2 with `--json`: stdout is `{ "error": { "type", "message" } }`.
 *
 * The sample is drawn with a fixed seed; `full` draws many more cases (run `pnpm --filter @sftdl/demo fuzz --full`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const root = resolve(import.meta.dirname, '../../../..');
export const cliPath = join(root, 'apps/demo/src/cli.ts');
const runnerPath = join(root, 'apps/demo/test/fuzz/runner.ts');
export const nodeArgs = ['--conditions=@sftdl/source', '--import', 'tsx'];

// ---------------------------------------------------------------------------------------------------------------
// Seeded generator (mulberry32): the same seed gives the same cases on every machine.

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// ---------------------------------------------------------------------------------------------------------------
// Data files

/** Writes the data files (valid and broken) into `dir`; returns their paths by name. */
export function writeDataFiles(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const r = rng(7);
  const row = (d: number) => Array.from({ length: d }, () => Math.round((r() * 4 - 2) * 1e6) / 1e6);
  const x = Array.from({ length: 10 }, () => row(3));
  const y = x.map((v) => v[0]! - 0.5 * v[1]! + 0.25 * v[2]! ** 3);
  const xTest = Array.from({ length: 4 }, () => row(3));
  const yTest = xTest.map((v) => v[0]! - 0.5 * v[1]! + 0.25 * v[2]! ** 3);
  const files: Record<string, unknown> = {
    valid: { x, y, xTest, yTest },
    validNoTest: { x, y },
    empty: '',
    invalidJson: '{"x": [[1, 2], [3',
    array: [],
    nullJson: null,
    object: {},
    missingY: { x },
    missingX: { y },
    ragged: {
      x: [
        [1, 2, 3],
        [1, 2],
        [3, 4, 5],
      ],
      y: [1, 2, 3],
    },
    nanStrings: {
      x: [
        [1, 'NaN', 3],
        [1, 2, 3],
      ],
      y: [1, 2],
    },
    nullEntries: {
      x: [
        [1, null, 3],
        [1, 2, 3],
      ],
      y: [1, 2],
    },
    mismatched: { x, y: y.slice(0, 7) },
    singleRow: { x: [x[0]], y: [y[0]] },
    duplicateRows: { x: [x[0], x[0], x[1], x[1], x[0]], y: [y[0], y[0], y[1], y[1], y[0]] },
    zeros: { x: x.map((v) => v.map(() => 0)), y },
    hugeX: { x: x.map((v) => v.map((q) => q * 1e300)), y },
    hugeY: { x, y: y.map((q) => q * 1e200) },
    tinyX: { x: x.map((v) => v.map((q) => q * 1e-310)), y },
    emptyRows: { x: [[], []], y: [1, 2] },
    emptyX: { x: [], y: [] },
    yMatrix: { x, y: y.map((q) => [q, -q]) },
    yWrongShape: { x, y: 'abc' },
    xTestMismatch: { x, y, xTest: [[1, 2]], yTest: [1] },
    yTestWithoutX: { x, y, yTest: [1, 2] },
    nestedDeep: { x: [[[1]], [[2]]], y: [1, 2] },
    wideRow: { x: [row(300), row(300)], y: [1, 2] },
  };
  const paths: Record<string, string> = {};
  for (const [name, v] of Object.entries(files)) {
    const p = join(dir, `${name}.json`);
    writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v));
    paths[name] = p;
  }
  // a ~2 MB file, refused by `--max-memory 4M` before it is parsed
  const big = { x: Array.from({ length: 20000 }, () => row(5)), y: Array.from({ length: 20000 }, () => 1) };
  paths.big = join(dir, 'big.json');
  writeFileSync(paths.big, JSON.stringify(big));
  paths.missing = join(dir, 'does-not-exist.json');
  paths.directory = dir;
  paths.link = join(dir, 'link.json');
  try {
    symlinkSync(paths.valid!, paths.link);
  } catch {
    paths.link = paths.valid!;
  }
  return paths;
}

// ---------------------------------------------------------------------------------------------------------------
// Commands

interface CommandSpec {
  /** argv of a valid, fast run (before the data path is filled in). */
  base: (f: Record<string, string>, out: string) => string[];
  /** Numeric flags to mutate. */
  numeric: string[];
  /** Flags that take a word (choice, name, path) and what to put there. */
  words?: Record<string, string[]>;
  /** Required flags (to drop). */
  required?: string[];
  /** Uses --data. */
  data?: boolean;
  /** Relative weight in the sample (slow scenarios are drawn rarely). */
  weight: number;
}

export const COMMANDS: Record<string, CommandSpec> = {
  backends: { base: () => ['backends'], numeric: [], weight: 0.3 },
  'data cubic': {
    base: (_f, out) => ['data', 'cubic', '--samples', '12', '--dim', '3', '--seed', '1', '--out', join(out, 'd.json')],
    numeric: ['samples', 'dim', 'seed', 'epsilon', 'test-samples', 'magnetization'],
    required: ['samples', 'dim'],
    words: { inputs: ['gaussian', 'sphere', 'spins', 'cubes'] },
    weight: 1,
  },
  'data other': {
    base: (_f, out) => ['data', 'two-layer', '--samples', '8', '--dim', '3', '--width', '4', '--out', join(out, 'e.json')],
    numeric: ['samples', 'dim', 'width', 'sigma-w2', 'sigma-a2', 'seed'],
    words: { activation: ['erf', 'relu', 'tanh', 'linear', 'gelu'] },
    weight: 0.5,
  },
  'data modular': {
    base: () => ['data', 'modular', '--prime', '5'],
    numeric: ['prime', 'train-fraction', 'seed'],
    required: ['prime'],
    weight: 0.5,
  },
  kernel: {
    base: (f) => ['kernel', '--activation', 'relu', '--depth', '2', '--sigma-w2', '2', '--bias-var', '0.1', '--data', f.valid!],
    numeric: ['depth', 'sigma-w2', 'bias-var', 'width'],
    required: ['activation', 'depth', 'sigma-w2', 'bias-var', 'data'],
    words: {
      activation: ['erf', 'step', 'tanh', 'constructor', '__proto__', 'he3', 'he999', 'relu2', 'toString'],
      parameterization: ['ntk', 'standard', 'mean-field'],
      backend: ['reference', 'ml-matrix', 'tfjs', 'openblas', 'nope'],
    },
    data: true,
    weight: 2,
  },
  gp: {
    base: (f) => [
      'gp',
      '--activation',
      'erf',
      '--depth',
      '2',
      '--sigma-w2',
      '1.5',
      '--bias-var',
      '0.1',
      '--sigma2',
      '0.1',
      '--data',
      f.valid!,
    ],
    numeric: ['depth', 'sigma-w2', 'bias-var', 'sigma2', 'restarts', 'seed'],
    required: ['activation', 'depth', 'sigma-w2', 'bias-var', 'sigma2', 'data'],
    words: {
      activation: ['relu', 'step', 'constructor', 'cube'],
      backend: ['reference', 'ml-matrix', 'tfjs', 'nope'],
      fit: ['true', 'false', 'maybe'],
    },
    data: true,
    weight: 2,
  },
  train: {
    base: (f) => ['train', '--data', f.valid!, '--width', '4', '--sigma2', '0.1', '--steps', '60', '--chains', '2'],
    numeric: ['width', 'sigma2', 'sigma-w2', 'sigma-a2', 'steps', 'burn-in', 'chains', 'thin', 'seed'],
    required: ['data', 'sigma2', 'width'],
    words: {
      model: ['two-layer', 'three-layer', 'attention', 'cnn'],
      activation: ['erf', 'relu', 'tanh', 'square', 'sin'],
      lr: ['auto', '0.01', '-1', 'fast'],
      chi: ['1', 'N', '0', 'mean-field', 'x'],
    },
    data: true,
    weight: 2,
  },
  msa: {
    base: (f) => ['msa', '--data', f.valid!, '--width', '20', '--sigma-w2', '1', '--sigma-a2', '1', '--sigma2', '0.1'],
    numeric: ['width', 'chi', 'sigma-w2', 'sigma-a2', 'sigma2', 'samples', 'seed'],
    required: ['data', 'width', 'sigma-w2', 'sigma-a2', 'sigma2'],
    words: { activation: ['linear', 'erf', 'relu', 'tanh'] },
    data: true,
    weight: 2,
  },
  'grokking cubic': {
    base: () => [
      'grokking',
      'cubic',
      '--epsilon',
      '0.3',
      '--sigma-w2',
      '1',
      '--sigma-a2',
      '1',
      '--width',
      '100',
      '--samples',
      '100',
      '--dim',
      '10',
      '--sigma2',
      '0.1',
    ],
    numeric: ['epsilon', 'sigma-w2', 'sigma-a2', 'width', 'samples', 'dim', 'sigma2'],
    required: ['epsilon', 'sigma-w2', 'sigma-a2', 'width', 'samples', 'dim'],
    words: { limit: ['thermodynamic', 'finite', 'infinite'], m11: ['corrected', 'printed', 'x'], 'find-transition': ['true'] },
    weight: 1.5,
  },
  'grokking modular': {
    base: () => ['grokking', 'modular', '--prime', '11', '--width', '100', '--sigma-a2', '1', '--gamma', '1', '--points', '5'],
    numeric: ['prime', 'width', 'sigma-a2', 'gamma', 'points'],
    required: ['prime', 'width', 'sigma-a2', 'gamma'],
    words: { 'lambda-normalization': ['paper', 'first-principles', 'other'], sigma2: ['0.1,0.2', '0.1,-1', 'a,b', ''] },
    weight: 1,
  },
  'scaling predict': {
    base: () => ['scaling', 'predict', '--model', 'two-layer', '--target', 'he3'],
    numeric: ['width-exponent', 'gamma'],
    words: { model: ['two-layer', 'three-layer', 'attention', 'cnn', 'mlp'], target: ['he1', 'he3', 'he0', 'he99', 'x'] },
    weight: 0.7,
  },
  'scaling measure': {
    base: () => [
      'scaling',
      'measure',
      '--dims',
      '8',
      '--seeds',
      '1',
      '--bootstrap',
      '10',
      '--test-samples',
      '50',
      '--p-multiples',
      '0.5,1',
    ],
    numeric: ['seeds', 'bootstrap', 'test-samples', 'sigma2', 'width-exponent', 'threshold', 'seed'],
    words: { runner: ['linear', 'gp', 'nn'], dims: ['8', '8,16', '0', '1e9', 'a'], 'p-multiples': ['1', '0', '-1,2', '1e9'] },
    weight: 0.7,
  },
  tour: {
    base: (_f, out) => ['tour', '--quick', '--out-dir', out],
    numeric: ['seed', 'beta', 'chains', 'steps', 'langevin-seconds', 'aligned-chains'],
    words: { backend: ['reference', 'nope'] },
    weight: 0.15,
  },
  cubic: {
    base: (_f, out) => ['cubic', '--quick', '--out-dir', out],
    numeric: ['seed', 'beta', 'chains', 'steps'],
    words: { sigma2: ['0.2,0.1', '0.1', '-1,2'] },
    weight: 0.15,
  },
  modular: {
    base: (_f, out) => ['modular', '--quick', '--out-dir', out],
    numeric: ['points', 'seed'],
    words: {
      'screened-coupling': ['linear', 'exact', 'other'],
      'screened-discrepancy': ['second-order', 'deterministic-equivalent', 'x'],
    },
    weight: 0.15,
  },
  'msa-regimes': { base: (_f, out) => ['msa-regimes', '--quick', '--out-dir', out], numeric: ['seed'], weight: 0.1 },
  'scaling-table': { base: (_f, out) => ['scaling-table', '--quick', '--out-dir', out], numeric: ['seed'], weight: 0.1 },
};

/** Values that break numeric flags (plus "no value": a switch where a number belongs). */
export const BAD_NUMBERS = [
  '0',
  '-1',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e300',
  '1e9',
  '1e-300',
  'abc',
  '',
  '1.5',
  '-0',
  '1e400',
  '0x10',
  '2,3',
  '1000003',
];
const BAD_DATA = [
  'empty',
  'invalidJson',
  'array',
  'nullJson',
  'object',
  'missingY',
  'missingX',
  'ragged',
  'nanStrings',
  'nullEntries',
  'mismatched',
  'singleRow',
  'duplicateRows',
  'zeros',
  'hugeX',
  'hugeY',
  'tinyX',
  'emptyRows',
  'emptyX',
  'yMatrix',
  'yWrongShape',
  'xTestMismatch',
  'yTestWithoutX',
  'nestedDeep',
  'wideRow',
  'missing',
  'directory',
  'link',
  'validNoTest',
];

export interface FuzzCase {
  id: number;
  command: string;
  mutation: string;
  argv: string[];
}

function setFlag(argv: string[], name: string, value: string | true): string[] {
  const out = [...argv];
  const i = out.indexOf(`--${name}`);
  const hasValue = i >= 0 && out[i + 1] !== undefined && !out[i + 1]!.startsWith('--');
  if (i >= 0) out.splice(i, hasValue ? 2 : 1);
  if (value === true) out.push(`--${name}`);
  else out.push(`--${name}=${value}`);
  return out;
}

function dropFlag(argv: string[], name: string): string[] {
  const out = [...argv];
  const i = out.indexOf(`--${name}`);
  if (i >= 0) out.splice(i, out[i + 1] !== undefined && !out[i + 1]!.startsWith('--') ? 2 : 1);
  return out;
}

/**
 * Draws `count` cases with the seeded generator: one or two mutations of a valid base run each (a bad number, a
 * bad word, a dropped required flag, an unknown or misspelt flag, a broken data file, a tiny memory budget…).
 */
export function generateCases(o: { seed: number; count: number; files: Record<string, string>; outDir: string }): FuzzCase[] {
  const r = rng(o.seed);
  const names = Object.keys(COMMANDS);
  const total = names.reduce((s, n) => s + COMMANDS[n]!.weight, 0);
  const drawCommand = (): string => {
    let u = r() * total;
    for (const n of names) {
      u -= COMMANDS[n]!.weight;
      if (u <= 0) return n;
    }
    return names[names.length - 1]!;
  };
  const cases: FuzzCase[] = [];
  for (let id = 0; id < o.count; id++) {
    const command = drawCommand();
    const spec = COMMANDS[command]!;
    let argv = spec.base(o.files, join(o.outDir, `c${id}`));
    const notes: string[] = [];
    const mutations = id % 11 === 0 ? 0 : r() < 0.25 ? 2 : 1; // every 11th case is the valid base run
    for (let m = 0; m < mutations; m++) {
      const kinds = [
        'number',
        'number',
        'number',
        'word',
        'drop',
        'unknown',
        'typo',
        'switch',
        ...(spec.data ? ['data', 'data', 'data', 'budget'] : []),
      ];
      const kind = pick(r, kinds);
      if (kind === 'number' && spec.numeric.length) {
        const f = pick(r, spec.numeric),
          v = pick(r, BAD_NUMBERS);
        argv = setFlag(argv, f, v);
        notes.push(`--${f}=${v}`);
      } else if (kind === 'word' && spec.words) {
        const f = pick(r, Object.keys(spec.words)),
          v = pick(r, spec.words[f]!);
        argv = setFlag(argv, f, v);
        notes.push(`--${f}=${v}`);
      } else if (kind === 'drop' && spec.required?.length) {
        const f = pick(r, spec.required);
        argv = dropFlag(argv, f);
        notes.push(`drop --${f}`);
      } else if (kind === 'unknown') {
        argv = [...argv, '--frobnicate', '3'];
        notes.push('unknown flag');
      } else if (kind === 'typo' && spec.numeric.length) {
        const f = pick(r, spec.numeric);
        const typo = f.length > 3 ? f.slice(0, 1) + f.slice(2, 3) + f.slice(1, 2) + f.slice(3) : `${f}x`;
        argv = setFlag(argv, typo, '2');
        notes.push(`typo --${typo}`);
      } else if (kind === 'switch' && spec.numeric.length) {
        const f = pick(r, spec.numeric);
        argv = setFlag(argv, f, true);
        notes.push(`--${f} without a value`);
      } else if (kind === 'data') {
        const d = pick(r, BAD_DATA);
        argv = setFlag(argv, 'data', o.files[d]!);
        notes.push(`--data ${d}`);
      } else if (kind === 'budget') {
        argv = [...setFlag(argv, 'data', o.files.big!), '--max-memory', '4M'];
        notes.push('--data big --max-memory 4M');
      }
    }
    // most cases read the JSON contract; some exercise the human-readable output
    if (r() < 0.8) argv.push('--json');
    // a small work budget: every run that would take more than ~10 s must be refused by its estimate (exit 2)
    argv.push('--quiet', '--max-work', '1e10');
    cases.push({ id, command, mutation: notes.join(' ') || 'valid', argv });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

/**
 * JSON paths (dot-separated, array indices as `[]`) where `null` is documented output:
 * - `meta.width` (kernel): no `--width` given (the infinite-width kernel);
 * - `gmfl2Onset` (grokking modular and the tour's modular part): no GMFL-II onset exists on the curve;
 * - `curve[].xPlus`, `curve[].sPlus` (grokking modular): no non-trivial saddle at that σ² (the un-learned phase);
 * - `parts.cubic.overlapHistograms[].qStar` (tour, cubic scenario) and `qStar` (grokking cubic at a given σ²): Ŝ has
 *   no non-trivial minimum there (the GFL phase).
 */
export const DOCUMENTED_NULLS = new Set([
  'meta.width',
  'gmfl2Onset',
  'qStar',
  'curve[].xPlus',
  'curve[].sPlus',
  'parts.modular.gmfl2Onset',
  'parts.cubic.overlapHistograms[].qStar',
]);

/** Every null and non-finite number in a parsed JSON value, as paths. */
export function nullPaths(v: unknown, path = ''): string[] {
  if (v === null) return [path];
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [path];
  if (Array.isArray(v)) return v.flatMap((x) => nullPaths(x, `${path}[]`));
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => nullPaths(x, path ? `${path}.${k}` : k));
  return [];
}

export interface CaseResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The contract violations of one result (empty when it passes). */
export function violations(c: { argv: string[] }, r: CaseResult | 'timeout', capMs: number): string[] {
  if (r === 'timeout') return [`no result within ${capMs / 1000} s`];
  const out: string[] = [];
  if (r.code !== 0 && r.code !== 2) out.push(`exit ${r.code} (expected 0 or 2)`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const debug = c.argv.includes('--debug');
  if (!debug && lines.length > 1) out.push(`${lines.length} lines on stderr: ${JSON.stringify(lines.slice(0, 3))}`);
  if (!debug && lines.some((l) => /^\s+at /.test(l))) out.push('a stack trace on stderr');
  if (r.code === 2 && !(lines.length === 1 && lines[0]!.startsWith('error: ')))
    out.push(`exit 2 without a one-line 'error:' message: ${JSON.stringify(lines)}`);
  const json = c.argv.includes('--json');
  if (json && (r.code === 0 || r.code === 2)) {
    const text = r.stdout.trim();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      out.push(`stdout is not one JSON object: ${JSON.stringify(text.slice(0, 200))}`);
    }
    if (parsed !== undefined) {
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) out.push('stdout JSON is not an object');
      else if (r.code === 2) {
        const e = (parsed as { error?: { type?: unknown; message?: unknown } }).error;
        if (!e || typeof e.type !== 'string' || typeof e.message !== 'string')
          out.push(`exit 2 without { error: { type, message } } on stdout: ${text.slice(0, 200)}`);
      } else {
        const bad = [...new Set(nullPaths(parsed))].filter((p) => !DOCUMENTED_NULLS.has(p));
        if (bad.length) out.push(`undocumented null / non-finite at ${bad.slice(0, 5).join(', ')}`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Driver

/** Runs cases in a long-lived in-process runner; a case over its time cap kills the runner (a fresh one starts). */
export class FuzzDriver {
  private child: ChildProcessWithoutNullStreams | undefined;
  private pending = new Map<number, (r: CaseResult) => void>();
  private ready: Promise<void> | undefined;

  private start(): Promise<void> {
    const child = spawn(process.execPath, [...nodeArgs, runnerPath], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.resume();
    const rl = createInterface({ input: child.stdout });
    this.ready = new Promise((res) => {
      rl.on('line', (line) => {
        let m: { ready?: boolean; id?: number } & Partial<CaseResult>;
        try {
          m = JSON.parse(line);
        } catch {
          return;
        }
        if (m.ready) {
          res();
          return;
        }
        const cb = this.pending.get(m.id!);
        if (cb) {
          this.pending.delete(m.id!);
          cb(m as CaseResult);
        }
      });
    });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    return this.ready;
  }

  async run(id: number, argv: string[], capMs: number): Promise<CaseResult | 'timeout'> {
    if (!this.child) await this.start();
    await this.ready;
    const child = this.child!;
    return new Promise((res) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        child.kill('SIGKILL');
        if (this.child === child) this.child = undefined;
        res('timeout');
      }, capMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        res(r);
      });
      child.stdin.write(JSON.stringify({ id, argv }) + '\n');
    });
  }

  close(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }
}

/** Runs `cases`; returns the failures (case + violations) and the counts. */
export async function runCases(
  cases: FuzzCase[],
  o: { capMs: number; onResult?: (c: FuzzCase, r: CaseResult | 'timeout', v: string[]) => void },
): Promise<{ tried: number; passed: number; failures: { c: FuzzCase; v: string[]; r: CaseResult | 'timeout' }[] }> {
  const driver = new FuzzDriver();
  const failures: { c: FuzzCase; v: string[]; r: CaseResult | 'timeout' }[] = [];
  try {
    for (const c of cases) {
      const r = await driver.run(c.id, c.argv, o.capMs);
      const v = violations(c, r, o.capMs);
      o.onResult?.(c, r, v);
      if (v.length) failures.push({ c, v, r });
    }
  } finally {
    driver.close();
  }
  return { tried: cases.length, passed: cases.length - failures.length, failures };
}
