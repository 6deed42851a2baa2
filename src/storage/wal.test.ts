import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, mkdir, stat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeDisk } from '../io/node/disk.ts';
import type { Disk } from '../io/disk.ts';
import { FloeError } from '../util/errors.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { openWal } from './wal.ts';
import type { WalOptions } from './wal.ts';
import { FaultyDisk } from './testing/faulty-disk.ts';
import { withTempDir } from './testing/tmp.ts';
import type { GroupLog, WalRecord } from './types.ts';
import { segmentHeaderBytes } from './record.ts';

const nodeDisk = new NodeDisk();

function open(dir: string, options: Partial<WalOptions> & { disk?: Disk } = {}) {
  return openWal({ disk: nodeDisk, dir: join(dir, 'wal'), fsync: 'always', ...options });
}

function entry(group: number, term: number, index: number, text = `g${group}.${index}.t${term}`): WalRecord {
  return { type: 'entry', group, term, index, kind: 0, data: Buffer.from(text) };
}

/** A group's log as plain data, easy to compare. */
function view(groups: Map<number, GroupLog>): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [id, g] of groups) {
    out[id] = {
      hardState: g.hardState,
      snapshot: g.snapshot && [g.snapshot.index, g.snapshot.term],
      entries: g.entries.map((e) => `${e.index}@${e.term}:${Buffer.from(e.data).toString()}`),
    };
  }
  return out;
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'wal'))).filter((n) => n.endsWith('.wal')).sort();
}

test('round trip: entries and hard states of several groups survive a restart', async () => {
  await withTempDir(async (dir) => {
    const { wal, groups } = await open(dir);
    assert.equal(groups.size, 0);
    for (let i = 1; i <= 20; i++) {
      await wal.append([entry(1, 1, i), entry(2, 1, i), { type: 'hardState', group: 1, term: 1, vote: 1, commit: i }]);
    }
    await wal.append([{ type: 'hardState', group: 3, term: 4, vote: 0, commit: 0 }]);
    await wal.close();
    const again = await open(dir);
    const v = view(again.groups);
    assert.deepEqual(Object.keys(v), ['1', '2', '3']);
    const g1 = again.groups.get(1) as GroupLog;
    assert.deepEqual(g1.hardState, { term: 1, vote: 1, commit: 20 });
    assert.equal(g1.entries.length, 20);
    assert.equal(Buffer.from((g1.entries[19] as { data: Uint8Array }).data).toString(), 'g1.20.t1');
    assert.deepEqual(again.groups.get(3)?.hardState, { term: 4, vote: 0, commit: 0 });
    await again.wal.close();
  });
});

test('segments rotate at the size limit and replay reads them all in order', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await open(dir, { segmentBytesMax: 1024 });
    for (let i = 1; i <= 150; i++) {
      await wal.append([entry(1, 1, i), entry(2, 2, i), { type: 'hardState', group: 2, term: 2, vote: 3, commit: i - 1 }]);
    }
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 10, `expected many segments, got ${files.length}`);
    assert.equal(wal.stats().segments, files.length);
    for (const name of files.slice(0, -1)) assert.ok((await stat(join(dir, 'wal', name))).size < 1024 + 200);
    await wal.close();
    const again = await open(dir, { segmentBytesMax: 1024 });
    assert.equal(again.groups.get(1)?.entries.length, 150);
    assert.deepEqual(again.groups.get(2)?.entries.map((e) => e.index), Array.from({ length: 150 }, (_, i) => i + 1));
    assert.deepEqual(again.groups.get(2)?.hardState, { term: 2, vote: 3, commit: 149 });
    await again.wal.close();
  });
});

