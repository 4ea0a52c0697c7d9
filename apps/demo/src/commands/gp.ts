import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'gp',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'gp' is not available yet");
  },
};
