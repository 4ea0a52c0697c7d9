import { key } from '@sftdl/field';
import { cubicTeacher, makeDataset } from '@sftdl/teachers';
import { LangevinSampler, twoLayerNet } from '@sftdl/training';
import { cubicCriticalPoint, solveCubicFiniteD, solveCubicThermodynamic } from '@sftdl/solvers';
import { resolveBackend } from '../backends';
const t00 = performance.now();
const beta = Number(process.argv[2] ?? 1/16);
const N = Math.round(700*beta), n = Math.round(3000*beta), d = Math.round(150*Math.sqrt(beta));
const sigmaA2 = 8/700/Math.sqrt(beta);
const base = { samples: n, dim: d, width: N, sigmaW2: 0.5, sigmaA2, epsilon: -0.3 };
const crit = cubicCriticalPoint(base);
console.log('crit', crit, 'ms', performance.now()-t00);
const backend = await resolveBackend(process.argv[4]);
console.log('backend', backend.name);
const teacher = cubicTeacher({ dim: d, epsilon: -0.3, key: key(1) });
const ds = makeDataset(teacher, { key: key(2), samples: n, testSamples: 2000 });
for (const s2 of [1.4*crit.sigma2Critical, crit.sigma2Critical, 0.6*crit.sigma2Critical]) {
  const th = solveCubicThermodynamic({ ...base, sigma2: s2 }); const fd = solveCubicFiniteD({ ...base, sigma2: s2 });
  const model = twoLayerNet({ dim: d, width: N, activation: 'erf', sigmaW2: 0.5, sigmaA2, backend });
  const steps = Number(process.argv[3] ?? 2000);
  const t0 = performance.now();
  const r = new LangevinSampler({ model, x: ds.x, y: ds.y, xTest: ds.xTest, yTest: ds.yTest, sigma2: s2, key: key(3), steps, chains: 8, alignedChains: 4, alignedOverlap: crit.qStar, teacherDirection: Float64Array.from(ds.meta.teacherDirection!) }).run();
  const sec = (performance.now()-t0)/1000;
  console.log(s2.toFixed(4), 'th', th.learnedCubic.toFixed(3), 'fd', fd.learnedCubic.toFixed(3), fd.learnedLinear.toFixed(3), 'MC he3', r.hermite?.test?.he3.toFixed(3), 'he1', r.hermite?.test?.he1.toFixed(3), 'sps', (steps*8/sec).toFixed(0), 'rhat', r.diagnostics.rhat.toFixed(2), 'eta', r.stepSize.toExponential(2));
}
