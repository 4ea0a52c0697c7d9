import { InvalidArgumentError } from '@sftdl/compute';
import { Fraction } from './fraction';

/** An affine form `coef·x + constant` over a vector of LP variables, with exact rational coefficients. */
export interface Affine {
  readonly coef: readonly Fraction[];
  readonly constant: Fraction;
}

/** Evaluates an affine form at a point. */
export function evalAffine(a: Affine, x: readonly Fraction[]): Fraction {
  let s = a.constant;
  for (let j = 0; j < a.coef.length; j++) if (!a.coef[j]!.isZero()) s = s.add(a.coef[j]!.mul(x[j]!));
  return s;
}

/** Solves the square system A x = b exactly; null when A is singular. */
function solveSquare(A: Fraction[][], b: Fraction[]): Fraction[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = -1;
    for (let r = c; r < n; r++)
      if (!M[r]![c]!.isZero()) {
        p = r;
        break;
      }
    if (p < 0) return null;
    if (p !== c) [M[p], M[c]] = [M[c]!, M[p]!];
    const piv = M[c]![c]!;
    for (let r = 0; r < n; r++) {
      if (r === c || M[r]![c]!.isZero()) continue;
      const f = M[r]![c]!.div(piv);
      for (let k = c; k <= n; k++) M[r]![k] = M[r]![k]!.sub(f.mul(M[c]![k]!));
    }
  }
  return M.map((row, i) => row[n]!.div(row[i]!));
}

/**
 * All vertices of the polyhedron {x ∈ ℚ^dim : a(x) ≤ 0 for every constraint a}, by exact enumeration of
 * every dim-subset of constraints taken as equalities (Gaussian elimination over the rationals).
 *
 * *When to use*: small exact LPs (a handful of variables and a dozen constraints), as in the exponent
 * calculator. The cost is C(m, dim) small solves, so keep problems tiny.
 *
 * *Gotchas*: a polyhedron containing a line has no vertices; bound every variable on at least one side.
 */
export function vertices(dim: number, constraints: readonly Affine[]): Fraction[][] {
  const m = constraints.length;
  const out: Fraction[][] = [];
  const seen = new Set<string>();
  if (dim === 0) return [[]];
  if (m < dim) return out;
  const idx = Array.from({ length: dim }, (_, i) => i);
  for (;;) {
    const A = idx.map((i) => [...constraints[i]!.coef]);
    const b = idx.map((i) => constraints[i]!.constant.neg());
    const x = solveSquare(A, b);
    if (x) {
      let ok = true;
      for (let i = 0; i < m && ok; i++) if (evalAffine(constraints[i]!, x).sign() > 0) ok = false;
      if (ok) {
        const k = x.map(String).join(',');
        if (!seen.has(k)) {
          seen.add(k);
          out.push(x);
        }
      }
    }
    // next combination
    let i = dim - 1;
    while (i >= 0 && idx[i] === m - dim + i) i--;
    if (i < 0) break;
    idx[i]!++;
    for (let j = i + 1; j < dim; j++) idx[j] = idx[j - 1]! + 1;
  }
  return out;
}

/** Result of {@link lpMinimize}: the exact optimum and one optimal vertex. */
export interface LpSolution {
  value: Fraction;
  x: Fraction[];
}

/**
 * Exact linear programme: minimise `objective(x)` subject to `a(x) ≤ 0` for all constraints, solved by
 * vertex enumeration over the rationals. Returns null if infeasible. The polyhedron must be pointed and
 * the objective bounded below on it (callers add explicit artificial bounds and check them).
 */
export function lpMinimize(dim: number, constraints: readonly Affine[], objective: Affine): LpSolution | null {
  const vs = vertices(dim, constraints);
  let best: LpSolution | null = null;
  for (const x of vs) {
    const v = evalAffine(objective, x);
    if (best === null || v.lt(best.value)) best = { value: v, x };
  }
  return best;
}

/** An affine form from plain numbers/fractions (helper for building small problems). */
export function affine(coef: readonly (Fraction | number)[], constant: Fraction | number = 0): Affine {
  const f = (v: Fraction | number) => (v instanceof Fraction ? v : Fraction.from(v));
  const c = coef.map(f);
  if (c.some((v) => v === undefined)) throw new InvalidArgumentError('affine: undefined coefficient');
  return { coef: c, constant: f(constant) };
}
