// Image names as kube-scheduler compares them: a name without tag or digest means `:latest`.

export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  const tail = name.slice(lastSlash + 1);
  if (tail.includes(':') || name.includes('@')) return name;
  return `${name}:latest`;
}
