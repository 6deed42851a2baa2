// Restarts with small snapshots (--snapshot-log-bytes 64kb, so the log is compacted often, and
// --snapshot-slice-ms 0, so each snapshot is written over several event-loop turns while
// writes go on being applied, copy on write):
// a stopped follower catches up from its WAL and snapshot plus what the leader sends; a node
// whose dir was wiped rejoins by InstallSnapshot; the whole cluster stopped (cleanly, then
// with kill -9) boots from snapshot + WAL replay with every acknowledged write.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, TestCluster, type TestNode } from './helpers/cluster.ts';

const VALUE_BYTES = 200;
const BATCH_KEYS = 800; // ~200 KB of log per batch: several snapshots at 64 KiB

describe('replication: restart, snapshots, wiped node', () => {
  let cluster: TestCluster;
  const written = new Map<string, string>();
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, extra: ['--snapshot-log-bytes', '64kb', '--snapshot-slice-ms', '0'] });
  });
  after(async () => {
    await cluster?.close();
  });

  /** Writes a batch through `via` (pipelined) and remembers it. */
  async function writeBatch(via: TestNode, tag: string): Promise<void> {
    const c = cluster.client(via.name);
    const p = c.pipeline();
    for (let i = 0; i < BATCH_KEYS; i++) {
      const key = `restart:${tag}:${i}`;
      const value = `${tag}:${i}:`.padEnd(VALUE_BYTES, 'x');
      p.set(key, value);
      written.set(key, value);
    }
    p.incrby('restart:total', BATCH_KEYS);
    const results = await p.exec();
    assert.ok(results !== null && results.every(([e]) => e === null), 'a pipelined write failed');
  }

  /** Compares every written key and DBSIZE on one node's own replica. */
  async function verify(node: TestNode): Promise<void> {
    const c = cluster.client(node.name, { commandTimeoutMs: 30_000 });
    await c.call('READONLY');
    const keys = [...written.keys()];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const values = await c.mget(...chunk);
      chunk.forEach((k, j) => assert.equal(values[j], written.get(k), `${k} on ${node.name}`));
    }
    assert.equal(await c.dbsize(), written.size + 1, `DBSIZE on ${node.name}`);
    assert.equal(await c.get('restart:total'), String(written.size));
  }

  async function snapshotIndex(node: TestNode): Promise<number> {
    return Number((await cluster.raft(node.name)).get('raft_snapshot_index'));
  }

  test('snapshots are taken as the log grows', async () => {
    const leader = await cluster.waitForLeader();
    await writeBatch(leader, 'a');
    await cluster.waitForCatchUp();
    for (const n of cluster.nodes) {
      const idx = await eventually(`a snapshot on ${n.name}`, 15_000, async () => ((await snapshotIndex(n)) > 0 ? snapshotIndex(n) : undefined));
      assert.ok(idx > 0);
      assert.match(n.log, /"event":"snapshot-saved"/);
      assert.match(n.log, /"event":"snapshot-saved".*"slices":([2-9]|\d\d)/, `${n.name} built no snapshot over several turns`);
      await verify(n);
    }
  });

  test('a stopped follower catches up after the log moved past it', async (t) => {
    const leader = await cluster.waitForLeader();
    const f = cluster.nodes.find((n) => n !== leader) as TestNode;
    await cluster.signal(f.name, 'SIGTERM');
    await writeBatch(leader, 'b');
    const leaderSnap = await snapshotIndex(leader);
    const t0 = Date.now();
    await cluster.startNode(f.name);
    await cluster.waitForCatchUp();
    t.diagnostic(`${f.name} caught up ${Date.now() - t0} ms after its restart (leader snapshot index ${leaderSnap}, its own ${await snapshotIndex(f)})`);
    await verify(f);
  });

  test('a wiped node rejoins by snapshot', async (t) => {
    const leader = await cluster.waitForLeader();
    const f = cluster.nodes.find((n) => n !== leader) as TestNode;
    await cluster.kill(f.name);
    cluster.wipe(f.name);
    await writeBatch(leader, 'c');
    const t0 = Date.now();
    await cluster.startNode(f.name);
    await cluster.waitForCatchUp();
    // It was taken out and added back (learner, then voter), so it holds what it once acked.
    await eventually(`${f.name} to be a voter again`, 30_000, async () => {
      const r = await cluster.raft((await cluster.waitForLeader()).name);
      return r.get('raft_voters')?.split(',').includes(f.name) === true && r.get('raft_learners') === '' ? r : undefined;
    });
    const idx = await snapshotIndex(f);
    t.diagnostic(`wiped ${f.name} is a voter again ${Date.now() - t0} ms after its start; its snapshot index is ${idx}`);
    assert.match(f.log, /"event":"log-lost"/);
    assert.ok(idx > 0, 'the wiped node did not install a snapshot');
    await cluster.waitForCatchUp();
    await verify(f);
  });

  test('the whole cluster restarts from its disks (SIGTERM, then kill -9)', async () => {
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      await writeBatch(await cluster.waitForLeader(), `d${sig}`);
      await Promise.all(cluster.nodes.map((n) => cluster.signal(n.name, sig)));
      await Promise.all(cluster.nodes.map((n) => cluster.startNode(n.name)));
      await cluster.waitForCatchUp();
      for (const n of cluster.nodes) await verify(n);
    }
  });
});

describe('replication: --fsync none', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, extra: ['--fsync', 'none', '--snapshot-log-bytes', '64kb'] });
  });
  after(async () => {
    await cluster?.close();
  });

  test('a restarted node comes back empty and is caught up by snapshot', async () => {
    const leader = await cluster.waitForLeader();
    const c = cluster.client(leader.name);
    const p = c.pipeline();
    for (let i = 0; i < BATCH_KEYS; i++) p.set(`none:${i}`, `${i}`.padEnd(VALUE_BYTES, 'n'));
    await p.exec();
    const f = cluster.nodes.find((n) => n !== leader) as TestNode;
    await cluster.kill(f.name);
    await c.set('none:while-down', 'x');
    await cluster.startNode(f.name);
    await eventually(`${f.name} to hold the data again`, 30_000, async () => {
      await cluster.waitForCatchUp();
      const r = cluster.client(f.name);
      await r.call('READONLY');
      const ok = (await r.dbsize()) === BATCH_KEYS + 1 && (await r.get('none:while-down')) === 'x';
      r.disconnect();
      return ok ? true : undefined;
    });
    assert.match(f.log, /"event":"log-lost"/);
  });
});
