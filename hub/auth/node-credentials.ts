// Per-node MQTT credentials: Secret kube-system/drover-node-<name>, type
// drover.io/node-credential, data node-name and password-hash (SHA-256 of a random 192-bit
// password; the password itself is never stored). A revoked credential keeps its Secret with
// `revoked: "true"` (and when/why) so the name cannot be joined again until an admin resets
// it (`drover node reset`, which deletes the Secret).
//
// No takeover by join: a name whose credential has been used (the board connected with it
// once; `first-used` in the Secret) is given a new credential only to a joiner that presents
// the current password (the Kubernetes node authorizer's rule that a node may only act as
// itself, applied to joins). A credential never used is re-issued to a re-join with the same
// bootstrap token that issued it (`issued-by-token`): the board whose join answer was lost (a
// timeout on a slow link) must be able to retry, and another token cannot take the name.

import { createHash, randomBytes } from 'node:crypto';
import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Secret } from '../../shared/api/types.js';
import { NODE_USERNAME_PREFIX } from '../../shared/protocol/constants.js';
import { NodeNameTakenError, NodeRevokedError } from './errors.js';
import { b64, rfc3339, SYSTEM_NAMESPACE, safeEqual, unb64 } from './secret-data.js';

export const NODE_CREDENTIAL_TYPE = 'drover.io/node-credential';
/** Label on each credential Secret: the node it belongs to. */
export const NODE_LABEL = 'drover.io/node';

/** Random bytes in a node password: 192 bits, so a fast hash is as safe as a slow one. */
const NODE_PASSWORD_BYTES = 24;
/** Conflicting updates retried when revoking (a join raced us). */
const REVOKE_ATTEMPTS = 5;

export const nodeCredentialSecretName = (node: string) => `drover-node-${node}`;

// A slow password hash (scrypt, bcrypt) protects guessable human passwords. Node passwords
// are 192 random bits: no guess can succeed, so SHA-256 is enough, and joins and reconnects of
// thousands of boards after a hub restart cost microseconds each instead of ~50 ms of CPU.
function hashPassword(password: string): string {
  return `sha256$${createHash('sha256').update(password).digest('base64')}`;
}

function checkPassword(s: Secret, password: string): boolean {
  const stored = unb64(s.data?.['password-hash']);
  return !!stored?.startsWith('sha256$') && safeEqual(stored, hashPassword(password));
}

/** The node a credential Secret belongs to, or undefined when the Secret is not one. */
export function credentialNode(s: Secret): string | undefined {
  return s.type === NODE_CREDENTIAL_TYPE ? unb64(s.data?.['node-name']) : undefined;
}

export const isRevoked = (s: Secret) => unb64(s.data?.revoked) === 'true';
/** Whether the board has connected with this credential at least once. */
export const isUsed = (s: Secret) => unb64(s.data?.['first-used']) !== undefined;

/** What a joiner offers for a name that already has a credential. */
export interface JoinProof {
  /** The node's current password (a re-join). */
  password?: string;
  /** The id of the bootstrap token the joiner holds. */
  tokenId?: string;
}

export interface NodeCredential {
  username: string;
  password: string;
}

async function getCredential(client: ApiClient, node: string): Promise<Secret | undefined> {
  try {
    return await client.get<Secret>('secrets', SYSTEM_NAMESPACE, nodeCredentialSecretName(node));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** A new credential Secret for node holding data. */
const credentialSecret = (node: string, data: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: nodeCredentialSecretName(node),
    namespace: SYSTEM_NAMESPACE,
    labels: { [NODE_LABEL]: node },
  },
  type: NODE_CREDENTIAL_TYPE,
  data,
});

const resetHint = (node: string) => `an admin can free the name with \`drover node reset ${node}\``;

/**
 * Refuses (NodeNameTakenError, NodeRevokedError) unless the name is free, `proof.password` is
 * its current credential, or the credential was never used and came from the joiner's token.
 * Read-only: the join checks this before spending a token.
 */
