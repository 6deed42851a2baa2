// The cluster bus: node-to-node TCP links that carry Raft messages (batched per peer, one
// frame per flush) and forwarded client commands with their replies. Owns connections,
// framing, handshake, reconnect backoff and the bounds on every queue. Wire format:
// docs/cluster-bus.md.

import type { Message, NodeId, GroupId } from '../raft/types.ts';
import type { Reply } from '../protocol/reply.ts';
import type { Random } from '../util/prng.ts';
import { FloeError } from '../util/errors.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest frame (type byte + payload) a node sends or accepts; a bigger one drops the link. */
export const FRAME_BYTES_MAX = 64 * MiB;
/** Before the HELLO is accepted a peer may send only small frames (bounds unauthenticated memory). */
export const HELLO_FRAME_BYTES_MAX = 4 * KiB;
/** Default cap on bytes waiting for one peer: queued Raft messages, and separately the socket's unsent bytes. */
export const SEND_QUEUE_BYTES_MAX_DEFAULT = 16 * MiB;
/** Pending forwarded requests per peer (each way); more are refused at once. */
export const FORWARDS_PENDING_MAX = 4096;
/** First reconnect delay after a failure; doubles per failure up to the max; jittered in [50%, 100%]. */
export const BACKOFF_BASE_MS = 50;
export const BACKOFF_MAX_MS = 2000;
/** A dial that has not completed TCP connect + HELLO exchange in this time is abandoned. */
export const HANDSHAKE_TIMEOUT_MS = 2000;
/** Longest cluster id in a HELLO. */
export const CLUSTER_ID_BYTES_MAX = 256;
/** Bus protocol version carried in HELLO; a different version is refused. */
export const BUS_PROTOCOL_VERSION = 1;

/** Frame types (the u8 after the length). Unknown types break the protocol and drop the link. */
export const FrameType = {
  HELLO: 1,
  RAFT: 2,
  FORWARD_REQUEST: 3,
  FORWARD_REPLY: 4,
  /** A refusal reason (utf8) sent just before closing, e.g. cluster id mismatch. */
  ERROR: 5,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/**
 * Why a command is forwarded. 'write': propose on the leader. 'read': a linearizable read on
 * the leader (lease or ReadIndex). 'admin': cluster administration (membership, transfer).
 */
export type ForwardKind = 'write' | 'read' | 'admin';

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
  /** Raft message bytes queued while the link is down (bounded by sendQueueBytesMax). */
  readonly queuedBytes: number;
  /** Bytes written to the socket but not yet sent by the kernel. */
  readonly socketBytes: number;
  /** Forwards sent to this peer and not yet answered. */
  readonly forwardsPending: number;
  /** Raft messages dropped because the queue was full or the link was cut off. */
  readonly droppedMessages: number;
  /** Times the link was cut off because the peer read too slowly. */
  readonly cutoffs: number;
  /** The last reason the link failed or was refused, '' if none. */
  readonly lastError: string;
}

/** Counters for tests and metrics. */
export interface BusStats {
  /** Frames written, by type code. */
  readonly framesSent: number[];
  /** Frames received and accepted, by type code. */
  readonly framesReceived: number[];
  bytesSent: number;
  bytesReceived: number;
  /** Connections dropped because the peer broke the protocol (bad frame, bad HELLO). */
  protocolErrors: number;
  /** Raft messages addressed to a node not in the peer map (dropped). */
  unknownPeerDrops: number;
}

/** Notable link events, for structured logs (never per message). */
export interface BusEvent {
  readonly type: 'connected' | 'disconnected' | 'refused' | 'cutoff' | 'protocol-error';
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
  /** Default SEND_QUEUE_BYTES_MAX_DEFAULT; must be ≤ FRAME_BYTES_MAX / 2. */
  readonly sendQueueBytesMax?: number;
  readonly onRaft?: RaftHandler;
  readonly onForward?: ForwardHandler;
  readonly onEvent?: (e: BusEvent) => void;
}

export class ClusterBus {
  /** Called once per received RAFT frame with every message in it (all groups, in send order). */
  onRaft: RaftHandler;
  /** Serves a forwarded command; its result (or a failure if it throws) goes back as FORWARD_REPLY. */
  onForward: ForwardHandler;
  onEvent: (e: BusEvent) => void;
  readonly stats: BusStats;

  constructor(opts: ClusterBusOptions) {
    this.onRaft = opts.onRaft ?? (() => {});
    this.onForward = opts.onForward ?? (() => { throw new FloeError('FLOE_ERR_PEER', 'no forward handler'); });
    this.onEvent = opts.onEvent ?? (() => {});
    this.stats = { framesSent: [], framesReceived: [], bytesSent: 0, bytesReceived: 0, protocolErrors: 0, unknownPeerDrops: 0 };
  }

  /** Opens the listening socket. Rejects with FloeError FLOE_ERR_LISTEN. */
  async start(): Promise<void> {
    throw new Error('not implemented');
  }

  /** Closes the listener and every link, cancels timers, rejects pending forwards (FLOE_ERR_PEER). */
  async stop(): Promise<void> {
    throw new Error('not implemented');
  }

  /** The bound listening address (after start). */
  address(): { host: string; port: number } {
    throw new Error('not implemented');
  }

  /**
   * Queues a Raft message for msg.to; nothing is written until flush(). Dropped (and counted)
   * when msg.to is not a known peer or its queue already holds sendQueueBytesMax bytes.
   */
  send(_msg: Message): void {
    throw new Error('not implemented');
  }

  /** Writes each peer's queued messages as ONE RAFT frame. Call once per tick / Ready cycle. */
  flush(): void {
    throw new Error('not implemented');
  }

  /**
   * Sends a client command to `to` and resolves with its reply. Rejects with FloeError
   * FLOE_ERR_TIMEOUT after timeoutMs, FLOE_ERR_PEER when the link is down or drops before
   * the reply, the peer is unknown, too many forwards are pending, or the peer's handler failed.
   */
  forward(_to: NodeId, _group: GroupId, _kind: ForwardKind, _args: string[], _timeoutMs: number): Promise<Reply> {
    throw new Error('not implemented');
  }

  /** Replaces the peer set: new peers are dialed lazily, removed ones are closed (their forwards rejected), moved ones redialed. */
  setPeers(_peers: ReadonlyMap<NodeId, PeerAddress>): void {
    throw new Error('not implemented');
  }

  /** One row per peer, sorted by id. */
  peerStatus(): PeerStatus[] {
    throw new Error('not implemented');
  }
}
