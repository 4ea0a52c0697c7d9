/** Fixed seed and sizes of the fuzz sample (CI: DEFAULT_CASES; `fuzz --full`: FULL_CASES). */
export const DEFAULT_SEED = 20261203;
export const DEFAULT_CASES = 400;
export const FULL_CASES = 2000;
