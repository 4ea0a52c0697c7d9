import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'data',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'data' is not available yet");
  },
};
