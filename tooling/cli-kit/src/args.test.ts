import { describe, expect, it } from 'vitest';
import { Flags, UndeclaredFlagError, UsageError, checkRequired, didYouMean, editDistance, parseCommandLine } from './args';
import { renderHelp } from './help';
import { type CommandSpec, type FlagSpec, PLACEHOLDER_STYLE, placeholderOf } from './spec';

const SPECS: FlagSpec[] = [
  { name: 'activation', type: 'string', placeholder: '<name>', required: true, description: 'the nonlinearity' },
  { name: 'depth', type: 'integer', default: 2, description: 'hidden layers' },
  { name: 'sigma2', type: 'number', description: 'noise' },
  { name: 'sigma-w2', type: 'number', aliases: [{ name: 'weight-var', note: 'until 0.2' }], description: 'weight variance' },
  { name: 'mode', type: 'choice', choices: ['fast', 'exact'], default: 'exact', description: 'how' },
  { name: 'at', type: 'list', choices: ['train', 'test'], description: 'where' },
  { name: 'sizes', type: 'list', items: 'integer', description: 'sizes' },
  { name: 'fit', type: 'switch', description: 'fit first' },
  { name: 'help', short: 'h', type: 'switch', description: 'help' },
];

const parse = (argv: string[]) => parseCommandLine(argv, SPECS);
const usage = (argv: string[]) => {
  try {
    parse(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
};

describe('editDistance / didYouMean', () => {
  it('counts insertions, deletions, substitutions and swaps', () => {
    expect(editDistance('activation', 'activation')).toBe(0);
    expect(editDistance('activaton', 'activation')).toBe(1); // deletion
    expect(editDistance('actviation', 'activation')).toBe(1); // swap of neighbours
    expect(editDistance('depht', 'depth')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
  it('suggests the closest name only when it is plausibly a typo', () => {
    expect(didYouMean('activaton', ['depth', 'activation', 'data'])).toBe('activation');
    expect(didYouMean('sigma-w', ['sigma2', 'sigma-w2', 'sigma-a2'])).toBe('sigma-w2');
    expect(didYouMean('frobnicate', ['depth', 'activation', 'data'])).toBeUndefined();
  });
});

describe('parseCommandLine', () => {
  it('reads --flag value, --flag=value, switches and positionals', () => {
    const p = parse(['cubic', '--activation', 'relu', '--depth=3', '--fit', '--sigma2', '-0.5', 'extra']);
    expect(p.positionals).toEqual(['cubic', 'extra']);
    expect(p.flags.get('activation')).toBe('relu');
    expect(p.flags.get('depth')).toBe('3');
    expect(p.flags.get('fit')).toBe(true);
    expect(p.flags.get('sigma2')).toBe('-0.5'); // a negative number is a value, not a flag
    expect(parse(['-h']).flags.get('help')).toBe(true);
    expect(parse(['--fit=false']).flags.has('fit')).toBe(false);
  });
  it('an unknown flag is a one-line UsageError with a did-you-mean', () => {
    expect(usage(['--activaton', 'relu'])).toBe('unknown flag --activaton; did you mean --activation?');
    expect(usage(['--frobnicate', '3'])).toBe('unknown flag --frobnicate (see --help)');
    expect(usage(['-x'])).toMatch(/unknown short flag '-x'/);
  });
  it('values are checked against the declared type, naming the flag', () => {
    expect(usage(['--depth', '2.5'])).toBe("--depth must be an integer, got '2.5'");
    expect(usage(['--sigma2', 'abc'])).toBe("--sigma2 must be a finite number, got 'abc'");
    expect(usage(['--sigma2', 'NaN'])).toMatch(/--sigma2 must be a finite number/);
    expect(usage(['--mode', 'slow'])).toBe("--mode must be one of fast|exact, got 'slow'");
    expect(usage(['--at', 'train,val'])).toBe("--at entries must be among train|test, got 'val'");
    expect(usage(['--sizes', '1,2.5'])).toBe("--sizes must be a list of integers, got '2.5'");
    expect(usage(['--fit=maybe'])).toMatch(/--fit is a switch/);
    expect(usage(['--sigma2'])).toBe('--sigma2 needs a value');
    expect(usage(['--sigma2', '--fit'])).toBe('--sigma2 needs a value');
    expect(usage(['--mode'])).toBe('--mode needs a value (fast|exact)');
  });
  it('a deprecated alias maps to the flag and adds one warning line', () => {
    const p = parse(['--weight-var', '2']);
    expect(p.flags.get('sigma-w2')).toBe('2');
    expect(p.flags.has('weight-var')).toBe(false);
    expect(p.warnings).toEqual(['warning: --weight-var is deprecated; use --sigma-w2 (until 0.2)']);
    expect(parse(['--sigma-w2', '2']).warnings).toEqual([]);
  });
  it('required flags are checked separately (so --help works without them)', () => {
    expect(() => checkRequired(parse(['--help']), SPECS)).toThrow('missing required flag --activation');
    expect(() => checkRequired(parse(['--activation', 'relu']), SPECS)).not.toThrow();
  });
});

describe('Flags (the accessor API over a declaration)', () => {
  const flags = (argv: string[]) => new Flags(parse(argv), SPECS);
  it('absent flags take the declared default unless the accessor passes its own', () => {
    const f = flags(['--activation', 'relu']);
    expect(f.number('depth')).toBe(2);
    expect(f.number('depth', { default: 7 })).toBe(7);
    expect(f.string('mode')).toBe('exact');
    expect(f.choice('mode', ['fast', 'exact'] as const)).toBe('exact');
    expect(f.choice('mode', ['fast', 'exact'] as const, 'fast')).toBe('fast');
    expect(f.number('sigma2')).toBeUndefined();
    expect(f.bool('fit')).toBe(false);
    expect(f.has('depth')).toBe(false);
  });
  it('given flags are typed and range-checked by the accessor', () => {
    const f = flags(['--activation', 'relu', '--depth', '4', '--sizes', '10,20', '--at', 'train,test', '--fit']);
    expect(f.requireNumber('depth', { integer: true, min: 1 })).toBe(4);
    expect(f.numberList('sizes', { integer: true })).toEqual([10, 20]);
    expect(f.stringList('at', ['train', 'test'])).toEqual(['train', 'test']);
    expect(f.bool('fit')).toBe(true);
    expect(() => flags(['--depth', '0']).number('depth', { min: 1 })).toThrow("--depth must be ≥ 1, got '0'");
    expect(() => flags([]).requireNumber('sigma2')).toThrow('missing required flag --sigma2');
  });
  it('reading an undeclared flag fails loudly (a missed declaration is caught by the first test that runs it)', () => {
    const f = flags([]);
    expect(() => f.number('width')).toThrow(UndeclaredFlagError);
    expect(() => f.bool('verbose')).toThrow(/does not declare it/);
  });
  it('assertAllUsed rejects a declared flag the command form did not read', () => {
    const f = flags(['--activation', 'relu', '--sigma2', '1']);
    f.string('activation');
    expect(() => f.assertAllUsed()).toThrow('--sigma2 does not apply to this form of the command (see --help)');
    f.number('sigma2');
    expect(() => f.assertAllUsed()).not.toThrow();
  });
});

describe('renderHelp', () => {
  const spec: CommandSpec = {
    name: 'gp',
    summary: 'GP regression',
    usage: ['demo gp --activation <name> [flags]'],
    flags: SPECS.filter((s) => s.name !== 'help'),
    output: [{ key: 'mean', description: 'posterior mean' }],
  };
  const help = renderHelp(spec, [SPECS[SPECS.length - 1] as FlagSpec]);
  it('has one line per flag with its placeholder, description, default, required and aliases', () => {
    for (const f of spec.flags) {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`--${f.name}`));
      expect(line, f.name).toBeDefined();
      expect(line).toContain(f.description);
      expect(line).toContain(placeholderOf(f));
      if (f.default !== undefined) expect(line).toContain(`default: ${String(f.default)}`);
      if (f.required) expect(line).toContain('required');
    }
    expect(help).toContain('deprecated alias: --weight-var');
    expect(help).toMatch(/-h, --help/);
    expect(help).toMatch(/JSON output[^\n]*\n {2}mean +posterior mean/);
  });
  it('placeholders follow the one style', () => {
    for (const f of spec.flags) if (f.type !== 'switch') expect(placeholderOf(f)).toMatch(PLACEHOLDER_STYLE);
    expect(placeholderOf({ name: 'n', type: 'integer', description: '' })).toBe('<n>');
    expect(placeholderOf({ name: 'm', type: 'choice', choices: ['a', 'b'], description: '' })).toBe('<a|b>');
  });
});
