// Pull before stop (#18): before a controller deletes a pod to replace it on the same board,
// it tells the board the replacement's images (drover.io/next-images); the board keeps the
// old pod serving until they are pulled (agent/pods/staging.ts). The same annotation on a
// running pod asks its board to pull ahead (pre-pull). Nothing to say when the pod already
// runs them all, and an announcement it no longer needs is taken back (after a revert, the
// old pod's own images are the replacement's: the board may stop it at once).
import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import {
  formatNextImages,
  NEXT_IMAGES_ANNOTATION,
  nextImagesOf,
  podSpecImages,
} from '../../shared/api/next-images.js';
import type { Pod } from '../../shared/api/types.js';

export async function announceNextImages(client: ApiClient, p: Pod, images: string[]): Promise<void> {
  if (images.length === 0) return;
  const have = podSpecImages(p.spec);
  const value = images.every((i) => have.includes(i)) ? null : formatNextImages(images);
  if ((p.metadata.annotations?.[NEXT_IMAGES_ANNOTATION] ?? null) === value) return;
  await client.patch('pods', p.metadata.namespace, p.metadata.name ?? '', {
    metadata: { annotations: { [NEXT_IMAGES_ANNOTATION]: value } },
  });
}

/** Announces `images` on each pod that says otherwise; a pod gone meanwhile is skipped. */
export async function announceOnAll(
  client: ApiClient,
  pods: readonly Pod[],
  images: string[],
): Promise<void> {
  for (const p of pods)
    try {
      await announceNextImages(client, p, images);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
}

/** Takes back the announcement of running pods (a withdrawn pre-pull); a pod gone meanwhile is skipped. */
export async function withdrawNextImages(client: ApiClient, pods: readonly Pod[]): Promise<void> {
  for (const p of pods)
    try {
      await client.patch('pods', p.metadata.namespace, p.metadata.name ?? '', {
        metadata: { annotations: { [NEXT_IMAGES_ANNOTATION]: null } },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
}

/**
 * Pods of a workload that is gone (or going) still waiting for a replacement that will never
 * come: a held pod whose pull cannot succeed would otherwise never stop.
 */
export function heldPodsOf(pods: readonly Pod[], kind: string, name: string): Pod[] {
  return pods.filter((p) => {
    const ref = p.metadata.ownerReferences?.find((r) => r.controller);
    return (
      ref?.kind === kind && ref.name === name && p.metadata.deletionTimestamp && nextImagesOf(p).length > 0
    );
  });
}

/** Pods whose announced images are not these (for terminating pods: the template changed or was reverted). */
export function staleAnnouncements(pods: readonly Pod[], images: readonly string[]): Pod[] {
  const want = formatNextImages(images);
  return pods.filter((p) => {
    const next = nextImagesOf(p);
    return next.length > 0 && formatNextImages(next) !== want;
  });
}
