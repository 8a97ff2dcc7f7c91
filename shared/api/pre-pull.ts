// Pre-pull on request (#18): an annotation on a workload (DaemonSet) asks every board that
// runs one of its pods to fetch images ahead of a planned switch; the workload's status says
// on how many boards they are. The hub passes the request to each pod as
// drover.io/next-images (next-images.ts), the board pulls while its pod keeps running and
// answers with the pod's drover.io/NextImagesPulled condition.
import { nextImagesState, parseImageList } from './next-images.js';
import type { KubeObject, Pod } from './types.js';

/** Comma-separated image references to fetch ahead, e.g. `kubectl annotate ds app drover.io/pre-pull=reg/app:v2`. */
export const PRE_PULL_ANNOTATION = 'drover.io/pre-pull';

/** status.prePull of a workload that asks for it. */
export interface PrePullStatus {
  /** The images asked for, as the annotation lists them (comma-separated). */
  images: string;
  /** Boards asked (one per running pod). */
  boards: number;
  /** Boards that have every image. */
  pulled: number;
  /** Boards whose pull fails (ErrImagePull, ImagePullBackOff: the pod's events say why). */
  failed: number;
}

export function prePullImages(o: KubeObject): string[] {
  return parseImageList(o.metadata.annotations?.[PRE_PULL_ANNOTATION]);
}

/** The count over the pods asked (one per board). */
export function prePullStatus(images: readonly string[], pods: readonly Pod[]): PrePullStatus {
  const out: PrePullStatus = { images: images.join(','), boards: pods.length, pulled: 0, failed: 0 };
  for (const p of pods) {
    const s = nextImagesState(p, images).state;
    if (s === 'pulled') out.pulled++;
    else if (s === 'failed') out.failed++;
  }
  return out;
}
