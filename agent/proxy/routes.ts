// From the hub's Service table to what this board serves (pure): per Service port, the
// addresses to listen on (ClusterIP:port everywhere, nodeIp:nodePort) and its Ready backends,
// this board's first, then other boards' through their relays.

import type { ServiceTable } from '../../shared/protocol/messages.js';

export interface Backend {
  /** Pod address and target port. */
  ip: string;
  port: number;
  node: string;
  /** Set for another board's pod: its relay. */
  via?: { host: string; port: number };
}

export interface Route {
  /** `namespace/name:portName`, for logs. */
  key: string;
  listen: { host: string; port: number }[];
  local: Backend[];
  remote: Backend[];
}

/** Listen address of NodePorts when no node IP is set: every address. */
export const ANY_ADDRESS = '0.0.0.0';

export function buildRoutes(
  table: Pick<ServiceTable, 'services' | 'nodes'>,
  self: string,
  nodeIp: string | undefined,
  relayPort: number,
): Route[] {
  const out: Route[] = [];
  for (const s of table.services) {
    if (!s.clusterIP && !s.ports.some((p) => p.nodePort)) continue;
    for (const p of s.ports) {
      const listen: Route['listen'] = [];
      if (s.clusterIP) listen.push({ host: s.clusterIP, port: p.port });
      if (p.nodePort) listen.push({ host: nodeIp ?? ANY_ADDRESS, port: p.nodePort });
      const local: Backend[] = [];
      const remote: Backend[] = [];
      for (const e of s.endpoints) {
        const port = e.ports[p.name];
        if (!e.ready || port === undefined) continue;
        if (e.node === self) local.push({ ip: e.ip, port, node: e.node });
        else if (table.nodes[e.node])
          remote.push({ ip: e.ip, port, node: e.node, via: { host: table.nodes[e.node], port: relayPort } });
      }
      out.push({ key: `${s.namespace}/${s.name}:${p.name}`, listen, local, remote });
    }
  }
  return out;
}

/** Backends in the order to try: this board's, then others', each set rotated by rr. */
export function candidates(r: Route, rr: number): Backend[] {
  const rot = (a: Backend[]) => (a.length ? [...a.slice(rr % a.length), ...a.slice(0, rr % a.length)] : a);
  return [...rot(r.local), ...rot(r.remote)];
}

/** This board's Ready endpoints (ip:port), the only targets its relay accepts. */
export function localTargets(table: Pick<ServiceTable, 'services'>, self: string): Set<string> {
  const out = new Set<string>();
  for (const s of table.services)
    for (const e of s.endpoints)
      if (e.node === self && e.ready) for (const port of Object.values(e.ports)) out.add(`${e.ip}:${port}`);
  return out;
}
