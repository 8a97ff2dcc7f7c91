// Kubernetes' version priority (apimachinery's CompareKubeAwareVersionStrings): GA before
// beta before alpha, a higher major first, then a higher minor; versions that do not look
// like Kubernetes versions come last, in alphabetical order. Discovery lists a group's
// versions in this order and prefers the first, so a CRD serving v1beta1 and v1 prefers v1
// whatever order its spec lists them in.

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;
const STABILITY: Record<string, number> = { '': 2, beta: 1, alpha: 0 };

/** Negative when a has the higher priority (sorts first). */
export function compareVersionPriority(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a.localeCompare(b);
  const sa = STABILITY[ma[2] ?? ''];
  const sb = STABILITY[mb[2] ?? ''];
  if (sa !== sb) return sb - sa;
  if (ma[1] !== mb[1]) return Number(mb[1]) - Number(ma[1]);
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}