export async function checkNodeNameFree(
  client: ApiClient,
  node: string,
  proof: JoinProof = {},
): Promise<Secret | undefined> {
  const s = await getCredential(client, node);
  if (!s) return undefined;
  if (isRevoked(s))
    throw new NodeRevokedError(`the credential of node ${node} was revoked; ${resetHint(node)}`);
  const holder = proof.password !== undefined && checkPassword(s, proof.password);
  const retryOfLostAnswer =
    !isUsed(s) && proof.tokenId !== undefined && unb64(s.data?.['issued-by-token']) === proof.tokenId;
  if (!holder && !retryOfLostAnswer)
    throw new NodeNameTakenError(
      `node ${node} already has a live credential; re-join with it, or ${resetHint(node)}`,
    );
  return s;
}

/**
 * Issues the node's credential and returns the only copy of the password: a new Secret for a
 * free name, or a replacement for a joiner holding the current password. A concurrent join of
 * the same name loses (AlreadyExists or Conflict -> NodeNameTakenError).
 */
export async function issueNodeCredential(
  client: ApiClient,
  node: string,
  proof: JoinProof = {},
): Promise<NodeCredential> {
  const existing = await checkNodeNameFree(client, node, proof);
  const password = randomBytes(NODE_PASSWORD_BYTES).toString('base64url');
  const data: Record<string, string> = {
    'node-name': b64(node),
    'password-hash': b64(hashPassword(password)),
  };
  if (proof.tokenId !== undefined) data['issued-by-token'] = b64(proof.tokenId);
  try {
    if (existing) await client.update<Secret>('secrets', SYSTEM_NAMESPACE, { ...existing, data });
    else await client.create<Secret>('secrets', SYSTEM_NAMESPACE, credentialSecret(node, data));
  } catch (e) {
    if (isAlreadyExists(e) || isConflict(e))
      throw new NodeNameTakenError(`node ${node} was joined concurrently; ${resetHint(node)}`);
    throw e;
  }
  return { username: `${NODE_USERNAME_PREFIX}${node}`, password };
}

/** True when password is node's current, unrevoked credential. */
export async function verifyNodeCredential(
  client: ApiClient,
  node: string,
  password: string,
): Promise<boolean> {
  const s = await getCredential(client, node);
  const ok = !!s && credentialNode(s) === node && !isRevoked(s) && checkPassword(s, password);
  // The first connect marks the credential used: from then on only its holder re-joins the name.
  if (ok && s && !isUsed(s))
    await client
      .update<Secret>('secrets', SYSTEM_NAMESPACE, {
        ...s,
        data: { ...s.data, 'first-used': b64(rfc3339(Date.now())) },
      })
      .catch((e) => {
        // A concurrent connect or re-join wrote first; the next connect marks it.
        if (!isConflict(e) && !isNotFound(e)) throw e;
      });
  return ok;
}

/**
 * Revokes node's credential: its password stops working at once and the name cannot be joined
 * again until reset. A name without a credential gets a revoked marker (a board not yet joined
 * cannot take it either).
 */
export async function revokeNodeCredential(client: ApiClient, node: string, reason: string): Promise<void> {
  const data = {
    'node-name': b64(node),
    revoked: b64('true'),
    'revoked-at': b64(rfc3339(Date.now())),
    'revoked-reason': b64(reason),
  };
  for (let attempt = 1; ; attempt++) {
    const s = await getCredential(client, node);
    try {
      if (s) {
        if (isRevoked(s)) return;
        await client.update<Secret>('secrets', SYSTEM_NAMESPACE, { ...s, type: NODE_CREDENTIAL_TYPE, data });
      } else await client.create<Secret>('secrets', SYSTEM_NAMESPACE, credentialSecret(node, data));
      return;
    } catch (e) {
      if (!(isConflict(e) || isAlreadyExists(e)) || attempt >= REVOKE_ATTEMPTS) throw e;
    }
  }
}

/** Deletes node's credential (revoked or live): the next join with a valid token may take the name. */
export async function resetNodeCredential(client: ApiClient, node: string): Promise<boolean> {
  try {
    await client.delete('secrets', SYSTEM_NAMESPACE, nodeCredentialSecretName(node));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
