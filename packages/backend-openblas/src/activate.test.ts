import {
  ACTIVATION_NAMES,
  type ReadoutArgs,
  activateInto,
  fastErfTable,
  readoutInto,
  activationDerivative,
  activationFunction,
} from '@sftdl/compute';
import { describe, expect, it } from 'vitest';
import { loadAddon } from './addon';
import { createOpenblasBackend, isOpenblasAvailable } from './index';

describe.skipIf(!isOpenblasAvailable())('native fused activations', () => {
  it('φ and φ′ agree with the accurate scalar definitions (threaded and single-threaded buffers)', () => {
    for (const threads of [1, 2]) {
      const be = createOpenblasBackend({ threads });
      for (const name of ACTIVATION_NAMES) {
        const f = activationFunction(name),
          df = activationDerivative(name);
        for (const len of [7, 100_003]) {
          // a few ulps (fast erf: table + Taylor; libm tanh/exp); deterministic inputs over [−8, 8], both sides of erf's table edge at |h| = 6
          const h = Float64Array.from({ length: len }, (_, i) => 8 * Math.sin(0.37 * i + 0.1));
          const phi = new Float64Array(len),
            dphi = new Float64Array(len);
          be.activate!(name, h, phi, dphi, len);
          for (let i = 0; i < len; i += 97) {
            expect(Math.abs(phi[i]! - f(h[i]!))).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(f(h[i]!))));
            expect(Math.abs(dphi[i]! - df(h[i]!))).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(df(h[i]!))));
          }
        }
      }
    }
  });
});

describe.skipIf(!isOpenblasAvailable())('native fused activations: bit-identical to compute', () => {
  const loaded = loadAddon();
  // the vector paths (AVX-512 / AVX2, chosen at run time) and the scalar tail must round exactly like activateInto
  const special = [
    0,
    -0,
    1e-300,
    -1e-300,
    1 / 256,
    1 / 128,
    5.999999999999999,
    6,
    -6,
    6.000000000000001,
    27,
    -27.5,
    1e3,
    -1e300,
    Infinity,
    -Infinity,
  ];
  const grid = (len: number) =>
    Float64Array.from({ length: len }, (_, i) =>
      i < special.length ? special[i]! : 9 * Math.sin(0.731 * i) * Math.cos(0.0173 * i),
    );
  for (const name of ['linear', 'erf', 'relu', 'square'] as const) {
    it(`${name}: every entry equals activateInto's (lengths 1 … 300k, 1 and 2 threads, tails, ±0, ±Inf, |h| ≥ 6)`, () => {
      for (const threads of [1, 2]) {
        const be = createOpenblasBackend({ threads });
        for (const len of [1, 7, 8, 9, 15, 16, 17, 1003, 300_001]) {
          const h = grid(len);
          const phiT = new Float64Array(len),
            dphiT = new Float64Array(len);
          activateInto(name, h, phiT, dphiT, len);
          // the backend (best instruction set), then the addon capped at AVX2 and at scalar
          for (const maxIsa of [undefined, 1, 0]) {
            const phi = new Float64Array(len),
              dphi = new Float64Array(len);
            if (maxIsa === undefined) be.activate!(name, h, phi, dphi, len);
            else if (loaded.ok)
              loaded.addon.activate(ACTIVATION_NAMES.indexOf(name), threads, h, phi, dphi, len, fastErfTable(), maxIsa);
            // Object.is per entry (distinguishes ±0); one assertion per buffer
            let bad = -1;
            // (erf′ beyond the table, |h| ≥ 6, is 2/√π·exp(−h²) < 3e-16 from libm's exp here and the JS engine's there:
            // the last bit may differ, so there 2 ulps relative)
            const same = (i: number) =>
              Object.is(dphi[i], dphiT[i]) ||
              (name === 'erf' && Math.abs(h[i]!) >= 6 && Math.abs(dphi[i]! - dphiT[i]!) <= 2 * Number.EPSILON * dphiT[i]!);
            for (let i = 0; i < len && bad < 0; i++) if (!Object.is(phi[i], phiT[i]) || !same(i)) bad = i;
            expect(
              bad,
              bad < 0 ? '' : `${name}(${h[bad]}) [maxIsa ${maxIsa}]: ${phi[bad]}, ${dphi[bad]} vs ${phiT[bad]}, ${dphiT[bad]}`,
            ).toBe(-1);
          }
        }
      }
    });
  }
  it('only writes the first len entries', () => {
    const be = createOpenblasBackend({ threads: 1 });
    const h = grid(40),
      phi = new Float64Array(40).fill(7),
      dphi = new Float64Array(40).fill(7);
    be.activate!('erf', h, phi, dphi, 21);
    expect(phi.subarray(21).every((v) => v === 7) && dphi.subarray(21).every((v) => v === 7)).toBe(true);
  });
});

