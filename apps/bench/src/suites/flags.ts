import { COMMON_FLAGS, type FlagSpec } from '@sftdl/cli-kit';
import { BACKEND_NAMES } from '../backends';

/** `--backends <name,…>`: the backends a suite times, side by side (each resolved like the demo's `--backend`). */
export function backendsFlag(defaultText: string): FlagSpec {
  return {
    name: 'backends',
    type: 'list',
    choices: BACKEND_NAMES,
    items: 'string',
    placeholder: '<name,…>',
    defaultText,
    description: `backends to time, comma-separated (${BACKEND_NAMES.join(', ')})`,
  };
}

/** `--sizes <n,…>`: problem sizes, comma-separated positive integers. */
export function sizesFlag(def: string, what: string): FlagSpec {
  return { name: 'sizes', type: 'list', items: 'integer', placeholder: '<n,…>', default: def, description: what };
}

/** `--repeats <n>`: timed runs (or rounds) per measurement. */
export function repeatsFlag(def: number, what = 'timed runs per measurement (the median is reported)'): FlagSpec {
  return { name: 'repeats', type: 'integer', default: def, description: what };
}

/** `--backend <name>`: the one backend a suite runs on (resolved by the shared resolver). */
export function backendFlag(def: string, description: string): FlagSpec {
  return { ...COMMON_FLAGS.backend, default: def, description };
}
