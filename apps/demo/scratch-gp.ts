import { key, fold } from '@sftdl/field';
import { alignment } from '@sftdl/scaling';
import { gpErfRunner } from './src/commands/scaling';
const [d, s2] = process.argv.slice(2).map(Number) as [number, number];
for (const m of [4, 8, 16, 32, 64]) {
  const P = m * d; let a = 0;
  for (let s = 0; s < 2; s++) { const r = await gpErfRunner(s2, 500, 3)({ samples: P, dim: d, width: 1, key: fold(key(1), s) }); a += alignment(r.prediction, r.target) / 2; }
  console.log(`GP d=${d} P=${P} A=${a.toFixed(3)}`);
}
