// ClusterBus over real sockets on 127.0.0.1: batching (one RAFT frame per peer per flush),
// reconnect after a restart, forwards (reply, failure, timeout, disconnect, bound), hostile
// raw sockets (garbage, oversized frames, bad HELLO), and bounded queues for slow or absent peers.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { ClusterBus, FORWARDS_PENDING_MAX, FrameType, type BusEvent, type ClusterBusOptions, type PeerAddress } from './bus.ts';
import {
  BUS_PROTOCOL_VERSION, decodeErrorText, encodeFrame, encodeHelloFrame, encodeRaftFrame, FRAME_BYTES_MAX, FrameSplitter,
  messageEncodedBytes,
} from './codec.ts';
import { makeMessage } from '../raft/message.ts';
import type { Message, NodeId } from '../raft/types.ts';
import { ErrorReply, MapReply, SimpleString, type Reply } from '../protocol/reply.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { FloeError } from '../util/errors.ts';

const CLUSTER = 'test-cluster';
const WAIT_MS = 5000; // upper bound for a condition to come true; not a timing assertion

async function waitFor(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Node {
  bus: ClusterBus;
  received: Array<{ from: NodeId; msgs: Message[] }>;
  events: BusEvent[];
}

async function startNode(t: TestContext, id: NodeId, opts: Partial<ClusterBusOptions> = {}): Promise<Node> {
  const node: Node = { bus: undefined as unknown as ClusterBus, received: [], events: [] };
  node.bus = new ClusterBus({
    selfId: id, clusterId: CLUSTER, listenHost: '127.0.0.1', listenPort: 0, peers: new Map(), random: new Xoshiro128(id),
    onRaft: (from, msgs) => node.received.push({ from, msgs }),
    onEvent: (e) => node.events.push(e),
    ...opts,
  });
  t.after(() => node.bus.stop());
  await node.bus.start();
  return node;
}

function addr(n: Node): PeerAddress {
  return { host: '127.0.0.1', busPort: n.bus.address().port };
}

/** Gives every node the addresses of all the others. */
function mesh(nodes: Map<NodeId, Node>): void {
  const peers = new Map<NodeId, PeerAddress>();
  for (const [id, n] of nodes) peers.set(id, addr(n));
  for (const n of nodes.values()) n.bus.setPeers(peers);
}

function heartbeat(group: number, from: NodeId, to: NodeId, seq: number): Message {
  return makeMessage('heartbeat', group, from, to, { term: 3, commit: 7, seq });
}

function append(group: number, from: NodeId, to: NodeId, dataBytes: number): Message {
  const entry = { group, term: 2, index: 9, type: 'normal' as const, data: new Uint8Array(dataBytes).fill(7) };
  return makeMessage('append', group, from, to, { term: 2, logTerm: 2, index: 8, commit: 8, entries: [entry] });
}

function isCode(code: string): (e: unknown) => boolean {
  return (e) => e instanceof FloeError && e.code === code;
}

/** A raw TCP client for hostile-input tests; it records what it receives and when it is closed. */
async function rawClient(t: TestContext, port: number): Promise<{ socket: net.Socket; closed: Promise<void>; frames: Array<[number, Buffer]> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  t.after(() => { socket.destroy(); });
  const frames: Array<[number, Buffer]> = [];
  const splitter = new FrameSplitter(FRAME_BYTES_MAX);
  socket.on('data', (chunk: Buffer) => splitter.push(chunk, (type, payload) => (frames.push([type, Buffer.from(payload)]), true)));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed, frames };
}

test('three buses: every flush sends one RAFT frame per peer, carrying all groups in order', async (t) => {
  const nodes = new Map<NodeId, Node>();
  for (const id of [1, 2, 3]) nodes.set(id, await startNode(t, id));
  mesh(nodes);
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    for (const [from, n] of nodes) {
      for (const to of nodes.keys()) {
        if (to === from) continue;
        for (let group = 0; group < 4; group++) n.bus.send(heartbeat(group, from, to, round));
        n.bus.send(append(9, from, to, 100));
      }
      n.bus.flush();
      n.bus.flush(); // nothing queued: writes nothing
    }
    // Wait for delivery so that the next round's frame cannot be coalesced by the receiver's reads.
    await waitFor(`round ${round}`, () => [...nodes.values()].every((n) => n.received.length === 2 * (round + 1)));
  }
  for (const [id, n] of nodes) {
    assert.equal(n.bus.stats.framesSent[FrameType.RAFT], 2 * rounds, `node ${id} frames sent`);
    assert.equal(n.bus.stats.framesReceived[FrameType.RAFT], 2 * rounds, `node ${id} frames received`);
    for (const { from, msgs } of n.received) {
      assert.notEqual(from, id);
      assert.deepEqual(msgs.map((m) => [m.group, m.from, m.to, m.type]), [
        [0, from, id, 'heartbeat'], [1, from, id, 'heartbeat'], [2, from, id, 'heartbeat'], [3, from, id, 'heartbeat'], [9, from, id, 'append'],
      ]);
      assert.deepEqual([...(msgs[4]?.entries[0]?.data ?? [])], new Array<number>(100).fill(7));
    }
    assert.ok(n.bus.peerStatus().every((p) => p.connected && p.queuedBytes === 0 && p.lastError === ''));
  }
});

