import { InvalidArgumentError } from '@sftdl/compute';
import type { Json } from './hash';

/** One axis of a grid: a parameter name and the values it takes, in order. */
export interface GridAxis {
  name: string;
  values: Json[];
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses one scalar value of `--grid`/`--set`: numbers (`0.1`, `1e-3`, `-2`), `true`/`false`, `null`, JSON arrays or
 * objects (`[1,2]`, `{"a":1}`), anything else is a string.
 */
export function parseValue(text: string): Json {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (t !== '' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t) as Json;
    } catch {
      /* a string after all */
    }
  }
  return t;
}

function expandRange(name: string, spec: string): number[] | null {
  const m = /^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*(?::\s*(\d+)\s*)?$/.exec(spec);
  if (!m) return null;
  const a = Number(m[1]),
    b = Number(m[2]),
    step = m[3] === undefined ? 1 : Number(m[3]);
  if (step < 1) throw new InvalidArgumentError(`--grid: axis '${name}': range step must be ≥ 1, got '${spec}'`);
  if (b < a) throw new InvalidArgumentError(`--grid: axis '${name}': range '${spec}' is empty (end before start)`);
  if ((b - a) / step > 1e6)
    throw new InvalidArgumentError(`--grid: axis '${name}': range '${spec}' has more than a million values`);
  const out: number[] = [];
  for (let v = a; v <= b; v += step) out.push(v);
  return out;
}

/**
 * Parses a grid specification `name=v1,v2,…;name2=a..b[:step];…` into axes, in the order given.
 * Integer ranges `a..b` are inclusive (`seed=1..4` → 1, 2, 3, 4). An empty spec is a grid of one cell.
 *
 * @throws InvalidArgumentError (message starts with `--grid`) on a malformed axis, a duplicate name or an empty axis.
 * @example
 * ```ts
 * import { parseGrid } from '@sftdl/sweep';
 * const axes = parseGrid('sigma2=0.1,0.2;seed=1..3');
 * // [{ name: 'sigma2', values: [0.1, 0.2] }, { name: 'seed', values: [1, 2, 3] }]
 * ```
 */
export function parseGrid(spec: string): GridAxis[] {
  const axes: GridAxis[] = [];
  for (const part of spec.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`--grid: '${part.trim()}' is not of the form name=v1,v2,… or name=a..b`);
    const name = part.slice(0, eq).trim();
    const body = part.slice(eq + 1);
    if (!NAME_RE.test(name))
      throw new InvalidArgumentError(`--grid: '${name}' is not a valid parameter name (letters, digits, _ . -)`);
    if (axes.some((a) => a.name === name)) throw new InvalidArgumentError(`--grid: axis '${name}' is given twice`);
    const range = expandRange(name, body);
    const values =
      range ??
      body
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map(parseValue);
    if (values.length === 0) throw new InvalidArgumentError(`--grid: axis '${name}' has no values`);
    axes.push({ name, values });
  }
  return axes;
}

/** Parses `--set k=v` assignments into an object (values as in {@link parseValue}). */
export function parseAssignments(list: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const s of list) {
    const eq = s.indexOf('=');
    const name = eq < 0 ? '' : s.slice(0, eq).trim();
    if (eq < 0 || !NAME_RE.test(name)) throw new InvalidArgumentError(`--set: '${s}' is not of the form name=value`);
    out[name] = parseValue(s.slice(eq + 1));
  }
  return out;
}

/** Number of cells of a grid (the product of the axis lengths; 1 for no axes). */
export function gridSize(axes: readonly GridAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/**
 * The grid cell with row-major index `i` (the first axis varies slowest), merged over `base`: axis values override
 * base parameters of the same name.
 */
export function gridCell(axes: readonly GridAxis[], base: Readonly<Record<string, Json>>, i: number): Record<string, Json> {
  const total = gridSize(axes);
  if (!Number.isInteger(i) || i < 0 || i >= total)
    throw new InvalidArgumentError(`task index ${i} is outside the grid (0 … ${total - 1})`);
  const cell: Record<string, Json> = { ...base };
  let rest = i;
  for (let a = axes.length - 1; a >= 0; a--) {
    const axis = axes[a]!;
    cell[axis.name] = axis.values[rest % axis.values.length]!;
    rest = Math.floor(rest / axis.values.length);
  }
  return cell;
}
