// Step 3 of a pod sync: make a container's image present according to its imagePullPolicy, with
// Pulling/Pulled events and ErrImagePull -> ImagePullBackOff on failure. Pulls log in with the
// pod's imagePullSecrets matched to the image's registry (agent/images/keyring.ts); the
// credentials go to the runtime only, never into a log line or an event.
import type { Container } from '../../shared/api/types.js';
import { podKeyring } from '../images/pod-keyring.js';
import type { PullProgress, RegistryAuth, RuntimeImage } from '../runtime/runtime.js';
import { defaultPullPolicy } from '../runtime/image-ref.js';
import { recordFailure, retryAt } from './backoff.js';
import type { PodRecord, SyncContext } from './record.js';
import type { Waiting } from './status.js';

/** After a failed pull, the next sync (showing ImagePullBackOff) comes this soon, ms. */
const SHOW_BACKOFF_AFTER_MS = 1_000;

/** Undefined when the image is ready; otherwise why the container waits. */
export async function ensureImage(
  ctx: SyncContext,
  rec: PodRecord,
  spec: Container,
): Promise<Waiting | undefined> {
  const image = spec.image ?? '';
  const { runtime, clock } = ctx.opts;
  const policy = spec.imagePullPolicy ?? defaultPullPolicy(image);
  // One inspect per image, not per pod: a create that finds it gone drops it from the set.
  const present = ctx.presentImages.has(image) || (await runtime.imageExists(image));
  if (present) ctx.presentImages.add(image);
  if (policy === 'Never') {
    if (present) return undefined;
    const message = `Container image "${image}" is not present with pull policy of Never`;
    ctx.emit(rec, 'Warning', 'ErrImageNeverPull', message);
    return { reason: 'ErrImageNeverPull', message };
  }
  if (policy === 'IfNotPresent' && present) {
    ctx.emit(rec, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    return undefined;
  }
  const creds = pullCredentials(ctx, rec, image);
  // Backoff per image and credential set: new or changed secrets retry at once.
  const backoffKey = creds.fingerprint ? `${image}|${creds.fingerprint}` : image;
  const now = clock();
  const prev = rec.imageBackoff.get(backoffKey);
  if (prev && now < retryAt(prev)) {
    const message = `Back-off pulling image "${image}"`;
    ctx.emit(rec, 'Normal', 'BackOff', message);
    ctx.emit(rec, 'Warning', 'Failed', 'Error: ImagePullBackOff');
    ctx.requeueAt(rec, retryAt(prev));
    return { reason: 'ImagePullBackOff', message };
  }
  ctx.emit(rec, 'Normal', 'Pulling', `Pulling image "${image}"`);
  const t0 = clock();
  try {
    const img = await pullWithEach(ctx, rec, image, creds.auths);
    rec.imageBackoff.delete(backoffKey);
    ctx.presentImages.add(image);
    const secs = ((clock() - t0) / 1000).toFixed(3);
    ctx.emit(
      rec,
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in ${secs}s. Image size: ${img.size} bytes.`,
    );
    return undefined;
  } catch (e) {
    const at = clock();
    const entry = recordFailure(prev, `pull@${at}`, at, 0, ctx.opts.imageBackoff);
    rec.imageBackoff.set(backoffKey, entry);
    const message = (e as Error).message;
    ctx.emit(rec, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
    // kubelet's second event names the waiting reason (kuberuntime: "Error: %v").
    ctx.emit(rec, 'Warning', 'Failed', 'Error: ErrImagePull');
    ctx.requeueAt(rec, Math.min(retryAt(entry), at + SHOW_BACKOFF_AFTER_MS));
    return { reason: 'ErrImagePull', message };
  }
}

/** The pod's credentials for this image; a secret that cannot be used is said in an event. */
function pullCredentials(
  ctx: SyncContext,
  rec: PodRecord,
  image: string,
): { auths: RegistryAuth[]; fingerprint: string } {
  const pod = rec.pod;
  if (!pod?.spec.imagePullSecrets?.length) return { auths: [], fingerprint: '' };
  const { keyring, problems, fingerprint } = podKeyring(
    pod,
    ctx.secrets(pod.metadata.namespace ?? 'default'),
  );
  if (problems.length > 0)
    ctx.emit(
      rec,
      'Warning',
      'FailedToRetrieveImagePullSecret',
      `Unable to retrieve some image pull secrets (${problems.join('; ')}); attempting to pull the image may not succeed.`,
    );
  return { auths: keyring.lookup(image), fingerprint };
}

/** kubelet: each matching credential in turn until one pulls; none matching: anonymous. */
async function pullWithEach(
  ctx: SyncContext,
  rec: PodRecord,
  image: string,
  auths: RegistryAuth[],
): Promise<RuntimeImage> {
  // On a slow link a pull takes minutes: the pod's events say how far it is, sparingly.
  let lastEvent = ctx.opts.clock();
  const onProgress = (p: PullProgress) => {
    ctx.opts.log.debug('pull progress', { image, status: p.status, percent: p.percent });
    const now = ctx.opts.clock();
    if (p.total === undefined || now - lastEvent < ctx.opts.pullProgressEventMs) return;
    lastEvent = now;
    ctx.emit(rec, 'Normal', 'Pulling', pullProgressMessage(image, p.current ?? 0, p.total));
  };
  if (auths.length === 0) return ctx.opts.runtime.pullImage(image, {}, onProgress);
  let last: unknown;
  for (const auth of auths) {
    try {
      return await ctx.opts.runtime.pullImage(image, { auth }, onProgress);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** "Pulling image "x": 45% (1.2 MB of 2.7 MB)": bytes in decimal megabytes, as docker prints. */
export function pullProgressMessage(image: string, current: number, total: number): string {
  const pct = total > 0 ? Math.min(100, Math.floor((100 * current) / total)) : 0;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return `Pulling image "${image}": ${pct}% (${mb(current)} of ${mb(total)})`;
}
