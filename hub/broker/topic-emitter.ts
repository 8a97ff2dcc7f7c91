// The broker's routing table (aedes' `mq`): who is subscribed to what, and the delivery of each
// published message to every matching subscription. aedes' default, mqemitter, keeps every
// filter in a Qlobber trie of Maps, one Map per topic level and an array per filter: each
// board's four subscriptions (its desired set, its agent update and bundle, `rpc/req/+`) were
// 8 Maps and 4 arrays of their own, ~1.7 KiB of heap per board (bench/hub-heap.ts snapshots).
// Here a filter without wildcards is one entry of one Map, a filter whose only wildcard is a
// last `+` one entry of another (by its prefix), and the few others (the hub's taps such as
// `drover/v1/nodes/+/status`, aedes' `$SYS/+/...`) are matched level by level. Same contract
// as mqemitter with concurrency 0 (what startBroker asks for): no cap on messages in flight.

/** A subscriber: called with the message and a callback to call once it is delivered. */
export type Listener = (message: TopicMessage, done: () => void) => void;

export interface TopicMessage {
  topic: string;
}

/** One listener or several: most filters have one (a board's own topics). */
type Listeners = Listener | Listener[];

const SEPARATOR = '/';
const ONE = '+';
const SOME = '#';

function hasWildcard(s: string): boolean {
  return s.includes(ONE) || s.includes(SOME);
}

function added(held: Listeners | undefined, l: Listener): Listeners {
  if (held === undefined) return l;
  if (typeof held === 'function') return [held, l];
  held.push(l); // in place: match() hands out copies
  return held;
}

/** held without its last l (without any when l is undefined), as Qlobber removes. */
function removed(held: Listeners, l: Listener | undefined): Listeners | undefined {
  if (l === undefined || held === l) return undefined;
  if (typeof held === 'function') return held;
  const i = held.lastIndexOf(l);
  if (i < 0) return held;
  held.splice(i, 1);
  return held.length === 1 ? held[0] : held;
}

function addTo(map: Map<string, Listeners>, key: string, l: Listener): void {
  map.set(key, added(map.get(key), l));
}

function removeFrom(map: Map<string, Listeners>, key: string, l: Listener | undefined): void {
  const held = map.get(key);
  if (held === undefined) return;
  const left = removed(held, l);
  if (left === undefined) map.delete(key);
  else map.set(key, left);
}

function appendTo(out: Listener[], held: Listeners | undefined): void {
  if (held === undefined) return;
  if (typeof held === 'function') out.push(held);
  else for (const l of held) out.push(l);
}

/** Whether filter levels f (from j) match topic levels t (from i): `+` one level, `#` any number. */
function levelsMatch(f: readonly string[], j: number, t: readonly string[], i: number): boolean {
  for (; j < f.length; j++, i++) {
    const w = f[j];
    if (w === SOME) {
      for (let k = i; k <= t.length; k++) if (levelsMatch(f, j + 1, t, k)) return true;
      return false;
    }
    if (i >= t.length || (w !== ONE && w !== t[i])) return false;
  }
  return i === t.length;
}

interface GeneralFilter {
  levels: string[];
  listeners: Listeners;
}

export class TopicEmitter {
  /** Filters without wildcards, by topic. */
  private readonly exact = new Map<string, Listeners>();
  /** Filters `p/+` with no wildcard in p, by p. */
  private readonly lastOne = new Map<string, Listeners>();
  /** Every other filter (few: the hub's and aedes' own). */
  private readonly general = new Map<string, GeneralFilter>();
  /** Messages being delivered (mqemitter's field of that name). */
  current = 0;
  closed = false;

  /** Messages waiting for a slot: never any here (no cap). */
  get length(): number {
    return 0;
  }

  on(topic: string, notify: Listener, done?: () => void): this {
    const prefix = this.lastOnePrefix(topic);
    if (!hasWildcard(topic)) addTo(this.exact, topic, notify);
    else if (prefix !== undefined) addTo(this.lastOne, prefix, notify);
    else {
      const g = this.general.get(topic);
      if (g === undefined) this.general.set(topic, { levels: topic.split(SEPARATOR), listeners: notify });
      else g.listeners = added(g.listeners, notify);
    }
    if (done) setImmediate(done);
    return this;
  }

  /** Removed on the next turn, as mqemitter does (a delivery under way still reaches it). */
  removeListener(topic: string, notify: Listener, done?: () => void): this {
    setImmediate(() => {
      this.remove(topic, notify);
      done?.();
    });
    return this;
  }

  removeAllListeners(topic: string, done?: () => void): this {
    this.remove(topic, undefined);
    if (done) setImmediate(done);
    return this;
  }

  /** Delivers message to every matching listener; cb once all have called back. */
  emit(message: TopicMessage, cb: (err?: Error) => void = () => {}): this {
    if (this.closed) {
      cb(new Error('mqemitter is closed'));
      return this;
    }
    const matches = this.match(message.topic);
    if (matches.length === 0) {
      cb.call(this);
      return this;
    }
    this.current++;
    let left = matches.length;
    const release = () => {
      if (--left !== 0) return;
      this.current--;
      cb.call(this);
    };
    for (const l of matches) l.call(this, message, release);
    return this;
  }

  close(cb: () => void): this {
    this.closed = true;
    setImmediate(cb);
    return this;
  }

  /** The listeners of every filter that matches topic (a listener twice if two filters do). */
  match(topic: string): Listener[] {
    const out: Listener[] = [];
    appendTo(out, this.exact.get(topic));
    if (this.lastOne.size > 0) {
      const cut = topic.lastIndexOf(SEPARATOR);
      if (cut >= 0) appendTo(out, this.lastOne.get(topic.slice(0, cut)));
    }
    if (this.general.size > 0) {
      const levels = topic.split(SEPARATOR);
      for (const g of this.general.values())
        if (levelsMatch(g.levels, 0, levels, 0)) appendTo(out, g.listeners);
    }
    return out;
  }

  /** Filters held (for tests). */
  get filterCount(): number {
    return this.exact.size + this.lastOne.size + this.general.size;
  }

  private remove(topic: string, notify: Listener | undefined): void {
    const prefix = this.lastOnePrefix(topic);
    if (!hasWildcard(topic)) removeFrom(this.exact, topic, notify);
    else if (prefix !== undefined) removeFrom(this.lastOne, prefix, notify);
    else {
      const g = this.general.get(topic);
      if (g === undefined) return;
      const left = removed(g.listeners, notify);
      if (left === undefined) this.general.delete(topic);
      else g.listeners = left;
    }
  }

  /** p for a filter `p/+` whose p has no wildcard; undefined for any other filter. */
  private lastOnePrefix(filter: string): string | undefined {
    if (!filter.endsWith(`${SEPARATOR}${ONE}`)) return undefined;
    const prefix = filter.slice(0, -2);
    return hasWildcard(prefix) ? undefined : prefix;
  }
}
