// A healthy 3-node replicated cluster through ioredis: writes and reads on every node
// (followers forward to the leader), MULTI/EXEC and WATCH through a follower, WAIT, READONLY
// local reads, -MOVED in redirect mode, INFO replication, CLUSTER SHARDS/SLOTS with ioredis's
// Cluster client, and `floe cluster status`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Cluster, type Redis } from 'ioredis';
import { eventually, info, MAIN, TestCluster, type TestNode } from './helpers/cluster.ts';

describe('replication: a healthy 3-node cluster', () => {
  let cluster: TestCluster;
  let leader: TestNode;
  let followers: TestNode[];

  before(async () => {
    cluster = await TestCluster.start({ nodes: 3 });
    leader = await cluster.waitForLeader();
    followers = cluster.nodes.filter((n) => n !== leader);
  });
  after(async () => {
    await cluster?.close();
  });

  test('writes on every node, reads the same everywhere', async () => {
    const clients = cluster.nodes.map((n) => cluster.client(n.name));
    for (const [i, c] of clients.entries()) {
      assert.equal(await c.set(`basic:k${i}`, `v${i}`), 'OK');
      assert.equal(await c.incr('basic:counter'), i + 1);
      assert.equal(await c.set(`basic:ttl${i}`, 'x', 'EX', 100), 'OK');
    }
    for (const c of clients) {
      for (let i = 0; i < clients.length; i++) assert.equal(await c.get(`basic:k${i}`), `v${i}`);
      assert.equal(await c.get('basic:counter'), '3');
      const ttl = await c.ttl('basic:ttl0');
      assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    }
  });

  test('concurrent writes from many connections share log entries, each with its own reply', async () => {
    const clients = Array.from({ length: 24 }, () => cluster.client(leader.name));
    await Promise.all(clients.map((c) => c.ping()));
    await cluster.client(leader.name).set('batch:text', 'not a number');
    const before = Number((await info(leader.port, 'raft')).get('wal_records_appended'));
    const rounds = 20;
    for (let round = 0; round < rounds; round++) {
      // Sent together: they arrive in the same turns of the leader's event loop.
      const replies = await Promise.all(clients.map((c, i) =>
        i === 0 ? c.incr('batch:text').then(() => 'no error', (e: Error) => e.message) : c.incr(`batch:n${i}`)));
      assert.match(String(replies[0]), /not an integer/, 'the failing command keeps its error to itself');
      for (let i = 1; i < clients.length; i++) assert.equal(replies[i], round + 1, `client ${i} round ${round}`);
    }
    const records = Number((await info(leader.port, 'raft')).get('wal_records_appended')) - before;
    const commands = rounds * clients.length;
    assert.ok(records < commands, `${commands} commands took ${records} WAL records: they were not batched`);
    // Every replica applied the batched entries identically.
    for (const n of cluster.nodes) {
      const c = cluster.client(n.name);
      await c.readonly();
      await eventually(`${n.name} has every counter`, 5000, async () => {
        const values = await c.mget(...clients.slice(1).map((_, j) => `batch:n${j + 1}`));
        return values.every((v) => v === String(rounds)) ? true : undefined;
      });
      assert.equal(await c.get('batch:text'), 'not a number');
    }
  });

  test('MULTI/EXEC through a follower is one atomic entry', async () => {
    const c = cluster.client((followers[0] as TestNode).name);
    const r = await c.multi().set('basic:m1', 'a').incr('basic:m2').get('basic:m1').exec();
    assert.deepEqual(r, [[null, 'OK'], [null, 1], [null, 'a']]);
    assert.equal(await cluster.client(leader.name).get('basic:m1'), 'a');
  });

  test('WATCH through a follower aborts when another node wrote the key', async () => {
    const f = cluster.client((followers[0] as TestNode).name);
    const other = cluster.client((followers[1] as TestNode).name);
    await f.set('basic:w', '1');
    assert.equal(await f.watch('basic:w'), 'OK');
    await other.set('basic:w', '2');
    const aborted = await f.multi().set('basic:w', 'mine').exec();
    assert.equal(aborted, null);
    assert.equal(await f.get('basic:w'), '2');
    // Unchanged since WATCH: EXEC runs.
    await f.watch('basic:w');
    const ran = await f.multi().set('basic:w', 'mine').exec();
    assert.deepEqual(ran, [[null, 'OK']]);
    assert.equal(await other.get('basic:w'), 'mine');
  });

  test('WAIT counts replicas holding the connection\'s last write', async () => {
    for (const n of [leader, followers[0] as TestNode]) {
      const c = cluster.client(n.name);
      await c.set(`basic:wait:${n.name}`, '1');
      const acked = Number(await c.call('WAIT', '2', '5000'));
      assert.ok(acked >= 2, `WAIT 2 on ${n.name} answered ${acked}`);
    }
  });

  test('READONLY on a follower reads its own replica; READWRITE goes back to the leader', async () => {
    const f = followers[0] as TestNode;
    const c = cluster.client(f.name);
    await c.set('basic:ro', 'x');
    await cluster.waitForCatchUp();
    assert.equal(await c.call('READONLY'), 'OK');
    assert.equal(await c.get('basic:ro'), 'x');
    // A write on a READONLY connection is still forwarded to the leader.
    assert.equal(await c.set('basic:ro', 'y'), 'OK');
    assert.equal(await c.call('READWRITE'), 'OK');
    assert.equal(await c.get('basic:ro'), 'y');
  });

  test('INFO replication: one master, followers name it', async () => {
    const lead = await info(leader.port, 'replication');
    assert.equal(lead.get('role'), 'master');
    assert.equal(lead.get('connected_slaves'), '2');
    for (const f of followers) {
      const r = await info(f.port, 'replication');
      assert.equal(r.get('role'), 'slave');
      assert.equal(r.get('master_host'), '127.0.0.1');
      assert.equal(r.get('master_port'), String(leader.port));
      assert.equal(r.get('master_link_status'), 'up');
    }
  });

  test('CLUSTER SLOTS/SHARDS: the leader masters every slot; ioredis Cluster works', async () => {
    const slots = (await cluster.client(followers[0]?.name ?? '').call('CLUSTER', 'SLOTS')) as unknown[][];
    assert.equal(slots.length, 1);
    const [start, end, master, ...replicas] = slots[0] as [number, number, unknown[], ...unknown[][]];
    assert.equal(start, 0);
    assert.equal(end, 16383);
    assert.equal(master[1], leader.port);
    assert.equal(replicas.length, 2);
    const shards = (await cluster.client(leader.name).call('CLUSTER', 'SHARDS')) as unknown[];
    assert.equal(shards.length, 1);
    const lines = String(await cluster.client(leader.name).call('CLUSTER', 'NODES')).trim().split('\n');
    for (const n of cluster.nodes) {
      const line = lines.find((l) => l.startsWith(`${n.name} `)) ?? '';
      assert.ok(line.includes(` 127.0.0.1:${n.port}@${n.busPort} `), line);
      assert.ok(line.includes(n === leader ? 'master' : 'slave'), line);
    }
    const rc = new Cluster([{ host: '127.0.0.1', port: (followers[1] as TestNode).port }], { enableReadyCheck: true });
    try {
      await rc.set('basic:cluster', 'c');
      assert.equal(await rc.get('basic:cluster'), 'c');
      assert.equal(await rc.incr('basic:{t}a'), 1);
    } finally {
      rc.disconnect();
    }
  });

  test('keys expire on every replica (the leader deletes them through the log)', async () => {
    const c = cluster.client(leader.name);
    const p = c.pipeline();
    for (let i = 0; i < 200; i++) p.set(`basic:exp:${i}`, 'x', 'PX', 100 + (i % 50));
    p.set('basic:exp:keep', 'y', 'EX', 1000);
    await p.exec();
    const count = async (n: TestNode) => {
      const r = cluster.client(n.name);
      await r.call('READONLY');
      return (await r.keys('basic:exp:*')).length;
    };
    await eventually('the expired keys deleted everywhere', 15_000, async () => {
      await cluster.waitForCatchUp();
      const sizes = await Promise.all(cluster.nodes.map(count));
      return sizes.every((s) => s === 1) ? sizes : undefined;
    });
    for (const n of cluster.nodes) {
      const r = await info(n.port, 'keyspace');
      const db0 = r.get('db0') ?? '';
      assert.match(db0, /^keys=\d+,expires=\d+/, `${n.name}: ${db0}`);
    }
    const sizes = await Promise.all(cluster.nodes.map(async (n) => {
      const r = cluster.client(n.name);
      await r.call('READONLY');
      return r.dbsize();
    }));
    assert.ok(sizes.every((s) => s === sizes[0]), `DBSIZE differs: ${sizes.join(' ')}`);
  });

  test('under maxmemory the leader evicts, and every replica drops the same keys', async () => {
    for (const n of cluster.nodes) {
      const r = cluster.client(n.name);
      assert.equal(await r.config('SET', 'maxmemory-policy', 'allkeys-lru'), 'OK');
    }
    const c = cluster.client(leader.name);
    const used = Number((await info(leader.port, 'memory')).get('used_memory'));
    const limit = used + 200_000;
    for (const n of cluster.nodes) await cluster.client(n.name).config('SET', 'maxmemory', String(limit));
    try {
      const value = 'v'.repeat(1000);
      for (let i = 0; i < 600; i++) await c.set(`basic:evict:${i}`, value);
      await cluster.waitForCatchUp();
      const evicted = Number((await info(leader.port, 'stats')).get('evicted_keys'));
      assert.ok(evicted > 0, 'nothing was evicted');
      await cluster.waitForCatchUp();
      const keys = await Promise.all(cluster.nodes.map(async (n) => {
        const r = cluster.client(n.name);
        await r.call('READONLY');
        return (await r.keys('basic:evict:*')).sort().join(',');
      }));
      assert.ok(keys.every((k) => k === keys[0]), 'replicas evicted different keys');
      assert.ok((keys[0] ?? '').split(',').length < 600);
    } finally {
      for (const n of cluster.nodes) await cluster.client(n.name).config('SET', 'maxmemory', '0');
    }
  });

  test('floe cluster status lists 3 members and one leader', async () => {
    const out = await runFloe(['cluster', 'status', '--node', `127.0.0.1:${(followers[1] as TestNode).port}`]);
    const rows = out.trim().split('\n').slice(1);
    assert.equal(rows.length, 3, out);
    assert.equal(rows.filter((r) => / leader /.test(r)).length, 1, out);
    assert.equal(rows.filter((r) => / follower /.test(r)).length, 2, out);
    assert.ok(rows.some((r) => r.startsWith(`${leader.name} `) && / leader /.test(r)), out);
  });
});

