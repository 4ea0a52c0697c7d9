import { UsageError } from '@sftdl/cli-kit';
import type { Command } from '../context';

export const command: Command = {
  name: 'backends',
  summary: 'not yet available',
  usage: [],
  async run() {
    throw new UsageError("command 'backends' is not available yet");
  },
};