test('replay applies truncations, overwrites, snapshot markers and drops', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await open(dir, { segmentBytesMax: 512 });
    await wal.append(Array.from({ length: 10 }, (_, i) => entry(1, 1, i + 1)));
    // A new leader of term 2 overwrote the suffix from 6 (explicit truncate).
    await wal.append([{ type: 'truncate', group: 1, term: 2, index: 6 }, entry(1, 2, 6), entry(1, 2, 7), entry(1, 2, 8)]);
    // Term 3 overwrote from 8 (implicit: an entry at an index already present).
    await wal.append([entry(1, 3, 8), entry(1, 3, 9)]);
    await wal.append([{ type: 'snapshot', group: 1, term: 1, index: 4 }]);
    // Group 2 installs a leader's snapshot: marker then truncate of everything after it.
    await wal.append([entry(2, 1, 1), entry(2, 1, 2), entry(2, 1, 3)]);
    await wal.append([{ type: 'snapshot', group: 2, term: 5, index: 10 }, { type: 'truncate', group: 2, term: 5, index: 11 }]);
    await wal.append([entry(2, 5, 11), entry(2, 5, 12)]);
    // Group 3 comes and goes; group 4 goes and comes back.
    await wal.append([entry(3, 1, 1), entry(4, 1, 1), { type: 'dropGroup', group: 3 }, { type: 'dropGroup', group: 4 }]);
    await wal.append([entry(4, 7, 1, 'reborn')]);
    await wal.close();
    const { wal: again, groups, dropped } = await open(dir, { segmentBytesMax: 512 });
    assert.deepEqual(view(groups), {
      1: { hardState: null, snapshot: [4, 1], entries: ['5@1:g1.5.t1', '6@2:g1.6.t2', '7@2:g1.7.t2', '8@3:g1.8.t3', '9@3:g1.9.t3'] },
      2: { hardState: null, snapshot: [10, 5], entries: ['11@5:g2.11.t5', '12@5:g2.12.t5'] },
      4: { hardState: null, snapshot: null, entries: ['1@7:reborn'] },
    });
    assert.deepEqual([...dropped], [3]);
    await again.close();
  });
});

test('a torn last record is truncated away, at any cut point and with garbage after it', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await open(dir);
    await wal.append([entry(1, 1, 1), entry(1, 1, 2)]);
    await wal.append([entry(1, 1, 3, 'the last record, which a crash will tear')]);
    await wal.close();
    const [first, second] = await segmentFiles(dir);
    assert.ok(first !== undefined && second === undefined);
    const original = await readFile(join(dir, 'wal', first));
    const lastRecordBytes = 32 + 'the last record, which a crash will tear'.length;
    const lastStart = original.length - lastRecordBytes;
    const random = new Xoshiro128(1234);
    const cuts = new Set([1, 4, 8, 9, 31, 32, 33, lastRecordBytes - 1]);
    while (cuts.size < 14) cuts.add(1 + random.int(lastRecordBytes - 1));
    const variants: Array<[string, Buffer]> = [];
    for (const cut of cuts) variants.push([`cut ${cut}`, original.subarray(0, lastStart + cut)]);
    const flipped = Buffer.from(original);
    flipped[original.length - 3] = (flipped[original.length - 3] as number) ^ 0x40;
    variants.push(['flipped payload byte', flipped]);
    variants.push(['zeros after', Buffer.concat([original.subarray(0, lastStart + 10), Buffer.alloc(4096)])]);
    variants.push(['garbage after', Buffer.concat([original.subarray(0, lastStart + 3), Buffer.from(Array.from({ length: 300 }, () => random.int(256)))])]);
    for (const [name, bytes] of variants) {
      const caseDir = join(dir, `case-${name.replace(/\W/g, '_')}`);
      await mkdir(join(caseDir, 'wal'), { recursive: true });
      await writeFile(join(caseDir, 'wal', first), bytes);
      const warnings: string[] = [];
      const { wal: w, groups } = await open(caseDir, { warn: (m) => warnings.push(m) });
      assert.deepEqual(groups.get(1)?.entries.map((e) => e.index), [1, 2], name);
      assert.equal((await stat(join(caseDir, 'wal', first))).size, lastStart, `${name}: file truncated to the last good record`);
      assert.equal(warnings.length, 1, name);
      assert.match(warnings[0] as string, /torn tail/);
      // The repaired log keeps working: a new append survives another restart.
      await w.append([entry(1, 2, 3, 'after repair')]);
      await w.close();
      const again = await open(caseDir);
      assert.deepEqual(again.groups.get(1)?.entries.map((e) => `${e.index}@${e.term}`), ['1@1', '2@1', '3@2'], name);
      await again.wal.close();
    }
  });
});

