import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, checksumOf } from './hash';

describe('canonical JSON and checksums', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'q' }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,{"y":"q","z":0}]},"b":1}',
    );
  });

  it('does not depend on key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())), (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(o));
      }),
    );
  });

  it('round-trips doubles exactly through JSON', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(JSON.parse(canonicalJson({ x })).x).toBe(x === 0 ? 0 : x);
      }),
    );
  });

  it('rejects NaN, Infinity and non-JSON values, naming the path', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow(/\$\.a\[1\] is NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/\$\.f is a function/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/Date/);
  });

  it('checksum is sha256 of the canonical text (checked against node:crypto directly)', () => {
    const text = '{"a":1,"b":[true,"x"]}';
    expect(checksumOf({ b: [true, 'x'], a: 1 })).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  });
});
