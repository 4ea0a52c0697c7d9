import { describe, expect, it } from 'vitest';
import { normalCdf, referenceBackend } from '@sftdl/compute';
import { fold, key, keyFromJSON, keyToJSON, normal, normalMat, philox4x32, split, uniform } from './index';

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
    let m = 0,
      v = 0;
    for (const x of z) {
      m += x;
      v += x * x;
    }
    m /= z.length;
    v /= z.length;
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(z.length));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / z.length));
  });
});

/** Kolmogorov–Smirnov statistic D_n of samples against a continuous CDF. */
function ksStatistic(xs: Float64Array, cdf: (x: number) => number): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const F = cdf(s[i]!);
    d = Math.max(d, (i + 1) / n - F, F - i / n);
  }
  return d;
}

function correlation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma,
      y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('Philox4x32-10 and key streams', () => {
  it('reproduces the Random123 known-answer vectors', () => {
    const o = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, o);
    expect(Array.from(o)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, o);
    expect(Array.from(o)).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, o);
    expect(Array.from(o)).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });
  it('stream pin: these exact numbers must never change (cross-platform reproducibility contract)', () => {
    expect(Array.from(uniform(key(42), 3))).toEqual([0.2558458115029644, 0.5918944572138529, 0.5847836662477801]);
    expect(Array.from(normal(key(7), 3))).toEqual([0.9291916936749772, -0.05036783624532724, 0.8100205819162912]);
    expect(keyToJSON(split(key(1), 2)[1]!)).toEqual({ kind: 'philox4x32', k0: 231836318, k1: 1025442979 });
    expect(keyToJSON(fold(key(1), 5))).toEqual({ kind: 'philox4x32', k0: 2891123298, k1: 693858315 });
  });
  it('prefix property, JSON round trip, normalMat scaling', () => {
    const k = key(3);
    expect(Array.from(uniform(k, 5))).toEqual(Array.from(uniform(k, 9).subarray(0, 5)));
    expect(Array.from(uniform(keyFromJSON(JSON.parse(JSON.stringify(keyToJSON(k)))), 4))).toEqual(Array.from(uniform(k, 4)));
    const m = normalMat(k, 3, 4, 2);
    const z = normal(k, 12);
    for (let i = 0; i < 12; i++) expect(m.data[i]).toBe(2 * z[i]!);
  });
  it('KS test: uniform and normal pass at the 0.1% level (n = 20000, critical 1.95/√n)', () => {
    const n = 20000;
    const crit = 1.95 / Math.sqrt(n);
    expect(ksStatistic(uniform(key(11), n), (x) => x)).toBeLessThan(crit);
    expect(ksStatistic(normal(key(12), n), normalCdf)).toBeLessThan(crit);
    // and it detects a wrong distribution (sanity of the test itself)
    expect(ksStatistic(normal(key(12), n), (x) => normalCdf(x / 1.05))).toBeGreaterThan(crit);
  });
  it('normal moments up to 4th and KS for many keys (mean/var/kurtosis within 5 s.e.)', () => {
    const n = 50000;
    const z = normal(key(99), n);
    let m3 = 0,
      m4 = 0;
    for (const x of z) {
      m3 += x ** 3;
      m4 += x ** 4;
    }
    m3 /= n;
    m4 /= n;
    expect(Math.abs(m3)).toBeLessThan(5 * Math.sqrt(15 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });
  it('split and fold streams are uncorrelated (|r| < 4.5/√n for all pairs), and lag-1 autocorrelation vanishes', () => {
    const n = 20000;
    const bound = 4.5 / Math.sqrt(n);
    const streams = [
      ...split(key(5), 6).map((k) => uniform(k, n)),
      uniform(fold(key(5), 0), n),
      uniform(fold(key(5), 1), n),
      uniform(key(5), n),
      uniform(key(6), n),
    ];
    for (let i = 0; i < streams.length; i++) {
      for (let j = i + 1; j < streams.length; j++) expect(Math.abs(correlation(streams[i]!, streams[j]!))).toBeLessThan(bound);
      expect(Math.abs(correlation(streams[i]!.subarray(1), streams[i]!.subarray(0, n - 1)))).toBeLessThan(bound);
    }
  });
});
