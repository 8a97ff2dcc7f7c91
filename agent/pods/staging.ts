// Pull before stop (#18): the images a pod will run after a switch (a changed container
// spec, or the replacement the hub announced with drover.io/next-images) are pulled in the
// background while the pod's current containers keep serving; the step that would stop them
// waits until `staged` says every image is on the board (balena's supervisor downloads a
// release before it switches; kubelet would stop first and pull afterwards). A failed pull
// leaves the running containers alone: its events are on the pod, and the pull retries with
// the image backoff (ensureImage's requeue brings the next attempt).
import type { Pod } from '../../shared/api/types.js';
import { ensureImage } from './images.js';
import type { PodRecord, SyncContext } from './record.js';

/** Name of the pseudo-container the staged pulls are made for (no container is created). */
const STAGED = 'staged';

/** True when every image is present; otherwise starts (or lets run) their pull and says false. */
export async function staged(ctx: SyncContext, rec: PodRecord, images: readonly string[]): Promise<boolean> {
  if (images.length === 0) return true;
  if (rec.staging) return false;
  const missing: string[] = [];
  for (const image of images) {
    if (ctx.presentImages.has(image)) continue;
    if (await ctx.opts.runtime.imageExists(image)) ctx.presentImages.add(image);
    else missing.push(image);
  }
  if (missing.length === 0) return true;
  ctx.emit(
    rec,
    'Normal',
    'PullingBeforeStop',
    `Pulling ${missing.map((i) => `"${i}"`).join(', ')} before stopping the running containers`,
  );
  rec.staging = pullAll(ctx, rec, missing).finally(() => {
    rec.staging = undefined;
  });
  return false;
}

async function pullAll(ctx: SyncContext, rec: PodRecord, images: string[]): Promise<void> {
  for (const image of images) {
    const waiting = await ensureImage(ctx, rec, { name: STAGED, image, imagePullPolicy: 'IfNotPresent' });
    // ensureImage has said why and queued the retry at the end of the image backoff.
    if (waiting) return;
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
