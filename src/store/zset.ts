// The sorted set value type: a packed string of (member, score) pairs in score order while
// small ("listpack"), then a SlotMap member → score plus a RankTree for the order ("skiplist",
// the name Redis clients expect). Conversions follow Redis 7.2: at creation from the size of
// the command, on growth past zset-max-listpack-*, and back to listpack for *STORE results.

import { assert } from '../util/assert.ts';
import type { Random } from '../util/prng.ts';
import { PACKED_BYTES_MAX, type EncodingLimits } from './limits.ts';
import { stringBytes } from './memory.ts';
import { elementAt, encodedBytes, equalsAt, find, nextAt, packer, scoreAt } from './packed.ts';
import { compareKeys, RankTree } from './ranktree.ts';
import { SLOT_BYTES, SlotMap } from './slotmap.ts';
import type { CollectionValue } from './types.ts';

const OBJECT_BYTES = 56; // the value object and its fields
const TREE_BYTES_PER_MEMBER = 24; // two leaf slots and the leaves' spare room, on average
const SCORE_ELEMENT_BYTES = 9; // header + 8-byte double

export class ZSetValue implements CollectionValue {
  readonly type = 'zset' as const;
  /** The listpack form: member, score pairs ordered by (score, member); null as a table. */
  private packed: string | null = '';
  private dict: SlotMap<number> | null = null;
  private tree: RankTree | null = null;
  private count = 0;
  private tableBytes = 0;

  /** An empty sorted set in the encoding Redis picks for a command adding sizeHint members. */
  static create(sizeHint: number, memberBytesMax: number, limits: Readonly<EncodingLimits>): ZSetValue {
    const z = new ZSetValue();
    if (sizeHint > limits.zsetEntries || memberBytesMax > limits.zsetValueBytes) z.toTable();
    return z;
  }

  encoding(): string {
    return this.packed !== null ? 'listpack' : 'skiplist';
  }

  size(): number {
    return this.count;
  }

  memoryBytes(): number {
    return OBJECT_BYTES + (this.packed !== null ? stringBytes(this.packed) : this.tableBytes);
  }

  clone(): ZSetValue {
    const z = new ZSetValue();
    if (this.packed !== null) {
      z.packed = this.packed;
      z.count = this.count;
      return z;
    }
    z.toTable();
    this.range(0, this.count - 1, false, (m, s) => z.tableAdd(m, s));
    return z;
  }

  // ---- lookups -------------------------------------------------------------------------

  score(member: string): number | undefined {
    if (this.dict !== null) return this.dict.get(member);
    const s = this.packed as string;
    const pos = find(s, member, 2);
    return pos < 0 ? undefined : scoreAt(s, nextAt(s, pos));
  }

  /** 0-based ascending rank of a member, or -1. */
  rank(member: string): number {
    if (this.dict !== null) {
      const score = this.dict.get(member);
      return score === undefined ? -1 : (this.tree as RankTree).rank(score, member);
    }
    const s = this.packed as string;
    let pos = 0;
    for (let r = 0; pos < s.length; r++) {
      if (equalsAt(s, pos, member)) return r;
      pos = nextAt(s, nextAt(s, pos));
    }
    return -1;
  }

  /** Members with a score below `score` (≤ when inclusive). */
  countBelow(score: number, inclusive: boolean): number {
    if (this.tree !== null) return this.tree.countBelow(score, inclusive);
    const s = this.packed as string;
    let n = 0;
    for (let pos = 0; pos < s.length; n++) {
      const v = scoreAt(s, nextAt(s, pos));
      if (inclusive ? v > score : v >= score) break;
      pos = nextAt(s, nextAt(s, pos));
    }
    return n;
  }

  /** Members below `member` in byte order (≤ when inclusive); meaningful with equal scores. */
  countBelowLex(member: string, inclusive: boolean): number {
    if (this.tree !== null) return this.tree.countBelowLex(member, inclusive);
    const s = this.packed as string;
    let n = 0;
    for (let pos = 0; pos < s.length; n++) {
      const m = elementAt(s, pos);
      if (inclusive ? m > member : m >= member) break;
      pos = nextAt(s, nextAt(s, pos));
    }
    return n;
  }

  /** Visits ranks start..end inclusive (clamped by the caller), ascending or descending. */
  range(start: number, end: number, reverse: boolean, fn: (member: string, score: number) => void): void {
    if (start > end) return;
    assert(start >= 0 && end < this.count, 'zset range out of bounds');
    if (this.tree !== null) {
      this.tree.range(start, end, reverse, fn);
      return;
    }
    const members: string[] = [];
    const scores: number[] = [];
    this.decodeTo(members, scores);
    if (reverse) for (let r = end; r >= start; r--) fn(members[r] as string, scores[r] as number);
    else for (let r = start; r <= end; r++) fn(members[r] as string, scores[r] as number);
  }

  /** [member, score] at an ascending rank. */
  at(rank: number): [string, number] {
    assert(rank >= 0 && rank < this.count, 'zset rank out of bounds');
    if (this.tree !== null) return this.tree.at(rank);
    const s = this.packed as string;
    let pos = 0;
    for (let r = rank; r > 0; r--) pos = nextAt(s, nextAt(s, pos));
    return [elementAt(s, pos), scoreAt(s, nextAt(s, pos))];
  }

  /** A uniformly random [member, score]. */
  random(random: Random): [string, number] {
    assert(this.count > 0, 'random member of an empty zset');
    if (this.dict !== null) {
      const slot = this.dict.randomSlot(random);
      return [this.dict.keyAt(slot), this.dict.valAt(slot)];
    }
    return this.at(random.int(this.count));
  }

