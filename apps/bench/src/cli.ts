#!/usr/bin/env node
import { Flags, UsageError, parseArgv } from '@sftdl/cli-kit';
import { suiteLoaders } from './suites/index';

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseArgv(argv);
    const flags = new Flags(parsed);
    const name = parsed.positionals.shift();
    if (name === undefined || (parsed.flags.has('help') && name === undefined)) {
      process.stdout.write(
        [
          'sftdl bench — speed, measured as ratios against baselines timed in the same run',
          '',
          'usage: pnpm --silent bench <suite> [flags] [--json]',
          '',
          'suites:',
          ...Object.entries(suiteLoaders).map(([n, s]) => `  ${n.padEnd(10)} ${s.summary}`),
        ].join('\n') + '\n',
      );
      return name === undefined && !parsed.flags.has('help') ? 2 : 0;
    }
    const loader = suiteLoaders[name];
    if (!loader) throw new UsageError(`unknown suite '${name}'; allowed: ${Object.keys(suiteLoaders).join('|')}`);
    const suite = await loader.load();
    if (parsed.flags.has('help')) {
      process.stdout.write(`${name} — ${suite.summary}\n\nusage:\n${suite.usage.map((u) => '  ' + u).join('\n')}\n`);
      return 0;
    }
    const json = flags.bool('json');
    const result = await suite.run({ flags, json, log: (m) => process.stderr.write(m + '\n') });
    if (json) process.stdout.write(JSON.stringify(result.json) + '\n');
    else process.stdout.write(result.table + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
