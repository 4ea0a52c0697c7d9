import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'grokking',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'grokking' is not available yet");
  },
};
