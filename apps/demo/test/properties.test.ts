// fast-check property tests at the API, on every backend present on this machine (reference and ml-matrix always;
// tfjs and openblas when they load): Cholesky round-trip, kernels symmetric PSD for random inputs on every
// activation, GP posterior mean finite for finite data; plus the compute robustness suite on each. Tolerances follow
// the backend's precision.
import fc from 'fast-check';
import { type ComputeBackend, type Mat, SftdlError, referenceBackend } from '@sftdl/compute';
import { allProviders } from '@sftdl/cli-kit';
import { runRobustnessSuite } from '@sftdl/compute/testing';
import { ACTIVATION_NAMES, fcKernel } from '@sftdl/kernels';
import { gpRegression } from '@sftdl/solvers';
import { describe, expect, it } from 'vitest';

const backends: ComputeBackend[] = [];
for (const p of await allProviders()) {
  const probe = await p.probe();
  if (!probe.available) continue;
  for (const precision of p.precisions) {
    try {
      backends.push(await p.create({ precision }));
    } catch {
      /* unavailable in this precision */
    }
  }
}

const activations = ACTIVATION_NAMES.filter((a) => a !== 'he<n>').concat(['he3']);
const finiteIn = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
const matrix = (rows: number, cols: number, lo = -2, hi = 2) =>
  fc
    .array(finiteIn(lo, hi), { minLength: rows * cols, maxLength: rows * cols })
    .map((d): Mat => ({ rows, cols, data: Float64Array.from(d) }));
const shape = fc.record({ n: fc.integer({ min: 1, max: 9 }), d: fc.integer({ min: 1, max: 4 }) });

describe.each(backends.map((b) => [`${b.name} (${b.precision})`, b] as const))('properties on %s', (_label, backend) => {
  const f32 = backend.precision === 'float32';

  it('Cholesky round-trip: L·Lᵀ = A for random SPD A = B·Bᵀ + s·I', () => {
    fc.assert(
      fc.property(
        shape.chain(({ n, d }) => fc.tuple(matrix(n, d + n), finiteIn(0.01, 2))),
        ([B, s]) => {
          const n = B.rows;
          const A = referenceBackend.gram(B);
          for (let i = 0; i < n; i++) A.data[i * n + i]! += s;
          const L = backend.cholesky(A);
          const LLt = referenceBackend.gram(L);
          let scale = 0,
            err = 0;
          for (let i = 0; i < n * n; i++) {
            scale = Math.max(scale, Math.abs(A.data[i]!));
            err = Math.max(err, Math.abs(LLt.data[i]! - A.data[i]!));
          }
          expect(err).toBeLessThanOrEqual((f32 ? 1e-4 : 1e-12) * scale * n);
          for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it('NNGP and NTK are symmetric and PSD for random inputs, on every activation', () => {
    fc.assert(
      fc.property(
        shape.chain(({ n, d }) => matrix(n + 1, d)),
        fc.constantFrom(...activations),
        fc.integer({ min: 1, max: 3 }),
        finiteIn(0.2, 2.5),
        finiteIn(0, 1),
        (x, activation, depth, weightVar, biasVar) => {
          let r;
          try {
            r = fcKernel(x, undefined, { activation, depth, weightVar, biasVar, backend });
          } catch (e) {
            // only a typed, explained overflow may stop it (polynomial activations grow fast)
            expect(SftdlError.isInstance(e) && /non-finite/.test((e as Error).message), String(e)).toBe(true);
            return;
          }
          for (const m of [r.nngp!, r.ntk!]) {
            const n = m.rows;
            let tr = 0;
            for (let i = 0; i < n; i++) {
              tr += m.data[i * n + i]!;
              for (let j = 0; j < n; j++) {
                expect(Number.isFinite(m.data[i * n + j]!)).toBe(true);
                expect(m.data[i * n + j]).toBe(m.data[j * n + i]);
              }
            }
            const ev = referenceBackend.eigh(m).values;
            expect(ev[0]!).toBeGreaterThanOrEqual(-(f32 ? 1e-5 : 1e-10) * Math.max(tr, 1e-300));
          }
        },
      ),
      { numRuns: 60, seed: 12 },
    );
  });

  it('GP posterior mean, variance and evidence are finite for finite data (σ² > 0)', () => {
    fc.assert(
      fc.property(
        shape.chain(({ n, d }) =>
          fc.tuple(matrix(n, d), matrix(3, d), fc.array(finiteIn(-1e3, 1e3), { minLength: n, maxLength: n })),
        ),
        fc.constantFrom('erf', 'relu', 'tanh', 'linear'),
        finiteIn(1e-3, 10),
        ([x, xs, y], activation, sigma2) => {
          const k = (a: Mat, b?: Mat) =>
            fcKernel(a, b, { activation, depth: 2, weightVar: 1.5, biasVar: 0.1, get: ['nngp'], backend }).nngp!;
          const Kss = k(xs);
          const r = gpRegression({
            kernel: k(x),
            y,
            sigma2,
            crossKernel: k(xs, x),
            testKernelDiag: [0, 1, 2].map((i) => Kss.data[i * 3 + i]!),
            backend,
          });
          for (const v of [...r.testMean!, ...r.testVariance!, r.logMarginalLikelihood]) expect(Number.isFinite(v)).toBe(true);
          for (const v of r.testVariance!) expect(v).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 40, seed: 13 },
    );
  });
});

// overflowing products, empty reductions, eigh on subnormal/huge entries: typed errors or correct results, never a leak
for (const b of backends) runRobustnessSuite(b, { title: `robustness on ${b.name} (${b.precision})` });

describe('backends present', () => {
  it('at least the reference and ml-matrix backends are exercised', () => {
    const names = backends.map((b) => b.name);
    expect(names).toContain('reference');
    expect(names).toContain('ml-matrix');
    console.log(`property tests ran on: ${backends.map((b) => `${b.name}/${b.precision}`).join(', ')}`);
  });
});
