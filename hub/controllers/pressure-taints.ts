// TaintNodesByCondition (the node lifecycle controller's NoSchedule pass upstream): a node
// reporting MemoryPressure, DiskPressure or PIDPressure True gets the matching
// node.kubernetes.io/*-pressure:NoSchedule taint, removed when the condition is False again,
// so the scheduler's taint filter keeps new pods away while the board is short. Keyed by node
// name; reconcile re-reads the node from the informer.

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import type { Node, Taint } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_PID_PRESSURE,
} from '../../shared/protocol/constants.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { type Controller, Runner, type RunnerOptions } from './runner.js';

/** Condition type -> taint key, as upstream's nodeConditionToTaintKeyStatusMap. */
export const PRESSURE_TAINTS: Readonly<Record<string, string>> = {
  MemoryPressure: TAINT_MEMORY_PRESSURE,
  DiskPressure: TAINT_DISK_PRESSURE,
  PIDPressure: TAINT_PID_PRESSURE,
};
const KEYS = new Set(Object.values(PRESSURE_TAINTS));

export interface PressureTaintOptions {
  client: ApiClient;
  log?: Logger;
  runner?: Omit<RunnerOptions, 'log'>;
  informers?: InformerFactory;
}

/** The node's taints with exactly the pressure taints its conditions ask for; undefined if unchanged. */
export function withPressureTaints(node: Node, now: number): Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  const want = new Set(
    (node.status?.conditions ?? [])
      .filter((c) => c.status === 'True' && PRESSURE_TAINTS[c.type])
      .map((c) => PRESSURE_TAINTS[c.type]),
  );
  const have = new Set(taints.filter((t) => KEYS.has(t.key) && t.effect === 'NoSchedule').map((t) => t.key));
  if (want.size === have.size && [...want].every((k) => have.has(k))) return undefined;
  const kept = taints.filter((t) => !KEYS.has(t.key) || (want.has(t.key) && t.effect === 'NoSchedule'));
  const added = [...want]
    .filter((k) => !have.has(k))
    .sort()
    .map(
      (key): Taint => ({
        key,
        effect: 'NoSchedule',
        timeAdded: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
      }),
    );
  return [...kept, ...added];
}

export class PressureTaintController implements Controller {
  readonly name = 'pressure-taints';
  private readonly log: Logger;
  private readonly runner: Runner;
  private readonly informers: InformerUse;
  private readonly nodes: Informer<Node>;

  constructor(private readonly opts: PressureTaintOptions) {
    this.log = opts.log ?? createLogger('controller/pressure-taints');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.nodes = this.informers.factory.informer<Node>('nodes');
  }

  async start(): Promise<void> {
    await this.informers.watch<Node>('nodes', {
      onChange: (type, n) => {
        if (type !== 'DELETED' && n.metadata.name && withPressureTaints(n, Date.now()))
          this.runner.add(n.metadata.name);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodes.get(`/${name}`);
    if (!node) return;
    const taints = withPressureTaints(node, Date.now());
    if (!taints) return;
    try {
      await this.opts.client.update<Node>('nodes', undefined, { ...node, spec: { ...node.spec, taints } });
      this.log.info('pressure taints updated', { node: name, taints: taints.map((t) => t.key).join(',') });
    } catch (e) {
      if (!isNotFound(e)) throw e; // a conflict retries through the runner with the newer node
    }
  }
}