test('corruption before the last record refuses to start, naming file and offset', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await open(dir, { segmentBytesMax: 600 });
    for (let i = 1; i <= 40; i++) await wal.append([entry(1, 1, i)]);
    await wal.close();
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 3);
    // Damage the second record of the last segment: valid records follow it.
    const last = join(dir, 'wal', files[files.length - 1] as string);
    const bytes = await readFile(last);
    const firstLength = 8 + bytes.readUInt32LE(segmentHeaderBytes);
    const secondAt = segmentHeaderBytes + firstLength;
    const damaged = Buffer.from(bytes);
    damaged[secondAt + 20] = (damaged[secondAt + 20] as number) ^ 1;
    await writeFile(last, damaged);
    await assert.rejects(open(dir, { segmentBytesMax: 600 }), (error: unknown) => {
      assert.ok(error instanceof FloeError);
      assert.equal(error.code, 'FLOE_ERR_WAL_CORRUPT');
      assert.ok(error.message.includes(last), error.message);
      assert.ok(error.message.includes(`byte offset ${secondAt}`), error.message);
      return true;
    });
    await writeFile(last, bytes);
    // A torn end of a segment that is not the last is corruption too.
    const middle = join(dir, 'wal', files[1] as string);
    const middleBytes = await readFile(middle);
    await writeFile(middle, middleBytes.subarray(0, middleBytes.length - 5));
    await assert.rejects(open(dir, { segmentBytesMax: 600 }), (error: unknown) =>
      error instanceof FloeError && error.code === 'FLOE_ERR_WAL_CORRUPT' && error.message.includes(middle));
  });
});

test('group commit: appends made during an in-flight fdatasync share the next one', async () => {
  await withTempDir(async (dir) => {
    const disk = new FaultyDisk(nodeDisk);
    const { wal } = await open(dir, { disk });
    const syncsAtStart = disk.counts.datasync;
    const release = disk.hold('datasync');
    const first = wal.append([entry(1, 1, 1)]);
    let firstDone = false;
    void first.then(() => { firstDone = true; });
    // 100 more appends, each in its own turn of the event loop, while the first sync is held.
    const rest: Promise<void>[] = [];
    for (let i = 2; i <= 101; i++) {
      await new Promise<void>((r) => setImmediate(r));
      rest.push(wal.append([entry(1, 1, i), { type: 'hardState', group: 1, term: 1, vote: 0, commit: i - 1 }]));
    }
    assert.equal(firstDone, false, 'not acknowledged before its fdatasync');
    release();
    await Promise.all([first, ...rest]);
    assert.equal(disk.counts.datasync - syncsAtStart, 2, 'one fdatasync for the first batch, one for all the others');
    assert.equal(wal.stats().batchesWritten, 2);
    assert.equal(wal.stats().recordsAppended, 201);
    // Appends within one synchronous turn are one batch, hence one write.
    const writesBefore = disk.counts.write;
    await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append([entry(2, 1, i + 1)])));
    assert.equal(disk.counts.write - writesBefore, 1);
    await wal.close();
  });
});

test('everysec: appends resolve once written; fdatasync only when the caller\'s clock says so', async () => {
  await withTempDir(async (dir) => {
    const disk = new FaultyDisk(nodeDisk);
    const { wal } = await open(dir, { disk, fsync: 'everysec', everysecIntervalMs: 1000 });
    const base = disk.counts.datasync;
    for (let i = 1; i <= 10; i++) await wal.append([entry(1, 1, i)]);
    assert.equal(disk.counts.datasync - base, 0);
    wal.maybeSync(5_000);
    wal.maybeSync(5_999);
    await wal.append([entry(1, 1, 11)]);
    assert.equal(disk.counts.datasync - base, 0, 'interval not yet passed');
    wal.maybeSync(6_000);
    await wal.sync(); // joins the sync maybeSync started
    assert.equal(disk.counts.datasync - base, 1);
    wal.maybeSync(7_500);
    await wal.sync();
    assert.equal(disk.counts.datasync - base, 1, 'nothing new to sync');
    // A crash loses what was written but not synced, and nothing else.
    await wal.append([entry(1, 1, 12)]);
    await disk.crash();
    const again = await open(dir);
    assert.deepEqual(again.groups.get(1)?.entries.map((e) => e.index), Array.from({ length: 11 }, (_, i) => i + 1));
    await again.wal.close();
  });
});

