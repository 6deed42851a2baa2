// Network partitions on the cluster bus (a black-holing TCP proxy between every pair of
// nodes): an isolated leader and an isolated follower refuse writes and linearizable reads with
// an error (never a stale value, never a hang), the majority goes on, and after the heal the
// isolated node follows the leader and catches up.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { eventually, sleep, TestCluster, WriteLoad, type TestNode } from './helpers/cluster.ts';

const CLUSTER_WAIT_MS = 3000;
const REFUSAL_BOUND_MS = 20_000; // generous; the measured time is logged

describe('replication: partitions', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, proxied: true, extra: ['--cluster-wait-ms', String(CLUSTER_WAIT_MS)] });
  });
  after(async () => {
    await cluster?.close();
  });

  async function outcome(p: Promise<unknown>): Promise<{ ms: number; text: string }> {
    const t0 = Date.now();
    try {
      return { ms: Date.now() - t0, text: `value ${String(await p)}` };
    } catch (e) {
      return { ms: Date.now() - t0, text: `error ${(e as Error).message}` };
    }
  }

  type Diag = { diagnostic: (s: string) => void };

  async function isolatedSideRefuses(isolated: TestNode, majority: TestNode[], key: string, t: Diag) {
    const onIsolated: Redis = cluster.client(isolated.name, { commandTimeoutMs: 60_000 });
    assert.equal(await onIsolated.set(key, 'before'), 'OK');
    await cluster.waitForCatchUp();
    cluster.isolate(isolated.name);
    try {
      await whileIsolated(isolated, majority, key, onIsolated, t);
    } finally {
      cluster.heal();
    }
    await afterHeal(isolated, key, onIsolated, Date.now(), t);
  }

  async function whileIsolated(isolated: TestNode, majority: TestNode[], key: string, onIsolated: Redis, t: Diag) {
    const isolatedAt = Date.now();
    const write = outcome(onIsolated.set(`${key}:minority`, 'x'));
    const leader = await cluster.waitForLeader(20_000, majority);
    t.diagnostic(`${leader.name} leads the majority ${Date.now() - isolatedAt} ms after ${isolated.name} was cut off`);
    assert.equal(await cluster.client(leader.name).set(key, 'after'), 'OK');
    const read = await outcome(onIsolated.get(key));
    const w = await write;
    t.diagnostic(`on the isolated ${isolated.name}: write → ${w.text} after ${w.ms} ms; read → ${read.text} after ${read.ms} ms`);
    assert.match(w.text, /^error /);
    assert.ok(w.ms < REFUSAL_BOUND_MS, `the write took ${w.ms} ms to be refused`);
    assert.ok(read.text !== 'value before', 'the isolated node served a stale linearizable read');
    assert.match(read.text, /^error /);
    // READONLY asks for the local replica: served, and stale by design.
    const ro = cluster.client(isolated.name);
    await ro.call('READONLY');
    assert.equal(await ro.get(key), 'before');
    // The majority keeps serving reads and writes.
    for (const n of majority) assert.equal(await cluster.client(n.name).get(key), 'after');
  }

  async function afterHeal(isolated: TestNode, key: string, onIsolated: Redis, healedAt: number, t: Diag) {
    await eventually(`${isolated.name} to follow a leader`, 30_000, async () => {
      const r = await cluster.raft(isolated.name);
      return r.get('raft_role') === 'follower' && r.get('raft_leader') !== '' ? r : undefined;
    });
    await cluster.waitForCatchUp();
    t.diagnostic(`${isolated.name} follows and caught up ${Date.now() - healedAt} ms after the heal`);
    assert.equal(await onIsolated.set(`${key}:healed`, 'y'), 'OK');
    await cluster.waitForCatchUp();
    // Whether the write refused during the partition took effect later is not known (it was
    // never acknowledged); what was acknowledged is on every node.
    for (const n of cluster.nodes) {
      const r = cluster.client(n.name);
      await r.call('READONLY');
      assert.equal(await r.get(key), 'after', `${n.name}`);
      assert.equal(await r.get(`${key}:healed`), 'y', `${n.name}`);
    }
  }

  test('an isolated leader refuses writes and reads; the majority elects another', async (t) => {
    const leader = await cluster.waitForLeader();
    await isolatedSideRefuses(leader, cluster.nodes.filter((n) => n !== leader), 'part:leader', t);
  });

  test('an isolated follower refuses writes and reads; the majority goes on', async (t) => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.nodes.find((n) => n !== leader) as TestNode;
    await isolatedSideRefuses(follower, cluster.nodes.filter((n) => n !== follower), 'part:follower', t);
  });

  test('partitions come and go under a write load: nothing acknowledged is lost', async (t) => {
    const load = new WriteLoad(cluster, 6, { prefix: 'nemesis' });
    try {
      await load.waitForAcks(100, 20_000);
      for (let round = 0; round < 4; round++) {
        // Alternate: cut off the leader, then a follower.
        const leader = await cluster.waitForLeader(30_000);
        const victim = round % 2 === 0 ? leader : (cluster.nodes.find((n) => n !== leader) as TestNode);
        cluster.isolate(victim.name);
        await sleep(2500);
        cluster.heal();
        await load.waitForAcks(50, 30_000);
        t.diagnostic(`round ${round}: cut off ${victim.name}${victim === leader ? ' (leader)' : ''} for 2.5 s; ${load.stats.acked} acknowledged so far`);
      }
    } finally {
      await load.stop();
    }
    t.diagnostic(`acknowledged ${load.stats.acked}, failed ${load.stats.failed}: ${JSON.stringify([...load.stats.errors])}`);
    await cluster.waitForCatchUp();
    for (const n of cluster.nodes) assert.deepEqual(await load.verify(n), [], `lost writes on ${n.name}`);
  });
});
