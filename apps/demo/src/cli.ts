#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { SftdlError } from '@sftdl/compute';
import { Flags, UsageError, parseArgv } from '@sftdl/cli-kit';
import { commandLoaders } from './commands/index';
import type { CommandContext } from './context';

function mainHelp(): string {
  const lines = [
    'sftdl demo — statistical field theory of deep learning, theory beside simulation',
    '',
    'usage: pnpm demo [command] [flags]      (no command: the headline tour)',
    '       pnpm --silent demo <command> --json   prints exactly one JSON object on stdout',
    '',
    'commands:',
    ...Object.entries(commandLoaders).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`),
    '',
    'common flags: --json, --out DIR (default ./sftdl-out), --seed S, --backend NAME, --help',
    'exit codes: 0 ok, 2 bad input, 1 other failure',
  ];
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  let json = false;
  try {
    const parsed = parseArgv(argv);
    const flags = new Flags(parsed);
    json = parsed.flags.has('json');
    const name = parsed.positionals[0];
    if (name === undefined && parsed.flags.has('help')) { process.stdout.write(mainHelp() + '\n'); return 0; }
    const cmdName = name ?? 'tour';
    const loader = commandLoaders[cmdName];
    if (!loader) throw new UsageError(`unknown command '${cmdName}'; allowed: ${Object.keys(commandLoaders).join('|')}`);
    if (name !== undefined) parsed.positionals.shift();
    const command = await loader.load();
    if (parsed.flags.has('help')) {
      process.stdout.write(`${command.name} — ${command.summary}\n\nusage:\n${command.usage.map((u) => '  ' + u).join('\n')}\n`);
      return 0;
    }
    const outDir = resolve(flags.string('out', 'sftdl-out'));
    const ctx: CommandContext = {
      flags, json, outDir,
      log: (m) => { if (!parsed.flags.has('quiet')) process.stderr.write(m + '\n'); },
      emit: (result, human) => {
        if (json) process.stdout.write(JSON.stringify(result) + '\n');
        else process.stdout.write((human ?? JSON.stringify(result, null, 2)) + '\n');
      },
    };
    void mkdirSync;
    await command.run(ctx);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    if (SftdlError.isInstance(err) && (err.name === 'InvalidArgumentError' || err.name === 'ShapeError')) {
      process.stderr.write(`error: ${err.message.split('\n')[0]}\n`);
      return 2;
    }
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
