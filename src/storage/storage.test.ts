import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeDisk } from '../io/node/disk.ts';
import { FloeError } from '../util/errors.ts';
import { openStorage, reconcile } from './storage.ts';
import type { StorageOptions } from './storage.ts';
import { withTempDir } from './testing/tmp.ts';
import type { WalRecord } from './types.ts';

const disk = new NodeDisk();

function open(dir: string, options: Partial<StorageOptions> = {}) {
  return openStorage({ disk, dir, fsync: 'always', segmentBytesMax: 1024, ...options });
}

function entry(group: number, term: number, index: number): WalRecord {
  return { type: 'entry', group, term, index, kind: 0, data: Buffer.from(`${group}/${index}`) };
}

async function text(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts).toString();
}

test('boot = newest snapshot + the WAL after it; compaction frees segments', async () => {
  await withTempDir(async (dir) => {
    const s = await open(dir);
    for (let i = 1; i <= 80; i++) await s.wal.append([entry(1, 2, i), { type: 'hardState', group: 1, term: 2, vote: 1, commit: i }]);
    const segmentsBefore = s.wal.stats().segments;
    await s.saveSnapshot({ group: 1, index: 70, term: 2 }, [Buffer.from('state '), Buffer.from('at 70')], { extra: Buffer.from('conf') });
    await s.wal.append([entry(1, 2, 81)]);
    await s.close();
    assert.ok(s.wal.stats().segments < segmentsBefore, 'old segments deleted');
    const again = await open(dir);
    const g = again.groups.get(1);
    assert.ok(g !== undefined && g.snapshot !== null);
    assert.deepEqual({ ...g.snapshot, extra: g.snapshot.extra.toString() }, { group: 1, index: 70, term: 2, extra: 'conf', bodyBytes: 11 });
    assert.equal(await text(again.snapshots.read(g.snapshot)), 'state at 70');
    assert.deepEqual(g.entries.map((e) => e.index), Array.from({ length: 11 }, (_, i) => 71 + i));
    assert.deepEqual(g.hardState, { term: 2, vote: 1, commit: 80 });
    await again.close();
  });
});

test('installing a leader\'s snapshot discards the old log; a group can be dropped', async () => {
  await withTempDir(async (dir) => {
    const s = await open(dir);
    await s.wal.append([entry(4, 1, 1), entry(4, 1, 2), entry(4, 1, 3), entry(5, 1, 1)]);
    await s.saveSnapshot({ group: 4, index: 2, term: 3 }, [Buffer.from('leader state')], { discardLog: true });
    await s.wal.append([entry(4, 3, 3)]);
    await s.dropGroup(5);
    await s.close();
    const again = await open(dir);
    assert.deepEqual([...again.groups.keys()], [4]);
    assert.deepEqual(again.groups.get(4)?.entries.map((e) => `${e.index}@${e.term}`), ['3@3']);
    await again.close();
  });
});

test('a snapshot file newer than its WAL marker (crash in between) follows Raft\'s install rule', () => {
  const log = {
    group: 1, hardState: null, snapshot: { group: 1, index: 2, term: 1 },
    entries: [3, 4, 5, 6].map((index) => ({ index, term: index < 5 ? 1 : 2, kind: 0, data: new Uint8Array() })),
  };
  const snap = (index: number, term: number) => ({ group: 1, index, term, extra: Buffer.alloc(0), bodyBytes: 0 });
  // The log holds the snapshot's last entry with the same term: the entries after it stay.
  assert.deepEqual(reconcile(log, snap(4, 1), 'x').entries.map((e) => e.index), [5, 6]);
  // Different term at that index, or the log too short: the whole log goes.
  assert.deepEqual(reconcile(log, snap(5, 9), 'x').entries, []);
  assert.deepEqual(reconcile(log, snap(9, 2), 'x').entries, []);
  // The commit index is raised to a newer snapshot's index.
  assert.equal(reconcile({ ...log, hardState: { term: 2, vote: 0, commit: 3 } }, snap(4, 1), 'x').hardState?.commit, 4);
  // No snapshot file although the WAL was compacted past one: refuse.
  assert.throws(() => reconcile(log, null, 'snap/1'), (e: unknown) => e instanceof FloeError && e.code === 'FLOE_ERR_SNAPSHOT_CORRUPT');
});

test('a missing snapshot that the WAL relies on refuses to start', async () => {
  await withTempDir(async (dir) => {
    const s = await open(dir);
    await s.wal.append([entry(1, 1, 1)]);
    await s.saveSnapshot({ group: 1, index: 1, term: 1 }, [Buffer.from('x')]);
    await s.close();
    await rm(join(dir, 'snap', '1'), { recursive: true });
    await assert.rejects(open(dir), (e: unknown) => e instanceof FloeError && e.code === 'FLOE_ERR_SNAPSHOT_CORRUPT' && e.message.includes('group 1'));
  });
});

test('fsync none keeps nothing on disk and boots empty', async () => {
  await withTempDir(async (dir) => {
    const s = await open(join(dir, 'data'), { fsync: 'none' });
    await s.wal.append([entry(1, 1, 1)]);
    await s.saveSnapshot({ group: 1, index: 1, term: 1 }, [Buffer.from('in memory')]);
    assert.equal(await text(s.snapshots.read({ group: 1, index: 1, term: 1 })), 'in memory');
    assert.equal(s.wal.fsync, 'none');
    await s.close();
    assert.deepEqual(await readdir(dir), []);
    const again = await open(join(dir, 'data'), { fsync: 'none' });
    assert.equal(again.groups.size, 0);
    await again.close();
  });
});
