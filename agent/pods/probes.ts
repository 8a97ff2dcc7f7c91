// Probe runners (exec, httpGet, tcpSocket) and the prober: one timer-driven worker per running
// container and probe kind. Results are read by the status writer; a change asks for a pod sync.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, Probe } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import type { Runtime, RuntimeContainer } from '../runtime/runtime.js';
import {
  initialState,
  nextState,
  type ProbeKind,
  type ProbeSettings,
  type ProbeState,
  probeSettings,
} from './probe-state.js';

export interface ProbeOutcome {
  ok: boolean;
  message: string;
}

export interface ProbeTarget {
  runtime: Runtime;
  containerId: string;
  /** The container's bridge IP; undefined with host networking. */
  ip?: string;
  spec: Container;
}

/** Bytes of an HTTP probe's body read at most (kubelet reads 10 KiB). */
const HTTP_BODY_LIMIT_BYTES = 10 * 1024;

function resolvePort(port: number | string, spec: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return spec.ports?.find((p) => p.name === port)?.containerPort;
}

/** Where to connect: the container IP, or loopback (host network, or the published hostPort). */
function address(
  t: ProbeTarget,
  host: string | undefined,
  containerPort: number,
): { host: string; port: number } {
  if (host) return { host, port: containerPort };
  if (t.ip) return { host: t.ip, port: containerPort };
  const published = t.spec.ports?.find((p) => p.containerPort === containerPort && p.hostPort)?.hostPort;
  return { host: '127.0.0.1', port: published ?? containerPort };
}

/** Where an httpGet/tcpSocket probe connects, or the failed outcome for an unknown port name. */
function probeAddress(
  t: ProbeTarget,
  port: number | string,
  host: string | undefined,
): { host: string; port: number } | ProbeOutcome {
  const n = resolvePort(port, t.spec);
  if (n === undefined) return { ok: false, message: `unknown port name ${String(port)}` };
  return address(t, host, n);
}

function httpProbe(
  t: ProbeTarget,
  p: NonNullable<Probe['httpGet']>,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const a = probeAddress(t, p.port, p.host);
  if ('ok' in a) return Promise.resolve(a);
  const scheme = p.scheme === 'HTTPS' ? 'https' : 'http';
  const url = `${scheme}://${a.host}:${a.port}${p.path?.startsWith('/') ? p.path : `/${p.path ?? ''}`}`;
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const req = mod.get(
      url,
      { timeout: timeoutMs, rejectUnauthorized: false, headers: { 'User-Agent': 'kube-probe/drover' } },
      (res) => {
        let n = 0;
        res.on('data', (b: Buffer) => {
          n += b.length;
          if (n > HTTP_BODY_LIMIT_BYTES) res.destroy();
        });
        const code = res.statusCode ?? 0;
        const done = () =>
          resolve(
            code >= 200 && code < 400
              ? { ok: true, message: '' }
              : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
          );
        res.on('end', done);
        res.on('close', done);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`Get "${url}": context deadline exceeded (timeout ${timeoutMs}ms)`)),
    );
    req.on('error', (e) => resolve({ ok: false, message: `Get "${url}": ${e.message}` }));
  });
}

function tcpProbe(
  t: ProbeTarget,
  p: NonNullable<Probe['tcpSocket']>,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const a = probeAddress(t, p.port, p.host);
  if ('ok' in a) return Promise.resolve(a);
  return new Promise((resolve) => {
    const sock = net.connect({ host: a.host, port: a.port });
    const finish = (o: ProbeOutcome) => {
      sock.destroy();
      resolve(o);
    };
    sock.setTimeout(timeoutMs, () =>
      finish({ ok: false, message: `dial tcp ${a.host}:${a.port}: i/o timeout` }),
    );
    sock.on('connect', () => finish({ ok: true, message: '' }));
    sock.on('error', (e) => finish({ ok: false, message: `dial tcp ${a.host}:${a.port}: ${e.message}` }));
  });
}

