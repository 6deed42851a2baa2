// Unit tests of eviction: every policy brings the estimate under the limit, volatile policies
// touch only keys with a TTL, and the scores pick what each policy says it picks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Evictor, performEvictions, EVICTION_POLICIES, type EvictionPolicy } from './evict.ts';
import { Keyspace } from './keyspace.ts';
import { Xoshiro128 } from '../util/prng.ts';

const T0 = 1_700_000_000_000;

function filled(policy: EvictionPolicy, n: number, ttlEvery = 2): Keyspace {
  const k = new Keyspace(new Xoshiro128(3));
  k.lfu = policy.endsWith('-lfu');
  for (let i = 0; i < n; i++) {
    if (i % ttlEvery === 0) k.set(`t${i}`, 'v'.repeat(50), T0, false, T0 + 1_000_000 + i * 1000);
    else k.set(`p${i}`, 'v'.repeat(50), T0);
  }
  return k;
}

function run(k: Keyspace, policy: EvictionPolicy, max: number) {
  const evicted: string[] = [];
  const out = performEvictions(k, new Evictor(new Xoshiro128(5)), policy, max, T0, 5, (key) => {
    evicted.push(key);
    k.delete(key);
  });
  return { ...out, evicted };
}

test('every policy but noeviction brings usedBytes under maxmemory', () => {
  for (const policy of EVICTION_POLICIES) {
    const k = filled(policy, 2000);
    const max = Math.floor(k.usedBytes * 0.7);
    const r = run(k, policy, max);
    if (policy === 'noeviction') {
      assert.equal(r.ok, false);
      assert.deepEqual(r.evicted, []);
      continue;
    }
    assert.ok(k.usedBytes <= max, `${policy}: ${k.usedBytes} > ${max}`);
    assert.equal(r.ok, true);
    assert.deepEqual(r.victims, r.evicted);
    if (policy.startsWith('volatile-')) {
      for (const key of r.evicted) assert.ok(key.startsWith('t'), `${policy} evicted ${key}, which has no TTL`);
    }
  }
});

test('volatile policies give up (ok=false) when no key has a TTL left', () => {
  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const) {
    const k = filled(policy, 200, 1_000_000); // only t0 has a TTL
    const r = run(k, policy, 100);
    assert.deepEqual(r.evicted, ['t0'], policy);
    assert.equal(r.ok, false, `${policy}: still over the limit with nothing left to evict`);
    const again = run(k, policy, 100);
    assert.deepEqual(again.evicted, [], policy);
    assert.equal(again.ok, false, policy);
  }
});

test('maxmemory 0 evicts nothing', () => {
  const k = filled('allkeys-lru', 100);
  assert.deepEqual(run(k, 'allkeys-lru', 0).evicted, []);
});

test('volatile-ttl evicts the nearest expiry first', () => {
  const k = filled('volatile-ttl', 4000, 1);
  const max = Math.floor(k.usedBytes / 2);
  const r = run(k, 'volatile-ttl', max);
  const order = r.evicted.map((key) => Number(key.slice(1)));
  const meanEvicted = order.reduce((a, b) => a + b, 0) / order.length;
  assert.ok(meanEvicted < 4000 * 0.4, `evicted keys should be the early-expiring ones (mean index ${meanEvicted})`);
});

test('allkeys-lru evicts idle keys before recently read ones', () => {
  const k = new Keyspace(new Xoshiro128(4));
  for (let i = 0; i < 2000; i++) k.set(`idle${i}`, 'v', T0);
  for (let i = 0; i < 200; i++) k.set(`fresh${i}`, 'v', T0 + 60_000);
  const max = Math.floor(k.usedBytes * 0.5);
  const evicted: string[] = [];
  performEvictions(k, new Evictor(new Xoshiro128(6)), 'allkeys-lru', max, T0 + 60_000, 5, (key) => {
    evicted.push(key);
    k.delete(key);
  });
  assert.ok(evicted.every((key) => key.startsWith('idle')));
});

test('allkeys-lfu evicts rarely read keys before often read ones', () => {
  const k = new Keyspace(new Xoshiro128(4));
  k.lfu = true;
  for (let i = 0; i < 2000; i++) k.set(`once${i}`, 'v', T0);
  for (let i = 0; i < 100; i++) {
    k.set(`often${i}`, 'v', T0);
    for (let j = 0; j < 100; j++) k.get(`often${i}`, T0);
  }
  const max = Math.floor(k.usedBytes * 0.5);
  const evicted: string[] = [];
  performEvictions(k, new Evictor(new Xoshiro128(6)), 'allkeys-lfu', max, T0, 5, (key) => {
    evicted.push(key);
    k.delete(key);
  });
  assert.ok(evicted.every((key) => key.startsWith('once')));
});

test('pickVictim skips pooled keys that are gone', () => {
  const k = filled('allkeys-lru', 100);
  const ev = new Evictor(new Xoshiro128(1));
  const first = ev.pickVictim(k, 'allkeys-lru', T0, 5);
  assert.ok(first !== undefined);
  k.flush();
  assert.equal(ev.pickVictim(k, 'allkeys-lru', T0, 5), undefined);
});
