import { describe, expect, it } from 'vitest';
import { referenceBackend } from '@sftdl/compute';
import { key, normal, split, uniform } from './index';

describe('keys', () => {
  it('same key gives same numbers; split keys differ', () => {
    const k = key(42);
    expect(Array.from(uniform(k, 8))).toEqual(Array.from(uniform(key(42), 8)));
    const [a, b] = split(k, 2);
    expect(uniform(a!, 4)[0]).not.toEqual(uniform(b!, 4)[0]);
    expect(referenceBackend.name).toBe('reference');
  });
  it('normal moments', () => {
    const z = normal(key(1), 200000);
    let m = 0, v = 0;
    for (const x of z) { m += x; v += x * x; }
    m /= z.length; v /= z.length;
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(z.length));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / z.length));
  });
});
