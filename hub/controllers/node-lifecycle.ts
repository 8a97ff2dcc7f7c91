// Node lifecycle controller (Kubernetes' node-lifecycle-controller, edge-shaped). Per node:
//   heard from within the grace period and connected -> Ready as the agent reported, no
//     unreachable taint; requeue at lastSeen + grace to check again
//   otherwise -> Ready=Unknown (NodeStatusUnknown, or AgentDisconnected after a last will),
//     taints node.kubernetes.io/unreachable:NoSchedule and :NoExecute, event NodeNotReady
//   the agent reports Ready=False -> taints node.kubernetes.io/not-ready:NoSchedule and
//     :NoExecute (the taint-eviction controller acts on NoExecute), removed at Ready=True
// A last will is debounced: an agent that reconnects and speaks within the debounce does
// not flap. After a hub start, nodes have no lastSeen: the start time counts as lastSeen,
// so every agent gets a full grace period to reconnect (as after a controller-manager restart),
// connected or not: a will from a connection that dropped during the reconnect storm does not
// cut the grace short. That start-up grace also covers the agents' reconnect backoff: after a
// long outage an agent tries only every RECONNECT_LONGEST_WAIT_MS (30 s), so a node not
// heard from since the start gets grace + that wait before it is marked, and longer while
// boards are still coming back (a fleet returns at the pace of its slowest link: the last of
// 10,000 came back 89 s after a restart), up to maxStartupGraceMs. The timing rules are in
// node-standing.ts.
// The same start-up grace runs from two more moments a board cannot be blamed for: when its
// hub was found dead (several hubs, hub/relay/presence.ts: its boards are on their way to
// another hub, so their grace starts then, not at their last heartbeat), and while this hub's
// broker sheds connection attempts (hub/broker/admission.ts): a board that lost its connection
// is not marked until RECONNECT_LONGEST_WAIT_MS after the last shed attempt, since it may be
// one that was shed and is waiting its backoff. A board that stays connected but silent is
// not covered: shedding does not explain it.
// Disruption (Kubernetes' zone states, zone-health.ts): while most nodes of a zone are not
// ready at once (a hub or uplink outage, not a board failure) the zone's nodes get only the
// NoSchedule health taint; the NoExecute one, which evicts, is removed until the zone recovers
// (upstream stops evictions when every zone is fully disrupted and, in small clusters, when
// one is partially; fleets rarely label zones, so one zone is the common case).

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import type { EventRecorder } from '../events/recorder.js';
import type { LeaseTable } from '../leases.js';
import type { Counter } from '../metrics.js';
import type { Node, NodeCondition, Taint } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { ReadYourWrites } from '../informers/read-your-writes.js';
import {
  DEFAULT_NODE_GRACE_MS,
  DEFAULT_WILL_DEBOUNCE_MS,
  RECONNECT_LONGEST_WAIT_MS,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from '../../shared/protocol/constants.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';
import { nodeStanding, type Standing } from './node-standing.js';
import { ZoneHealth, zoneOf } from './zone-health.js';

export interface NodeLifecycleOptions {
  client: ApiClient;
  leases: LeaseTable;
  recorder: EventRecorder;
  /** No heartbeat for this long -> Ready=Unknown, ms. Default 40 s (node-monitor-grace-period). */
  gracePeriodMs?: number;
  /** Wait after a last will before acting, ms. Default 500 ms. */
  willDebounceMs?: number;
  /** Counts as every node's lastSeen until it is heard from, ms since epoch. Default: now. */
  startTimeMs?: number;
  /** How long after the start a node not yet heard from keeps its state, ms. Default: grace + RECONNECT_LONGEST_WAIT_MS. */
  startupGraceMs?: number;
  /** While boards keep coming back, a node not yet heard from keeps its state at most this long after the start, ms. Default 5 min. */
  maxStartupGraceMs?: number;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
  /** Fraction of a zone's nodes not ready that stops evictions there. Default 0.55. */
  unhealthyZoneThreshold?: number;
  /** When the broker last shed a connection attempt, ms since epoch (undefined: never, or no embedded broker). */
  lastShedAtMs?: () => number | undefined;
  /** When the node's MQTT connection to this hub's broker was made, ms since epoch (undefined: none); for the log. */
  connectedAtMs?: (node: string) => number | undefined;
  /** Counts the NotReady marks by cause (drover_node_not_ready_marks_total); made once per hub. */
  marks?: Counter;
}

/**
 * However long boards keep coming back after a hub start, one not heard from yet is marked at
 * the latest this long after the start, ms: 5 min, the default unreachable toleration (pods on
 * a marked board are evicted that long after its taint anyway).
 */
export const DEFAULT_MAX_STARTUP_GRACE_MS = 5 * 60_000;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const HEALTH_TAINT_KEYS = [TAINT_UNREACHABLE, TAINT_NOT_READY];

type HealthEffect = 'NoSchedule' | 'NoExecute';
const BOTH_EFFECTS: readonly HealthEffect[] = ['NoSchedule', 'NoExecute'];
const NO_EVICTION: readonly HealthEffect[] = ['NoSchedule'];

/**
 * taints with exactly the node-health taints for `key` (the given effects; undefined = none),
 * keeping the timeAdded of those already there; undefined when nothing changes.
 */
export function withHealthTaints(
  taints: readonly Taint[],
  key: string | undefined,
  now: number,
  effects: readonly HealthEffect[] = BOTH_EFFECTS,
): Taint[] | undefined {
  const want: Taint[] = key
    ? effects.map(
        (effect) =>
          taints.find((t) => t.key === key && t.effect === effect) ?? {
            key,
            effect,
            timeAdded: rfc3339(now),
          },
      )
    : [];
  const others = taints.filter((t) => !HEALTH_TAINT_KEYS.includes(t.key));
  const next = [...others, ...want];
  const same = next.length === taints.length && next.every((t) => taints.includes(t));
  return same ? undefined : next;
}

export const REASON_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const REASON_DISCONNECTED = 'AgentDisconnected';

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  private readonly grace: number;
  private readonly debounce: number;
  private readonly startTime: number;
  private readonly startupGrace: number;
  private readonly maxStartupGrace: number;
  private readonly log: Logger;
  private readonly runner: Runner;
  /** Nodes last seen healthy by reconcile: activity from them needs no reconcile. */
  private readonly healthy = new Set<string>();
  private readonly informers: InformerUse;
  /** The shared node cache, behind this controller's own writes (read-your-writes.ts). */
  private nodes?: ReadYourWrites<Node>;
  private readonly zones: ZoneHealth;

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.grace = opts.gracePeriodMs ?? DEFAULT_NODE_GRACE_MS;
    this.debounce = opts.willDebounceMs ?? DEFAULT_WILL_DEBOUNCE_MS;
    this.startTime = opts.startTimeMs ?? Date.now();
    this.startupGrace = opts.startupGraceMs ?? this.grace + RECONNECT_LONGEST_WAIT_MS;
    this.maxStartupGrace = Math.max(
      this.startupGrace,
      opts.maxStartupGraceMs ?? DEFAULT_MAX_STARTUP_GRACE_MS,
    );
    this.log = opts.log ?? createLogger('controller/node-lifecycle');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.zones = new ZoneHealth((zone, state) => {
      this.log.info('zone state changed', { zone, state });
      // Its not-ready nodes gain or lose the NoExecute taint.
      for (const n of this.zones.notReadyIn(zone)) this.runner.add(n);
    }, opts.unhealthyZoneThreshold);
  }

  /** Enqueues every node and each new one; starts the workers. */
  async start(): Promise<void> {
    const nodes = await this.informers.watch<Node>('nodes', {
      onChange: (type, n) => {
        const name = n.metadata.name;
        if (!name) return;
        if (type === 'ADDED') this.runner.add(name);
        if (type === 'DELETED') {
          this.healthy.delete(name);
          this.opts.leases.forget(name);
          this.zones.forget(name);
        } else this.zones.observe(n);
      },
    });
    this.nodes = new ReadYourWrites(nodes);
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.nodes?.close();
    this.informers.close();
    await this.runner.stop();
  }

  /** A heartbeat or status arrived: only a node not known healthy needs a look now. */
  onActivity(node: string): void {
    if (!this.healthy.has(node)) this.runner.add(node);
  }

  /** The node's last will arrived (the gateway already marked it disconnected in the leases). */
  onWill(node: string): void {
    this.healthy.delete(node);
    this.runner.addAfter(node, this.debounce);
  }

  async reconcile(name: string): Promise<Result | undefined> {
    // The shared cache first, as upstream's controller reads its node lister: every node comes
    // up here about once per grace period, and one heard from whose cached object needs no
    // write (nearly all of them) costs no store read. Anything to write is decided again on the
    // object read from the store.
    const cached = this.nodes?.get(`/${name}`);
    if (cached) {
      const quiet = this.quiet(cached, Date.now());
      if (quiet) return quiet;
    }
    let node: Node;
    try {
      node = await this.opts.client.get<Node>('nodes', undefined, name);
    } catch (e) {
      if (isNotFound(e)) {
        this.healthy.delete(name);
        return undefined;
      }
      throw e;
    }
    const now = Date.now();
    const s = this.standing(node, now);
    if (s.within) {
      // Within the start-up grace, a node not yet heard from (or orphaned) keeps whatever state it had.
      if (s.checkReady) {
        // A node reporting Ready=False is not "healthy": its next report gets a look at once.
        if (await this.markReady(node, now)) this.healthy.add(name);
      }
      return { requeueAfterMs: s.until - now + 1 };
    }
    const shedAt = this.opts.lastShedAtMs?.();
    if (s.reconnecting && shedAt !== undefined && now - shedAt < RECONNECT_LONGEST_WAIT_MS) {
      this.log.debug('not marking a node that may be in reconnect backoff after a shed attempt', {
        node: name,
      });
      return { requeueAfterMs: shedAt + RECONNECT_LONGEST_WAIT_MS - now + 1 };
    }
    this.healthy.delete(name);
    await this.markUnknown(node, s, now);
    return undefined;
  }

  /** Where the node stands against its grace window, from the in-memory leases (node-standing.ts). */
  private standing(node: Node, now: number): Standing {
    const name = node.metadata.name ?? '';
    const leases = this.opts.leases;
    return nodeStanding({
      now,
      startTime: this.startTime,
      grace: this.grace,
      startupGrace: this.startupGrace,
      returnQuiet: RECONNECT_LONGEST_WAIT_MS,
      maxStartupGrace: this.maxStartupGrace,
      heard: leases.lastSeen(name),
      // Upstream probes a node never heard from from its CreationTimestamp: with several hubs a
      // board registers through its own hub and its first heartbeat reaches the leader a relay
      // flush later.
      created: Date.parse(node.metadata.creationTimestamp ?? '') || 0,
      connected: leases.isConnected(name),
      orphanedAt: leases.orphanedAt(name),
      lastArrival: leases.lastArrival(),
      lastOrphanReturn: leases.lastOrphanReturn(),
    });
  }

  /**
   * The reconcile's result when node (as cached) is within its window and markReady would
   * write nothing; undefined when the store's copy must decide.
   */
  private quiet(node: Node, now: number): Result | undefined {
    const s = this.standing(node, now);
    if (!s.within) return undefined;
    if (s.checkReady) {
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'Unknown') return undefined;
      const taints = withHealthTaints(
        node.spec.taints ?? [],
        ready?.status === 'False' ? TAINT_NOT_READY : undefined,
        now,
        this.healthEffects(node),
      );
      if (taints) return undefined;
      if (ready?.status !== 'False') this.healthy.add(node.metadata.name ?? '');
    }
    return { requeueAfterMs: s.until - now + 1 };
  }

  /** The health taints' effects on node: no NoExecute (no eviction) while its zone is disrupted. */
  private healthEffects(node: Node): readonly HealthEffect[] {
    return this.zones.disrupted(zoneOf(node)) ? NO_EVICTION : BOTH_EFFECTS;
  }

  /** Returns false when the agent reports Ready=False (its next report needs a look). */
  private async markReady(node: Node, now: number): Promise<boolean> {
    const name = node.metadata.name ?? '';
    const conditions = node.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    let changed = false;
    // Only undo our own Unknown; a missing or False Ready is the agent's to report.
    if (ready?.status === 'Unknown') {
      const reported = this.opts.leases.reportedReady(name);
      const cond: NodeCondition = {
        type: 'Ready',
        status: reported && reported.status !== 'Unknown' ? reported.status : 'True',
        reason: reported?.reason ?? 'AgentReady',
        message: reported?.message ?? 'agent is posting ready status',
        lastHeartbeatTime: rfc3339(this.opts.leases.lastSeen(name) ?? now),
        lastTransitionTime: rfc3339(now),
      };
      node = await this.opts.client.update<Node>(
        'nodes',
        undefined,
        {
          ...node,
          status: { ...node.status, conditions: [...conditions.filter((c) => c.type !== 'Ready'), cond] },
        },
        'status',
      );
      this.nodes?.wrote(node);
      changed = true;
    }
    const reportedReady = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const taints = withHealthTaints(
      node.spec.taints ?? [],
      reportedReady === 'False' ? TAINT_NOT_READY : undefined,
      now,
      this.healthEffects(node),
    );
    if (taints) {
      const hadUnreachable = (node.spec.taints ?? []).some((t) => t.key === TAINT_UNREACHABLE);
      const written = await this.opts.client.update<Node>('nodes', undefined, {
        ...node,
        spec: { ...node.spec, taints },
      });
      this.nodes?.wrote(written);
      changed = changed || hadUnreachable;
    }
    if (changed) {
      this.log.info('node ready', { node: name });
      await this.opts.recorder.record(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`);
    }
    return reportedReady !== 'False';
  }

  private async markUnknown(node: Node, s: Standing, now: number): Promise<void> {
    const { connected, lastSeen } = s;
    const name = node.metadata.name ?? '';
    const conditions = node.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    let changed = false;
    if (ready?.status !== 'Unknown') {
      const cond: NodeCondition = {
        type: 'Ready',
        status: 'Unknown',
        reason: connected ? REASON_STATUS_UNKNOWN : REASON_DISCONNECTED,
        message: connected
          ? 'Kubelet stopped posting node status.'
          : "The agent's MQTT connection dropped (last will received) and it has not reconnected.",
        lastHeartbeatTime: ready?.lastHeartbeatTime ?? rfc3339(lastSeen),
        lastTransitionTime: rfc3339(now),
      };
      node = await this.opts.client.update<Node>(
        'nodes',
        undefined,
        {
          ...node,
          status: { ...node.status, conditions: [...conditions.filter((c) => c.type !== 'Ready'), cond] },
        },
        'status',
      );
      this.nodes?.wrote(node);
      changed = true;
    }
    const taints = withHealthTaints(node.spec.taints ?? [], TAINT_UNREACHABLE, now, this.healthEffects(node));
    if (taints) {
      const written = await this.opts.client.update<Node>('nodes', undefined, {
        ...node,
        spec: { ...node.spec, taints },
      });
      this.nodes?.wrote(written);
      changed = true;
    }
    if (changed) {
      // When, against the hub's start and the board's connection: a mark after a restart
      // tells whether the board had come back (connected to the broker) and was not heard from.
      const cause = !s.heard ? 'not-heard-since-start' : connected ? 'silent' : 'disconnected';
      this.opts.marks?.inc({ cause });
      const at = this.opts.connectedAtMs?.(name);
      this.log.info('node not ready', {
        node: name,
        cause,
        connected,
        lastSeenAgoMs: now - lastSeen,
        sinceStartMs: now - this.startTime,
        ...(at !== undefined ? { brokerConnectedAgoMs: now - at } : {}),
      });
      await this.opts.recorder.record(
        node,
        'Normal',
        'NodeNotReady',
        `Node ${name} status is now: NodeNotReady`,
      );
    }
  }
}
