// Snapshot files, one directory per group under snap/: written as a stream to a temp file,
// checksummed, fdatasynced, renamed and the directory fsynced; read back as a stream of
// chunks (for boot and for InstallSnapshot). The newest snapshot that verifies wins.

import type { Disk, DiskFile } from '../io/disk.ts';
import { joinPath } from '../io/disk.ts';
import { assert } from '../util/assert.ts';
import { crc32c } from '../util/crc32c.ts';
import { FloeError } from '../util/errors.ts';
import { groupIdMax, snapshotExtraBytesMax, snapshotReadChunkBytes, snapshotWriteBufferBytes } from './constants.ts';
import type { SnapshotMeta } from './types.ts';

export const snapshotMagic = 0x4e534c46; // "FLSN" as little-endian bytes
export const snapshotTrailerMagic = 0x45534c46; // "FLSE"
export const snapshotVersion = 1;
/**
 * magic u32, version u16, reserved u16, group u32, extra length u32, index u64, term u64,
 * header crc u32 (bytes 0..32), extra crc u32; then the extra bytes (the driver's metadata,
 * e.g. Raft's ConfState), then the body.
 */
export const snapshotHeaderBytes = 40;
/** body length u64, crc32c u32 (header + body + length), magic u32. */
export const snapshotTrailerBytes = 16;

const twoTo32 = 0x100000000;
const fileNamePattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const tempSuffix = '.tmp';

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function fileName(meta: SnapshotMeta): string {
  return `${hex16(meta.index)}-${hex16(meta.term)}.snap`;
}

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value >>> 0, at);
  buf.writeUInt32LE(Math.floor(value / twoTo32), at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * twoTo32;
}

function newerFirst(a: SnapshotMeta, b: SnapshotMeta): number {
  return b.index - a.index || b.term - a.term;
}

/** Header plus extra, ready to be the first bytes of the file. */
export function encodeSnapshotHeader(meta: SnapshotMeta, extra: Uint8Array): Buffer {
  assert(Number.isInteger(meta.group) && meta.group >= 0 && meta.group <= groupIdMax, 'bad snapshot group');
  assert(Number.isSafeInteger(meta.index) && meta.index >= 1, 'bad snapshot index');
  assert(Number.isSafeInteger(meta.term) && meta.term >= 0, 'bad snapshot term');
  assert(extra.length <= snapshotExtraBytesMax, 'snapshot extra metadata too large');
  const buf = Buffer.alloc(snapshotHeaderBytes + extra.length);
  buf.writeUInt32LE(snapshotMagic, 0);
  buf.writeUInt16LE(snapshotVersion, 4);
  buf.writeUInt32LE(meta.group, 8);
  buf.writeUInt32LE(extra.length, 12);
  writeU64(buf, meta.index, 16);
  writeU64(buf, meta.term, 24);
  buf.writeUInt32LE(crc32c(buf, 0, 0, 32), 32);
  buf.set(extra, snapshotHeaderBytes);
  buf.writeUInt32LE(crc32c(extra), 36);
  return buf;
}

/** Null if the fixed header is valid and names `meta`; else what is wrong. */
export function checkSnapshotHeader(buf: Buffer, meta: SnapshotMeta): string | null {
  if (buf.readUInt32LE(0) !== snapshotMagic) return 'bad magic';
  if (buf.readUInt16LE(4) !== snapshotVersion) return `unsupported version ${buf.readUInt16LE(4)}`;
  if (crc32c(buf, 0, 0, 32) !== buf.readUInt32LE(32)) return 'header checksum mismatch';
  if (buf.readUInt16LE(6) !== 0) return 'reserved bits set';
  if (buf.readUInt32LE(12) > snapshotExtraBytesMax) return `extra metadata of ${buf.readUInt32LE(12)} bytes`;
  const group = buf.readUInt32LE(8);
  const index = readU64(buf, 16);
  const term = readU64(buf, 24);
  if (group !== meta.group || index !== meta.index || term !== meta.term) {
    return `header says group ${group} index ${index} term ${term}, the file name group ${meta.group} index ${meta.index} term ${meta.term}`;
  }
  return null;
}

