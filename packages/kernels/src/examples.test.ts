// The README example and the @example blocks of the public API, run as tests.
import { fromRows } from '@sftdl/compute';
import { key } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import {
  customActivation,
  dense,
  empiricalKernels,
  empiricalNtk,
  erfLayer,
  fcKernel,
  fcNetwork,
  gaussianDataSpectrum,
  getActivation,
  hermiteActivation,
  kernelMatrixSpectrum,
  polynomialActivation,
  reluLayer,
  serial,
  sphereSpectrum,
} from './index';

describe('documentation examples', () => {
  it('README example', () => {
    const x = fromRows([
      [1, 0.5, -0.3],
      [0.2, -1, 0.7],
      [0.9, 0.1, 0.4],
    ]);
    const { nngp, ntk } = fcKernel(x, undefined, { activation: 'relu', depth: 3, sigmaW2: 2, biasVar: 0.1 });
    expect(nngp!.rows).toBe(3);
    expect(ntk!.data[0]!).toBeGreaterThan(nngp!.data[0]!);
    const net = serial(dense({ sigmaW2: 1.5, biasVar: 0.1, width: 512 }), erfLayer(), dense({ sigmaW2: 1.5, biasVar: 0.1 }));
    const k = net.kernel(x, undefined, { get: ['nngp', 'ntk'] });
    expect(k.ntk!.cols).toBe(3);
    const y = net.apply(net.init(key(0), 3), x);
    expect([y.rows, y.cols]).toEqual([3, 1]);
    const est = empiricalKernels(
      fcNetwork({ activation: 'tanh', depth: 2, sigmaW2: 1.5, biasVar: 0.1, width: 64 }),
      x,
      undefined,
      { key: key(1), samples: 4 },
    );
    expect(est.ntk!.stderr.data.every((v) => v >= 0)).toBe(true);
    const s = sphereSpectrum((t) => getActivation('relu').dual(1, t, 1).f, 3, 10);
    expect(s.multiplicity[2]).toBe(5);
  });

  it('API examples', () => {
    expect(polynomialActivation([0, 0, 1]).dual(1, 0.5, 2).f).toBeCloseTo(2.5, 15);
    expect(hermiteActivation(3).dual(1, 0.5, 1).f).toBeCloseTo(0.75, 15);
    expect(getActivation('relu').dual(1, 1, 1).f).toBeCloseTo(0.5, 15);
    const act = customActivation(Math.tanh, { name: 'tanh', deriv: (z) => 1 - Math.tanh(z) ** 2 });
    expect(Math.abs(act.dual(1, 0, 1).f)).toBeLessThan(1e-15);
    expect(sphereSpectrum((t) => t, 3, 2).eigenvalue[1]).toBeCloseTo(1 / 3, 14);
    expect(gaussianDataSpectrum('relu', 10, 4).eigenvalue[1]).toBeCloseTo(0.25 / 10, 14);
    const x = fromRows([
      [1, 0],
      [0.6, 0.8],
    ]);
    const { nngp } = fcKernel(x, undefined, { activation: 'relu', depth: 2, sigmaW2: 2, biasVar: 0 });
    expect(kernelMatrixSpectrum(nngp!).values.length).toBe(2);
    const net = serial(dense({ sigmaW2: 2, width: 8 }), reluLayer(), dense({ sigmaW2: 2 }));
    expect(empiricalNtk(net, net.init(key(1), 2), x).rows).toBe(2);
  });
});
