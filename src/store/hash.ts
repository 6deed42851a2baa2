// The hash value type: a packed string of field, value pairs while small ("listpack"), a
// SlotMap once a field count or length passes hash-max-listpack-* ("hashtable"). Like Redis,
// a hash never goes back to the compact form.

import { assert } from '../util/assert.ts';
import type { Random } from '../util/prng.ts';
import { stringBytes } from './memory.ts';
import { PACKED_BYTES_MAX, type EncodingLimits } from './limits.ts';
import { dataAt, decode, elementAt, encodedBytes, find, lengthAt, nextAt, packer } from './packed.ts';
import { SLOT_BYTES, SlotMap } from './slotmap.ts';
import type { CollectionValue } from './types.ts';

const OBJECT_BYTES = 48; // the value object and its fields

export class HashValue implements CollectionValue {
  readonly type = 'hash' as const;
  /** The listpack form, or null once converted to a table. */
  private packed: string | null = '';
  private table: SlotMap<string> | null = null;
  private count = 0;
  /** Table form only: bytes of fields, values and slots. */
  private tableBytes = 0;

  encoding(): string {
    return this.packed !== null ? 'listpack' : 'hashtable';
  }

  size(): number {
    return this.count;
  }

  memoryBytes(): number {
    return OBJECT_BYTES + (this.packed !== null ? stringBytes(this.packed) : this.tableBytes);
  }

  clone(): HashValue {
    const h = new HashValue();
    h.packed = this.packed;
    h.count = this.count;
    h.tableBytes = this.tableBytes;
    if (this.table !== null) {
      const t = new SlotMap<string>(true);
      this.table.forEach((f, v) => t.set(f, v));
      h.table = t;
    }
    return h;
  }

  get(field: string): string | undefined {
    if (this.table !== null) return this.table.get(field);
    const s = this.packed as string;
    const pos = find(s, field, 2);
    return pos < 0 ? undefined : elementAt(s, nextAt(s, pos));
  }

  has(field: string): boolean {
    if (this.table !== null) return this.table.has(field);
    return find(this.packed as string, field, 2) >= 0;
  }

  /** Length of a field's value, 0 when absent (HSTRLEN), without copying it. */
  valueLength(field: string): number {
    if (this.table !== null) return this.table.get(field)?.length ?? 0;
    const s = this.packed as string;
    const pos = find(s, field, 2);
    return pos < 0 ? 0 : lengthAt(s, nextAt(s, pos));
  }

  /** Sets a field; true when it is new. Converts to a table when the limits say so. */
  set(field: string, value: string, limits: Readonly<EncodingLimits>): boolean {
    if (this.packed !== null && (field.length > limits.hashValueBytes || value.length > limits.hashValueBytes)) this.toTable();
    if (this.table !== null) return this.tableSet(field, value);
    const s = this.packed as string;
    const pos = find(s, field, 2);
    if (pos >= 0) {
      const vpos = nextAt(s, pos);
      const end = nextAt(s, vpos);
      this.packed = packer.begin().addRaw(s, 0, vpos).add(value).addRaw(s, end, s.length).finish();
      return false;
    }
    if (this.count + 1 > limits.hashEntries || s.length + encodedBytes(field) + encodedBytes(value) > PACKED_BYTES_MAX) {
      this.toTable();
      return this.tableSet(field, value);
    }
    this.packed = packer.begin().addRaw(s, 0, s.length).add(field).add(value).finish();
    this.count++;
    return true;
  }

  private tableSet(field: string, value: string): boolean {
    const t = this.table as SlotMap<string>;
    const old = t.get(field);
    t.set(field, value);
    if (old !== undefined) {
      this.tableBytes += stringBytes(value) - stringBytes(old);
      return false;
    }
    this.tableBytes += SLOT_BYTES + stringBytes(field) + stringBytes(value);
    this.count++;
    return true;
  }

  delete(field: string): boolean {
    if (this.table !== null) {
      const old = this.table.get(field);
      if (old === undefined) return false;
      this.table.delete(field);
      this.tableBytes -= SLOT_BYTES + stringBytes(field) + stringBytes(old);
      this.count--;
      return true;
    }
    const s = this.packed as string;
    const pos = find(s, field, 2);
    if (pos < 0) return false;
    const end = nextAt(s, nextAt(s, pos));
    this.packed = packer.begin().addRaw(s, 0, pos).addRaw(s, end, s.length).finish();
    this.count--;
    return true;
  }

  private toTable(): void {
    const t = new SlotMap<string>(true);
    const items = decode(this.packed as string);
    let bytes = 0;
    for (let i = 0; i < items.length; i += 2) {
      const f = items[i] as string;
      const v = items[i + 1] as string;
      t.set(f, v);
      bytes += SLOT_BYTES + stringBytes(f) + stringBytes(v);
    }
    this.table = t;
    this.tableBytes = bytes;
    this.packed = null;
  }

  /** Visits every field and value (listpack: insertion order). */
  forEach(fn: (field: string, value: string) => void): void {
    if (this.table !== null) {
      this.table.forEach(fn);
      return;
    }
    const s = this.packed as string;
    let pos = 0;
    while (pos < s.length) {
      const vpos = nextAt(s, pos);
      const vstart = dataAt(s, vpos);
      fn(elementAt(s, pos), s.slice(vstart, vstart + lengthAt(s, vpos)));
      pos = nextAt(s, vpos);
    }
  }

  /** Field, value, field, value… */
  flat(): string[] {
    if (this.packed !== null) return decode(this.packed);
    const out: string[] = [];
    this.forEach((f, v) => out.push(f, v));
    return out;
  }

  /** A uniformly random [field, value]. */
  random(random: Random): [string, string] {
    assert(this.count > 0, 'random field of an empty hash');
    if (this.table !== null) {
      const slot = this.table.randomSlot(random);
      return [this.table.keyAt(slot), this.table.valAt(slot)];
    }
    const items = decode(this.packed as string);
    const i = random.int(this.count) * 2;
    return [items[i] as string, items[i + 1] as string];
  }

  /** Up to count cursor-ordered pairs from cursor; returns the next cursor (0 = done). */
  scan(cursor: number, count: number, fn: (field: string, value: string) => void): number {
    if (this.table !== null) return this.table.scan(cursor, count, fn);
    // A listpack is small: the whole of it in one call, as Redis does.
    this.forEach(fn);
    return 0;
  }
}
