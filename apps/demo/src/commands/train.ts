import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'train',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'train' is not available yet");
  },
};
