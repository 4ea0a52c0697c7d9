// Strict result types (no `!` in user code) and the `weightVar` → `sigmaW2` rename.
import { InvalidArgumentError, type Mat, fromRows } from '@sftdl/compute';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { key } from '@sftdl/field';
import {
  type KernelEstimate,
  type KernelKind,
  type KernelResult,
  dense,
  empiricalKernels,
  fcKernel,
  fcNetwork,
  reluLayer,
  serial,
} from './index';

const x = fromRows([
  [1, 0.5, -0.3],
  [0.2, -1, 0.7],
  [0.9, 0.1, 0.4],
]);

describe('kernel results are typed by `get`', () => {
  it('fcKernel: get omitted → both present; one kind → exactly that one; a runtime list → optional fields', () => {
    const both = fcKernel(x, undefined, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1 });
    expectTypeOf(both.nngp).toEqualTypeOf<Mat>();
    expectTypeOf(both.ntk).toEqualTypeOf<Mat>();
    const one = fcKernel(x, undefined, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0.1, get: ['nngp'] });
    expectTypeOf(one).toEqualTypeOf<{ nngp: Mat }>();
    expect(Object.keys(one)).toEqual(['nngp']);
    const opts = { activation: 'erf', depth: 1, sigmaW2: 1.5, biasVar: 0, get: ['ntk'] as const };
    expectTypeOf(fcKernel(x, x, opts).ntk).toEqualTypeOf<Mat>();
    const kinds: KernelKind[] = ['nngp'];
    expectTypeOf(
      fcKernel(x, undefined, { activation: 'relu', depth: 1, sigmaW2: 2, biasVar: 0, get: kinds }),
    ).toEqualTypeOf<KernelResult>();
  });

  it('Network.kernel follows the same rule, and fits where a kernel function of both kernels is expected', () => {
    const net = serial(dense({ sigmaW2: 2, width: 64 }), reluLayer(), dense({ sigmaW2: 2 }));
    expectTypeOf(net.kernel(x).ntk).toEqualTypeOf<Mat>();
    expectTypeOf(net.kernel(x, undefined, { get: ['nngp'] })).toEqualTypeOf<{ nngp: Mat }>();
    const fn: (a: Mat, b?: Mat) => { nngp: Mat; ntk: Mat } = net.kernel;
    expect(fn(x).ntk.rows).toBe(3);
  });
});

describe('empirical kernels are typed by `get` too', () => {
  it("empiricalKernels(…, { get: ['ntk'] }).ntk is a KernelEstimate; the default has both", () => {
    const net = fcNetwork({ activation: 'relu', depth: 1, sigmaW2: 2, biasVar: 0, width: 8 });
    const one = empiricalKernels(net, x, undefined, { key: key(0), samples: 2, get: ['ntk'] });
    expectTypeOf(one.ntk).toEqualTypeOf<KernelEstimate>();
    expect('nngp' in one).toBe(false);
    const both = empiricalKernels(net, x, undefined, { key: key(0), samples: 2 });
    expectTypeOf(both.nngp).toEqualTypeOf<KernelEstimate>();
    expect(both.nngp.mean.rows).toBe(3);
  });
});

describe('sigmaW2 is the weight variance; weightVar is its deprecated alias', () => {
  it('fcKernel, fcNetwork and dense give bit-identical kernels under either name', () => {
    const a = fcKernel(x, undefined, { activation: 'erf', depth: 2, sigmaW2: 1.7, biasVar: 0.2 });
    const b = fcKernel(x, undefined, { activation: 'erf', depth: 2, weightVar: 1.7, biasVar: 0.2 });
    expect(b.nngp.data).toEqual(a.nngp.data);
    expect(b.ntk.data).toEqual(a.ntk.data);
    const c = serial(dense({ weightVar: 1.7, biasVar: 0.2 }), reluLayer(), dense({ weightVar: 1.7, biasVar: 0.2 })).kernel(x);
    const d = serial(dense({ sigmaW2: 1.7, biasVar: 0.2 }), reluLayer(), dense({ sigmaW2: 1.7, biasVar: 0.2 })).kernel(x);
    expect(c.ntk.data).toEqual(d.ntk.data);
    const op = fcNetwork({ activation: 'relu', depth: 1, weightVar: 3, biasVar: 0 }).ops[0];
    expect(op).toMatchObject({ kind: 'dense', sigmaW2: 3, weightVar: 3 });
  });

  it('both names with different values, or neither, is an error that names sigmaW2', () => {
    expect(() => dense({ sigmaW2: 1, weightVar: 2 })).toThrow(/sigmaW2 = 1 and weightVar = 2 disagree/);
    expect(() => dense({ sigmaW2: 1, weightVar: 2 })).toThrow(InvalidArgumentError);
    // @ts-expect-error neither sigmaW2 nor weightVar
    expect(() => fcNetwork({ activation: 'relu', depth: 1, biasVar: 0 })).toThrow(/sigmaW2 .* is required/);
    // @ts-expect-error both names at once is rejected by the types too
    expect(() => fcKernel(x, undefined, { activation: 'relu', depth: 1, sigmaW2: 2, weightVar: 2, biasVar: 0 })).not.toThrow();
  });
});
