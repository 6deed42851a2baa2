// The set value type in three encodings, converted as Redis 7.2 converts them: "intset"
// (a sorted array of integers, while every member is a canonical integer), "listpack" (a
// packed string, insertion order) and "hashtable" (a SlotMap). Intset members are limited to
// ±2^53 (exact in a double); a larger integer makes the set a listpack or hashtable instead.

import { assert } from '../util/assert.ts';
import type { Random } from '../util/prng.ts';
import { PACKED_BYTES_MAX, type EncodingLimits } from './limits.ts';
import { stringBytes } from './memory.ts';
import { decode, elementAt, encodedBytes, find, nextAt, packer } from './packed.ts';
import { SLOT_BYTES, SlotMap } from './slotmap.ts';
import type { CollectionValue } from './types.ts';

const OBJECT_BYTES = 56; // the value object and its fields
const ARRAY_BYTES = 48; // a JS array's header and backing store header
const INT_RE = /^-?(0|[1-9][0-9]*)$/;

/** The member as an intset integer, or null when it is not one. */
export function intMember(s: string): number | null {
  if (s.length === 0 || s.length > 17 || !INT_RE.test(s) || s === '-0') return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** Index of n in a sorted array, or -(insertion point) - 1. */
function searchInts(a: readonly number[], n: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid] as number;
    if (v < n) lo = mid + 1;
    else if (v > n) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

export interface SetLayout {
  encoding: 'intset' | 'listpack' | 'hashtable';
  /** Members in internal order (intset ascending, listpack and hashtable slot order). */
  members: string[];
  /** A hashtable's empty slots, ascending. */
  holes: number[];
}

export class SetValue implements CollectionValue {
  readonly type = 'set' as const;
  private ints: number[] | null = null;
  private packed: string | null = null;
  private table: SlotMap<true> | null = null;
  private tableBytes = 0;
  private count = 0;

  /** An empty set in the encoding Redis picks for `first` and `sizeHint` members to come. */
  static create(first: string, sizeHint: number, limits: Readonly<EncodingLimits>): SetValue {
    const s = new SetValue();
    if (intMember(first) !== null && sizeHint <= limits.setIntsetEntries) s.ints = [];
    else if (sizeHint <= limits.setEntries) s.packed = '';
    else s.table = new SlotMap<true>(false);
    return s;
  }

  /** An empty intset: what SINTERSTORE and SUNIONSTORE start their result from. */
  static empty(): SetValue {
    const s = new SetValue();
    s.ints = [];
    return s;
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : this.packed !== null ? 'listpack' : 'hashtable';
  }

  size(): number {
    return this.count;
  }

  memoryBytes(): number {
    if (this.ints !== null) return OBJECT_BYTES + ARRAY_BYTES + 8 * this.count;
    if (this.packed !== null) return OBJECT_BYTES + stringBytes(this.packed);
    return OBJECT_BYTES + this.tableBytes;
  }

  clone(): SetValue {
    const s = new SetValue();
    s.count = this.count;
    s.tableBytes = this.tableBytes;
    if (this.ints !== null) s.ints = this.ints.slice();
    s.packed = this.packed;
    if (this.table !== null) {
      const t = new SlotMap<true>(false);
      this.table.forEach((m) => t.set(m, true));
      s.table = t;
    }
    return s;
  }

  has(m: string): boolean {
    if (this.ints !== null) {
      const n = intMember(m);
      return n !== null && searchInts(this.ints, n) >= 0;
    }
    if (this.packed !== null) return find(this.packed, m, 1) >= 0;
    return (this.table as SlotMap<true>).has(m);
  }

  /** SADD's early conversion: a command adding sizeHint members to a compact set. */
  maybeConvert(sizeHint: number, limits: Readonly<EncodingLimits>): void {
    if ((this.packed !== null && sizeHint > limits.setEntries) || (this.ints !== null && sizeHint > limits.setIntsetEntries)) {
      this.toTable();
    }
  }

  /** Adds a member; true when it is new. */
  add(m: string, limits: Readonly<EncodingLimits>): boolean {
    if (this.ints !== null) {
      const n = intMember(m);
      if (n !== null) return this.addInt(n, limits);
      if (this.fitsPacked(m, limits)) this.toPacked();
      else this.toTable();
    }
    if (this.packed !== null) {
      if (find(this.packed, m, 1) >= 0) return false;
      if (!this.fitsPacked(m, limits)) this.toTable();
      else {
        this.packed = packer.begin().addRaw(this.packed, 0, this.packed.length).add(m).finish();
        this.count++;
        return true;
      }
    }
    const t = this.table as SlotMap<true>;
    if (!t.set(m, true)) return false;
    this.tableBytes += SLOT_BYTES + stringBytes(m);
    this.count++;
    return true;
  }

  private addInt(n: number, limits: Readonly<EncodingLimits>): boolean {
    const ints = this.ints as number[];
    const i = searchInts(ints, n);
    if (i >= 0) return false;
    ints.splice(-i - 1, 0, n);
    this.count++;
    if (this.count > limits.setIntsetEntries) this.toTable();
    return true;
  }

  /** Whether one more member m keeps the set within its listpack limits. */
  private fitsPacked(m: string, limits: Readonly<EncodingLimits>): boolean {
    if (this.count >= limits.setEntries || m.length > limits.setValueBytes) return false;
    if (this.ints !== null) {
      const widest = this.count === 0 ? 0 : Math.max(String(this.ints[0]).length, String(this.ints[this.count - 1]).length);
      return widest <= limits.setValueBytes && (widest + 1) * this.count + encodedBytes(m) <= PACKED_BYTES_MAX;
    }
    return (this.packed as string).length + encodedBytes(m) <= PACKED_BYTES_MAX;
  }

  delete(m: string): boolean {
    if (this.ints !== null) {
      const n = intMember(m);
      const i = n === null ? -1 : searchInts(this.ints, n);
      if (i < 0) return false;
      this.ints.splice(i, 1);
    } else if (this.packed !== null) {
      const s = this.packed;
      const pos = find(s, m, 1);
      if (pos < 0) return false;
      this.packed = packer.begin().addRaw(s, 0, pos).addRaw(s, nextAt(s, pos), s.length).finish();
    } else {
      if (!(this.table as SlotMap<true>).delete(m)) return false;
      this.tableBytes -= SLOT_BYTES + stringBytes(m);
    }
    this.count--;
    return true;
  }

  private toPacked(): void {
    packer.begin();
    for (const n of this.ints as number[]) packer.add(String(n));
    this.packed = packer.finish();
    this.ints = null;
  }

  private toTable(): void {
    const t = new SlotMap<true>(false);
    let bytes = 0;
    for (const m of this.members()) {
      t.set(m, true);
      bytes += SLOT_BYTES + stringBytes(m);
    }
    this.table = t;
    this.tableBytes = bytes;
    this.ints = null;
    this.packed = null;
  }

  /** Every member (intset: ascending; listpack: insertion order). */
  members(): string[] {
    if (this.ints !== null) return this.ints.map(String);
    if (this.packed !== null) return decode(this.packed);
    const out: string[] = [];
    (this.table as SlotMap<true>).forEach((m) => out.push(m));
    return out;
  }

  /**
   * The exact layout, for snapshots: the encoding, the members in internal order, and a
   * hashtable's holes. SPOP's choice depends on all three, so a replica restored from a
   * snapshot must rebuild them exactly (fromLayout), not just the members.
   */
  layout(): SetLayout {
    return { encoding: this.encoding() as SetLayout['encoding'], members: this.members(), holes: this.table?.holeSlots() ?? [] };
  }

  static fromLayout(l: SetLayout): SetValue {
    const s = new SetValue();
    s.count = l.members.length;
    if (l.encoding === 'intset') {
      s.ints = l.members.map(Number);
    } else if (l.encoding === 'listpack') {
      packer.begin();
      for (const m of l.members) packer.add(m);
      s.packed = packer.finish();
    } else {
      s.table = SlotMap.keysWithHoles(l.members, l.holes);
      for (const m of l.members) s.tableBytes += SLOT_BYTES + stringBytes(m);
    }
    return s;
  }

  /** A uniformly random member (the set must not be empty). */
  random(random: Random): string {
    assert(this.count > 0, 'random member of an empty set');
    if (this.ints !== null) return String(this.ints[random.int(this.count)]);
    if (this.packed !== null) {
      const s = this.packed;
      let pos = 0;
      for (let i = random.int(this.count); i > 0; i--) pos = nextAt(s, pos);
      return elementAt(s, pos);
    }
    const t = this.table as SlotMap<true>;
    return t.keyAt(t.randomSlot(random));
  }

  /** Removes and returns a uniformly random member. */
  pop(random: Random): string {
    const m = this.random(random);
    this.delete(m);
    return m;
  }

  /** Up to count members from cursor; returns the next cursor (0 = done). */
  scan(cursor: number, count: number, fn: (m: string) => void): number {
    if (this.table !== null) return this.table.scan(cursor, count, fn);
    // Compact encodings are small: all of it in one call, as Redis does.
    for (const m of this.members()) fn(m);
    return 0;
  }
}
