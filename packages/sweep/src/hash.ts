import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@sftdl/compute';

/** A JSON value as stored in sweep files (finite numbers only). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped. Two equal values always give the
 * same text, so hashes and checksums do not depend on key order.
 *
 * Gotchas: a non-finite number (NaN, ±Infinity) or a non-JSON value (function, bigint, symbol, class instance other
 * than a plain object/array) throws {@link InvalidArgumentError} naming the path — JSON would silently turn NaN into
 * `null`, which a sweep must never store.
 */
export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new InvalidArgumentError(
          `${path} is ${value}: sweep parameters and results must be finite numbers (use null for 'not available')`,
        );
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v, i) => (v === undefined ? 'null' : canonicalJson(v, `${path}[${i}]`))).join(',')}]`;
      if (ArrayBuffer.isView(value)) return canonicalJson(Array.from(value as unknown as ArrayLike<number>), path);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        throw new InvalidArgumentError(
          `${path} is a ${proto?.constructor?.name ?? 'non-plain'} object: sweep values must be plain JSON`,
        );
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new InvalidArgumentError(
        `${path} is a ${typeof value}: sweep values must be JSON (null, boolean, finite number, string, array, plain object)`,
      );
  }
}

/** SHA-256 of a UTF-8 string, lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `sha256:<hex>` of the canonical JSON of `value`. */
export function checksumOf(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}