/** A checked snapshot's metadata: name, extra bytes and body size. */
export interface SnapshotInfo extends SnapshotMeta {
  extra: Buffer;
  bodyBytes: number;
}

export interface SnapshotStoreOptions {
  disk: Disk;
  /** The snap/ directory. */
  dir: string;
  warn?: (message: string) => void;
}

export class SnapshotStore {
  private readonly disk: Disk;
  private readonly dir: string;
  private readonly warn: (message: string) => void;

  constructor(options: SnapshotStoreOptions) {
    this.disk = options.disk;
    this.dir = options.dir;
    this.warn = options.warn ?? (() => {});
  }

  groupDir(group: number): string {
    return joinPath(this.dir, String(group));
  }

  path(meta: SnapshotMeta): string {
    return joinPath(this.groupDir(meta.group), fileName(meta));
  }

  /** Creates snap/ and removes temp files that a crash left behind. */
  async init(): Promise<void> {
    await this.disk.mkdir(this.dir);
    for (const group of await this.groups()) {
      for (const name of await this.disk.list(this.groupDir(group))) {
        if (name.endsWith(tempSuffix)) await this.disk.remove(joinPath(this.groupDir(group), name));
      }
    }
  }

  /** Groups that have a snapshot directory. */
  async groups(): Promise<number[]> {
    return (await this.disk.list(this.dir))
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((g) => g <= groupIdMax)
      .sort((a, b) => a - b);
  }

  /** Snapshot files of a group by name, newest first; not verified. */
  async list(group: number): Promise<SnapshotMeta[]> {
    const metas: SnapshotMeta[] = [];
    for (const name of await this.disk.list(this.groupDir(group))) {
      const m = fileNamePattern.exec(name);
      if (m === null) continue;
      metas.push({ group, index: Number.parseInt(m[1] as string, 16), term: Number.parseInt(m[2] as string, 16) });
    }
    return metas.sort(newerFirst);
  }

  /** The newest snapshot of a group that passes its checksum; invalid ones are skipped with a warning. */
  async latest(group: number): Promise<SnapshotInfo | null> {
    for (const meta of await this.list(group)) {
      const problem = await this.verify(meta);
      if (problem === null) return this.info(meta);
      this.warn(`snapshot ${this.path(meta)} skipped: ${problem}`);
    }
    return null;
  }

  /** Reads a whole snapshot to check it: null if valid, else what is wrong. */
  async verify(meta: SnapshotMeta): Promise<string | null> {
    try {
      for await (const _chunk of this.read(meta)) { /* checking only */ }
      return null;
    } catch (error) {
      if (error instanceof FloeError) return error.message;
      throw error;
    }
  }

  /** Header, extra metadata and body size, checked but without reading the body. */
  async info(meta: SnapshotMeta): Promise<SnapshotInfo> {
    const opened = await this.openChecked(meta);
    await opened.file.close();
    return { ...meta, extra: opened.extra, bodyBytes: opened.bodyBytes };
  }

  /** Starts writing a snapshot; nothing is visible until commit(). `extra`: small metadata kept apart from the body. */
  async create(meta: SnapshotMeta, extra: Uint8Array = new Uint8Array(0)): Promise<SnapshotWriter> {
    const header = encodeSnapshotHeader(meta, extra);
    await this.disk.mkdir(this.groupDir(meta.group));
    // The group directory must itself survive a crash before a snapshot in it counts.
    await this.disk.syncDir(this.dir);
    const finalPath = this.path(meta);
    const file = await this.disk.open(finalPath + tempSuffix, 'createTruncate');
    return new SnapshotWriter(this, meta, file, finalPath, header);
  }

