// Disk full: one node's data dir is a 2 MiB tmpfs, and that node leads while a write load
// fills it. Its WAL write fails with ENOSPC: it stops taking writes (clients get an error,
// or are served by the new leader the others elect), keeps answering reads, says so in INFO
// raft and its log, and no acknowledged write is lost anywhere.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, TestCluster, WriteLoad, type TestNode } from './helpers/cluster.ts';

const TMPFS_SIZE = '2m';
const VALUE_BYTES = 2000;

/** Mounts a tiny tmpfs; null (with the reason) where mounting is not permitted. */
function mountTinyDisk(): { dir: string; reason: null } | { dir: null; reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'floe-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, reason: null };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { dir: null, reason: String((e as { stderr?: Buffer }).stderr ?? e).trim() };
  }
}

const disk = mountTinyDisk();

describe('replication: disk full', { skip: disk.dir === null ? `cannot mount a tmpfs here (${disk.reason}); run as root to test ENOSPC` : false }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, dirs: { n1: join(disk.dir as string, 'n1') } });
  });
  after(async () => {
    await cluster?.close();
    if (disk.dir !== null) {
      try {
        execFileSync('umount', [disk.dir], { stdio: 'pipe' });
      } finally {
        rmSync(disk.dir, { recursive: true, force: true });
      }
    }
  });

  test('the full node refuses writes, keeps serving reads, and nothing acknowledged is lost', async (t) => {
    const full = cluster.node('n1');
    let leader = await cluster.waitForLeader();
    if (leader !== full) {
      assert.equal(await cluster.client(leader.name).call('CLUSTER', 'TRANSFERLEADER', full.name), 'OK');
      leader = await eventually('n1 to lead', 20_000, async () => ((await cluster.currentLeader()) === full ? full : undefined));
    }
    const load = new WriteLoad(cluster, 3, { valueBytes: VALUE_BYTES, prefix: 'disk' });
    try {
      const failedAt = await eventually('n1 to report its disk failure', 60_000, async () => {
        const r = await cluster.raft(full.name);
        return r.get('raft_disk_failure') !== '' ? Date.now() : undefined;
      });
      t.diagnostic(`n1 failed its disk after ${load.stats.acked} acknowledged writes: ${(await cluster.raft(full.name)).get('raft_disk_failure')}`);
      assert.match(full.log, /"event":"disk-failed"/);
      const others = cluster.nodes.filter((n) => n !== full);
      const next = await cluster.waitForLeader(20_000, others);
      t.diagnostic(`${next.name} leads ${Date.now() - failedAt} ms after the failure`);
      await load.waitForAcks(100, 30_000);
    } finally {
      await load.stop();
    }
    t.diagnostic(`acknowledged ${load.stats.acked}, failed ${load.stats.failed}: ${JSON.stringify([...load.stats.errors])}`);

    // Writes through the full node: an error, or forwarded to the new leader — never a hang.
    const onFull = cluster.client(full.name, { commandTimeoutMs: 20_000 });
    const w = await onFull.set('disk:after', 'x').then((v) => `value ${v}`, (e: Error) => `error ${e.message}`);
    t.diagnostic(`a write through the full node: ${w}`);
    assert.ok(w === 'value OK' || /^error (ERR|TRYAGAIN|CLUSTERDOWN)/.test(w), w);
    // Reads through the full node keep working (its own replica with READONLY, else the leader's).
    const some = [...load.acked.keys()].slice(0, 50);
    const ro = cluster.client(full.name);
    await ro.call('READONLY');
    const local = await ro.mget(...some);
    local.forEach((v, i) => assert.ok(v === null || v === load.acked.get(some[i] as string)));
    assert.deepEqual(await onFull.mget(...some), some.map((k) => load.acked.get(k)));

    const survivors = cluster.nodes.filter((n: TestNode) => n !== full);
    await cluster.waitForCatchUp(survivors);
    for (const n of survivors) assert.deepEqual(await load.verify(n), [], `lost writes on ${n.name}`);
  });
});
