// Generic key commands through ioredis and node-redis, RESP2 and RESP3, against a real floe
// process: existence, type, rename, copy, KEYS, SCAN (options, and a cursor that stays valid
// while the keyspace changes), RANDOMKEY, TOUCH and the whole TTL family.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { CLIENT_KINDS, connectClient, expectReply, label, normalize, ttlAbout, type Expected } from './helpers/clients.ts';
import { Xoshiro128 } from '../src/util/prng.ts';

const ARITY = (name: string) => ({ error: new RegExp(`^ERR wrong number of arguments for '${name}' command$`) });
const FAR_S = 4102444800; // 2100-01-01, in seconds

type Step = [args: (string | number)[], expected: Expected];

const STEPS: Step[] = [
  [['mset', 'a', '1', 'b', '2', 'c', '3'], 'OK'],
  [['exists', 'a', 'b', 'nokey', 'a'], 3], [['del', 'a', 'nokey'], 1], [['unlink', 'b', 'c', 'nokey'], 2], [['dbsize'], 0],
  [['set', 's', 'v'], 'OK'], [['type', 's'], 'string'], [['type', 'nokey'], 'none'],
  [['rename', 's', 't'], 'OK'], [['exists', 's'], 0], [['get', 't'], 'v'], [['rename', 'nokey', 'x'], { error: /^ERR no such key$/ }],
  [['set', 'u', 'x'], 'OK'], [['renamenx', 't', 'u'], 0], [['renamenx', 't', 'w'], 1], [['get', 'w'], 'v'],
  [['setex', 'tt', 100, 'v'], 'OK'], [['rename', 'tt', 'tt2'], 'OK'], [['ttl', 'tt2'], ttlAbout(100)],
  [['copy', 'w', 'w2'], 1], [['copy', 'w', 'w2'], 0], [['copy', 'u', 'w2', 'REPLACE'], 1], [['get', 'w2'], 'x'],
  [['copy', 'tt2', 'tt3'], 1], [['ttl', 'tt3'], ttlAbout(100)], [['copy', 'w', 'w', 'REPLACE'], { error: /^ERR source and destination objects are the same$/ }],
  [['copy', 'nokey', 'x'], 0],
  [['touch', 'w', 'u', 'nokey'], 2],
  // TTL -1 (no expiry) and -2 (no key), and every EXPIRE variant and option.
  [['ttl', 'w'], -1], [['pttl', 'w'], -1], [['ttl', 'nokey'], -2], [['pttl', 'nokey'], -2],
  [['expiretime', 'w'], -1], [['pexpiretime', 'nokey'], -2],
  [['expire', 'w', 100], 1], [['ttl', 'w'], ttlAbout(100)], [['expire', 'w', 200, 'NX'], 0], [['expire', 'w', 200, 'XX'], 1], [['ttl', 'w'], ttlAbout(200)],
  [['expire', 'w', 100, 'GT'], 0], [['expire', 'w', 300, 'GT'], 1], [['expire', 'w', 400, 'LT'], 0], [['expire', 'w', 150, 'LT'], 1], [['ttl', 'w'], ttlAbout(150)],
  [['persist', 'w'], 1], [['persist', 'w'], 0], [['persist', 'nokey'], 0], [['expire', 'w', 10, 'XX'], 0], [['expire', 'w', 10, 'GT'], 0],
  [['expire', 'w', 10, 'LT'], 1], [['ttl', 'w'], ttlAbout(10)],
  [['pexpire', 'w', 50000], 1], [['ttl', 'w'], ttlAbout(50)], [['expireat', 'w', FAR_S], 1], [['expiretime', 'w'], FAR_S],
  [['pexpireat', 'w', FAR_S * 1000 + 7], 1], [['pexpiretime', 'w'], FAR_S * 1000 + 7], [['expiretime', 'w'], FAR_S],
  [['expire', 'w', 10, 'NX', 'XX'], { error: /^ERR NX and XX, GT or LT options at the same time are not compatible$/ }],
  [['expire', 'w', 10, 'GT', 'LT'], { error: /^ERR GT and LT options at the same time are not compatible$/ }],
  [['expire', 'w', 10, 'bogus'], { error: /^ERR Unsupported option bogus$/ }],
  [['expire', 'w', 'x'], { error: /^ERR value is not an integer or out of range$/ }],
  [['expire', 'w', '9223372036854775807'], { error: /^ERR invalid expire time in 'expire' command$/ }],
  [['expire', 'nokey', 10], 0],
  [['expire', 'w', 0], 1], [['exists', 'w'], 0], [['set', 'w', 'v'], 'OK'], [['pexpire', 'w', -5], 1], [['exists', 'w'], 0],
  [['set', 'w', 'v'], 'OK'], [['expireat', 'w', 1], 1], [['get', 'w'], null],
  // RANDOMKEY, KEYS.
  [['flushall'], 'OK'], [['randomkey'], null], [['set', 'only', '1'], 'OK'], [['randomkey'], 'only'],
  [['mset', 'user:1', 'a', 'user:2', 'b', 'item:1', 'c'], 'OK'],
  [['keys', 'nomatch*'], []], [['keys', 'item:*'], ['item:1']], [['keys', 'o?ly'], ['only']],
  // Arity.
  [['del'], ARITY('del')], [['exists'], ARITY('exists')], [['type'], ARITY('type')], [['rename', 'a'], ARITY('rename')],
  [['expire', 'a'], ARITY('expire')], [['ttl'], ARITY('ttl')], [['persist'], ARITY('persist')], [['keys'], ARITY('keys')],
  [['scan'], ARITY('scan')], [['copy', 'a'], ARITY('copy')], [['randomkey', 'x'], ARITY('randomkey')],
];

