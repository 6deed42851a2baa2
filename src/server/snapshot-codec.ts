// Keyspace snapshots: the whole keyspace of a group as a stream of records, one per key, that
// rebuild it exactly — values, TTLs (absolute), and keys already past their TTL but not yet
// deleted by the leader (so a restored replica holds what the others hold).
// Layout: "FLKS" u8 version, then records: u8 type | f64 expireAtMs (-1 none) | u32 n | n × (u32 len, bytes)
// where the first item is the key and the rest the value: the string itself, or a
// collection's items as its rebuild command takes them (hash: field value …, list: items in
// order, zset: score member …). Sets are kept exactly (version 2): encoding ("intset",
// "listpack", "hashtable"), the hashtable's hole slots (u32 LE each, one item), then the
// members in internal order — SPOP picks by position, so a restored replica must have the
// same layout as the others, not just the same members. Version 1 (sets as plain members,
// rebuilt with SADD) is still read.

import type { CopyOnWrite, Entry, Keyspace } from '../store/keyspace.ts';
import { SetValue, type SetLayout } from '../store/set.ts';
import type { Value, ValueType } from '../store/types.ts';
import { assert } from '../util/assert.ts';

const MAGIC = 'FLKS';
const VERSION = 2;
const VERSION_SET_MEMBERS_ONLY = 1;
const TYPE_CODES: Record<ValueType, number> = { string: 0, hash: 1, list: 2, set: 3, zset: 4 };
const CODE_TYPES: ValueType[] = ['string', 'hash', 'list', 'set', 'zset'];
const CHUNK_BYTES_DEFAULT = 1024 * 1024; // 1 MiB per yielded chunk

/** Turns a collection into the items its rebuild command takes; supplied by the node (via the command table). */
export type CollectionDumper = (key: string, v: Exclude<Value, string>) => string[];
/** Rebuilds a collection at key from its items (HSET/RPUSH/SADD/ZADD through the command table). */
export type CollectionLoader = (key: string, type: ValueType, items: string[]) => void;

/**
 * Writes a snapshot of a keyspace as it is now, a slice at a time, while the keyspace goes on
 * changing: copy on write, per key. The writer walks the order slots that existed when it was
 * made; installed as the keyspace's `cow` hook, it is told about a key before anything reads
 * or changes it, and writes that key's record first if the walk has not reached it yet (its
 * state then is still the state at the start). Keys created later sit past the walk's end;
 * a key deleted before the walk reached it was written when it was deleted. The keyspace does
 * not compact its order slots while a writer is installed.
 */
export class KeyspaceSnapshot implements CopyOnWrite {
  private readonly db: Keyspace;
  private readonly dump: CollectionDumper;
  private readonly chunkBytes: number;
  private readonly bufferBytes: number;
  /** Slots below `slot` have been walked; the walk ends at `end`, the slot count at the start. */
  private slot = 0;
  private readonly end: number;
  /** Keys written ahead of the walk (copied before a change), which the walk skips. */
  private readonly early = new Set<string>();
  private readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private at: number;

  constructor(db: Keyspace, dump: CollectionDumper, chunkBytes = CHUNK_BYTES_DEFAULT) {
    this.db = db;
    this.dump = dump;
    this.chunkBytes = chunkBytes;
    this.bufferBytes = Math.max(2 * chunkBytes, 4096);
    this.buf = Buffer.allocUnsafe(this.bufferBytes);
    this.buf.write(MAGIC + String.fromCharCode(VERSION), 0, 'latin1');
    this.at = 5;
    this.end = db.slotCount;
  }

  get done(): boolean {
    return this.slot >= this.end;
  }

  /** Records written ahead of the walk (for the log). */
  get copied(): number {
    return this.early.size;
  }

  before(key: string, e: Entry): void {
    if (e.pos >= this.end || e.pos < this.slot || this.early.has(key)) return;
    this.early.add(key);
    this.write(key, e);
  }

  beforeFlush(): void {
    this.step(Infinity);
  }

  /**
   * Walks on until `deadlineMs` (performance.now() time) has passed, at least one chunk was
   * cut, or the walk is over; true once it is over.
   */
  step(deadlineMs: number): boolean {
    const chunksBefore = this.chunks.length;
    while (this.slot < this.end) {
      const key = this.db.slotKey(this.slot++);
      if (key === null || this.early.has(key)) continue;
      const e = this.db.rawQuiet(key);
      assert(e !== undefined, 'snapshot walk found a key without an entry');
      this.write(key, e);
      if (this.chunks.length > chunksBefore && performance.now() >= deadlineMs) break;
    }
    return this.done;
  }

