import { InvalidArgumentError, type Mat, fromRows } from '@sftdl/compute';
import { key, split } from '@sftdl/field';
import { describe, expect, it } from 'vitest';
import { empiricalKernels, empiricalNtk } from './empirical';
import { fcKernel, fcNetwork } from './fc';

const x = fromRows([
  [1, 0.5, -0.3, 0.8],
  [0.2, -1, 0.7, 0.1],
  [0.9, 0.1, 0.4, -0.6],
]);

/** |mean − analytic| ≤ z·stderr + bias, elementwise. */
function within(est: { mean: Mat; stderr: Mat }, exact: Mat, z: number, bias: number): void {
  for (let i = 0; i < exact.data.length; i++) {
    const diff = Math.abs(est.mean.data[i]! - exact.data[i]!);
    expect(diff).toBeLessThanOrEqual(z * est.stderr.data[i]! + bias * Math.abs(exact.data[i]!));
  }
}

describe('empirical kernels of wide random networks converge to the recursions', () => {
  const cases = [
    { activation: 'erf', depth: 1, parameterization: 'ntk' as const },
    { activation: 'relu', depth: 2, parameterization: 'ntk' as const },
    { activation: 'tanh', depth: 2, parameterization: 'standard' as const },
  ];
  for (const c of cases) {
    it(`${c.activation}, ${c.depth + 1}-layer net (${c.parameterization}): Monte Carlo NNGP and empirical NTK within 5 standard errors`, () => {
      const width = 512;
      const o = {
        activation: c.activation,
        depth: c.depth,
        sigmaW2: 1.6,
        biasVar: 0.1,
        parameterization: c.parameterization,
        width,
      };
      const exact = fcKernel(x, undefined, o);
      const est = empiricalKernels(fcNetwork(o), x, undefined, { key: key(11 + c.depth), samples: 12 });
      expect(est.samples).toBe(12);
      // Depth 1 is unbiased; deeper nets carry an O(1/width) bias.
      const bias = c.depth === 1 ? 0 : 4 / width;
      within(est.nngp!, exact.nngp!, 5, bias);
      within(est.ntk!, exact.ntk!, 5, bias);
    });
  }

  it('the error of a single network falls as 1/√width', () => {
    const base = { activation: 'relu', depth: 1, sigmaW2: 2, biasVar: 0.1 };
    const exact = fcKernel(x, undefined, base).ntk!;
    const widths = [64, 256, 1024];
    const rms = widths.map((width) => {
      const net = fcNetwork({ ...base, width });
      let s = 0,
        m = 0;
      for (const k of split(key(5), 24)) {
        const th = empiricalNtk(net, net.init(k, 4), x);
        for (let i = 0; i < 9; i++) {
          s += ((th.data[i]! - exact.data[i]!) / exact.data[i]!) ** 2;
          m++;
        }
      }
      return Math.sqrt(s / m);
    });
    const slope = Math.log(rms[2]! / rms[0]!) / Math.log(widths[2]! / widths[0]!);
    expect(slope).toBeGreaterThan(-0.62);
    expect(slope).toBeLessThan(-0.38);
    // and √width·error is O(1) and roughly constant
    const scaled = rms.map((r, i) => r * Math.sqrt(widths[i]!));
    expect(Math.max(...scaled) / Math.min(...scaled)).toBeLessThan(1.5);
  });

  it('empirical NTK of a cross block equals the corresponding block of the joint one', () => {
    const net = fcNetwork({ activation: 'erf', depth: 2, sigmaW2: 1.5, biasVar: 0.2, width: 16 });
    const p = net.init(key(3), 4);
    const joint = empiricalNtk(net, p, x);
    const x2 = fromRows([[0.2, -1, 0.7, 0.1]]);
    const cross = empiricalNtk(net, p, x, x2);
    for (let i = 0; i < 3; i++) expect(cross.data[i]).toBeCloseTo(joint.data[i * 3 + 1]!, 12);
  });

  it('empirical NTK equals the finite-difference Jacobian contraction Σ_θ ∂f(x)/∂θ ∂f(x′)/∂θ', () => {
    const net = fcNetwork({ activation: 'tanh', depth: 2, sigmaW2: 1.5, biasVar: 0.2, width: 3, parameterization: 'standard' });
    const p = net.init(key(9), 4);
    const th = empiricalNtk(net, p, x);
    const h = 1e-6;
    const grads: number[][] = [[], [], []];
    for (const layer of p) {
      if (!layer) continue;
      for (const arr of [layer.W.data, layer.b!]) {
        for (let q = 0; q < arr.length; q++) {
          const old = arr[q]!;
          arr[q] = old + h;
          const fp = net.apply(p, x).data;
          arr[q] = old - h;
          const fm = net.apply(p, x).data;
          arr[q] = old;
          for (let i = 0; i < 3; i++) grads[i]!.push((fp[i]! - fm[i]!) / (2 * h));
        }
      }
    }
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const ref = grads[i]!.reduce((s, g, q) => s + g * grads[j]![q]!, 0);
        expect(th.data[i * 3 + j]).toBeCloseTo(ref, 7);
      }
  });

  it('needs a key and at least two samples', () => {
    const net = fcNetwork({ activation: 'relu', depth: 1, sigmaW2: 2, biasVar: 0, width: 4 });
    expect(() => empiricalKernels(net, x, undefined, { key: key(1), samples: 1 })).toThrow(InvalidArgumentError);
  });
});
