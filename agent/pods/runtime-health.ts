// Whether the container runtime answers, said once per change. An agent on a machine without
// a Docker engine keeps its node Ready (RuntimeReady=False says why) and retries the runtime
// with exponential backoff; its log gets one line when the runtime goes away (with how to get
// one) and one when it comes back, not a warning per poll.

import type { Logger } from '../../shared/log.js';
import { Backoff } from '../backoff.js';
import { RuntimeUnavailableError } from '../runtime/errors.js';

/** How to get a container engine on this kind of machine (the README's one-liner). */
export const RUNTIME_INSTALL_HINT =
  'bash scripts/install-deps.sh && bash scripts/test-env.sh (Debian: apt-get install docker.io)';

export type RuntimeState = 'unknown' | 'up' | 'down';

export class RuntimeHealth {
  private current: RuntimeState = 'unknown';
  private readonly backoff: Backoff;

  constructor(
    private readonly log: Logger,
    /** Retry delays while down: from minMs doubling to maxMs, ms. */
    minMs: number,
    maxMs: number,
    /** Told when the runtime goes away or comes back (the agent reports RuntimeReady at once). */
    private readonly changed: (up: boolean) => void = () => {},
  ) {
    this.backoff = new Backoff(minMs, maxMs);
  }

  get state(): RuntimeState {
    return this.current;
  }

  /** A runtime call succeeded. Returns true when the runtime just came back. */
  ok(): boolean {
    const was = this.current;
    this.current = 'up';
    this.backoff.reset();
    if (was !== 'down') return false;
    this.log.info('container runtime is back; pods run again');
    this.changed(true);
    return true;
  }

  /**
   * A runtime call failed. Returns true when the error says the runtime is unreachable (the
   * caller logs nothing more); other errors are the caller's to report.
   */
  failed(e: unknown): boolean {
    if (!(e instanceof RuntimeUnavailableError)) return false;
    if (this.current !== 'down')
      this.log.warn(
        `pods need a container engine and none answers at ${e.endpoint}; get one: ${RUNTIME_INSTALL_HINT}`,
        { error: e.detail, retry: 'with backoff' },
      );
    const was = this.current;
    this.current = 'down';
    if (was === 'up') this.changed(false);
    return true;
  }

  /** Delay before the next runtime poll: the normal interval while up, backoff while down, ms. */
  nextPollMs(intervalMs: number): number {
    if (this.current !== 'down') return intervalMs;
    const d = this.backoff.next();
    this.log.debug('container runtime retry scheduled', { inMs: d });
    return d;
  }
}
