import { describe, expect, it } from 'vitest';
import type { BackendProvider, ComputeBackend } from './backend';
import { BackendUnavailableError, InvalidArgumentError } from './errors';
import { referenceBackend } from './reference';
import { listBackends, selectBackend } from './select';

function fake(name: string, priority: number, precisions: ('float64' | 'float32')[], available: boolean): BackendProvider {
  return {
    name,
    priority,
    precisions,
    probe: async () => ({ name, precision: precisions, available, ...(available ? {} : { reason: `${name} is switched off` }) }),
    create: async ({ precision }) => {
      if (!available) throw new BackendUnavailableError({ backend: name, reason: 'off' });
      return { ...referenceBackend, name, precision } as ComputeBackend;
    },
  };
}

describe('selectBackend', () => {
  it('defaults to the reference backend', async () => {
    const { backend, probes } = await selectBackend();
    expect(backend).toBe(referenceBackend);
    expect(probes.map((p) => p.name)).toEqual(['reference']);
  });
  it('picks the highest-priority available provider for the precision and says why others were skipped', async () => {
    const providers = [
      fake('slow', 10, ['float64'], true),
      fake('fast', 100, ['float64', 'float32'], false),
      fake('f32', 5, ['float32'], true),
    ];
    const { backend, probes } = await selectBackend({ precision: 'float64', providers });
    expect(backend.name).toBe('slow');
    expect(probes.find((p) => p.name === 'fast')).toMatchObject({ available: false, reason: 'fast is switched off' });
    expect(probes.find((p) => p.name === 'f32')?.reason).toMatch(/float64/);
    const f32 = await selectBackend({ precision: 'float32', providers });
    expect(f32.backend.name).toBe('f32');
  });
  it('honours prefer, falls back unless strict, and rejects unknown names', async () => {
    const providers = [fake('a', 10, ['float64'], true), fake('b', 1, ['float64'], true), fake('off', 50, ['float64'], false)];
    expect((await selectBackend({ prefer: 'b', providers })).backend.name).toBe('b');
    expect((await selectBackend({ prefer: 'off', providers })).backend.name).toBe('a');
    await expect(selectBackend({ prefer: 'off', strict: true, providers })).rejects.toSatisfy(BackendUnavailableError.isInstance);
    await expect(selectBackend({ prefer: 'nope', providers })).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });
  it('float32 without another float32 provider falls back to the float32 reference backend', async () => {
    const { backend } = await selectBackend({ precision: 'float32' });
    expect([backend.name, backend.precision]).toEqual(['reference', 'float32']);
    const only64 = [fake('a', 10, ['float64'], true)];
    const { probes } = await selectBackend({ precision: 'float32', providers: only64 });
    expect(probes[0]).toMatchObject({ name: 'a', available: false, reason: 'does not compute in float32' });
  });
  it('a throwing probe is reported, not propagated', async () => {
    const bad: BackendProvider = {
      ...fake('bad', 99, ['float64'], true),
      probe: async () => {
        throw new Error('boom');
      },
    };
    const { backend, probes } = await selectBackend({ providers: [bad] });
    expect(backend.name).toBe('reference');
    expect(probes[0]).toMatchObject({ name: 'bad', available: false, reason: 'probe failed: boom' });
    expect((await listBackends([bad])).map((p) => [p.name, p.available])).toEqual([
      ['bad', false],
      ['reference', true],
    ]);
  });
});
