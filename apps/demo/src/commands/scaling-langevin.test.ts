import { type Mat, erf, referenceBackend } from '@sftdl/compute';
import { key, normalMat, split } from '@sftdl/field';
import { alignment, regionPriorLogMass } from '@sftdl/scaling';
import { LangevinSampler, linearTwoLayerExactPosterior, threeLayerNet, twoLayerNet } from '@sftdl/training';
import { describe, expect, it } from 'vitest';
import { NetworkSampler, annealedSweep, secondLayerSpecialised, singleIndexData } from './scaling-langevin';

/** Pooled mean and standard error (between chains) of per-chain mean predictions. */
function pooled(chainMeans: Float64Array[]): { mean: number[]; se: number[] } {
  const C = chainMeans.length;
  const n = chainMeans[0]!.length;
  const mean = Array.from({ length: n }, (_, t) => chainMeans.reduce((a, m) => a + m[t]!, 0) / C);
  const se = mean.map((m, t) => Math.sqrt(chainMeans.reduce((a, c) => a + (c[t]! - m) ** 2, 0) / (C - 1) / C));
  return { mean, se };
}

describe('network posterior sampler (Gibbs readout + per-neuron MALA)', () => {
  it('linear two-layer network: posterior-mean test predictions match the exact posterior (training oracle)', () => {
    const [kx, ky, kt, ks] = split(key(11), 4);
    const d = 3;
    const N = 4;
    const n = 6;
    const x = normalMat(kx!, n, d);
    const yv = normalMat(ky!, n, 1).data;
    const xt = normalMat(kt!, 5, d);
    const sigma2 = 0.3;
    const exact = linearTwoLayerExactPosterior({ x, y: yv, xTest: xt, sigma2, width: N, nodes: 200 });
    const s = new NetworkSampler({
      model: twoLayerNet({ dim: d, width: N, activation: 'linear' }),
      sigma2,
      chains: 8,
      key: ks!,
      activationSlope: 1,
    });
    const r = s.stage(x, yv, xt, { burnIn: 300, record: 2500 });
    const { mean, se } = pooled(r.chainMeanTest);
    const ex = exact.meanPredictionTest!;
    for (let t = 0; t < mean.length; t++) {
      expect(se[t]!).toBeLessThan(0.05); // the comparison is sharp enough to mean something
      expect(Math.abs(mean[t]! - ex[t]!)).toBeLessThan(4 * se[t]! + 2e-3);
    }
    expect(r.acceptance).toBeGreaterThan(0.3);
  });

  it('erf two-layer network: agrees with the training package’s MALA sampler (an independent implementation)', () => {
    const [kx, kt, ks, kl] = split(key(5), 4);
    const d = 3;
    const N = 3;
    const n = 5;
    const data = singleIndexData(kx!, n, 4, d, 3);
    void kt;
    const sigma2 = 0.2;
    const model = twoLayerNet({ dim: d, width: N, activation: 'erf', sigmaA2: 2 });
    const mine = new NetworkSampler({ model, sigma2, chains: 8, key: ks!, activationSlope: 2 / Math.sqrt(Math.PI) });
    const r = mine.stage(data.X, data.y, data.Xt, { burnIn: 300, record: 2500 });
    const a = pooled(r.chainMeanTest);
    const ref = new LangevinSampler({
      model,
      x: data.X,
      y: { rows: n, cols: 1, data: data.y },
      xTest: data.Xt,
      yTest: { rows: data.Xt.rows, cols: 1, data: data.yt },
      sigma2,
      key: kl!,
      steps: 40000,
      chains: 8,
      method: 'mala',
    }).run();
    const b = ref.meanPredictionTest!.data;
    const bse = ref.meanPredictionTestStdError!.data;
    for (let t = 0; t < b.length; t++) {
      const se = Math.hypot(a.se[t]!, bse[t]!);
      expect(se).toBeLessThan(0.08);
      expect(Math.abs(a.mean[t]! - b[t]!)).toBeLessThan(4 * se + 2e-3);
    }
  });

  it('the readout Gram matrix on a backend gives the host loops’ chain (same draws, same predictions to rounding)', () => {
    const data = singleIndexData(key(7), 40, 10, 5, 3);
    const model = twoLayerNet({ dim: 5, width: 6, activation: 'erf', sigmaA2: 4 });
    const run = (withBackend: boolean) =>
      new NetworkSampler({
        model,
        sigma2: 0.5,
        chains: 2,
        key: key(8),
        activationSlope: 2 / Math.sqrt(Math.PI),
        ...(withBackend ? { backend: referenceBackend } : {}),
      }).stage(data.X, data.y, data.Xt, { burnIn: 20, record: 20 });
    const a = run(false);
    const b = run(true);
    expect(b.acceptance).toBe(a.acceptance);
    for (let t = 0; t < a.meanTest.length; t++) expect(b.meanTest[t]!).toBeCloseTo(a.meanTest[t]!, 9);
  });

  it('a tiny annealed sweep: nested stages, one stop after the onset, specialised counts and chance counts', () => {
    const sweep = annealedSweep({
      model: (d) => twoLayerNet({ dim: d, width: d, activation: 'erf', sigmaA2: 4 }),
      widthOf: (d) => d,
      dims: [4, 6],
      grid: [8, 16, 32, 64, 128],
      seeds: 2,
      chains: 2,
      alignedChains: 1,
      degree: 3,
      sigma2: 0.5,
      activationSlope: 2 / Math.sqrt(Math.PI),
      burnIn: 20,
      record: 20,
      testSamples: 200,
      threshold: 0.5,
      specialisationThreshold: 0.5,
      hysteresis: true,
      downStepsPerOctave: 4, // the CLI's default (annealedSweep's own is 2)
      key: key(3),
    });
    expect(sweep.map((s) => s.dim)).toEqual([4, 6]);
    for (const s of sweep) {
      expect(s.alignment).toHaveLength(2);
      for (const row of s.alignment) expect(row).toHaveLength(s.samples.length);
      expect(s.samples).toEqual([8, 16, 32, 64, 128].slice(0, s.samples.length));
      const mean = s.samples.map((_, p) => (s.alignment[0]![p]! + s.alignment[1]![p]!) / 2);
      const first = mean.findIndex((m) => m >= 0.5);
      // stops one stage after the first seed-mean crossing, or runs the whole grid
      const lastUp = s.alignment.map((r) => r[r.length - 1]!);
      expect(first < 0 ? s.samples.length === 5 : s.samples.length === Math.min(5, first + 2)).toBe(true);
      // each dataset's up onset: its own first crossing, interpolated in log P (recomputed by hand)
      s.alignment.forEach((row, i) => {
        const j = row.findIndex((v) => v >= 0.5);
        const want =
          j <= 0
            ? null
            : Math.exp(
                Math.log(s.samples[j - 1]!) +
                  ((0.5 - row[j - 1]!) / (row[j]! - row[j - 1]!)) * (Math.log(s.samples[j]!) - Math.log(s.samples[j - 1]!)),
              );
        if (want === null) expect(s.onsetsUp[i]).toBeNull();
        else expect(s.onsetsUp[i]).toBeCloseTo(want, 9);
      });
      expect(s.specialisedByChance).toBeGreaterThan(0);
      // realigned datasets: exactly those below the threshold at the top of the up walk
      expect(s.realigned).toEqual(lastUp.flatMap((v, i) => (v < 0.5 ? [i] : [])));
      const top = s.extendedTo.length ? s.extendedTo[s.extendedTo.length - 1]! : s.samples[s.samples.length - 1]!;
      if (s.down) {
        // down branch: one common grid for both datasets, top·2^(−k/4) (rounded) in increasing order, ending at the top
        const down = s.down;
        expect(down.alignment).toHaveLength(2);
        expect(down.samples[down.samples.length - 1]).toBe(top);
        const k = down.samples.length - 1;
        const want = Array.from({ length: k }, (_, i) => Math.round(top * 2 ** (-(k - i) / 4)));
        expect(down.samples.slice(0, k)).toEqual([...new Set(want)]);
        for (const row of down.alignment) expect(row).toHaveLength(down.samples.length);
        // it starts where the dataset mean is ≥ ½, and stops two stages below ½ (or at the bottom of the grid)
        const mean = down.samples.map((_, i) => (down.alignment[0]![i]! + down.alignment[1]![i]!) / 2);
        expect(mean[mean.length - 1]!).toBeGreaterThanOrEqual(0.5);
        if (down.samples[0]! >= 8 * 2 ** 0.25) expect(mean[0]! < 0.5 && mean[1]! < 0.5).toBe(true);
        // each dataset's down onset: walking down from the top, the first P below the threshold (by hand)
        down.alignment.forEach((row, i) => {
          let want: number | null = null;
          if (row[row.length - 1]! >= 0.5)
            for (let j = row.length - 2; j >= 0; j--)
              if (row[j]! < 0.5) {
                const t = (0.5 - row[j]!) / (row[j + 1]! - row[j]!);
                want = down.samples[j]! * (down.samples[j + 1]! / down.samples[j]!) ** t;
                break;
              }
          if (want === null) expect(s.onsetsDown[i]).toBeNull();
          else expect(s.onsetsDown[i]).toBeCloseTo(want, 9);
        });
      } else expect(s.onsetsDown.every((v) => v === null)).toBe(true);
      expect(s.specialised.every((m) => m >= 0 && m <= s.width)).toBe(true);
    }
    // alignment is a property of the data: check one value independently
    expect(alignment([1, 2], [1, 2])).toBe(1);
  });
});

