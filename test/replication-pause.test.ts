// SIGSTOP of the leader: the others elect a new leader and take a newer write; when the old
// leader continues, reads its clients sent while it was paused, and right after, never return
// the value the new leader has overwritten (its lease must not outlive the pause); it then
// rejoins as a follower.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { eventually, MAIN, sleep, TestCluster, type TestNode } from './helpers/cluster.ts';

const READS_AFTER_RESUME = 40;
const READ_SPACING_MS = 10;

describe('replication: SIGSTOP the leader', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3 });
  });
  after(async () => {
    await cluster?.close();
  });

  test('no stale read from the paused old leader; it rejoins as follower', async (t) => {
    const old = await cluster.waitForLeader();
    const others = cluster.nodes.filter((n) => n !== old);
    const onOld = cluster.client(old.name, { commandTimeoutMs: 60_000 });
    assert.equal(await onOld.set('pause:k', 'old'), 'OK');
    assert.equal(await onOld.get('pause:k'), 'old');

    const stoppedAt = Date.now();
    await cluster.signal(old.name, 'SIGSTOP');
    let resumed = false;
    try {
      const leader = await cluster.waitForLeader(20_000, others);
      t.diagnostic(`${leader.name} elected ${Date.now() - stoppedAt} ms after ${old.name} was paused`);
      assert.equal(await cluster.client(leader.name).set('pause:k', 'new'), 'OK');
      // `floe cluster status` does not hang on the paused node: it shows it as not answering.
      const t0 = Date.now();
      const status = await floeCli(['cluster', 'status', '--node', `127.0.0.1:${leader.port}`]);
      t.diagnostic(`floe cluster status with ${old.name} paused took ${Date.now() - t0} ms:\n${status.out}`);
      assert.equal(status.code, 0, status.out);
      assert.match(status.out, new RegExp(`^${old.name} .*unreachable`, 'm'));

      // Sent while paused: they wait in the socket buffer and run the moment it continues.
      const early = [onOld.get('pause:k'), onOld.get('pause:k'), onOld.get('pause:k')].map(settle);
      await sleep(200);
      await cluster.signal(old.name, 'SIGCONT');
      resumed = true;
      const late: Promise<string>[] = [];
      for (let i = 0; i < READS_AFTER_RESUME; i++) {
        late.push(settle(onOld.get('pause:k')));
        await sleep(READ_SPACING_MS);
      }
      const results = await Promise.all([...early, ...late]);
      t.diagnostic(`reads on ${old.name} around the resume: ${summarize(results)}`);
      assert.ok(!results.includes('value old'), `the old leader served a stale read: ${summarize(results)}`);
      assert.ok(results.slice(-5).every((r) => r === 'value new'), `reads did not settle on the new value: ${summarize(results)}`);

      const back = await eventually(`${old.name} to follow ${leader.name}`, 20_000, async () => {
        const r = await cluster.raft(old.name);
        return r.get('raft_role') === 'follower' && r.get('raft_leader') === leader.name ? r : undefined;
      });
      t.diagnostic(`${old.name} follows ${leader.name} at term ${back.get('raft_term')}`);
      await cluster.waitForCatchUp();
      assert.equal(await onOld.set('pause:k2', 'through the old leader'), 'OK');
      assert.equal(await cluster.client(leader.name).get('pause:k2'), 'through the old leader');
    } finally {
      if (!resumed) await cluster.signal(old.name, 'SIGCONT');
    }
    assert.ok(cluster.nodes.every((n: TestNode) => n.proc !== null));
  });
});

/** A read's outcome as one word: 'value <v>' or 'error <first word>'. */
async function settle(p: Promise<string | null>): Promise<string> {
  try {
    return `value ${String(await p)}`;
  } catch (e) {
    return `error ${String((e as Error).message).split(' ')[0] ?? ''}`;
  }
}

function summarize(results: string[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k} ×${v}`).join(', ');
}

async function floeCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  return { code, out };
}
