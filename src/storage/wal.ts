// The node's write-ahead log: one segmented log shared by every Raft group on the node, so
// one write and one fdatasync cover a whole batch across groups (group commit). Owns the
// wal/ directory: boot replay, torn-tail repair, rotation, compaction and the failed state.

import type { Disk, DiskFile } from '../io/disk.ts';
import { joinPath } from '../io/disk.ts';
import { assert } from '../util/assert.ts';
import { FloeError } from '../util/errors.ts';
import {
  everysecIntervalMs as everysecIntervalMsDefault,
  segmentBytesMax as segmentBytesMaxDefault,
  stagedBytesMax, stagingBufferBytesInitial, stagingBufferBytesRetainedMax,
} from './constants.ts';
import { deferred } from './deferred.ts';
import type { Deferred } from './deferred.ts';
import { encodedRecordBytes, encodeRecord, encodeSegmentHeader, segmentHeaderBytes } from './record.ts';
import { Replay } from './replay.ts';
import { scanSegment, walCorrupt } from './segment-reader.ts';
import {
  assertAppendable, checkpointRecords, cloneTracks, segmentBlockers, trackRecord, trackSegments,
} from './tracking.ts';
import type { GroupTracks, SegmentInfo } from './tracking.ts';
import type { FsyncMode, GroupLog, WalRecord } from './types.ts';

/** What every WAL offers the driver; FileWal writes files, NullWal (fsync none) nothing. */
export interface WriteAheadLog {
  readonly fsync: FsyncMode;
  /**
   * Stages records for the next batch and returns a promise for that batch: with `always` it
   * resolves once the batch is on stable storage, with `everysec` once the OS has it, with
   * `none` at once. All appends made in one synchronous turn share one write and one
   * fdatasync; appends made while a batch is in flight form the next one. Within one call,
   * hard-state records are written after the others, so a torn write never leaves a commit
   * index ahead of the entries it covers. Rejects with FLOE_ERR_DISK once the log has failed.
   *
   * `sync: false` (raft's Ready.mustSync false: only the commit index changed) lets a batch
   * made only of such appends resolve once written, without an fdatasync of its own; a later
   * sync makes it durable.
   */
  append(records: readonly WalRecord[], options?: AppendOptions): Promise<void>;
  /** Resolves when everything appended so far is on stable storage (any mode but none). */
  sync(): Promise<void>;
  /** `everysec` mode: the driver calls this every tick; it starts an fdatasync when one is due. */
  maybeSync(nowMs: number): void;
  /** The error that failed the log, or null. Once failed, every append fails; nothing recovers it but a restart. */
  readonly failure: FloeError | null;
  /** Groups whose un-snapshotted entries keep the oldest segment alive: snapshot these to free disk. */
  compactionBlockers(): number[];
  stats(): WalStats;
  close(): Promise<void>;
}

export interface AppendOptions {
  /** Default true. False: this append does not need an fdatasync before it is acknowledged. */
  sync?: boolean;
}

export interface WalStats {
  segments: number;
  /** Bytes in live segment files. */
  bytes: number;
  recordsAppended: number;
  batchesWritten: number;
  syncs: number;
  segmentsDeleted: number;
}

export interface WalOptions {
  disk: Disk;
  /** The wal/ directory; created if missing. */
  dir: string;
  fsync: 'always' | 'everysec';
  /** Default segmentBytesMax (64 MiB). */
  segmentBytesMax?: number;
  /** Default everysecIntervalMs (1000 ms). */
  everysecIntervalMs?: number;
  warn?: (message: string) => void;
  /** Called once when a write or fdatasync fails and the log enters its failed state. */
  onFailure?: (error: FloeError) => void;
  /** Default true: in mode always, use the Disk's synchronous write/datasync if it has them. */
  syncIo?: boolean;
}

const segmentNamePattern = /^([0-9a-f]{16})\.wal$/;

function segmentName(seq: number): string {
  return `${seq.toString(16).padStart(16, '0')}.wal`;
}

interface Batch {
  no: number;
  buf: Buffer;
  bytes: number;
  records: WalRecord[];
  done: Deferred;
  mustSync: boolean;
}

