import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'kernel',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'kernel' is not available yet");
  },
};
