import { describe, expect, it } from 'vitest';
import { fromRows, type Mat } from '@sftdl/compute';
import { key, normalMat } from '@sftdl/field';
import { ACTIVATIONS, type Model, attentionHead, drawPrior, priorStd, threeLayerNet, twoLayerNet } from './index';

/** max |VJP − central finite difference| relative to the gradient scale. */
function gradCheck(model: Model, x: Mat, seed: number): number {
  const theta = model.init(key(seed));
  const dOut = normalMat(key(seed + 1), x.rows, model.outputDim);
  const g = model.grad(theta, x, dOut);
  let worst = 0,
    scale = 1e-12;
  for (const v of g) scale = Math.max(scale, Math.abs(v));
  const h = 1e-6;
  for (let i = 0; i < model.paramCount; i++) {
    const tp = theta.slice(),
      tm = theta.slice();
    tp[i]! += h;
    tm[i]! -= h;
    const fp = model.apply(tp, x).data,
      fm = model.apply(tm, x).data;
    let fd = 0;
    for (let k = 0; k < fp.length; k++) fd += (dOut.data[k]! * (fp[k]! - fm[k]!)) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - g[i]!) / scale);
  }
  return worst;
}

describe('models', () => {
  const x = normalMat(key(3), 5, 4);
  it.each(ACTIVATIONS)('two-layer %s: hand-written gradient = finite differences (multi-output)', (act) => {
    const net = twoLayerNet({ dim: 4, width: 6, activation: act, outputs: 2, sigmaW2: 2, sigmaA2: 1.5 });
    // relu kinks: finite differences are exact away from them (probability ~0 of hitting one)
    expect(gradCheck(net, x, 10)).toBeLessThan(1e-6);
  });
  it('three-layer and attention gradients = finite differences', () => {
    expect(gradCheck(threeLayerNet({ dim: 4, widths: [5, 3], activation: 'tanh', outputs: 2 }), x, 20)).toBeLessThan(1e-6);
    const xs = normalMat(key(4), 3, 3 * 4); // L = 3 tokens of d = 4
    expect(
      gradCheck(attentionHead({ dim: 4, context: 3, width: 5, keyDim: 2, activation: 'erf', outputs: 2 }), xs, 30),
    ).toBeLessThan(1e-6);
  });
  it('fused lossGrad equals ½Σ(f−y)² and its VJP; host loops equal backend products', () => {
    const y = normalMat(key(5), 5, 1);
    const a = twoLayerNet({ dim: 4, width: 7, activation: 'erf' });
    const b = twoLayerNet({ dim: 4, width: 7, activation: 'erf', hostLimit: 0 });
    const th = a.init(key(6));
    const ga = new Float64Array(a.paramCount),
      gb = new Float64Array(a.paramCount);
    const la = a.lossGrad!(th, x, y, ga),
      lb = b.lossGrad!(th, x, y, gb);
    const f = a.apply(th, x);
    let l = 0;
    const r = f.data.map((v, k) => v - y.data[k]!);
    r.forEach((v) => {
      l += 0.5 * v * v;
    });
    expect(la).toBeCloseTo(l, 12);
    expect(lb).toBeCloseTo(l, 12);
    const g = a.grad(th, x, { rows: 5, cols: 1, data: r });
    for (let i = 0; i < g.length; i++) {
      expect(ga[i]).toBeCloseTo(g[i]!, 12);
      expect(gb[i]).toBeCloseTo(g[i]!, 12);
    }
  });
  it('priors: wᵢ ~ N(0, σ_w²/d), aᵢ ~ N(0, σ_a²/(χN)) (Monte Carlo, 5σ)', () => {
    const net = twoLayerNet({ dim: 5, width: 40, sigmaW2: 2, sigmaA2: 3, chi: 4 });
    const s = priorStd(net);
    expect(s[0]! ** 2).toBeCloseTo(2 / 5, 14);
    expect(s[net.paramCount - 1]! ** 2).toBeCloseTo(3 / (4 * 40), 14);
    let vw = 0,
      va = 0,
      nw = 0,
      na = 0;
    for (let r = 0; r < 200; r++) {
      const th = drawPrior(net, key(100 + r));
      for (let i = 0; i < 200; i++) {
        vw += th[i]! ** 2;
        nw++;
      }
      for (let i = 200; i < 240; i++) {
        va += th[i]! ** 2;
        na++;
      }
    }
    expect(Math.abs(vw / nw / (2 / 5) - 1)).toBeLessThan(5 * Math.sqrt(2 / nw));
    expect(Math.abs(va / na / (3 / 160) - 1)).toBeLessThan(5 * Math.sqrt(2 / na));
  });
  it('rejects bad input with typed errors', () => {
    expect(() => twoLayerNet({ dim: 0, width: 3 })).toThrow(/dim/);
    expect(() => twoLayerNet({ dim: 2, width: 3, activation: 'gelu' as never })).toThrow(/activation/);
    const net = twoLayerNet({ dim: 2, width: 3 });
    expect(() => net.apply(net.init(key(1)), fromRows([[1, 2, 3]]))).toThrow(/columns/);
  });
});

describe('fast erf (hot-loop activation)', () => {
  it('erf and erf′ agree with @sftdl/compute erf and 2/√π·e^{−x²} to ≤ 1e-14', async () => {
    const { erf } = await import('@sftdl/compute');
    const { activate, fastErf } = await import('./models');
    const h = Float64Array.from({ length: 4001 }, (_, i) => -7 + i * 3.5e-3);
    const phi = new Float64Array(h.length),
      dphi = new Float64Array(h.length);
    activate('erf', h, phi, dphi);
    for (let i = 0; i < h.length; i++) {
      const v = h[i]!;
      expect(Math.abs(phi[i]! - erf(v))).toBeLessThan(1e-14);
      expect(Math.abs(fastErf(v) - erf(v))).toBeLessThan(1e-14);
      expect(Math.abs(dphi[i]! - 1.1283791670955126 * Math.exp(-v * v))).toBeLessThan(1e-14);
    }
  });
});
