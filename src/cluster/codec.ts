// Binary codecs of the cluster bus: the frame layer (length-prefixed frames, splitting a
// byte stream into them, HELLO/FORWARD/ERROR payloads) and batches of Raft messages (all
// groups to one peer in one RAFT frame, varints for every number, entry and snapshot bytes
// read back as views). Decoding untrusted bytes fails only with FloeError FLOE_ERR_PEER.
// Byte layout: docs/cluster-bus.md.

import type { ConfState, Entry, EntryType, GroupId, Message, MessageType, NodeId, SnapshotChunk } from '../raft/types.ts';
import { ByteReader, ByteWriter, readReply, varintBytes, writeReply } from '../protocol/reply-codec.ts';
import type { Reply } from '../protocol/reply.ts';
import { FloeError } from '../util/errors.ts';
import { assert } from '../util/assert.ts';

// Wire codes. Append-only: a code never changes meaning.
const MESSAGE_TYPES: readonly MessageType[] = [
  'append', 'append-resp', 'vote', 'vote-resp', 'pre-vote', 'pre-vote-resp',
  'heartbeat', 'heartbeat-resp', 'snapshot', 'snapshot-resp', 'timeout-now',
];
const MESSAGE_TYPE_CODES = new Map<MessageType, number>(MESSAGE_TYPES.map((t, i) => [t, i]));
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf-change'];

const F_REJECT = 1;
const F_TRANSFER = 2;
const F_SNAPSHOT = 4;
const F_ALL = F_REJECT | F_TRANSFER | F_SNAPSHOT;

function idsBytes(ids: readonly NodeId[]): number {
  let n = varintBytes(ids.length);
  for (const id of ids) n += varintBytes(id);
  return n;
}

function snapshotBytes(s: SnapshotChunk): number {
  const c = s.confState;
  return varintBytes(s.index) + varintBytes(s.term) + varintBytes(s.offset) + varintBytes(s.totalBytes) +
    idsBytes(c.voters) + idsBytes(c.votersOutgoing) + idsBytes(c.learners) + idsBytes(c.learnersNext) + 1 +
    varintBytes(s.data.length) + s.data.length;
}

/** Exact encoded size of one message inside a batch. */
export function messageEncodedBytes(m: Message): number {
  let n = 2 + varintBytes(m.group) + varintBytes(m.from) + varintBytes(m.to) + varintBytes(m.term) +
    varintBytes(m.logTerm) + varintBytes(m.index) + varintBytes(m.commit) + varintBytes(m.rejectHint) +
    varintBytes(m.seq) + varintBytes(m.offset) + varintBytes(m.entries.length);
  for (const e of m.entries) {
    n += varintBytes(e.group) + 1 + varintBytes(e.term) + varintBytes(e.index) + varintBytes(e.data.length) + e.data.length;
  }
  if (m.snapshot !== null) n += snapshotBytes(m.snapshot);
  return n;
}

/** Bytes of the batch header (message count). */
export function batchHeaderBytes(count: number): number {
  return varintBytes(count);
}

function writeIds(w: ByteWriter, ids: readonly NodeId[]): void {
  w.varint(ids.length);
  for (const id of ids) w.varint(id);
}

function writeSnapshot(w: ByteWriter, s: SnapshotChunk): void {
  w.varint(s.index);
  w.varint(s.term);
  w.varint(s.offset);
  w.varint(s.totalBytes);
  const c = s.confState;
  writeIds(w, c.voters);
  writeIds(w, c.votersOutgoing);
  writeIds(w, c.learners);
  writeIds(w, c.learnersNext);
  w.u8(c.autoLeave ? 1 : 0);
  w.bytes(s.data);
}

function writeMessage(w: ByteWriter, m: Message): void {
  const code = MESSAGE_TYPE_CODES.get(m.type);
  assert(code !== undefined, `unknown message type ${m.type}`);
  w.u8(code);
  w.u8((m.reject ? F_REJECT : 0) | (m.transfer ? F_TRANSFER : 0) | (m.snapshot !== null ? F_SNAPSHOT : 0));
  w.varint(m.group);
  w.varint(m.from);
  w.varint(m.to);
  w.varint(m.term);
  w.varint(m.logTerm);
  w.varint(m.index);
  w.varint(m.commit);
  w.varint(m.rejectHint);
  w.varint(m.seq);
  w.varint(m.offset);
  w.varint(m.entries.length);
  for (const e of m.entries) {
    w.varint(e.group);
    w.u8(e.type === 'normal' ? 0 : 1);
    w.varint(e.term);
    w.varint(e.index);
    w.bytes(e.data);
  }
  if (m.snapshot !== null) writeSnapshot(w, m.snapshot);
}

