// Prints one closing line for the whole repository, summed over every package's vitest JSON report:
// "tests: N passed, N failed, N skipped". Exits 1 if any test failed or no test ran.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0,
  failed = 0,
  skipped = 0,
  suites = 0;
for (const group of ['packages', 'apps', 'tooling']) {
  if (!existsSync(group)) continue;
  for (const d of readdirSync(group)) {
    const f = join(group, d, '.vitest-report.json');
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8'));
    suites++;
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
console.log(`packages with tests: ${suites}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