describe.skipIf(!isOpenblasAvailable())('native fused two-layer readout', () => {
  const loaded = loadAddon();
  it("agrees with compute's readoutInto (AVX-512 sums to 1e-13; the portable path bit for bit), any width tail, O = 1 and 3", () => {
    const be = createOpenblasBackend({ threads: 1 });
    for (const [n, N, O, stride, offset] of [
      [5, 1, 1, 3, 1],
      [37, 200, 1, 600, 200],
      [9, 23, 1, 23, 0],
      [13, 17, 3, 40, 20],
    ] as const) {
      const v = (len: number, s: number) => Float64Array.from({ length: len }, (_, i) => Math.sin(s * i + 0.3));
      const phi = v(n * stride, 0.77),
        dphi = v(n * stride, 1.31),
        a = v(2 + N * O, 0.53),
        y = v(n * O, 2.1);
      const run = (f: (r: ReadoutArgs) => number) => {
        const out = {
          pred: new Float64Array(n * O),
          res: new Float64Array(n * O),
          grad: new Float64Array(3 + N * O).fill(9),
          delta: new Float64Array(n * stride).fill(9),
        };
        const loss = f({ n, width: N, outputs: O, phi, dphi, stride, offset, a, aOffset: 2, y, gradOffset: 3, ...out });
        return { loss, ...out };
      };
      const ref = run(readoutInto),
        nat = run((r) => be.readout!(r));
      const portable = run((r) =>
        loaded.ok
          ? loaded.addon.readout(
              r.n,
              r.width,
              r.outputs,
              r.stride,
              r.offset,
              r.phi,
              r.dphi,
              r.a,
              r.aOffset,
              r.y,
              r.pred,
              r.res,
              r.grad,
              r.gradOffset,
              r.delta,
              0,
            )
          : NaN,
      );
      expect(portable).toEqual(ref);
      expect(Math.abs(nat.loss - ref.loss)).toBeLessThanOrEqual(1e-13 * ref.loss);
      for (const k of ['pred', 'res', 'grad', 'delta'] as const) {
        const d = Math.max(...nat[k].map((x, i) => Math.abs(x - ref[k][i]!)));
        expect(d, k).toBeLessThanOrEqual(1e-13 * Math.max(1, N));
      }
      // untouched outside this network's columns and gradient block
      for (let mu = 0; mu < n; mu++)
        for (let j = 0; j < stride; j++) if (j < offset || j >= offset + N) expect(nat.delta[mu * stride + j]).toBe(9);
      expect([...nat.grad.subarray(0, 3)]).toEqual([9, 9, 9]);
    }
  });
});

describe.skipIf(!isOpenblasAvailable())('matmulInto', () => {
  it("equals matmul, writes into the caller's buffer, and names itself in errors", () => {
    const be = createOpenblasBackend({ threads: 1 });
    const a = { rows: 70, cols: 50, data: Float64Array.from({ length: 3500 }, (_, i) => Math.sin(i)) };
    const b = { rows: 60, cols: 50, data: Float64Array.from({ length: 3000 }, (_, i) => Math.cos(i)) };
    const out = new Float64Array(70 * 60 + 5).fill(3);
    const c = be.matmulInto!(a, b, out, { transB: true });
    expect(c.data.buffer).toBe(out.buffer);
    expect([...c.data]).toEqual([...be.matmul(a, b, { transB: true }).data]);
    expect([...out.subarray(4200)]).toEqual([3, 3, 3, 3, 3]);
    expect(() => be.matmulInto!(a, b, new Float64Array(10), { transB: true })).toThrow(/matmulInto: out has 10 entries/);
    const bad = { ...a, data: a.data.slice() };
    bad.data[7] = NaN;
    expect(() => be.matmulInto!(bad, b, out, { transB: true })).toThrow(/matmulInto: A/);
  });
});

