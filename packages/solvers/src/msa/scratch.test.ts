import { it } from 'vitest';
import { key, normal } from '@sftdl/field';
import { mat } from '@sftdl/compute';
import { linearMsaTree, linearMsaOneLoop, linearMsaSpectrum, msaTreeScalar } from './linear';
import { linearExactOracle } from './exact';

it('scratch', () => {
  const d = 8, P = 16;
  const X = mat(P, d, normal(key(1), P * d));
  const w = normal(key(2), d);
  const y = new Float64Array(P);
  const e = normal(key(3), P);
  for (let a = 0; a < P; a++) { let s = 0; for (let j = 0; j < d; j++) s += X.data[a * d + j]! * w[j]!; y[a] = s / Math.sqrt(d) + 0.1 * e[a]!; }
  for (const mode of ['SS', 'MF']) {
    for (const N of [30, 100, 300, 1000, 3000]) {
      const input = { x: X, y, width: N, chi: mode === 'SS' ? 1 : N, sigmaW2: 1, sigmaA2: 1, sigma2: 0.1 };
      const spec = linearMsaSpectrum(input);
      const ex = linearExactOracle(spec);
      const tr = linearMsaTree(spec);
      const ol = linearMsaOneLoop(spec);
      const err = (m: Float64Array) => Math.max(...Array.from(m, (v, i) => Math.abs(v - ex.trainMean[i]!)));
      console.log(mode, N, 'Qex', ex.Q.toFixed(8), 'Qtree', tr.Q.toFixed(8), 'Q1', ol.scalar.Q.toFixed(8), 'errTree', err(tr.trainMean).toExponential(2), 'err1scalar', err(ol.scalar.trainMean).toExponential(2), 'err1tau', err(ol.trainMean).toExponential(2), 'it', tr.iterations, ol.iterations, 'nodes', ex.nodes, ex.quadratureError.toExponential(1));
    }
  }
});
