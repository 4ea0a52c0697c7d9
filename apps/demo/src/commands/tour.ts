import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'tour',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'tour' is not available yet");
  },
};
