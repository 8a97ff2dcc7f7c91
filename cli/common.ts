// Pieces every CLI command shares: the API location flags and the usage error.

import type { FlagSpecs } from '../agent/flags.js';

export const TARGET_FLAGS: FlagSpecs = {
  server: { type: 'string', aliases: ['-s'] },
  kubeconfig: { type: 'string' },
};

/** Wrong command line: the message plus the command's usage text. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}
