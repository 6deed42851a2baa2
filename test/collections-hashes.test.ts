// Hash commands through ioredis and node-redis (RESP2 and RESP3) against a real floe process:
// every command, its errors, WRONGTYPE, the encodings and their limits, and the libraries'
// own typed methods (objects for HGETALL, numbers for HINCRBY).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { arity, bothLibraries, error, runSteps, WRONGTYPE, type Step } from './helpers/collection-steps.ts';

const STEPS: Step[] = [
  [['hset', 'user:1', 'name', 'ada', 'lang', 'en'], 2], [['hset', 'user:1', 'lang', 'fr', 'age', '36'], 1],
  [['hgetall', 'user:1'], ['name', 'ada', 'lang', 'fr', 'age', '36']], [['hget', 'user:1', 'lang'], 'fr'], [['hget', 'user:1', 'nope'], null],
  [['hmget', 'user:1', 'name', 'nope', 'age'], ['ada', null, '36']], [['hlen', 'user:1'], 3], [['hexists', 'user:1', 'age'], 1],
  [['hstrlen', 'user:1', 'name'], 3], [['hkeys', 'user:1'], ['name', 'lang', 'age']], [['hvals', 'user:1'], ['ada', 'fr', '36']],
  [['hsetnx', 'user:1', 'name', 'bob'], 0], [['hsetnx', 'user:1', 'email', 'a@x'], 1], [['hmset', 'user:1', 'a', '1', 'b', '2'], 'OK'],
  [['hincrby', 'user:1', 'age', 1], 37], [['hincrby', 'user:1', 'visits', -3], -3], [['hincrbyfloat', 'user:1', 'score', '10.5'], '10.5'],
  [['hincrbyfloat', 'user:1', 'score', '0.1'], '10.6'], [['hincrby', 'user:1', 'name', 1], error('ERR hash value is not an integer')],
  [['hincrbyfloat', 'user:1', 'name', 1], error('ERR hash value is not a float')], [['hincrby', 'user:1', 'age', 'x'], error('ERR value is not an integer or out of range')],
  [['hset', 'user:1', 'big', '9223372036854775807'], 1], [['hincrby', 'user:1', 'big', 1], error('ERR increment or decrement would overflow')],
  [['hdel', 'user:1', 'a', 'b', 'nope'], 2], [['hdel', 'nokey', 'a'], 0], [['hlen', 'nokey'], 0], [['hgetall', 'nokey'], []],
  [['hset', 'user:1', 'x'], arity('hset')], [['hmset', 'user:1', 'x', 'y', 'z'], arity('hmset')], [['hget', 'user:1'], arity('hget')],
  [['object', 'encoding', 'user:1'], 'listpack'], [['type', 'user:1'], 'hash'],
  [['hset', 'wide', 'f', 'x'.repeat(100)], 1], [['object', 'encoding', 'wide'], 'hashtable'],
  [['config', 'set', 'hash-max-listpack-entries', '2'], 'OK'], [['hset', 'small', 'a', '1', 'b', '2'], 2], [['object', 'encoding', 'small'], 'listpack'],
  [['hset', 'small', 'c', '3'], 1], [['object', 'encoding', 'small'], 'hashtable'], [['hgetall', 'small'], ['a', '1', 'b', '2', 'c', '3']],
  [['config', 'set', 'hash-max-listpack-entries', '128'], 'OK'], [['config', 'get', 'hash-max-listpack-value'], ['hash-max-listpack-value', '64']],
  [['hset', 'one', 'only', 'v'], 1], [['hrandfield', 'one'], 'only'], [['hrandfield', 'one', -2], ['only', 'only']],
  [['hrandfield', 'one', 5, 'withvalues'], ['only', 'v'], [['only', 'v']]], [['hrandfield', 'nokey'], null], [['hrandfield', 'nokey', 3], []],
  [['hrandfield', 'one', 1, 'bogus'], error('ERR syntax error')],
  [['hscan', 'one', 0], ['0', ['only', 'v']]], [['hscan', 'small', 0, 'match', 'b*', 'count', 100], ['0', ['b', '2']]], [['hscan', 'one', 'x'], error('ERR invalid cursor')],
  [['hdel', 'one', 'only'], 1], [['exists', 'one'], 0],
  [['set', 'text', 'v'], 'OK'], [['hset', 'text', 'f', 'v'], WRONGTYPE], [['hget', 'text', 'f'], WRONGTYPE], [['hgetall', 'text'], WRONGTYPE],
  [['hdel', 'text', 'f'], WRONGTYPE], [['hlen', 'text'], WRONGTYPE], [['hincrby', 'text', 'f', 1], WRONGTYPE], [['hscan', 'text', 0], WRONGTYPE],
  [['hrandfield', 'text'], WRONGTYPE], [['hexists', 'text', 'f'], WRONGTYPE], [['hkeys', 'text'], WRONGTYPE],
];

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

test('hash commands through ioredis and node-redis, RESP2 and RESP3', async () => {
  await runSteps(floe.port, STEPS);
});

test('typed methods of both libraries', async () => {
  const [io, nr] = await bothLibraries(floe.port);
  try {
    const r = io.ioredis;
    const n = nr.nodeRedis;
    assert.ok(r !== null && n !== null);
    await r.flushall();
    await r.hset('session:9', { user: 'ada', cart: '3' });
    assert.deepEqual(await r.hgetall('session:9'), { user: 'ada', cart: '3' });
    assert.equal(await r.hincrby('session:9', 'cart', 2), 5);
    await r.expire('session:9', 100);
    assert.equal(await r.ttl('session:9'), 100);
    assert.deepEqual(await n.hGetAll('session:9'), { user: 'ada', cart: '5' });
    assert.equal(await n.hIncrBy('session:9', 'cart', 1), 6);
    assert.deepEqual(await n.hmGet('session:9', ['user', 'nope']), ['ada', null]);
    assert.equal(await n.hLen('session:9'), 2);
    const seen: string[] = [];
    for await (const entries of n.hScanIterator('session:9')) for (const e of entries) seen.push(e.field);
    assert.deepEqual(seen.sort(), ['cart', 'user']);
  } finally {
    await io.close();
    await nr.close();
  }
});
