// Part 1 (GP, learning curves, kernel rescaling, MSA) and part 2 (adaptive kernel, grokking) keep their own indices.
export * from './part1';
export * from './part2';