export interface WalBoot {
  wal: FileWal;
  /** Each group's log as replayed. */
  groups: Map<number, GroupLog>;
  /** Groups whose last record is dropGroup. */
  dropped: Set<number>;
}

/** Opens (or creates) the WAL in `options.dir`, replays it, and returns it with each group's log. */
export async function openWal(options: WalOptions): Promise<WalBoot> {
  const { disk, dir } = options;
  const warn = options.warn ?? (() => {});
  await disk.mkdir(dir);
  const seqs = (await disk.list(dir))
    .map((name) => segmentNamePattern.exec(name)?.[1])
    .filter((hex): hex is string => hex !== undefined)
    .map((hex) => Number.parseInt(hex, 16))
    .sort((a, b) => a - b);
  // Compaction deletes only the oldest segments, so the survivors are consecutive: a hole
  // means a segment file went missing, with whatever acknowledged writes it held.
  for (let i = 1; i < seqs.length; i++) {
    const seq = seqs[i] as number;
    if (seq !== (seqs[i - 1] as number) + 1) throw walCorrupt(joinPath(dir, segmentName(seq)), 0, `segment ${seq - 1} is missing`);
  }
  const replay = new Replay();
  const tracks: GroupTracks = new Map();
  const segments: SegmentInfo[] = [];
  for (const [i, seq] of seqs.entries()) {
    const path = joinPath(dir, segmentName(seq));
    const segment: SegmentInfo = { seq, path, bytes: 0, maxIndex: new Map() };
    segments.push(segment);
    const scan = await scanSegment(disk, path, seq, i === seqs.length - 1, (record, offset) => {
      replay.apply(record, path, offset);
      trackSegments(segments, tracks, record);
      trackRecord(tracks, record);
    });
    segment.bytes = scan.validBytes;
    if (scan.torn !== null) await repairTornTail(disk, dir, segments, scan.validBytes, scan.fileBytes, scan.torn, warn);
  }
  const gap = replay.unexplainedGap();
  if (gap !== null) throw walCorrupt(gap.path, gap.offset, gap.reason);
  // After a torn segment was removed its number is free again, which keeps the sequence without holes.
  const last = segments[segments.length - 1];
  const nextSeq = last !== undefined ? last.seq + 1 : (seqs[0] ?? 1);
  const wal = new FileWal(options, segments, tracks);
  await wal.startSegment(nextSeq);
  return { wal, groups: replay.result(), dropped: replay.dropped() };
}

async function repairTornTail(
  disk: Disk, dir: string, segments: SegmentInfo[], validBytes: number, fileBytes: number,
  reason: string, warn: (message: string) => void,
): Promise<void> {
  const segment = segments[segments.length - 1];
  assert(segment !== undefined);
  warn(`wal: ${segment.path}: dropping a torn tail of ${fileBytes - validBytes} bytes at offset ${validBytes} (${reason})`);
  if (validBytes < segmentHeaderBytes) {
    // A segment whose creation was torn holds nothing: remove it.
    segments.pop();
    await disk.remove(segment.path);
    await disk.syncDir(dir);
    return;
  }
  const file = await disk.open(segment.path, 'readWrite');
  try {
    await file.truncate(validBytes);
    await file.datasync();
  } finally {
    await file.close();
  }
}

export class FileWal implements WriteAheadLog {
  readonly fsync: 'always' | 'everysec';
  /**
   * Mode always: batches are written and fdatasynced with the Disk's synchronous calls when it
   * has them. A batch's acknowledgement waits for its fdatasync anyway, and the Ready loop
   * waits for its batch, so blocking costs no concurrency there, and it saves the threadpool
   * round trips that otherwise cost more CPU than the I/O (docs/storage.md). Mode everysec
   * keeps its periodic fdatasync off the event loop.
   */
  private readonly syncIo: boolean;
  private readonly disk: Disk;
  private readonly dir: string;
  private readonly segmentBytesMax: number;
  private readonly everysecIntervalMs: number;
  private readonly warn: (message: string) => void;
  private readonly onFailure: (error: FloeError) => void;

  /** Live segments, oldest first; the last one is being written. */
  private readonly segments: SegmentInfo[];
  private file: DiskFile | null = null;
  private batchesInSegment = 0;
  /** Group state as of every record appended (staged included): for assertions. */
  private readonly appended: GroupTracks;
  /** Group state as of every record handed to a write: for checkpoints and compaction. */
  private readonly written: GroupTracks;

