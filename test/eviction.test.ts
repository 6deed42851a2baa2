// Eviction under maxmemory against a real floe process, one policy at a time: fill past a small
// limit and check that the estimate stays within it, evicted_keys counts every eviction,
// noeviction refuses writes with Redis's exact OOM error, volatile-* policies evict only keys
// with a TTL, volatile-ttl prefers the nearest expiry, LRU keeps recently read keys and LFU
// frequently read ones.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { connectClient } from './helpers/clients.ts';

const MAXMEMORY_BYTES = 512 * 1024; // 512 KiB: about two thousand keys
const VALUE = 'v'.repeat(100);
const PIPELINE_COMMANDS = 500;
const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

async function infoField(r: Redis, section: string, field: string): Promise<number> {
  const text = await r.info(section);
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
  assert.ok(m !== null, `INFO ${section} has no ${field}`);
  return Number(m[1]);
}

/** SETs keys `${prefix}0..n-1` in pipelines; returns the replies' errors, if any. */
async function fill(r: Redis, prefix: string, n: number, ttlSeconds = 0, from = 0): Promise<string[]> {
  const errors: string[] = [];
  for (let i = from; i < from + n; i += PIPELINE_COMMANDS) {
    const p = r.pipeline();
    for (let j = i; j < Math.min(from + n, i + PIPELINE_COMMANDS); j++) {
      if (ttlSeconds > 0) p.set(`${prefix}${j}`, VALUE, 'EX', ttlSeconds + j);
      else p.set(`${prefix}${j}`, VALUE);
    }
    const res = await p.exec();
    for (const [e] of res ?? []) if (e !== null) errors.push(e.message);
  }
  return errors;
}

async function existing(r: Redis, keys: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < keys.length; i += PIPELINE_COMMANDS) {
    const part = keys.slice(i, i + PIPELINE_COMMANDS);
    const p = r.pipeline();
    for (const k of part) p.exists(k);
    const res = await p.exec();
    res?.forEach(([, v], j) => {
      if (v === 1) out.add(part[j] as string);
    });
  }
  return out;
}

const range = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