test('a restarted peer is redialed and receives what is sent after', async (t) => {
  const a = await startNode(t, 1);
  let b = await startNode(t, 2);
  const bPort = b.bus.address().port;
  a.bus.setPeers(new Map([[2, addr(b)]]));
  a.bus.send(heartbeat(1, 1, 2, 1));
  a.bus.flush();
  await waitFor('first delivery', () => b.received.length === 1);
  await b.bus.stop();
  await waitFor('disconnect seen', () => a.events.some((e) => e.type === 'disconnected'));
  assert.equal(a.bus.peerStatus()[0]?.connected, false);
  b = await startNode(t, 2, { listenPort: bPort });
  await waitFor('redial', () => a.bus.peerStatus()[0]?.connected === true);
  a.bus.send(heartbeat(1, 1, 2, 2));
  a.bus.flush();
  await waitFor('delivery after restart', () => b.received.length === 1);
  assert.equal(b.received[0]?.msgs[0]?.seq, 2);
  assert.deepEqual(a.events.map((e) => e.type).filter((e) => e !== 'refused'), ['connected', 'disconnected', 'connected']);
});

test('forward: replies of every shape, handler failures, unknown peers', async (t) => {
  const a = await startNode(t, 1);
  const b = await startNode(t, 2);
  mesh(new Map([[1, a], [2, b]]));
  const seen: unknown[] = [];
  b.bus.onForward = (from, group, kind, args): Reply | Promise<Reply> => {
    seen.push([from, group, kind, args]);
    if (args[0] === 'SYNC') return new SimpleString('OK');
    if (args[0] === 'THROW') throw new Error('handler exploded');
    if (args[0] === 'REJECT') return Promise.reject(new Error('async failure'));
    return Promise.resolve(new MapReply(['k', 1n, 'v', [null, new ErrorReply('ERR x')]]));
  };
  assert.deepEqual(await a.bus.forward(2, 5, 'write', ['SYNC', 'k\xff\x00'], 2000), new SimpleString('OK'));
  assert.deepEqual(await a.bus.forward(2, 6, 'read', ['ASYNC'], 2000), new MapReply(['k', 1n, 'v', [null, new ErrorReply('ERR x')]]));
  await assert.rejects(a.bus.forward(2, 0, 'admin', ['THROW'], 2000), (e) => isCode('FLOE_ERR_PEER')(e) && /handler exploded/.test(String(e)));
  await assert.rejects(a.bus.forward(2, 0, 'write', ['REJECT'], 2000), /async failure/);
  await assert.rejects(a.bus.forward(9, 0, 'write', ['X'], 2000), isCode('FLOE_ERR_PEER'));
  assert.deepEqual(seen[0], [1, 5, 'write', ['SYNC', 'k\xff\x00']]);
  assert.deepEqual(seen[1], [1, 6, 'read', ['ASYNC']]);
  // Forwards go both ways on separate links.
  a.bus.onForward = () => 'from-a';
  assert.equal(await b.bus.forward(1, 0, 'read', ['GET', 'x'], 2000), 'from-a');
});