/** Appends a batch (count, then each message) to `w`. */
export function writeMessages(w: ByteWriter, msgs: readonly Message[]): void {
  w.varint(msgs.length);
  for (const m of msgs) writeMessage(w, m);
}

/** One buffer holding the whole batch, allocated once at its exact size. */
export function encodeMessages(msgs: readonly Message[]): Uint8Array {
  let size = batchHeaderBytes(msgs.length);
  for (const m of msgs) size += messageEncodedBytes(m);
  const w = new ByteWriter(Buffer.allocUnsafe(size));
  writeMessages(w, msgs);
  return w.finish();
}

function readIds(rd: ByteReader): NodeId[] {
  const n = rd.count();
  const ids: NodeId[] = [];
  for (let i = 0; i < n; i++) ids.push(rd.varint());
  return ids;
}

function readConfState(rd: ByteReader): ConfState {
  const voters = readIds(rd);
  const votersOutgoing = readIds(rd);
  const learners = readIds(rd);
  const learnersNext = readIds(rd);
  const autoLeave = rd.u8();
  if (autoLeave > 1) rd.fail('bad autoLeave');
  return { voters, votersOutgoing, learners, learnersNext, autoLeave: autoLeave === 1 };
}

function readSnapshot(rd: ByteReader): SnapshotChunk {
  const index = rd.varint();
  const term = rd.varint();
  const offset = rd.varint();
  const totalBytes = rd.varint();
  const confState = readConfState(rd);
  return { index, term, confState, offset, totalBytes, data: rd.bytes() };
}

function readEntries(rd: ByteReader): Entry[] {
  const n = rd.count();
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const group = rd.varint();
    const type = ENTRY_TYPES[rd.u8()] ?? rd.fail('unknown entry type');
    const term = rd.varint();
    const index = rd.varint();
    entries.push({ group, term, index, type, data: rd.bytes() });
  }
  return entries;
}

function readMessage(rd: ByteReader): Message {
  const type = MESSAGE_TYPES[rd.u8()] ?? rd.fail('unknown message type');
  const flags = rd.u8();
  if ((flags & ~F_ALL) !== 0) rd.fail('unknown message flags');
  const group = rd.varint();
  const from = rd.varint();
  const to = rd.varint();
  const term = rd.varint();
  const logTerm = rd.varint();
  const index = rd.varint();
  const commit = rd.varint();
  const rejectHint = rd.varint();
  const seq = rd.varint();
  const offset = rd.varint();
  const entries = readEntries(rd);
  const snapshot = (flags & F_SNAPSHOT) !== 0 ? readSnapshot(rd) : null;
  return {
    type, group, from, to, term, logTerm, index, entries, commit,
    reject: (flags & F_REJECT) !== 0, rejectHint, seq, transfer: (flags & F_TRANSFER) !== 0, offset, snapshot,
  };
}

/**
 * Decodes a whole batch. Entry and snapshot `data` are views into `bytes`, so pass a buffer
 * nobody will reuse. Throws only FloeError FLOE_ERR_PEER; allocates in proportion to the input.
 */
export function decodeMessages(bytes: Uint8Array): Message[] {
  const rd = new ByteReader(bytes);
  const n = rd.count();
  const msgs: Message[] = [];
  for (let i = 0; i < n; i++) msgs.push(readMessage(rd));
  rd.done();
  return msgs;
}

// ---------------------------------------------------------------------------------------
// Frames: u32 big-endian length (of type + payload), u8 type, payload.

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest frame (type byte + payload) a node sends or accepts; a bigger one drops the link. */
export const FRAME_BYTES_MAX = 64 * MiB;
/** Before the HELLO is accepted a peer may send only small frames (bounds unauthenticated memory). */
export const HELLO_FRAME_BYTES_MAX = 4 * KiB;
/** Length field + type byte. */
export const FRAME_HEADER_BYTES = 5;
/** Longest cluster id in a HELLO, bytes. */
export const CLUSTER_ID_BYTES_MAX = 256;
/** Longest refusal reason in an ERROR frame, bytes (longer ones are cut). */
export const ERROR_TEXT_BYTES_MAX = 1024;
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
export const FRAME_TYPE_COUNT = 6; // codes 0..5; 0 is never used