describe('teacher-quadrature test set (held-out A_f without the He₃ tail noise)', () => {
  it('weights sum to 1, moments along w* and ⟨y, y⟩ are exact, and A_f of erf(2w*·x) meets its closed form', () => {
    const d = 24;
    const data = singleIndexData(key(5), 10, 500, d, 3, 'quadrature');
    const wt = data.wt!;
    expect(data.Xt.rows).toBe(500);
    const z = Array.from({ length: data.Xt.rows }, (_, t) => data.w.reduce((a, wj, j) => a + wj * data.Xt.data[t * d + j]!, 0));
    const moment = (f: (t: number) => number) => wt.reduce((a, w, t) => a + w * f(t), 0);
    expect(moment(() => 1)).toBeCloseTo(1, 14);
    // Gauss–Hermite with 50 nodes: E z² = 1, E z⁴ = 3, E z⁶ = 15 exactly, and ⟨y, y⟩ = E He₃²/6 = 1
    expect(moment((t) => z[t]! ** 2)).toBeCloseTo(1, 12);
    expect(moment((t) => z[t]! ** 4)).toBeCloseTo(3, 11);
    expect(moment((t) => data.yt[t]! ** 2)).toBeCloseTo(1, 11);
    // the orthogonal directions are plain Gaussian draws (independent of the node): a coordinate ⟂ w* has mean square ≈ 1
    const u = new Float64Array(d);
    u[0] = 1;
    const uw = data.w[0]!;
    for (let j = 0; j < d; j++) u[j]! -= uw * data.w[j]!;
    const un = Math.hypot(...u);
    const ux = (t: number) => data.Xt.data.subarray(t * d, (t + 1) * d).reduce((a, x, j) => a + (x * u[j]!) / un, 0);
    const ms = Array.from({ length: 500 }, (_, t) => ux(t) ** 2).reduce((a, b) => a + b, 0) / 500;
    expect(Math.abs(ms - 1)).toBeLessThan(0.2); // 3 standard deviations of a mean of 500 χ²₁ draws
    // A_f of f = erf(r·w*·x): E[erf(rz)He₃(z)] = E[(d/dz)³erf(rz)] = −4r³/(√π(1 + 2r²)^{3/2}), divided by √6 (y = He₃/√6)
    const r = 2;
    const f = z.map((v) => erf(r * v));
    const exact = (-4 * r ** 3) / (Math.sqrt(Math.PI) * (1 + 2 * r * r) ** 1.5 * Math.sqrt(6));
    expect(Math.abs(alignment(f, data.yt, wt) - exact)).toBeLessThan(2e-5);
    // the same A_f on 500 random points: a test set is one draw of a noisy estimate (here off by > 10× the quadrature's error)
    const rnd = singleIndexData(key(5), 10, 500, d, 3, 'random');
    expect(rnd.wt).toBeUndefined();
    const zr = Array.from({ length: 500 }, (_, t) => rnd.w.reduce((a, wj, j) => a + wj * rnd.Xt.data[t * d + j]!, 0));
    const errRandom = Math.abs(
      alignment(
        zr.map((v) => erf(r * v)),
        rnd.yt,
      ) - exact,
    );
    expect(errRandom).toBeGreaterThan(10 * Math.abs(alignment(f, data.yt, wt) - exact));
  });
});

