// Determinism: a seeded random workload (strings, TTLs that expire during the run, hashes,
// lists, sets with SPOP, sorted sets, MULTI blocks, FLUSHALL now and then) through all three
// nodes; then every replica — each applied the same log to its own fresh keyspace, and one
// again from its WAL after a restart — must hold exactly the same keys, types, values and
// absolute expire times. Replay a failure with FLOE_TEST_SEED=<seed>.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { sleep, TestCluster, type TestNode } from './helpers/cluster.ts';

const COMMANDS = 1500;
const PIPELINE = 25; // commands sent together by one client
const KEYS = 12; // per type family, so commands collide often

/** mulberry32: a tiny seeded PRNG, so a failing workload can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workload(seed: number): string[][][] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const k = (family: string) => `{d}${family}${int(KEYS)}`;
  const member = () => `m${int(8)}`;
  const one = (): string[] => {
    const gen: (() => string[])[] = [
      () => ['SET', k('s'), `v${int(1000)}`],
      () => ['SET', k('s'), `t${int(1000)}`, 'PX', String(1 + int(100))],
      () => ['SET', k('s'), `e${int(1000)}`, 'EX', String(100 + int(100))],
      () => ['INCR', k('n')],
      () => ['INCRBY', k('n'), String(int(100) - 50)],
      () => ['INCRBYFLOAT', k('f'), `${int(100)}.${int(100)}`],
      () => ['APPEND', k('s'), `a${int(10)}`],
      () => ['SETRANGE', k('s'), String(int(8)), 'xy'],
      () => ['GETDEL', k('s')],
      () => ['GETEX', k('s'), 'PX', String(1 + int(100))],
      () => ['PEXPIRE', k(pick(['s', 'n', 'h', 'l', 'z'])), String(1 + int(80))],
      () => ['EXPIRE', k(pick(['s', 'n', 'h', 'l', 'z'])), String(100 + int(100))],
      () => ['PERSIST', k(pick(['s', 'n', 'h']))],
      () => ['DEL', k(pick(['s', 'n', 'h', 'l', 'S', 'z']))],
      () => ['RENAME', k('s'), k('s')],
      () => ['COPY', k('h'), k('h'), 'REPLACE'],
      () => ['MSET', k('s'), 'm1', k('n'), String(int(9))],
      () => ['HSET', k('h'), member(), String(int(100))],
      () => ['HINCRBY', k('h'), member(), String(int(10))],
      () => ['HDEL', k('h'), member()],
      () => ['LPUSH', k('l'), member(), member()],
      () => ['RPUSH', k('l'), member()],
      () => ['RPOP', k('l'), String(1 + int(2))],
      () => ['LMOVE', k('l'), k('l'), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])],
      () => ['LTRIM', k('l'), '0', String(int(6))],
      () => ['SADD', k('S'), member(), member(), member()],
      () => ['SPOP', k('S'), String(1 + int(3))],
      () => ['SPOP', k('S')],
      () => ['SMOVE', k('S'), k('S'), member()],
      () => ['SINTERSTORE', k('S'), k('S'), k('S')],
      () => ['SUNIONSTORE', k('S'), k('S'), k('S')],
      () => ['ZADD', k('z'), String(int(100)), member()],
      () => ['ZINCRBY', k('z'), `${int(10)}.5`, member()],
      () => ['ZPOPMIN', k('z')],
      () => ['ZUNIONSTORE', k('z'), '2', k('z'), k('z')],
      // Reads mixed in: random ones must not disturb anything.
      () => ['RANDOMKEY'],
      () => ['SRANDMEMBER', k('S'), '2'],
      () => ['GET', k('s')],
    ];
    return pick(gen)();
  };
  const batches: string[][][] = [];
  let batch: string[][] = [];
  for (let i = 0; i < COMMANDS; i++) {
    const r = rnd();
    if (r < 0.002) batch.push(['FLUSHALL']);
    else if (r < 0.08) {
      batch.push(['MULTI']);
      for (let j = 0, n = 2 + int(3); j < n; j++) batch.push(one());
      batch.push(['EXEC']);
    } else batch.push(one());
    if (batch.length >= PIPELINE) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

type Dump = Record<string, [type: string, expireAtMs: number, value: unknown]>;

async function dump(c: Redis): Promise<Dump> {
  const out: Dump = {};
  for (const key of ((await c.keys('*')) as string[]).sort()) {
    const type = (await c.type(key)) as string;
    const at = Number(await c.call('PEXPIRETIME', key));
    let value: unknown;
    if (type === 'string') value = await c.get(key);
    else if (type === 'hash') value = Object.entries(await c.hgetall(key)).sort();
    else if (type === 'list') value = await c.lrange(key, 0, -1);
    else if (type === 'set') value = (await c.smembers(key)).sort();
    else if (type === 'zset') value = await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
    else value = `(${type})`;
    out[key] = [type, at, value];
  }
  return out;
}

describe('replication: determinism', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3 });
  });
  after(async () => {
    await cluster?.close();
  });

  /** Dumps every replica at one applied index (retried while expire entries still trickle in). */
  async function dumpAll(nodes: TestNode[]): Promise<{ index: number; dumps: Dump[] }> {
    for (let attempt = 0; ; attempt++) {
      const index = await cluster.waitForCatchUp(nodes);
      const dumps: Dump[] = [];
      for (const n of nodes) {
        const c = cluster.client(n.name, { commandTimeoutMs: 30_000 });
        await c.call('READONLY');
        dumps.push(await dump(c));
        c.disconnect();
      }
      const applied = await Promise.all(nodes.map(async (n) => Number((await cluster.raft(n.name)).get('raft_applied_index'))));
      if (applied.every((a) => a === index) || attempt >= 5) return { index, dumps };
      await sleep(300);
    }
  }

  test('every replica applies the same log to the same state', async (t) => {
    const seed = Number(process.env.FLOE_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`seed ${seed} (replay with FLOE_TEST_SEED=${seed})`);
    const batches = workload(seed);
    const clients = cluster.nodes.map((n) => cluster.client(n.name, { commandTimeoutMs: 30_000 }));
    let errors = 0;
    await Promise.all(clients.map(async (c, ci) => {
      for (let b = ci; b < batches.length; b += clients.length) {
        const p = c.pipeline();
        for (const cmd of batches[b] as string[][]) p.call(cmd[0] as string, ...cmd.slice(1));
        const res = await p.exec();
        errors += (res ?? []).filter(([e]) => e !== null).length;
      }
    }));
    t.diagnostic(`${COMMANDS} commands in ${batches.length} pipelines; ${errors} error replies (WRONGTYPE and the like are expected)`);
    await sleep(500); // the short TTLs pass, and the leader's expire cycle proposes their deletes

    const { index, dumps } = await dumpAll(cluster.nodes);
    const keys = Object.keys(dumps[0] as Dump).length;
    t.diagnostic(`compared ${keys} keys on 3 replicas at applied index ${index}`);
    assert.ok(keys > 0, 'the workload left no keys to compare');
    for (let i = 1; i < dumps.length; i++) assert.deepEqual(dumps[i], dumps[0], `replica ${cluster.nodes[i]?.name ?? i} differs from ${cluster.nodes[0]?.name ?? 0} (seed ${seed})`);
    const sizes = await Promise.all(cluster.nodes.map(async (n) => {
      const c = cluster.client(n.name);
      await c.call('READONLY');
      return c.dbsize();
    }));
    assert.ok(sizes.every((s) => s === sizes[0]), `DBSIZE differs: ${sizes.join(' ')}`);

    // A restarted follower rebuilds its keyspace from its WAL (and snapshot): the same again.
    const leader = await cluster.waitForLeader();
    const f = cluster.nodes.find((n) => n !== leader) as TestNode;
    await cluster.restart(f.name);
    const again = await dumpAll(cluster.nodes);
    for (let i = 1; i < again.dumps.length; i++) assert.deepEqual(again.dumps[i], again.dumps[0], `after restarting ${f.name} (seed ${seed})`);
  });
});
