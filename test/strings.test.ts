// String commands through ioredis and node-redis, RESP2 and RESP3, against a real floe process:
// every command and option of the list, wrong type, wrong arity and counter overflow.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { CLIENT_KINDS, connectClient, expectReply, label, ttlAbout, type Expected, type TestClient } from './helpers/clients.ts';

const ARITY = (name: string) => ({ error: new RegExp(`^ERR wrong number of arguments for '${name}' command$`) });
const NOT_INT = { error: /^ERR value is not an integer or out of range$/ };
const WRONGTYPE = { error: /^WRONGTYPE Operation against a key holding the wrong kind of value$/ };
const SYNTAX = { error: /^ERR syntax error$/ };

type Step = [args: (string | number)[], expected: Expected];

const STEPS: Step[] = [
  // GET / SET and every SET option.
  [['get', 'k'], null], [['set', 'k', 'v'], 'OK'], [['get', 'k'], 'v'],
  [['set', 'k', 'w', 'NX'], null], [['set', 'k', 'w', 'XX'], 'OK'], [['get', 'k'], 'w'],
  [['set', 'nx1', 'a', 'NX'], 'OK'], [['set', 'xx1', 'a', 'XX'], null], [['exists', 'xx1'], 0],
  [['set', 'k', 'x', 'GET'], 'w'], [['set', 'k2', 'x', 'GET'], null], [['get', 'k2'], 'x'],
  [['set', 'k', 'v', 'EX', 100], 'OK'], [['ttl', 'k'], ttlAbout(100)], [['set', 'k', 'v2', 'KEEPTTL'], 'OK'], [['ttl', 'k'], ttlAbout(100)],
  [['set', 'k', 'v3'], 'OK'], [['ttl', 'k'], -1],
  [['set', 'k', 'v', 'PX', 100000], 'OK'], [['ttl', 'k'], ttlAbout(100)],
  [['set', 'k', 'v', 'EXAT', 4102444800], 'OK'], [['expiretime', 'k'], 4102444800],
  [['set', 'k', 'v', 'PXAT', 4102444800123], 'OK'], [['pexpiretime', 'k'], 4102444800123],
  [['set', 'k', 'v', 'EX', 0], { error: /^ERR invalid expire time in 'set' command$/ }],
  [['set', 'k', 'v', 'EX', 'ten'], NOT_INT], [['set', 'k', 'v', 'NX', 'XX'], SYNTAX], [['set', 'k', 'v', 'EX', 1, 'KEEPTTL'], SYNTAX],
  [['set', 'k', 'v', 'bogus'], SYNTAX], [['set', 'k'], ARITY('set')],
  [['set', 'k', 'v', 'EXAT', 1], 'OK'], [['get', 'k'], null],
  // SETNX SETEX PSETEX GETSET GETDEL GETEX.
  [['setnx', 'sn', 'a'], 1], [['setnx', 'sn', 'b'], 0], [['get', 'sn'], 'a'],
  [['setex', 'se', 50, 'v'], 'OK'], [['ttl', 'se'], ttlAbout(50)], [['setex', 'se', -1, 'v'], { error: /^ERR invalid expire time in 'setex' command$/ }],
  [['psetex', 'pse', 50000, 'v'], 'OK'], [['ttl', 'pse'], ttlAbout(50)], [['psetex', 'pse', 0, 'v'], { error: /^ERR invalid expire time in 'psetex' command$/ }],
  [['getset', 'gs', 'a'], null], [['getset', 'gs', 'b'], 'a'], [['get', 'gs'], 'b'],
  [['getdel', 'gs'], 'b'], [['getdel', 'gs'], null], [['exists', 'gs'], 0],
  [['set', 'ge', 'v'], 'OK'], [['getex', 'ge', 'EX', 30], 'v'], [['ttl', 'ge'], ttlAbout(30)], [['getex', 'ge', 'PERSIST'], 'v'], [['ttl', 'ge'], -1],
  [['getex', 'ge', 'PX', 40000], 'v'], [['ttl', 'ge'], ttlAbout(40)], [['getex', 'ge', 'EXAT', 4102444800], 'v'], [['expiretime', 'ge'], 4102444800],
  [['getex', 'ge', 'PXAT', 1], 'v'], [['exists', 'ge'], 0], [['getex', 'nope'], null], [['getex', 'ge', 'EX'], SYNTAX],
  // MGET MSET MSETNX.
  [['mset', 'm1', 'a', 'm2', 'b'], 'OK'], [['mget', 'm1', 'm2', 'm3'], ['a', 'b', null]],
  [['msetnx', 'm3', 'c', 'm1', 'x'], 0], [['get', 'm3'], null], [['msetnx', 'm3', 'c', 'm4', 'd'], 1], [['mget', 'm3', 'm4'], ['c', 'd']],
  [['mset', 'm1', 'a', 'm2'], ARITY('mset')], [['msetnx', 'm1'], ARITY('msetnx')], [['mget'], ARITY('mget')],
  // APPEND STRLEN GETRANGE SETRANGE.
  [['append', 'ap', 'Hello'], 5], [['append', 'ap', ' World'], 11], [['strlen', 'ap'], 11], [['strlen', 'none'], 0],
  [['getrange', 'ap', 0, 4], 'Hello'], [['getrange', 'ap', -5, -1], 'World'], [['getrange', 'ap', 0, -1], 'Hello World'],
  [['getrange', 'ap', 20, 30], ''], [['getrange', 'none', 0, 10], ''], [['getrange', 'ap', 'x', 1], NOT_INT],
  [['setrange', 'ap', 6, 'Redis'], 11], [['get', 'ap'], 'Hello Redis'], [['setrange', 'pad', 3, 'x'], 4], [['get', 'pad'], '\0\0\0x'],
  [['setrange', 'ap', -1, 'x'], { error: /^ERR offset is out of range$/ }],
  [['setrange', 'ap', 536870912, 'x'], { error: /^ERR string exceeds maximum allowed size \(proto-max-bulk-len\)$/ }],
  // Counters, with overflow at both ends of the 64-bit range.
  [['incr', 'c'], 1], [['incrby', 'c', 41], 42], [['decr', 'c'], 41], [['decrby', 'c', 1], 40], [['get', 'c'], '40'],
  [['incrby', 'c', '1.5'], NOT_INT], [['incrby', 'c', ''], NOT_INT],
  [['set', 'c', '9223372036854775807'], 'OK'], [['incr', 'c'], { error: /^ERR increment or decrement would overflow$/ }],
  [['incrby', 'c', 1], { error: /^ERR increment or decrement would overflow$/ }], [['get', 'c'], '9223372036854775807'],
  [['set', 'c', '-9223372036854775808'], 'OK'], [['decr', 'c'], { error: /^ERR increment or decrement would overflow$/ }],
  [['decrby', 'c', '-9223372036854775808'], { error: /^ERR decrement would overflow$/ }],
  [['incrby', 'c', '9223372036854775808'], NOT_INT], [['get', 'c'], '-9223372036854775808'],
  [['set', 'c', 'abc'], 'OK'], [['incr', 'c'], NOT_INT], [['set', 'c', ' 1'], 'OK'], [['incr', 'c'], NOT_INT],
  [['set', 'f', '10.50'], 'OK'], [['incrbyfloat', 'f', '0.1'], '10.6'], [['incrbyfloat', 'f', '-5'], '5.6'],
  [['set', 'f', '5.0e3'], 'OK'], [['incrbyfloat', 'f', '2.0e2'], '5200'], [['incrbyfloat', 'f', 'x'], { error: /^ERR value is not a valid float$/ }],
  [['incrbyfloat', 'f', 'inf'], { error: /^ERR increment would produce NaN or Infinity$/ }],
  // Binary-safe values: every byte value survives a round trip.
  [['set', 'bin', '\x00\x01\r\n$*'], 'OK'], [['strlen', 'bin'], 6], [['get', 'bin'], '\x00\x01\r\n$*'],
  // Arity.
  [['get'], ARITY('get')], [['getset', 'a'], ARITY('getset')], [['incr'], ARITY('incr')], [['append', 'a'], ARITY('append')],
  [['getrange', 'a', 1], ARITY('getrange')], [['setex', 'a', 1], ARITY('setex')], [['incrbyfloat', 'a'], ARITY('incrbyfloat')],
];