  /** Called by a writer after its rename is durable: older snapshots of the group go. */
  async removeOlder(meta: SnapshotMeta): Promise<void> {
    try {
      for (const other of await this.list(meta.group)) {
        if (newerFirst(meta, other) < 0) await this.disk.remove(this.path(other));
      }
    } catch (error) {
      // The new snapshot is durable; a leftover old one only costs disk and goes next time.
      this.warn(`snapshots of group ${meta.group}: could not remove an older one: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Deletes every snapshot of a group (the group left this node). */
  async removeGroup(group: number): Promise<void> {
    const dir = this.groupDir(group);
    for (const name of await this.disk.list(dir)) await this.disk.remove(joinPath(dir, name));
    await this.disk.removeDir(dir);
    await this.disk.syncDir(this.dir);
  }

  renameDurably(from: string, to: string, group: number): Promise<void> {
    return this.disk.rename(from, to).then(() => this.disk.syncDir(this.groupDir(group)));
  }

  removeFile(path: string): Promise<void> {
    return this.disk.remove(path);
  }

  /**
   * Streams the body of a snapshot in chunks. Header, extra and trailer are checked first;
   * the checksum covers the whole file and is only known at the end, so the last step throws
   * FLOE_ERR_SNAPSHOT_CORRUPT if it fails: a consumer must not trust the data before the
   * iteration completes.
   */
  async *read(meta: SnapshotMeta, chunkBytes = snapshotReadChunkBytes): AsyncGenerator<Buffer> {
    assert(chunkBytes >= 1, 'bad chunk size');
    const { file, head, trailer, bodyBytes } = await this.openChecked(meta);
    try {
      let crc = crc32c(head);
      const end = head.length + bodyBytes;
      for (let at = head.length; at < end; at += chunkBytes) {
        const chunk = await readExactly(file, at, Math.min(chunkBytes, end - at));
        crc = crc32c(chunk, crc);
        yield chunk;
      }
      crc = crc32c(trailer, crc, 0, 8);
      if (crc !== trailer.readUInt32LE(8)) throw snapshotCorrupt(file.path, 'checksum mismatch');
    } finally {
      await file.close();
    }
  }

  /** Opens a snapshot and checks everything but the body; the caller closes the file. */
  private async openChecked(meta: SnapshotMeta): Promise<{ file: DiskFile; head: Buffer; extra: Buffer; trailer: Buffer; bodyBytes: number }> {
    const path = this.path(meta);
    let file: DiskFile;
    try {
      file = await this.disk.open(path, 'read');
    } catch (error) {
      throw new FloeError('FLOE_ERR_SNAPSHOT_CORRUPT', `snapshot ${path} cannot be opened`, { cause: error });
    }
    try {
      const size = await file.size();
      if (size < snapshotHeaderBytes + snapshotTrailerBytes) throw snapshotCorrupt(path, `only ${size} bytes`);
      const fixed = await readExactly(file, 0, snapshotHeaderBytes);
      const headerProblem = checkSnapshotHeader(fixed, meta);
      if (headerProblem !== null) throw snapshotCorrupt(path, headerProblem);
      const extraBytes = fixed.readUInt32LE(12);
      const headBytes = snapshotHeaderBytes + extraBytes;
      if (size < headBytes + snapshotTrailerBytes) throw snapshotCorrupt(path, 'shorter than its header');
      const extra = await readExactly(file, snapshotHeaderBytes, extraBytes);
      if (crc32c(extra) !== fixed.readUInt32LE(36)) throw snapshotCorrupt(path, 'extra metadata checksum mismatch');
      const trailer = await readExactly(file, size - snapshotTrailerBytes, snapshotTrailerBytes);
      if (trailer.readUInt32LE(12) !== snapshotTrailerMagic) throw snapshotCorrupt(path, 'bad trailer magic (incomplete file?)');
      const bodyBytes = size - headBytes - snapshotTrailerBytes;
      if (readU64(trailer, 0) !== bodyBytes) throw snapshotCorrupt(path, `trailer says ${readU64(trailer, 0)} body bytes, the file holds ${bodyBytes}`);
      return { file, head: Buffer.concat([fixed, extra]), extra, trailer, bodyBytes };
    } catch (error) {
      await file.close();
      throw error;
    }
  }
}

function snapshotCorrupt(path: string, why: string): FloeError {
  return new FloeError('FLOE_ERR_SNAPSHOT_CORRUPT', `snapshot ${path}: ${why}`);
}

async function readExactly(file: DiskFile, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(buf, filled, length - filled, position + filled);
    if (n === 0) throw new FloeError('FLOE_ERR_SNAPSHOT_CORRUPT', `snapshot ${file.path}: ended early`);
    filled += n;
  }
  return buf;
}

/**
 * Writes one snapshot as a stream. write() coalesces small chunks into large writes and
 * resolves when the chunk is buffered or written, so awaiting it is the backpressure.
 */
export class SnapshotWriter {
  readonly meta: SnapshotMeta;
  private readonly store: SnapshotStore;
  private readonly file: DiskFile;
  private readonly finalPath: string;
  private readonly buffer = Buffer.allocUnsafe(snapshotWriteBufferBytes);
  private buffered = 0;
  private position = 0;
  private bodyBytes = 0;
  private crc: number;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private writing = false;

  constructor(store: SnapshotStore, meta: SnapshotMeta, file: DiskFile, finalPath: string, header: Buffer) {
    this.store = store;
    this.meta = meta;
    this.file = file;
    this.finalPath = finalPath;
    header.copy(this.buffer, 0);
    this.buffered = header.length;
    this.crc = crc32c(header);
  }

  async write(chunk: Uint8Array): Promise<void> {
    assert(this.state === 'open' && !this.writing, 'snapshot write while closed or while a write is pending');
    this.writing = true;
    try {
      this.crc = crc32c(chunk, this.crc);
      this.bodyBytes += chunk.length;
      await this.put(chunk);
    } catch (error) {
      throw await this.failed(error);
    } finally {
      this.writing = false;
    }
  }

  /** Buffers `chunk`, writing the buffer out when full; chunks past the buffer size go straight out. */
  private async put(chunk: Uint8Array): Promise<void> {
    if (this.buffered + chunk.length <= this.buffer.length) {
      this.buffer.set(chunk, this.buffered);
      this.buffered += chunk.length;
      if (this.buffered === this.buffer.length) await this.flush();
      return;
    }
    await this.flush();
    if (chunk.length >= this.buffer.length) {
      await this.file.write(chunk, this.position);
      this.position += chunk.length;
    } else {
      this.buffer.set(chunk, 0);
      this.buffered = chunk.length;
    }
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.file.write(this.buffer.subarray(0, this.buffered), this.position);
    this.position += this.buffered;
    this.buffered = 0;
  }

  private async failed(error: unknown): Promise<FloeError> {
    await this.abort();
    if (error instanceof FloeError) return error;
    const why = error instanceof Error ? error.message : String(error);
    return new FloeError('FLOE_ERR_DISK', `writing snapshot ${this.finalPath} failed (${why})`, { cause: error });
  }

  /** Makes the snapshot durable and visible, then removes older ones of the group. */
  async commit(): Promise<{ meta: SnapshotMeta; bodyBytes: number }> {
    assert(this.state === 'open' && !this.writing, 'snapshot commit twice or during a write');
    const trailer = Buffer.allocUnsafe(snapshotTrailerBytes);
    writeU64(trailer, this.bodyBytes, 0);
    trailer.writeUInt32LE(crc32c(trailer, this.crc, 0, 8), 8);
    trailer.writeUInt32LE(snapshotTrailerMagic, 12);
    try {
      await this.put(trailer);
      await this.flush();
      await this.file.datasync();
      await this.file.close();
      this.state = 'committed';
      await this.store.renameDurably(this.finalPath + tempSuffix, this.finalPath, this.meta.group);
    } catch (error) {
      throw await this.failed(error);
    }
    await this.store.removeOlder(this.meta);
    return { meta: this.meta, bodyBytes: this.bodyBytes };
  }

  /** Drops the temp file; the previous snapshot stays the newest. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.file.close().catch(() => {});
    await this.store.removeFile(this.finalPath + tempSuffix).catch(() => {});
  }
}
