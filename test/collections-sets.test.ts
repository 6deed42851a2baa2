// Set commands through ioredis and node-redis (RESP2 and RESP3) against a real floe process:
// membership, the algebra and its *STORE/*CARD forms, SPOP/SRANDMEMBER, SMOVE, SSCAN, errors,
// WRONGTYPE and the intset/listpack/hashtable encodings; plus both libraries' typed methods.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { arity, bothLibraries, error, runSteps, WRONGTYPE, type Step } from './helpers/collection-steps.ts';

const STEPS: Step[] = [
  [['sadd', 'ids', 3, 1, 2, 2], 3], [['smembers', 'ids'], ['1', '2', '3']], [['object', 'encoding', 'ids'], 'intset'],
  [['sadd', 'ids', 'x'], 1], [['object', 'encoding', 'ids'], 'listpack'], [['smembers', 'ids'], ['1', '2', '3', 'x']],
  [['sismember', 'ids', 'x'], 1], [['smismember', 'ids', '1', 'nope'], [1, 0]], [['scard', 'ids'], 4], [['srem', 'ids', 'x', 'nope'], 1],
  [['sadd', 'long', 'y'.repeat(100)], 1], [['object', 'encoding', 'long'], 'hashtable'],
  [['sadd', 'a', 'red', 'green', 'blue'], 3], [['sadd', 'b', 'green', 'blue', 'pink'], 3],
  [['sinter', 'a', 'b'], ['green', 'blue']], [['sintercard', 2, 'a', 'b'], 2], [['sintercard', 2, 'a', 'b', 'limit', 1], 1],
  [['sdiff', 'a', 'b'], ['red']], [['sunionstore', 'u', 'a', 'b'], 4], [['scard', 'u'], 4], [['sinterstore', 'i', 'a', 'nokey'], 0],
  [['exists', 'i'], 0], [['sdiffstore', 'd', 'b', 'a'], 1], [['smembers', 'd'], ['pink']],
  [['smove', 'a', 'b', 'red'], 1], [['smove', 'a', 'b', 'nope'], 0], [['sismember', 'b', 'red'], 1],
  [['sadd', 'one', 'm'], 1], [['spop', 'one'], 'm'], [['exists', 'one'], 0], [['spop', 'nokey'], null], [['spop', 'nokey', 2], []],
  [['sadd', 'one', 'm'], 1], [['srandmember', 'one'], 'm'], [['srandmember', 'one', -3], ['m', 'm', 'm']], [['srandmember', 'one', 5], ['m']],
  [['spop', 'one', -1], error('ERR value is out of range, must be positive')], [['sscan', 'one', 0], ['0', ['m']]],
  [['sscan', 'ids', 0, 'match', '[12]'], ['0', ['1', '2']]], [['sintercard', 0, 'a'], error('ERR numkeys should be greater than 0')],
  [['sadd', 'k'], arity('sadd')],
  [['set', 'text', 'v'], 'OK'], [['sadd', 'text', 'a'], WRONGTYPE], [['smembers', 'text'], WRONGTYPE], [['sismember', 'text', 'a'], WRONGTYPE],
  [['sinter', 'a', 'text'], WRONGTYPE], [['sunionstore', 'dst', 'text'], WRONGTYPE], [['spop', 'text'], WRONGTYPE], [['smove', 'b', 'text', 'green'], WRONGTYPE],
  [['type', 'b'], 'set'],
];

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

test('set commands through ioredis and node-redis, RESP2 and RESP3', async () => {
  await runSteps(floe.port, STEPS);
});

test('typed methods of both libraries; a large set converts and SSCAN sees every member', async () => {
  const [io, nr] = await bothLibraries(floe.port);
  try {
    const r = io.ioredis;
    const n = nr.nodeRedis;
    assert.ok(r !== null && n !== null);
    await r.flushall();
    const members = Array.from({ length: 2000 }, (_, i) => `tag-${i}`);
    await r.sadd('tags', ...members);
    assert.equal(await r.object('ENCODING', 'tags'), 'hashtable');
    assert.equal(await r.scard('tags'), 2000);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, page] = await r.sscan('tags', cursor, 'COUNT', 100);
      for (const m of page) seen.add(m);
      cursor = next;
    } while (cursor !== '0');
    assert.equal(seen.size, 2000);
    const popped = await n.sPopCount('tags', 10);
    assert.equal(new Set(popped).size, 10);
    assert.equal(await n.sCard('tags'), 1990);
    assert.equal(await n.sIsMember('tags', popped[0] as string), 0);
    assert.equal((await n.sRandMemberCount('tags', 5)).length, 5);
  } finally {
    await io.close();
    await nr.close();
  }
});
