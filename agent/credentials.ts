// The node's own MQTT credential, received once at join and kept in <dataDir>/credentials.json
// (mode 0600) so a restarted agent reconnects as itself instead of joining again.

import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NodeCredential {
  nodeName: string;
  username: string;
  password: string;
  /** ISO time of the join that produced it (diagnostic). */
  joinedAt: string;
}

export class CredentialFileError extends Error {
  override name = 'CredentialFileError';
}

export const CREDENTIALS_FILE = 'credentials.json';

export function credentialPath(dataDir: string): string {
  return join(dataDir, CREDENTIALS_FILE);
}

/** The stored credential for nodeName, or undefined when none (or one for another name). */
export function loadCredential(dataDir: string, nodeName: string): NodeCredential | undefined {
  let text: string;
  try {
    text = readFileSync(credentialPath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialFileError(`cannot read ${credentialPath(dataDir)}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CredentialFileError(
      `${credentialPath(dataDir)} is corrupt; delete it and join again with --token`,
    );
  }
  const o = v as Partial<NodeCredential> | null;
  if (
    !o ||
    typeof o.username !== 'string' ||
    typeof o.password !== 'string' ||
    typeof o.nodeName !== 'string'
  )
    throw new CredentialFileError(
      `${credentialPath(dataDir)} lacks username/password; delete it and join again with --token`,
    );
  // A credential belongs to one node name: renaming the node means a new join.
  if (o.nodeName !== nodeName) return undefined;
  return {
    nodeName: o.nodeName,
    username: o.username,
    password: o.password,
    joinedAt: String(o.joinedAt ?? ''),
  };
}

/** Writes atomically (temp file + rename) with mode 0600: the password is a secret. */
export function saveCredential(dataDir: string, cred: NodeCredential): void {
  mkdirSync(dataDir, { recursive: true });
  const path = credentialPath(dataDir);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(cred, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // mode in writeFileSync is filtered by the umask
  renameSync(tmp, path);
}

export function deleteCredential(dataDir: string): void {
  rmSync(credentialPath(dataDir), { force: true });
}

/** Where the agent keeps its credential: a file by default; in memory for simulated nodes. */
export interface CredentialStore {
  /** The stored credential for nodeName, or undefined. */
  load(nodeName: string): NodeCredential | undefined;
  save(cred: NodeCredential): void;
  delete(): void;
}

/** The credential in <dataDir>/credentials.json. */
export function fileCredentialStore(dataDir: string): CredentialStore {
  return {
    load: (nodeName) => loadCredential(dataDir, nodeName),
    save: (cred) => saveCredential(dataDir, cred),
    delete: () => deleteCredential(dataDir),
  };
}

/** A credential kept in memory only: lost with the process (the fleet simulator's hollow nodes). */
export function memoryCredentialStore(initial?: NodeCredential): CredentialStore {
  let cred = initial;
  return {
    load: (nodeName) => (cred?.nodeName === nodeName ? cred : undefined),
    save: (c) => {
      cred = c;
    },
    delete: () => {
      cred = undefined;
    },
  };
}
