// Round trips of random Raft message batches through the bus codec, and hostile input:
// truncations, bit flips, huge counts and lengths must fail as FLOE_ERR_PEER, nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchHeaderBytes, decodeForwardReply, decodeForwardRequest, decodeHello, decodeMessages, encodeForwardReplyFrame,
  encodeForwardRequestFrame, encodeFrame, encodeHelloFrame, encodeMessages, encodeRaftFrame, FrameSplitter, FrameType,
  messageEncodedBytes,
} from './codec.ts';
import { ErrorReply, SetReply } from '../protocol/reply.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { FloeError } from '../util/errors.ts';
import type { ConfState, Entry, Message, MessageType, NodeId } from '../raft/types.ts';

const TYPES: MessageType[] = [
  'append', 'append-resp', 'vote', 'vote-resp', 'pre-vote', 'pre-vote-resp',
  'heartbeat', 'heartbeat-resp', 'snapshot', 'snapshot-resp', 'timeout-now',
];

/** Numbers across the whole safe range, weighted towards small and boundary values. */
function num(r: Xoshiro128): number {
  switch (r.int(6)) {
    case 0: return 0;
    case 1: return r.int(128);
    case 2: return r.int(1 << 20);
    case 3: return r.int(2 ** 32);
    case 4: return Number.MAX_SAFE_INTEGER - r.int(3);
    default: return r.int(Number.MAX_SAFE_INTEGER);
  }
}

function bytes(r: Xoshiro128, max: number): Uint8Array {
  const out = new Uint8Array(r.int(max + 1));
  for (let i = 0; i < out.length; i++) out[i] = r.int(256);
  return out;
}

function ids(r: Xoshiro128): NodeId[] {
  const out: NodeId[] = [];
  for (let n = r.int(6); n > 0; n--) out.push(1 + r.int(2 ** 32));
  return out;
}

function confState(r: Xoshiro128): ConfState {
  return { voters: ids(r), votersOutgoing: ids(r), learners: ids(r), learnersNext: ids(r), autoLeave: r.int(2) === 1 };
}

function entry(r: Xoshiro128): Entry {
  return { group: num(r), term: num(r), index: num(r), type: r.int(2) === 0 ? 'normal' : 'conf-change', data: bytes(r, 300) };
}

export function randomMessage(r: Xoshiro128): Message {
  const entries: Entry[] = [];
  for (let n = r.int(3) === 0 ? r.int(8) : 0; n > 0; n--) entries.push(entry(r));
  const snapshot = r.int(5) === 0
    ? { index: num(r), term: num(r), confState: confState(r), offset: num(r), totalBytes: num(r), data: bytes(r, 2000) }
    : null;
  return {
    type: TYPES[r.int(TYPES.length)] as MessageType, group: num(r), from: num(r), to: num(r), term: num(r),
    logTerm: num(r), index: num(r), entries, commit: num(r), reject: r.int(2) === 1, rejectHint: num(r),
    seq: num(r), transfer: r.int(2) === 1, offset: num(r), snapshot,
  };
}

function randomBatch(r: Xoshiro128): Message[] {
  const msgs: Message[] = [];
  for (let n = r.int(12); n > 0; n--) msgs.push(randomMessage(r));
  return msgs;
}

/** Structural comparison that sees Uint8Array contents (deepEqual would also compare views' types). */
function normalize(msgs: readonly Message[]): unknown {
  return msgs.map((m) => ({
    ...m,
    entries: m.entries.map((e) => ({ ...e, data: [...e.data] })),
    snapshot: m.snapshot === null ? null : { ...m.snapshot, data: [...m.snapshot.data] },
  }));
}

function assertPeerError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FloeError, `expected FloeError, got ${String(e)}`);
    assert.equal(e.code, 'FLOE_ERR_PEER');
    return;
  }
}

test('random batches round-trip, and the size function is exact', () => {
  const r = new Xoshiro128(7);
  for (let i = 0; i < 500; i++) {
    const msgs = randomBatch(r);
    const bytes = encodeMessages(msgs);
    let size = batchHeaderBytes(msgs.length);
    for (const m of msgs) size += messageEncodedBytes(m);
    assert.equal(bytes.length, size);
    assert.deepEqual(normalize(decodeMessages(bytes)), normalize(msgs), `seed 7 batch ${i}`);
  }
});

test('an empty batch is one byte', () => {
  assert.deepEqual([...encodeMessages([])], [0]);
  assert.deepEqual(decodeMessages(new Uint8Array([0])), []);
});

test('every truncation of a valid batch fails as FLOE_ERR_PEER', () => {
  const r = new Xoshiro128(11);
  for (let i = 0; i < 8; i++) {
    const bytes = encodeMessages(randomBatch(r));
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(() => decodeMessages(bytes.subarray(0, cut)), (e) => e instanceof FloeError && e.code === 'FLOE_ERR_PEER');
    }
  }
});

