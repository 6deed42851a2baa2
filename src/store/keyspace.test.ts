// Unit tests of the keyspace: memory accounting, the SCAN cursor across churn and compaction,
// lazy and active expiry, volatile sampling, and the LFU counter with its decay.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyspace } from './keyspace.ts';
import { Xoshiro128 } from '../util/prng.ts';

const T0 = 1_700_000_000_000; // a fixed "now" in ms
const MINUTE_MS = 60_000;

function ks(seed = 1): Keyspace {
  return new Keyspace(new Xoshiro128(seed));
}

/** Scans to the end, running `between` after every page. */
function scanAll(k: Keyspace, count: number, between: (page: number) => void = () => {}): string[] {
  const out: string[] = [];
  let cursor = 0n;
  let page = 0;
  do {
    const r = k.scan(cursor, count);
    out.push(...r.keys);
    cursor = r.cursor;
    between(page++);
    assert.ok(page < 1_000_000);
  } while (cursor !== 0n);
  return out;
}

test('usedBytes follows every write and returns to 0', () => {
  const k = ks();
  k.set('a', 'x'.repeat(100), T0);
  const one = k.usedBytes;
  assert.ok(one > 100);
  k.set('a', 'x', T0);
  assert.ok(k.usedBytes < one);
  k.set('b', 'y', T0, false, T0 + 1000);
  const e = k.raw('b');
  assert.ok(e !== undefined);
  const withTtl = k.usedBytes;
  k.persist('b', e);
  assert.ok(k.usedBytes < withTtl, 'dropping a TTL lowers the estimate');
  k.delete('a');
  k.delete('b');
  assert.equal(k.usedBytes, 0);
  for (let i = 0; i < 5000; i++) k.set(`k${i}`, 'v', T0);
  k.flush();
  assert.equal(k.usedBytes, 0);
  assert.equal(k.size, 0);
});

test('SCAN on a quiet keyspace returns every key exactly once, for any COUNT', () => {
  const k = ks();
  for (let i = 0; i < 3000; i++) k.set(`k${i}`, 'v', T0);
  for (const count of [1, 7, 100, 5000]) {
    const seen = scanAll(k, count);
    assert.equal(seen.length, 3000);
    assert.equal(new Set(seen).size, 3000);
  }
});

test('a SCAN cursor survives deletions, insertions and compaction', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rnd = new Xoshiro128(seed);
    const k = ks(seed);
    const stable = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      k.set(`churn${i}`, 'v', T0);
      if (i % 3 === 0) {
        k.set(`stable${i}`, 'v', T0);
        stable.add(`stable${i}`);
      }
    }
    let next = 0;
    const seen = scanAll(k, 1 + rnd.int(50), () => {
      // Delete many churn keys (forcing compactions) and add new ones after every page.
      for (let j = 0; j < 60; j++) k.delete(`churn${rnd.int(4000)}`);
      for (let j = 0; j < 20; j++) k.set(`new${next++}`, 'v', T0);
    });
    const seenSet = new Set(seen);
    for (const s of stable) assert.ok(seenSet.has(s), `seed ${seed}: ${s} was never returned`);
    assert.equal(seen.length, seenSet.size, `seed ${seed}: a key came back twice`);
  }
});

test('a scan ends even while keys are created faster than it reads', () => {
  const k = ks();
  for (let i = 0; i < 1000; i++) k.set(`k${i}`, 'v', T0);
  let created = 0;
  let deleted = 0;
  const seen = scanAll(k, 1, () => {
    // 20 new keys and 20 deletions per page of one key: the keyspace stays the same size.
    for (let j = 0; j < 20; j++) k.set(`n${created++}`, 'v', T0);
    for (let j = 0; j < 20; j++) k.delete(`n${deleted++}`);
  });
  assert.ok(seen.filter((key) => key.startsWith('k')).length === 1000);
  assert.ok(seen.length < 2000, `the scan chased new keys: ${seen.length} returned`);
});

test('cursors stay exact across the 2^32 wrap of sequence numbers', () => {
  const k = ks();
  (k as unknown as { nextSeq: number }).nextSeq = 2 ** 32 - 300;
  for (let i = 0; i < 600; i++) k.set(`k${i}`, 'v', T0);
  const pages: bigint[] = [];
  const seen = scanAll(k, 7, () => {
    for (let j = 0; j < 3; j++) k.set(`late${pages.length}-${j}`, 'v', T0);
    pages.push(0n);
  });
  const first = seen.filter((key) => key.startsWith('k'));
  assert.equal(first.length, 600);
  assert.equal(new Set(first).size, 600);
  const r = k.scan(0n, 10);
  assert.ok(r.cursor > 0n && r.cursor < 2n ** 64n);
});

