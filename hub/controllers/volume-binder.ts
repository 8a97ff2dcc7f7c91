// PersistentVolume binder (upstream's persistent-volume-binder, static volumes only), level-
// based on the shared informers. A claim without a volume gets the one match.ts picks: the
// volume's claimRef first, then the claim's volumeName, then both statuses Bound (capacity and
// access modes copied to the claim). A volume's phase follows its claim: Available with no
// claim (or one pre-bound not bound yet), Bound, and once its bound claim is gone, Released
// (reclaim policy Retain or Recycle) or deleted (Delete: the PersistentVolume object goes; the
// data at its path stays, since Drover has no volume plugin to delete it). A claim whose
// volume vanished is Lost. No match: the claim stays Pending (no dynamic provisioning).
// Events and reconciles read the informers through the binder's indexes (volume-binder/
// indexes.ts), never a list of every volume or claim.

import type { ApiClient } from '../api/client.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/api/volumes.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import type { Informer } from '../informers/informer.js';
import { keyOf } from './controller-ref.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';
import {
  byVolumeClaim,
  INDEX_UNCLAIMED_VOLUMES,
  INDEX_VOLUME_CLAIM,
  INDEX_WAITING_CLAIMS,
  unclaimedByClass,
  volumeClaimKey,
  waitingClaims,
  waitingForVolume,
  waitingInClass,
} from './volume-binder/indexes.js';
import { claimRefNames, pickVolume } from './volume-binder/match.js';

export interface VolumeBinderOptions {
  client: ApiClient;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

const PV = 'pv:';
const PVC = 'pvc:';

export class VolumeBinder implements Controller {
  readonly name = 'volume-binder';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly claims: Informer<PersistentVolumeClaim>;