  private staging: Buffer = Buffer.allocUnsafe(stagingBufferBytesInitial);
  private spare: Buffer | null = Buffer.allocUnsafe(stagingBufferBytesInitial);
  private stagedBytes = 0;
  private stagedRecords: WalRecord[] = [];
  private stagedDone: Deferred | null = null;
  private stagedMustSync = false;

  private sealedBatch = 0;
  private writtenBatch = 0;
  private syncedBatch = 0;
  /** Batches written but not yet synced whose promises wait for the sync (mode always). */
  private unsynced: Deferred[] = [];
  private syncWaiters: Array<{ target: number; done: Deferred }> = [];
  private syncRequested = false;
  private lastSyncMs: number | null = null;

  private running: Promise<void> | null = null;
  private kickScheduled = false;
  /** The batch whose write is in progress (its promise settles after the write or the sync). */
  private inFlight: Deferred | null = null;
  private compacting: Promise<void> | null = null;
  private compactionDirty = true;
  private closed = false;
  private failureError: FloeError | null = null;
  private readonly counters = { recordsAppended: 0, batchesWritten: 0, syncs: 0, segmentsDeleted: 0 };

  constructor(options: WalOptions, segments: SegmentInfo[], tracks: GroupTracks) {
    this.fsync = options.fsync;
    this.syncIo = options.fsync === 'always' && options.syncIo !== false;
    this.disk = options.disk;
    this.dir = options.dir;
    this.segmentBytesMax = options.segmentBytesMax ?? segmentBytesMaxDefault;
    this.everysecIntervalMs = options.everysecIntervalMs ?? everysecIntervalMsDefault;
    this.warn = options.warn ?? (() => {});
    this.onFailure = options.onFailure ?? (() => {});
    assert(this.segmentBytesMax >= 1 && this.everysecIntervalMs >= 1, 'bad WAL options');
    this.segments = segments;
    this.written = tracks;
    this.appended = cloneTracks(tracks);
  }

  get failure(): FloeError | null {
    return this.failureError;
  }

  append(records: readonly WalRecord[], options?: AppendOptions): Promise<void> {
    assert(!this.closed, 'append after close');
    if (this.failureError !== null) return Promise.reject(this.failureError);
    if (records.length === 0) return Promise.resolve();
    if (options?.sync !== false) this.stagedMustSync = true;
    for (const r of records) if (r.type !== 'hardState') this.stage(r);
    for (const r of records) if (r.type === 'hardState') this.stage(r);
    this.stagedDone ??= deferred();
    this.scheduleKick();
    return this.stagedDone.promise;
  }

  private stage(record: WalRecord): void {
    assertAppendable(this.appended, record);
    trackRecord(this.appended, record);
    const bytes = encodedRecordBytes(record);
    this.reserve(bytes);
    this.stagedBytes = encodeRecord(record, this.staging, this.stagedBytes);
    this.stagedRecords.push(record);
    this.counters.recordsAppended++;
  }