describe('eviction', () => {
  let floe: FloeProcess;
  let r: Redis;
  let perKeyBytes = 0;
  before(async () => {
    floe = await startFloe(['--maxmemory', String(MAXMEMORY_BYTES)]);
    r = new Redis({ port: floe.port, host: '127.0.0.1', protocol: 2, lazyConnect: true, retryStrategy: () => null });
    await r.connect();
    await r.set('probe:0', VALUE);
    perKeyBytes = Number(await r.call('memory', 'usage', 'probe:0'));
    await r.flushall();
  });
  after(async () => {
    r?.disconnect();
    await floe?.stop();
  });

  /** Keys that fit in maxmemory. */
  const capacity = () => Math.floor(MAXMEMORY_BYTES / perKeyBytes);

  async function usePolicy(policy: string): Promise<void> {
    await r.flushall();
    await r.config('SET', 'maxmemory-policy', policy);
    await r.config('RESETSTAT');
  }

  /** After any keyspace command the estimate is within maxmemory (evictions run before it). */
  async function assertWithinLimit(): Promise<void> {
    await r.exists('anything');
    const used = await infoField(r, 'memory', 'used_memory');
    assert.ok(used <= MAXMEMORY_BYTES, `used_memory ${used} > maxmemory ${MAXMEMORY_BYTES}`);
  }

  test('noeviction refuses writes with the exact OOM error, still serves reads and deletes', async () => {
    await usePolicy('noeviction');
    const errors = await fill(r, 'k', capacity() * 2);
    assert.ok(errors.length > 0, 'writes past maxmemory must fail');
    assert.ok(errors.every((e) => e === OOM), errors[0]);
    const used = await infoField(r, 'memory', 'used_memory');
    assert.ok(used <= MAXMEMORY_BYTES + perKeyBytes, `used_memory ${used} overshoots by more than one key`);
    assert.equal(await infoField(r, 'stats', 'evicted_keys'), 0);
    const n = await r.dbsize();
    assert.equal(errors.length, capacity() * 2 - n);
    assert.equal(await r.get('k0'), VALUE); // reads still work
    await assert.rejects(r.set('another', 'x'), (e: Error) => e.message === OOM);
    await assert.rejects(r.append('k0', 'x'), (e: Error) => e.message === OOM);
    // Commands that do not grow memory still run.
    assert.equal(await r.del('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'), 10);
    assert.equal(await r.set('after-delete', 'x'), 'OK');
    // node-redis sees the same error text.
    const nr = await connectClient({ lib: 'node-redis', proto: 3 }, floe.port);
    try {
      await nr.send('set', 'fill', 'x'.repeat(20_000));
      await assert.rejects(nr.send('set', 'more', 'x'), (e: Error) => e.message === OOM);
    } finally {
      await nr.close();
    }
  });

  for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random']) {
    test(`${policy}: the estimate stays within maxmemory and evicted_keys counts`, async () => {
      await usePolicy(policy);
      const written = capacity() * 3;
      for (let round = 0; round < 3; round++) {
        assert.deepEqual(await fill(r, 'k', capacity(), 0, round * capacity()), []);
        await assertWithinLimit();
      }
      const evicted = await infoField(r, 'stats', 'evicted_keys');
      const left = await r.dbsize();
      assert.ok(evicted > 0);
      assert.equal(written - left, evicted, 'every key that is gone was counted as evicted');
      assert.ok(left > capacity() / 2, `only ${left} keys left of a capacity of ${capacity()}`);
    });
  }

  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    test(`${policy}: only keys with a TTL are evicted`, async () => {
      await usePolicy(policy);
      const persistent = Math.floor(capacity() * 0.4);
      assert.deepEqual(await fill(r, 'keep', persistent), []);
      assert.deepEqual(await fill(r, 'vol', capacity() * 2, 10_000), []);
      await assertWithinLimit();
      assert.equal((await existing(r, range('keep', persistent))).size, persistent, 'a key without TTL was evicted');
      const evicted = await infoField(r, 'stats', 'evicted_keys');
      assert.ok(evicted > 0);
      assert.equal(persistent + capacity() * 2 - (await r.dbsize()), evicted);
      // With no volatile key left to evict, writes fail with OOM.
      const errors = await fill(r, 'keep', capacity(), 0, persistent);
      assert.ok(errors.length > 0 && errors.every((e) => e === OOM), `expected OOM once only persistent keys remain: ${errors.length}`);
    });
  }

  test('volatile-ttl evicts the nearest expiry first', async () => {
    await usePolicy('volatile-ttl');
    const n = capacity() * 2;
    // Key i expires in 10,000 + i seconds: low i means near expiry.
    assert.deepEqual(await fill(r, 't', n, 10_000), []);
    const alive = await existing(r, range('t', n));
    const survivorsLow = [...alive].filter((k) => Number(k.slice(1)) < n / 2).length;
    const survivorsHigh = alive.size - survivorsLow;
    assert.ok(survivorsHigh > survivorsLow * 3, `survivors: ${survivorsLow} near expiry vs ${survivorsHigh} far`);
  });

  test('allkeys-lru keeps recently read keys', async () => {
    await usePolicy('allkeys-lru');
    const cold = Math.floor(capacity() * 0.75);
    const hot = Math.floor(capacity() * 0.1);
    assert.deepEqual(await fill(r, 'hot', hot), []);
    assert.deepEqual(await fill(r, 'cold', cold), []);
    // The LRU clock counts seconds (as Redis's does): let it tick once before reading.
    const second = Math.floor(Date.now() / 1000);
    while (Math.floor(Date.now() / 1000) <= second) await sleep(50);
    const p = r.pipeline();
    for (const k of range('hot', hot)) p.get(k);
    await p.exec();
    assert.deepEqual(await fill(r, 'new', Math.floor(capacity() * 0.5)), []);
    await assertWithinLimit();
    assert.ok(await infoField(r, 'stats', 'evicted_keys') > 0);
    const hotLeft = (await existing(r, range('hot', hot))).size;
    const coldLeft = (await existing(r, range('cold', cold))).size;
    // Sampling is approximate (as in Redis): allow a stray loss, not a preference for hot keys.
    assert.ok(hotLeft >= hot * 0.97, `recently read keys were evicted (${hot - hotLeft}) while ${coldLeft} of ${cold} idle ones remain`);
    assert.ok(coldLeft < cold);
  });

  test('allkeys-lfu keeps frequently read keys over one-off keys', async () => {
    await usePolicy('allkeys-lfu');
    const hot = Math.floor(capacity() * 0.1);
    assert.deepEqual(await fill(r, 'hot', hot), []);
    for (let round = 0; round < 30; round++) {
      const p = r.pipeline();
      for (const k of range('hot', hot)) p.get(k);
      await p.exec();
    }
    const freq = Number(await r.call('object', 'freq', 'hot0'));
    assert.ok(freq > 5, `a key read 30 times has LFU counter ${freq}`);
    assert.deepEqual(await fill(r, 'once', capacity() * 2), []);
    await assertWithinLimit();
    const hotLeft = (await existing(r, range('hot', hot))).size;
    assert.ok(hotLeft >= hot * 0.95, `only ${hotLeft} of ${hot} frequently read keys survived`);
    assert.ok(await infoField(r, 'stats', 'evicted_keys') >= capacity());
  });

  test('maxmemory 0 means no limit; after lowering maxmemory, writes go on while eviction catches up', async () => {
    await usePolicy('allkeys-random');
    await r.config('SET', 'maxmemory', '0');
    try {
      assert.deepEqual(await fill(r, 'k', capacity() * 4), []);
      assert.equal(await r.dbsize(), capacity() * 4);
      await r.config('SET', 'maxmemory', String(MAXMEMORY_BYTES));
      // More than one command's worth of evictions: the write is not refused meanwhile.
      assert.equal(await r.set('during', 'x'), 'OK');
      const deadline = Date.now() + 10_000;
      while (await infoField(r, 'memory', 'used_memory') > MAXMEMORY_BYTES) {
        assert.ok(Date.now() < deadline, 'eviction did not catch up with the new maxmemory');
        await sleep(20);
      }
      assert.ok(await r.dbsize() <= capacity());
    } finally {
      await r.config('SET', 'maxmemory', String(MAXMEMORY_BYTES));
    }
  });
});
