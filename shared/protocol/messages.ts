// Agent <-> hub message types and the validation of every incoming payload.
// Each parseX() takes raw MQTT payload bytes and returns a typed message or throws ProtocolError.

import * as nodeBuffer from 'node:buffer';
import type {
  ConfigMap,
  ContainerImage,
  NodeAddress,
  NodeCondition,
  NodeSystemInfo,
  Pod,
  PodStatus,
  ResourceList,
  Secret,
} from '../api/types.js';
import { InflateError, inflatePayload, isDeflated } from '../codec/deflate.js';
import { parseJsonBounded } from '../codec/json-depth.js';
import {
  EXEC_STREAM_STDERR,
  EXEC_STREAM_STDOUT,
  MAX_AGENT_PAYLOAD_BYTES,
  MAX_AGENT_PAYLOAD_DEPTH,
  PROTOCOL_VERSION,
} from './constants.js';

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** A payload whose bytes are not valid UTF-8: refused, never repaired to U+FFFD (RFC 8259 8.1). */
export class InvalidUtf8Error extends ProtocolError {
  override name = 'InvalidUtf8Error';
}

export interface JoinRequest {
  v: number;
  nodeName: string;
  labels?: Record<string, string>;
  /** The bootstrap token again (the hub spends a use of it for this name). */
  token?: string;
  /** The node's current password, when it has one: re-joining a name needs it. */
  password?: string;
}

export interface JoinResponse {
  v: number;
  ok: boolean;
  nodeName?: string;
  /** MQTT username/password the node uses from now on. */
  username?: string;
  password?: string;
  error?: string;
}

export interface NodeStatusReport {
  v: number;
  nodeName: string;
  bootID: string;
  labels?: Record<string, string>;
  capacity: ResourceList;
  allocatable: ResourceList;
  conditions: NodeCondition[];
  addresses: NodeAddress[];
  nodeInfo: NodeSystemInfo;
  images?: ContainerImage[];
  usage?: { cpuPercent?: number; memoryBytes?: number };
}

export interface Heartbeat {
  v: number;
  /** Monotonic per-connection sequence number. */
  seq: number;
  /** Agent wall-clock time, ms since epoch (diagnostic only; the hub uses its own clock). */
  time: number;
}

export interface WillMessage {
  v: number;
  reason: string;
}

export interface DesiredState {
  v: number;
  /** Store revision the set was computed at; agents ignore an older one than they have. */
  revision: number;
  pods: Pod[];
  /** ConfigMaps and Secrets that the node's pods reference, and no others (node authorizer rule). */
  configMaps?: ConfigMap[];
  secrets?: Secret[];
}

/** One TCP port of a Service as the proxy serves it. */
export interface ProxyPort {
  /** The Service port's name ('' when it has one port without a name). */
  name: string;
  port: number;
  nodePort?: number;
}

/** One endpoint: a pod address, its board and the target port per Service port name. */
export interface ProxyEndpoint {
  ip: string;
  node: string;
  ready: boolean;
  ports: Record<string, number>;
}

export interface ProxyService {
  namespace: string;
  name: string;
  /** Absent for a headless Service (nothing to proxy; DNS answers with the endpoints). */
  clusterIP?: string;
  ports: ProxyPort[];
  endpoints: ProxyEndpoint[];
}

/**
 * hub -> every agent: the Services and their endpoints (from EndpointSlices), plus the
 * address of each board that hosts an endpoint, for reaching it through that board's relay.
 */
export interface ServiceTable {
  v: number;
  revision: number;
  services: ProxyService[];
  /** node name -> its InternalIP. */
  nodes: Record<string, string>;
}

export interface PodStatusReport {
  v: number;
  uid: string;
  status: PodStatus;
}

