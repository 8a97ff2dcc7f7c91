// What the manager remembers per pod uid between syncs, and what a sync may ask of the manager.
import type { ConfigMap, Pod, PodStatus, Secret } from '../../shared/api/types.js';
import type { RuntimeContainer } from '../runtime/runtime.js';
import type { BackoffEntry } from './backoff.js';
import type { ResolvedOptions } from './options.js';
import type { Prober } from './probes.js';

export interface PodRecord {
  uid: string;
  /** Last known spec; undefined for a ghost (containers of a pod the node knows nothing about). */
  pod?: Pod;
  /** Still in the desired state. */
  desired: boolean;
  /** Crash-loop backoff per container name. */
  backoff: Map<string, BackoffEntry>;
  /** Image pull backoff per image reference. */
  imageBackoff: Map<string, BackoffEntry>;
  lastStatus?: PodStatus;
  /** JSON of the last status reported: report only on change. */
  lastReport?: string;
  /** Event key -> when last sent, for de-duplication. */
  events: Map<string, number>;
  timer?: NodeJS.Timeout;
  timerAt?: number;
  /** Serialization of syncs: one at a time per uid, `dirty` asks for another round. */
  running: boolean;
  dirty: boolean;
  done?: Promise<void>;
  /** Terminated and its final status reported: nothing more to do. */
  finished: boolean;
  /** Evicted by the eviction manager: stopped for good, reported Failed/Evicted with this message. */
  evicted?: { message: string; graceSeconds?: number };
  /** Images being pulled before the running containers are stopped (staging.ts). */
  staging?: Promise<void>;
  /** Where the last staging of these images (comma-separated) stands, for the pod's condition. */
  stage?:
    | { images: string; pulled: true }
    | { images: string; pulled: false; reason: string; message?: string };
}

export function newRecord(uid: string, pod?: Pod): PodRecord {
  return {
    uid,
    pod,
    desired: false,
    backoff: new Map(),
    imageBackoff: new Map(),
    events: new Map(),
    running: false,
    dirty: false,
    finished: false,
  };
}

export interface SyncContext {
  opts: ResolvedOptions;
  prober: Prober;
  /** Images known present (inspected or pulled); dropped when a create says otherwise. */
  presentImages: Set<string>;
  /** The pod's containers as the container cache holds them (no runtime call). */
  containers(uid: string): RuntimeContainer[];
  /** Inspect a container the sync just changed, into the cache. */
  refresh(id: string): Promise<void>;
  /** The sync removed this container. */
  forget(id: string): void;
  configMaps(ns: string): Map<string, ConfigMap>;
  secrets(ns: string): Map<string, Secret>;
  /** Sync this pod again at `at` (ms since epoch) at the latest. */
  requeueAt(rec: PodRecord, at: number): void;
  emit(rec: PodRecord, type: 'Normal' | 'Warning', reason: string, message: string): void;
  podDir(uid: string): string;
}