describe('strings through real clients', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe();
  });
  after(async () => {
    await floe?.stop();
  });

  for (const kind of CLIENT_KINDS) {
    test(`every string command, ${label(kind)}`, async () => {
      const c = await connectClient(kind, floe.port);
      try {
        await c.send('flushall');
        for (const [args, expected] of STEPS) await expectReply(c, args, expected);
      } finally {
        await c.close();
      }
    });
  }

  test('typed ioredis and node-redis methods', async () => {
    const clients: TestClient[] = [];
    try {
      for (const kind of CLIENT_KINDS) clients.push(await connectClient(kind, floe.port));
      for (const c of clients) {
        await c.send('flushall');
        if (c.ioredis !== null) {
          const r = c.ioredis;
          assert.equal(await r.set('a', '1', 'EX', 100, 'GET'), null);
          assert.equal(await r.incrby('a', 5), 6);
          assert.equal(await r.incrbyfloat('a', 0.25), '6.25');
          assert.deepEqual(await r.mget('a', 'b'), ['6.25', null]);
          assert.equal(await r.getex('a', 'PERSIST'), '6.25');
          assert.equal(await r.ttl('a'), -1);
          assert.equal(await r.getrange('a', 0, 0), '6');
          const bin = Buffer.from([0, 200, 255, 13, 10]);
          await r.set('bin', bin);
          assert.deepEqual(await r.getBuffer('bin'), bin);
        } else if (c.nodeRedis !== null) {
          const n = c.nodeRedis;
          assert.equal(await n.set('a', '1', { expiration: { type: 'EX', value: 100 }, GET: true }), null);
          assert.equal(await n.incrBy('a', 5), 6);
          assert.equal(Number(await n.incrByFloat('a', 0.25)), 6.25);
          assert.deepEqual(await n.mGet(['a', 'b']), ['6.25', null]);
          assert.equal(await n.getEx('a', { type: 'PERSIST' }), '6.25');
          assert.equal(await n.ttl('a'), -1);
          assert.equal(await n.setRange('a', 0, '7'), 4);
          assert.equal(await n.get('a'), '7.25');
          assert.equal(await n.set('b', 'x', { condition: 'NX' }), 'OK');
          assert.equal(await n.set('b', 'y', { condition: 'NX' }), null);
        }
      }
    } finally {
      for (const c of clients) await c.close();
    }
  });

  test('WRONGTYPE from every string command on a collection key', async (t) => {
    const c = await connectClient({ lib: 'ioredis', proto: 2 }, floe.port);
    try {
      await c.send('flushall');
      // Collections come from another family; use whichever one this build serves.
      let made = false;
      for (const args of [['rpush', 'coll', 'x'], ['hset', 'coll', 'f', 'v'], ['sadd', 'coll', 'm'], ['zadd', 'coll', '1', 'm']]) {
        try {
          await c.send(...args);
          made = true;
          break;
        } catch {
          // Not served yet.
        }
      }
      if (!made) {
        t.skip('no collection command is served yet (lists, hashes, sets, zsets)');
        return;
      }
      const cases: (string | number)[][] = [
        ['get', 'coll'], ['getset', 'coll', 'x'], ['getdel', 'coll'], ['getex', 'coll'], ['append', 'coll', 'x'], ['strlen', 'coll'],
        ['getrange', 'coll', 0, 1], ['setrange', 'coll', 0, 'x'], ['incr', 'coll'], ['decr', 'coll'], ['incrby', 'coll', 1],
        ['decrby', 'coll', 1], ['incrbyfloat', 'coll', 1], ['set', 'coll', 'x', 'GET'],
      ];
      for (const args of cases) await expectReply(c, args, WRONGTYPE);
      await expectReply(c, ['mget', 'coll', 'nokey'], [null, null]);
      await expectReply(c, ['set', 'coll', 'plain'], 'OK');
      await expectReply(c, ['type', 'coll'], 'string');
    } finally {
      await c.close();
    }
  });
});
