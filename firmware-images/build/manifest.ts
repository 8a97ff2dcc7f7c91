// The image manifest: installed Debian packages (from the root's dpkg status file, no qemu
// needed), the agent's version, board, sizes and checksums.

export interface PackageVersion {
  name: string;
  version: string;
  arch: string;
}

/** Installed packages from a dpkg status file, sorted by name. */
export function installedPackages(statusText: string): PackageVersion[] {
  const out: PackageVersion[] = [];
  for (const stanza of statusText.split(/\n\n+/)) {
    const field = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
    if (!/ installed$/.test(field('Status') ?? '')) continue;
    const name = field('Package');
    const version = field('Version');
    if (name && version) out.push({ name, version, arch: field('Architecture') ?? '' });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
