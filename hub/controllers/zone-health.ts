// Zone health for the node lifecycle controller (Kubernetes' ComputeZoneState): per zone
// (label topology.kubernetes.io/zone; unlabelled nodes share the zone ''), how many nodes have
// Ready other than True. A zone is disrupted when all its nodes are not ready, or when more
// than 2 are and they make at least the unhealthy-zone threshold (--unhealthy-zone-threshold,
// 55%). Kept incrementally from the node informer, so asking costs O(1) at any fleet size.

import type { Node } from '../../shared/api/types.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Fraction of not-ready nodes that makes a zone disrupted (kube-controller-manager: 0.55). */
export const DEFAULT_UNHEALTHY_ZONE_THRESHOLD = 0.55;
/** Upstream ignores partial disruption until more than this many nodes are not ready. */
const MIN_NOT_READY_FOR_PARTIAL = 2;

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

interface Counts {
  nodes: number;
  notReady: number;
}

export class InvalidZoneThresholdError extends RangeError {
  constructor(value: number) {
    super(`unhealthyZoneThreshold must be a number in (0, 1], got ${value}`);
    this.name = 'InvalidZoneThresholdError';
  }
}

export function zoneOf(n: Node): string {
  return n.metadata.labels?.[ZONE_LABEL] ?? '';
}

function isReady(n: Node): boolean {
  return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export class ZoneHealth {
  private readonly zones = new Map<string, Counts>();
  private readonly seen = new Map<string, { zone: string; ready: boolean }>();
  private readonly threshold: number;

  /** onChange(zone) is called when a zone's state changes. */
  constructor(
    private readonly onChange: (zone: string, state: ZoneState) => void,
    threshold = DEFAULT_UNHEALTHY_ZONE_THRESHOLD,
  ) {
    if (!(threshold > 0 && threshold <= 1)) throw new InvalidZoneThresholdError(threshold);
    this.threshold = threshold;
  }

  observe(n: Node): void {
    const name = n.metadata.name ?? '';
    const next = { zone: zoneOf(n), ready: isReady(n) };
    const prev = this.seen.get(name);
    if (prev && prev.zone === next.zone && prev.ready === next.ready) return;
    this.notifying([prev?.zone, next.zone], () => {
      this.change(prev, -1);
      this.seen.set(name, next);
      this.change(next, 1);
    });
  }

  forget(name: string): void {
    const prev = this.seen.get(name);
    this.notifying([prev?.zone], () => {
      this.change(prev, -1);
      this.seen.delete(name);
    });
  }

  state(zone: string): ZoneState {
    const c = this.zones.get(zone);
    if (!c || c.notReady === 0) return 'Normal';
    if (c.notReady === c.nodes) return 'FullDisruption';
    if (c.notReady > MIN_NOT_READY_FOR_PARTIAL && c.notReady / c.nodes >= this.threshold)
      return 'PartialDisruption';
    return 'Normal';
  }

  /** True when evictions stop in the zone: any disruption. */
  disrupted(zone: string): boolean {
    return this.state(zone) !== 'Normal';
  }

  /** Nodes of zone whose Ready is not True (as last observed). */
  notReadyIn(zone: string): string[] {
    const out: string[] = [];
    for (const [name, s] of this.seen) if (s.zone === zone && !s.ready) out.push(name);
    return out;
  }

  /** Runs fn and reports each of zones whose state it changed. */
  private notifying(zones: (string | undefined)[], fn: () => void): void {
    const names = [...new Set(zones.filter((z) => z !== undefined))];
    const before = names.map((z) => this.state(z));
    fn();
    names.forEach((z, i) => {
      const after = this.state(z);
      if (after !== before[i]) this.onChange(z, after);
    });
  }

  private change(s: { zone: string; ready: boolean } | undefined, by: 1 | -1): void {
    if (!s) return;
    const c = this.zones.get(s.zone) ?? { nodes: 0, notReady: 0 };
    c.nodes += by;
    if (!s.ready) c.notReady += by;
    if (c.nodes === 0) this.zones.delete(s.zone);
    else this.zones.set(s.zone, c);
  }
}
