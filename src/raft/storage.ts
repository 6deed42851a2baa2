// MemoryStorage: a RaftStorage held in memory, kept up to date by a driver from each Ready
// and each compaction. Tests and the simulator use it as "what was persisted"; restarting a
// node is constructing a new RaftNode over it.
import { assert } from '../util/assert.ts';
import type { Entry, HardState, RaftStorage, Ready, Snapshot } from './types.ts';

export class MemoryStorage implements RaftStorage {
  private hard: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot | null = null;
  /** Entries after the snapshot, contiguous. */
  private ents: Entry[] = [];

  hardState(): HardState {
    return this.hard;
  }

  snapshot(): Snapshot | null {
    return this.snap;
  }

  entries(): readonly Entry[] {
    return this.ents;
  }

  lastIndex(): number {
    return (this.snap?.index ?? 0) + this.ents.length;
  }

  /** Persists a Ready in the contract's order: snapshot, entries, hard state. */
  save(rd: Ready): void {
    if (rd.snapshot !== null) this.applySnapshot(rd.snapshot);
    this.append(rd.entries);
    if (rd.hardState !== null) this.setHardState(rd.hardState);
  }

  setHardState(hs: HardState): void {
    this.hard = hs;
  }

  /** Appends, truncating any persisted entries at or after the first new index. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const offset = (this.snap?.index ?? 0) + 1;
    assert(first.index >= offset && first.index <= this.lastIndex() + 1, `storage: append at ${first.index} leaves a gap`);
    this.ents.length = first.index - offset;
    for (const e of entries) this.ents.push(e);
  }

  /** A snapshot received from the leader replaces the whole log. */
  applySnapshot(snap: Snapshot): void {
    this.snap = snap;
    this.ents = [];
  }

  /** A snapshot taken by the driver (RaftNode.compact): entries up to its index are dropped. */
  compact(snap: Snapshot): void {
    const offset = (this.snap?.index ?? 0) + 1;
    if (snap.index < offset - 1) return; // older than what we have
    const keep = this.ents.slice(Math.min(this.ents.length, snap.index - offset + 1));
    this.snap = snap;
    this.ents = keep;
  }

  /** Drops the last `n` entries, e.g. to model a torn write (simulators only). */
  dropLast(n: number): void {
    this.ents.length = Math.max(0, this.ents.length - n);
  }
}