  /** Every member and score in ascending order, into the given arrays. */
  decodeTo(members: string[], scores: number[]): void {
    if (this.tree !== null) {
      if (this.count > 0) this.tree.range(0, this.count - 1, false, (m, v) => (members.push(m), scores.push(v)));
      return;
    }
    const s = this.packed as string;
    let pos = 0;
    while (pos < s.length) {
      members.push(elementAt(s, pos));
      pos = nextAt(s, pos);
      scores.push(scoreAt(s, pos));
      pos = nextAt(s, pos);
    }
  }

  /** Up to count members from cursor; returns the next cursor (0 = done). */
  scan(cursor: number, count: number, fn: (member: string, score: number) => void): number {
    if (this.dict !== null) return this.dict.scan(cursor, count, fn);
    // A listpack is small: all of it in one call, as Redis does.
    if (this.count > 0) this.range(0, this.count - 1, false, fn);
    return 0;
  }

  // ---- changes -------------------------------------------------------------------------

  /** ZADD's early conversion: a command adding sizeHint members to a listpack. */
  maybeConvert(sizeHint: number, limits: Readonly<EncodingLimits>): void {
    if (this.packed !== null && sizeHint > limits.zsetEntries) this.toTable();
  }

  /** Sets a member's score; true when the member is new. */
  set(member: string, score: number, limits: Readonly<EncodingLimits>): boolean {
    // A score of -0 is kept as 0. Redis's listpack does this (it stores an integral score as an
    // integer) while its skiplist keeps -0; Floe gives the listpack's answer in both encodings.
    if (score === 0) score = 0;
    if (this.dict !== null) return this.tableSet(member, score);
    const s = this.packed as string;
    const pos = find(s, member, 2);
    if (pos >= 0) {
      if (scoreAt(s, nextAt(s, pos)) === score) return false;
      this.packed = packer.begin().addRaw(s, 0, pos).addRaw(s, nextAt(s, nextAt(s, pos)), s.length).finish();
      this.packed = insertPacked(this.packed, member, score);
      return false;
    }
    if (this.count + 1 > limits.zsetEntries || member.length > limits.zsetValueBytes ||
        s.length + encodedBytes(member) + SCORE_ELEMENT_BYTES > PACKED_BYTES_MAX) {
      this.toTable();
      return this.tableSet(member, score);
    }
    this.packed = insertPacked(s, member, score);
    this.count++;
    return true;
  }

  private tableSet(member: string, score: number): boolean {
    const dict = this.dict as SlotMap<number>;
    const old = dict.get(member);
    if (old === undefined) {
      this.tableAdd(member, score);
      return true;
    }
    if (old !== score) {
      const tree = this.tree as RankTree;
      tree.remove(old, member);
      tree.insert(score, member);
      dict.set(member, score);
    }
    return false;
  }

  private tableAdd(member: string, score: number): void {
    (this.dict as SlotMap<number>).set(member, score);
    (this.tree as RankTree).insert(score, member);
    this.tableBytes += SLOT_BYTES + TREE_BYTES_PER_MEMBER + stringBytes(member);
    this.count++;
  }

  delete(member: string): boolean {
    if (this.dict !== null) {
      const score = this.dict.get(member);
      if (score === undefined) return false;
      this.dict.delete(member);
      (this.tree as RankTree).remove(score, member);
      this.tableBytes -= SLOT_BYTES + TREE_BYTES_PER_MEMBER + stringBytes(member);
      this.count--;
      return true;
    }
    const s = this.packed as string;
    const pos = find(s, member, 2);
    if (pos < 0) return false;
    this.packed = packer.begin().addRaw(s, 0, pos).addRaw(s, nextAt(s, nextAt(s, pos)), s.length).finish();
    this.count--;
    return true;
  }

  private toTable(): void {
    const members: string[] = [];
    const scores: number[] = [];
    this.decodeTo(members, scores);
    this.packed = null;
    this.dict = new SlotMap<number>(true);
    this.tree = new RankTree();
    this.count = 0;
    this.tableBytes = 0;
    for (let i = 0; i < members.length; i++) this.tableAdd(members[i] as string, scores[i] as number);
  }

  /** Back to a listpack when small enough (the result of a *STORE command). */
  shrinkToFit(limits: Readonly<EncodingLimits>): void {
    if (this.packed !== null || this.count > limits.zsetEntries) return;
    const members: string[] = [];
    const scores: number[] = [];
    this.decodeTo(members, scores);
    let bytes = 0;
    for (const m of members) {
      if (m.length > limits.zsetValueBytes) return;
      bytes += encodedBytes(m) + SCORE_ELEMENT_BYTES;
    }
    if (bytes > PACKED_BYTES_MAX) return;
    packer.begin();
    for (let i = 0; i < members.length; i++) packer.add(members[i] as string).addScore(scores[i] as number);
    this.packed = packer.finish();
    this.dict = null;
    this.tree = null;
    this.tableBytes = 0;
  }
}

/** A packed zset with (member, score) inserted at its place in (score, member) order. */
function insertPacked(s: string, member: string, score: number): string {
  let pos = 0;
  while (pos < s.length) {
    const spos = nextAt(s, pos);
    const v = scoreAt(s, spos);
    if (v > score || (v === score && compareKeys(v, elementAt(s, pos), score, member) > 0)) break;
    pos = nextAt(s, spos);
  }
  return packer.begin().addRaw(s, 0, pos).add(member).addScore(score).addRaw(s, pos, s.length).finish();
}
