// A watch stream (`?watch=1`): newline-delimited {type, object} events read from a fetch body.

import type { KubeObject, WatchEvent } from '../../../shared/api/types.js';
import { request } from './client.js';

/** Reads events until the stream ends or signal aborts; each parsed line goes to onEvent. */
export async function readWatch<T extends KubeObject>(
  path: string,
  signal: AbortSignal,
  onEvent: (ev: WatchEvent<T>) => void,
): Promise<void> {
  const res = await request(path, { signal });
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        nl = buf.indexOf('\n');
      }
    }
  } finally {
    // An event handler that throws (an ERROR event) ends this stream; the caller decides what next.
    reader.cancel().catch(() => {});
  }
}
