// The list value type: a growable ring buffer, so pushes and pops at both ends are O(1)
// (amortized over doubling) and an index is O(1). OBJECT ENCODING answers "listpack" or
// "quicklist" with Redis 7.2's rules (list-max-listpack-size, converting back when a list
// shrinks to half the limit), computed from an estimate of the listpack's bytes.

import { assert } from '../util/assert.ts';
import type { EncodingLimits } from './limits.ts';
import { stringBytes } from './memory.ts';
import type { CollectionValue } from './types.ts';

const CAPACITY_MIN = 4; // slots; a power of two
const OBJECT_BYTES = 72; // the value object, its fields and the array header
const LISTPACK_HEADER_BYTES = 7; // total bytes, count and end marker
const SIZE_LIMITS_BYTES = [4096, 8192, 16384, 32768, 65536]; // list-max-listpack-size -1..-5
const SIZE_SAFETY_LIMIT_BYTES = 8192; // a count-limited listpack may not pass this either
const INT_RE = /^-?(0|[1-9][0-9]*)$/;

/** Bytes Redis's listpack spends on one element (its integer or string encoding, backlen). */
export function listpackEntryBytes(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20 && (s.charCodeAt(0) <= 57) && INT_RE.test(s)) {
    const v = Number(s);
    // Beyond ±2^53 Number() rounds, but only the size class matters here.
    if (v >= 0 && v <= 127) return 2;
    if (v >= -4096 && v <= 4095) return 3;
    if (v >= -32768 && v <= 32767) return 4;
    if (v >= -8388608 && v <= 8388607) return 5;
    if (v >= -2147483648 && v <= 2147483647) return 6;
    if (v >= -(2 ** 63) && v <= 2 ** 63) return 10;
  }
  const enc = n <= 63 ? 1 : n <= 4095 ? 2 : 5;
  const e = enc + n;
  return e + (e < 128 ? 1 : e < 16384 ? 2 : e < 2097152 ? 3 : e < 268435456 ? 4 : 5);
}

/** [bytes, count] limits of one listpack under list-max-listpack-size. */
function listpackLimits(fill: number): [number, number] {
  if (fill >= 0) return [SIZE_SAFETY_LIMIT_BYTES, fill === 0 ? 1 : fill];
  const level = Math.min(-fill - 1, SIZE_LIMITS_BYTES.length - 1);
  return [SIZE_LIMITS_BYTES[level] as number, Infinity];
}

export class ListValue implements CollectionValue {
  readonly type = 'list' as const;
  private items: (string | undefined)[] = new Array<string | undefined>(CAPACITY_MIN);
  private head = 0;
  private len = 0;
  /** Sum of stringBytes of the elements (memory estimate). */
  private bytes = 0;
  /** Estimated bytes of the same elements in a listpack (encoding decisions). */
  private lpBytes = LISTPACK_HEADER_BYTES;
  private packed = true;

  encoding(): string {
    return this.packed ? 'listpack' : 'quicklist';
  }

  size(): number {
    return this.len;
  }

  get length(): number {
    return this.len;
  }

  memoryBytes(): number {
    return OBJECT_BYTES + 8 * this.items.length + this.bytes;
  }

  clone(): ListValue {
    const l = new ListValue();
    l.items = this.toArray();
    l.items.length = Math.max(CAPACITY_MIN, this.items.length);
    l.len = this.len;
    l.bytes = this.bytes;
    l.lpBytes = this.lpBytes;
    l.packed = this.packed;
    return l;
  }

  // ---- encoding ------------------------------------------------------------------------

  /** Before adding elements of `addBytes` raw bytes: leaves the listpack if they would not fit. */
  willGrow(addBytes: number, addCount: number, limits: Readonly<EncodingLimits>): void {
    if (!this.packed) return;
    const [bytesMax, countMax] = listpackLimits(limits.listSize);
    if (this.lpBytes + addBytes > bytesMax || this.len + addCount > countMax) this.packed = false;
  }

  /** After removing elements: back to a listpack once the list is within half the limits. */
  shrunk(limits: Readonly<EncodingLimits>): void {
    if (this.packed) return;
    const [bytesMax, countMax] = listpackLimits(limits.listSize);
    if (this.lpBytes <= bytesMax / 2 && this.len <= countMax / 2) this.packed = true;
  }

  private added(x: string): void {
    this.bytes += stringBytes(x);
    this.lpBytes += listpackEntryBytes(x);
  }

