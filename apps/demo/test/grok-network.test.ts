import { key, normal } from '@sftdl/field';
import { modularOnsets } from '@sftdl/solvers';
import { describe, expect, it } from 'vitest';
import { lineChartSvg } from '../src/plot';
import { explorerUrl, renderReport } from '../src/report';
import { traceDiagnostics } from '../src/tour/langevin';
import { modularReadoutIntegral } from '@sftdl/solvers';
import {
  FIG3_GMFL_RATIO,
  alignFourierModes,
  modeOccupation,
  modularScenario,
  randomiseFourierPhases,
} from '../src/tour/modular-langevin';
import { compareStarts } from '../src/tour/datasets';
import { sexticRegulariser } from '../src/tour/modular-net';

describe('traceDiagnostics', () => {
  it('AR(1) chains x_t = φx_{t−1} + ξ: τ_int ≈ (1 + φ)/(1 − φ), ESS = C·L/τ, R̂ ≈ 1; shifted chains give R̂ ≫ 1', () => {
    const phi = 0.8,
      C = 4,
      L = 20000;
    const chains = Array.from({ length: C }, (_, c) => {
      const xi = normal(key(10 + c), L);
      const t: number[] = [];
      let x = 0;
      for (let i = 0; i < L; i++) {
        x = phi * x + xi[i]!;
        t.push(x);
      }
      return t;
    });
    const d = traceDiagnostics(chains, 5);
    const tau = (1 + phi) / (1 - phi); // = 9
    expect(d.tauInt / 5).toBeGreaterThan(0.8 * tau);
    expect(d.tauInt / 5).toBeLessThan(1.2 * tau);
    expect(d.ess).toBeCloseTo((C * L) / (d.tauInt / 5), 6);
    expect(d.rhat).toBeLessThan(1.01);
    // SE of the mean: stationary sd = 1/√(1 − φ²), so √(τ/(1 − φ²)/(C·L)) with the exact τ
    expect(d.se / Math.sqrt(tau / (1 - phi * phi) / (C * L))).toBeGreaterThan(0.8);
    expect(Math.abs(d.mean)).toBeLessThan(5 * d.se);
    const shifted = chains.map((t, c) => t.map((v) => v + 3 * c));
    expect(traceDiagnostics(shifted, 1).rhat).toBeGreaterThan(1.5);
  });
});

/** |w_k|² of the P weights at offset o by a direct DFT, w_k = P⁻¹Σₙwₙe^{2πikn/P}. */
function modeMagnitude2(th: ArrayLike<number>, o: number, k: number, P: number): number {
  let re = 0,
    im = 0;
  for (let n = 0; n < P; n++) {
    re += (th[o + n]! * Math.cos((2 * Math.PI * k * n) / P)) / P;
    im += (th[o + n]! * Math.sin((2 * Math.PI * k * n) / P)) / P;
  }
  return re * re + im * im;
}