/** Runs a full SCAN with a client's generic command, returning every key seen. */
async function scanAll(send: (...a: (string | number)[]) => Promise<unknown>, extra: (string | number)[] = []): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  let rounds = 0;
  do {
    const reply = normalize(await send('scan', cursor, ...extra)) as [string, string[]];
    cursor = reply[0];
    seen.push(...reply[1]);
    assert.ok(++rounds < 100_000, 'SCAN did not terminate');
  } while (cursor !== '0');
  return seen;
}

describe('keys through real clients', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe();
  });
  after(async () => {
    await floe?.stop();
  });

  for (const kind of CLIENT_KINDS) {
    test(`every key command, ${label(kind)}`, async () => {
      const c = await connectClient(kind, floe.port);
      try {
        await c.send('flushall');
        for (const [args, expected] of STEPS) await expectReply(c, args, expected);
        const keys = normalize(await c.send('keys', '*')) as string[];
        assert.deepEqual(keys.sort(), ['item:1', 'only', 'user:1', 'user:2']);
        assert.deepEqual((normalize(await c.send('keys', 'user:*')) as string[]).sort(), ['user:1', 'user:2']);
        assert.deepEqual((await scanAll(c.send, ['MATCH', 'user:*', 'COUNT', 1])).sort(), ['user:1', 'user:2']);
        assert.deepEqual((await scanAll(c.send, ['TYPE', 'string'])).sort(), ['item:1', 'only', 'user:1', 'user:2']);
        assert.deepEqual(await scanAll(c.send, ['TYPE', 'hash']), []);
        await expectReply(c, ['scan', 'x'], { error: /^ERR invalid cursor$/ });
        await expectReply(c, ['scan', 0, 'COUNT', 0], { error: /^ERR syntax error$/ });
      } finally {
        await c.close();
      }
    });
  }

  test('typed SCAN iterators of both libraries see every key exactly once on a quiet keyspace', async () => {
    const io = await connectClient({ lib: 'ioredis', proto: 3 }, floe.port);
    const nr = await connectClient({ lib: 'node-redis', proto: 3 }, floe.port);
    try {
      await io.send('flushall');
      const args: string[] = [];
      for (let i = 0; i < 2500; i++) args.push(`k${i}`, String(i));
      await io.send('mset', ...args);
      const fromIo: string[] = [];
      const r = io.ioredis;
      assert.ok(r !== null);
      await new Promise<void>((resolve, reject) => {
        const stream = r.scanStream({ count: 100 });
        stream.on('data', (ks: string[]) => fromIo.push(...ks));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      assert.equal(fromIo.length, 2500);
      assert.equal(new Set(fromIo).size, 2500);
      const n = nr.nodeRedis;
      assert.ok(n !== null);
      const fromNr: string[] = [];
      for await (const batch of n.scanIterator({ COUNT: 77 })) fromNr.push(...batch);
      assert.equal(new Set(fromNr).size, 2500);
      assert.equal(fromNr.length, 2500);
    } finally {
      await io.close();
      await nr.close();
    }
  });

  test('SCAN returns every key present throughout while other keys come and go', async () => {
    const c = await connectClient({ lib: 'ioredis', proto: 2 }, floe.port);
    const writer = await connectClient({ lib: 'node-redis', proto: 3 }, floe.port);
    try {
      await c.send('flushall');
      const seed = 7;
      const rnd = new Xoshiro128(seed);
      const stable = new Set<string>();
      const mset: string[] = [];
      for (let i = 0; i < 3000; i++) {
        const k = `stable:${i}`;
        stable.add(k);
        mset.push(k, 'v');
        // Interleave keys that will be deleted, so deletions leave holes everywhere.
        mset.push(`gone:${i}`, 'v');
      }
      await c.send('mset', ...mset);
      const seen = new Set<string>();
      let cursor = '0';
      let step = 0;
      let created = 0;
      do {
        const [next, keys] = normalize(await c.send('scan', cursor, 'COUNT', 1 + rnd.int(60))) as [string, string[]];
        for (const k of keys) seen.add(k);
        cursor = next;
        // Between pages: delete a batch of the churn keys and add new ones, enough to trigger
        // the order array's compaction more than once over the whole scan.
        const dels: string[] = [];
        for (let i = 0; i < 40; i++) dels.push(`gone:${(step * 40 + i) % 3000}`);
        // The keys added two pages ago go too, so holes keep growing after the churn keys are gone.
        for (let i = 0; i < 30 && step >= 2; i++) dels.push(`new:${(step - 2) * 30 + i}`);
        await writer.send('del', ...dels);
        const adds: string[] = [];
        for (let i = 0; i < 30; i++) adds.push(`new:${created++}`, 'v');
        await writer.send('mset', ...adds);
        step++;
      } while (cursor !== '0');
      const missing = [...stable].filter((k) => !seen.has(k));
      assert.deepEqual(missing.slice(0, 10), [], `seed ${seed}: ${missing.length} stable keys never returned`);
      assert.ok(step > 50, 'the scan should take many pages');
    } finally {
      await c.close();
      await writer.close();
    }
  });
});
