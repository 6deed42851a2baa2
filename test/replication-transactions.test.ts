// MULTI/EXEC and WATCH across a leader change: a transaction whose state lived on the old
// leader (opened there, or forwarded there by a follower) must not be half-applied on the new
// leader, nor run without the WATCH that guarded it. EXEC either applies the whole queue or
// nothing (an error, or a nil reply for a lost WATCH).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { eventually, TestCluster, type TestNode } from './helpers/cluster.ts';

describe('replication: transactions across a leader change', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3 });
  });
  after(async () => {
    await cluster?.close();
  });

  /** Moves leadership to `to` (asking again if a transfer lapses) and waits until every node knows. */
  async function moveLeader(to: TestNode): Promise<void> {
    await eventually(`${to.name} to lead`, 30_000, async () => {
      const leader = await cluster.waitForLeader();
      if (leader === to) return true;
      await cluster.client(leader.name).call('CLUSTER', 'TRANSFERLEADER', to.name).catch(() => {});
      const moved = await eventually(`${to.name} to take over`, 3000, async () => ((await cluster.currentLeader()) === to ? true : undefined)).catch(() => undefined);
      return moved;
    });
    await cluster.waitForCatchUp();
  }

  async function send(c: Redis, ...args: string[]): Promise<string> {
    try {
      return `value ${JSON.stringify(await c.call(args[0] as string, ...args.slice(1)))}`;
    } catch (e) {
      return `error ${(e as Error).message}`;
    }
  }

  /** Opens MULTI on `on`, queues one SET, moves leadership, queues another, EXECs; checks atomicity. */
  async function splitTransaction(tag: string, on: TestNode, from: TestNode, to: TestNode, t: { diagnostic: (s: string) => void }) {
    await moveLeader(from);
    const c = cluster.client(on.name);
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SET', `tx:${tag}:a`, '1'), 'QUEUED');
    await moveLeader(to);
    const second = await send(c, 'SET', `tx:${tag}:b`, '2');
    const exec = await send(c, 'EXEC');
    const check = cluster.client(to.name);
    const a = await check.get(`tx:${tag}:a`);
    const b = await check.get(`tx:${tag}:b`);
    t.diagnostic(`client on ${on.name}, leader ${from.name} → ${to.name}: second SET → ${second}; EXEC → ${exec}; a=${a} b=${b}`);
    assert.ok((a === null && b === null) || (a === '1' && b === '2'), `half a transaction applied: a=${a} b=${b}`);
    if (a === null) assert.match(exec, /^error /);
    // The connection is usable afterwards.
    assert.equal(await c.set(`tx:${tag}:after`, 'ok'), 'OK');
    assert.equal(await c.get(`tx:${tag}:after`), 'ok');
  }

  test('MULTI opened on the leader, leadership moves away', async (t) => {
    const [n1, n2] = cluster.nodes as [TestNode, TestNode];
    await splitTransaction('local', n1, n1, n2, t);
  });

  test('MULTI forwarded by a follower, leadership moves to a third node', async (t) => {
    const [n1, n2, n3] = cluster.nodes as [TestNode, TestNode, TestNode];
    await splitTransaction('remote', n3, n1, n2, t);
  });

  test('MULTI forwarded by a follower, leadership moves to that follower', async (t) => {
    const [n1, n2] = cluster.nodes as [TestNode, TestNode];
    await splitTransaction('toself', n2, n1, n2, t);
  });

  test('WATCH through a follower, leadership moves, the key changes: EXEC does not run', async (t) => {
    const [n1, n2, n3] = cluster.nodes as [TestNode, TestNode, TestNode];
    await moveLeader(n1);
    const c = cluster.client(n3.name);
    await c.set('tx:w', 'start');
    assert.equal(await c.watch('tx:w'), 'OK');
    await moveLeader(n2);
    await cluster.client(n2.name).set('tx:w', 'changed');
    assert.equal(await c.call('MULTI'), 'OK');
    const queued = await send(c, 'SET', 'tx:w', 'mine');
    const exec = await send(c, 'EXEC');
    const now = await cluster.client(n1.name).get('tx:w');
    t.diagnostic(`SET → ${queued}; EXEC → ${exec}; tx:w=${now}`);
    assert.equal(now, 'changed', 'EXEC ran although a WATCHed key changed');
  });

  test('WATCH on the leader, leadership moves away, the key changes: EXEC does not run', async (t) => {
    const [n1, n2] = cluster.nodes as [TestNode, TestNode];
    await moveLeader(n1);
    const c = cluster.client(n1.name);
    await c.set('tx:lw', 'start');
    assert.equal(await c.watch('tx:lw'), 'OK');
    await moveLeader(n2);
    await cluster.client(n2.name).set('tx:lw', 'changed');
    const multi = await send(c, 'MULTI');
    const queued = await send(c, 'SET', 'tx:lw', 'mine');
    const exec = await send(c, 'EXEC');
    await cluster.waitForCatchUp();
    const now = await cluster.client(n2.name).get('tx:lw');
    t.diagnostic(`MULTI → ${multi}; SET → ${queued}; EXEC → ${exec}; tx:lw=${now}`);
    assert.equal(now, 'changed', 'EXEC ran although a WATCHed key changed');
  });

  test('leadership leaves and comes back while MULTI is open: all or nothing', async (t) => {
    const [n1, n2, n3] = cluster.nodes as [TestNode, TestNode, TestNode];
    await moveLeader(n1);
    const c = cluster.client(n3.name);
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SET', 'tx:back:a', '1'), 'QUEUED');
    await moveLeader(n2);
    await moveLeader(n1);
    const second = await send(c, 'SET', 'tx:back:b', '2');
    const exec = await send(c, 'EXEC');
    const a = await cluster.client(n1.name).get('tx:back:a');
    const b = await cluster.client(n1.name).get('tx:back:b');
    t.diagnostic(`second SET → ${second}; EXEC → ${exec}; a=${a} b=${b}`);
    assert.ok((a === null && b === null) || (a === '1' && b === '2'), `half a transaction applied: a=${a} b=${b}`);
  });

  test('RESET on a follower ends the MULTI it forwarded', async () => {
    const [n1, n2] = cluster.nodes as [TestNode, TestNode];
    await moveLeader(n1);
    const c = cluster.client(n2.name);
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SET', 'tx:reset:a', '1'), 'QUEUED');
    assert.equal(await c.call('RESET'), 'RESET');
    assert.equal(await c.call('SET', 'tx:reset:b', '2'), 'OK');
    assert.equal(await cluster.client(n1.name).get('tx:reset:a'), null);
    assert.equal(await cluster.client(n1.name).get('tx:reset:b'), '2');
  });

  test('a restarted follower\'s new clients never inherit its dead clients\' transactions', async (t) => {
    const [n1, n2] = cluster.nodes as [TestNode, TestNode];
    await moveLeader(n1);
    const deadIds = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const c = cluster.client(n2.name);
      deadIds.add(Number(await c.call('CLIENT', 'ID')));
      assert.equal(await c.call('MULTI'), 'OK');
      assert.equal(await c.call('SET', `tx:dead:${i}`, 'x'), 'QUEUED');
    }
    await cluster.kill(n2.name);
    await cluster.startNode(n2.name);
    await cluster.waitForCatchUp();
    // Connect until the restarted node has handed out every id its dead clients had.
    const replies: string[] = [];
    for (let i = 0; i < 500 && deadIds.size > 0; i++) {
      const c = cluster.client(n2.name);
      const id = Number(await c.call('CLIENT', 'ID'));
      if (deadIds.delete(id)) replies.push(await send(c, 'SET', `tx:new:${id}`, 'y'));
      c.disconnect();
    }
    t.diagnostic(`SET on new clients that reuse dead clients' ids: ${[...new Set(replies)].join(', ')}`);
    assert.equal(deadIds.size, 0, 'did not reach the dead clients\' ids');
    assert.ok(replies.every((r) => r === 'value "OK"'), replies.join('\n'));
  });
});
