import { type Mat, mat } from '@sftdl/compute';
import { key, normal } from '@sftdl/field';

/** Seeded noisy linear-teacher data for tests: x ~ N(0, I_d) rows, y = w*·x/√d + noise·ε. */
export function linearTeacherData(seed: number, P: number, d: number, noise = 0.1, testPoints = 0): { x: Mat; y: Float64Array; xTest?: Mat } {
  const x = mat(P, d, normal(key(seed), P * d));
  const w = normal(key(seed + 1), d);
  const e = normal(key(seed + 2), P);
  const y = new Float64Array(P);
  for (let a = 0; a < P; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[a * d + j]! * w[j]!;
    y[a] = s / Math.sqrt(d) + noise * e[a]!;
  }
  const out: { x: Mat; y: Float64Array; xTest?: Mat } = { x, y };
  if (testPoints > 0) out.xTest = mat(testPoints, d, normal(key(seed + 3), testPoints * d));
  return out;
}