  /** The snapshot's chunks; call once the walk is over. */
  finish(): Buffer[] {
    assert(this.done, 'snapshot finished before its walk');
    this.cut();
    return this.chunks;
  }

  /** Copies what the buffer holds out as a chunk and starts it over. */
  private cut(): void {
    if (this.at > 0) this.chunks.push(Buffer.from(this.buf.subarray(0, this.at)));
    this.at = 0;
  }

  private write(key: string, e: Entry): void {
    const v = e.v;
    const items = typeof v === 'string' ? null : v instanceof SetValue ? setItems(v.layout()) : this.dump(key, v);
    let size = 1 + 8 + 4 + 4 + key.length;
    if (items === null) size += 4 + (v as string).length;
    else for (const item of items) size += 4 + item.length;
    if (this.at + size > this.buf.length) {
      this.cut();
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(size);
    }
    const buf = this.buf;
    let at = this.at;
    buf[at] = TYPE_CODES[typeof v === 'string' ? 'string' : v.type];
    buf.writeDoubleLE(this.db.getExpire(key) ?? -1, at + 1);
    buf.writeUInt32LE(items === null ? 2 : items.length + 1, at + 9);
    at = writeItem(buf, at + 13, key);
    if (items === null) at = writeItem(buf, at, v as string);
    else for (const item of items) at = writeItem(buf, at, item);
    this.at = at;
    if (at >= this.chunkBytes) {
      this.cut();
      if (buf.length > this.bufferBytes) this.buf = Buffer.allocUnsafe(this.bufferBytes);
    }
  }
}

function setItems(l: SetLayout): string[] {
  const holes = Buffer.allocUnsafe(4 * l.holes.length);
  l.holes.forEach((slot, i) => holes.writeUInt32LE(slot, 4 * i));
  return [l.encoding, holes.toString('latin1'), ...l.members];
}

function setLayout(items: string[]): SetLayout {
  const [encoding, holeBytes] = items;
  assert(encoding === 'intset' || encoding === 'listpack' || encoding === 'hashtable', 'snapshot set of unknown encoding');
  assert(holeBytes !== undefined && holeBytes.length % 4 === 0, 'snapshot set record malformed');
  const raw = Buffer.from(holeBytes, 'latin1');
  const holes: number[] = [];
  for (let i = 0; i < raw.length; i += 4) holes.push(raw.readUInt32LE(i));
  return { encoding, holes, members: items.slice(2) };
}

/** Writes u32 length + latin1 bytes of s at `at`; returns the end. */
function writeItem(buf: Buffer, at: number, s: string): number {
  buf.writeUInt32LE(s.length, at);
  return at + 4 + buf.write(s, at + 4, 'latin1');
}

/** Replaces db's contents with the snapshot in data. */
export function decodeKeyspace(db: Keyspace, data: Uint8Array, nowMs: number, load: CollectionLoader): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  db.flush();
  if (buf.length === 0) return;
  const version = buf[4];
  assert(buf.toString('latin1', 0, 4) === MAGIC && (version === VERSION || version === VERSION_SET_MEMBERS_ONLY), 'not a Floe keyspace snapshot');
  let at = 5;
  while (at < buf.length) {
    assert(at + 13 <= buf.length, 'snapshot record truncated');
    const type = CODE_TYPES[buf.readUInt8(at)];
    assert(type !== undefined, 'snapshot record of unknown type');
    const expireAt = buf.readDoubleLE(at + 1);
    const n = buf.readUInt32LE(at + 9);
    at += 13;
    const items: string[] = [];
    for (let i = 0; i < n; i++) {
      assert(at + 4 <= buf.length, 'snapshot record truncated');
      const len = buf.readUInt32LE(at);
      at += 4;
      assert(at + len <= buf.length, 'snapshot record truncated');
      items.push(buf.toString('latin1', at, at + len));
      at += len;
    }
    const key = items[0];
    assert(key !== undefined, 'snapshot record without a key');
    if (type === 'string') db.set(key, items[1] ?? '', nowMs);
    else if (type === 'set' && version === VERSION) db.set(key, SetValue.fromLayout(setLayout(items.slice(1))), nowMs);
    else load(key, type, items.slice(1));
    const e = db.raw(key);
    assert(e !== undefined, 'snapshot record did not create its key');
    if (expireAt >= 0) db.setExpire(key, e, expireAt);
  }
}