test('always: after a crash with torn unsynced bytes, every acknowledged batch is there', async () => {
  await withTempDir(async (dir) => {
    const random = new Xoshiro128(99);
    for (let round = 0; round < 5; round++) {
      const disk = new FaultyDisk(nodeDisk);
      const { wal, groups } = await open(dir, { disk, segmentBytesMax: 2048 });
      const before = groups.get(1)?.entries.length ?? 0;
      let acked = before;
      for (let i = 1; i <= 30; i++) {
        await wal.append([entry(1, 1, before + i)]);
        acked = before + i;
      }
      // An append that is written but whose fdatasync never completes (the power goes).
      const release = disk.hold('datasync');
      const pending = wal.append([entry(1, 1, acked + 1), entry(1, 1, acked + 2)]);
      await new Promise<void>((r) => setImmediate(r));
      await disk.crash((_path, unsynced) => random.int(unsynced + 1));
      release();
      await pending.catch(() => {});
      const again = await open(dir, { segmentBytesMax: 2048, warn: () => {} });
      const indexes = again.groups.get(1)?.entries.map((e) => e.index) ?? [];
      assert.ok(indexes.length >= acked && indexes.length <= acked + 2, `round ${round}: ${indexes.length} vs ${acked}`);
      assert.deepEqual(indexes, Array.from({ length: indexes.length }, (_, i) => i + 1));
      await again.wal.close();
    }
  });
});

test('ENOSPC on write fails the batch and every later append; reads of replayed state are unaffected', async () => {
  await withTempDir(async (dir) => {
    const disk = new FaultyDisk(nodeDisk);
    const failures: FloeError[] = [];
    const { wal } = await open(dir, { disk, onFailure: (e) => failures.push(e) });
    await wal.append([entry(1, 1, 1), entry(1, 1, 2)]);
    disk.inject({ op: 'write', code: 'ENOSPC', pathIncludes: '.wal', writtenBytes: 20 });
    const isDiskError = (error: unknown) => error instanceof FloeError && error.code === 'FLOE_ERR_DISK';
    await assert.rejects(wal.append([entry(1, 1, 3), entry(1, 1, 4)]), isDiskError);
    assert.ok(isDiskError(wal.failure));
    assert.match(String(wal.failure?.message), /ENOSPC/);
    await assert.rejects(wal.append([entry(1, 1, 5)]), isDiskError);
    await assert.rejects(wal.sync(), isDiskError);
    assert.equal(failures.length, 1);
    assert.deepEqual(wal.stats().segments, 1);
    await wal.close();
    // The half-written batch is a torn tail: only acknowledged entries come back.
    const again = await open(dir, { warn: () => {} });
    assert.deepEqual(again.groups.get(1)?.entries.map((e) => e.index), [1, 2]);
    await again.wal.close();
  });
});

test('EIO on fdatasync fails the batch that waited for it, and pending appends with it', async () => {
  await withTempDir(async (dir) => {
    const disk = new FaultyDisk(nodeDisk);
    const { wal } = await open(dir, { disk });
    await wal.append([entry(1, 1, 1)]);
    const release = disk.hold('datasync');
    disk.inject({ op: 'datasync', code: 'EIO' });
    const inFlight = wal.append([entry(1, 1, 2)]);
    await new Promise<void>((r) => setImmediate(r));
    const queued = wal.append([entry(1, 1, 3)]);
    const syncWaiter = wal.sync();
    release();
    for (const p of [inFlight, queued, syncWaiter]) {
      await assert.rejects(p, (e: unknown) => e instanceof FloeError && e.code === 'FLOE_ERR_DISK');
    }
    assert.match(String(wal.failure?.message), /EIO/);
    await wal.close();
  });
});

