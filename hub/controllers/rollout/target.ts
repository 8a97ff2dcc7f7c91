// What a Rollout rolls out, seen the same way whatever the workload: units (boards for a
// DaemonSet, replica slots for a Deployment) each holding at most one pod of some revision,
// and the few writes the steps ask for. The steps (steps.ts) decide; a target only carries out.

import type { Rollout, RolloutTargetKind } from '../../../shared/api/rollout.js';
import type { BoardView } from './health.js';

export interface RolloutTarget {
  kind: RolloutTargetKind;
  name: string;
  /** The revision hash of the workload's current template. */
  hash: string;
  /** Units by name, with their pod (planWaves orders them by name). */
  boards: Map<string, BoardView>;
  /** Node labels of a unit, for selector waves (none when units are not boards). */
  labels(unit: string): Record<string, string> | undefined;
  /** Makes the rollout, not the workload's controller, decide which units update: the event message when it wrote, else undefined. */
  takeOver(ro: Rollout): Promise<string | undefined>;
  /** Sets the template back to a revision's (as `kubectl rollout undo`); false when that revision is not kept. */
  revert(revision: string): Promise<boolean>;
  /** Every write asked for earlier shows in the informers (no step acts on a stale view). */
  settled(ro: Rollout): boolean;
  /** Finishes what an earlier update left waiting on the fleet (a Deployment's new ReplicaSet grows as its old pods go). */
  converge?(): Promise<void>;
  /** Moves these units (now on another revision) to the current template. */
  update(ro: Rollout, units: string[], why: string): Promise<void>;
  /** Moves every unit to the revision (the current template's); true once all run it and none waits for its pod. */
  restore(ro: Rollout, revision: string): Promise<boolean>;
}