  /** Grows the staging buffer (doubling) so `bytes` more fit. */
  private reserve(bytes: number): void {
    const need = this.stagedBytes + bytes;
    assert(need <= stagedBytesMax, `WAL staging exceeds ${stagedBytesMax} bytes: the driver must wait for its batches`);
    if (need <= this.staging.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.staging.length * 2));
    this.staging.copy(grown, 0, 0, this.stagedBytes);
    this.staging = grown;
  }

  sync(): Promise<void> {
    if (this.failureError !== null) return Promise.reject(this.failureError);
    const target = this.stagedBytes > 0 ? this.sealedBatch + 1 : this.sealedBatch;
    if (this.syncedBatch >= target) return Promise.resolve();
    const done = deferred();
    this.syncWaiters.push({ target, done });
    this.syncRequested = true;
    this.scheduleKick();
    return done.promise;
  }

  maybeSync(nowMs: number): void {
    if (this.fsync !== 'everysec' || this.failureError !== null || this.closed) return;
    if (this.lastSyncMs === null) this.lastSyncMs = nowMs;
    if (nowMs - this.lastSyncMs < this.everysecIntervalMs) return;
    this.lastSyncMs = nowMs;
    if (this.syncedBatch === this.writtenBatch && this.stagedBytes === 0) return;
    this.syncRequested = true;
    this.scheduleKick();
  }

  /** Writing starts on a microtask, so every append of the current synchronous turn joins the batch. */
  private scheduleKick(): void {
    if (this.kickScheduled || this.running !== null) return;
    this.kickScheduled = true;
    queueMicrotask(() => {
      this.kickScheduled = false;
      if (this.running === null) this.running = this.run();
    });
  }

  /** The single writer loop: batches go out one at a time, each as one write (+ one fdatasync). */
  private async run(): Promise<void> {
    try {
      while (this.failureError === null) {
        if (this.stagedBytes > 0) {
          const mustSync = await this.writeStaged();
          if (mustSync) await this.syncNow();
        } else if (this.syncRequested && this.syncedBatch < this.writtenBatch) {
          await this.syncNow();
        } else {
          break;
        }
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.syncRequested = false;
      this.running = null;
    }
  }

  /** Writes the staged batch; true if it waits for an fdatasync before it is acknowledged. */
  private async writeStaged(): Promise<boolean> {
    const current = this.segments[this.segments.length - 1];
    assert(current !== undefined && this.file !== null, 'no open segment');
    if (current.bytes >= this.segmentBytesMax && this.batchesInSegment > 0) {
      await this.rotate(current.seq + 1);
    }
    const batch = this.seal();
    this.inFlight = batch.done;
    for (const record of batch.records) {
      trackSegments(this.segments, this.written, record);
      trackRecord(this.written, record);
      // Snapshot markers, truncations and drops are what turn old segments dead.
      if (record.type !== 'entry' && record.type !== 'hardState') this.compactionDirty = true;
    }
    const segment = this.segments[this.segments.length - 1];
    assert(segment !== undefined && this.file !== null);
    const bytes = batch.buf.subarray(0, batch.bytes);
    if (this.syncIo && this.file.writeNow !== undefined) this.file.writeNow(bytes, segment.bytes);
    else await this.file.write(bytes, segment.bytes);
    segment.bytes += batch.bytes;
    this.batchesInSegment++;
    this.counters.batchesWritten++;
    this.writtenBatch = batch.no;
    this.release(batch.buf);
    this.inFlight = null;
    if (this.fsync === 'always' && batch.mustSync) {
      this.unsynced.push(batch.done);
      return true;
    }
    batch.done.resolve();
    return false;
  }

  /** Takes the staged records as the next batch and swaps in the spare buffer. */
  private seal(): Batch {
    const done = this.stagedDone ?? deferred();
    const batch: Batch = {
      no: ++this.sealedBatch, buf: this.staging, bytes: this.stagedBytes, records: this.stagedRecords, done, mustSync: this.stagedMustSync,
    };
    assert(this.spare !== null, 'spare staging buffer in use');
    this.staging = this.spare;
    this.spare = null;
    this.stagedBytes = 0;
    this.stagedRecords = [];
    this.stagedDone = null;
    this.stagedMustSync = false;
    return batch;
  }

  /** Returns a written batch buffer as the spare; an outsized one is dropped so memory shrinks back. */
  private release(buf: Buffer): void {
    this.spare = buf.length > stagingBufferBytesRetainedMax ? Buffer.allocUnsafe(stagingBufferBytesInitial) : buf;
  }

  private async syncNow(): Promise<void> {
    assert(this.file !== null);
    this.syncRequested = false;
    const covered = this.writtenBatch;
    if (this.syncIo && this.file.datasyncNow !== undefined) this.file.datasyncNow();
    else await this.file.datasync();
    this.counters.syncs++;
    this.markSynced(covered);
  }

  private markSynced(covered: number): void {
    this.syncedBatch = covered;
    for (const done of this.unsynced) done.resolve();
    this.unsynced = [];
    const waiting = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiting) {
      if (w.target <= covered) w.done.resolve();
      else this.syncWaiters.push(w);
    }
    // A waiter for a batch not yet written needs another sync after that write.
    if (this.syncWaiters.length > 0) this.syncRequested = true;
    // The writer loop is serial, so at this point everything written is durable: decisions
    // about dead segments made now rest only on durable records.
    if (covered === this.writtenBatch) this.scheduleCompaction();
  }

  /** Closes the current segment (synced first) and starts `seq` with a checkpoint. */
  private async rotate(seq: number): Promise<void> {
    assert(this.file !== null);
    if (this.syncedBatch < this.writtenBatch) await this.syncNow();
    await this.file.close();
    this.file = null;
    await this.startSegment(seq);
  }

  /**
   * Creates segment `seq`: header plus a checkpoint (each group's snapshot marker and hard
   * state as of every record written so far), so no older segment is needed for those.
   * The directory is fsynced so that the file itself survives a crash.
   */
  async startSegment(seq: number): Promise<void> {
    assert(this.file === null, 'a segment is already open');
    const path = joinPath(this.dir, segmentName(seq));
    const records = checkpointRecords(this.written);
    let bytes = segmentHeaderBytes;
    for (const r of records) bytes += encodedRecordBytes(r);
    const buf = Buffer.allocUnsafe(bytes);
    let at = encodeSegmentHeader(seq, buf, 0);
    for (const r of records) at = encodeRecord(r, buf, at);
    assert(at === bytes);
    const file = await this.disk.open(path, 'createExclusive');
    this.file = file;
    await this.disk.syncDir(this.dir);
    await file.write(buf, 0);
    this.segments.push({ seq, path, bytes, maxIndex: new Map() });
    this.batchesInSegment = 0;
  }

  private fail(error: unknown): void {
    if (this.failureError !== null) return;
    const cause = error instanceof Error ? error.message : String(error);
    const failure = new FloeError('FLOE_ERR_DISK',
      `write-ahead log in ${this.dir} failed (${cause}); writes are refused until restart`, { cause: error });
    this.failureError = failure;
    // Nothing that was not synced may be reported durable: fail every waiting promise.
    this.inFlight?.reject(failure);
    this.inFlight = null;
    for (const done of this.unsynced) done.reject(failure);
    this.unsynced = [];
    for (const w of this.syncWaiters) w.done.reject(failure);
    this.syncWaiters = [];
    this.stagedDone?.reject(failure);
    this.stagedDone = null;
    this.stagedBytes = 0;
    this.stagedRecords = [];
    this.onFailure(failure);
  }

  private scheduleCompaction(): void {
    if (this.compacting || !this.compactionDirty) return;
    this.compactionDirty = false;
    let dead = 0;
    while (dead < this.segments.length - 1 && segmentBlockers(this.segments[dead] as SegmentInfo, this.written).length === 0) dead++;
    if (dead === 0) return;
    this.compacting = this.deleteOldest(dead).finally(() => {
      this.compacting = null;
    });
  }

  /**
   * Deletes the `count` oldest segments, oldest first, fsyncing the directory after each:
   * a crash must never leave an older segment without the newer ones whose truncations
   * supersede its entries.
   */
  private async deleteOldest(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const segment = this.segments[0];
      assert(segment !== undefined && this.segments.length > 1);
      try {
        await this.disk.remove(segment.path);
        await this.disk.syncDir(this.dir);
      } catch (error) {
        this.warn(`wal: could not delete ${segment.path}: ${error instanceof Error ? error.message : String(error)}`);
        this.compactionDirty = true;
        return;
      }
      this.segments.shift();
      this.counters.segmentsDeleted++;
    }
  }

  compactionBlockers(): number[] {
    const oldest = this.segments[0];
    if (oldest === undefined || this.segments.length < 2) return [];
    return segmentBlockers(oldest, this.written).sort((a, b) => a - b);
  }

  stats(): WalStats {
    let bytes = 0;
    for (const s of this.segments) bytes += s.bytes;
    return { segments: this.segments.length, bytes, ...this.counters };
  }

  /** Waits for the writer, makes everything written durable, and closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.resolve(); // lets an already scheduled kick start the writer
    while (this.running !== null || this.compacting !== null) {
      await this.running;
      await this.compacting;
    }
    if (this.failureError === null && (this.stagedBytes > 0 || this.syncedBatch < this.writtenBatch)) {
      this.syncRequested = true;
      this.running = this.run();
      await this.running;
    }
    await this.file?.close();
    this.file = null;
  }
}
