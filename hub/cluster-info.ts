// What a board needs to find and trust the hub, published as kubeadm publishes
// kube-public/cluster-info: ConfigMap kube-public/drover-cluster-info with the MQTT URL a board
// dials and, with TLS, the CA certificate (whose hash the join line pins). `drover token
// create` reads it through the API to print the join line, wherever it runs.

import type { ApiClient } from './api/client.js';
import { isNotFound } from './api/errors.js';
import type { ConfigMap } from '../shared/api/types.js';
import { nodeAddresses } from '../agent/node-info.js';

export const CLUSTER_INFO_NAMESPACE = 'kube-public';
export const CLUSTER_INFO_NAME = 'drover-cluster-info';

export interface ClusterInfo {
  /** The broker URL as a board should write it (mqtts://ADDR:8883). */
  mqttUrl: string;
  /** PEM of the CA that signed the broker's certificate (TLS only). */
  caCert?: string;
}

export async function writeClusterInfo(client: ApiClient, info: ClusterInfo): Promise<void> {
  const data: Record<string, string> = { mqttUrl: info.mqttUrl };
  if (info.caCert) data['ca.crt'] = info.caCert;
  const obj: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CLUSTER_INFO_NAME, namespace: CLUSTER_INFO_NAMESPACE },
    data,
  };
  try {
    const cur = await client.get<ConfigMap>('configmaps', CLUSTER_INFO_NAMESPACE, CLUSTER_INFO_NAME);
    await client.update<ConfigMap>('configmaps', CLUSTER_INFO_NAMESPACE, { ...cur, data });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create<ConfigMap>('configmaps', CLUSTER_INFO_NAMESPACE, obj);
  }
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