export interface AgentEvent {
  v: number;
  involvedObject: { kind: string; namespace?: string; name: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  time: number;
}

export interface RpcRequest {
  v: number;
  method: string;
  params: Record<string, unknown>;
}

export interface RpcResponse {
  v: number;
  /** Chunk sequence (0-based); the last chunk has done=true. */
  seq: number;
  done: boolean;
  data?: string;
  error?: string;
  /** With error: the HTTP status the hub should answer with (e.g. 400 for a bad container name). */
  code?: number;
  /** exec output: data is base64 bytes of this stream (EXEC_STREAM_STDOUT or EXEC_STREAM_STDERR). */
  stream?: number;
  /** exec: the process' exit code, in the last chunk. */
  exitCode?: number;
}

/** One container's usage: CPU as a rate over the window, memory as its working set. */
export interface ContainerUsage {
  name: string;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  containers: ContainerUsage[];
}

/** What the board uses now (metrics-server's summary, sampled by the agent). */
export interface MetricsReport {
  v: number;
  /** When sampled (RFC 3339). */
  timestamp: string;
  /** The CPU rate's window, s. */
  windowSeconds: number;
  node: { cpuNanoCores: number; memoryBytes: number };
  pods: PodUsage[];
}

// ---- validation helpers ----

type Obj = Record<string, unknown>;

// A malformed sequence is refused instead of becoming U+FFFD, so a payload is stored as the
// board sent it or not at all (JSON text must be UTF-8, RFC 8259 8.1). buffer.isUtf8 (Node
// 18.14+) checks without what a fatal TextDecoder costs on Node 18: an ICU converter, ~0.13 MB of
// an agent's RSS (bench/agent-footprint.ts). A leading BOM is dropped, as TextDecoder does.
const isUtf8 = (nodeBuffer as { isUtf8?: (b: Uint8Array) => boolean }).isUtf8;
let fatalDecoder: InstanceType<typeof TextDecoder> | undefined;
const BOM = [0xef, 0xbb, 0xbf];

function decodeUtf8(buf: Buffer | Uint8Array, what: string): string {
  if (!isUtf8) {
    fatalDecoder ??= new TextDecoder('utf-8', { fatal: true });
    try {
      return fatalDecoder.decode(buf);
    } catch {
      throw new InvalidUtf8Error(`${what}: payload is not valid UTF-8`);
    }
  }
  if (!isUtf8(buf)) throw new InvalidUtf8Error(`${what}: payload is not valid UTF-8`);
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const start = BOM.every((x, i) => b[i] === x) ? 3 : 0;
  return b.toString('utf8', start);
}

function decode(buf: Buffer | Uint8Array | string, what: string): Obj {
  const len = typeof buf === 'string' ? Buffer.byteLength(buf) : buf.byteLength;
  if (len > MAX_AGENT_PAYLOAD_BYTES)
    throw new ProtocolError(`${what}: payload of ${len} bytes exceeds the limit`);
  const text = typeof buf === 'string' ? buf : decodeUtf8(inflated(buf, what), what);
  let v: unknown;
  try {
    v = parseJsonBounded(text, MAX_AGENT_PAYLOAD_DEPTH);
  } catch (e) {
    throw new ProtocolError(`${what}: payload is not JSON within limits: ${(e as Error).message}`);
  }
  if (!isObj(v)) throw new ProtocolError(`${what}: payload must be a JSON object`);
  if (v.v !== PROTOCOL_VERSION)
    throw new ProtocolError(`${what}: unsupported protocol version ${String(v.v)}`);
  return v;
}

/** The JSON bytes of a payload an agent deflated (shared/codec/deflate.ts), or the payload itself. */
function inflated(buf: Buffer | Uint8Array, what: string): Buffer | Uint8Array {
  if (!isDeflated(buf)) return buf;
  try {
    return inflatePayload(buf, MAX_AGENT_PAYLOAD_BYTES);
  } catch (e) {
    if (e instanceof InflateError) throw new ProtocolError(`${what}: ${e.message}`);
    throw e;
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, k: string, what: string, optional = false): void {
  if (o[k] === undefined && optional) return;
  if (typeof o[k] !== 'string') throw new ProtocolError(`${what}: field ${k} must be a string`);
}

function num(o: Obj, k: string, what: string, optional = false): void {
  if (o[k] === undefined && optional) return;
  if (typeof o[k] !== 'number' || !Number.isFinite(o[k]))
    throw new ProtocolError(`${what}: field ${k} must be a number`);
}

function bool(o: Obj, k: string, what: string, optional = false): void {
  if (o[k] === undefined && optional) return;
  if (typeof o[k] !== 'boolean') throw new ProtocolError(`${what}: field ${k} must be a boolean`);
}

function strMap(o: Obj, k: string, what: string, optional = false): void {
  const m = o[k];
  if (m === undefined && optional) return;
  if (!isObj(m) || !Object.values(m).every((x) => typeof x === 'string'))
    throw new ProtocolError(`${what}: field ${k} must be a map of strings`);
}

function arr(o: Obj, k: string, what: string, each: (x: unknown) => boolean, optional = false): void {
  const a = o[k];
  if (a === undefined && optional) return;
  if (!Array.isArray(a) || !a.every(each))
    throw new ProtocolError(`${what}: field ${k} must be an array of the right shape`);
}

const hasType = (x: unknown) => isObj(x) && typeof x.type === 'string';

/** hub -> agent: the agent version this board should run, and its bundle's SHA-256 (hex). */
export interface AgentUpdateOrder {
  v: number;
  version: string;
  sha256: string;
  /** The hub CA's signature of version and sha256 (bundle-signature.ts); agents refuse an order without. */
  signature?: string;
}

/** agent -> hub: send me this version's bundle. */
export interface BundleRequest {
  v: number;
  version: string;
}

/** hub -> agent: the header line before a bundle's bytes (error set, no bytes, when the hub has none). */
export interface BundleHeader {
  v: number;
  version: string;
  sha256?: string;
  error?: string;
}

export function parseAgentUpdateOrder(buf: Buffer | Uint8Array | string): AgentUpdateOrder {
  const o = decode(buf, 'agent update order');
  str(o, 'version', 'agent update order');
  str(o, 'sha256', 'agent update order');
  str(o, 'signature', 'agent update order', true);
  return o as unknown as AgentUpdateOrder;
}

export function parseBundleRequest(buf: Buffer | Uint8Array | string): BundleRequest {
  const o = decode(buf, 'bundle request');
  str(o, 'version', 'bundle request');
  return o as unknown as BundleRequest;
}

/** A bundle message: its header line and the bytes after it. */
export function parseBundle(buf: Buffer): { header: BundleHeader; data: Buffer } {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new ProtocolError('bundle: no header line');
  const o = decode(buf.subarray(0, nl), 'bundle header');
  str(o, 'version', 'bundle header');
  str(o, 'sha256', 'bundle header', true);
  str(o, 'error', 'bundle header', true);
  return { header: o as unknown as BundleHeader, data: buf.subarray(nl + 1) };
}

export function encodeBundle(header: Omit<BundleHeader, 'v'>, data: Buffer): Buffer {
  return Buffer.concat([encode<BundleHeader>(header), Buffer.from('\n'), data]);
}

export function parseJoinRequest(buf: Buffer | Uint8Array | string): JoinRequest {
  const o = decode(buf, 'join request');
  str(o, 'nodeName', 'join request');
  strMap(o, 'labels', 'join request', true);
  str(o, 'token', 'join request', true);
  str(o, 'password', 'join request', true);
  return o as unknown as JoinRequest;
}

export function parseJoinResponse(buf: Buffer | Uint8Array | string): JoinResponse {
  const o = decode(buf, 'join response');
  bool(o, 'ok', 'join response');
  for (const k of ['nodeName', 'username', 'password', 'error']) str(o, k, 'join response', true);
  return o as unknown as JoinResponse;
}

export function parseNodeStatusReport(buf: Buffer | Uint8Array | string): NodeStatusReport {
  const w = 'node status';
  const o = decode(buf, w);
  str(o, 'nodeName', w);
  str(o, 'bootID', w);
  strMap(o, 'labels', w, true);
  strMap(o, 'capacity', w);
  strMap(o, 'allocatable', w);
  arr(o, 'conditions', w, (c) => hasType(c) && typeof (c as Obj).status === 'string');
  arr(o, 'addresses', w, (a) => hasType(a) && typeof (a as Obj).address === 'string');
  if (!isObj(o.nodeInfo)) throw new ProtocolError(`${w}: field nodeInfo must be an object`);
  for (const k of ['architecture', 'operatingSystem', 'kernelVersion', 'osImage'])
    str(o.nodeInfo, k, `${w} nodeInfo`);
  arr(o, 'images', w, (i) => isObj(i) && Array.isArray(i.names), true);
  return o as unknown as NodeStatusReport;
}

export function parseHeartbeat(buf: Buffer | Uint8Array | string): Heartbeat {
  const o = decode(buf, 'heartbeat');
  num(o, 'seq', 'heartbeat');
  num(o, 'time', 'heartbeat');
  return o as unknown as Heartbeat;
}

export function parseWill(buf: Buffer | Uint8Array | string): WillMessage {
  const o = decode(buf, 'will');
  str(o, 'reason', 'will');
  return o as unknown as WillMessage;
}

export function parseDesiredState(buf: Buffer | Uint8Array | string): DesiredState {
  const o = decode(buf, 'desired state');
  num(o, 'revision', 'desired state');
  arr(o, 'pods', 'desired state', (p) => isObj(p) && isObj(p.metadata) && isObj(p.spec));
  arr(o, 'configMaps', 'desired state', (c) => isObj(c) && isObj(c.metadata), true);
  arr(o, 'secrets', 'desired state', (c) => isObj(c) && isObj(c.metadata), true);
  return o as unknown as DesiredState;
}

const isPort = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535;

export function parseServiceTable(buf: Buffer | Uint8Array | string): ServiceTable {
  const w = 'service table';
  const o = decode(buf, w);
  num(o, 'revision', w);
  strMap(o, 'nodes', w);
  arr(o, 'services', w, (x) => {
    if (!isObj(x) || typeof x.namespace !== 'string' || typeof x.name !== 'string') return false;
    if (x.clusterIP !== undefined && typeof x.clusterIP !== 'string') return false;
    const portsOk =
      Array.isArray(x.ports) &&
      x.ports.every(
        (p) =>
          isObj(p) &&
          typeof p.name === 'string' &&
          isPort(p.port) &&
          (p.nodePort === undefined || isPort(p.nodePort)),
      );
    const epsOk =
      Array.isArray(x.endpoints) &&
      x.endpoints.every(
        (e) =>
          isObj(e) &&
          typeof e.ip === 'string' &&
          typeof e.node === 'string' &&
          typeof e.ready === 'boolean' &&
          isObj(e.ports) &&
          Object.values(e.ports).every(isPort),
      );
    return portsOk && epsOk;
  });
  return o as unknown as ServiceTable;
}

export function parsePodStatusReport(buf: Buffer | Uint8Array | string): PodStatusReport {
  const o = decode(buf, 'pod status');
  str(o, 'uid', 'pod status');
  if (!isObj(o.status)) throw new ProtocolError('pod status: field status must be an object');
  return o as unknown as PodStatusReport;
}

export function parseAgentEvent(buf: Buffer | Uint8Array | string): AgentEvent {
  const w = 'agent event';
  const o = decode(buf, w);
  if (!isObj(o.involvedObject)) throw new ProtocolError(`${w}: field involvedObject must be an object`);
  str(o.involvedObject, 'kind', w);
  str(o.involvedObject, 'name', w);
  if (o.type !== 'Normal' && o.type !== 'Warning')
    throw new ProtocolError(`${w}: type must be Normal or Warning`);
  str(o, 'reason', w);
  str(o, 'message', w);
  num(o, 'time', w);
  return o as unknown as AgentEvent;
}

export function parseRpcRequest(buf: Buffer | Uint8Array | string): RpcRequest {
  const o = decode(buf, 'rpc request');
  str(o, 'method', 'rpc request');
  if (!isObj(o.params)) throw new ProtocolError('rpc request: field params must be an object');
  return o as unknown as RpcRequest;
}

export function parseRpcResponse(buf: Buffer | Uint8Array | string): RpcResponse {
  const o = decode(buf, 'rpc response');
  num(o, 'seq', 'rpc response');
  bool(o, 'done', 'rpc response');
  str(o, 'data', 'rpc response', true);
  str(o, 'error', 'rpc response', true);
  num(o, 'code', 'rpc response', true);
  if (o.stream !== undefined && o.stream !== EXEC_STREAM_STDOUT && o.stream !== EXEC_STREAM_STDERR)
    throw new ProtocolError('rpc response: field stream must be 1 (stdout) or 2 (stderr)');
  if (
    o.exitCode !== undefined &&
    (!Number.isInteger(o.exitCode) || (o.exitCode as number) < 0 || (o.exitCode as number) > 255)
  )
    throw new ProtocolError('rpc response: field exitCode must be an integer in 0..255');
  return o as unknown as RpcResponse;
}

/** Serializes a message (adds the protocol version). */
export function encode<T extends { v: number }>(msg: Omit<T, 'v'>): Buffer {
  return Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, ...msg }));
}

