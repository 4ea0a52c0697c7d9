import { describe, expect, it } from 'vitest';
import { UsageError } from '@sftdl/cli-kit';
import { referenceBackend } from '@sftdl/compute';
import { BACKEND_NAMES, probeAll, resolveBackend } from './backends';

describe('backend discovery for the CLI', () => {
  it('probes every known backend in display order; reference, ml-matrix and tfjs are available here', async () => {
    const probes = await probeAll();
    expect(probes.map((p) => p.name)).toEqual([...BACKEND_NAMES]);
    for (const name of ['reference', 'ml-matrix', 'tfjs']) expect(probes.find((p) => p.name === name)?.available).toBe(true);
    for (const p of probes) if (!p.available) expect(p.reason).toBeTruthy();
  });
  it('resolves names, defaulting to float64 (or the backend’s own precision)', async () => {
    expect(await resolveBackend('reference')).toBe(referenceBackend);
    expect((await resolveBackend('ml-matrix')).name).toBe('ml-matrix');
    const t = await resolveBackend('tfjs');
    expect([t.name, t.precision]).toEqual(['tfjs', 'float32']);
    expect((await resolveBackend(undefined, 'float32')).precision).toBe('float32');
    expect((await resolveBackend()).precision).toBe('float64');
    expect((await resolveBackend('auto')).name).toBe((await resolveBackend()).name); // the default rule: auto
  });
  it('unknown names and impossible precisions are UsageErrors naming --backend', async () => {
    await expect(resolveBackend('cuda')).rejects.toThrow(UsageError);
    await expect(resolveBackend('cuda')).rejects.toThrow(/--backend must be one of auto\|reference\|ml-matrix\|tfjs\|openblas/);
    await expect(resolveBackend('tfjs', 'float64')).rejects.toThrow(/--backend tfjs computes in float32/);
  });
});
