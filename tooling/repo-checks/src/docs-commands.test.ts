// Every shell command in README.md and docs/**/*.md runs as written from a fresh clone: the ```sh blocks are
// extracted and their `pnpm demo …` / `pnpm bench …` lines run in order, in one fresh folder per document (so a
// command that writes data.json feeds the next one that reads it). A command the test cannot or should not run is
// skipped only with an explicit marker and a reason:
//   - a whole block: the line `<!-- docs-examples: skip (reason) -->` right before the fence;
//   - one line: a trailing comment `# not run: reason`.
// Anything else (another program, a pipe, elided flags) fails the test, so new docs stay runnable.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'api' ? [] : markdownFiles(p);
    return name.endsWith('.md') ? [p] : [];
  });
}

const DOCS = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];

/** A command line of a document: its text, where it is, and why it is not run (when marked). */
export interface DocCommand {
  doc: string;
  line: number;
  text: string;
  skip?: string;
}

/** The command lines of the ```sh/```bash/```shell blocks of a Markdown text (continuations joined). */
export function extractCommands(markdown: string, doc: string): DocCommand[] {
  const lines = markdown.split('\n');
  const out: DocCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(sh|bash|shell|console)\s*$/.exec(lines[i] ?? '');
    if (!fence) continue;
    const marker = /<!--\s*docs-examples:\s*skip\s*\((.+)\)\s*-->/.exec(lines[i - 1] ?? '');
    let j = i + 1;
    let pending = '';
    let start = j;
    for (; j < lines.length && !/^```/.test(lines[j] ?? ''); j++) {
      const l = lines[j] ?? '';
      if (pending === '') start = j;
      if (/\\\s*$/.test(l)) {
        pending += l.replace(/\\\s*$/, ' ');
        continue;
      }
      const text = (pending + l).trim();
      pending = '';
      if (text === '' || text.startsWith('#')) continue;
      const lineSkip = /#\s*not run:\s*(.+)$/.exec(text);
      out.push({
        doc,
        line: start + 1,
        text,
        ...(marker ? { skip: marker[1] } : lineSkip ? { skip: lineSkip[1] } : {}),
      });
    }
    i = j;
  }
  return out;
}

/** Splits a command line like a POSIX shell would for the simple cases docs use: quotes, `&&`, `>`, comments. */
export function shellWords(text: string): string[][] {
  const segments: string[][] = [[]];
  let word: string | undefined;
  let quote: string | undefined;
  const push = () => {
    if (word !== undefined) segments[segments.length - 1]?.push(word);
    word = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word = word ?? '';
    } else if (c === '#' && word === undefined) break;
    else if (/\s/.test(c)) push();
    else if (c === '&' && text[i + 1] === '&') {
      push();
      segments.push([]);
      i++;
    } else if (c === '|' || c === ';' || c === '<' || c === '`' || c === '$') {
      throw new Error(`'${c}' is not supported by the docs runner: mark the line with '# not run: <reason>'`);
    } else word = (word ?? '') + c;
  }
  if (quote) throw new Error('unbalanced quote');
  push();
  return segments.filter((s) => s.length > 0);
}

const CLIS: Record<string, string> = { demo: 'apps/demo/src/cli.ts', bench: 'apps/bench/src/cli.ts' };

/** Runs one `pnpm [--silent] demo|bench …` segment in `cwd` (as `pnpm demo` does: source condition + tsx). */
function runSegment(words: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  let w = [...words];
  let redirect: string | undefined;
  const gt = w.indexOf('>');
  if (gt >= 0) {
    redirect = w[gt + 1];
    if (!redirect || gt + 2 !== w.length) throw new Error("'>' must be followed by exactly one file name");
    w = w.slice(0, gt);
  }
  if (w[0] !== 'pnpm') throw new Error(`'${w[0]}' is not run by the docs test: mark the line with '# not run: <reason>'`);
  w = w.slice(1);
  if (w[0] === '--silent') w = w.slice(1);
  const app = w[0] ?? '';
  const cli = CLIS[app];
  if (!cli) throw new Error(`'pnpm ${app}' is not run by the docs test: mark the line with '# not run: <reason>'`);
  const r = spawnSync(process.execPath, ['--conditions=@sftdl/source', '--import', 'tsx', join(root, cli), ...w.slice(1)], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    maxBuffer: 256 << 20,
  });
  if (redirect) writeFileSync(join(cwd, redirect), r.stdout);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('the runner', () => {
  it('extracts commands, joins continuations and reads the skip markers', () => {
    const md = [
      '```sh',
      'pnpm demo a --x 1 \\',
      '  --y 2      # comment',
      '# a comment line',
      "pnpm demo b --grid 'a=1;b=2' > out.csv # not run: too slow",
      '```',
      '<!-- docs-examples: skip (needs Slurm (sbatch)) -->',
      '```sh',
      'sbatch x',
      '```',
      '```ts',
      'not a command',
      '```',
    ].join('\n');
    const c = extractCommands(md, 'x.md');
    expect(c.map((x) => [x.line, x.skip])).toEqual([
      [2, undefined],
      [5, 'too slow'],
      [9, 'needs Slurm (sbatch)'],
    ]);
    expect(shellWords(c[0]?.text ?? '')).toEqual([['pnpm', 'demo', 'a', '--x', '1', '--y', '2']]);
    expect(shellWords("pnpm demo b --grid 'a=1;b=2' > out.csv && pnpm demo c")).toEqual([
      ['pnpm', 'demo', 'b', '--grid', 'a=1;b=2', '>', 'out.csv'],
      ['pnpm', 'demo', 'c'],
    ]);
    expect(() => shellWords('pnpm demo x | head')).toThrow(/not supported/);
  });
});

describe('every shell command of the docs runs as written', () => {
  for (const file of DOCS) {
    const doc = relative(root, file);
    const commands = extractCommands(readFileSync(file, 'utf8'), doc);
    if (commands.length === 0) continue;
    it(`${doc}: ${commands.filter((c) => !c.skip).length} commands run, ${commands.filter((c) => c.skip).length} skipped with a reason`, () => {
      const dir = mkdtempSync(join(root, '.readme-example-docs-'));
      try {
        for (const c of commands) {
          if (c.skip) {
            expect(c.skip.trim().length, `${doc}:${c.line} skip marker needs a reason`).toBeGreaterThan(5);
            continue;
          }
          const segments = shellWords(c.text);
          expect(
            segments.flat().filter((w) => /…|\.\.\.(?!\d)/.test(w)),
            `${doc}:${c.line}: elided flags ('…') cannot run; write the full command or mark it`,
          ).toEqual([]);
          for (const seg of segments) {
            const r = runSegment(seg, dir);
            expect(r.code, `${doc}:${c.line}: ${seg.join(' ')}\n${r.stderr}`).toBe(0);
            if (seg.includes('--json') && !seg.includes('>')) {
              expect(() => JSON.parse(r.stdout), `${doc}:${c.line}: --json prints one JSON object`).not.toThrow();
            }
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 900_000);
  }
});