test('forward: timeout, rejection on disconnect and on stop, bounded pending', async (t) => {
  const a = await startNode(t, 1);
  const b = await startNode(t, 2);
  mesh(new Map([[1, a], [2, b]]));
  const never = new Promise<Reply>(() => {});
  b.bus.onForward = () => never;
  await assert.rejects(a.bus.forward(2, 0, 'write', ['SLOW'], 50), isCode('FLOE_ERR_TIMEOUT'));

  // Fill the per-link bound: the next forward is refused at once, the others fail on disconnect.
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < FORWARDS_PENDING_MAX; i++) pending.push(a.bus.forward(2, 0, 'write', ['X', String(i)], 60_000).catch((e: unknown) => e));
  await assert.rejects(a.bus.forward(2, 0, 'write', ['ONE-TOO-MANY'], 60_000), /too many forwards pending/);
  await waitFor('requests reach b', () => (b.bus.stats.framesReceived[FrameType.FORWARD_REQUEST] ?? 0) >= FORWARDS_PENDING_MAX);
  await b.bus.stop();
  const results = await Promise.all(pending);
  // b still serves the timed-out SLOW request, so its own bound (FORWARDS_PENDING_MAX being
  // served per link) refuses exactly one of these; the rest fail when the link closes.
  assert.ok(results.every(isCode('FLOE_ERR_PEER')));
  assert.equal(results.filter((e) => /serving too many forwards/.test(String(e))).length, 1);
  assert.equal(results.filter((e) => /closed before the reply/.test(String(e))).length, FORWARDS_PENDING_MAX - 1);
  // While the peer is down and a redial is pending, forwards fail fast.
  await waitFor('redial scheduled', () => a.bus.peerStatus()[0]?.connected === false);
  await assert.rejects(a.bus.forward(2, 0, 'write', ['DOWN'], 60_000), isCode('FLOE_ERR_PEER'));
  // stop() rejects what is still pending.
  const c = await startNode(t, 3);
  c.bus.onForward = () => never;
  a.bus.setPeers(new Map([[3, addr(c)]]));
  const held = a.bus.forward(3, 0, 'read', ['HELD'], 60_000);
  await waitFor('request reaches c', () => (c.bus.stats.framesReceived[FrameType.FORWARD_REQUEST] ?? 0) === 1);
  await a.bus.stop();
  await assert.rejects(held, /bus stopped/);
  await assert.rejects(a.bus.forward(3, 0, 'read', ['AFTER'], 1000), /stopped/);
});

test('garbage, oversized frames and bad HELLOs drop the link, not the node', async (t) => {
  const b = await startNode(t, 2);
  const port = b.bus.address().port;
  const hello = (from: NodeId, to: NodeId, clusterId = CLUSTER): Buffer =>
    encodeHelloFrame({ version: BUS_PROTOCOL_VERSION, from, to, clusterId });
  const cases: Array<[string, Buffer[], RegExp]> = [
    ['random bytes', [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], /exceeds the limit/],
    ['frame before HELLO', [encodeFrame(FrameType.RAFT, Buffer.from([0]))], /before HELLO/],
    ['big frame before HELLO', [Buffer.from([0, 1, 0, 0, FrameType.HELLO])], /exceeds the limit/],
    ['oversized frame after HELLO', [hello(1, 2), Buffer.from([0xff, 0xff, 0xff, 0xff, FrameType.RAFT])], /exceeds the limit/],
    ['zero-length frame', [hello(1, 2), Buffer.from([0, 0, 0, 0])], /length 0/],
    ['malformed RAFT batch', [hello(1, 2), encodeFrame(FrameType.RAFT, Buffer.from([5, 1, 2, 3]))], /malformed/],
    ['unknown frame type', [hello(1, 2), encodeFrame(200, Buffer.from([1]))], /unknown frame type/],
    ['message not from the HELLO sender', [hello(1, 2), encodeFrame(FrameType.RAFT, rawRaft(heartbeat(0, 7, 2, 0)))], /link from node 1/],
    ['wrong cluster id', [hello(1, 2, 'other')], /cluster id "other" does not match/],
    ['wrong target node', [hello(1, 3)], /addressed to node 3/],
    ['bad protocol version', [encodeHelloFrame({ version: 99, from: 1, to: 2, clusterId: CLUSTER })], /version 99/],
  ];
  for (const [name, chunks, reason] of cases) {
    const raw = await rawClient(t, port);
    // Byte by byte for the first case, so the splitter's partial-header path is exercised too.
    for (const c of chunks) {
      if (name === 'random bytes') for (const byte of c) raw.socket.write(Buffer.from([byte]));
      else raw.socket.write(c);
    }
    await raw.closed;
    const error = raw.frames.find(([type]) => type === FrameType.ERROR);
    assert.ok(error !== undefined, `${name}: an ERROR frame explains the refusal`);
    assert.match(decodeErrorText(error[1]), reason, name);
  }
  assert.equal(b.bus.stats.protocolErrors, 8);
  // The node still works.
  const a = await startNode(t, 1);
  mesh(new Map([[1, a], [2, b]]));
  a.bus.send(heartbeat(0, 1, 2, 1));
  a.bus.flush();
  await waitFor('delivery after garbage', () => b.received.length === 1);
  assert.equal(b.received.length, 1);
});

