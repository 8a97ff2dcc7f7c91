// Pull before stop: the images a pod's replacement will run, set by the hub on a pod it is
// about to replace (a DaemonSet rolling update) so the board fetches them while the old
// containers still serve and stops them only once the pull is done (as balena's supervisor
// downloads a release before it switches). Comma-separated image references. On a pod that
// is not being deleted the same annotation asks the board to pull ahead (pre-pull, #18).
// The board answers with a pod condition (NEXT_IMAGES_CONDITION) naming the images it is
// about, so a stale answer for earlier images is never taken for the current request.
import type { Pod, PodCondition } from './types.js';

export const NEXT_IMAGES_ANNOTATION = 'drover.io/next-images';

/**
 * The board's answer: True once every announced image is on the board; False while pulling
 * (reason Pulling) or after a failed pull (ErrImagePull, ImagePullBackOff, ...). Its message
 * starts with the announced value, then ": " and the detail when False (an image reference
 * never holds ": ").
 */
export const NEXT_IMAGES_CONDITION = 'drover.io/NextImagesPulled';

/** Kubelet's waiting reasons of an image that cannot be had; as a False answer's reason: the pull failed. */
export const IMAGE_PULL_FAILURES: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
]);

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

/** Comma-separated image references, trimmed, without empty ones. */
export function parseImageList(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The replacement's images announced on this pod; none when absent or empty. */
export function nextImagesOf(pod: Pod): string[] {
  return parseImageList(pod.metadata.annotations?.[NEXT_IMAGES_ANNOTATION]);
}

export type NextImagesState = 'pulled' | 'pulling' | 'failed';

/** Where the board stands on these images for this pod: from its condition, when it is about them. */
export function nextImagesState(
  pod: Pod,
  images: readonly string[],
): { state: NextImagesState; message?: string } {
  const have = podSpecImages(pod.spec);
  if (images.every((i) => have.includes(i))) return { state: 'pulled' };
  const value = formatNextImages(images);
  const c = pod.status?.conditions?.find((x) => x.type === NEXT_IMAGES_CONDITION);
  const msg = c?.message ?? '';
  if (!c || !(msg === value || msg.startsWith(`${value}: `))) return { state: 'pulling' };
  if (c.status === 'True') return { state: 'pulled' };
  if (IMAGE_PULL_FAILURES.has(c.reason ?? ''))
    return { state: 'failed', message: msg.slice(value.length + 2) };
  return { state: 'pulling' };
}

/** Why the board cannot pull the images announced on this pod; undefined unless it failed. */
export function nextImagesFailure(pod: Pod): string | undefined {
  const images = nextImagesOf(pod);
  if (images.length === 0) return undefined;
  const s = nextImagesState(pod, images);
  return s.state === 'failed' ? `cannot pull ${formatNextImages(images)}: ${s.message}` : undefined;
}

/** The board's condition for these images (lastTransitionTime kept from `previous` when the status holds). */
export function nextImagesCondition(
  images: readonly string[],
  answer: { pulled: true } | { pulled: false; reason: string; message?: string },
  previous: PodCondition | undefined,
  now: string,
): PodCondition {
  const value = formatNextImages(images);
  const status = answer.pulled ? 'True' : 'False';
  return {
    type: NEXT_IMAGES_CONDITION,
    status,
    lastProbeTime: null,
    lastTransitionTime:
      previous?.status === status && previous.lastTransitionTime ? previous.lastTransitionTime : now,
    reason: answer.pulled ? 'Pulled' : answer.reason,
    message: answer.pulled || !answer.message ? value : `${value}: ${answer.message}`,
  };
}
