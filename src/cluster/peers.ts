// Parses the `--peers` list (`n1=127.0.0.1:7000,n2=host:7001@17001,...`) into node names,
// numeric Raft node ids, client addresses and cluster bus ports. The same string gives the
// same ids on every node: ids come from the names alone (docs/cluster-bus.md, "Node ids").

import type { NodeId } from '../raft/types.ts';
import { FloeError } from '../util/errors.ts';
import type { PeerAddress } from './bus.ts';

/** The bus listens on the client port plus this, unless a peer gives `@busport` (Redis Cluster's rule). */
export const BUS_PORT_OFFSET = 10000;
/** Names of the form n<k> map to id k, for k in [1, NUMBERED_ID_MAX]. */
export const NUMBERED_ID_MAX = 0x7fffffff;
/** Other names hash into [HASHED_ID_MIN, 2^32), so they never meet a numbered id. */
export const HASHED_ID_MIN = 0x80000000;
/** Longest node name, bytes. */
export const NODE_NAME_BYTES_MAX = 128;
/** Most peers one list may name. */
export const PEERS_MAX = 1000;

export interface PeerSpec {
  readonly name: string;
  readonly id: NodeId;
  /** Client (RESP) address. */
  readonly host: string;
  readonly port: number;
  /** Cluster bus port: port + BUS_PORT_OFFSET, or the explicit `@busport`. */
  readonly busPort: number;
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const NUMBERED_RE = /^n([1-9][0-9]*)$/;

function configError(message: string): FloeError {
  return new FloeError('FLOE_ERR_CONFIG', `--peers: ${message}`);
}

/**
 * The node id of a name: `n<k>` (k ≥ 1, no leading zero) is k; any other name is
 * HASHED_ID_MIN | (FNV-1a-32 of its UTF-8 bytes >>> 1). Stable across versions and nodes.
 */
export function nodeIdOf(name: string): NodeId {
  const m = NUMBERED_RE.exec(name);
  if (m !== null) {
    const k = Number(m[1]);
    if (k <= NUMBERED_ID_MAX) return k;
  }
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return HASHED_ID_MIN + (h >>> 1);
}

function parsePort(text: string, what: string, entry: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw configError(`bad ${what} "${text}" in "${entry}" (expected 1-65535)`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw configError(`${what} ${port} out of range 1-65535 in "${entry}"`);
  return port;
}

/** Splits `host:port[@busport]`, with `[v6addr]:port` for IPv6. */
function parseAddress(addr: string, entry: string): { host: string; port: number; busPort: number } {
  const at = addr.indexOf('@');
  const hostPort = at < 0 ? addr : addr.slice(0, at);
  let host: string;
  let portText: string;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0 || hostPort[close + 1] !== ':') throw configError(`bad IPv6 address in "${entry}" (expected [addr]:port)`);
    host = hostPort.slice(1, close);
    portText = hostPort.slice(close + 2);
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon < 0) throw configError(`missing ":port" in "${entry}"`);
    host = hostPort.slice(0, colon);
    portText = hostPort.slice(colon + 1);
    if (host.includes(':')) throw configError(`IPv6 address must be in brackets in "${entry}"`);
  }
  if (host === '') throw configError(`empty host in "${entry}"`);
  const port = parsePort(portText, 'port', entry);
  if (at >= 0) return { host, port, busPort: parsePort(addr.slice(at + 1), 'bus port', entry) };
  const busPort = port + BUS_PORT_OFFSET;
  if (busPort > 65535) throw configError(`port ${port} + ${BUS_PORT_OFFSET} exceeds 65535 in "${entry}"; give the bus port as host:port@busport`);
  return { host, port, busPort };
}

function parseEntry(entry: string): PeerSpec {
  const eq = entry.indexOf('=');
  if (eq < 0) throw configError(`"${entry}" is not name=host:port`);
  const name = entry.slice(0, eq).trim();
  if (name === '' || !NAME_RE.test(name) || name.length > NODE_NAME_BYTES_MAX) {
    throw configError(`bad node name "${name}" (letters, digits, '_', '.', '-'; at most ${NODE_NAME_BYTES_MAX})`);
  }
  return { name, id: nodeIdOf(name), ...parseAddress(entry.slice(eq + 1).trim(), entry) };
}

/**
 * Parses a peers list. Returns the peers sorted by id. Throws FloeError FLOE_ERR_CONFIG naming
 * the bad entry on: empty list or entry, missing '=', bad name, bad host/port, duplicate name,
 * two names with the same id (a hash collision: rename one), more than PEERS_MAX entries.
 */
export function parsePeers(spec: string): PeerSpec[] {
  const entries = spec.split(',').map((e) => e.trim());
  if (spec.trim() === '') throw configError('empty peer list');
  if (entries.length > PEERS_MAX) throw configError(`more than ${PEERS_MAX} peers`);
  const byId = new Map<NodeId, PeerSpec>();
  const names = new Set<string>();
  for (const entry of entries) {
    if (entry === '') throw configError(`empty entry in "${spec}"`);
    const peer = parseEntry(entry);
    if (names.has(peer.name)) throw configError(`node name "${peer.name}" given twice`);
    const clash = byId.get(peer.id);
    if (clash !== undefined) throw configError(`names "${clash.name}" and "${peer.name}" map to the same node id ${peer.id}; rename one`);
    names.add(peer.name);
    byId.set(peer.id, peer);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** The peer named `name` in a parsed list; FLOE_ERR_CONFIG if absent. */
export function findPeer(peers: readonly PeerSpec[], name: string): PeerSpec {
  const found = peers.find((p) => p.name === name);
  if (found === undefined) throw configError(`this node's id "${name}" is not in the peer list (${peers.map((p) => p.name).join(', ')})`);
  return found;
}

/** The bus address map for ClusterBus, without `selfId`. */
export function busPeers(peers: readonly PeerSpec[], selfId: NodeId): Map<NodeId, PeerAddress> {
  const out = new Map<NodeId, PeerAddress>();
  for (const p of peers) if (p.id !== selfId) out.set(p.id, { host: p.host, busPort: p.busPort });
  return out;
}
