// A pod's logs, followed (`kubectl logs -f`): the log subresource streamed through fetch and
// appended as it comes; the newest MAX_CHARS kept so a chatty pod cannot fill the tab.

import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api/client.js';
import { paths } from '../api/paths.js';

/** Log text kept on screen, characters. */
const MAX_CHARS = 256 * 1024;
/** Lines asked for before following (kubectl logs --tail). */
const TAIL_LINES = 500;

export function PodLogs({ ns, name, containers }: { ns: string; name: string; containers: string[] }) {
  const [container, setContainer] = useState(containers[0] ?? '');
  const [follow, setFollow] = useState(true);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setText('');
    setError('');
    const q = new URLSearchParams({ tailLines: String(TAIL_LINES) });
    if (follow) q.set('follow', 'true');
    if (container) q.set('container', container);
    (async () => {
      const res = await request(`${paths.podLog(ns, name)}?${q}`, { signal: abort.signal });
      if (!res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        setText((t) => {
          const s = t + value;
          return s.length > MAX_CHARS ? s.slice(s.length - MAX_CHARS) : s;
        });
      }
    })().catch((e: Error) => {
      if (!abort.signal.aborted) setError(e.message);
    });
    return () => abort.abort();
  }, [ns, name, container, follow]);

  useEffect(() => {
    const el = pre.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <div class="logs">
      <div class="bar-row">
        <h3>
          Logs of {ns}/{name}
        </h3>
        {containers.length > 1 && (
          <select value={container} onChange={(e) => setContainer((e.target as HTMLSelectElement).value)}>
            {containers.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        )}
        <label>
          <input type="checkbox" checked={follow} onChange={() => setFollow(!follow)} /> follow
        </label>
      </div>
      {error && <p class="error">{error}</p>}
      <pre ref={pre} data-testid="logs">
        {text}
      </pre>
    </div>
  );
}
