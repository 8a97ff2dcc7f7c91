// Pull before stop (#18): before a controller deletes a pod to replace it on the same board,
// it tells the board the replacement's images (drover.io/next-images); the board keeps the
// old pod serving until they are pulled (agent/pods/staging.ts). Nothing to say when the old
// pod already runs them all.
import type { ApiClient } from '../api/client.js';
import { formatNextImages, NEXT_IMAGES_ANNOTATION, podSpecImages } from '../../shared/api/next-images.js';
import type { Pod } from '../../shared/api/types.js';

export async function announceNextImages(client: ApiClient, p: Pod, images: string[]): Promise<void> {
  const have = podSpecImages(p.spec);
  if (images.length === 0 || images.every((i) => have.includes(i))) return;
  const value = formatNextImages(images);
  if (p.metadata.annotations?.[NEXT_IMAGES_ANNOTATION] === value) return;
  await client.patch('pods', p.metadata.namespace, p.metadata.name ?? '', {
    metadata: { annotations: { [NEXT_IMAGES_ANNOTATION]: value } },
  });
}
