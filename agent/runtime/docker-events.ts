// Docker's event stream (GET /events, newline-delimited JSON) -> runtime-neutral container
// events. The daemon filters by label and action, so an exec probe's exec_* events and other
// nodes' containers never reach the agent.
import type { Readable } from 'node:stream';
import { stateName } from './docker-inspect.js';
import type { ContainerEvent, ContainerSummary, LabelFilter } from './runtime.js';

/** The actions the pod manager acts on; Docker filters the stream to these. */
export const WATCHED_ACTIONS: readonly ContainerEvent['action'][] = [
  'create',
  'start',
  'die',
  'oom',
  'destroy',
  'pause',
  'unpause',
];

/** Docker's `filters` for a label set: `key` or `key=value` each. */
export function labelFilters(labels: LabelFilter): string[] {
  return Object.entries(labels).map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
}

interface DockerEventJson {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** One decoded event line -> a ContainerEvent; undefined for anything else. Pure. */
export function containerEventFromDocker(raw: unknown): ContainerEvent | undefined {
  const e = raw as DockerEventJson;
  if (!e || typeof e !== 'object' || e.Type !== 'container') return undefined;
  const action = e.Action as ContainerEvent['action'];
  const id = e.Actor?.ID;
  if (!WATCHED_ACTIONS.includes(action) || typeof id !== 'string' || !id) return undefined;
  const attrs = { ...(e.Actor?.Attributes ?? {}) };
  const { name, image, exitCode } = attrs;
  // Docker mixes its own attributes into the labels' map.
  for (const k of ['name', 'image', 'exitCode', 'signal']) delete attrs[k];
  const time =
    typeof e.timeNano === 'number'
      ? Math.floor(e.timeNano / 1e6)
      : typeof e.time === 'number'
        ? e.time * 1000
        : 0;
  const ev: ContainerEvent = { id, action, time, labels: attrs };
  if (name) ev.name = name;
  if (image) ev.image = image;
  if (action === 'die' && exitCode !== undefined && Number.isFinite(Number(exitCode)))
    ev.exitCode = Number(exitCode);
  return ev;
}

/** Calls onEvent for each container event in a newline-delimited JSON stream. */
export function readEventLines(stream: Readable, onEvent: (ev: ContainerEvent) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        continue; // the daemon writes whole lines; a broken one is skipped, the relist covers it
      }
      const ev = containerEventFromDocker(json);
      if (ev) onEvent(ev);
    }
  });
}

/** A `GET /containers/json` entry -> summary. Pure. */
export function summaryFromList(c: {
  Id: string;
  State?: string;
  Labels?: Record<string, string>;
}): ContainerSummary {
  return { id: c.Id, state: stateName(c.State), labels: c.Labels ?? {} };
}
