// Membership through `floe cluster`: a 4th node started with --join yes is added (learner,
// catch-up, voter through joint consensus) and gets the data, leadership moves to it, n1 is
// removed — all while a write load runs — and the cluster keeps serving with every
// acknowledged write in place.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { eventually, MAIN, TestCluster, WriteLoad, type TestNode } from './helpers/cluster.ts';

async function floeCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  return { code, out };
}

describe('replication: membership changes', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3 });
  });
  after(async () => {
    await cluster?.close();
  });

  test('add n4, move leadership to it, remove n1, under load', async (t) => {
    const seed = cluster.client('n2');
    for (let i = 0; i < 200; i++) await seed.set(`member:seed:${i}`, String(i));
    const load = new WriteLoad(cluster, 3, { prefix: 'member' });
    let n4: TestNode;
    try {
      await load.waitForAcks(100, 20_000);
      n4 = await cluster.newNode('n4');
      await cluster.startNode('n4');
      const t0 = Date.now();
      const add = await floeCli(['cluster', 'add-node', 'n4', `127.0.0.1:${n4.port}@${n4.busPort}`, '--node', `127.0.0.1:${cluster.node('n3').port}`]);
      assert.equal(add.code, 0, add.out);
      assert.match(add.out, /OK/);
      t.diagnostic(`add-node took ${Date.now() - t0} ms`);
      const leader = await cluster.waitForLeader();
      const r = await cluster.raft(leader.name);
      assert.deepEqual(r.get('raft_voters')?.split(',').sort(), ['n1', 'n2', 'n3', 'n4']);
      assert.equal(r.get('raft_learners'), '');

      const tr = await floeCli(['cluster', 'transfer-leader', 'n4', '--node', `127.0.0.1:${cluster.node('n2').port}`]);
      assert.equal(tr.code, 0, tr.out);
      await eventually('n4 to lead', 20_000, async () => ((await cluster.currentLeader()) === n4 ? true : undefined));

      const rm = await floeCli(['cluster', 'remove-node', 'n1', '--node', `127.0.0.1:${cluster.node('n1').port}`]);
      assert.equal(rm.code, 0, rm.out);
      const after = await cluster.raft('n4');
      assert.deepEqual(after.get('raft_voters')?.split(',').sort(), ['n2', 'n3', 'n4']);
      await cluster.signal('n1', 'SIGTERM');
      await load.waitForAcks(100, 30_000);
    } finally {
      await load.stop();
    }
    t.diagnostic(`acknowledged ${load.stats.acked}, failed ${load.stats.failed}: ${JSON.stringify([...load.stats.errors])}`);

    const members = cluster.nodes.filter((n) => n.name !== 'n1');
    await cluster.waitForCatchUp(members);
    for (const n of members) {
      assert.deepEqual(await load.verify(n), [], `lost writes on ${n.name}`);
      const c = cluster.client(n.name);
      await c.call('READONLY');
      assert.equal(await c.get('member:seed:199'), '199');
    }
    const nodes = String(await cluster.client('n2').call('CLUSTER', 'NODES'));
    assert.deepEqual(nodes.trim().split('\n').map((l) => l.split(' ')[0]).sort(), ['n2', 'n3', 'n4']);
    const status = await floeCli(['cluster', 'status', '--node', `127.0.0.1:${cluster.node('n3').port}`]);
    assert.equal(status.code, 0, status.out);
    assert.equal(status.out.trim().split('\n').length, 4, status.out);
    assert.equal(await cluster.client('n3').set('member:last', 'ok'), 'OK');
  });
});
