import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeDisk } from '../io/node/disk.ts';
import type { Disk } from '../io/disk.ts';
import { FloeError } from '../util/errors.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { SnapshotStore, snapshotHeaderBytes, snapshotTrailerBytes } from './snapshot-store.ts';
import type { SnapshotMeta } from './types.ts';
import { FaultyDisk } from './testing/faulty-disk.ts';
import { MemoryDisk } from './memory-disk.ts';
import { withTempDir } from './testing/tmp.ts';

function randomChunks(seed: number, count: number, sizeMax: number): Buffer[] {
  const random = new Xoshiro128(seed);
  return Array.from({ length: count }, () => Buffer.from(Array.from({ length: random.int(sizeMax) }, () => random.int(256))));
}

async function save(store: SnapshotStore, meta: SnapshotMeta, chunks: Buffer[], extra?: Buffer): Promise<void> {
  const writer = await store.create(meta, extra);
  for (const c of chunks) await writer.write(c);
  await writer.commit();
}

async function readAll(store: SnapshotStore, meta: SnapshotMeta, chunkBytes?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of store.read(meta, chunkBytes)) parts.push(chunk);
  return Buffer.concat(parts);
}

function storeIn(dir: string, disk: Disk = new NodeDisk(), warnings: string[] = []): SnapshotStore {
  return new SnapshotStore({ disk, dir: join(dir, 'snap'), warn: (m) => warnings.push(m) });
}

test('a snapshot written in chunks reads back identical, in chunks of any size', async () => {
  await withTempDir(async (dir) => {
    const store = storeIn(dir);
    await store.init();
    // Small chunks are coalesced, big ones (past the 1 MiB buffer) go straight out.
    const chunks = [...randomChunks(1, 200, 3000), Buffer.alloc(3 * 1024 * 1024, 7), ...randomChunks(2, 20, 100), Buffer.alloc(0)];
    const meta = { group: 5, index: 1234, term: 7 };
    await save(store, meta, chunks, Buffer.from('voters 1,2,3'));
    const expected = Buffer.concat(chunks);
    assert.ok((await readAll(store, meta)).equals(expected));
    assert.ok((await readAll(store, meta, 1000)).equals(expected));
    assert.deepEqual(await store.list(5), [meta]);
    const info = await store.latest(5);
    assert.deepEqual({ ...info, extra: info?.extra.toString() }, { ...meta, extra: 'voters 1,2,3', bodyBytes: expected.length });
    assert.deepEqual(await store.groups(), [5]);
    const files = await readdir(join(dir, 'snap', '5'));
    assert.deepEqual(files, ['00000000000004d2-0000000000000007.snap'], 'no temp file left');
    const size = (await readFile(join(dir, 'snap', '5', files[0] as string))).length;
    assert.equal(size, snapshotHeaderBytes + 'voters 1,2,3'.length + expected.length + snapshotTrailerBytes);
  });
});

test('a newer snapshot replaces older ones once durable; an aborted one changes nothing', async () => {
  await withTempDir(async (dir) => {
    const store = storeIn(dir);
    await store.init();
    await save(store, { group: 1, index: 10, term: 1 }, [Buffer.from('ten')]);
    await save(store, { group: 1, index: 20, term: 2 }, [Buffer.from('twenty')]);
    assert.deepEqual(await store.list(1), [{ group: 1, index: 20, term: 2 }]);
    const writer = await store.create({ group: 1, index: 30, term: 2 });
    await writer.write(Buffer.from('thirty, never finished'));
    await writer.abort();
    assert.deepEqual(await readdir(join(dir, 'snap', '1')), ['0000000000000014-0000000000000002.snap']);
    // A temp file left by a crash is removed on init.
    const crashed = await store.create({ group: 1, index: 40, term: 3 });
    await crashed.write(Buffer.from('partial'));
    await storeIn(dir).init();
    assert.deepEqual(await readdir(join(dir, 'snap', '1')), ['0000000000000014-0000000000000002.snap']);
    await crashed.abort();
  });
});

