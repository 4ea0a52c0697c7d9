import type { Command } from '../context';

/**
 * Command registry. Each command lives in its own module and is loaded lazily, so a slow import
 * (tfjs, native addons) only costs the commands that need it.
 */
export const commandLoaders: Record<string, { summary: string; load: () => Promise<Command> }> = {
  tour: {
    summary: 'the headline tour: theory beside simulation, writes sftdl-out/report.html (default command)',
    load: async () => (await import('./tour')).command,
  },
  backends: { summary: 'list compute backends and their availability', load: async () => (await import('./backends')).command },
  data: {
    summary: 'generate a seeded teacher-student dataset (CLI data format)',
    load: async () => (await import('./data')).command,
  },
  kernel: {
    summary: 'NNGP and NTK kernels of a deep fully connected network on a dataset',
    load: async () => (await import('./kernel')).command,
  },
  gp: {
    summary: 'GP regression with an NNGP kernel (optionally fitting hyper-parameters)',
    load: async () => (await import('./gp')).command,
  },
  train: {
    summary: 'Langevin posterior sampling of a network on a dataset (exactly the χ-convention posterior)',
    load: async () => (await import('./train')).command,
  },
  msa: {
    summary: 'multi-scale adaptive theory: NNGP, tree level, one loop, kernel rescaling, exact; --simulate: the network',
    load: async () => (await import('./msa')).command,
  },
  grokking: {
    summary: 'grokking phase transition: cubic teacher and modular addition',
    load: async () => (await import('./grokking')).command,
  },
  scaling: {
    summary: 'curse-of-detail scale analysis: predicted and measured exponents',
    load: async () => (await import('./scaling')).command,
  },
  cubic: {
    summary: 'scenario: cubic-teacher grokking transition, theory + Langevin (tour size; --full: paper size, hours)',
    load: async () => (await import('./cubic')).command,
  },
  modular: {
    summary: 'scenario: modular-addition discrepancy curve with GMFL-I/II onsets (paper Fig. 3b; theory at paper size)',
    load: async () => (await import('./modular')).command,
  },
  'msa-regimes': {
    summary:
      'scenario: MSA vs N for χ = 1 and χ = N — linear network (NNGP/tree/one-loop/exact) and erf network (theories vs a Langevin ensemble, with a verdict on the paper’s claim)',
    load: async () => (await import('./msa-regimes')).command,
  },
  report: {
    summary:
      'paper-size figures from a collected sweep (planned by `demo cubic` or `demo modular` in full size, run by `demo sweep run`)',
    load: async () => (await import('./report')).command,
  },
  sweep: {
    summary: 'resumable experiment grids: plan, run locally (worker pool), submit to Slurm, status, collect',
    load: async () => (await import('./sweep')).command,
  },
  'scaling-table': {
    summary: 'scenario: predicted sample-complexity exponents (two-layer, three-layer, attention)',
    load: async () => (await import('./scaling-table')).command,
  },
};
