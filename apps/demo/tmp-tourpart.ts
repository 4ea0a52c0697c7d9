import { writeFileSync } from 'node:fs';
import { referenceBackend } from '@sftdl/compute';
import { msaDefaults, runMsaPart } from './src/tour/msa';
import { renderReport } from './src/report';
async function main() {
  const mode = (process.argv[2] ?? 'tour') as 'tour';
  const t0 = performance.now(); const c0 = process.cpuUsage();
  const o = msaDefaults(mode);
  if (process.argv[3] === 'nolinear') o.widths = [16];
  const r = await runMsaPart({ backend: referenceBackend, seed: 0, quick: false, full: false, quiet: true, log: () => {}, checkpointDir: '/tmp/x', resume: false }, o);
  console.log(r.summary.join('\n'));
  console.log(r.section.paragraphs.slice(-1).join('\n'));
  console.log('seconds', (performance.now() - t0) / 1000, 'cpu', (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6);
  writeFileSync('/tmp/msaref/part.html', renderReport({ title: 't', subtitle: 's', sections: [r.section], footer: 'f' }));
}
main();
