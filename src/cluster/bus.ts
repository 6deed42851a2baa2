// The cluster bus: node-to-node TCP links that carry Raft messages (batched per peer, one
// frame per flush) and forwarded client commands with their replies. Owns connections,
// handshake, reconnect backoff and the bounds on every queue; the byte formats are in
// codec.ts. Design and wire format: docs/cluster-bus.md.

import * as net from 'node:net';
import type { Message, NodeId, GroupId } from '../raft/types.ts';
import type { Reply } from '../protocol/reply.ts';
import type { Random } from '../util/prng.ts';
import { FloeError } from '../util/errors.ts';
import { assert } from '../util/assert.ts';
import {
  BUS_PROTOCOL_VERSION, CLUSTER_ID_BYTES_MAX, FRAME_BYTES_MAX, FRAME_TYPE_COUNT, FrameSplitter, FrameType,
  HELLO_FRAME_BYTES_MAX, decodeErrorText, decodeForwardReply, decodeForwardRequest, decodeHello, decodeMessages,
  encodeErrorFrame, encodeForwardReplyFrame, encodeForwardRequestFrame, encodeHelloFrame, encodeRaftFrame,
  messageEncodedBytes, type ForwardKind, type Hello,
} from './codec.ts';

export { BUS_PROTOCOL_VERSION, CLUSTER_ID_BYTES_MAX, FRAME_BYTES_MAX, FrameType, HELLO_FRAME_BYTES_MAX };
export type { ForwardKind, FrameTypeCode } from './codec.ts';

const MiB = 1024 * 1024;

/** Default cap on bytes waiting for one peer: queued Raft messages, and separately the socket's unsent bytes. */
export const SEND_QUEUE_BYTES_MAX_DEFAULT = 16 * MiB;
/** Pending forwarded requests per link (each way); more are refused at once. */
export const FORWARDS_PENDING_MAX = 4096;
/** First reconnect delay after a failure; doubles per failure up to the max; jittered to [50%, 100%]. */
export const BACKOFF_BASE_MS = 50;
export const BACKOFF_MAX_MS = 2000;
/** A link that has not completed TCP connect + HELLO exchange in this time is dropped. */
export const HANDSHAKE_TIMEOUT_MS = 2000;
/** After sending an ERROR frame, wait this long for the peer to close before destroying. */
export const REFUSE_LINGER_MS = 1000;
/** TCP keepalive probes start after this idle time (finds dead half-open links). */
export const KEEPALIVE_MS = 5000;
/** Inbound links accepted at once; more are closed at once (peers need one each). */
export const INBOUND_LINKS_MAX = 1024;

export interface PeerAddress {
  readonly host: string;
  readonly busPort: number;
}

export interface PeerStatus {
  readonly id: NodeId;
  readonly host: string;
  readonly busPort: number;
  /** The outgoing link has completed its HELLO exchange. */
  readonly connected: boolean;
  /** Raft message bytes waiting for the next flush or for the link to come back (≤ sendQueueBytesMax). */
  readonly queuedBytes: number;
  /** Bytes written to the outgoing socket but not yet taken by the kernel. */
  readonly socketBytes: number;
  /** Forwards sent to this peer and not yet answered. */
  readonly forwardsPending: number;
  /** Raft messages dropped because the queue was full or the link was cut off. */
  readonly droppedMessages: number;
  /** Times the link was cut off because the peer read too slowly. */
  readonly cutoffs: number;
  /** The last reason the link failed or was refused, '' once connected. */
  readonly lastError: string;
}

/** Counters for tests and metrics. */
export interface BusStats {
  /** Frames written, indexed by frame type code. */
  readonly framesSent: number[];
  /** Frames received and accepted, indexed by frame type code. */
  readonly framesReceived: number[];
  bytesSent: number;
  bytesReceived: number;
  /** Links dropped because the peer broke the protocol (bad frame, bad HELLO). */
  protocolErrors: number;
  /** Raft messages addressed to a node not in the peer map (dropped). */
  unknownPeerDrops: number;
}