describe('replication: --routing redirect', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, extra: ['--routing', 'redirect'] });
  });
  after(async () => {
    await cluster?.close();
  });

  test('a follower answers -MOVED <slot> with the leader\'s client address', async () => {
    const leader = await cluster.waitForLeader();
    const f = cluster.nodes.find((n) => n !== leader) as TestNode;
    const c: Redis = cluster.client(f.name);
    const slot = Number(await c.call('CLUSTER', 'KEYSLOT', 'foo'));
    await assert.rejects(c.set('foo', 'bar'), (e: Error) => e.message === `MOVED ${slot} 127.0.0.1:${leader.port}`);
    await assert.rejects(c.get('foo'), (e: Error) => e.message === `MOVED ${slot} 127.0.0.1:${leader.port}`);
    // READONLY reads are served locally even in redirect mode.
    await cluster.client(leader.name).set('foo', 'bar');
    await cluster.waitForCatchUp();
    await c.call('READONLY');
    assert.equal(await c.get('foo'), 'bar');
    // ioredis's Cluster client follows the redirects transparently.
    const rc = new Cluster([{ host: '127.0.0.1', port: f.port }]);
    try {
      assert.equal(await rc.set('foo', 'baz'), 'OK');
      assert.equal(await rc.get('foo'), 'baz');
    } finally {
      rc.disconnect();
    }
    await cluster.waitForCatchUp();
    await c.call('READONLY');
    assert.equal(await c.get('foo'), 'baz');
  });
});

async function runFloe(args: string[]): Promise<string> {
  const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  assert.equal(code, 0, out);
  return out;
}
