// Expiry against a real floe process: lazy expiry on access, the active cycle that reclaims keys
// nobody touches (DBSIZE drops, expired_keys counts), and TTL bookkeeping around it. Waits poll
// with generous deadlines; nothing asserts how fast a key goes, only that it does.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { connectClient } from './helpers/clients.ts';

const DEADLINE_MS = 15_000; // generous: the machine may be busy
const POLL_MS = 25;

async function infoField(r: Redis, section: string, field: string): Promise<string> {
  const m = new RegExp(`^${field}:(.*)\r?$`, 'm').exec(await r.info(section));
  return m === null ? '' : (m[1] as string).trim();
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

describe('expiry', () => {
  let floe: FloeProcess;
  let r: Redis;
  before(async () => {
    floe = await startFloe();
    r = new Redis({ port: floe.port, host: '127.0.0.1', protocol: 3, lazyConnect: true, retryStrategy: () => null });
    await r.connect();
  });
  after(async () => {
    r?.disconnect();
    await floe?.stop();
  });

  test('active expiry reclaims keys nobody touches: DBSIZE drops and expired_keys counts', async () => {
    await r.flushall();
    await r.config('RESETSTAT');
    const n = 5000;
    const p = r.pipeline();
    for (let i = 0; i < n; i++) p.set(`short:${i}`, 'v', 'PX', 100 + (i % 200));
    for (let i = 0; i < 100; i++) p.set(`long:${i}`, 'v', 'EX', 1000);
    for (let i = 0; i < 100; i++) p.set(`none:${i}`, 'v');
    await p.exec();
    // On a slow machine some keys may already be gone; every key is either here or counted.
    const expiredSoFar = Number(await infoField(r, 'stats', 'expired_keys'));
    assert.equal(await r.dbsize() + expiredSoFar, n + 200);
    // No command reads the short keys: only the active cycle can remove them.
    await waitFor('the active expire cycle to remove every expired key', async () => (await r.dbsize()) === 200);
    assert.equal(await infoField(r, 'stats', 'expired_keys'), String(n));
    assert.match(await infoField(r, 'keyspace', 'db0'), /^keys=200,expires=100,/);
    assert.equal(await r.exists('long:0', 'none:0'), 2);
  });

  test('lazy expiry: an expired key reads as absent everywhere and is counted once', async () => {
    await r.flushall();
    await r.config('SET', 'hz', '1'); // slow the active cycle so the reads get there first
    try {
      await r.config('RESETSTAT');
      await r.set('lazy', 'v', 'PX', 50);
      await r.set('lazy2', 'v', 'PX', 50);
      await sleep(120);
      assert.equal(await r.get('lazy'), null);
      assert.equal(await r.ttl('lazy'), -2);
      assert.equal(await r.pttl('lazy2'), -2);
      assert.equal(await r.exists('lazy', 'lazy2'), 0);
      assert.equal(await r.type('lazy'), 'none');
      assert.deepEqual(await r.keys('*'), []);
      assert.equal(await r.randomkey(), null);
      assert.equal(await r.expire('lazy', 100), 0);
      assert.equal(await r.persist('lazy'), 0);
      assert.equal(await r.dbsize(), 0);
      assert.equal(await infoField(r, 'stats', 'expired_keys'), '2');
    } finally {
      await r.config('SET', 'hz', '10');
    }
  });

  test('PERSIST, SET and GETEX PERSIST cancel an expiry; SET KEEPTTL and APPEND keep it', async () => {
    await r.flushall();
    // One MULTI: every command runs at the same instant, so the short TTLs cannot run out
    // between setting and changing them, however slow the machine.
    const res = await r.multi()
      .set('p1', 'v', 'PX', 150).set('p2', 'v', 'PX', 150).set('p3', 'v', 'PX', 150)
      .set('k1', 'v', 'PX', 150).set('k2', 'v', 'PX', 150)
      .persist('p1').set('p2', 'w').getex('p3', 'PERSIST').set('k1', 'w', 'KEEPTTL').append('k2', 'w')
      .exec();
    assert.deepEqual(res?.slice(5), [[null, 1], [null, 'OK'], [null, 'v'], [null, 'OK'], [null, 2]]);
    await waitFor('the kept expiries to fire', async () => (await r.exists('k1', 'k2')) === 0);
    assert.equal(await r.exists('p1', 'p2', 'p3'), 3);
    assert.equal(await r.ttl('p1'), -1);
  });

  test('an expiry set through node-redis (RESP2 and RESP3) fires; RENAME and COPY carry it', async () => {
    await r.flushall();
    for (const proto of [2, 3] as const) {
      const c = await connectClient({ lib: 'node-redis', proto }, floe.port);
      try {
        const n = c.nodeRedis;
        assert.ok(n !== null);
        await n.set(`nr${proto}`, 'v', { expiration: { type: 'PX', value: 100 } });
        // Atomically, so the 200 ms cannot run out half-way on a slow machine.
        const res = await n.multi()
          .set(`src${proto}`, 'v').pExpire(`src${proto}`, 200).rename(`src${proto}`, `dst${proto}`)
          .copy(`dst${proto}`, `copy${proto}`).pTTL(`copy${proto}`).pTTL(`dst${proto}`)
          .exec();
        assert.deepEqual(res.slice(0, 3), ['OK', 1, 'OK']);
        assert.equal(Number(res[3]), 1);
        assert.equal(res[4], 200, 'COPY keeps the TTL');
        assert.equal(res[5], 200, 'RENAME keeps the TTL');
      } finally {
        await c.close();
      }
    }
    await waitFor('every key to expire', async () => (await r.dbsize()) === 0);
  });

  test('a mass expiry of 20,000 keys is reclaimed while the server keeps answering', async () => {
    await r.flushall();
    const n = 20_000;
    for (let i = 0; i < n; i += 1000) {
      const p = r.pipeline();
      for (let j = i; j < i + 1000; j++) p.set(`mass:${j}`, 'v', 'PX', 50);
      await p.exec();
    }
    let pings = 0;
    await waitFor('all 20,000 keys to go', async () => {
      assert.equal(await r.ping(), 'PONG');
      pings++;
      return (await r.dbsize()) === 0;
    });
    assert.ok(pings > 0);
  });
});