async function execProbe(t: ProbeTarget, cmd: string[], timeoutMs: number): Promise<ProbeOutcome> {
  try {
    const r = await t.runtime.exec(t.containerId, cmd, timeoutMs);
    if (r.exitCode === 0) return { ok: true, message: '' };
    const out = r.output.trim();
    return { ok: false, message: out ? out : `command ${JSON.stringify(cmd)} exited with ${r.exitCode}` };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** Runs one probe once. */
export function runProbe(probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  if (probe.exec) return execProbe(t, probe.exec.command, timeoutMs);
  if (probe.httpGet) return httpProbe(t, probe.httpGet, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(t, probe.tcpSocket, timeoutMs);
  return Promise.resolve({ ok: false, message: 'probe has no handler (exec, httpGet or tcpSocket)' });
}

const LABEL: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  settings: ProbeSettings;
  state: ProbeState;
  timer?: NodeJS.Timeout;
  lastMessage: string;
}

interface Entry {
  podUid: string;
  workers: Map<ProbeKind, Worker>;
  target: ProbeTarget;
}

export interface ProberOptions {
  runtime: Runtime;
  log: Logger;
  /** A result changed (ready, started, or a liveness/startup failure): sync that pod. */
  onChange: (podUid: string) => void;
  /** A probe failed once: kubelet records an Unhealthy event each time. */
  onFailure: (podUid: string, container: string, kind: ProbeKind, message: string) => void;
  now?: () => number;
}

export class Prober {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly opts: ProberOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Starts the workers of a running container (idempotent); podIP for one in a sandbox. */
  ensure(podUid: string, spec: Container, c: RuntimeContainer, podIP?: string): void {
    if (this.stopped || this.entries.has(c.id)) return;
    const workers = new Map<ProbeKind, Worker>();
    const entry: Entry = {
      podUid,
      workers,
      target: { runtime: this.opts.runtime, containerId: c.id, ip: c.ipAddress ?? podIP, spec },
    };
    this.entries.set(c.id, entry);
    const started = c.startedAt ? Date.parse(c.startedAt) : this.now();
    for (const [kind, probe] of [
      ['startup', spec.startupProbe],
      ['liveness', spec.livenessProbe],
      ['readiness', spec.readinessProbe],
    ] as const) {
      if (!probe) continue;
      const w: Worker = {
        kind,
        probe,
        settings: probeSettings(probe, kind),
        state: initialState(kind),
        lastMessage: '',
      };
      workers.set(kind, w);
      this.schedule(c.id, entry, w, Math.max(0, started + w.settings.initialDelayMs - this.now()));
    }
  }

  /** Stops the workers of every container not in `running`. */
  retain(running: ReadonlySet<string>): void {
    for (const id of [...this.entries.keys()]) if (!running.has(id)) this.drop(id);
  }

  /** Stops the workers of one pod's containers. */
  forgetPod(podUid: string): void {
    for (const [id, e] of [...this.entries]) if (e.podUid === podUid) this.drop(id);
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.entries.keys()]) this.drop(id);
  }

  /** Startup probe passed, or there is none. */
  started(id: string): boolean {
    const w = this.entries.get(id)?.workers.get('startup');
    return !w || w.state.result === 'success';
  }

  /** Readiness for the status; a container without a readiness probe is ready once started. */
  ready(id: string): boolean {
    const e = this.entries.get(id);
    if (!e || !this.started(id)) return false;
    const w = e.workers.get('readiness');
    return !w || w.state.result === 'success';
  }

  /** Why the container must be killed (liveness or startup failed), or undefined. */
  unhealthy(id: string): string | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    for (const kind of ['startup', 'liveness'] as const) {
      const w = e.workers.get(kind);
      if (w?.state.result === 'failure')
        return `Container ${e.target.spec.name} failed ${kind} probe, will be restarted`;
    }
    return undefined;
  }

  /** Containers with a failed liveness/startup probe, for one pod. */
  unhealthyOf(podUid: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [id, e] of this.entries) {
      if (e.podUid !== podUid) continue;
      const why = this.unhealthy(id);
      if (why !== undefined) out.set(id, why);
    }
    return out;
  }

  private drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    for (const w of e.workers.values()) clearTimeout(w.timer);
    this.entries.delete(id);
  }

  private schedule(id: string, e: Entry, w: Worker, delayMs: number): void {
    w.timer = setTimeout(() => void this.tick(id, e, w), delayMs);
    w.timer.unref?.();
  }

  private async tick(id: string, e: Entry, w: Worker): Promise<void> {
    if (this.entries.get(id) !== e) return;
    // The startup probe gates the others; a passed startup probe is not run again.
    const gated = w.kind !== 'startup' && !this.started(id);
    const done = w.kind === 'startup' && w.state.result === 'success';
    if (!gated && !done) {
      const out = await runProbe(w.probe, e.target, w.settings.timeoutMs);
      if (this.entries.get(id) !== e) return;
      const before = w.state.result;
      w.state = nextState(w.state, out.ok, w.settings);
      if (!out.ok) {
        w.lastMessage = out.message;
        this.opts.onFailure(
          e.podUid,
          e.target.spec.name,
          w.kind,
          `${LABEL[w.kind]} probe failed: ${out.message}`,
        );
      }
      if (w.state.result !== before) {
        this.opts.log.debug('probe result changed', {
          container: e.target.spec.name,
          kind: w.kind,
          result: w.state.result,
        });
        this.opts.onChange(e.podUid);
      }
      // A failed liveness/startup probe ends this container; the pod sync kills it.
      if (w.kind !== 'readiness' && w.state.result === 'failure') return;
    }
    if (!done) this.schedule(id, e, w, w.settings.periodMs);
  }
}
