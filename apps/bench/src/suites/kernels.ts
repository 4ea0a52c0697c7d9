import { UsageError } from '@sftdl/cli-kit';
import type { Suite } from './types';

export const suite: Suite = {
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("suite 'kernels' is not available yet");
  },
};
