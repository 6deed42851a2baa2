// The replicated log of one node as the core sees it: a snapshot point, the in-memory entries
// after it, how much of them is persisted (stable), committed and applied. The unstable tail
// (stableIndex, lastIndex] and a received snapshot are what the next Ready asks to persist.
import { assert } from '../util/assert.ts';
import type { Entry, Snapshot } from './types.ts';

/** Fixed per-entry cost counted in message and window byte caps, so empty entries are not free. */
export const entryOverheadBytes = 16;

export function entryBytes(e: Entry): number {
  return e.data.byteLength + entryOverheadBytes;
}

export class RaftLog {
  /** Index and term of the last entry covered by the latest snapshot (0, 0 when none). */
  snapIndex: number;
  snapTerm: number;
  /** The latest snapshot, sent to followers that are too far behind. */
  snapshot: Snapshot | null;
  /** A snapshot received from the leader and not yet persisted (it is in the next Ready). */
  pendingSnapshot: Snapshot | null = null;
  /** entries[i] has index snapIndex + 1 + i. */
  private entries: Entry[];
  /** Last index persisted. Invariant: snapIndex ≤ stableIndex ≤ lastIndex. */
  stableIndex: number;
  /** Invariant: applied ≤ committed ≤ lastIndex, and snapIndex ≤ committed. */
  committed: number;
  applied: number;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], committed: number, applied: number) {
    this.snapshot = snapshot;
    this.snapIndex = snapshot?.index ?? 0;
    this.snapTerm = snapshot?.term ?? 0;
    this.entries = [...entries];
    this.entries.forEach((e, i) => assert(e.index === this.snapIndex + 1 + i, `log: persisted entries not contiguous at ${e.index}`));
    this.stableIndex = this.lastIndex();
    assert(committed <= this.lastIndex(), `log: persisted commit ${committed} beyond last index ${this.lastIndex()}`);
    this.committed = Math.max(committed, this.snapIndex);
    this.applied = applied;
    this.checkInvariants();
  }

  firstIndex(): number {
    return this.snapIndex + 1;
  }

  lastIndex(): number {
    return this.snapIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }

  /** The term of entry `index`, or null when it is compacted away or beyond the end. */
  term(index: number): number | null {
    if (index === this.snapIndex) return this.snapTerm;
    if (index < this.snapIndex || index > this.lastIndex()) return null;
    return (this.entries[index - this.snapIndex - 1] as Entry).term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const t = this.lastTerm();
    return lastTerm > t || (lastTerm === t && lastIndex >= this.lastIndex());
  }

  /**
   * Fast backtracking: the largest index ≤ `index` whose term is ≤ `term`. Entries above it
   * cannot match a log whose entry at `index` has term `term`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.snapIndex; i--) {
      const t = this.term(i) as number;
      if (t <= term) return { index: i, term: t };
    }
    return { index: i, term: this.term(i) ?? 0 };
  }

  /**
   * Follower side of an append: if our entry at `prevIndex` has `prevTerm`, append
   * `entries` (truncating at the first conflict) and return the last index they cover;
   * otherwise null. Commit is advanced by the caller.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k] as Entry;
      assert(e.index === prevIndex + 1 + k, 'log: append entries not contiguous');
      if (e.index <= this.snapIndex) continue; // already covered by our snapshot
      if (this.matchTerm(e.index, e.term)) continue;
      assert(e.index > this.committed, `log: conflict at ${e.index} at or below commit ${this.committed}`);
      this.truncateAndAppend(entries.slice(k));
      break;
    }
    return lastNew;
  }

  /** Appends entries starting at or before lastIndex + 1, dropping any existing entries from there on. */
  truncateAndAppend(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = (entries[0] as Entry).index;
    assert(first > this.snapIndex && first <= this.lastIndex() + 1, `log: append at ${first} out of range`);
    assert(first > this.committed, `log: truncating committed entry ${first}`);
    this.entries.length = first - this.snapIndex - 1;
    for (const e of entries) this.entries.push(e);
    this.stableIndex = Math.min(this.stableIndex, first - 1);
  }

  /** Entries [lo, hi), as many as fit in `bytesMax` but at least one. Caller keeps lo > snapIndex. */
  slice(lo: number, hi: number, bytesMax: number): Entry[] {
    assert(lo > this.snapIndex && hi <= this.lastIndex() + 1, `log: slice [${lo}, ${hi}) out of range`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entries[i - this.snapIndex - 1] as Entry;
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(this.stableIndex - this.snapIndex);
  }

  /** The driver persisted entries up to (index, term); ignored if the log changed under it. */
  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.matchTerm(index, term)) this.stableIndex = index;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `log: commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    assert(index <= this.committed && index >= this.applied, `log: applied ${index} out of range`);
    this.applied = index;
  }

  /** Committed entries not yet handed out for applying, up to `bytesMax` (at least one). */
  nextCommitted(bytesMax: number): Entry[] {
    const lo = Math.max(this.applied, this.snapIndex) + 1;
    if (lo > this.committed) return [];
    return this.slice(lo, this.committed + 1, bytesMax);
  }

  /** Replaces the whole log with a snapshot from the leader (it is newer than our commit). */
  restore(snapshot: Snapshot): void {
    assert(snapshot.index > this.committed, 'log: restoring a snapshot at or below commit');
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.snapIndex = snapshot.index;
    this.snapTerm = snapshot.term;
    this.entries = [];
    this.stableIndex = snapshot.index;
    this.committed = snapshot.index;
  }

  /** Drops entries up to `snapshot.index` (≤ applied), now covered by the driver's snapshot. */
  compact(snapshot: Snapshot): void {
    const index = snapshot.index;
    assert(index > this.snapIndex && index <= this.applied && index <= this.stableIndex, `log: compact ${index} out of range`);
    assert(this.term(index) === snapshot.term, 'log: compact term mismatch');
    this.entries = this.entries.slice(index - this.snapIndex);
    this.snapIndex = index;
    this.snapTerm = snapshot.term;
    this.snapshot = snapshot;
  }

  checkInvariants(): void {
    const last = this.lastIndex();
    assert(this.applied <= this.committed && this.committed <= last, `log: applied ${this.applied} ≤ committed ${this.committed} ≤ last ${last}`);
    assert(this.snapIndex <= this.committed, 'log: snapshot beyond commit');
    assert(this.snapIndex <= this.stableIndex && this.stableIndex <= last, `log: stable ${this.stableIndex} out of range`);
  }
}
