import { describe, expect, it } from 'vitest';
import { COMMON_FLAGS, type FlagSpec, declarationProblems } from './spec';

describe('declarationProblems', () => {
  it('finds nothing wrong with well-formed declarations', () => {
    expect(declarationProblems(Object.values(COMMON_FLAGS))).toEqual([]);
  });
  it('names each bad declaration, one line per problem', () => {
    const bad: FlagSpec[] = [
      { name: 'Steps', type: 'integer', default: 2.5, description: 'steps per run' },
      { name: 'mode', type: 'choice', choices: ['a', 'b'], default: 'c', description: 'the mode' },
      { name: 'kind', type: 'choice', description: 'no choices' },
      { name: 'out', type: 'string', placeholder: 'FILE', description: 'x' },
      { name: 'fast', type: 'switch', default: 'yes', description: 'go fast' },
      { name: 'rate', type: 'number', default: '1', description: 'a rate', aliases: ['mode'] },
    ];
    expect(declarationProblems(bad)).toEqual([
      '--Steps: name is not kebab-case',
      '--Steps: default must be an integer',
      '--mode: default is not one of the choices',
      "--kind: placeholder '<>' is not in the <word> style",
      '--kind: a choice flag needs choices',
      "--out: placeholder 'FILE' is not in the <word> style",
      '--out: needs a description',
      '--fast: default of a switch must be a boolean',
      '--mode: declared twice',
      '--rate: default must be a number',
    ]);
  });
});
