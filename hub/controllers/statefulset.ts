// StatefulSet controller (upstream pkg/controller/statefulset), level-based on the shared
// informers: each reconcile re-reads the set and the pods it controls (owner-uid index),
// adopts matching orphans and releases pods that stopped matching (claim-pods.ts, as the
// ReplicaSet controller), carries out statefulset/plan.ts (the claims of an ordinal before
// its pod, as upstream) and writes the status (status-write.ts). Pods are named, so a create
// the informer has not shown yet comes back AlreadyExists and is left to the next reconcile.
// Its history is kept as ControllerRevisions named <set>-<hash> (daemonset/history.ts), so
// `kubectl rollout history|undo sts` work; the pods' controller-revision-hash label holds the
// revision's name, as upstream. Not done: the claim retention policy's Delete (claims stay,
// as under the default Retain).

import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import { fromLabelSelector, matches } from '../../shared/api/labels.js';
import type { ControllerRevision } from '../../shared/api/apps.js';
import { CONTROLLER_REVISION_HASH_LABEL, type StatefulSet } from '../../shared/api/statefulset.js';
import type { Pod } from '../../shared/api/types.js';
import type { PersistentVolumeClaim } from '../../shared/api/volumes.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { INDEX_CONTROLLER_UID, INDEX_ORPHANS } from '../informers/indexes.js';
import type { Informer } from '../informers/informer.js';
import { claimPods } from './claim-pods.js';
import { controllerOf, keyOf } from './controller-ref.js';
import { syncHistory } from './daemonset/history.js';
import { computeHash } from './pod-template-hash.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';
import { planStatefulSet } from './statefulset/plan.js';
import { claimsFor, podFor } from './statefulset/pods.js';
import { writeStatusIfChanged } from './status-write.js';

export interface StatefulSetControllerOptions {
  client: ApiClient;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly revisions: Informer<ControllerRevision>;

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.log = opts.log ?? createLogger('controller/statefulset');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.sets = this.informers.factory.informer<StatefulSet>('statefulsets');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.revisions = this.informers.factory.informer<ControllerRevision>('controllerrevisions');
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<StatefulSet>('statefulsets', {
      onChange: (_t, s) => this.runner.add(keyOf(s)),
    });
    await this.informers.watch<Pod>('pods', {
      onChange: (_t, p, old) => {
        const ns = p.metadata.namespace ?? '';
        for (const o of old && old !== p ? [p, old] : [p]) {
          const ref = controllerOf(o);
          if (ref?.kind === 'StatefulSet') this.runner.addCoalesced(`${ns}/${ref.name}`);
          else if (!ref)
            for (const s of this.sets.inNamespace(ns))
              if (this.selects(s, o)) this.runner.addCoalesced(keyOf(s));
        }
      },
    });
    await this.informers.watch<ControllerRevision>('controllerrevisions', {
      onChange: (_t, r) => {
        const ref = controllerOf(r);
        if (ref?.kind === 'StatefulSet')
          this.runner.addCoalesced(`${r.metadata.namespace ?? ''}/${ref.name}`);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  private selects(s: StatefulSet, p: Pod): boolean {
    try {
      return matches(fromLabelSelector(s.spec.selector), p.metadata.labels);
    } catch {
      return false;
    }
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const set = this.sets.get(key);
    if (!set) return undefined;
    const c = this.opts.client;
    const ns = set.metadata.namespace;
    try {
      const candidates = [
        ...this.pods.byIndex(INDEX_CONTROLLER_UID, set.metadata.uid ?? ''),
        ...this.pods.byIndex(INDEX_ORPHANS, ns ?? ''),
      ];
      const pods = await claimPods(c, set, (p) => this.selects(set, p), candidates, this.log);
      const plan = planStatefulSet(set, pods, Date.now());
      if (!set.metadata.deletionTimestamp) {
        // The revision before the pods that carry its name (as upstream).
        const prefix = `${set.metadata.name}-`;
        const live = new Set(
          pods.map((p) => (p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '').slice(prefix.length)),
        );
        await syncHistory(
          c,
          set,
          computeHash(set.spec.template, set.status?.collisionCount),
          this.revisions.byIndex(INDEX_CONTROLLER_UID, set.metadata.uid ?? ''),
          live,
        );
        for (const o of plan.create) {
          for (const claim of claimsFor(set, o))
            await c
              .create<PersistentVolumeClaim>('persistentvolumeclaims', ns, claim)
              .catch(ignore(isAlreadyExists));
          await c.create<Pod>('pods', ns, podFor(set, o)).catch(ignore(isAlreadyExists));
          this.log.info('created pod', { set: key, ordinal: o });
        }
        for (const p of plan.delete) {
          await c
            .delete('pods', ns, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } })
            .catch(ignore((e) => isNotFound(e) || isConflict(e)));
          this.log.info('deleted pod', { set: key, pod: p.metadata.name });
        }
      }
      const wrote = await writeStatusIfChanged(c, 'statefulsets', set, plan.status);
      if (wrote === 'conflict') return { requeue: true };
      if (wrote === 'gone') return undefined;
      return plan.recheckMs !== undefined ? { requeueAfterMs: plan.recheckMs } : undefined;
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return { requeue: true };
      throw e;
    }
  }
}

/** A catch handler that swallows the errors `is` names and rethrows the rest. */
function ignore(is: (e: unknown) => boolean) {
  return (e: unknown) => {
    if (!is(e)) throw e;
    return undefined;
  };
}
