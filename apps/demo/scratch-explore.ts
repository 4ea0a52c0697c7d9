import { fold, key, normal, normalMat, split, hermiteHeNormalized } from '@sftdl/field';
import { LangevinSampler, twoLayerNet } from '@sftdl/training';
import { alignment, countSpecialised } from '@sftdl/scaling';
const [d, nu, sigma2, steps, chains] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const mults = (process.env.MULTS ?? '0.5,1,2,4,8').split(',').map(Number);
const N = Math.round(d ** nu);
for (const m of mults) {
  const P = Math.round(m * d);
  const k = fold(key(7), P);
  const [kw, kx, kt, ks] = split(k, 4);
  const w = normal(kw!, d); const nr = Math.hypot(...w); for (let j = 0; j < d; j++) w[j]! /= nr;
  const X = normalMat(kx!, P, d), Xt = normalMat(kt!, 1000, d);
  const lab = (A: any) => { const y = new Float64Array(A.rows); for (let i = 0; i < A.rows; i++) { let z = 0; for (let j = 0; j < d; j++) z += A.data[i*d+j] * w[j]!; y[i] = hermiteHeNormalized(3, z); } return y; };
  const y = lab(X), yt = lab(Xt);
  const t0 = Date.now();
  const s = new LangevinSampler({ model: twoLayerNet({ dim: d, width: N, activation: 'erf', sigmaA2: Number(process.env.SA2 ?? 1) }), x: X, y: { rows: P, cols: 1, data: y }, xTest: Xt, yTest: { rows: 1000, cols: 1, data: yt }, thin: Number(process.env.THIN ?? 50), raoBlackwell: process.env.RB === "1", preconditioner: (process.env.PRE ?? "auto") as any, method: (process.env.METH ?? "lm") as any, biasTolerance: Number(process.env.BT ?? 0.01), sigma2, key: ks!, steps, chains, teacherDirection: w });
  const r = s.run();
  const st = s.state();
  const Ms = st.params.map((p) => countSpecialised({ rows: N, cols: d, data: Float64Array.from(p.slice(0, N * d)) }, w).count);
  console.log(`d=${d} N=${N} P=${P} A=${alignment(r.meanPredictionTest!.data, yt).toFixed(3)} M=${Ms.join(',')} he3=${r.hermite?.test?.he3.toFixed(3)} rhat=${r.diagnostics.rhat.toFixed(2)} eta=${r.stepSize.toExponential(2)} pre=${r.engine.preconditioner} t=${(Date.now()-t0)/1000}s`);
}
