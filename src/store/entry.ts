// The payload of a replicated log entry: what the leader prepared and every replica applies
// identically. A command entry carries the leader's clock and the commands (one, or a whole
// MULTI/EXEC); delete entries carry keys the leader's expire cycle or eviction removed.
// Layout (little-endian): u8 kind | f64 timeMs | u32 origin | u32 count | items…
// where a command item is u32 argc then argc × (u32 length, bytes) and a key item is
// (u32 length, bytes). Strings are one-byte (latin1), so bytes and chars are the same.

import { assert } from '../util/assert.ts';

export const ENTRY_COMMANDS = 1;
export const ENTRY_EXPIRE = 2;
export const ENTRY_EVICT = 3;
/** A change to the peer address book: keys = [op ('add' | 'remove'), name, address]. */
export const ENTRY_PEER = 4;

export interface CommandsEntry {
  readonly kind: typeof ENTRY_COMMANDS;
  readonly timeMs: number;
  /** Node id of the leader that prepared it (diagnostics only). */
  readonly origin: number;
  readonly commands: readonly (readonly string[])[];
}

export interface DeletesEntry {
  readonly kind: typeof ENTRY_EXPIRE | typeof ENTRY_EVICT | typeof ENTRY_PEER;
  readonly timeMs: number;
  readonly origin: number;
  readonly keys: readonly string[];
}

export type StoreEntry = CommandsEntry | DeletesEntry;

const HEADER_BYTES = 1 + 8 + 4 + 4;

function itemsBytes(e: StoreEntry): number {
  let n = 0;
  if (e.kind === ENTRY_COMMANDS) {
    for (const c of e.commands) {
      n += 4;
      for (const a of c) n += 4 + a.length;
    }
  } else {
    for (const k of e.keys) n += 4 + k.length;
  }
  return n;
}

export function encodeEntry(e: StoreEntry): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + itemsBytes(e));
  buf.writeUInt8(e.kind, 0);
  buf.writeDoubleLE(e.timeMs, 1);
  buf.writeUInt32LE(e.origin, 9);
  let at = 17;
  const str = (s: string) => {
    buf.writeUInt32LE(s.length, at);
    at += 4;
    at += buf.write(s, at, 'latin1');
  };
  if (e.kind === ENTRY_COMMANDS) {
    buf.writeUInt32LE(e.commands.length, 13);
    for (const c of e.commands) {
      buf.writeUInt32LE(c.length, at);
      at += 4;
      for (const a of c) str(a);
    }
  } else {
    buf.writeUInt32LE(e.keys.length, 13);
    for (const k of e.keys) str(k);
  }
  assert(at === buf.length, 'entry encoding size mismatch');
  return buf;
}

/** Decodes an entry written by encodeEntry. Entries come from our own checksummed log, so a
 * malformed one is corruption: it fails an assertion rather than being skipped. */
export function decodeEntry(data: Uint8Array): StoreEntry {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  assert(buf.length >= HEADER_BYTES, 'log entry too short');
  const kind = buf.readUInt8(0);
  const timeMs = buf.readDoubleLE(1);
  const origin = buf.readUInt32LE(9);
  const count = buf.readUInt32LE(13);
  let at = 17;
  const u32 = () => {
    assert(at + 4 <= buf.length, 'log entry truncated');
    const v = buf.readUInt32LE(at);
    at += 4;
    return v;
  };
  const str = () => {
    const len = u32();
    assert(at + len <= buf.length, 'log entry truncated');
    const s = buf.toString('latin1', at, at + len);
    at += len;
    return s;
  };
  if (kind === ENTRY_COMMANDS) {
    const commands: string[][] = [];
    for (let i = 0; i < count; i++) {
      const argc = u32();
      const args: string[] = [];
      for (let j = 0; j < argc; j++) args.push(str());
      commands.push(args);
    }
    assert(at === buf.length, 'log entry has trailing bytes');
    return { kind, timeMs, origin, commands };
  }
  assert(kind === ENTRY_EXPIRE || kind === ENTRY_EVICT || kind === ENTRY_PEER, `unknown log entry kind ${kind}`);
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(str());
  assert(at === buf.length, 'log entry has trailing bytes');
  return { kind, timeMs, origin, keys };
}
