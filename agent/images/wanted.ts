// What image GC must keep for the desired state: every image a desired pod's containers name
// (also before its first container exists: kubelet protects only images in use, but a board
// that removed an image it is about to run would pull it again over a slow link), and the
// images a pod's announced replacement will run (drover.io/next-images: a staged update).
import { nextImagesOf, podSpecImages } from '../../shared/api/next-images.js';
import type { Pod } from '../../shared/api/types.js';
import type { Wanted } from './gc.js';

export function desiredImages(state: { pods: Pod[] } | undefined): Wanted {
  if (!state) return { images: [] };
  const images: string[] = [];
  for (const p of state.pods) images.push(...podSpecImages(p.spec), ...nextImagesOf(p));
  return { images };
}
