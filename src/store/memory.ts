// The per-entry memory estimate behind used_memory, MEMORY USAGE and maxmemory. It counts the
// bytes a key and its value occupy plus a fixed overhead for the map slot and entry object; it
// is an estimate of what V8 holds, deterministic so every replica computes the same figure.

import { KEY_OVERHEAD_BYTES } from '../constants.ts';
import type { Value } from './types.ts';

/** Bytes a TTL adds: its slot in the expiry map and the boxed expire-at. */
export const EXPIRE_ENTRY_BYTES = 48;

/** Bytes of a one-byte string: V8's string header plus its characters, word-aligned. */
export function stringBytes(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

export function valueBytes(v: Value): number {
  return typeof v === 'string' ? stringBytes(v) : v.memoryBytes();
}

export function entryBytes(key: string, v: Value, hasExpire: boolean): number {
  return KEY_OVERHEAD_BYTES + stringBytes(key) + valueBytes(v) + (hasExpire ? EXPIRE_ENTRY_BYTES : 0);
}
