// kill -9 of the leader under a continuous write load: a new leader takes writes again, and
// every write any client saw acknowledged is on every survivor, and on the killed node once it
// is restarted from its WAL. The failover time is measured and logged, and bounded generously.
// Run with fsync always and everysec: a process crash loses nothing in either mode.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, WriteLoad, type TestNode } from './helpers/cluster.ts';

const WORKERS = 6;
const FAILOVER_BOUND_MS = 15_000; // a generous bound; the measured time is logged

for (const fsync of ['always', 'everysec'] as const) describe(`replication: kill -9 the leader under load (--fsync ${fsync})`, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, extra: ['--fsync', fsync] });
  });
  after(async () => {
    await cluster?.close();
  });

  test('writes resume on a new leader and no acknowledged write is lost', async (t) => {
    const load = new WriteLoad(cluster, WORKERS);
    let stopped = false;
    try {
      await load.waitForAcks(300, 20_000);
      const old = await cluster.waitForLeader();
      const killedAt = Date.now();
      await cluster.kill(old.name);
      const survivors = cluster.nodes.filter((n) => n !== old);
      const leader = await cluster.waitForLeader(20_000, survivors);
      const electedMs = Date.now() - killedAt;
      await load.waitForAcks(300, 30_000);
      const first = load.firstAckSentAfter(killedAt);
      assert.ok(first !== null);
      const failoverMs = first - killedAt;
      t.diagnostic(`killed ${old.name}; ${leader.name} seen as leader after ${electedMs} ms; first write sent after the kill acknowledged after ${failoverMs} ms`);
      assert.ok(failoverMs < FAILOVER_BOUND_MS, `failover took ${failoverMs} ms`);
      await load.stop();
      stopped = true;
      t.diagnostic(`acknowledged ${load.stats.acked} writes, ${load.stats.failed} failed: ${JSON.stringify([...load.stats.errors])}`);
      await cluster.waitForCatchUp(survivors);
      for (const n of survivors) assert.deepEqual(await load.verify(n), [], `lost writes on ${n.name}\n${cluster.logs()}`);

      await cluster.startNode(old.name);
      await cluster.waitForCatchUp();
      const back = await cluster.raft(old.name);
      assert.equal(back.get('raft_role'), 'follower');
      assert.deepEqual(await load.verify(old as TestNode), [], `lost writes on the restarted ${old.name}`);
      // The restarted node takes part again: a write through it lands everywhere.
      const c = cluster.client(old.name);
      assert.equal(await c.set('failover:after', 'yes'), 'OK');
      await cluster.waitForCatchUp();
      for (const n of cluster.nodes) {
        const r = cluster.client(n.name);
        await r.call('READONLY');
        assert.equal(await r.get('failover:after'), 'yes');
      }
    } finally {
      if (!stopped) await load.stop();
    }
  });
});

describe('replication: kill -9 three leaders in a row under load, each restarted', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, extra: ['--snapshot-log-bytes', '256kb'] });
  });
  after(async () => {
    await cluster?.close();
  });

  test('every acknowledged write survives', async (t) => {
    const load = new WriteLoad(cluster, WORKERS, { valueBytes: 100 });
    try {
      for (let round = 0; round < 3; round++) {
        await load.waitForAcks(200, 30_000);
        const leader = await cluster.waitForLeader();
        const killedAt = Date.now();
        await cluster.kill(leader.name);
        await cluster.waitForLeader(20_000, cluster.nodes.filter((n) => n !== leader));
        await load.waitForAcks(100, 30_000);
        t.diagnostic(`round ${round}: killed ${leader.name}, writes back after ${(load.firstAckSentAfter(killedAt) ?? NaN) - killedAt} ms`);
        await cluster.startNode(leader.name);
      }
    } finally {
      await load.stop();
    }
    t.diagnostic(`acknowledged ${load.stats.acked}, failed ${load.stats.failed}: ${JSON.stringify([...load.stats.errors])}`);
    await cluster.waitForCatchUp();
    for (const n of cluster.nodes) assert.deepEqual(await load.verify(n), [], `lost writes on ${n.name}`);
  });
});
