// Image references: `[registry[:port]/]path[:tag][@digest]`.

/** True when the reference names a tag or a digest. */
export function hasTagOrDigest(ref: string): boolean {
  if (ref.includes('@')) return true;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last.includes(':');
}

/** Adds `:latest` when no tag or digest is given (Docker would otherwise pull every tag). */
export function normalizeImageRef(ref: string): string {
  return hasTagOrDigest(ref) ? ref : `${ref}:latest`;
}

/** Kubernetes' default imagePullPolicy: Always for `:latest` or untagged, IfNotPresent otherwise. */
export function defaultPullPolicy(ref: string): 'Always' | 'IfNotPresent' {
  if (ref.includes('@')) return 'IfNotPresent';
  return !hasTagOrDigest(ref) || ref.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}