describe('second-layer specialisation count (three-layer nets)', () => {
  it('a layer-2 neuron that reads one first-layer neuron pinned to w* has corr(h₂, w*·x) = corr(erf z, z) = 0.9558', () => {
    // closed form for z ~ N(0, 1): E[z erf z] = 2/√(3π), E[erf² z] = (2/π)·asin(2/3), so the correlation is
    // (2/√(3π)) / √((2/π)·asin(2/3)) = 0.95582…
    const exact = 2 / Math.sqrt(3 * Math.PI) / Math.sqrt((2 / Math.PI) * Math.asin(2 / 3));
    expect(exact).toBeCloseTo(0.95582, 4);
    const d = 6;
    const [n1, n2] = [5, 4];
    const model = threeLayerNet({ dim: d, widths: [n1, n2], activation: 'erf' });
    const p = model.init(key(1));
    const w = new Float64Array(d);
    w[2] = 1;
    for (let j = 0; j < d; j++) p[j] = w[j]!; // W row 0 = w*
    for (let k = 0; k < n1; k++) p[n1 * d + k] = k === 0 ? 1.3 : 0; // V row 0 reads only that neuron
    const x = normalMat(key(2), 20000, d);
    // the sample correlation has SE ≈ 1e-3 here: 0.95 counts it, 0.96 does not (the other rows are random mixtures)
    const lo = secondLayerSpecialised(model, p, x, w, 0.95);
    const hi = secondLayerSpecialised(model, p, x, w, 0.96);
    expect(lo - hi).toBe(1);
    expect(secondLayerSpecialised(model, p, x, w, 0.999)).toBe(0);
    expect(() => secondLayerSpecialised(twoLayerNet({ dim: d, width: 3 }), p, x, w, 0.5)).toThrow(/three-layer/);
  });
});

