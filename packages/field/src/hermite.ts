import { InvalidArgumentError } from '@sftdl/compute';

function assertDegree(k: number, what: string): void {
  if (!Number.isInteger(k) || k < 0) throw new InvalidArgumentError(`${what}: degree must be a non-negative integer, got ${k}`);
}

function assertFiniteX(x: number, what: string): void {
  if (!Number.isFinite(x)) throw new InvalidArgumentError(`${what}: x must be finite, got ${x}`);
}

/**
 * Probabilists' Hermite polynomial Heₖ(x) by the recurrence He_{k+1} = x·Heₖ − k·He_{k−1}.
 *
 * *When to use:* small degrees, exact polynomial identities. *Gotchas:* Heₖ grows like √k!; for k ≳ 150 the
 * value overflows and this throws — use {@link hermiteHeNormalized}.
 *
 * @example
 * hermiteHe(3, 2); // 2³ − 3·2 = 2
 */
export function hermiteHe(k: number, x: number): number {
  assertDegree(k, 'hermiteHe');
  assertFiniteX(x, 'hermiteHe');
  if (k === 0) return 1;
  let prev = 1;
  let cur = x;
  for (let j = 1; j < k; j++) {
    const next = x * cur - j * prev;
    prev = cur;
    cur = next;
  }
  if (!Number.isFinite(cur)) {
    throw new InvalidArgumentError(`hermiteHe(${k}, ${x}) overflows float64; use hermiteHeNormalized (Heₖ/√k!) instead`);
  }
  return cur;
}

/**
 * Normalised probabilists' Hermite polynomial hₖ(x) = Heₖ(x)/√k!, orthonormal under N(0,1):
 * E[hₖ(z)hⱼ(z)] = δₖⱼ. Stable recurrence h_{k+1} = (x·hₖ − √k·h_{k−1})/√(k+1).
 *
 * *When to use:* Hermite (Mehler) expansions of activations, any degree. *Gotchas:* throws if the value
 * overflows (|x| ≳ 2√k·e^{…}, far outside the Gaussian bulk).
 *
 * @example
 * hermiteHeNormalized(2, 1); // (1 − 1)/√2 = 0
 */
export function hermiteHeNormalized(k: number, x: number): number {
  assertDegree(k, 'hermiteHeNormalized');
  assertFiniteX(x, 'hermiteHeNormalized');
  let prev = 0;
  let cur = 1;
  for (let j = 0; j < k; j++) {
    const next = (x * cur - Math.sqrt(j) * prev) / Math.sqrt(j + 1);
    prev = cur;
    cur = next;
  }
  if (!Number.isFinite(cur)) throw new InvalidArgumentError(`hermiteHeNormalized(${k}, ${x}) overflows float64`);
  return cur;
}

/**
 * All values He₀(x)…He_{kMax}(x) (or the normalised hₖ with `{ normalized: true }`) in one recurrence pass.
 *
 * *When to use:* projecting onto many Hermite degrees at the same node (quadrature loops).
 * *Gotchas:* unnormalised values overflow for large kMax; prefer `normalized: true` there.
 *
 * @example
 * hermiteHeAll(3, 2); // Float64Array [1, 2, 3, 2]
 */
export function hermiteHeAll(
  kMax: number,
  x: number,
  { normalized = false }: { normalized?: boolean } = {},
): Float64Array<ArrayBuffer> {
  assertDegree(kMax, 'hermiteHeAll');
  assertFiniteX(x, 'hermiteHeAll');
  const out = new Float64Array(kMax + 1);
  out[0] = 1;
  if (kMax >= 1) out[1] = x;
  for (let j = 1; j < kMax; j++) {
    out[j + 1] = normalized ? (x * out[j]! - Math.sqrt(j) * out[j - 1]!) / Math.sqrt(j + 1) : x * out[j]! - j * out[j - 1]!;
  }
  if (!Number.isFinite(out[kMax]!)) {
    throw new InvalidArgumentError(
      `hermiteHeAll(${kMax}, ${x}) overflows float64${normalized ? '' : '; pass { normalized: true }'}`,
    );
  }
  return out;
}
