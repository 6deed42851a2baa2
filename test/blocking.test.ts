// Blocking pops against a real floe process: clients are served in the order they blocked,
// woken by pushes from other clients, by EXEC and by RENAME; timeouts answer the null reply;
// a disconnected waiter is forgotten; inside MULTI the commands do not block. Waiting for a
// client to be parked polls INFO blocked_clients; no assertion depends on timing.

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { encodeCommand, RawClient, show } from './helpers/resp.ts';

const WAIT_MS = 10_000;

let floe: FloeProcess;
let admin: RawClient;
const opened: RawClient[] = [];

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(floe.port);
  opened.push(c);
  return c;
}

async function blockedClients(): Promise<number> {
  const info = await admin.call('info', 'clients');
  const text = info.type === 'bulk' ? (info.value ?? '') : '';
  return Number(/blocked_clients:(\d+)/.exec(text)?.[1] ?? -1);
}

/** Resolves once exactly n clients are blocked. */
async function waitBlocked(n: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while ((await blockedClients()) !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} blocked clients, have ${await blockedClients()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends a command without waiting for its reply. */
function send(c: RawClient, ...args: string[]): void {
  c.write(encodeCommand(args));
}

async function text(c: RawClient): Promise<string> {
  return show(await c.read(WAIT_MS));
}

describe('blocking pops', () => {
  before(async () => {
    floe = await startFloe();
    admin = await RawClient.connect(floe.port);
  });
  after(async () => {
    for (const c of opened) c.close();
    admin?.close();
    await floe?.stop();
  });
  beforeEach(async () => {
    await admin.call('flushall');
  });

  test('waiters are served first come, first served, one element each', async () => {
    const [a, b, c] = [await client(), await client(), await client()];
    send(a, 'blpop', 'q', '0');
    await waitBlocked(1);
    send(b, 'blpop', 'q', '0');
    await waitBlocked(2);
    send(c, 'brpop', 'q', '0');
    await waitBlocked(3);
    assert.equal(await admin.text('rpush', 'q', '1', '2', '3'), ':3');
    assert.equal(await text(a), '["q", "1"]');
    assert.equal(await text(b), '["q", "2"]');
    assert.equal(await text(c), '["q", "3"]');
    assert.equal(await admin.text('exists', 'q'), ':0');
    await waitBlocked(0);
  });

  test('several keys: the first non-empty one in argument order, and the key that woke it', async () => {
    const a = await client();
    await admin.call('rpush', 'k2', 'x');
    assert.equal(await a.text('blpop', 'k1', 'k2', '0'), '["k2", "x"]');
    send(a, 'blpop', 'k1', 'k2', '0');
    await waitBlocked(1);
    await admin.call('lpush', 'k2', 'y');
    assert.equal(await text(a), '["k2", "y"]');
  });

  test('a timeout answers the null array (BLMOVE: null), fractional seconds allowed', async () => {
    const a = await client();
    assert.equal(await a.text('blpop', 'nothing', '0.05'), '(nil array)');
    assert.equal(await a.text('bzpopmin', 'nothing', '0.01'), '(nil array)');
    assert.equal(await a.text('blmove', 'nothing', 'dst', 'left', 'right', '0.01'), '(nil)');
    assert.equal(await a.text('brpoplpush', 'nothing', 'dst', '0.01'), '(nil)');
    assert.equal(await a.text('blmpop', '0.01', '1', 'nothing', 'left'), '(nil array)');
    assert.equal(await a.text('bzmpop', '0.01', '1', 'nothing', 'max'), '(nil array)');
    await a.call('hello', '3');
    assert.equal(await a.text('blpop', 'nothing', '0.01'), '(null)');
    await waitBlocked(0);
  });

  test('bad timeouts are errors, checked before the keys', async () => {
    const a = await client();
    await admin.call('rpush', 'full', 'x');
    assert.equal(await a.text('blpop', 'full', '-1'), '-ERR timeout is negative');
    assert.equal(await a.text('blpop', 'full', 'abc'), '-ERR timeout is not a float or out of range');
    assert.equal(await a.text('bzpopmax', 'full', 'nan'), '-ERR timeout is not a float or out of range');
    assert.equal(await a.text('blmpop', '-0.5', '1', 'full', 'left'), '-ERR timeout is negative');
    assert.equal(await a.text('brpop', 'full', 'inf'), '-ERR timeout is out of range');
  });

  test('woken by EXEC once the transaction is done, and by RENAME', async () => {
    const [a, b, tx] = [await client(), await client(), await client()];
    send(a, 'brpop', 'q', '0');
    await waitBlocked(1);
    await tx.call('multi');
    await tx.call('rpush', 'q', 'first');
    await tx.call('rpush', 'q', 'second');
    assert.equal(await tx.text('exec'), '[:1, :2]');
    assert.equal(await text(a), '["q", "second"]');
    send(b, 'blpop', 'target', '0');
    await waitBlocked(1);
    await admin.call('rpush', 'source', 'moved');
    assert.equal(await admin.text('rename', 'source', 'target'), '+OK');
    assert.equal(await text(b), '["target", "moved"]');
  });

  test('BLMOVE hands on: one waiter moves into the list another waits on', async () => {
    const [a, b] = [await client(), await client()];
    send(a, 'blmove', 'src', 'mid', 'left', 'right', '0');
    await waitBlocked(1);
    send(b, 'brpoplpush', 'mid', 'dst', '0');
    await waitBlocked(2);
    await admin.call('rpush', 'src', 'v');
    assert.equal(await text(a), '"v"');
    assert.equal(await text(b), '"v"');
    assert.equal(await admin.text('lrange', 'dst', '0', '-1'), '["v"]');
    assert.equal(await admin.text('exists', 'src', 'mid'), ':0');
  });

  test('sorted sets: BZPOPMIN, BZPOPMAX and BZMPOP reply shapes', async () => {
    const [a, b, c] = [await client(), await client(), await client()];
    send(a, 'bzpopmin', 'z1', 'z2', '0');
    await waitBlocked(1);
    send(b, 'bzpopmax', 'z2', '0');
    await waitBlocked(2);
    send(c, 'bzmpop', '0', '2', 'z1', 'z2', 'max', 'count', '5');
    await waitBlocked(3);
    await admin.call('zadd', 'z2', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    assert.equal(await text(a), '["z2", "a", "1"]');
    assert.equal(await text(b), '["z2", "d", "4"]');
    assert.equal(await text(c), '["z2", [["c", "3"], ["b", "2"]]]');
    await c.call('hello', '3');
    send(c, 'bzpopmin', 'z3', '0');
    await waitBlocked(1);
    await admin.call('zadd', 'z3', '2.5', 'm');
    assert.equal(await text(c), '["z3", "m", ,2.5]');
  });

  test('BLMPOP with COUNT takes up to count from the first non-empty list', async () => {
    const a = await client();
    send(a, 'blmpop', '0', '2', 'l1', 'l2', 'right', 'count', '2');
    await waitBlocked(1);
    await admin.call('rpush', 'l2', 'a', 'b', 'c');
    assert.equal(await text(a), '["l2", ["c", "b"]]');
  });

  test('a waiter for a sorted set ignores a list at its key, and is served once a sorted set appears', async () => {
    const a = await client();
    send(a, 'bzpopmin', 'k', '0');
    await waitBlocked(1);
    await admin.call('rpush', 'k', 'x');
    assert.equal(await blockedClients(), 1);
    await admin.call('del', 'k');
    await admin.call('zadd', 'k', '1', 'm');
    assert.equal(await text(a), '["k", "m", "1"]');
  });

  test('the pusher\'s own next command comes after the waiter was served (Redis order)', async () => {
    const [a, b] = [await client(), await client()];
    send(a, 'blpop', 'q', '0');
    await waitBlocked(1);
    b.write(Buffer.concat([encodeCommand(['rpush', 'q', 'only']), encodeCommand(['lpop', 'q'])]));
    assert.equal(await text(b), ':1');
    assert.equal(await text(b), '(nil)');
    assert.equal(await text(a), '["q", "only"]');
  });

  test('commands pipelined behind a blocked one wait for it', async () => {
    const a = await client();
    a.write(Buffer.concat([encodeCommand(['blpop', 'q', '0']), encodeCommand(['ping'])]));
    await waitBlocked(1);
    await admin.call('rpush', 'q', 'x');
    assert.equal(await text(a), '["q", "x"]');
    assert.equal(await text(a), '+PONG');
  });

  test('a waiter that disconnects is removed and takes nothing', async () => {
    const [gone, stays] = [await client(), await client()];
    send(gone, 'blpop', 'q', '0');
    await waitBlocked(1);
    send(stays, 'blpop', 'q', '0');
    await waitBlocked(2);
    gone.close();
    await waitBlocked(1);
    await admin.call('rpush', 'q', 'x', 'y');
    assert.equal(await text(stays), '["q", "x"]');
    assert.equal(await admin.text('lrange', 'q', '0', '-1'), '["y"]');
  });

  test('inside MULTI blocking commands do not block', async () => {
    const a = await client();
    await a.call('multi');
    await a.call('blpop', 'q', '0');
    await a.call('bzpopmax', 'z', '0');
    await a.call('blmove', 'q', 'd', 'left', 'left', '0');
    await a.call('rpush', 'q', 'x');
    await a.call('blpop', 'q', '0');
    assert.equal(await a.text('exec'), '[(nil array), (nil array), (nil), :1, ["q", "x"]]');
    assert.equal(await blockedClients(), 0);
  });

  test('wrong type is an error at once', async () => {
    const a = await client();
    await admin.call('set', 's', 'v');
    assert.equal(await a.text('blpop', 'nokey', 's', '0'), '-WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await a.text('bzpopmin', 's', '0'), '-WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  test('through ioredis and node-redis', async () => {
    const io = new Redis({ port: floe.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const nr = createClient({ socket: { port: floe.port, host: '127.0.0.1', reconnectStrategy: false }, RESP: 3 });
    nr.on('error', () => {});
    try {
      await io.connect();
      await nr.connect();
      const p1 = io.blpop('jobs', 0);
      await waitBlocked(1);
      const p2 = nr.bzPopMin('scores', 0);
      await waitBlocked(2);
      await admin.call('rpush', 'jobs', 'job-1');
      await admin.call('zadd', 'scores', '7', 'alice');
      assert.deepEqual(await p1, ['jobs', 'job-1']);
      assert.deepEqual(await p2, { key: 'scores', value: 'alice', score: 7 });
      assert.equal(await io.brpop('nothing', 0.01), null);
    } finally {
      io.disconnect();
      if (nr.isOpen) nr.destroy();
    }
  });
});
