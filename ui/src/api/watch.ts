// A watch stream (`?watch=1`): newline-delimited {type, object} events read from a fetch body.

import type { KubeObject, WatchEvent } from '../../../shared/api/types.js';
import { request } from './client.js';

/** Longest stretch of event parsing in one task, ms: a burst (10,000 boards changing at once
 * arrives in large chunks) is cut into tasks that leave frames for scrolling and input (the W3C
 * Long Tasks threshold is 50 ms; a 60 fps frame is 16.7 ms). */
const SLICE_MS = 8;

/** Lets the browser render and handle input before the next slice (a macrotask, not a timer clamp). */
function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

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
      let sliceStart = performance.now();
      while (nl >= 0) {
        const line = buf.slice(start, nl).trim();
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        start = nl + 1;
        nl = buf.indexOf('\n', start);
        if (nl >= 0 && performance.now() - sliceStart > SLICE_MS) {
          await yieldToBrowser();
          if (signal.aborted) return;
          sliceStart = performance.now();
        }
      }
      buf = buf.slice(start);
    }
  } finally {
    // An event handler that throws (an ERROR event) ends this stream; the caller decides what next.
    reader.cancel().catch(() => {});
  }
}