  constructor(private readonly opts: VolumeBinderOptions) {
    this.log = opts.log ?? createLogger('controller/volume-binder');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.volumes = this.informers.factory.informer<PersistentVolume>('persistentvolumes');
    this.claims = this.informers.factory.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    this.volumes.addIndex(INDEX_VOLUME_CLAIM, byVolumeClaim);
    this.volumes.addIndex(INDEX_UNCLAIMED_VOLUMES, unclaimedByClass);
    this.claims.addIndex(INDEX_WAITING_CLAIMS, waitingClaims);
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<PersistentVolume>('persistentvolumes', {
      onChange: (_t, pv) => {
        this.runner.add(PV + pv.metadata.name);
        const r = pv.spec.claimRef;
        if (r) this.runner.add(`${PVC}${r.namespace}/${r.name}`);
        // A volume that became Available may be what a Pending claim of its class, or one that
        // names it, waits for.
        for (const value of [waitingInClass(pv.spec.storageClassName), waitingForVolume(pv.metadata.name)])
          for (const c of this.claims.byIndex(INDEX_WAITING_CLAIMS, value))
            this.runner.addCoalesced(PVC + keyOf(c));
      },
    });
    await this.informers.watch<PersistentVolumeClaim>('persistentvolumeclaims', {
      onChange: (_t, pvc) => {
        this.runner.add(PVC + keyOf(pvc));
        if (pvc.spec.volumeName && this.volumes.get(`/${pvc.spec.volumeName}`))
          this.runner.add(PV + pvc.spec.volumeName);
        for (const pv of this.claimedBy(pvc)) this.runner.add(PV + pv.metadata.name);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  async reconcile(key: string): Promise<Result | undefined> {
    try {
      if (key.startsWith(PV)) await this.syncVolume(key.slice(PV.length));
      else await this.syncClaim(key.slice(PVC.length));
    } catch (e) {
      // The informers were behind a write (ours or another's): look again.
      if (isConflict(e) || isNotFound(e)) return { requeue: true };
      throw e;
    }
    return undefined;
  }

  /** Volumes whose claimRef names pvc (uid too, when set). */
  private claimedBy(pvc: PersistentVolumeClaim): PersistentVolume[] {
    const key = volumeClaimKey(pvc.metadata.namespace, pvc.metadata.name);
    return this.volumes.byIndex(INDEX_VOLUME_CLAIM, key).filter((pv) => claimRefNames(pv, pvc));
  }

  /**
   * Every volume pickVolume could choose for pvc: pre-bound to it, the one it names, or an
   * unclaimed one of its class (it filters them further).
   */
  private candidates(pvc: PersistentVolumeClaim): PersistentVolume[] {
    const named = pvc.spec.volumeName ? this.volumes.get(`/${pvc.spec.volumeName}`) : undefined;
    return [
      ...this.claimedBy(pvc),
      ...(named ? [named] : []),
      ...this.volumes.byIndex(INDEX_UNCLAIMED_VOLUMES, pvc.spec.storageClassName ?? ''),
    ];
  }

  private async setVolumePhase(pv: PersistentVolume, phase: string): Promise<void> {
    if (pv.status?.phase === phase) return;
    await this.opts.client.update<PersistentVolume>(
      'persistentvolumes',
      undefined,
      {
        ...pv,
        status: {
          ...pv.status,
          phase,
          lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      },
      'status',
    );
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(`/${name}`);
    if (!pv || pv.metadata.deletionTimestamp) return;
    const r = pv.spec.claimRef;
    if (!r) return this.setVolumePhase(pv, 'Available');
    const pvc = this.claims.get(`${r.namespace}/${r.name}`);
    const same = pvc && (!r.uid || r.uid === pvc.metadata.uid);
    if (same) return this.setVolumePhase(pv, pvc.spec.volumeName === name ? 'Bound' : 'Available');
    // Pre-bound to a claim not created yet: it waits for it.
    if (!r.uid) return this.setVolumePhase(pv, 'Available');
    // Its bound claim is gone.
    if (pv.spec.persistentVolumeReclaimPolicy === 'Delete') {
      await this.opts.client.delete('persistentvolumes', undefined, name, {
        preconditions: { uid: pv.metadata.uid },
      });
      this.log.info('deleted released volume', { volume: name });
      return;
    }
    await this.setVolumePhase(pv, 'Released');
  }

  private async syncClaim(key: string): Promise<void> {
    const pvc = this.claims.get(key);
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    const c = this.opts.client;
    const ns = pvc.metadata.namespace;
    let pv: PersistentVolume | undefined;
    if (pvc.spec.volumeName && pvc.status?.phase !== 'Pending') {
      pv = this.volumes.get(`/${pvc.spec.volumeName}`);
      if (!pv || !claimRefNames(pv, pvc)) return this.setClaimStatus(pvc, { phase: 'Lost' });
    } else {
      pv = pickVolume(pvc, this.candidates(pvc));
      if (!pv) return;
    }
    const name = pv.metadata.name ?? '';
    if (!pv.spec.claimRef?.uid) {
      const claimRef = {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: ns,
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
        resourceVersion: pvc.metadata.resourceVersion,
      };
      pv = await c.update<PersistentVolume>('persistentvolumes', undefined, {
        ...pv,
        spec: { ...pv.spec, claimRef },
      });
      this.log.info('bound volume', { volume: name, claim: key });
    }
    let claim = pvc;
    if (claim.spec.volumeName !== name)
      claim = await c.update<PersistentVolumeClaim>('persistentvolumeclaims', ns, {
        ...claim,
        spec: { ...claim.spec, volumeName: name },
      });
    await this.setVolumePhase(pv, 'Bound');
    await this.setClaimStatus(claim, {
      phase: 'Bound',
      accessModes: pv.spec.accessModes ?? [],
      capacity: { ...(pv.spec.capacity ?? {}) },
    });
  }

  private async setClaimStatus(
    pvc: PersistentVolumeClaim,
    status: PersistentVolumeClaim['status'],
  ): Promise<void> {
    if (JSON.stringify(pvc.status ?? {}) === JSON.stringify(status)) return;
    await this.opts.client.update<PersistentVolumeClaim>(
      'persistentvolumeclaims',
      pvc.metadata.namespace,
      { ...pvc, status },
      'status',
    );
  }
}
