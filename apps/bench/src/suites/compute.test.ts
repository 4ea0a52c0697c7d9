import { describe, expect, it } from 'vitest';
import { Flags, parseArgv } from '@sftdl/cli-kit';
import { suite } from './compute';

const run = (argv: string[]) => suite.run({ flags: new Flags(parseArgv(argv)), json: true, log: () => {} });

describe('bench compute', () => {
  it('prints { results: [{ backend, op, n, seconds, gflops, precision }] } for each backend × op × size', async () => {
    const { json, table } = await run(['--sizes', '16,24', '--backends', 'reference,ml-matrix', '--repeats', '1']);
    const results = (json as { results: Record<string, unknown>[] }).results;
    expect(results).toHaveLength(2 * 3 * 2);
    for (const r of results) {
      expect(['reference', 'ml-matrix']).toContain(r.backend);
      expect(['matmul', 'cholesky', 'eigh']).toContain(r.op);
      expect([16, 24]).toContain(r.n);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.gflops).toBeCloseTo(({ matmul: 2, cholesky: 1 / 3, eigh: 9 }[r.op as string]! * (r.n as number) ** 3) / (r.seconds as number) / 1e9, 6);
      expect(r.precision).toBe('float64');
    }
    expect(table).toMatch(/× slowest/);
  });
  it('rejects unknown backends and ops with a usage error', async () => {
    await expect(run(['--backends', 'cuda'])).rejects.toThrow(/--backends entries must be among/);
    await expect(run(['--ops', 'svd'])).rejects.toThrow(/--ops entries must be among/);
  });
});