/**
 * Why a command is forwarded. 'write': propose on the leader. 'read': a linearizable read on
 * the leader (lease or ReadIndex). 'admin': cluster administration (membership, transfer).
 * Wire codes are the positions in FORWARD_KINDS.
 */
export type ForwardKind = 'write' | 'read' | 'admin';
const FORWARD_KINDS: readonly ForwardKind[] = ['write', 'read', 'admin'];

function peerError(message: string): FloeError {
  return new FloeError('FLOE_ERR_PEER', message);
}

/** Starts a frame in `w` (length patched by endFrame); returns the frame's start offset. */
export function beginFrame(w: ByteWriter, type: FrameTypeCode): number {
  const start = w.pos;
  w.ensure(FRAME_HEADER_BYTES);
  w.pos += 4;
  w.u8(type);
  return start;
}

export function endFrame(w: ByteWriter, start: number): void {
  const len = w.pos - start - 4;
  assert(len <= FRAME_BYTES_MAX, `frame of ${len} bytes exceeds FRAME_BYTES_MAX`);
  w.buf.writeUInt32BE(len, start);
}

/** A whole frame from a payload already in memory (small frames: HELLO, ERROR, tests). */
export function encodeFrame(type: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length + 1, 0);
  out[4] = type;
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** A RAFT frame holding `msgs`, whose encoded size (messageEncodedBytes summed) is `bytes`; one allocation. */
export function encodeRaftFrame(msgs: readonly Message[], bytes: number): Buffer {
  const size = FRAME_HEADER_BYTES + batchHeaderBytes(msgs.length) + bytes;
  const w = new ByteWriter(Buffer.allocUnsafe(size));
  const start = beginFrame(w, FrameType.RAFT);
  writeMessages(w, msgs);
  endFrame(w, start);
  assert(w.pos === size && w.buf.length === size, 'RAFT frame size mismatch');
  return w.buf;
}

export interface Hello {
  readonly version: number;
  /** The sender's node id. */
  readonly from: NodeId;
  /** The node id the sender believes it is talking to. */
  readonly to: NodeId;
  readonly clusterId: string;
}

export function encodeHelloFrame(h: Hello): Buffer {
  const w = new ByteWriter();
  const start = beginFrame(w, FrameType.HELLO);
  w.u8(h.version);
  w.varint(h.from);
  w.varint(h.to);
  w.utf8(h.clusterId);
  endFrame(w, start);
  return w.finish();
}

export function decodeHello(payload: Uint8Array): Hello {
  const rd = new ByteReader(payload);
  const version = rd.u8();
  const from = rd.varint();
  const to = rd.varint();
  const clusterId = rd.utf8();
  rd.done();
  return { version, from, to, clusterId };
}

export function encodeErrorFrame(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8').subarray(0, ERROR_TEXT_BYTES_MAX);
  return encodeFrame(FrameType.ERROR, bytes);
}

export function decodeErrorText(payload: Uint8Array): string {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.length, ERROR_TEXT_BYTES_MAX));
  return bytes.toString('utf8').replace(/[^\x20-\x7e]/g, '?');
}

export interface ForwardRequest {
  readonly id: number;
  readonly group: GroupId;
  readonly kind: ForwardKind;
  readonly args: string[];
}

/** One exactly sized buffer: header, id, group, kind, argc, then each arg as length + latin1 bytes. */
export function encodeForwardRequestFrame(id: number, group: GroupId, kind: ForwardKind, args: readonly string[]): Buffer {
  let size = FRAME_HEADER_BYTES + varintBytes(id) + varintBytes(group) + 1 + varintBytes(args.length);
  for (const a of args) size += varintBytes(a.length) + a.length;
  const w = new ByteWriter(Buffer.allocUnsafe(size));
  const start = beginFrame(w, FrameType.FORWARD_REQUEST);
  w.varint(id);
  w.varint(group);
  const kindCode = FORWARD_KINDS.indexOf(kind);
  assert(kindCode >= 0, `unknown forward kind ${kind}`);
  w.u8(kindCode);
  w.varint(args.length);
  for (const a of args) w.latin1(a);
  endFrame(w, start);
  assert(w.pos === size && w.buf.length === size, 'FORWARD_REQUEST frame size mismatch');
  return w.buf;
}