test('compaction: a segment goes once every group\'s snapshot covers its entries; boot still replays right', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await open(dir, { segmentBytesMax: 700 });
    for (let i = 1; i <= 60; i++) {
      await wal.append([entry(1, 1, i), { type: 'hardState', group: 1, term: 1, vote: 7, commit: i }]);
      if (i <= 20) await wal.append([entry(2, 1, i), { type: 'hardState', group: 2, term: 3, vote: 8, commit: i }]);
    }
    const before = (await segmentFiles(dir)).length;
    assert.ok(before >= 6);
    assert.deepEqual(wal.compactionBlockers(), [1, 2]);
    await wal.append([{ type: 'snapshot', group: 1, term: 1, index: 50 }]);
    assert.deepEqual(wal.compactionBlockers(), [2], 'group 2 alone now pins the oldest segment');
    assert.equal((await segmentFiles(dir)).length, before, 'nothing deleted while group 2 needs it');
    await wal.append([{ type: 'snapshot', group: 2, term: 1, index: 20 }]);
    await wal.close(); // waits for the deletions
    const after = await segmentFiles(dir);
    assert.ok(after.length < before - 3, `${before} → ${after.length}`);
    assert.equal(wal.stats().segmentsDeleted, before - after.length);
    const { wal: again, groups } = await open(dir, { segmentBytesMax: 700 });
    assert.deepEqual(groups.get(1)?.snapshot, { group: 1, index: 50, term: 1 });
    assert.deepEqual(groups.get(1)?.entries.map((e) => e.index), Array.from({ length: 10 }, (_, i) => 51 + i));
    assert.deepEqual(groups.get(1)?.hardState, { term: 1, vote: 7, commit: 60 });
    // Group 2's last records were in deleted segments: the checkpoints carried its state.
    assert.deepEqual(groups.get(2)?.hardState, { term: 3, vote: 8, commit: 20 });
    assert.deepEqual(groups.get(2)?.entries, []);
    await again.close();
  });
});

test('sync: false (a commit-only hard state) is written without an fdatasync of its own', async () => {
  await withTempDir(async (dir) => {
    const disk = new FaultyDisk(nodeDisk);
    const { wal } = await open(dir, { disk });
    await wal.append([entry(1, 1, 1)]);
    const base = disk.counts.datasync;
    await wal.append([{ type: 'hardState', group: 1, term: 1, vote: 0, commit: 1 }], { sync: false });
    assert.equal(disk.counts.datasync - base, 0);
    // Batched with an append that needs durability, the batch is synced.
    await Promise.all([
      wal.append([{ type: 'hardState', group: 1, term: 1, vote: 0, commit: 1 }], { sync: false }),
      wal.append([entry(1, 1, 2)]),
    ]);
    assert.equal(disk.counts.datasync - base, 1);
    await wal.close();
  });
});

test('everysec: sync() issued before a rotation still gets its fdatasync', async () => {
  await withTempDir(async (dir) => {
    const disk = new FaultyDisk(nodeDisk);
    const { wal } = await open(dir, { disk, fsync: 'everysec', segmentBytesMax: 64 });
    const release = disk.hold('write');
    void wal.append([entry(1, 1, 1, 'x'.repeat(100))]); // held in its write; fills the segment
    await new Promise<void>((r) => setImmediate(r));
    void wal.append([entry(1, 1, 2)]); // staged; its write will rotate (and sync) first
    const synced = wal.sync();
    release();
    await synced; // would hang if the rotation's own sync had swallowed the request
    assert.ok(wal.stats().segments >= 2, 'rotated');
    for (const [path, state] of disk.files) assert.equal(state.syncedSize, state.size, `${path} fully synced`);
    await wal.close();
  });
});