  private removed(x: string): void {
    this.bytes -= stringBytes(x);
    this.lpBytes -= listpackEntryBytes(x);
  }

  // ---- ring buffer ---------------------------------------------------------------------

  private slot(i: number): number {
    return (this.head + i) & (this.items.length - 1);
  }

  private resize(capacity: number): void {
    const next = this.toArray();
    next.length = capacity;
    this.items = next;
    this.head = 0;
  }

  private grow(): void {
    if (this.len === this.items.length) this.resize(this.items.length * 2);
  }

  private maybeShrink(): void {
    const cap = this.items.length;
    if (cap > CAPACITY_MIN && this.len < cap / 4) this.resize(cap / 2);
  }

  pushBack(x: string): void {
    this.grow();
    this.items[this.slot(this.len)] = x;
    this.len++;
    this.added(x);
  }

  pushFront(x: string): void {
    this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = x;
    this.len++;
    this.added(x);
  }

  popFront(): string | undefined {
    if (this.len === 0) return undefined;
    const x = this.items[this.head] as string;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.len--;
    this.removed(x);
    this.maybeShrink();
    return x;
  }

  popBack(): string | undefined {
    if (this.len === 0) return undefined;
    const s = this.slot(this.len - 1);
    const x = this.items[s] as string;
    this.items[s] = undefined;
    this.len--;
    this.removed(x);
    this.maybeShrink();
    return x;
  }

  /** Element at index 0..len-1. */
  at(i: number): string {
    assert(i >= 0 && i < this.len, 'list index out of range');
    return this.items[this.slot(i)] as string;
  }

  set(i: number, x: string): void {
    const s = this.slot(i);
    this.removed(this.items[s] as string);
    this.items[s] = x;
    this.added(x);
  }

  /** Elements [start, end] (inclusive, already clamped). */
  range(start: number, end: number): string[] {
    const out: string[] = [];
    const mask = this.items.length - 1;
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) & mask] as string);
    return out;
  }

  toArray(): (string | undefined)[] {
    const out: (string | undefined)[] = new Array<string | undefined>(this.len);
    const mask = this.items.length - 1;
    for (let i = 0; i < this.len; i++) out[i] = this.items[(this.head + i) & mask];
    return out;
  }

  /** Inserts x so that it becomes element i (0 ≤ i ≤ len); O(min(i, len - i)). */
  insertAt(i: number, x: string): void {
    assert(i >= 0 && i <= this.len, 'list insert out of range');
    this.grow();
    const mask = this.items.length - 1;
    if (i < this.len / 2) {
      this.head = (this.head - 1) & mask;
      for (let j = 0; j < i; j++) this.items[(this.head + j) & mask] = this.items[(this.head + j + 1) & mask];
    } else {
      for (let j = this.len; j > i; j--) this.items[(this.head + j) & mask] = this.items[(this.head + j - 1) & mask];
    }
    this.items[(this.head + i) & mask] = x;
    this.len++;
    this.added(x);
  }

  /** Keeps only the elements for which keep(x) is true; returns how many were removed. */
  retain(keep: (x: string, i: number) => boolean): number {
    const mask = this.items.length - 1;
    let w = 0;
    for (let r = 0; r < this.len; r++) {
      const x = this.items[(this.head + r) & mask] as string;
      if (keep(x, r)) this.items[(this.head + w++) & mask] = x;
      else this.removed(x);
    }
    for (let j = w; j < this.len; j++) this.items[(this.head + j) & mask] = undefined;
    const removedCount = this.len - w;
    this.len = w;
    this.maybeShrink();
    return removedCount;
  }

  /** Keeps elements [start, end] (inclusive, already clamped; start > end empties the list). */
  trim(start: number, end: number): void {
    const mask = this.items.length - 1;
    const keepFrom = Math.max(0, start);
    const keepTo = end < start ? -1 : Math.min(end, this.len - 1);
    for (let i = 0; i < this.len; i++) {
      if (i >= keepFrom && i <= keepTo) continue;
      const s = (this.head + i) & mask;
      this.removed(this.items[s] as string);
      this.items[s] = undefined;
    }
    if (keepTo < keepFrom) {
      this.head = 0;
      this.len = 0;
    } else {
      this.head = (this.head + keepFrom) & mask;
      this.len = keepTo - keepFrom + 1;
    }
    this.maybeShrink();
  }
}
