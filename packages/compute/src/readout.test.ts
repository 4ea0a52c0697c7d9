import { describe, expect, it } from 'vitest';
import { matmulInto } from './backend';
import { ACTIVATION_NAMES, activateInto } from './activations';
import { InvalidArgumentError, ShapeError } from './errors';
import { fromRows } from './mat';
import { readoutInto } from './readout';
import { referenceBackend } from './reference';

describe('readoutInto', () => {
  it('matches the written-out sums of f = φa, r = f − y, φᵀr and (r aᵀ) ⊙ φ′ for one network inside a batched buffer', () => {
    // n = 2, width = 2, O = 2, this network at columns 1..2 of a stride-4 buffer
    const phi = Float64Array.of(9, 1, 2, 9, 9, 3, -1, 9),
      dphi = Float64Array.of(9, 0.5, 2, 9, 9, 1, 4, 9);
    const a = Float64Array.of(7, 1, 2, 3, 4); // aOffset 1: a = [[1, 2], [3, 4]]
    const y = Float64Array.of(1, 0, 0, 1);
    const pred = new Float64Array(4),
      res = new Float64Array(4),
      grad = new Float64Array(6).fill(5),
      delta = new Float64Array(8).fill(-7);
    const loss = readoutInto({
      n: 2,
      width: 2,
      outputs: 2,
      phi,
      dphi,
      stride: 4,
      offset: 1,
      a,
      aOffset: 1,
      y,
      pred,
      res,
      grad,
      gradOffset: 2,
      delta,
    });
    // f₀ = [1·1 + 2·3, 1·2 + 2·4] = [7, 10], f₁ = [3·1 − 1·3, 3·2 − 1·4] = [0, 2]
    expect([...pred]).toEqual([7, 10, 0, 2]);
    expect([...res]).toEqual([6, 10, 0, 1]);
    expect(loss).toBe(0.5 * (36 + 100 + 0 + 1));
    // φᵀr: [[1·6 + 3·0, 1·10 + 3·1], [2·6 − 1·0, 2·10 − 1·1]]
    expect([...grad]).toEqual([5, 5, 6, 13, 12, 19]);
    // δ_{μi} = (Σ_o r_{μo} a_{io}) φ′_{μi}: μ=0: [(6 + 20)·0.5, (18 + 40)·2], μ=1: [(0 + 2)·1, (0 + 4)·4]
    expect([...delta]).toEqual([-7, 13, 116, -7, -7, 2, 16, -7]);
  });
});

describe('readoutInto with the fused activation', () => {
  it.each([1, 2])(
    'equals activateInto followed by the unfused readout bit for bit (every activation, %i outputs, inside a batched buffer)',
    (O) => {
      const n = 7,
        N = 13,
        stride = 40,
        offset = 9;
      const h = Float64Array.from({ length: n * stride }, (_, i) => 3 * Math.sin(0.37 * i));
      const a = Float64Array.from({ length: N * O }, (_, i) => Math.cos(0.9 * i)),
        y = Float64Array.from({ length: n * O }, (_, i) => Math.sin(i));
      for (const activation of ACTIVATION_NAMES) {
        const run = (fused: boolean) => {
          const out = {
            pred: new Float64Array(n * O),
            res: new Float64Array(n * O),
            grad: new Float64Array(N * O),
            delta: new Float64Array(n * stride),
          };
          const phi = new Float64Array(n * stride),
            dphi = new Float64Array(n * stride);
          if (!fused) activateInto(activation, h, phi, dphi);
          const loss = readoutInto({
            n,
            width: N,
            outputs: O,
            stride,
            offset,
            a,
            aOffset: 0,
            y,
            gradOffset: 0,
            ...out,
            ...(fused ? { h, activation } : { phi, dphi }),
          });
          return { loss, ...out };
        };
        const fused = run(true);
        expect(fused).toEqual(run(false));
        // in place: delta = h
        const hh = h.slice(),
          pred = new Float64Array(n * O),
          res = new Float64Array(n * O),
          grad = new Float64Array(N * O);
        const loss = readoutInto({
          n,
          width: N,
          outputs: O,
          stride,
          offset,
          a,
          aOffset: 0,
          y,
          gradOffset: 0,
          pred,
          res,
          grad,
          delta: hh,
          h: hh,
          activation,
        });
        expect(loss).toBe(fused.loss);
        for (let mu = 0; mu < n; mu++)
          expect([...hh.subarray(mu * stride + offset, mu * stride + offset + N)]).toEqual([
            ...fused.delta.subarray(mu * stride + offset, mu * stride + offset + N),
          ]);
      }
      expect(() =>
        readoutInto({
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
          delta: new Float64Array(n * stride),
        }),
      ).toThrow(InvalidArgumentError);
    },
  );
});

describe('matmulInto', () => {
  it("writes the product into the caller's buffer (a longer buffer: its first m·n entries) and rejects a short one", () => {
    const a = fromRows([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      b = fromRows([
        [1, 0, 2],
        [0, 1, 3],
      ]);
    const out = new Float64Array(11).fill(-1);
    const c = matmulInto(referenceBackend, a, b, out, { alpha: 2 });
    // A·B = [[1, 2, 8], [3, 4, 18], [5, 6, 28]]
    expect([c.rows, c.cols]).toEqual([3, 3]);
    expect([...out]).toEqual([2, 4, 16, 6, 8, 36, 10, 12, 56, -1, -1]);
    expect(c.data.buffer).toBe(out.buffer);
    expect(() => matmulInto(referenceBackend, a, b, new Float64Array(8))).toThrow(ShapeError);
  });
});