test('a snapshot that fails its checksum is skipped for an older valid one, and reading it throws', async () => {
  await withTempDir(async (dir) => {
    const warnings: string[] = [];
    const store = storeIn(dir, new NodeDisk(), warnings);
    await store.init();
    const old = { group: 2, index: 10, term: 1 };
    const newer = { group: 2, index: 20, term: 1 };
    await save(store, old, [Buffer.from('old state')]);
    await copyFile(store.path(old), join(dir, 'kept'));
    await save(store, newer, randomChunks(3, 50, 500));
    await copyFile(join(dir, 'kept'), store.path(old)); // as if the crash came before cleanup
    const bytes = await readFile(store.path(newer));
    bytes[snapshotHeaderBytes + 100] = (bytes[snapshotHeaderBytes + 100] as number) ^ 0x10;
    await writeFile(store.path(newer), bytes);
    assert.deepEqual((await store.latest(2))?.index, old.index);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /checksum mismatch/);
    await assert.rejects(readAll(store, newer), (e: unknown) => e instanceof FloeError && e.code === 'FLOE_ERR_SNAPSHOT_CORRUPT');
    // Truncated file, damaged header: also invalid.
    await writeFile(store.path(newer), bytes.subarray(0, bytes.length - 1));
    assert.match(String(await store.verify(newer)), /trailer/);
    const header = Buffer.from(bytes);
    header[9] = (header[9] as number) ^ 1;
    await writeFile(store.path(newer), header);
    assert.match(String(await store.verify(newer)), /header/);
  });
});

test('a failed write or fdatasync leaves no visible snapshot and reports FLOE_ERR_DISK', async () => {
  await withTempDir(async (dir) => {
    const disk = new FaultyDisk(new NodeDisk());
    const store = storeIn(dir, disk);
    await store.init();
    await save(store, { group: 3, index: 5, term: 1 }, [Buffer.from('good')]);
    disk.inject({ op: 'write', code: 'ENOSPC', pathIncludes: '.tmp', writtenBytes: 100 });
    const isDisk = (e: unknown) => e instanceof FloeError && e.code === 'FLOE_ERR_DISK' && /ENOSPC/.test(e.message);
    await assert.rejects(save(store, { group: 3, index: 9, term: 1 }, [Buffer.alloc(2 * 1024 * 1024)]), isDisk);
    disk.inject({ op: 'datasync', code: 'EIO', pathIncludes: '.tmp' });
    await assert.rejects(save(store, { group: 3, index: 9, term: 1 }, [Buffer.from('x')]), (e: unknown) => e instanceof FloeError && e.code === 'FLOE_ERR_DISK');
    assert.deepEqual(await readdir(join(dir, 'snap', '3')), ['0000000000000005-0000000000000001.snap']);
    assert.deepEqual((await store.latest(3))?.index, 5);
    await store.removeGroup(3);
    assert.deepEqual(await store.groups(), []);
  });
});

test('the in-memory disk (fsync none) stores snapshots the same way', async () => {
  const store = new SnapshotStore({ disk: new MemoryDisk(), dir: '/snap' });
  await store.init();
  const chunks = randomChunks(4, 30, 2000);
  await save(store, { group: 9, index: 3, term: 1 }, chunks);
  await save(store, { group: 9, index: 4, term: 1 }, chunks);
  assert.deepEqual(await store.list(9), [{ group: 9, index: 4, term: 1 }]);
  assert.ok((await readAll(store, { group: 9, index: 4, term: 1 }, 777)).equals(Buffer.concat(chunks)));
});

test('damaged extra metadata makes the snapshot invalid', async () => {
  await withTempDir(async (dir) => {
    const store = storeIn(dir);
    await store.init();
    const meta = { group: 6, index: 2, term: 1 };
    await save(store, meta, [Buffer.from('body')], Buffer.from('extra!'));
    const bytes = await readFile(store.path(meta));
    bytes[snapshotHeaderBytes + 2] = (bytes[snapshotHeaderBytes + 2] as number) ^ 4;
    await writeFile(store.path(meta), bytes);
    await assert.rejects(store.info(meta), /extra metadata checksum/);
    assert.equal(await storeIn(dir).latest(6), null);
  });
});
