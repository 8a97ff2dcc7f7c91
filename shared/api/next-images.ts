// Pull before stop: the images a pod's replacement will run, set by the hub on a pod it is
// about to replace (a DaemonSet rolling update) so the board fetches them while the old
// containers still serve and stops them only once the pull is done (as balena's supervisor
// downloads a release before it switches). Comma-separated image references.
import type { Pod } from './types.js';

export const NEXT_IMAGES_ANNOTATION = 'drover.io/next-images';

/** The images named by a pod's template spec, init containers first, without repeats. */
export function podSpecImages(spec: Pod['spec']): string[] {
  const out: string[] = [];
  for (const c of [...(spec.initContainers ?? []), ...spec.containers])
    if (c.image && !out.includes(c.image)) out.push(c.image);
  return out;
}

export function formatNextImages(images: readonly string[]): string {
  return images.join(',');
}

/** The replacement's images announced on this pod; none when absent or empty. */
export function nextImagesOf(pod: Pod): string[] {
  const v = pod.metadata.annotations?.[NEXT_IMAGES_ANNOTATION];
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
