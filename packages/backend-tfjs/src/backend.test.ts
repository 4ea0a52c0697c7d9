import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, NotPositiveDefiniteError, fromRows, selectBackend } from '@sftdl/compute';
import { runConformanceSuite } from '@sftdl/compute/testing';
import { createTfjsBackend, probeTfjsEngine, provider } from './index';

runConformanceSuite(() => createTfjsBackend({ engine: 'wasm' }), { title: 'conformance: tfjs (wasm engine)' });
runConformanceSuite(() => createTfjsBackend({ engine: 'cpu' }), { title: 'conformance: tfjs (cpu engine)' });

// tfjs-node is never a dependency (libtensorflow cannot be downloaded here); run its conformance only when it loads.
const node = await probeTfjsEngine('node');
if (node.available)
  runConformanceSuite(() => createTfjsBackend({ engine: 'node' }), { title: 'conformance: tfjs (node engine)' });
else {
  console.log(`[backend-tfjs] skipping the tfjs-node conformance run: ${node.reason}`);
  describe('tfjs node engine', () => {
    it('is reported unavailable with an actionable reason', async () => {
      await expect(createTfjsBackend({ engine: 'node' })).rejects.toSatisfy(BackendUnavailableError.isInstance);
      expect(node.reason).toMatch(/tfjs-node/);
    });
  });
}

describe('tfjs specifics', () => {
  it('reports the engine in use', async () => {
    expect((await createTfjsBackend({ engine: 'wasm' })).info?.engine).toBe('wasm');
    expect((await createTfjsBackend({ engine: 'cpu' })).info?.engine).toBe('cpu');
    const auto = await createTfjsBackend();
    expect(auto.info?.engine).toBe(node.available ? 'node' : 'wasm');
  });
  it('is float32: results carry float32 rounding, and host factorisations say so in errors', async () => {
    const b = await createTfjsBackend({ engine: 'wasm' });
    expect(b.precision).toBe('float32');
    const x = b.affine(fromRows([[0.1]]), 1, 0).data[0]!;
    expect(x).toBe(Math.fround(0.1));
    expect(() =>
      b.cholesky(
        fromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(NotPositiveDefiniteError);
    expect(() =>
      b.cholesky(
        fromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(/backend 'tfjs'.*float32/);
    expect(() => b.matmul(fromRows([[1e39]]), fromRows([[1]]))).toThrow(/overflows float32/);
    expect(() => b.matmul(fromRows([[1e30]]), fromRows([[1e30]]))).toThrow(/overflows float32/);
  });
  it('provider: float32 only, available here', async () => {
    expect(await provider.probe()).toMatchObject({ name: 'tfjs', available: true });
    const { backend } = await selectBackend({ precision: 'float32', providers: [provider] });
    expect(backend.name).toBe('tfjs');
    await expect(provider.create({ precision: 'float64' })).rejects.toThrow(/float32 only/);
  });
});
