// What a board needs to find and trust the hub, published as kubeadm publishes
// kube-public/cluster-info: ConfigMap kube-public/drover-cluster-info with the MQTT URL a board
// dials and, with TLS, the CA certificate (whose hash the join line pins). `drover token
// create` reads it through the API to print the join line, wherever it runs.

import type { ApiClient } from './api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from './api/errors.js';
import type { ConfigMap } from '../shared/api/types.js';
import { nodeAddresses } from '../agent/node-info.js';

export const CLUSTER_INFO_NAMESPACE = 'kube-public';
export const CLUSTER_INFO_NAME = 'drover-cluster-info';

/** Hub URLs kept in a shared cluster-info, most recent last (restarted hubs on new ports add theirs). */
export const MAX_CLUSTER_HUB_URLS = 16;
const MAX_CONFLICT_RETRIES = 5;

export interface ClusterInfo {
  /** The broker URL as a board should write it (mqtts://ADDR:8883); several hubs: a comma-separated list. */
  mqttUrl: string;
  /** PEM of the CA that signed the broker's certificate (TLS only). */
  caCert?: string;
}

/** url added to a comma-separated list (moved to the end if there), the oldest dropped past the cap. */
export function withHubUrl(list: string | undefined, url: string): string {
  const urls = (list ?? '').split(',').filter((u) => u !== '' && u !== url);
  return [...urls, url].slice(-MAX_CLUSTER_HUB_URLS).join(',');
}

/**
 * Writes the cluster info. With `shared` (several hubs on one store) the hub adds its URL to the
 * list the others wrote, so the join line names every hub; concurrent starts retry on conflict.
 */
export async function writeClusterInfo(client: ApiClient, info: ClusterInfo, shared = false): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const cur = await client.get<ConfigMap>('configmaps', CLUSTER_INFO_NAMESPACE, CLUSTER_INFO_NAME);
      const mqttUrl = shared ? withHubUrl(cur.data?.mqttUrl, info.mqttUrl) : info.mqttUrl;
      await client.update<ConfigMap>('configmaps', CLUSTER_INFO_NAMESPACE, {
        ...cur,
        data: dataOf({ ...info, mqttUrl }),
      });
      return;
    } catch (e) {
      if (isConflict(e) && attempt < MAX_CONFLICT_RETRIES) continue;
      if (!isNotFound(e)) throw e;
    }
    try {
      await client.create<ConfigMap>('configmaps', CLUSTER_INFO_NAMESPACE, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: CLUSTER_INFO_NAME, namespace: CLUSTER_INFO_NAMESPACE },
        data: dataOf(info),
      });
      return;
    } catch (e) {
      if (!isAlreadyExists(e) || attempt >= MAX_CONFLICT_RETRIES) throw e; // another hub made it: merge into it
    }
  }
}

function dataOf(info: ClusterInfo): Record<string, string> {
  const data: Record<string, string> = { mqttUrl: info.mqttUrl };
  if (info.caCert) data['ca.crt'] = info.caCert;
  return data;
}

export async function readClusterInfo(client: ApiClient): Promise<ClusterInfo | undefined> {
  try {
    const cm = await client.get<ConfigMap>('configmaps', CLUSTER_INFO_NAMESPACE, CLUSTER_INFO_NAME);
    const mqttUrl = cm.data?.mqttUrl;
    return mqttUrl ? { mqttUrl, caCert: cm.data?.['ca.crt'] } : undefined;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * The MQTT URL as a board should write it: when the broker listens on every interface, a
 * loopback or wildcard host is replaced by this machine's first non-internal IPv4.
 */
export function dialableMqttUrl(
  url: string,
  listenHost = '0.0.0.0',
  machineIp: string | null = internalIp() ?? null,
): string {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return url;
  const host = machineIp ?? '<this-machine-address>';
  return url.replace(/\/\/(0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]|\[::1\]):/, `//${host}:`);
}

function internalIp(): string | undefined {
  return nodeAddresses().find((a) => a.type === 'InternalIP')?.address;
}

/** The one line that joins a board: `drover agent --hub URL --token T [--ca-hash H] [--name N]`. */
export function joinCommandLine(o: {
  mqttUrl: string;
  token: string;
  caHash?: string;
  nodeName?: string;
}): string {
  return [
    `drover agent --hub ${o.mqttUrl} --token ${o.token}`,
    o.caHash ? ` --ca-hash ${o.caHash}` : '',
    o.nodeName ? ` --name ${o.nodeName}` : '',
  ].join('');
}
