// A board's state as a coloured badge, with how long it has been so when not Ready.

import type { BoardInfo } from '../lib/node-state.js';
import { age } from '../lib/time.js';

export function StateBadge({ info, now }: { info: BoardInfo; now: number }) {
  const long = info.state !== 'Ready' && info.since ? ` for ${age(now - info.since)}` : '';
  return (
    <span class={`badge st-${info.state}`} title={info.reason} data-state={info.state}>
      {info.state}
      {long}
    </span>
  );
}
