import { readFileSync } from 'node:fs';
import { fromRows } from '@sftdl/compute';
import { linearTwoLayerExactPosterior } from '../src/index';
const [data, N, sigma2, chi, out] = process.argv.slice(2) as [string, string, string, string, string];
const D = JSON.parse(readFileSync(data, 'utf8'));
const o = JSON.parse(readFileSync(out, 'utf8'));
const ex = linearTwoLayerExactPosterior({ x: fromRows(D.x), y: Float64Array.from(D.y), sigma2: +sigma2, width: +N, chi: chi === 'N' ? +N : +chi });
console.log('exact', ex.trainMse, ex.weightCovEigenvalues[0], ' langevin', o.trainMse, o.weightCovEigenvalues[0], ' rel', o.trainMse / ex.trainMse - 1, o.weightCovEigenvalues[0] / ex.weightCovEigenvalues[0] - 1);