describe.skipIf(!isOpenblasAvailable())('native readout: independent of the batch layout', () => {
  it('one chain alone and the same chain inside a 3-chain buffer give identical bits (any batch split, any worker count)', () => {
    const be = createOpenblasBackend({ threads: 1 });
    const n = 11,
      N = 45;
    const v = (len: number, s: number) => Float64Array.from({ length: len }, (_, i) => Math.sin(s * i + 0.3));
    const phi1 = v(n * N, 0.71),
      dphi1 = v(n * N, 1.7),
      a = v(N, 0.4),
      y = v(n, 2.3);
    const run = (phi: Float64Array, dphi: Float64Array, stride: number, offset: number) => {
      const out = {
        pred: new Float64Array(n),
        res: new Float64Array(n),
        grad: new Float64Array(N),
        delta: new Float64Array(n * stride),
      };
      const loss = be.readout!({ n, width: N, outputs: 1, phi, dphi, stride, offset, a, aOffset: 0, y, gradOffset: 0, ...out });
      const delta = Float64Array.from({ length: n * N }, (_, k) => out.delta[Math.floor(k / N) * stride + offset + (k % N)]!);
      return { loss, pred: out.pred, grad: out.grad, delta };
    };
    const alone = run(phi1, dphi1, N, 0);
    // embed as chain 1 of 3 (other chains: different values)
    const phi3 = v(n * 3 * N, 0.13),
      dphi3 = v(n * 3 * N, 0.29);
    for (let mu = 0; mu < n; mu++) {
      phi3.set(phi1.subarray(mu * N, (mu + 1) * N), mu * 3 * N + N);
      dphi3.set(dphi1.subarray(mu * N, (mu + 1) * N), mu * 3 * N + N);
    }
    expect(run(phi3, dphi3, 3 * N, N)).toEqual(alone);
  });
});

describe.skipIf(!isOpenblasAvailable())('native readout with the fused activation', () => {
  it("equals activate followed by the unfused native readout bit for bit, and compute's fused readoutInto to rounding", () => {
    const be = createOpenblasBackend({ threads: 1 });
    for (const [n, N, O, stride, offset] of [
      [9, 200, 1, 600, 400],
      [5, 13, 1, 13, 0],
      [6, 11, 2, 30, 7],
    ] as const) {
      const h = Float64Array.from({ length: n * stride }, (_, i) => 4 * Math.sin(0.61 * i));
      const a = Float64Array.from({ length: N * O }, (_, i) => Math.cos(0.7 * i)),
        y = Float64Array.from({ length: n * O }, (_, i) => Math.sin(1.3 * i));
      for (const activation of ACTIVATION_NAMES) {
        const run = (mode: 'fused' | 'unfused' | 'ts') => {
          const out = {
            pred: new Float64Array(n * O),
            res: new Float64Array(n * O),
            grad: new Float64Array(N * O),
            delta: new Float64Array(n * stride),
          };
          const base = { n, width: N, outputs: O, stride, offset, a, aOffset: 0, y, gradOffset: 0, ...out };
          let loss: number;
          if (mode === 'unfused') {
            const phi = new Float64Array(n * stride),
              dphi = new Float64Array(n * stride);
            be.activate!(activation, h, phi, dphi, n * stride);
            loss = be.readout!({ ...base, phi, dphi });
          } else loss = (mode === 'ts' ? readoutInto : be.readout!)({ ...base, h, activation });
          return { loss, ...out };
        };
        const fused = run('fused'),
          ts = run('ts');
        expect(fused, `${activation} n=${n} N=${N}`).toEqual(run('unfused'));
        // in place: delta = h (this network's columns of h become δ; the rest of h is untouched)
        const hh = h.slice();
        const loss = be.readout!({
          n,
          width: N,
          outputs: O,
          stride,
          offset,
          a,
          aOffset: 0,
          y,
          gradOffset: 0,
          pred: new Float64Array(n * O),
          res: new Float64Array(n * O),
          grad: new Float64Array(N * O),
          delta: hh,
          h: hh,
          activation,
        });
        expect(loss).toBe(fused.loss);
        for (let k = 0; k < n * stride; k++) {
          const mine = k % stride >= offset && k % stride < offset + N;
          if ((mine ? fused.delta[k] : h[k]) !== hh[k]) expect.fail(`in place: entry ${k}`);
        }
        expect(Math.abs(fused.loss - ts.loss)).toBeLessThanOrEqual(1e-12 * Math.max(1, ts.loss));
        for (const k of ['pred', 'grad', 'delta'] as const) {
          expect(Math.max(...fused[k].map((x, i) => Math.abs(x - ts[k][i]!))), `${activation} ${k}`).toBeLessThanOrEqual(
            1e-12 * N,
          );
        }
      }
    }
  });
});

