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
      // One pass over the chunk, one slice at the end: slicing per line would copy the rest of
      // a large chunk (a burst of thousands of events) once per event.
      let start = 0;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(start, nl).trim();
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        start = nl + 1;
        nl = buf.indexOf('\n', start);
      }
      buf = buf.slice(start);
    }
  } finally {
    // An event handler that throws (an ERROR event) ends this stream; the caller decides what next.
    reader.cancel().catch(() => {});
  }
}