test('random corruption either decodes or fails as FLOE_ERR_PEER', () => {
  const r = new Xoshiro128(13);
  for (let i = 0; i < 3000; i++) {
    const bytes = Uint8Array.from(encodeMessages(randomBatch(r)));
    if (bytes.length === 0) continue;
    for (let flips = 1 + r.int(4); flips > 0; flips--) bytes[r.int(bytes.length)] = r.int(256);
    assertPeerError(() => decodeMessages(bytes));
  }
  for (let i = 0; i < 3000; i++) assertPeerError(() => decodeMessages(bytesOf(r, r.int(64))));
});

function bytesOf(r: Xoshiro128, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.int(256);
  return out;
}

test('huge counts and lengths are refused before any allocation', () => {
  // count = 2^49 messages in a 9-byte input
  const huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
  assert.throws(() => decodeMessages(new Uint8Array(huge)), /count/);
  // one message whose first entry claims 2^49 bytes of data
  const m = encodeMessages([{ ...randomMessage(new Xoshiro128(1)), entries: [], snapshot: null }]);
  const withEntry = Uint8Array.from(m);
  // the entry count is the last byte of a message without entries or snapshot
  withEntry[withEntry.length - 1] = 1;
  const tail = [1, 0, 1, 1, ...huge];
  assert.throws(() => decodeMessages(new Uint8Array([...withEntry, ...tail])), (e) => e instanceof FloeError && e.code === 'FLOE_ERR_PEER');
  // a varint longer than 8 bytes, and one above 2^53
  assert.throws(() => decodeMessages(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /varint/);
  assert.throws(() => decodeMessages(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])), /2\^53/);
});

test('trailing bytes after the batch are refused', () => {
  assert.throws(() => decodeMessages(new Uint8Array([0, 0])), /trailing/);
});

test('exactly sized frames have no slack (RAFT and FORWARD_REQUEST)', () => {
  const r = new Xoshiro128(3);
  for (let i = 0; i < 200; i++) {
    const msgs = randomBatch(r);
    const bytes = msgs.reduce((n, m) => n + messageEncodedBytes(m), 0);
    const frame = encodeRaftFrame(msgs, bytes);
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    assert.equal(frame[4], FrameType.RAFT);
    assert.deepEqual(normalize(decodeMessages(frame.subarray(5))), normalize(msgs));
  }
  const args = ['SET', 'k\x00\xff', 'x'.repeat(300), ''];
  const frame = encodeForwardRequestFrame(2 ** 32 - 1, 7, 'read', args);
  assert.equal(frame.readUInt32BE(0), frame.length - 4);
  assert.deepEqual(decodeForwardRequest(frame.subarray(5)), { id: 2 ** 32 - 1, group: 7, kind: 'read', args });
});

test('HELLO and FORWARD_REPLY round-trip', () => {
  const hello = { version: 1, from: 3, to: 2 ** 32 - 1, clusterId: 'prod-é' };
  assert.deepEqual(decodeHello(encodeHelloFrame(hello).subarray(5)), hello);
  const ok = encodeForwardReplyFrame(9, { ok: true, reply: new SetReply(['a', new ErrorReply('ERR b'), 3n]) });
  assert.deepEqual(decodeForwardReply(ok.subarray(5)), { id: 9, ok: true, reply: new SetReply(['a', new ErrorReply('ERR b'), 3n]) });
  const failed = encodeForwardReplyFrame(10, { ok: false, message: 'boom' });
  assert.deepEqual(decodeForwardReply(failed.subarray(5)), { id: 10, ok: false, message: 'boom' });
  assert.throws(() => decodeForwardRequest(Buffer.from([1, 1, 9, 0])), /forward kind/);
});

test('the splitter yields the same frames however the stream is cut', () => {
  const r = new Xoshiro128(17);
  for (let round = 0; round < 200; round++) {
    const frames: Buffer[] = [];
    for (let n = 1 + r.int(6); n > 0; n--) frames.push(encodeFrame(1 + r.int(5), bytesOf(r, r.int(3) === 0 ? 5000 : 20)));
    const stream = Buffer.concat(frames);
    const splitter = new FrameSplitter(1 << 20);
    const got: Buffer[] = [];
    for (let pos = 0; pos < stream.length;) {
      const n = 1 + r.int(r.int(2) === 0 ? 8 : 3000);
      splitter.push(stream.subarray(pos, pos + n), (type, payload) => (got.push(encodeFrame(type, payload)), true));
      pos += n;
    }
    assert.deepEqual(got, frames, `round ${round}`);
    assert.equal(splitter.bufferedBytes, 0);
  }
});

test('the splitter refuses a claimed length over its limit before buffering it', () => {
  const splitter = new FrameSplitter(100);
  splitter.push(Buffer.from([0, 0]), () => true);
  assert.throws(() => splitter.push(Buffer.from([0, 101]), () => true), /exceeds the limit of 100/);
  const stop = new FrameSplitter(100);
  let calls = 0;
  stop.push(Buffer.concat([encodeFrame(1, Buffer.from([1])), encodeFrame(1, Buffer.from([2]))]), () => (calls++, false));
  assert.equal(calls, 1, 'returning false stops the splitter');
});