describe.skipIf(!isOpenblasAvailable())('native readout: row parts on threads', () => {
  it("n = 700 (5 row parts): identical bits at 1, 2 and 3 threads, and compute's readoutInto to rounding", () => {
    const n = 700,
      N = 203,
      stride = 2 * N,
      offset = N;
    const h = Float64Array.from({ length: n * stride }, (_, i) => 3 * Math.sin(0.37 * i));
    const a = Float64Array.from({ length: N }, (_, i) => Math.cos(0.7 * i) / 10),
      y = Float64Array.from({ length: n }, (_, i) => Math.sin(1.3 * i));
    const run = (f: (r: ReadoutArgs) => number) => {
      const out = {
        pred: new Float64Array(n),
        res: new Float64Array(n),
        grad: new Float64Array(N),
        delta: new Float64Array(n * stride),
      };
      const loss = f({ n, width: N, outputs: 1, stride, offset, a, aOffset: 0, y, gradOffset: 0, ...out, h, activation: 'erf' });
      return { loss, ...out };
    };
    const one = run((r) => createOpenblasBackend({ threads: 1 }).readout!(r));
    for (const threads of [2, 3]) expect(run((r) => createOpenblasBackend({ threads }).readout!(r))).toEqual(one);
    const ts = run(readoutInto);
    expect(Math.abs(one.loss - ts.loss)).toBeLessThanOrEqual(1e-12 * ts.loss);
    for (const k of ['pred', 'grad', 'delta'] as const) {
      expect(
        one[k].reduce((m, x, i) => Math.max(m, Math.abs(x - ts[k][i]!)), 0),
        k,
      ).toBeLessThanOrEqual(1e-12 * N);
    }
  });
});

describe.skipIf(!isOpenblasAvailable())('native fused erf readout: the table it is given', () => {
  it('follows a changed table (its column copy is remade), equal to activate with the same table', () => {
    const loaded = loadAddon();
    if (!loaded.ok) return;
    const [n, N] = [300, 21];
    const h = Float64Array.from({ length: n * N }, (_, i) => 7 * Math.sin(0.37 * i));
    const a = Float64Array.from({ length: N }, (_, i) => Math.cos(0.9 * i)),
      y = Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i));
    const real = fastErfTable();
    // another valid-shaped table: every entry scaled (values differ from the real table's everywhere)
    const other = real.map((v) => 0.75 * v);
    const fused = (table: Float64Array) => {
      const out = {
        pred: new Float64Array(n),
        res: new Float64Array(n),
        grad: new Float64Array(N),
        delta: new Float64Array(n * N),
      };
      const loss = loaded.addon.readout(
        n,
        N,
        1,
        N,
        0,
        undefined,
        undefined,
        a,
        0,
        y,
        out.pred,
        out.res,
        out.grad,
        0,
        out.delta,
        2,
        1,
        h,
        table,
        1,
      );
      return { loss, ...out };
    };
    const unfused = (table: Float64Array) => {
      const phi = new Float64Array(n * N),
        dphi = new Float64Array(n * N);
      loaded.addon.activate(1, 1, h, phi, dphi, n * N, table);
      const out = {
        pred: new Float64Array(n),
        res: new Float64Array(n),
        grad: new Float64Array(N),
        delta: new Float64Array(n * N),
      };
      const loss = loaded.addon.readout(n, N, 1, N, 0, phi, dphi, a, 0, y, out.pred, out.res, out.grad, 0, out.delta, 2);
      return { loss, ...out };
    };
    const first = fused(real);
    expect(first).toEqual(unfused(real));
    const changed = fused(other);
    expect(changed).toEqual(unfused(other));
    expect(changed.loss).not.toBe(first.loss);
    expect(fused(real)).toEqual(first);
  });
});
