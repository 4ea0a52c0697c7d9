import { type Mat, referenceBackend } from '@sftdl/compute';
import { fcKernel } from '@sftdl/kernels';
import { describe, expect, it } from 'vitest';
import { blockedKernel } from './blocked';

describe('blockedKernel', () => {
  // 600 rows: 360 000 entries, above the one-call size, so the kernel is computed in row blocks
  const n = 600;
  const d = 3;
  const x: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, (_, i) => Math.sin(0.37 * i + 0.1 * (i % 7))) };
  const opts = { activation: 'relu', depth: 2, weightVar: 2, biasVar: 0.1, backend: referenceBackend } as const;
  const one = (rows: Mat, other: Mat | undefined): Mat[] => {
    const r = fcKernel(rows, other, opts);
    if (!r.nngp || !r.ntk) throw new Error('no kernel');
    return [r.nngp, r.ntk];
  };

  it('gives the one-call matrices, exactly symmetric, and reports progress in rows', () => {
    const done: number[] = [];
    const blocked = blockedKernel(x, undefined, one, (k) => done.push(k));
    const whole = one(x, undefined);
    expect(done.length).toBeGreaterThan(10);
    expect(done[done.length - 1]).toBe(n);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    blocked.forEach((m, k) => {
      const w = whole[k];
      if (!w) throw new Error('missing');
      expect([m.rows, m.cols]).toEqual([n, n]);
      let maxRel = 0;
      for (let i = 0; i < n * n; i++)
        maxRel = Math.max(maxRel, Math.abs((m.data[i] as number) - (w.data[i] as number)) / Math.abs(w.data[i] as number));
      expect(maxRel).toBeLessThan(1e-13);
      let asymmetric = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (m.data[i * n + j] !== m.data[j * n + i]) asymmetric++;
      expect(asymmetric).toBe(0);
    });
  });

  it('cross kernels (a against b) are computed block by block too', () => {
    const b: Mat = { rows: 500, cols: d, data: x.data.subarray(0, 500 * d) };
    const [nngp] = blockedKernel(x, b, one, () => {});
    const [w] = one(x, b);
    expect(nngp?.rows).toBe(n);
    expect(nngp?.cols).toBe(500);
    for (let i = 0; i < n * 500; i += 997) expect(nngp?.data[i]).toBeCloseTo(w?.data[i] as number, 12);
  });
});