/** Notable link events, for structured logs (never per message). */
export interface BusEvent {
  readonly type: 'connected' | 'disconnected' | 'refused' | 'cutoff' | 'protocol-error';
  /** The peer's node id, 0 if not known yet (an inbound link before its HELLO). */
  readonly peer: NodeId;
  readonly detail: string;
}

export type RaftHandler = (from: NodeId, msgs: Message[]) => void;
export type ForwardHandler = (from: NodeId, group: GroupId, kind: ForwardKind, args: string[]) => Promise<Reply> | Reply;

export interface ClusterBusOptions {
  readonly selfId: NodeId;
  /** Nodes of different clusters refuse each other's links. */
  readonly clusterId: string;
  readonly listenHost: string;
  /** 0 picks a free port; read it back with address(). */
  readonly listenPort: number;
  /** Every other node, by id (an entry for selfId is ignored). */
  readonly peers: ReadonlyMap<NodeId, PeerAddress>;
  /** Jitter for reconnect backoff. */
  readonly random: Random;
  /** Default SEND_QUEUE_BYTES_MAX_DEFAULT; must exceed Raft's largest message (maxSizePerMsgBytes, snapshotChunkBytes) and be ≤ FRAME_BYTES_MAX / 2. */
  readonly sendQueueBytesMax?: number;
  readonly onRaft?: RaftHandler;
  readonly onForward?: ForwardHandler;
  readonly onEvent?: (e: BusEvent) => void;
}

interface PendingForward {
  readonly resolve: (r: Reply) => void;
  readonly reject: (e: FloeError) => void;
  readonly timer: NodeJS.Timeout;
}

/** One TCP connection, dialed by us (outgoing: carries our Raft frames and forwards) or by a peer. */
class Link {
  readonly socket: net.Socket;
  readonly outgoing: boolean;
  /** The peer's id: expected (outgoing) or from its HELLO (inbound, 0 until then). */
  peer: NodeId;
  helloDone = false;
  closed = false;
  corked = false;
  readonly splitter = new FrameSplitter(HELLO_FRAME_BYTES_MAX);
  readonly pending = new Map<number, PendingForward>();
  /** Forward requests from the peer being served now. */
  serving = 0;
  handshakeTimer: NodeJS.Timeout | null = null;

  constructor(socket: net.Socket, outgoing: boolean, peer: NodeId) {
    this.socket = socket;
    this.outgoing = outgoing;
    this.peer = peer;
  }
}

class Peer {
  readonly id: NodeId;
  host: string;
  busPort: number;
  /** The outgoing link, connecting or up; null while idle or backing off. */
  link: Link | null = null;
  queue: Message[] = [];
  queueBytes = 0;
  /** In the bus's dirty list (has queued messages awaiting flush). */
  dirty = false;
  removed = false;
  /** Consecutive failed dials (backoff exponent); reset by a completed HELLO exchange. */
  failures = 0;
  retryTimer: NodeJS.Timeout | null = null;
  dropped = 0;
  cutoffs = 0;
  lastError = '';

  constructor(id: NodeId, addr: PeerAddress) {
    this.id = id;
    this.host = addr.host;
    this.busPort = addr.busPort;
  }
}

/** Wraps an exception thrown by onRaft so that it is not mistaken for a peer's protocol error. */
class HandlerFailure {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

function uncorkLink(link: Link): void {
  link.corked = false;
  link.socket.uncork();
}

function peerError(message: string): FloeError {
  return new FloeError('FLOE_ERR_PEER', message);
}

export class ClusterBus {
  /** Called once per received RAFT frame with every message in it (all groups, in send order). */
  onRaft: RaftHandler;
  /** Serves a forwarded command; its result (or a failure if it throws) goes back as FORWARD_REPLY. */
  onForward: ForwardHandler;
  onEvent: (e: BusEvent) => void;
  readonly stats: BusStats;

