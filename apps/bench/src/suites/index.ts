import type { Suite } from './types';

export const suiteLoaders: Record<string, { summary: string; load: () => Promise<Suite> }> = {
  compute: {
    summary: 'matmul, cholesky and eigh per backend (GFLOP/s), optional NumPy baseline',
    load: async () => (await import('./compute')).suite,
  },
  kernels: {
    summary: 'NNGP+NTK of a depth-3 ReLU net at n = 1000…4000, d = 784, per backend',
    load: async () => (await import('./kernels')).suite,
  },
  solvers: {
    summary: 'GP fit+predict (n = 2000, 4000), MSA tree/one-loop (P = 200), cubic transition solve, modular curve',
    load: async () => (await import('./solvers')).suite,
  },
  workers: {
    summary: "Langevin worker threads: ensemble steps/s at each worker count and 'auto' (the default rule)",
    load: async () => (await import('./workers')).suite,
  },
  langevin: {
    summary: 'Langevin chain-steps/s, GFLOP/s and ratios against PyTorch (per-chain loop and batched), interleaved',
    load: async () => (await import('./langevin')).suite,
  },
};
