// Every suite's help is rendered from its declaration: this test renders each one through the CLI's main and checks it
// line by line against the declaration, so help, parser and defaults cannot drift apart.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { aliasNames, declarationProblems, flagNote, flagSignature, renderHelp } from '@sftdl/cli-kit';
import { describe, expect, it } from 'vitest';
import { GLOBAL_FLAGS, main, suiteFlags } from '../src/main';
import { suiteLoaders } from '../src/suites/index';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const version = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as { version: string })
  .version;

describe('bench help is generated from each suite’s declaration', () => {
  for (const name of Object.keys(suiteLoaders)) {
    it(`bench ${name} --help`, async () => {
      const loader = suiteLoaders[name];
      if (!loader) throw new Error(name);
      const suite = await loader.load();
      expect(suite.name).toBe(name);
      expect(loader.summary, 'the registry summary is the suite’s').toBe(suite.summary);
      const r = await run([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.trimEnd()).toBe(renderHelp(suite, GLOBAL_FLAGS, 'bench'));
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`bench ${name} — ${suite.summary}`);
      const all = [...suite.flags, ...GLOBAL_FLAGS];
      expect(declarationProblems(all)).toEqual([]);
      const names = new Set(all.flatMap((f) => [f.name, ...aliasNames(f)]));
      for (const f of all) {
        // a declared default is a valid value of the flag: the parser accepts it as if it had been given
        if (f.default !== undefined && f.type !== 'switch')
          expect(() => suiteFlags(suite, [`--${f.name}`, String(f.default)])).not.toThrow();
        const line = lines.find((l) => l.startsWith(`  ${flagSignature(f)} `));
        expect(line, `help line of --${f.name}`).toBeDefined();
        expect(line?.endsWith(`${f.description}${flagNote(f)}`), `--${f.name}: description and default`).toBe(true);
      }
      // every flag the help mentions (usage lines, notes, descriptions) is declared: no drift
      for (const m of r.stdout.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g))
        expect(names.has(m[1] ?? ''), `help mentions undeclared --${m[1]}`).toBe(true);
      // every JSON output key is listed once, under the JSON heading
      const keys = (suite.output ?? []).map((o) => o.key);
      expect(keys.length, 'the JSON output keys are declared').toBeGreaterThan(0);
      expect(new Set(keys).size).toBe(keys.length);
      const at = lines.indexOf('JSON output (--json, one object on stdout):');
      expect(at).toBeGreaterThan(0);
      for (const k of keys) expect(lines.slice(at + 1).some((l) => l.startsWith(`  ${k} `))).toBe(true);
      expect(suite.usage).toEqual([`bench ${name} [flags]`]);
    });
  }

  it('the main help lists every suite and the common flags; no suite is exit 2 with the help on stderr', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const n of Object.keys(suiteLoaders)) expect(r.stdout).toContain(`  ${n} `);
    for (const f of GLOBAL_FLAGS) expect(r.stdout).toContain(flagSignature(f));
    expect((await run(['-h'])).stdout).toBe(r.stdout);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(r.stdout);
  });

  it('bench --version prints the version of apps/bench/package.json', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `sftdl bench ${version}\n`, stderr: '' });
    expect(JSON.parse((await run(['--version', '--json'])).stdout)).toEqual({ version });
    expect((await run(['langevin', '--version'])).stdout).toBe(`sftdl bench ${version}\n`);
  });

  it('a typo is exit 2 with one line and a did-you-mean (suites and flags); unknown flags and extra words are errors', async () => {
    const s = await run(['langevn']);
    expect(s).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: unknown suite 'langevn'; did you mean 'langevin'? (allowed: compute|kernels|solvers|workers|langevin)\n",
    });
    const f = await run(['langevin', '--stpes', '3']);
    expect(f).toEqual({ code: 2, stdout: '', stderr: 'error: unknown flag --stpes; did you mean --steps?\n' });
    const j = await run(['compute', '--json', '--size', '100']);
    expect(j).toEqual({ code: 2, stdout: '', stderr: 'error: unknown flag --size; did you mean --sizes?\n' });
    // a flag another suite declares is still unknown here
    const other = await run(['workers', '--chains', '1']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^error: unknown flag --chains/);
    const wat = await run(['kernels', '--wat']);
    expect(wat).toEqual({ code: 2, stdout: '', stderr: 'error: unknown flag --wat (see --help)\n' });
    const extra = await run(['kernels', 'more']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toBe("error: unexpected argument 'more' (bench kernels takes flags only; see --help)\n");
  });

  it('values are checked against the declared type before a suite runs', async () => {
    expect(await run(['langevin', '--steps', 'three'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: --steps must be a finite number, got 'three'\n",
    });
    expect((await run(['workers', '--backend', 'cuda'])).stderr).toBe(
      "error: --backend must be one of auto|reference|ml-matrix|tfjs|openblas, got 'cuda'\n",
    );
    expect((await run(['solvers', '--baseline', 'torch'])).stderr).toBe(
      "error: --baseline must be one of numpy|none, got 'torch'\n",
    );
    expect((await run(['compute', '--json=yes'])).stderr).toMatch(/^error: --json is a switch/);
  });

  it('the declared defaults are what the suites read when a flag is absent', async () => {
    const load = async (n: string) => {
      const l = suiteLoaders[n];
      if (!l) throw new Error(n);
      return l.load();
    };
    const langevin = suiteFlags(await load('langevin'), []);
    expect(langevin.number('steps', { integer: true })).toBe(50);
    expect(langevin.numberList('chains', { integer: true })).toEqual([1, 8]);
    expect(langevin.choice('baseline', ['auto', 'torch', 'none'] as const)).toBe('auto');
    expect(langevin.choice('activation', ['erf', 'relu'] as const)).toBe('erf');
    expect(langevin.string('precision')).toBeUndefined();
    const workers = suiteFlags(await load('workers'), []);
    expect(workers.string('backend')).toBe('reference');
    expect(workers.number('steps')).toBe(400);
    const compute = suiteFlags(await load('compute'), []);
    expect(compute.numberList('sizes')).toEqual([500, 1000]);
    expect(compute.stringList('ops')).toEqual(['matmul', 'cholesky', 'eigh']);
    expect(compute.stringList('backends')).toBeUndefined();
    expect(compute.number('repeats')).toBe(3);
  });
});
