import { bivariateGaussianExpectation } from '../src/index.ts';
import { erf } from '@sftdl/compute';
const relu = (x: number) => (x > 0 ? x : 0);
const step = (x: number) => (x > 0 ? 1 : 0);
function arcCos(n: 0 | 1, k11: number, k12: number, k22: number): number {
  const c = Math.max(-1, Math.min(1, k12 / Math.sqrt(k11 * k22)));
  const th = Math.acos(c);
  return n === 0 ? (Math.PI - th) / (2 * Math.PI) : (Math.sqrt(k11 * k22) / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
}
const covs: [number, number, number][] = [[1, 0, 1], [1, 1, 1], [2, 1.3, 0.9], [0.5, -0.49, 0.7], [1, 0.999, 1], [1, -1, 1], [3, -2, 2], [1, 0.3, 4]];
for (const [s11,s12,s22] of covs) {
  const t0 = performance.now();
  const r = bivariateGaussianExpectation(relu, relu, { s11, s12, s22 }) - arcCos(1, s11, s12, s22);
  const t1 = performance.now();
  const s = bivariateGaussianExpectation(step, step, { s11, s12, s22 }) - arcCos(0, s11, s12, s22);
  const a=3,b=-0.4;
  const exact = (2 / Math.PI) * Math.asin((2 * a * b * s12) / Math.sqrt((1 + 2 * a * a * s11) * (1 + 2 * b * b * s22)));
  const e = bivariateGaussianExpectation((u) => erf(a * u), (v) => erf(b * v), { s11, s12, s22 }) - exact;
  const g = bivariateGaussianExpectation((u) => erf(a * u), (v) => erf(b * v), { s11, s12, s22, method:'gauss-hermite', order: 96 }) - exact;
  console.log(s11,s12,s22, r.toExponential(2), s.toExponential(2), e.toExponential(2), g.toExponential(2), (t1-t0).toFixed(1)+'ms');
}
