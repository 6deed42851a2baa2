// Generic key commands on every collection type against a real floe process: TYPE, OBJECT
// ENCODING, MEMORY USAGE and used_memory kept current by in-place changes, SCAN TYPE, DEL,
// RENAME, COPY (a deep copy), EXPIRE on a collection, and eviction of collections under
// maxmemory.

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { RawClient, show, type RespValue } from './helpers/resp.ts';

let floe: FloeProcess;
let c: RawClient;

function num(v: RespValue): number {
  if (v.type !== 'int') throw new Error(`not an integer: ${show(v)}`);
  return Number(v.value);
}

async function usedMemory(): Promise<number> {
  const info = await c.call('info', 'memory');
  const text = info.type === 'bulk' ? (info.value ?? '') : '';
  return Number(/used_memory:(\d+)/.exec(text)?.[1]);
}

async function fill(): Promise<void> {
  await c.call('hset', 'h', 'f1', 'v1', 'f2', 'v2');
  await c.call('rpush', 'l', 'a', 'b', 'c');
  await c.call('sadd', 's', 'x', 'y');
  await c.call('sadd', 'si', '1', '2');
  await c.call('zadd', 'z', '1', 'm1', '2', 'm2');
  await c.call('set', 'str', 'v');
}

describe('generic key commands on every type', () => {
  before(async () => {
    floe = await startFloe();
    c = await RawClient.connect(floe.port);
  });
  after(async () => {
    c?.close();
    await floe?.stop();
  });
  beforeEach(async () => {
    await c.call('config', 'set', 'maxmemory', '0');
    await c.call('flushall');
  });

  test('TYPE and OBJECT ENCODING', async () => {
    await fill();
    for (const [k, t, enc] of [['h', 'hash', 'listpack'], ['l', 'list', 'listpack'], ['s', 'set', 'listpack'], ['si', 'set', 'intset'], ['z', 'zset', 'listpack']]) {
      assert.equal(await c.text('type', k as string), `+${t}`);
      assert.equal(await c.text('object', 'encoding', k as string), JSON.stringify(enc));
    }
  });

  test('SCAN TYPE finds each type', async () => {
    await fill();
    for (const [t, keys] of [['hash', ['h']], ['list', ['l']], ['set', ['s', 'si']], ['zset', ['z']], ['string', ['str']]] as const) {
      const r = await c.call('scan', '0', 'type', t, 'count', '100');
      assert.ok(r.type === 'array' && r.value !== null);
      const items = r.value[1];
      assert.ok(items?.type === 'array' && items.value !== null);
      assert.deepEqual(items.value.map((v) => (v.type === 'bulk' ? v.value : '')).sort(), [...keys]);
    }
  });

  test('MEMORY USAGE and used_memory follow changes made in place, up and down', async () => {
    for (const [key, add, remove] of [
      ['h', (i: number) => ['hset', 'h', `field-${i}`, 'x'.repeat(50)], (i: number) => ['hdel', 'h', `field-${i}`]],
      ['l', (i: number) => ['rpush', 'l', `item-${i}-${'x'.repeat(50)}`], () => ['rpop', 'l']],
      ['s', (i: number) => ['sadd', 's', `member-${i}-${'x'.repeat(50)}`], (i: number) => ['srem', 's', `member-${i}-${'x'.repeat(50)}`]],
      ['z', (i: number) => ['zadd', 'z', String(i), `member-${i}-${'x'.repeat(50)}`], (i: number) => ['zrem', 'z', `member-${i}-${'x'.repeat(50)}`]],
    ] as const) {
      const before0 = await usedMemory();
      await c.call(...add(0));
      const small = num(await c.call('memory', 'usage', key));
      for (let i = 1; i < 300; i++) await c.call(...add(i));
      const big = num(await c.call('memory', 'usage', key));
      assert.ok(big > small + 300 * 50, `${key}: ${small} → ${big}`);
      const grown = await usedMemory();
      assert.ok(grown - before0 >= big - 1000, `${key}: used_memory grew ${grown - before0}, key is ${big}`);
      for (let i = 299; i >= 1; i--) await c.call(...remove(i));
      const shrunk = num(await c.call('memory', 'usage', key));
      assert.ok(shrunk < big / 4, `${key}: ${big} → ${shrunk}`);
      await c.call('del', key);
      assert.equal(await usedMemory(), before0);
    }
  });

  test('DEL, RENAME and RENAMENX move whole collections', async () => {
    await fill();
    assert.equal(await c.text('rename', 'z', 'z2'), '+OK');
    assert.equal(await c.text('zrange', 'z2', '0', '-1', 'withscores'), '["m1", "1", "m2", "2"]');
    assert.equal(await c.text('renamenx', 'h', 'l'), ':0');
    assert.equal(await c.text('rename', 'h', 'l'), '+OK');
    assert.equal(await c.text('type', 'l'), '+hash');
    assert.equal(await c.text('del', 'l', 's', 'si', 'z2', 'nokey'), ':4');
    assert.equal(await c.text('dbsize'), ':1');
  });

  test('COPY is a deep copy for every type, and keeps the TTL', async () => {
    await fill();
    await c.call('expire', 'z', '100');
    for (const k of ['h', 'l', 's', 'si', 'z']) assert.equal(await c.text('copy', k, `${k}-copy`), ':1');
    assert.equal(await c.text('ttl', 'z-copy'), ':100');
    await c.call('hset', 'h-copy', 'f1', 'changed');
    await c.call('rpush', 'l-copy', 'd');
    await c.call('sadd', 's-copy', 'z');
    await c.call('sadd', 'si-copy', 'word');
    await c.call('zincrby', 'z-copy', '10', 'm1');
    assert.equal(await c.text('hget', 'h', 'f1'), '"v1"');
    assert.equal(await c.text('llen', 'l'), ':3');
    assert.equal(await c.text('scard', 's'), ':2');
    assert.equal(await c.text('object', 'encoding', 'si'), '"intset"');
    assert.equal(await c.text('zscore', 'z', 'm1'), '"1"');
    // A large sorted set and hash copy too (table encodings).
    const args = ['zadd', 'bigz'];
    for (let i = 0; i < 500; i++) args.push(String(i), `m${i}`);
    await c.call(...args);
    await c.call('copy', 'bigz', 'bigz-copy');
    await c.call('zrem', 'bigz-copy', 'm0');
    assert.equal(await c.text('zcard', 'bigz'), ':500');
    assert.equal(await c.text('zrank', 'bigz-copy', 'm499'), ':498');
  });

  test('a collection with a TTL expires as a whole', async () => {
    await fill();
    for (const k of ['h', 'l', 's', 'z']) await c.call('pexpire', k, '20');
    const deadline = Date.now() + 5000;
    while ((await c.text('exists', 'h', 'l', 's', 'z')) !== ':0') {
      assert.ok(Date.now() < deadline, 'collections did not expire');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await c.text('hgetall', 'h'), '[]');
    assert.equal(await c.text('lpush', 'l', 'fresh'), ':1');
    assert.equal(await c.text('ttl', 'l'), ':-1');
  });

  test('a collection changed in place keeps its TTL', async () => {
    await c.call('hset', 'h', 'a', '1');
    await c.call('expire', 'h', '100');
    await c.call('hset', 'h', 'b', '2');
    await c.call('zadd', 'z', '1', 'a');
    await c.call('expire', 'z', '100');
    await c.call('zadd', 'z', '2', 'b');
    assert.equal(await c.text('ttl', 'h'), ':100');
    assert.equal(await c.text('ttl', 'z'), ':100');
  });

  test('collections are evicted under maxmemory like any key', async () => {
    await c.call('config', 'set', 'maxmemory-policy', 'allkeys-lru');
    for (let i = 0; i < 200; i++) {
      await c.call('hset', `h${i}`, 'f', 'x'.repeat(200));
      await c.call('rpush', `l${i}`, 'x'.repeat(200));
      await c.call('zadd', `z${i}`, '1', 'x'.repeat(200));
    }
    const used = await usedMemory();
    await c.call('config', 'set', 'maxmemory', String(Math.floor(used / 2)));
    await c.call('set', 'trigger', 'v');
    // A write evicts a bounded number of keys; the cron evicts the rest.
    const deadline = Date.now() + 10_000;
    while ((await usedMemory()) > Math.floor(used / 2)) {
      assert.ok(Date.now() < deadline, 'memory stayed above maxmemory');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(num(await c.call('dbsize')) < 600);
    await c.call('config', 'set', 'maxmemory', '0');
    await c.call('config', 'set', 'maxmemory-policy', 'noeviction');
  });
});
