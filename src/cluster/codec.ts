// Binary codec for batches of Raft messages (all groups to one peer in one RAFT frame):
// varints for every number, entry and snapshot bytes copied once into the batch buffer and
// read back as views. Decoding untrusted bytes fails only with FloeError FLOE_ERR_PEER.
// Byte layout: docs/cluster-bus.md.

import type { ConfState, Entry, EntryType, Message, MessageType, NodeId, SnapshotChunk } from '../raft/types.ts';
import { ByteReader, ByteWriter, varintBytes } from '../protocol/reply-codec.ts';
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
