// The node-local DNS responder of the agent (UDP, node:dgram): Service names of the cluster
// domain from the Service table (records.ts), the rest forwarded to the board's own resolvers
// (as CoreDNS's forward plugin reads /etc/resolv.conf), or REFUSED when it has none. The socket
// binds with SO_REUSEADDR: agents sharing a machine (tests) share the address and all answer
// from the same cluster-wide table.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from '../../shared/log.js';
import type { ServiceTable } from '../../shared/protocol/messages.js';
import type { DnsOptions } from './options.js';
import { ServiceRecords } from './records.js';
import { buildAnswer, CLASS_IN, DnsFormatError, parseQuery, type Query, RCODE, TYPE_A } from './wire.js';

/** Largest query read, bytes (plain DNS over UDP, RFC 1035 4.2.1; EDNS is not offered). */
const MAX_QUERY_BYTES = 512;

interface Forwarded {
  client: RemoteInfo;
  query: Query;
  timer: NodeJS.Timeout;
}

export interface DnsStats {
  queries: number;
  answered: number;
  forwarded: number;
  failed: number;
}

export class DnsServer {
  private socket?: Socket;
  private upstream?: Socket;
  private readonly records: ServiceRecords;
  private readonly inFlight = new Map<number, Forwarded>();
  private nextId = Math.floor(Math.random() * 0x10000);
  readonly stats: DnsStats = { queries: 0, answered: 0, forwarded: 0, failed: 0 };

  constructor(
    private readonly o: DnsOptions,
    private readonly log: Logger,
  ) {
    this.records = new ServiceRecords(o.domain);
  }

  apply(table: ServiceTable): void {
    this.records.apply(table);
  }

  async start(): Promise<void> {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: this.o.address, port: this.o.port }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', (e) => this.log.warn('dns socket error', { error: e.message }));
    s.on('message', (msg, rinfo) => this.onQuery(msg, rinfo));
    this.socket = s;
    if (this.o.upstreams.length) {
      const u = createSocket('udp4');
      u.on('message', (msg, from) => this.onUpstream(msg, from));
      u.on('error', (e) => this.log.warn('dns upstream socket error', { error: e.message }));
      await new Promise<void>((resolve) => u.bind(0, resolve));
      this.upstream = u;
    }
    this.log.info('serving cluster DNS', {
      address: `${this.o.address}:${this.o.port}`,
      domain: this.o.domain,
      upstreams: this.o.upstreams,
    });
  }

  stop(): void {
    for (const f of this.inFlight.values()) clearTimeout(f.timer);
    this.inFlight.clear();
    this.socket?.close();
    this.upstream?.close();
    this.socket = undefined;
    this.upstream = undefined;
  }

  private send(buf: Buffer, to: RemoteInfo): void {
    this.socket?.send(buf, to.port, to.address);
  }

  private onQuery(msg: Buffer, rinfo: RemoteInfo): void {
    this.stats.queries++;
    if (msg.length > MAX_QUERY_BYTES) return;
    let q: Query;
    try {
      q = parseQuery(msg);
    } catch (e) {
      if (!(e instanceof DnsFormatError) || msg.length < 12) return;
      // A header we can answer: FORMERR with the id, no question.
      const id = msg.readUInt16BE(0);
      this.send(
        buildAnswer(
          { id, opcode: 0, recursionDesired: false, question: Buffer.alloc(0) },
          { rcode: RCODE.FORMERR },
        ),
        rinfo,
      );
      return;
    }
    if (q.opcode !== 0) {
      this.answer(q, rinfo, { rcode: RCODE.NOTIMP });
      return;
    }
    const r = this.records.resolve(q.name);
    if (r.kind === 'outside') {
      this.forward(q, msg, rinfo);
      return;
    }
    if (r.kind === 'nxdomain') {
      this.answer(q, rinfo, { rcode: RCODE.NXDOMAIN, authoritative: true });
      return;
    }
    // Only A records exist here: another type of an existing name has no records (NODATA).
    const addresses = q.type === TYPE_A && q.class === CLASS_IN ? r.addresses : [];
    this.answer(q, rinfo, {
      rcode: RCODE.NOERROR,
      addresses,
      authoritative: true,
      ttlSeconds: this.o.ttlSeconds,
    });
  }

  private answer(q: Query, to: RemoteInfo, o: Parameters<typeof buildAnswer>[1]): void {
    if (o.rcode === RCODE.SERVFAIL || o.rcode === RCODE.REFUSED) this.stats.failed++;
    else this.stats.answered++;
    this.send(buildAnswer(q, o), to);
  }

  private forward(q: Query, msg: Buffer, client: RemoteInfo): void {
    const u = this.upstream;
    if (!u) {
      this.answer(q, client, { rcode: RCODE.REFUSED });
      return;
    }
    if (this.inFlight.size >= this.o.maxInFlight) {
      this.answer(q, client, { rcode: RCODE.SERVFAIL });
      return;
    }
    let id = this.nextId;
    while (this.inFlight.has(id)) id = (id + 1) & 0xffff;
    this.nextId = (id + 1) & 0xffff;
    const timer = setTimeout(() => {
      this.inFlight.delete(id);
      this.answer(q, client, { rcode: RCODE.SERVFAIL });
    }, this.o.forwardTimeoutMs);
    this.inFlight.set(id, { client, query: q, timer });
    const out = Buffer.from(msg);
    out.writeUInt16BE(id, 0);
    this.stats.forwarded++;
    // The first resolver; a board's resolv.conf rarely lists more than one that works.
    u.send(out, this.o.upstreamPort, this.o.upstreams[0]);
  }

  private onUpstream(msg: Buffer, from: RemoteInfo): void {
    // Only the resolver asked may answer (an id alone is 16 bits to guess).
    if (msg.length < 12 || from.address !== this.o.upstreams[0] || from.port !== this.o.upstreamPort) return;
    const f = this.inFlight.get(msg.readUInt16BE(0));
    if (!f) return;
    this.inFlight.delete(msg.readUInt16BE(0));
    clearTimeout(f.timer);
    const out = Buffer.from(msg);
    out.writeUInt16BE(f.query.id, 0);
    this.send(out, f.client);
  }
}