  private readonly selfId: NodeId;
  private readonly clusterId: string;
  private readonly listenHost: string;
  private readonly listenPort: number;
  private readonly random: Random;
  private readonly sendQueueBytesMax: number;
  private readonly peers = new Map<NodeId, Peer>();
  private readonly inbound = new Set<Link>();
  /** Sockets of refused links, kept open briefly so the ERROR frame arrives; destroyed by stop(). */
  private readonly lingering = new Set<net.Socket>();
  private dirtyPeers: Peer[] = [];
  private server: net.Server | null = null;
  private running = false;
  private nextForwardId = 1;

  constructor(opts: ClusterBusOptions) {
    assert(Number.isSafeInteger(opts.selfId) && opts.selfId >= 1, 'selfId must be ≥ 1');
    assert(Buffer.byteLength(opts.clusterId, 'utf8') <= CLUSTER_ID_BYTES_MAX, 'clusterId too long');
    this.selfId = opts.selfId;
    this.clusterId = opts.clusterId;
    this.listenHost = opts.listenHost;
    this.listenPort = opts.listenPort;
    this.random = opts.random;
    this.sendQueueBytesMax = opts.sendQueueBytesMax ?? SEND_QUEUE_BYTES_MAX_DEFAULT;
    assert(this.sendQueueBytesMax > 0 && this.sendQueueBytesMax <= FRAME_BYTES_MAX / 2, 'sendQueueBytesMax out of range');
    this.onRaft = opts.onRaft ?? (() => {});
    this.onForward = opts.onForward ?? (() => { throw peerError('no forward handler'); });
    this.onEvent = opts.onEvent ?? (() => {});
    this.stats = {
      framesSent: new Array<number>(FRAME_TYPE_COUNT).fill(0), framesReceived: new Array<number>(FRAME_TYPE_COUNT).fill(0),
      bytesSent: 0, bytesReceived: 0, protocolErrors: 0, unknownPeerDrops: 0,
    };
    this.setPeers(opts.peers);
  }