test('compaction keeps positions consistent (delete after compaction finds the key)', () => {
  const k = ks();
  for (let i = 0; i < 5000; i++) k.set(`k${i}`, 'v', T0);
  for (let i = 0; i < 4000; i++) k.delete(`k${i}`); // well past the compaction threshold
  for (let i = 4000; i < 5000; i++) assert.ok(k.delete(`k${i}`));
  assert.equal(k.size, 0);
  assert.equal(k.randomKeyRaw(), undefined);
});

test('lazy expiry deletes and counts on the leader; a replica only hides the key', () => {
  const k = ks();
  k.set('t', 'v', T0, false, T0 + 100);
  assert.equal(k.get('t', T0 + 99)?.v, 'v');
  assert.equal(k.get('t', T0 + 100), undefined);
  assert.equal(k.size, 0);
  assert.equal(k.stats.expiredKeys, 1);
  const r = ks();
  r.expireOnAccess = false;
  r.set('t', 'v', T0, false, T0 + 100);
  assert.equal(r.get('t', T0 + 200), undefined);
  assert.equal(r.size, 1, 'the replica keeps the key until the leader deletes it');
  assert.equal(r.stats.expiredKeys, 0);
});

test('collectExpired checks a bounded number of keys per call and resumes', () => {
  const k = ks();
  for (let i = 0; i < 100; i++) k.set(`t${i}`, 'v', T0, false, T0 + (i < 50 ? 10 : 1_000_000));
  const found = new Set<string>();
  for (let call = 0; call < 10; call++) {
    const batch = k.collectExpired(T0 + 100, 20);
    assert.ok(batch.length <= 20);
    for (const key of batch) found.add(key);
  }
  assert.equal(found.size, 50);
  for (const key of found) k.deleteExpired(key);
  assert.equal(k.stats.expiredKeys, 50);
  assert.equal(k.size, 50);
});

test('sampleVolatile returns only keys with a TTL, and finds even a lone one', () => {
  const k = ks();
  assert.deepEqual(k.sampleVolatile(5), []);
  for (let i = 0; i < 10_000; i++) k.set(`p${i}`, 'v', T0);
  k.set('lonely', 'v', T0, false, T0 + 1000);
  for (let i = 0; i < 20; i++) assert.deepEqual([...new Set(k.sampleVolatile(5))], ['lonely']);
  for (let i = 0; i < 10_000; i++) k.set(`t${i}`, 'v', T0, false, T0 + 1000);
  const sample = k.sampleVolatile(5);
  assert.equal(sample.length, 5);
  for (const key of sample) assert.ok(k.getExpire(key) !== undefined, key);
});

test('randomKey never returns an expired key', () => {
  const k = ks();
  for (let i = 0; i < 100; i++) k.set(`gone${i}`, 'v', T0, false, T0 + 1);
  k.set('alive', 'v', T0);
  const r = new Xoshiro128(9);
  for (let i = 0; i < 50; i++) {
    const key = k.randomKey(r, T0 + 10, 1000);
    assert.equal(key, 'alive');
  }
});

test('LFU: new keys start at 5, reads raise the counter logarithmically, idle minutes decay it', () => {
  const k = ks();
  k.lfu = true;
  k.set('hot', 'v', T0);
  k.set('cold', 'v', T0);
  const coldMeta = (k.raw('cold') as { meta: number }).meta;
  assert.equal(k.lfuDecayed(coldMeta, T0), 5);
  for (let i = 0; i < 1000; i++) k.get('hot', T0);
  const hot = k.lfuDecayed((k.raw('hot') as { meta: number }).meta, T0);
  assert.ok(hot > 8 && hot < 40, `1000 reads give a counter of ${hot}`);
  const meta = (k.raw('hot') as { meta: number }).meta;
  assert.equal(k.lfuDecayed(meta, T0 + 3 * MINUTE_MS), hot - 3);
  assert.equal(k.lfuDecayed(meta, T0 + 1000 * MINUTE_MS), 0);
  k.lfuDecayTimeMinutes = 0; // no decay
  assert.equal(k.lfuDecayed(meta, T0 + 1000 * MINUTE_MS), hot);
});

test('LRU: idle seconds since the last read', () => {
  const k = ks();
  k.set('a', 'v', T0);
  const e = k.raw('a');
  assert.ok(e !== undefined);
  assert.equal(k.idleSeconds(e, T0 + 10_500), 10);
  k.get('a', T0 + 10_500);
  assert.equal(k.idleSeconds(e, T0 + 10_500), 0);
  k.peek('a', T0 + 20_000); // a peek does not count as an access
  assert.equal(k.idleSeconds(e, T0 + 20_000), 10);
});
