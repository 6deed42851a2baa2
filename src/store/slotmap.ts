// The table behind large hashes, sets and sorted sets: a Map from key to a slot in parallel
// arrays. Slots give what a Map lacks: a uniformly random element in O(1) (SPOP, HRANDFIELD)
// and a SCAN cursor that stays valid while elements come and go. Deleted slots become holes;
// when holes outnumber live slots the arrays are compacted (amortized O(1) per delete).
// A cursor is a slot's sequence number, which compaction never changes.

import type { Random } from '../util/prng.ts';

const COMPACT_HOLES_MIN = 16; // fewer holes than this are never worth a compaction

export class SlotMap<V> {
  private readonly index = new Map<string, number>();
  private keys: (string | null)[] = [];
  /** Values by slot; empty for a map without values (sets). */
  private vals: (V | undefined)[] = [];
  private seqs: number[] = [];
  private holes = 0;
  private nextSeq = 1;
  private readonly valued: boolean;

  constructor(valued: boolean) {
    this.valued = valued;
  }

  get size(): number {
    return this.index.size;
  }

  has(k: string): boolean {
    return this.index.has(k);
  }

  get(k: string): V | undefined {
    const slot = this.index.get(k);
    return slot === undefined ? undefined : this.vals[slot];
  }

  /** Sets k to v; true when k is new. */
  set(k: string, v: V): boolean {
    const slot = this.index.get(k);
    if (slot !== undefined) {
      if (this.valued) this.vals[slot] = v;
      return false;
    }
    this.index.set(k, this.keys.length);
    this.keys.push(k);
    if (this.valued) this.vals.push(v);
    this.seqs.push(this.nextSeq++);
    return true;
  }

  delete(k: string): boolean {
    const slot = this.index.get(k);
    if (slot === undefined) return false;
    this.index.delete(k);
    this.keys[slot] = null;
    if (this.valued) this.vals[slot] = undefined;
    this.holes++;
    if (this.index.size === 0) this.clear();
    else if (this.holes >= COMPACT_HOLES_MIN && this.holes * 2 > this.keys.length) this.compact();
    return true;
  }

  private clear(): void {
    this.keys = [];
    this.vals = [];
    this.seqs = [];
    this.holes = 0;
  }

  private compact(): void {
    const keys: string[] = [];
    const vals: (V | undefined)[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      if (k === null || k === undefined) continue;
      this.index.set(k, keys.length);
      keys.push(k);
      if (this.valued) vals.push(this.vals[i]);
      seqs.push(this.seqs[i] as number);
    }
    this.keys = keys;
    this.vals = vals;
    this.seqs = seqs;
    this.holes = 0;
  }

  /** Indexes of the holes (deleted slots not yet compacted away), ascending: part of the exact layout. */
  holeSlots(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === null) out.push(i);
    return out;
  }

  /**
   * A map without values (a set's) rebuilt with the exact slot layout of a snapshot: keys in
   * slot order with holes at the given slots, so that random slots (SPOP) pick what they pick
   * on the replica that was snapshotted.
   */
  static keysWithHoles(keys: readonly string[], holes: readonly number[]): SlotMap<true> {
    const m = new SlotMap<true>(false);
    let next = 0;
    let h = 0;
    for (let slot = 0; slot < keys.length + holes.length; slot++) {
      if (h < holes.length && holes[h] === slot) {
        m.keys.push(null);
        h++;
      } else {
        const k = keys[next++] as string;
        m.index.set(k, slot);
        m.keys.push(k);
      }
      m.seqs.push(m.nextSeq++);
    }
    m.holes = holes.length;
    return m;
  }

  /** A uniformly random live slot (the map must not be empty). */
  randomSlot(random: Random): number {
    // Holes are at most half the slots (or fewer than COMPACT_HOLES_MIN), so this ends fast.
    while (true) {
      const i = random.int(this.keys.length);
      if (this.keys[i] !== null) return i;
    }
  }

  keyAt(slot: number): string {
    return this.keys[slot] as string;
  }

  valAt(slot: number): V {
    return this.vals[slot] as V;
  }

  /** Visits every element in slot order. */
  forEach(fn: (k: string, v: V) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== null && k !== undefined) fn(k, this.vals[i] as V);
    }
  }

  /**
   * Visits up to `count` live slots from cursor (0 = start); returns the next cursor, 0 at
   * the end. Every element present for the whole scan is visited at least once.
   */
  scan(cursor: number, count: number, fn: (k: string, v: V) => void): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] as number) < cursor) lo = mid + 1;
      else hi = mid;
    }
    let visited = 0;
    let i = lo;
    for (; i < this.keys.length && visited < count; i++) {
      const k = this.keys[i];
      if (k === null || k === undefined) continue;
      fn(k, this.vals[i] as V);
      visited++;
    }
    return i < this.keys.length ? (this.seqs[i] as number) : 0;
  }
}

/** Estimated bytes per element of a SlotMap beyond the key and value themselves. */
export const SLOT_BYTES = 72; // Map entry and its share of the table, three array slots