/** The payload of a RAFT frame holding just `m`. */
function rawRaft(m: Message): Buffer {
  return encodeRaftFrame([m], messageEncodedBytes(m)).subarray(5);
}

test('a dialed node of another cluster or with another id refuses, and the dialer says why', async (t) => {
  const a = await startNode(t, 1);
  const other = await startNode(t, 2, { clusterId: 'elsewhere' });
  const wrongId = await startNode(t, 3);
  a.bus.setPeers(new Map([[2, addr(other)], [4, addr(wrongId)]]));
  a.bus.send(heartbeat(0, 1, 2, 0));
  a.bus.send(heartbeat(0, 1, 4, 0));
  a.bus.flush();
  await waitFor('refusals', () => a.bus.peerStatus().every((p) => p.lastError !== ''));
  const [p2, p4] = a.bus.peerStatus();
  assert.match(p2?.lastError ?? '', /cluster id "test-cluster" does not match "elsewhere"/);
  assert.match(p4?.lastError ?? '', /addressed to node 4, but this is node 3/);
  assert.equal(other.received.length, 0);
  assert.equal(wrongId.received.length, 0);
});

test('a peer that never reads is cut off; queued and socket bytes stay bounded', async (t) => {
  const capBytes = 256 * 1024;
  const a = await startNode(t, 1, { sendQueueBytesMax: capBytes });
  // A fake node 2: answers the HELLO, then stops reading.
  const accepted = new Set<net.Socket>();
  const server = net.createServer((s) => {
    accepted.add(s);
    s.on('error', () => {});
    s.once('data', () => {
      s.write(encodeHelloFrame({ version: BUS_PROTOCOL_VERSION, from: 2, to: 1, clusterId: CLUSTER }));
      s.pause();
    });
  });
  t.after(() => new Promise<void>((resolve) => {
    for (const s of accepted) s.destroy();
    server.close(() => resolve());
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  a.bus.setPeers(new Map([[2, { host: '127.0.0.1', busPort: port }]]));
  const entryBytes = 60 * 1024;
  let rounds = 0;
  while ((a.bus.peerStatus()[0]?.cutoffs ?? 0) === 0) {
    assert.ok(rounds++ < 5000, 'never cut off');
    a.bus.send(append(1, 1, 2, entryBytes));
    a.bus.flush();
    const s = a.bus.peerStatus()[0];
    assert.ok((s?.socketBytes ?? 0) <= capBytes + 2 * entryBytes, `socket bytes ${s?.socketBytes}`);
    await new Promise((r) => setImmediate(r));
  }
  // The link was up (HELLO answered) and then cut off for not reading, not refused.
  assert.deepEqual(a.events.map((e) => e.type).slice(0, 2), ['connected', 'cutoff']);
  assert.ok((a.bus.peerStatus()[0]?.droppedMessages ?? 0) >= 1);
});

test('messages for an unreachable peer queue up to the cap, then are dropped', async (t) => {
  const capBytes = 64 * 1024;
  const a = await startNode(t, 1, { sendQueueBytesMax: capBytes });
  // A port with nothing listening: take a free one and close it.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const deadPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  a.bus.setPeers(new Map([[2, { host: '127.0.0.1', busPort: deadPort }]]));
  a.bus.send(heartbeat(0, 1, 2, 0));
  a.bus.flush();
  await waitFor('dial failure', () => a.bus.peerStatus()[0]?.lastError !== '');
  for (let i = 0; i < 100; i++) {
    a.bus.send(append(0, 1, 2, 4096));
    a.bus.flush();
    const s = a.bus.peerStatus()[0];
    assert.ok((s?.queuedBytes ?? 0) <= capBytes);
  }
  const s = a.bus.peerStatus()[0];
  assert.ok((s?.droppedMessages ?? 0) > 50, `dropped ${s?.droppedMessages}`);
  assert.equal(s?.connected, false);
  // Messages to a node outside the peer map are dropped and counted.
  a.bus.send(heartbeat(0, 1, 42, 0));
  assert.equal(a.bus.stats.unknownPeerDrops, 1);
  // Removing the peer drops its queue.
  a.bus.setPeers(new Map());
  assert.deepEqual(a.bus.peerStatus(), []);
});