  /** Opens the listening socket. Rejects with FloeError FLOE_ERR_LISTEN. */
  async start(): Promise<void> {
    assert(this.server === null, 'ClusterBus started twice');
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        reject(new FloeError('FLOE_ERR_LISTEN', `cluster bus cannot listen on ${this.listenHost}:${this.listenPort}: ${e.message}`, { cause: e }));
      };
      server.once('error', onError);
      server.listen(this.listenPort, this.listenHost, () => {
        server.off('error', onError);
        // Errors after listening (e.g. EMFILE on accept) must not crash the process.
        server.on('error', () => {});
        resolve();
      });
    });
    this.running = true;
  }

  /** Closes the listener and every link, cancels timers, rejects pending forwards (FLOE_ERR_PEER). */
  async stop(): Promise<void> {
    this.running = false;
    for (const peer of this.peers.values()) this.dropPeer(peer, 'bus stopped');
    this.peers.clear();
    this.dirtyPeers = [];
    for (const link of [...this.inbound]) this.closeLink(link, 'bus stopped');
    for (const socket of this.lingering) socket.destroy();
    this.lingering.clear();
    const server = this.server;
    if (server === null || !server.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The bound listening address (after start). */
  address(): { host: string; port: number } {
    const a = this.server?.address();
    assert(a !== undefined && a !== null && typeof a === 'object', 'ClusterBus not started');
    return { host: a.address, port: a.port };
  }

  /**
   * Queues a Raft message for msg.to; nothing is written until flush(). Dropped (and counted)
   * when msg.to is not a known peer or its queue already holds sendQueueBytesMax bytes.
   */
  send(msg: Message): void {
    assert(msg.to !== this.selfId, 'a Raft message to self must not reach the bus');
    const peer = this.peers.get(msg.to);
    if (peer === undefined) {
      this.stats.unknownPeerDrops++;
      return;
    }
    const bytes = messageEncodedBytes(msg);
    if (peer.queueBytes + bytes > this.sendQueueBytesMax) {
      peer.dropped++;
      return;
    }
    peer.queue.push(msg);
    peer.queueBytes += bytes;
    if (!peer.dirty) {
      peer.dirty = true;
      this.dirtyPeers.push(peer);
    }
  }

  /** Writes each peer's queued messages as ONE RAFT frame. Call once per tick / Ready cycle. */
  flush(): void {
    if (this.dirtyPeers.length === 0) return;
    const dirty = this.dirtyPeers;
    this.dirtyPeers = [];
    for (const peer of dirty) {
      peer.dirty = false;
      if (peer.removed || peer.queue.length === 0) continue;
      if (peer.link === null) {
        // Backing off: the messages wait (bounded) for the redial. Idle: dial now.
        if (peer.retryTimer !== null || !this.running) continue;
        this.connect(peer);
      }
      this.writeQueue(peer);
    }
  }

  private writeQueue(peer: Peer): void {
    const link = peer.link;
    if (link === null || peer.queue.length === 0) return;
    const frame = encodeRaftFrame(peer.queue, peer.queueBytes);
    const count = peer.queue.length;
    peer.queue = [];
    peer.queueBytes = 0;
    if (!this.writeFrame(link, frame, FrameType.RAFT)) peer.dropped += count;
  }

  /**
   * Sends a client command to `to` and resolves with its reply. Rejects with FloeError
   * FLOE_ERR_TIMEOUT after timeoutMs, FLOE_ERR_PEER when the link is down or drops before
   * the reply, the peer is unknown, too many forwards are pending, or the peer's handler failed.
   */
  forward(to: NodeId, group: GroupId, kind: ForwardKind, args: string[], timeoutMs: number): Promise<Reply> {
    const peer = this.peers.get(to);
    if (!this.running) return Promise.reject(peerError('cluster bus is stopped'));
    if (peer === undefined) return Promise.reject(peerError(`node ${to} is not a known peer`));
    if (peer.link === null) {
      if (peer.retryTimer !== null) return Promise.reject(peerError(`node ${to} is unreachable: ${peer.lastError}`));
      this.connect(peer);
    }
    const link = peer.link;
    assert(link !== null, 'connect sets the link');
    if (link.pending.size >= FORWARDS_PENDING_MAX) {
      return Promise.reject(peerError(`too many forwards pending to node ${to} (${FORWARDS_PENDING_MAX})`));
    }
    const id = this.nextForwardId;
    this.nextForwardId = this.nextForwardId >= 0xffffffff ? 1 : this.nextForwardId + 1;
    const frame = encodeForwardRequestFrame(id, group, kind, args);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => this.forwardTimedOut(link, id, timeoutMs), timeoutMs);
      link.pending.set(id, { resolve, reject, timer });
      this.writeFrame(link, frame, FrameType.FORWARD_REQUEST);
    });
  }

  private forwardTimedOut(link: Link, id: number, timeoutMs: number): void {
    const p = link.pending.get(id);
    if (p === undefined) return;
    link.pending.delete(id);
    p.reject(new FloeError('FLOE_ERR_TIMEOUT', `forward to node ${link.peer} got no reply within ${timeoutMs} ms`));
  }

  /** Replaces the peer set: new peers are dialed lazily, removed ones are closed (their forwards rejected), moved ones redialed. */
  setPeers(peers: ReadonlyMap<NodeId, PeerAddress>): void {
    for (const peer of [...this.peers.values()]) {
      if (!peers.has(peer.id) || peer.id === this.selfId) {
        this.dropPeer(peer, 'removed from the peer list');
        this.peers.delete(peer.id);
      }
    }
    for (const [id, addr] of peers) {
      if (id === this.selfId) continue;
      const peer = this.peers.get(id);
      if (peer === undefined) {
        this.peers.set(id, new Peer(id, addr));
      } else if (peer.host !== addr.host || peer.busPort !== addr.busPort) {
        peer.host = addr.host;
        peer.busPort = addr.busPort;
        this.resetLink(peer, 'peer address changed');
      }
    }
  }

  /** One row per peer, sorted by id. */
  peerStatus(): PeerStatus[] {
    return [...this.peers.values()].sort((a, b) => a.id - b.id).map((p) => ({
      id: p.id, host: p.host, busPort: p.busPort, connected: p.link !== null && p.link.helloDone,
      queuedBytes: p.queueBytes, socketBytes: p.link?.socket.writableLength ?? 0,
      forwardsPending: p.link?.pending.size ?? 0, droppedMessages: p.dropped, cutoffs: p.cutoffs, lastError: p.lastError,
    }));
  }

  // ---- links ------------------------------------------------------------------------

  private dropPeer(peer: Peer, reason: string): void {
    peer.removed = true;
    peer.dropped += peer.queue.length;
    peer.queue = [];
    peer.queueBytes = 0;
    this.resetLink(peer, reason);
  }

  /** Closes the outgoing link and cancels a pending redial; the next use dials afresh. */
  private resetLink(peer: Peer, reason: string): void {
    if (peer.retryTimer !== null) clearTimeout(peer.retryTimer);
    peer.retryTimer = null;
    peer.failures = 0;
    const link = peer.link;
    peer.link = null;
    if (link !== null) this.closeLink(link, reason);
  }

  private connect(peer: Peer): void {
    assert(peer.link === null && this.running, 'connect: link exists or bus stopped');
    const socket = net.connect({ host: peer.host, port: peer.busPort });
    const link = new Link(socket, true, peer.id);
    peer.link = link;
    this.setupSocket(link);
    // Frames may follow at once: the socket buffers them until connected, and the peer
    // checks the HELLO before reading anything after it.
    const hello: Hello = { version: BUS_PROTOCOL_VERSION, from: this.selfId, to: peer.id, clusterId: this.clusterId };
    this.writeFrame(link, encodeHelloFrame(hello), FrameType.HELLO);
    this.writeQueue(peer);
  }

  private accept(socket: net.Socket): void {
    if (!this.running || this.inbound.size >= INBOUND_LINKS_MAX) {
      socket.destroy();
      return;
    }
    const link = new Link(socket, false, 0);
    this.inbound.add(link);
    this.setupSocket(link);
  }

  private setupSocket(link: Link): void {
    const socket = link.socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    link.handshakeTimer = setTimeout(() => this.closeLink(link, `no HELLO within ${HANDSHAKE_TIMEOUT_MS} ms`), HANDSHAKE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => this.onData(link, chunk));
    socket.on('error', (e: Error) => this.closeLink(link, e.message));
    socket.on('close', () => this.closeLink(link, 'connection closed'));
  }

  /** Writes a frame unless the peer is not reading: over the socket bound, the link is cut off. */
  private writeFrame(link: Link, frame: Buffer, type: number): boolean {
    if (link.closed) return false;
    const socket = link.socket;
    if (socket.writableLength > this.sendQueueBytesMax) {
      this.cutOff(link);
      return false;
    }
    if (!link.corked) {
      // Everything written in this turn of the event loop leaves in one writev.
      link.corked = true;
      socket.cork();
      process.nextTick(uncorkLink, link);
    }
    socket.write(frame);
    this.stats.framesSent[type] = (this.stats.framesSent[type] ?? 0) + 1;
    this.stats.bytesSent += frame.length;
    return true;
  }

  private cutOff(link: Link): void {
    const peer = link.outgoing ? this.peers.get(link.peer) : undefined;
    if (peer !== undefined) peer.cutoffs++;
    const detail = `peer has ${link.socket.writableLength} unsent bytes, over the ${this.sendQueueBytesMax} byte bound`;
    this.onEvent({ type: 'cutoff', peer: link.peer, detail });
    this.closeLink(link, `cut off: ${detail}`);
  }

  /** Ends a link once (destroy = false: a refusal lets the socket linger): rejects its forwards, frees its socket, schedules a redial for an outgoing link. */
  private closeLink(link: Link, reason: string, destroy = true): void {
    if (link.closed) return;
    link.closed = true;
    if (link.handshakeTimer !== null) clearTimeout(link.handshakeTimer);
    if (destroy) link.socket.destroy();
    for (const p of link.pending.values()) {
      clearTimeout(p.timer);
      p.reject(peerError(`link to node ${link.peer} closed before the reply: ${reason}`));
    }
    link.pending.clear();
    if (!link.outgoing) {
      this.inbound.delete(link);
      return;
    }
    const peer = this.peers.get(link.peer);
    if (peer === undefined || peer.link !== link) return;
    peer.link = null;
    peer.lastError = reason;
    if (link.helloDone) this.onEvent({ type: 'disconnected', peer: peer.id, detail: reason });
    if (this.running && !peer.removed) this.scheduleRedial(peer);
  }

  private scheduleRedial(peer: Peer): void {
    const exp = Math.min(peer.failures, 16);
    peer.failures++;
    const capMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** exp);
    const delayMs = capMs * (0.5 + 0.5 * this.random.next());
    peer.retryTimer = setTimeout(() => {
      peer.retryTimer = null;
      if (this.running && !peer.removed && peer.link === null) this.connect(peer);
    }, delayMs);
  }

  /** Sends an ERROR frame with the reason and closes (after a linger, so the reason arrives). */
  private refuse(link: Link, reason: string, event: 'refused' | 'protocol-error'): void {
    if (link.closed) return;
    if (event === 'protocol-error') this.stats.protocolErrors++;
    this.onEvent({ type: event, peer: link.peer, detail: reason });
    const peer = link.outgoing ? this.peers.get(link.peer) : undefined;
    if (peer !== undefined) peer.lastError = reason;
    const socket = link.socket;
    const linger = !socket.destroyed && socket.writable;
    if (linger) {
      this.lingering.add(socket);
      socket.on('close', () => this.lingering.delete(socket));
      socket.end(encodeErrorFrame(reason));
      setTimeout(() => socket.destroy(), REFUSE_LINGER_MS).unref();
    }
    this.closeLink(link, reason, !linger);
  }

  // ---- receiving ----------------------------------------------------------------------

  private onData(link: Link, chunk: Buffer): void {
    if (link.closed) return;
    this.stats.bytesReceived += chunk.length;
    try {
      link.splitter.push(chunk, (type, payload) => this.onFrame(link, type, payload));
    } catch (e) {
      if (e instanceof HandlerFailure) throw e.error;
      if (!(e instanceof FloeError)) throw e;
      this.refuse(link, e.message, 'protocol-error');
    }
  }

  /** Handles one frame; returns false once the link is closed. Decoding errors throw FLOE_ERR_PEER. */
  private onFrame(link: Link, type: number, payload: Buffer): boolean {
    if (!link.helloDone && type !== FrameType.HELLO && type !== FrameType.ERROR) {
      throw peerError(`frame type ${type} before HELLO`);
    }
    this.stats.framesReceived[type] = (this.stats.framesReceived[type] ?? 0) + 1;
    switch (type) {
      case FrameType.HELLO: this.onHello(link, decodeHello(payload)); break;
      case FrameType.RAFT: this.onRaftFrame(link, payload); break;
      case FrameType.FORWARD_REQUEST: this.onForwardRequest(link, payload); break;
      case FrameType.FORWARD_REPLY: this.onForwardReply(link, payload); break;
      case FrameType.ERROR: {
        const reason = `refused by node ${link.peer}: ${decodeErrorText(payload)}`;
        this.onEvent({ type: 'refused', peer: link.peer, detail: reason });
        this.closeLink(link, reason);
        break;
      }
      default: throw peerError(`unknown frame type ${type}`);
    }
    return !link.closed;
  }

  private helloProblem(link: Link, h: Hello): string {
    if (link.helloDone) return 'second HELLO';
    if (h.version !== BUS_PROTOCOL_VERSION) return `bus protocol version ${h.version}, expected ${BUS_PROTOCOL_VERSION}`;
    if (h.clusterId !== this.clusterId) return `cluster id "${h.clusterId}" does not match "${this.clusterId}"`;
    if (h.to !== this.selfId) return `HELLO addressed to node ${h.to}, but this is node ${this.selfId}`;
    if (link.outgoing && h.from !== link.peer) return `expected node ${link.peer} at this address, found node ${h.from}`;
    if (h.from < 1 || h.from === this.selfId) return `bad sender node id ${h.from}`;
    return '';
  }

  private onHello(link: Link, h: Hello): void {
    const problem = this.helloProblem(link, h);
    if (problem !== '') {
      this.refuse(link, problem, 'refused');
      return;
    }
    link.helloDone = true;
    link.peer = h.from;
    link.splitter.limit = FRAME_BYTES_MAX;
    if (link.handshakeTimer !== null) clearTimeout(link.handshakeTimer);
    link.handshakeTimer = null;
    if (!link.outgoing) {
      const reply: Hello = { version: BUS_PROTOCOL_VERSION, from: this.selfId, to: h.from, clusterId: this.clusterId };
      this.writeFrame(link, encodeHelloFrame(reply), FrameType.HELLO);
      return;
    }
    const peer = this.peers.get(link.peer);
    if (peer !== undefined) {
      peer.failures = 0;
      peer.lastError = '';
    }
    this.onEvent({ type: 'connected', peer: link.peer, detail: `${link.socket.remoteAddress ?? '?'}:${link.socket.remotePort ?? '?'}` });
  }

  private onRaftFrame(link: Link, payload: Buffer): void {
    // Decoded entries are views of their buffer and may live on in the Raft log: give them a
    // buffer of their own, not a slice of a socket chunk shared with other frames.
    const msgs = decodeMessages(new Uint8Array(payload));
    for (const m of msgs) {
      if (m.from !== link.peer || m.to !== this.selfId) {
        throw peerError(`RAFT message ${m.from}->${m.to} on the link from node ${link.peer} to node ${this.selfId}`);
      }
    }
    try {
      this.onRaft(link.peer, msgs);
    } catch (e) {
      throw new HandlerFailure(e);
    }
  }

  private onForwardRequest(link: Link, payload: Buffer): void {
    const req = decodeForwardRequest(payload);
    if (link.serving >= FORWARDS_PENDING_MAX) {
      this.sendForwardReply(link, req.id, { ok: false, message: `node ${this.selfId} is serving too many forwards` }, false);
      return;
    }
    link.serving++;
    let result: Promise<Reply> | Reply;
    try {
      result = this.onForward(link.peer, req.group, req.kind, req.args);
    } catch (e) {
      this.sendForwardReply(link, req.id, { ok: false, message: errorText(e) }, true);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (reply) => this.sendForwardReply(link, req.id, { ok: true, reply }, true),
        (e: unknown) => this.sendForwardReply(link, req.id, { ok: false, message: errorText(e) }, true),
      );
    } else {
      this.sendForwardReply(link, req.id, { ok: true, reply: result }, true);
    }
  }

  private sendForwardReply(link: Link, id: number, result: { ok: true; reply: Reply } | { ok: false; message: string }, served: boolean): void {
    if (served) link.serving--;
    if (link.closed) return;
    this.writeFrame(link, encodeForwardReplyFrame(id, result), FrameType.FORWARD_REPLY);
  }

  private onForwardReply(link: Link, payload: Buffer): void {
    const res = decodeForwardReply(payload);
    const p = link.pending.get(res.id);
    if (p === undefined) return; // timed out already
    link.pending.delete(res.id);
    clearTimeout(p.timer);
    if (res.ok) p.resolve(res.reply);
    else p.reject(peerError(`node ${link.peer} failed the forwarded command: ${res.message}`));
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
