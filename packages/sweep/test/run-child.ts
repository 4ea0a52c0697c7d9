/** Child process for the kill -9 test: `node --conditions=@sftdl/source --import tsx run-child.ts DIR WORKERS`. */
import { runLocal } from '../src/index';
import { registry } from './registry';

const [dir, workers] = process.argv.slice(2);
const summary = await runLocal(registry, dir!, {
  workers: Number(workers),
  registryModule: new URL('./registry.ts', import.meta.url).href,
  log: (m) => process.stderr.write(m + '\n'),
  progressEverySeconds: 0.2,
});
process.stdout.write(JSON.stringify(summary) + '\n');
