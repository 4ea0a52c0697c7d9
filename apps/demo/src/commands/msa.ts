import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'msa',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'msa' is not available yet");
  },
};
