import { describe, expect, it } from 'vitest';
import { suiteFlags } from '../main';
import { suite } from './compute';

const run = async (argv: string[]) => suite.run({ flags: suiteFlags(suite, argv), json: true, log: () => {} });

describe('bench compute', () => {
  it('prints { results: [{ backend, op, n, seconds, gflops, precision }] } for each backend × op × size', async () => {
    const { json, table } = await run(['--sizes', '16,24', '--backends', 'reference,ml-matrix', '--repeats', '1']);
    const results = (json as { results: Record<string, unknown>[] }).results;
    expect(results).toHaveLength(2 * 3 * 2);
    expect(Object.keys(json as object)).toEqual((suite.output ?? []).map((o) => o.key));
    for (const r of results) {
      expect(['reference', 'ml-matrix']).toContain(r.backend);
      expect(['matmul', 'cholesky', 'eigh']).toContain(r.op);
      expect([16, 24]).toContain(r.n);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.gflops).toBeCloseTo(
        ({ matmul: 2, cholesky: 1 / 3, eigh: 9 }[r.op as string]! * (r.n as number) ** 3) / (r.seconds as number) / 1e9,
        6,
      );
      expect(r.precision).toBe('float64');
    }
    expect(table).toMatch(/× slowest/);
  });
  it('--baseline numpy adds numpy rows timed in alternation (or notes why it cannot)', async () => {
    const notes: string[] = [];
    const { json } = await suite.run({
      flags: suiteFlags(suite, [
        '--sizes',
        '40',
        '--backends',
        'reference',
        '--ops',
        'matmul,cholesky',
        '--repeats',
        '2',
        '--baseline',
        'numpy',
      ]),
      json: true,
      log: (m) => notes.push(m),
    });
    const results = (json as { results: { backend: string; op: string; n: number; seconds: number; repeats: number }[] }).results;
    const numpyRows = results.filter((r) => r.backend === 'numpy');
    if (notes.some((m) => m.includes('numpy baseline skipped'))) {
      expect(numpyRows).toHaveLength(0);
    } else {
      expect(numpyRows.map((r) => r.op).sort()).toEqual(['cholesky', 'matmul']);
      for (const r of numpyRows) {
        const own = results.find((x) => x.backend === 'reference' && x.op === r.op)!;
        expect(r.repeats).toBe(own.repeats); // one numpy run per backend run
        expect(r.seconds).toBeGreaterThan(0);
        expect(r.n).toBe(40);
      }
    }
  });
  it('rejects unknown backends and ops with a usage error', async () => {
    await expect(run(['--backends', 'cuda'])).rejects.toThrow(/--backends entries must be among/);
    await expect(run(['--ops', 'svd'])).rejects.toThrow(/--ops entries must be among/);
  });
});
