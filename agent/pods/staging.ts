// Pull before stop (#18): the images a pod will run after a switch (a changed container
// spec, or the replacement the hub announced with drover.io/next-images) are pulled in the
// background while the pod's current containers keep serving; the step that would stop them
// waits until `staged` says every image is on the board (balena's supervisor downloads a
// release before it switches; kubelet would stop first and pull afterwards). A failed pull
// leaves the running containers alone: its events are on the pod, the pod's
// drover.io/NextImagesPulled condition says it (the rollout gate counts the board as failed),
// and the pull retries with the image backoff (ensureImage's requeue brings the next attempt).
// On a running pod the announcement asks for a pull ahead (pre-pull): nothing is stopped.
import {
  formatNextImages,
  NEXT_IMAGES_CONDITION,
  nextImagesCondition,
  nextImagesOf,
} from '../../shared/api/next-images.js';
import type { Pod, PodCondition } from '../../shared/api/types.js';
import { ensureImage } from './images.js';
import type { PodRecord, SyncContext } from './record.js';

/** Name of the pseudo-container the staged pulls are made for (no container is created). */
const STAGED = 'staged';

/** Why the images are wanted now, for the pod's event. */
export type StagingWhy = 'before-stop' | 'ahead';

/** True when every image is present; otherwise starts (or lets run) their pull and says false. */
export async function staged(
  ctx: SyncContext,
  rec: PodRecord,
  images: readonly string[],
  why: StagingWhy = 'before-stop',
): Promise<boolean> {
  if (images.length === 0) return true;
  if (rec.staging) return false;
  const value = formatNextImages(images);
  const missing: string[] = [];
  for (const image of images) {
    if (ctx.presentImages.has(image)) continue;
    if (await ctx.opts.runtime.imageExists(image)) ctx.presentImages.add(image);
    else missing.push(image);
  }
  if (missing.length === 0) {
    rec.stage = { images: value, pulled: true };
    return true;
  }
  // A failure is kept until a later attempt succeeds (the gate must not see it flicker away).
  if (rec.stage?.images !== value || rec.stage.pulled)
    rec.stage = { images: value, pulled: false, reason: 'Pulling' };
  const list = missing.map((i) => `"${i}"`).join(', ');
  if (why === 'ahead') ctx.emit(rec, 'Normal', 'PullingAhead', `Pulling ${list} ahead of a planned switch`);
  else ctx.emit(rec, 'Normal', 'PullingBeforeStop', `Pulling ${list} before stopping the running containers`);
  rec.staging = pullAll(ctx, rec, missing, value).finally(() => {
    rec.staging = undefined;
  });
  return false;
}

async function pullAll(ctx: SyncContext, rec: PodRecord, images: string[], value: string): Promise<void> {
  for (const image of images) {
    const waiting = await ensureImage(ctx, rec, { name: STAGED, image, imagePullPolicy: 'IfNotPresent' });
    // ensureImage has said why and queued the retry (that sync reports the condition).
    if (waiting) {
      // The back-off message says nothing new: the registry's answer from the failed pull stays.
      const prev = rec.stage?.images === value && !rec.stage.pulled ? rec.stage.message : undefined;
      const message = waiting.reason === 'ImagePullBackOff' && prev ? prev : waiting.message;
      rec.stage = { images: value, pulled: false, reason: waiting.reason, message };
      return;
    }
  }
  ctx.requeueAt(rec, ctx.opts.clock());
}

/** Images of containers whose spec changed (about to be stopped and started again). */
export function changedImages(pod: Pod, containers: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers])
    if (containers.includes(c.name) && c.image && !out.includes(c.image)) out.push(c.image);
  return out;
}

/** The board's answer to the pod's announcement, once it has one for the images announced now. */
export function stagingCondition(
  rec: PodRecord,
  pod: Pod,
  previous: PodCondition[] | undefined,
  now: string,
): PodCondition | undefined {
  const images = nextImagesOf(pod);
  const s = rec.stage;
  if (images.length === 0 || !s || s.images !== formatNextImages(images)) return undefined;
  const prev = previous?.find((c) => c.type === NEXT_IMAGES_CONDITION);
  return nextImagesCondition(
    images,
    s.pulled ? { pulled: true } : { pulled: false, reason: s.reason, message: s.message },
    prev,
    now,
  );
}
