// Reads one WAL segment file record by record in bounded chunks, and decides what a bad
// record means: at the end of the last segment it is a torn write (the caller truncates it);
// anywhere else it is corruption, reported as FLOE_ERR_WAL_CORRUPT with file and offset.

import type { Disk, DiskFile } from '../io/disk.ts';
import { FloeError } from '../util/errors.ts';
import { replayReadChunkBytes } from './constants.ts';
import { checkSegmentHeader, decodeRecord, recordHeaderBytes, segmentHeaderBytes } from './record.ts';
import type { WalRecord } from './types.ts';

export interface SegmentScan {
  fileBytes: number;
  /** Bytes from the start of the file through the last good record (0: not even a header). */
  validBytes: number;
  /** Why the bytes after validBytes were rejected as a torn tail; null if the file is whole. */
  torn: string | null;
}

/** Receives each good record with its byte offset in the file. */
export type RecordSink = (record: WalRecord, offset: number) => void;

export function walCorrupt(path: string, offset: number, reason: string): FloeError {
  return new FloeError(
    'FLOE_ERR_WAL_CORRUPT',
    `write-ahead log ${path} is corrupt at byte offset ${offset}: ${reason}. ` +
      'Only a damaged last record is repaired automatically; refusing to start. ' +
      'Restore the node from its peers (wipe its data dir) or inspect the file.',
  );
}

/** A window over the file that slides forward; holds at most one record plus one chunk. */
class ChunkReader {
  buf: Buffer = Buffer.allocUnsafe(replayReadChunkBytes);
  /** File offset of buf[0]. */
  start = 0;
  /** Valid bytes in buf. */
  filled = 0;
  private readonly file: DiskFile;
  private readonly size: number;

  constructor(file: DiskFile, size: number) {
    this.file = file;
    this.size = size;
  }

  /** Makes buf hold file bytes [pos, pos + need); need must not run past the end. */
  async ensure(pos: number, need: number): Promise<void> {
    if (pos >= this.start && pos + need <= this.start + this.filled) return;
    // Keep the buffered bytes from pos on (the start of a record that did not fit), then refill.
    const end = this.start + this.filled;
    const kept = pos >= this.start && pos < end ? end - pos : 0;
    const capacity = Math.max(replayReadChunkBytes, need);
    const next = capacity > this.buf.length ? Buffer.allocUnsafe(capacity) : this.buf;
    if (kept > 0) this.buf.copy(next, 0, pos - this.start, this.filled);
    this.buf = next;
    this.start = pos;
    this.filled = kept;
    const want = Math.min(capacity, this.size - pos);
    while (this.filled < want) {
      const n = await this.file.read(this.buf, this.filled, want - this.filled, pos + this.filled);
      if (n === 0) throw new Error(`${this.file.path} shrank while being read`);
      this.filled += n;
    }
  }
}

export async function scanSegment(
  disk: Disk, path: string, seq: number, isLast: boolean, sink: RecordSink,
): Promise<SegmentScan> {
  const file = await disk.open(path, 'read');
  try {
    const size = await file.size();
    const reader = new ChunkReader(file, size);
    if (size < segmentHeaderBytes) return await rejectTail(file, path, size, 0, isLast, 'segment header incomplete');
    await reader.ensure(0, segmentHeaderBytes);
    const headerProblem = checkSegmentHeader(reader.buf.subarray(0, segmentHeaderBytes), seq);
    if (headerProblem !== null) return await rejectTail(file, path, size, 0, isLast, headerProblem);
    let pos = segmentHeaderBytes;
    while (pos < size) {
      await reader.ensure(pos, Math.min(recordHeaderBytes, size - pos));
      const at = pos - reader.start;
      const res = decodeRecord(reader.buf, at, reader.filled);
      if (res.status === 'short') {
        if (pos + res.needBytes > size) return await rejectTail(file, path, size, pos, isLast, 'record runs past the end of the file');
        await reader.ensure(pos, res.needBytes);
        continue;
      }
      if (res.status === 'bad') return await rejectTail(file, path, size, pos, isLast, res.reason);
      sink(res.record, pos);
      pos = reader.start + res.end;
    }
    return { fileBytes: size, validBytes: pos, torn: null };
  } finally {
    await file.close();
  }
}

/**
 * The bytes from `pos` to the end are not a record. That is a torn write only if this is the
 * last segment and no valid record follows; a valid record after it means the damage is in
 * the middle of the log, where acknowledged writes live, so it is refused.
 */
async function rejectTail(
  file: DiskFile, path: string, size: number, pos: number, isLast: boolean, reason: string,
): Promise<SegmentScan> {
  if (!isLast) throw walCorrupt(path, pos, `${reason} (in a segment that is not the last)`);
  const tail = Buffer.allocUnsafe(size - pos);
  let filled = 0;
  while (filled < tail.length) {
    const n = await file.read(tail, filled, tail.length - filled, pos + filled);
    if (n === 0) break;
    filled += n;
  }
  for (let at = 1; at + recordHeaderBytes <= filled; at++) {
    if (decodeRecord(tail, at, filled).status === 'ok') {
      throw walCorrupt(path, pos, `${reason}, and a valid record follows at byte offset ${pos + at}`);
    }
  }
  return { fileBytes: size, validBytes: pos, torn: reason };
}
