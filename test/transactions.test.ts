// MULTI/EXEC/DISCARD/WATCH/UNWATCH against a real floe process: all-or-nothing EXEC with
// collection commands, EXECABORT after a queuing error, runtime errors that do not abort the
// rest, and WATCH aborts when another client changes a key (including changes made in place
// to a hash, list, set or sorted set), when the key expires and when it is evicted.

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { RawClient } from './helpers/resp.ts';

let floe: FloeProcess;
let a: RawClient;
let b: RawClient;

describe('transactions', () => {
  before(async () => {
    floe = await startFloe();
    a = await RawClient.connect(floe.port);
    b = await RawClient.connect(floe.port);
  });
  after(async () => {
    a?.close();
    b?.close();
    await floe?.stop();
  });
  beforeEach(async () => {
    await a.call('flushall');
    await a.call('config', 'set', 'maxmemory', '0');
    await a.call('config', 'set', 'maxmemory-policy', 'noeviction');
  });

  test('EXEC runs the queue as one unit and answers every reply', async () => {
    assert.equal(await a.text('multi'), '+OK');
    assert.equal(await a.text('hset', 'h', 'f', '1'), '+QUEUED');
    assert.equal(await a.text('hincrby', 'h', 'f', '5'), '+QUEUED');
    assert.equal(await a.text('rpush', 'l', 'x', 'y'), '+QUEUED');
    assert.equal(await a.text('sadd', 's', 'm'), '+QUEUED');
    assert.equal(await a.text('zadd', 'z', '1.5', 'm'), '+QUEUED');
    assert.equal(await a.text('lpop', 'l'), '+QUEUED');
    assert.equal(await a.text('exec'), '[:1, :6, :2, :1, :1, "x"]');
    assert.equal(await a.text('zscore', 'z', 'm'), '"1.5"');
  });

  test('a queuing error (unknown command, wrong arity) aborts EXEC with EXECABORT', async () => {
    await a.call('multi');
    await a.call('hset', 'h', 'f', 'v');
    assert.equal(await a.text('hset', 'h', 'f'), '-ERR wrong number of arguments for \'hset\' command');
    assert.equal(await a.text('nosuchcommand'), '-ERR unknown command \'nosuchcommand\', with args beginning with: ');
    assert.equal(await a.text('exec'), '-EXECABORT Transaction discarded because of previous errors.');
    assert.equal(await a.text('exists', 'h'), ':0');
  });

  test('a runtime error (WRONGTYPE, bad score) fails alone; the rest still runs', async () => {
    await a.call('set', 'str', 'v');
    await a.call('multi');
    await a.call('lpush', 'str', 'x');
    await a.call('zadd', 'z', 'notafloat', 'm');
    await a.call('sadd', 's', 'm');
    assert.equal(await a.text('exec'), '[-WRONGTYPE Operation against a key holding the wrong kind of value, -ERR value is not a valid float, :1]');
    assert.equal(await a.text('scard', 's'), ':1');
  });

  test('DISCARD drops the queue', async () => {
    await a.call('multi');
    await a.call('rpush', 'l', 'x');
    assert.equal(await a.text('discard'), '+OK');
    assert.equal(await a.text('exists', 'l'), ':0');
    assert.equal(await a.text('exec'), '-ERR EXEC without MULTI');
  });

  for (const [kind, setup, touch] of [
    ['hash field set in place', ['hset', 'k', 'a', '1'], ['hset', 'k', 'b', '2']],
    ['list pushed in place', ['rpush', 'k', 'a'], ['rpush', 'k', 'b']],
    ['set member added in place', ['sadd', 'k', 'a'], ['sadd', 'k', 'b']],
    ['sorted set score changed in place', ['zadd', 'k', '1', 'a'], ['zincrby', 'k', '1', 'a']],
    ['last element popped (key removed)', ['rpush', 'k', 'a'], ['lpop', 'k']],
    ['key deleted', ['sadd', 'k', 'a'], ['del', 'k']],
    ['key created', null, ['zadd', 'k', '1', 'a']],
  ] as const) {
    test(`WATCH aborts EXEC when another client changes the key: ${kind}`, async () => {
      if (setup !== null) await a.call(...setup);
      await a.call('watch', 'k');
      await b.call(...touch);
      await a.call('multi');
      await a.call('set', 'result', 'ran');
      assert.equal(await a.text('exec'), '(nil array)');
      assert.equal(await a.text('exists', 'result'), ':0');
    });
  }

  test('WATCH passes when nobody changed the key, or only read it', async () => {
    await a.call('hset', 'k', 'a', '1');
    await a.call('watch', 'k');
    await b.call('hgetall', 'k');
    await b.call('hset', 'other', 'a', '1');
    await b.call('hdel', 'k', 'nothere');
    await a.call('multi');
    await a.call('hset', 'k', 'b', '2');
    assert.equal(await a.text('exec'), '[:1]');
  });

  test('WATCH aborts when the key expires before EXEC', async () => {
    await a.call('rpush', 'k', 'x');
    await a.call('pexpire', 'k', '30');
    await a.call('watch', 'k');
    const deadline = Date.now() + 5000;
    while ((await b.text('exists', 'k')) !== ':0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await a.call('multi');
    await a.call('set', 'result', 'ran');
    assert.equal(await a.text('exec'), '(nil array)');
  });

  test('WATCH aborts when the key is evicted', async () => {
    await a.call('hset', 'k', 'f', 'x'.repeat(1000));
    await a.call('watch', 'k');
    await b.call('config', 'set', 'maxmemory-policy', 'allkeys-lru');
    await b.call('config', 'set', 'maxmemory', '1');
    // The next write from anyone makes room first: the only key there is, k, goes.
    await b.call('set', 'other', 'v');
    await b.call('config', 'set', 'maxmemory', '0');
    assert.equal(await b.text('exists', 'k'), ':0');
    await a.call('multi');
    await a.call('set', 'result', 'ran');
    assert.equal(await a.text('exec'), '(nil array)');
  });

  test('UNWATCH forgets the watched keys', async () => {
    await a.call('watch', 'k');
    await b.call('sadd', 'k', 'm');
    assert.equal(await a.text('unwatch'), '+OK');
    await a.call('multi');
    await a.call('scard', 'k');
    assert.equal(await a.text('exec'), '[:1]');
  });

  test('the optimistic-locking loop through ioredis and node-redis', async () => {
    const io = new Redis({ port: floe.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const nr = createClient({ socket: { port: floe.port, host: '127.0.0.1', reconnectStrategy: false } });
    nr.on('error', () => {});
    try {
      await io.connect();
      await nr.connect();
      await io.zadd('board', 10, 'alice');
      await io.watch('board');
      await nr.zIncrBy('board', 5, 'alice');
      const aborted = await io.multi().zincrby('board', 1, 'alice').exec();
      assert.equal(aborted, null);
      await io.watch('board');
      const ok = await io.multi().zincrby('board', 1, 'alice').zrange('board', '0', '-1', 'WITHSCORES').exec();
      assert.deepEqual(ok, [[null, '16'], [null, ['alice', '16']]]);
      const replies = await nr.multi().hSet('session', { user: 'bob', ttl: '30' }).hGetAll('session').exec();
      assert.deepEqual(replies, [2, { user: 'bob', ttl: '30' }]);
    } finally {
      io.disconnect();
      if (nr.isOpen) nr.destroy();
    }
  });
});
