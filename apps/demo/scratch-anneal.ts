import { fold, key, normal, normalMat, split, hermiteHeNormalized } from '@sftdl/field';
import { twoLayerNet } from '@sftdl/training';
import { alignment, countSpecialised } from '@sftdl/scaling';
import { NetworkSampler } from './src/commands/scaling-langevin';
const [d, nu, sigma2, sa2, burn, rec, seed] = process.argv.slice(2).map(Number) as number[];
const mults = (process.env.MULTS ?? '0.5,1,2,4,8,16,32').split(',').map(Number);
const N = Math.round(d! ** nu!);
const Ps = mults.map((m) => Math.round(m * d!));
const Pmax = Math.max(...Ps);
const k = key(seed ?? 0);
const [kw, kx, kt, ks] = split(k, 4);
const w = normal(kw!, d!); const nr = Math.hypot(...w); for (let j = 0; j < d!; j++) w[j]! /= nr;
const X = normalMat(kx!, Pmax, d!), Xt = normalMat(kt!, 500, d!);
const lab = (A: any) => { const y = new Float64Array(A.rows); for (let i = 0; i < A.rows; i++) { let z = 0; for (let j = 0; j < d!; j++) z += A.data[i*d!+j] * w[j]!; y[i] = hermiteHeNormalized(3, z); } return y; };
const y = lab(X), yt = lab(Xt);
const s = new NetworkSampler({ model: twoLayerNet({ dim: d!, width: N, activation: 'erf', sigmaA2: sa2 }), sigma2: sigma2!, chains: 4, key: ks!, activationSlope: 2 / Math.sqrt(Math.PI), alignedChains: Number(process.env.AL ?? 0), alignedNeurons: Number(process.env.ALN ?? 1), teacherDirection: w });
for (const P of Ps) {
  const t0 = Date.now();
  const r = s.stage({ rows: P, cols: d!, data: X.data.subarray(0, P * d!) }, y.subarray(0, P), Xt, { burnIn: burn!, record: rec! });
  const Ms = s.chains.map((p) => countSpecialised({ rows: N, cols: d!, data: p.subarray(0, N * d!) }, w).count);
  const Ac = r.chainMeanTest.map((m) => alignment(m, yt).toFixed(2));
  console.log(`d=${d} N=${N} P=${P} A=${alignment(r.meanTest, yt).toFixed(3)} chains=${Ac.join(',')} M=${Ms.join(',')} acc=${r.acceptance.toFixed(2)} eta=${r.stepSize.toExponential(2)} t=${(Date.now()-t0)/1000}s`);
}
