// Child process for the SIGKILL/resume test: runs a sampler with checkpoints written atomically (temp + rename).
// argv: <checkpointPath> <resultPath> [resume]
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { key, normalMat } from '@sftdl/field';
import { LangevinSampler, stateFromJSON, stateToJSON, twoLayerNet } from '../src/index';

const [ckpt, out, mode] = process.argv.slice(2) as [string, string, string | undefined];
const x = normalMat(key(1), 12, 4);
const y = normalMat(key(2), 12, 1);
const model = twoLayerNet({ dim: 4, width: 20, activation: 'tanh' });
const resume = mode === 'resume' && existsSync(ckpt) ? stateFromJSON(readFileSync(ckpt, 'utf8')) : undefined;
const sampler = new LangevinSampler(
  {
    model,
    x,
    y,
    sigma2: 0.1,
    key: key(9),
    steps: 6000,
    burnIn: 1000,
    chains: 2,
    teacherDirection: Float64Array.from([1, 0, 0, 0]),
    checkpointEvery: 250,
    onCheckpoint: (s) => {
      const tmp = `${ckpt}.tmp`;
      writeFileSync(tmp, stateToJSON(s));
      renameSync(tmp, ckpt);
    },
  },
  resume,
);
const r = sampler.run();
writeFileSync(
  out,
  JSON.stringify({
    trainMse: r.trainMse,
    f: Array.from(r.meanPrediction.data),
    eig: r.weightCovEigenvalues,
    hist: r.overlapHistogram,
    diag: r.diagnostics,
  }),
);