describe('modular network: the sextic regulariser', () => {
  it('Γ = Σ_i Σ_{k≠0} P(γ/6)(|w_k|⁶ + |v_k|⁶) by a direct complex DFT, and its gradient matches central differences', () => {
    const P = 5,
      N = 3,
      gamma = 0.7;
    const th = normal(key(3), N * 2 * P + N * P);
    let direct = 0;
    for (let i = 0; i < N; i++)
      for (let h = 0; h < 2; h++)
        for (let k = 1; k < P; k++) {
          direct += ((P * gamma) / 6) * modeMagnitude2(th, i * 2 * P + h * P, k, P) ** 3;
        }
    const g = new Float64Array(th.length);
    expect(sexticRegulariser(th, N, P, gamma, g)).toBeCloseTo(direct, 12);
    for (const j of [0, 4, 7, 13, 29]) {
      const h = 1e-5,
        tp = Float64Array.from(th),
        tm = Float64Array.from(th);
      tp[j]! += h;
      tm[j]! -= h;
      expect(g[j]!).toBeCloseTo((sexticRegulariser(tp, N, P, gamma) - sexticRegulariser(tm, N, P, gamma)) / (2 * h), 6);
    }
    expect(g[N * 2 * P]).toBe(0); // the readout is not regularised
  });

  it('aligned start: every mode k ≠ 0 of both halves has |w_k|² = x (direct DFT), the readout is untouched', () => {
    const P = 7,
      N = 3,
      x = 0.3;
    const th = normal(key(4), N * 2 * P + N * P);
    const readout = Array.from(th.subarray(N * 2 * P));
    alignFourierModes(th, N, P, x, normal(key(5), 100));
    for (let i = 0; i < N; i++)
      for (let h = 0; h < 2; h++)
        for (let k = 0; k < P; k++) {
          expect(modeMagnitude2(th, i * 2 * P + h * P, k, P)).toBeCloseTo(k === 0 ? 0 : x, 12);
        }
    expect(Array.from(th.subarray(N * 2 * P))).toEqual(readout);
  });

  it('randomiseFourierPhases keeps every |w_k| and the DC part; a single-mode neuron’s a(W) does not depend on its phases', () => {
    const P = 7,
      N = 3;
    const w = normal(key(6), N * 2 * P);
    const r = randomiseFourierPhases(
      w,
      N,
      P,
      Array.from(normal(key(7), 100), (v) => Math.abs(v) % 1),
    );
    for (let i = 0; i < N; i++)
      for (let h = 0; h < 2; h++)
        for (let k = 0; k < P; k++)
          expect(modeMagnitude2(r, i * 2 * P + h * P, k, P)).toBeCloseTo(modeMagnitude2(w, i * 2 * P + h * P, k, P), 12);
    // the phases did change (a plain copy would pass the magnitude check)
    expect(Math.max(...Array.from(r, (v, j) => Math.abs(v - w[j]!)))).toBeGreaterThan(0.1);
    // one neuron with one Fourier mode per half: φ = (wₙ + vₘ)² has the same mode magnitudes at any phases, so the
    // exact readout integral a(W) (which depends on W through |φ̃_κ|² only for N = 1) is unchanged
    const one = new Float64Array(2 * P);
    for (let h = 0; h < 2; h++) for (let n = 0; n < P; n++) one[h * P + n] = 2 * Math.cos((2 * Math.PI * 2 * n) / P + h);
    const a0 = modularReadoutIntegral(one, 1, P, 0.3, 0.05).a;
    const a1 = modularReadoutIntegral(randomiseFourierPhases(one, 1, P, [0.9, 0.1, 0.7, 0.3, 0.55, 0.05]), 1, P, 0.3, 0.05).a;
    expect(a0).toBeLessThan(0.999);
    expect(a1).toBeCloseTo(a0, 12);
    expect(() => randomiseFourierPhases(w, N, P, [0.5])).toThrow(/uniforms/);
  });

  it('modeOccupation counts (neuron, mode pair) pairs beyond the barrier on both axes, by a direct synthesis', () => {
    const P = 7,
      H = 3,
      N = 3,
      barrier = 0.1;
    // half o of neuron i: xₙ = Σ_k 2·amp_k·cos(2πkn/P + ph_k), so that |x_k|² = amp_k² (x_k = P⁻¹Σₙxₙe^{−2πikn/P})
    const w = new Float64Array(N * 2 * P);
    const put = (i: number, h: number, power: number[]) => {
      for (let n = 0; n < P; n++)
        for (let k = 1; k <= H; k++)
          w[i * 2 * P + h * P + n]! += 2 * Math.sqrt(power[k - 1]!) * Math.cos((2 * Math.PI * k * n) / P + 0.7 * k + h);
    };
    put(0, 0, [0.3, 0.2, 0.15]); // neuron 0: every pair aligned
    put(0, 1, [0.25, 0.4, 0.12]);
    put(1, 0, [0.05, 0.02, 0.08]); // neuron 1: none
    put(1, 1, [0.3, 0.3, 0.3]);
    put(2, 0, [0.3, 0.02, 0.5]); // neuron 2: pair 1 only (pair 3 fails on v, pair 2 on w)
    put(2, 1, [0.2, 0.5, 0.09]);
    for (let i = 0; i < N; i++) for (let n = 0; n < P; n++) w[i * 2 * P + n]! += 0.4; // a DC part is not a mode
    const m = modeOccupation(w, N, P, barrier);
    expect(m.pairs).toBe(N * H);
    expect(m.neurons).toBe(N);
    expect(m.aligned).toBe(H + 1);
    expect(m.allAligned).toBe(1);
    expect(m.alignedW2v2).toBeCloseTo(0.3 * 0.25 + 0.2 * 0.4 + 0.15 * 0.12 + 0.3 * 0.2, 12);
    // one neuron each with 0, 1 and 3 aligned pairs
    expect(m.byPairs).toEqual([1, 1, 0, 1]);
    expect(m.alignedW2v2ByPairs[1]).toBeCloseTo(0.3 * 0.2, 12);
    expect(m.alignedW2v2ByPairs[3]).toBeCloseTo(0.3 * 0.25 + 0.2 * 0.4 + 0.15 * 0.12, 12);
  });

  it('compareStarts: aligned − prior differences paired per dataset, mean ± SE over datasets', () => {
    const o = (p: number, a: number) => ({
      starts: {
        prior: { chains: 1, learnedLinear: 0.5, learnedCubic: p },
        aligned: { chains: 1, learnedLinear: 0.5, learnedCubic: a },
      },
    });
    // differences 0.01, 0.03: mean 0.02, sd 0.01414…, SE 0.01
    const c = compareStarts([o(-0.02, -0.01), o(-0.05, -0.02)])!;
    expect(c.cubicGap).toBeCloseTo(0.02, 14);
    expect(c.cubicGapSe).toBeCloseTo(0.01, 14);
    expect(c.linearGap).toBe(0);
    expect(c.mix).toBe(true);
    expect(compareStarts([o(-0.02, -0.01)])).toBeNull(); // one dataset: no SE
    expect(compareStarts([{ starts: {} }])).toBeNull();
  });

  it("the scenario mapping keeps the paper's σ²_II/σ²_I (printed λ at P = 401) with the first-principles onsets at small P", () => {
    const paper = modularOnsets({ prime: 401, width: 1000, sigmaA2: 2e-6, gamma: 1e-4 });
    expect(FIG3_GMFL_RATIO).toBeCloseTo((paper.gmfl2Onset as number) / paper.gmfl1Onset, 12);
    const sc = modularScenario({ prime: 11, width: 32, gamma: 30 });
    const on = modularOnsets(
      { prime: 11, width: 32, sigmaA2: sc.sigmaA2, gamma: 30 },
      { lambdaNormalization: 'first-principles' },
    );
    expect((on.gmfl2Onset as number) / on.gmfl1Onset).toBeCloseTo(FIG3_GMFL_RATIO, 10);
    // closed forms with A = P²σ_a², s* = 2√(γ/3): σ²_I = √(2A/(N s*)) − 4σ_a², σ²_II = √(2A/(N s*)) − 12A/γ
    const A = 121 * sc.sigmaA2,
      pin = Math.sqrt((2 * A) / (32 * 2 * Math.sqrt(10)));
    expect(sc.gmfl1Onset).toBeCloseTo(pin - 4 * sc.sigmaA2, 12);
    expect(sc.gmfl2Onset).toBeCloseTo(pin - (12 * A) / 30, 12);
  });
});