test('a missing segment in the middle, or a torn segment creation, are told apart', async () => {
  await withTempDir(async (dir) => {
    const { wal } = await open(dir, { segmentBytesMax: 300 });
    for (let i = 1; i <= 30; i++) await wal.append([entry(1, 1, i)]);
    await wal.close();
    const files = await segmentFiles(dir);
    // A rotation torn right after the file was created: an empty last segment is removed.
    const lastSeq = Number.parseInt((files[files.length - 1] as string).slice(0, 16), 16);
    const emptyName = `${(lastSeq + 1).toString(16).padStart(16, '0')}.wal`;
    await writeFile(join(dir, 'wal', emptyName), Buffer.alloc(5));
    const warnings: string[] = [];
    const reopened = await open(dir, { segmentBytesMax: 300, warn: (m) => warnings.push(m) });
    assert.equal(reopened.groups.get(1)?.entries.length, 30);
    assert.equal(warnings.length, 1);
    await reopened.wal.append([entry(1, 1, 31)]);
    await reopened.wal.close();
    const again = await open(dir, { segmentBytesMax: 300 });
    assert.equal(again.groups.get(1)?.entries.length, 31);
    await again.wal.close();
    // A segment file deleted from the middle: refuse.
    const now = await segmentFiles(dir);
    await rm(join(dir, 'wal', now[2] as string));
    await assert.rejects(open(dir, { segmentBytesMax: 300 }), (e: unknown) =>
      e instanceof FloeError && e.code === 'FLOE_ERR_WAL_CORRUPT' && /is missing/.test(e.message));
  });
});

/** NodeDisk whose files count their synchronous calls and can fail the next writeNow. */
class SyncCountingDisk extends NodeDisk {
  writesNow = 0;
  syncsNow = 0;
  asyncWrites = 0;
  failNextWrite: string | null = null;
  override async open(path: string, mode: Parameters<NodeDisk['open']>[1]) {
    const file = await super.open(path, mode);
    const writeNow = file.writeNow?.bind(file);
    const datasyncNow = file.datasyncNow?.bind(file);
    const write = file.write.bind(file);
    assert.ok(writeNow !== undefined && datasyncNow !== undefined, 'NodeDisk files have the synchronous pair');
    return Object.assign(file, {
      write: (data: Uint8Array, position: number) => {
        this.asyncWrites++;
        return write(data, position);
      },
      writeNow: (data: Uint8Array, position: number) => {
        if (this.failNextWrite !== null) {
          const code = this.failNextWrite;
          this.failNextWrite = null;
          throw Object.assign(new Error(`${code}: write (injected)`), { code });
        }
        this.writesNow++;
        writeNow(data, position);
      },
      datasyncNow: () => {
        this.syncsNow++;
        datasyncNow();
      },
    });
  }
}

test('always: batches go through the synchronous write and fdatasync; a failed one fails the log', async () => {
  await withTempDir(async (dir) => {
    const disk = new SyncCountingDisk();
    const { wal } = await open(dir, { disk });
    const asyncAtStart = disk.asyncWrites; // the segment header
    await Promise.all(Array.from({ length: 10 }, (_, i) => wal.append([entry(1, 1, i + 1)])));
    await wal.append([entry(1, 1, 11), { type: 'hardState', group: 1, term: 1, vote: 1, commit: 11 }]);
    assert.equal(disk.writesNow, 2, 'one synchronous write per batch');
    assert.equal(disk.syncsNow, 2, 'one synchronous fdatasync per batch');
    assert.equal(disk.asyncWrites, asyncAtStart);
    disk.failNextWrite = 'ENOSPC';
    await assert.rejects(wal.append([entry(1, 1, 12)]), (e: unknown) => e instanceof FloeError && e.code === 'FLOE_ERR_DISK');
    assert.match(String(wal.failure?.message), /ENOSPC/);
    await wal.close();
    const again = await open(dir);
    assert.deepEqual(again.groups.get(1)?.entries.map((e) => e.index), Array.from({ length: 11 }, (_, i) => i + 1));
    await again.wal.close();
  });
});

test('everysec, or syncIo off: writes and fdatasyncs stay off the event loop', async () => {
  for (const options of [{ fsync: 'everysec' as const }, { fsync: 'always' as const, syncIo: false }]) {
    await withTempDir(async (dir) => {
      const disk = new SyncCountingDisk();
      const { wal } = await open(dir, { disk, ...options });
      const asyncAtStart = disk.asyncWrites;
      await wal.append([entry(1, 1, 1)]);
      await wal.sync();
      assert.equal(disk.writesNow, 0);
      assert.equal(disk.syncsNow, 0);
      assert.equal(disk.asyncWrites, asyncAtStart + 1);
      await wal.close();
    });
  }
});