describe('restricted ensembles and their free energies (the equilibrium onset)', () => {
  it('d = 2, N = 1: Σ of the one-point log predictive factors = log Z_R(P) − log Z_R(0) of a 2-D quadrature, per region', () => {
    // y = He₃(w*·x)/√6, one erf neuron with read-in W ∈ ℝ², readout a integrated out analytically in the quadrature:
    // Z_R(P) = ∫_R p₀(W) G(W) dW, G(W) = ∫ N(a; 0, v_a) Π_μ exp(−(a·erf(W·x_μ) − y_μ)²/(2σ²)) da (Gaussian in a)
    const d = 2;
    const P = 5;
    const sigma2 = 0.3;
    const c = 0.8; // lazy: |cos(W, w*)| ≤ 0.8; aligned: > 0.8
    const data = singleIndexData(key(21), P, 1, d, 3);
    const model = twoLayerNet({ dim: d, width: 1, activation: 'erf', sigmaA2: 2 });
    const vW = model.blocks.find((b) => b.name === 'W')!.priorVariance;
    const va = model.blocks.find((b) => b.name === 'a')!.priorVariance;
    const probe = Float64Array.from([0.3, -0.7, 1]);
    const phi0 = model.features!(probe, { rows: 1, cols: d, data: Float64Array.from([1.1, 0.4]) }).data[0]!;
    expect(phi0).toBeCloseTo(erf(0.3 * 1.1 - 0.7 * 0.4), 12); // the network's activation is plain erf
    const X = data.X.data;
    const y = data.y;
    const ws = data.w;
    const logZ = (n: number, side: 'lazy' | 'aligned') => {
      // polar quadrature: r ∈ (0, 6√vW], angle uniform; midpoint rule
      const nr = 300;
      const nt = 1440;
      const rMax = 6 * Math.sqrt(vW);
      let z = 0;
      for (let i = 0; i < nr; i++) {
        const r = ((i + 0.5) * rMax) / nr;
        const pr = (Math.exp((-r * r) / (2 * vW)) / (2 * Math.PI * vW)) * r * (rMax / nr) * ((2 * Math.PI) / nt);
        for (let j = 0; j < nt; j++) {
          const t = ((j + 0.5) * 2 * Math.PI) / nt;
          const w0 = r * Math.cos(t);
          const w1 = r * Math.sin(t);
          const ov = Math.abs(Math.cos(t) * ws[0]! + Math.sin(t) * ws[1]!);
          if ((side === 'lazy') !== ov <= c) continue;
          let ff = 0;
          let fy = 0;
          let yy = 0;
          for (let m = 0; m < n; m++) {
            const f = erf(w0 * X[m * d]! + w1 * X[m * d + 1]!);
            ff += f * f;
            fy += f * y[m]!;
            yy += y[m]! ** 2;
          }
          const prec = 1 / va + ff / sigma2;
          z += (pr * Math.exp(-yy / (2 * sigma2) + (fy / sigma2) ** 2 / (2 * prec))) / Math.sqrt(va * prec);
        }
      }
      return Math.log(z);
    };
    for (const side of ['lazy', 'aligned'] as const) {
      // the region's prior mass: closed form at d = 2 against the quadrature
      expect(regionPriorLogMass(1, d, c, side)).toBeCloseTo(logZ(0, side), 2);
      const s = new NetworkSampler({
        model,
        sigma2,
        chains: 8,
        key: key(side === 'lazy' ? 31 : 32),
        activationSlope: 2 / Math.sqrt(Math.PI),
        teacherDirection: ws,
        region: { side, threshold: c },
      });
      let sum = 0;
      for (let n = 0; n < P; n++) {
        // the posterior on the first n points predicting point n + 1: log Z(n + 1) − log Z(n) exactly in expectation
        const x: Mat = { rows: n, cols: d, data: X.subarray(0, n * d) };
        const xNext: Mat = { rows: 1, cols: d, data: X.slice(n * d, (n + 1) * d) };
        const r = s.stage(x, y.subarray(0, n), xNext, {
          burnIn: 200,
          record: 1500,
          predictive: { yTest: y.slice(n, n + 1) },
        });
        sum += r.logPredictive!;
        for (const p of s.chains) {
          const m = s.maxOverlap(p);
          expect(side === 'lazy' ? m <= c : m > c).toBe(true); // the chains never leave their region
        }
      }
      expect(Math.abs(sum - (logZ(P, side) - logZ(0, side)))).toBeLessThan(0.05); // |log Z(5) − log Z(0)| ≈ 6–7 here
    }
  });
});