describe('report figures', () => {
  it('error bars, hollow markers, dashed theory lines and a log axis reach the SVG; failures are highlighted; explorer links', async () => {
    const svg = await lineChartSvg({
      xLabel: 'x',
      yLabel: 'y',
      yScale: 'log',
      series: [
        { name: 'a', x: [1, 2], y: [1, 10] },
        { name: 'b', x: [1, 2], y: [2, 20] },
        { name: 's', x: [1, 2], y: [1.5, 12], yErr: [0.2, 1], hollow: [false, true], points: true },
      ],
    });
    expect(svg).toMatch(/stroke-dasharray="8,4"/);
    expect((svg.match(/<path[^>]*aria-roledescription="point"/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(svg).toContain('1.05');
    const html = renderReport({
      title: 't',
      subtitle: 's',
      footer: 'f',
      sections: [
        {
          title: 'x',
          paragraphs: [],
          figures: [{ svg, caption: 'c', explorer: explorerUrl('cubic', { epsilon: -0.3, 'sigma-w2': 0.5 }, {}) }],
          tables: [{ caption: 't', header: ['R̂'], rows: [['1.2 ✗'], ['1.01']] }],
        },
      ],
    });
    expect(html).toContain('<td class="fail">1.2 ✗</td>');
    expect(html).toContain('<td>1.01</td>');
    expect(html).toContain('href="http://127.0.0.1:5173/?view=cubic&amp;epsilon=-0.3&amp;sigma-w2=0.5"');
    expect(explorerUrl('msa', { width: 64 }, { SFTDL_EXPLORER_URL: 'http://h/x/' })).toBe('http://h/x/?view=msa&width=64');
  });
});

describe('sweep → report --from (modular-point)', () => {
  it('a tiny modular sweep runs, collects and draws the paper-size figure with the theory at the same P, N, σ_a², γ', async () => {
    const { demo } = await import('./cli');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = join(mkdtempSync(join(tmpdir(), 'sftdl-msweep-')), 's');
    // the GMFL-I midpoint of the mapped scenario, where the finite-P quadrature applies
    const sc = modularScenario({ prime: 5, width: 4, gamma: 30 });
    const sigma2 = Number(((sc.gmfl1Onset + sc.gmfl2Onset) / 2).toPrecision(6));
    expect(
      demo([
        'sweep',
        'plan',
        'modular-point',
        '--grid',
        `sigma2=${sigma2}`,
        '--set',
        'steps=60',
        '--set',
        'burnIn=20',
        '--set',
        'prime=5',
        '--set',
        'width=4',
        '--out-dir',
        dir,
        '--json',
      ]).code,
    ).toBe(0);
    expect(demo(['sweep', 'run', dir, '--workers', '1', '--json']).code).toBe(0);
    const r = demo(['report', '--from', dir, '--out-dir', join(dir, 'out'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { report: string; done: number; table: { rows: (string | number)[][] } };
    expect(j.done).toBe(1);
    const { solveModularFiniteN, solveModularFiniteP } = await import('@sftdl/solvers');
    const par = { prime: 5, width: 4, sigmaA2: sc.sigmaA2, gamma: 30, sigma2 };
    // the report compares with the finite-P theory (exact mode integral) and the task's finite-N theory
    expect(j.table.rows[0]![4]).toBeCloseTo(solveModularFiniteP(par, { gridPoints: 100 }).a, 12);
    const fN = j.table.rows[0]![5] as number;
    expect(Math.abs(fN - solveModularFiniteN(par, { key: key(4) }).a)).toBeLessThan(0.01);
    expect(readFileSync(j.report, 'utf8')).toContain('<svg');
  }, 120_000);
});

describe('cubic ensemble: deterministic budget', () => {
  it('the stopping rule checks at fixed steps: the same key gives bit-identical numbers (and a run never stops on a clock)', async () => {
    const { referenceBackend } = await import('@sftdl/compute');
    const { fold, key: mk } = await import('@sftdl/field');
    const { cubicTeacher, makeDataset } = await import('@sftdl/teachers');
    const { runEnsemble } = await import('../src/tour/langevin');
    const { scaleFig2 } = await import('../src/tour/sizes');
    const sizes = scaleFig2(0.01);
    const P = sizes.params;
    const teacher = cubicTeacher({ dim: P.dim, epsilon: P.epsilon, key: mk(1) });
    const data = makeDataset(teacher, { key: mk(2), samples: P.samples, testSamples: 50 });
    const run = () =>
      runEnsemble({
        sizes,
        data,
        sigma2: 0.15,
        chains: 4,
        alignedChains: 2,
        alignedOverlap: 0.7,
        steps: 600,
        burnIn: 100,
        thin: 5,
        key: fold(mk(3), 1),
        backend: referenceBackend,
        target: { rhat: 1.03, ess: 60, checkEvery: 10 },
      });
    const [a, b] = [await run(), await run()];
    expect(a.stepsDone).toBe(b.stepsDone);
    expect((a.stepsDone - 100) % 50).toBe(0); // stops only on the check grid (10 records × thin 5) or at the cap
    expect(a.learnedCubic).toBe(b.learnedCubic);
    expect(a.rhat).toBe(b.rhat);
    expect(a.starts.aligned?.chains).toBe(2);
    expect(a.starts.prior?.chains).toBe(2);
    expect((a.starts.aligned!.learnedCubic + a.starts.prior!.learnedCubic) / 2).toBeCloseTo(a.learnedCubic, 12);
  }, 60_000);
});

describe('modular environment check', () => {
  it('measures the network kernel statistics at a GMFL-II point and solves the screened theory with them', async () => {
    const { runModularLangevin } = await import('../src/tour/modular-langevin');
    const { referenceBackend } = await import('@sftdl/compute');
    const sc = modularScenario({ prime: 7, width: 16, gamma: 30 });
    const [r] = await runModularLangevin({
      scenario: sc,
      sigma2: [0.95 * sc.gmfl2Onset],
      chains: 2,
      maxSteps: 800,
      burnIn: 100,
      thin: 5,
      key: key(4),
      backend: referenceBackend,
      reweightDraws: 0,
      stopAtTarget: false,
      environmentCheck: true,
      screenedTheory: 'gmfl2',
      // the other closure (the default one runs in the width-sweep test below)
      screenedClosure: { coupling: 'exact', discrepancy: 'deterministic-equivalent' },
    });
    const e = r!.environment!;
    expect(r!.theoryScreened).toBeGreaterThan(0.5);
    expect(r!.theoryScreened).toBeLessThan(1);
    expect(r!.phase).toBe('GMFL-II');
    // every 8th of the 140 recorded states of each chain, neurons of the first of every 64
    expect(e.states).toBe(2 * Math.floor(140 / 8));
    expect(e.neuronSamples).toBe(16);
    expect(e.fluctuationNetwork).toBeCloseTo(r!.a - e.aMeanKernel, 14);
    expect(e.aMeanKernel).toBeGreaterThan(0.5);
    expect(e.aMeanKernel).toBeLessThan(r!.a);
    for (const v of [e.fluctuationNetworkCovariance, e.fluctuationGaussian, e.fluctuationRpa!]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(0.2);
    }
    // the series of a(K) about the mean kernel over the same states: term 0 is a(Q), term 1 vanishes (Q is their mean),
    // term 2 is the second-order sum up to the sampled off-diagonal mean, and the exact mean is the states' a(K_W)
    const sr = e.series;
    expect(sr.states).toBe(e.states);
    expect(sr.terms).toHaveLength(7);
    expect(sr.terms[0]).toBeCloseTo(e.aMeanKernel, 12);
    expect(Math.abs(sr.terms[1]!)).toBeLessThan(1e-12);
    expect(sr.terms[2]! / e.fluctuationNetworkCovariance).toBeGreaterThan(0.9);
    expect(sr.terms[2]! / e.fluctuationNetworkCovariance).toBeLessThan(1.5);
    expect(sr.partialSums[6]).toBeCloseTo(
      sr.terms.reduce((a, b) => a + b, 0),
      12,
    );
    expect(Math.abs(sr.aExact - r!.a)).toBeLessThan(0.02);
    expect(sr.aIndependent).toBeGreaterThan(0.5);
    expect(sr.aIndependent).toBeLessThan(1);
    expect(sr.aIndependentSe).toBeGreaterThan(0);
    expect(Math.abs(sr.aDeterministicEquivalent - sr.aIndependent)).toBeLessThan(5 * sr.aIndependentSe + 0.005);
    // the network's correlations screen the kernel entries on the target rows, and the screened resolvent moves towards
    // the exact mean (a rough check: ρ from 34 states; measured at P = 7, N = 19 from 762 states it meets it to 2e-4)
    // (measured here: ρ̄ = 0.69; screened 0.8626, independent 0.8819, exact 0.8640)
    expect(sr.screeningTargetRows).toBeGreaterThan(0.3);
    expect(sr.screeningTargetRows).toBeLessThan(0.9);
    expect(Math.abs(sr.aScreenedDeterministicEquivalent - sr.aExact)).toBeLessThan(
      0.3 * Math.abs(sr.aDeterministicEquivalent - sr.aExact),
    );
    expect(sr.spectralRadiusMean).toBeGreaterThan(0.1);
    expect(sr.spectralRadiusMax).toBeGreaterThanOrEqual(sr.spectralRadiusMean);
    expect(e.theoryNetworkCovariance).toBeGreaterThan(0.5);
    expect(e.theoryNetworkCovariance).toBeLessThan(1);
    expect(e.w2v2TheoryNetworkCovariance).toBeGreaterThan(0);
    // the mode occupation at the finite-P theory's barrier, against its aligned mass
    const { modularSaddles, solveModularFiniteP } = await import('@sftdl/solvers');
    const fp = solveModularFiniteP({ prime: 7, width: 16, sigmaA2: sc.sigmaA2, gamma: 30, sigma2: 0.95 * sc.gmfl2Onset });
    const o = r!.occupation!;
    expect(o.barrier).toBeCloseTo(modularSaddles(fp.s, 30)!.xMinus, 14);
    expect(o.alignedPairsTheory).toBeCloseTo(fp.alignedMass, 14);
    expect(o.alignedPairsTheory).toBeGreaterThan(0.5);
    expect(o.alignedPairs).toBeGreaterThan(0);
    expect(o.alignedPairs).toBeLessThan(1);
    expect(o.alignedPairsSe).toBeGreaterThan(0);
    expect(o.allPairsIndependent).toBeCloseTo(o.alignedPairs ** 3, 14);
    expect(o.allPairsAligned).toBeLessThanOrEqual(o.alignedPairs);
    expect(o.depth!).toBeGreaterThan(o.barrier ** 2);
    // the histogram of aligned pairs per neuron (P = 7: 0…3) reproduces the totals
    const histogramMatches = (by: number[], depthBy: number[], pairs: number, all: number, depth: number) => {
      expect(by).toHaveLength(4);
      expect(by.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(by[3]).toBeCloseTo(all, 12);
      expect(by.reduce((a, f, n) => a + (f * n) / 3, 0)).toBeCloseTo(pairs, 12);
      expect(depthBy.reduce((a, d, n) => a + d * n * by[n]!, 0) / (3 * pairs)).toBeCloseTo(depth, 12);
      expect(depthBy[0]).toBe(0);
    };
    histogramMatches(o.neuronsByPairs, o.depthByPairs, o.alignedPairs, o.allPairsAligned, o.depth!);
    // the theory with the network's covariance, counted beyond the same barrier
    const on = e.occupationNetworkCovariance!;
    expect(on.barrier).toBe(o.barrier);
    histogramMatches(on.neuronsByPairs, on.depthByPairs, on.alignedPairs, on.allPairsAligned, on.depth!);
    expect(on.depth! * on.alignedPairs).toBeLessThanOrEqual(e.w2v2TheoryNetworkCovariance! * (1 + 1e-12));
    // the screened theory's law (and the Laplace response's) counted beyond the same barrier, over its reweighted samples
    for (const [pairs, all, depth, w2v2, by, depthBy] of [
      [
        o.alignedPairsScreened,
        o.allPairsAlignedScreened,
        o.depthScreened,
        r!.w2v2TheoryScreened,
        o.neuronsByPairsScreened,
        o.depthByPairsScreened,
      ],
      [
        o.alignedPairsLaplace,
        o.allPairsAlignedLaplace,
        o.depthLaplace,
        r!.w2v2TheoryLaplace,
        o.neuronsByPairsLaplace,
        o.depthByPairsLaplace,
      ],
    ] as const) {
      expect(pairs).toBeGreaterThan(0);
      expect(pairs).toBeLessThan(1);
      expect(all).toBeLessThanOrEqual(pairs!);
      expect(depth!).toBeGreaterThan(o.barrier ** 2);
      expect(depth! * pairs!).toBeLessThanOrEqual(w2v2! * (1 + 1e-12));
      histogramMatches(by!, depthBy!, pairs!, all!, depth!);
    }
    await expect(
      runModularLangevin({
        scenario: sc,
        sigma2: [0.95 * sc.gmfl2Onset],
        chains: 2,
        maxSteps: 200,
        burnIn: 100,
        thin: 5,
        key: key(4),
        backend: referenceBackend,
        environmentCheck: true,
        checkpoint: { load: () => undefined, save: () => {}, everySeconds: 60 },
      }),
    ).rejects.toThrow(/does not resume from a checkpoint/);
    // with the screened theory and the Laplace response solved at P = 7, N = 16: ≈ 80 s beside a CI run
  }, 360_000);
});

describe('modular cavity check', () => {
  it('runs the (N − 1)-neuron network at the same ε and compares the closures with the exact cavity law', async () => {
    const { runModularLangevin } = await import('../src/tour/modular-langevin');
    const { referenceBackend } = await import('@sftdl/compute');
    const sc = modularScenario({ prime: 5, width: 8, gamma: 30 });
    const sigma2 = 1.15 * sc.gmfl1Onset;
    const opts = {
      scenario: sc,
      sigma2: [sigma2],
      chains: 2,
      maxSteps: 900,
      burnIn: 100,
      thin: 5,
      key: key(11),
      backend: referenceBackend,
      reweightDraws: 0,
      stopAtTarget: false,
    };
    const [r] = await runModularLangevin({ ...opts, cavityCheck: true });
    const c = r!.cavityLaw!;
    expect(r!.phase).toBe('GFL');
    expect(c.environmentWidth).toBe(7);
    expect(c.environmentSigmaA2).toBeCloseTo((sc.sigmaA2 * 7) / 8, 15);
    // every 8th of the 160 recorded states of each chain, for the environment and for the samples (8 neurons each)
    expect(c.environmentStates).toBe(2 * 20);
    expect(c.neurons).toBe(2 * 20 * 8);
    expect(c.closures.map((x) => x.name)).toEqual([
      'cavity',
      'kernel-linear',
      'kernel-linear-shifted',
      'resolvent-linear',
      'mean-d',
      'mean-d-kernel-linear',
      'mean-d-resolvent-linear',
      'cumulant-2',
    ]);
    // the environment network is a real run at the same σ² with its own key: its |a| is near the N-network's
    expect(Math.abs(c.environmentA - r!.a)).toBeLessThan(0.05);
    // in GFL a neuron is weakly coupled: the exact second cumulant is within a few per cent of the exact law, the
    // cavity action (no fluctuations) is shallower, and the mean shift has the sign of the second-order estimate
    const by = Object.fromEntries(c.closures.map((x) => [x.name, x]));
    expect(Math.abs(by['cumulant-2']!.relative)).toBeLessThan(0.02);
    expect(by.cavity!.relative).toBeLessThan(by['cumulant-2']!.relative);
    expect(Math.sign(c.meanShift)).toBe(Math.sign(c.meanShiftSecondOrder));
    for (const x of c.closures) {
      expect(x.ess).toBeGreaterThan(1);
      expect(x.ess).toBeLessThanOrEqual(c.neurons + 1e-9);
      expect(x.relativeSe).toBeGreaterThan(0);
      expect(x.relativeSeEnvironments).toBeGreaterThan(0);
      expect(x.relativeSeEnvironments).toBeLessThanOrEqual(x.relativeSe);
    }
    // the main run is the same with or without the check (the environment runs on its own key)
    const [plain] = await runModularLangevin(opts);
    expect(plain!.a).toBe(r!.a);
    expect(plain!.cavityLaw).toBeUndefined();
    await expect(
      runModularLangevin({
        ...opts,
        cavityCheck: true,
        checkpoint: { load: () => undefined, save: () => {}, everySeconds: 60 },
      }),
    ).rejects.toThrow(/cavityCheck does not resume from a checkpoint/);
  }, 240_000);
});

/** A quiet, quick part context on the reference backend (seed 0) for the scenario helpers. */
async function quietPartContext() {
  const { referenceBackend } = await import('@sftdl/compute');
  return {
    backend: referenceBackend,
    seed: 0,
    quick: true,
    full: false,
    quiet: true,
    log: () => {},
    checkpointDir: '',
    resume: false,
  };
}

describe('modular finite-width sweeps', () => {
  it('the GMFL-II sweep runs each width at 0.95σ²_II of its own scenario, reuses the base run, and fits the gap', async () => {
    const { runFiniteWidth } = await import('../src/tour/modular-width');
    const { runModularLangevin } = await import('../src/tour/modular-langevin');
    const { referenceBackend } = await import('@sftdl/compute');
    const L = { prime: 7, width: 16, gamma: 30, chains: 2, maxSteps: 300, burnIn: 100, widths: [16, 24] };
    const ctx = await quietPartContext();
    const sc4 = modularScenario({ prime: 7, width: 16, gamma: 30 });
    const [base] = await runModularLangevin({
      scenario: sc4,
      sigma2: [0.95 * sc4.gmfl2Onset],
      chains: 2,
      maxSteps: 300,
      burnIn: 100,
      thin: 5,
      key: key(3),
      backend: referenceBackend,
      reweightDraws: 0,
    });
    const fw = await runFiniteWidth(ctx, L, base!, 'gmfl2');
    expect(fw.json.point).toBe('GMFL-II, 0.95σ²_II of each width');
    expect(fw.points.map((p) => p.width)).toEqual([16, 24]);
    // the plan's own width is the base run itself
    expect(fw.points[0]!.a).toBe(base!.a);
    for (const p of fw.points) {
      const sc = modularScenario({ prime: 7, width: p.width, gamma: 30 });
      expect(p.sigma2).toBeCloseTo(0.95 * sc.gmfl2Onset, 12);
      expect(p.sigmaA2).toBe(sc.sigmaA2);
      expect(p.gap).toBeCloseTo(p.a - p.theoryA, 14);
      expect(p.phaseCoordination).toBeCloseTo(p.a - p.aPhasesRandomised, 14);
      expect(p.aPhasesRandomised).toBeGreaterThan(0);
      expect(p.aPhasesRandomised).toBeLessThanOrEqual(1);
    }
    // the screened cavity theory runs at the GMFL-II widths the sweep simulates itself (not on the reused base run)
    expect(fw.points[0]!.theoryScreened).toBeUndefined();
    const wide = fw.points[1]!;
    expect(wide.theoryScreened).toBeGreaterThan(0.5);
    expect(wide.theoryScreened).toBeLessThan(1);
    expect(wide.deviationSeScreened).toBeCloseTo(
      Math.abs(wide.a - wide.theoryScreened!) / Math.hypot(wide.aStdError, wide.theoryScreenedSe!),
      9,
    );
    expect(wide.screening).toBeGreaterThanOrEqual(0);
    expect(wide.screening).toBeLessThanOrEqual(1);
    // in GMFL-II the Laplace response too, continued from the screened solution: it makes more room for an aligned
    // neuron, so it learns more (lower |a|, larger magnitudes); the bracket verdict follows from the two
    expect(wide.theoryLaplace).toBeGreaterThan(0.5);
    expect(wide.theoryLaplace).toBeLessThan(wide.theoryScreened!);
    expect(wide.w2v2TheoryLaplace).toBeGreaterThan(wide.w2v2TheoryScreened!);
    const [lo, hi] = [wide.theoryLaplace!, wide.theoryScreened!];
    expect(wide.withinBracket).toBe(
      wide.a >= lo - 3 * Math.hypot(wide.aStdError, wide.theoryLaplaceSe!) &&
        wide.a <= hi + 3 * Math.hypot(wide.aStdError, wide.theoryScreenedSe!),
    );
    // the GFL sweep solves the screened theory only when asked (--screened-sweeps), again not on the reused base run
    const gfl = await runFiniteWidth(ctx, { ...L, widths: [16, 24], screenedSweeps: true }, base!, 'gfl');
    expect(gfl.points[0]!.theoryScreened).toBeUndefined();
    expect(gfl.points[1]!.theoryScreened).toBeGreaterThan(0.5);
    expect(gfl.points[1]!.theoryScreened).toBeLessThan(1);
    expect(gfl.points[1]!.theoryLaplace).toBeUndefined(); // GMFL-II only
    expect(gfl.points[1]!.sigma2).toBeCloseTo(1.15 * modularScenario({ prime: 7, width: 24, gamma: 30 }).gmfl1Onset, 12);
    // two widths: the 1/N and 1/√N lines pass through both points
    for (const f of fw.fits) {
      const x = (n: number) => (f.x === '1/N' ? 1 / n : 1 / Math.sqrt(n));
      for (const p of fw.points) expect(f.extrapolatedGap + f.slope * x(p.width)).toBeCloseTo(p.gap, 9);
    }
    // three theory solves at N = 24 (screened twice, Laplace once): ≈ 2 min on 2 shared cores
  }, 360_000);
});

describe('modular second prime', () => {
  it("N' = round(N·(P'/P)⁴), the next prime, and the first prime's sweep read at the same (P − 1)/N (linear in 1/N)", async () => {
    const { gapAtWidth, nextPrime, secondPrimeWidth } = await import('../src/tour/modular-prime');
    expect([3, 5, 7, 11, 13, 23].map(nextPrime)).toEqual([5, 7, 11, 13, 17, 29]);
    expect(secondPrimeWidth(11, 32, 13)).toBe(62); // 32·(13/11)⁴ = 62.42
    expect(secondPrimeWidth(5, 8, 7)).toBe(31); // 8·(7/5)⁴ = 30.73
    const sweep = [
      { width: 64, gap: 0.0875 },
      { width: 16, gap: 0.213 },
      { width: 32, gap: 0.164 },
    ];
    // exact at the sweep's widths, a straight line in 1/N between them, null outside
    for (const p of sweep) expect(gapAtWidth(sweep, p.width)).toBeCloseTo(p.gap, 15);
    expect(gapAtWidth(sweep, 2 / (1 / 32 + 1 / 64))).toBeCloseTo((0.164 + 0.0875) / 2, 14);
    expect(gapAtWidth(sweep, 12)).toBeNull();
    expect(gapAtWidth(sweep, 65)).toBeNull();
    expect(gapAtWidth([{ width: 32, gap: 0.1 }], 32)).toBe(0.1);
  });

  it('runs the three points of the phase diagram at (P′, N′) and compares each gap with the first prime’s', async () => {
    const { runSecondPrime } = await import('../src/tour/modular-prime');
    const { runModularLangevin, modularSigma2 } = await import('../src/tour/modular-langevin');
    const { referenceBackend } = await import('@sftdl/compute');
    const L = { prime: 5, width: 8, gamma: 30, chains: 2, maxSteps: 300, burnIn: 100 };
    const ctx = await quietPartContext();
    const sc = modularScenario({ prime: 5, width: 8, gamma: 30 });
    const first = await runModularLangevin({
      scenario: sc,
      sigma2: modularSigma2(sc),
      ...L,
      thin: 5,
      key: key(5),
      backend: referenceBackend,
      reweightDraws: 0,
    });
    // a sweep at the GMFL-I midpoint that brackets N_eq = 31·4/6 = 20.67; none at the other two points
    const mid = [
      { width: 8, gap: 0.2 },
      { width: 32, gap: 0.08 },
    ] as never;
    const r = await runSecondPrime(ctx, L, 7, first, [null, mid, null]);
    expect([r.prime, r.width, r.firstPrime, r.firstWidth]).toEqual([7, 31, 5, 8]);
    expect(r.beta).toBeCloseTo(49 / 25, 14);
    expect(r.modesPerNeuron).toBeCloseTo(6 / 31, 14);
    expect(r.modesPerNeuronFirstPrime).toBeCloseTo(4 / 8, 14);
    expect(r.widthSameModesPerNeuron).toBeCloseTo((31 * 4) / 6, 12);
    const sc2 = modularScenario({ prime: 7, width: 31, gamma: 30 });
    expect(r.sigmaA2).toBe(sc2.sigmaA2);
    // the mapping keeps the phase diagram's shape: the same relative σ² points, the same σ²_II/σ²_I
    expect(sc2.ratio).toBeCloseTo(sc.ratio, 9);
    const s2 = modularSigma2(sc2);
    expect(r.points.map((p) => p.phase)).toEqual(first.map((f) => f.phase));
    for (const [i, p] of r.points.entries()) {
      expect(p.sigma2).toBeCloseTo(s2[i]!, 14);
      expect(p.gap).toBeCloseTo(p.a - p.theoryA, 14);
      expect(p.aFirstPrime).toBe(first[i]!.a);
      expect(p.gapFirstPrime).toBeCloseTo(first[i]!.a - first[i]!.theoryA, 14);
      expect(p.gapRatio).toBeCloseTo(p.gap / p.gapFirstPrime, 12);
      expect(p.gapShrinks).toBe(Math.abs(p.gapFirstPrime) - Math.abs(p.gap) > 3 * Math.hypot(p.aStdError, p.aStdErrorFirstPrime));
      expect(p.a).toBeGreaterThan(0.5);
      expect(p.a).toBeLessThanOrEqual(1);
    }
    expect(r.gapShrinksEverywhere).toBe(r.points.every((p) => p.gapShrinks));
    const t = (1 / 8 - 1 / r.widthSameModesPerNeuron) / (1 / 8 - 1 / 32);
    expect(r.points[1]!.gapSameModesPerNeuron).toBeCloseTo(0.2 + t * (0.08 - 0.2), 14);
    expect(r.points[1]!.relativeToSameModesPerNeuron).toBeCloseTo(
      (r.points[1]!.gap - r.points[1]!.gapSameModesPerNeuron!) / r.points[1]!.gapSameModesPerNeuron!,
      12,
    );
    expect(r.points[0]!.gapSameModesPerNeuron).toBeNull();
    // the same key gives the same numbers
    const again = await runSecondPrime(ctx, L, 7, first, [null, mid, null]);
    expect(again.points.map((p) => p.a)).toEqual(r.points.map((p) => p.a));
  }, 120_000);
});