/** Usage values a board may report: non-negative, CPU up to 1024 cores, memory up to 16 TiB. */
const MAX_NANO_CORES = 1024e9;
const MAX_MEMORY_BYTES = 16 * 1024 ** 4;
/** Pods and containers per report (a board runs few). */
const MAX_REPORT_PODS = 512;
const MAX_POD_CONTAINERS = 64;

function usage(o: Obj, what: string): void {
  for (const [k, max] of [
    ['cpuNanoCores', MAX_NANO_CORES],
    ['memoryBytes', MAX_MEMORY_BYTES],
  ] as const) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max)
      throw new ProtocolError(`${what}: ${k} must be a number in 0..${max}`);
  }
}

export function parseMetricsReport(buf: Buffer | Uint8Array | string): MetricsReport {
  const o = decode(buf, 'metrics report');
  str(o, 'timestamp', 'metrics report');
  if (Number.isNaN(Date.parse(o.timestamp as string)))
    throw new ProtocolError('metrics report: bad timestamp');
  num(o, 'windowSeconds', 'metrics report');
  if (!isObj(o.node)) throw new ProtocolError('metrics report: node must be an object');
  usage(o.node, 'metrics report node');
  if (!Array.isArray(o.pods) || o.pods.length > MAX_REPORT_PODS)
    throw new ProtocolError(`metrics report: pods must be a list of at most ${MAX_REPORT_PODS}`);
  for (const p of o.pods) {
    if (!isObj(p)) throw new ProtocolError('metrics report: a pod must be an object');
    for (const k of ['namespace', 'name', 'uid']) str(p, k, 'metrics report pod');
    if (!Array.isArray(p.containers) || p.containers.length > MAX_POD_CONTAINERS)
      throw new ProtocolError(
        `metrics report pod: containers must be a list of at most ${MAX_POD_CONTAINERS}`,
      );
    for (const c of p.containers) {
      if (!isObj(c)) throw new ProtocolError('metrics report: a container must be an object');
      str(c, 'name', 'metrics report container');
      usage(c, 'metrics report container');
    }
  }
  return o as unknown as MetricsReport;
}
