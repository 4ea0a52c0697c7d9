import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'scaling',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'scaling' is not available yet");
  },
};
