// Every command's help is rendered from its declaration: this test renders each one through the CLI and checks it
// line by line against the declaration, so help, parser and defaults cannot drift apart.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PLACEHOLDER_STYLE, aliasNames, flagNote, flagSignature, placeholderOf, renderHelp } from '@sftdl/cli-kit';
import { describe, expect, it } from 'vitest';
import { commandLoaders } from '../src/commands/index';
import { GLOBAL_FLAGS, globalFlagsFor } from '../src/main';
import { runMain as run } from './cli';

/**
 * Commands whose usage lines still use the old free-form placeholders (owned by other issues this session; their flag
 * tables are already generated from the declaration). Remove a name once its usage lines use `<…>`.
 */
const LEGACY_USAGE = new Set(['msa', 'msa-regimes', 'scaling', 'scaling-table', 'cubic', 'modular', 'grokking']);

describe('help is generated from each command’s declaration', () => {
  for (const name of Object.keys(commandLoaders)) {
    it(`demo ${name} --help`, async () => {
      const loader = commandLoaders[name];
      if (!loader) throw new Error(name);
      const cmd = await loader.load();
      expect(cmd.name).toBe(name);
      expect(loader.summary, 'the registry summary is the command’s').toBe(cmd.summary);
      const globals = globalFlagsFor(cmd.flags);
      const r = await run([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd()).toBe(renderHelp(cmd, globals));
      const lines = r.stdout.split('\n');
      const all = [...cmd.flags, ...globals.filter((g) => !cmd.flags.some((f) => f.name === g.name))];
      const names = new Set(all.flatMap((f) => [f.name, ...aliasNames(f)]));
      expect(names.size, 'no flag declared twice').toBe(all.reduce((s, f) => s + 1 + aliasNames(f).length, 0));
      for (const f of all) {
        expect(f.name).toMatch(/^[a-z][a-z0-9-]*$/);
        if (f.type !== 'switch') expect(placeholderOf(f), `--${f.name}`).toMatch(PLACEHOLDER_STYLE);
        if (f.type === 'choice') expect(f.choices?.length, `--${f.name} choices`).toBeGreaterThan(0);
        if (f.default !== undefined) {
          if (f.type === 'number' || f.type === 'integer') expect(typeof f.default, `--${f.name}`).toBe('number');
          if (f.type === 'integer') expect(Number.isInteger(f.default), `--${f.name}`).toBe(true);
          if (f.type === 'choice') expect(f.choices, `--${f.name}`).toContain(f.default);
          if (f.type === 'switch') expect(typeof f.default, `--${f.name}`).toBe('boolean');
        }
        expect(f.description.length, `--${f.name} has a description`).toBeGreaterThan(3);
        if (f.hidden) continue;
        const line = lines.find((l) => l.startsWith(`  ${flagSignature(f)} `));
        expect(line, `help line of --${f.name}`).toBeDefined();
        expect(line?.endsWith(`${f.description}${flagNote(f)}`), `--${f.name}: description and default`).toBe(true);
      }
      // every flag the help mentions (usage lines, notes, descriptions) is declared: no drift
      const checked = LEGACY_USAGE.has(name) ? lines.filter((l) => !cmd.usage.some((u) => l === `  ${u}`)).join('\n') : r.stdout;
      for (const m of checked.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g))
        expect(names.has(m[1] ?? ''), `help mentions undeclared --${m[1]}`).toBe(true);
      // one placeholder style in the usage lines too (the scenario/science commands' usage lines are converted at merge)
      if (!LEGACY_USAGE.has(name))
        for (const u of cmd.usage)
          for (const m of u.matchAll(/--[a-z0-9-]+ ([A-Za-z][\w|,.…]*)(?=[\s\]]|$)/g))
            expect(m[1], `usage placeholder in '${u}'`).toMatch(/^(?:[a-z0-9-]+)$/);
    });
  }

  it('the main help lists every command and the common flags', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const n of Object.keys(commandLoaders)) expect(r.stdout).toContain(`  ${n} `);
    for (const f of GLOBAL_FLAGS) expect(r.stdout).toContain(flagSignature(f));
  });

  it('demo --version prints the version of apps/demo/package.json', async () => {
    const version = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { version: string })
      .version;
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sftdl demo ${version}\n`);
    expect(JSON.parse((await run(['--version', '--json'])).stdout)).toEqual({ version });
    expect((await run(['kernel', '--version'])).stdout).toBe(`sftdl demo ${version}\n`);
  });

  it('a typo is exit 2, one line, with a did-you-mean (flags and commands)', async () => {
    const r = await run(['gp', '--activaton', 'relu', '--depth', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown flag --activaton; did you mean --activation?\n');
    const j = await run(['gp', '--activaton', 'relu', '--json']);
    expect(JSON.parse(j.stdout)).toEqual({
      error: { type: 'UsageError', message: 'unknown flag --activaton; did you mean --activation?' },
    });
    const c = await run(['kernal', '--json']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^error: unknown command 'kernal'; did you mean 'kernel'\?/);
  });

  it('a missing required flag is exit 2 naming it; wrong types are caught before the command runs', async () => {
    const r = await run(['kernel', '--depth', '2', '--sigma-w2', '1', '--bias-var', '0', '--data', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: missing required flag --activation/);
    const t = await run(['kernel', '--activation', 'relu', '--depth', 'two']);
    expect(t.stderr).toBe("error: --depth must be a finite number, got 'two'\n");
  });

  it('--out as a folder (before 0.1) still works for commands without a --out file, with a warning', async () => {
    const r = await run(['report', '--from', '/nonexistent-sweep', '--out', '/tmp/x']);
    expect(r.stderr.split('\n')[0]).toBe(
      'warning: --out is deprecated; use --out-dir (--out now always names a file; folders are --out-dir)',
    );
  });
});