export function decodeForwardRequest(payload: Uint8Array): ForwardRequest {
  const rd = new ByteReader(payload);
  const id = rd.varint();
  const group = rd.varint();
  const kind = FORWARD_KINDS[rd.u8()] ?? rd.fail('unknown forward kind');
  const argc = rd.count();
  const args: string[] = [];
  for (let i = 0; i < argc; i++) args.push(rd.latin1());
  rd.done();
  return { id, group, kind, args };
}

const FORWARD_OK = 0;
const FORWARD_FAILED = 1;

/** A reply (status 0) or a failure text (status 1) to forward request `id`. */
export function encodeForwardReplyFrame(id: number, result: { ok: true; reply: Reply } | { ok: false; message: string }): Buffer {
  const w = new ByteWriter();
  const start = beginFrame(w, FrameType.FORWARD_REPLY);
  w.varint(id);
  if (result.ok) {
    w.u8(FORWARD_OK);
    writeReply(w, result.reply);
  } else {
    w.u8(FORWARD_FAILED);
    w.utf8(result.message.slice(0, ERROR_TEXT_BYTES_MAX));
  }
  endFrame(w, start);
  return w.finish();
}

export type ForwardResult = { readonly id: number; readonly ok: true; readonly reply: Reply } | { readonly id: number; readonly ok: false; readonly message: string };

export function decodeForwardReply(payload: Uint8Array): ForwardResult {
  const rd = new ByteReader(payload);
  const id = rd.varint();
  const status = rd.u8();
  let result: ForwardResult;
  if (status === FORWARD_OK) result = { id, ok: true, reply: readReply(rd) };
  else if (status === FORWARD_FAILED) result = { id, ok: false, message: rd.utf8() };
  else return rd.fail('bad forward reply status');
  rd.done();
  return result;
}

/**
 * Splits a TCP byte stream into frames. Buffers partial frames as a list of chunks and joins
 * them once, when the frame is complete, so memory follows the bytes received, never a
 * length claimed by the peer. Throws FLOE_ERR_PEER on a length of 0 or above `limit`.
 */
export class FrameSplitter {
  /** Largest acceptable frame length now; the bus raises it once the HELLO is accepted. */
  limit: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Total bytes (header included) of the frame being buffered, 0 while its length is unknown. */
  private expect = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  private checkLength(len: number): void {
    if (len === 0) throw peerError('frame of length 0');
    if (len > this.limit) throw peerError(`frame of ${len} bytes exceeds the limit of ${this.limit}`);
  }

  /** Feeds one chunk; `onFrame` is called per complete frame and returns false to stop (link closed). */
  push(chunk: Buffer, onFrame: (type: number, payload: Buffer) => boolean): void {
    let buf = chunk;
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.expect === 0 && this.buffered >= 4) {
        const len = this.peekLength();
        this.checkLength(len);
        this.expect = 4 + len;
      }
      if (this.expect === 0 || this.buffered < this.expect) return;
      buf = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
      this.expect = 0;
    }
    this.parse(buf, onFrame);
  }

  private parse(buf: Buffer, onFrame: (type: number, payload: Buffer) => boolean): void {
    let pos = 0;
    while (buf.length - pos >= 4) {
      const len = buf.readUInt32BE(pos);
      this.checkLength(len);
      if (buf.length - pos < 4 + len) {
        this.expect = 4 + len;
        break;
      }
      const type = buf[pos + 4] as number;
      const payload = buf.subarray(pos + FRAME_HEADER_BYTES, pos + 4 + len);
      pos += 4 + len;
      if (!onFrame(type, payload)) return;
    }
    if (pos < buf.length) {
      this.chunks.push(buf.subarray(pos));
      this.buffered = buf.length - pos;
    }
  }

  /** The u32 length at the front of the buffered chunks. */
  private peekLength(): number {
    let v = 0;
    let got = 0;
    for (const c of this.chunks) {
      for (let i = 0; i < c.length && got < 4; i++, got++) v = v * 256 + (c[i] as number);
      if (got === 4) break;
    }
    return v;
  }
}
