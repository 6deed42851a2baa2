// A simulated durable log for one node: what the driver persists from each Ready, as a WAL of
// records (snapshot, one record per entry, hard state). Records become durable at `sync()`. A
// crash keeps only a random prefix of the unsynced records, and the last of those may be torn
// (cut mid-write, so recovery discards it). Restart reads what survived, as a RaftStorage.

import { assert } from '../util/assert.ts';
import type { Random } from '../util/prng.ts';
import type { Entry, HardState, RaftStorage, Snapshot } from '../raft/types.ts';

type WalRecord = { kind: 'snapshot'; snapshot: Snapshot } | { kind: 'entry'; entry: Entry } | { kind: 'hard'; hardState: HardState };

/** Unsynced records a node may hold; the driver syncs every Ready, so this is a bug guard. */
export const unsyncedRecordsMax = 100_000;

export interface CrashLoss {
  /** Unsynced records that were lost (including a torn one). */
  lost: number;
  /** Whether the last surviving write was torn. */
  torn: boolean;
}

export class SimDisk implements RaftStorage {
  private hard: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot | null = null;
  /** Durable entries, contiguous, starting right after the snapshot index. */
  private log: Entry[] = [];
  private unsynced: WalRecord[] = [];
  syncs = 0;

  hardState(): HardState {
    return this.hard;
  }

  snapshot(): Snapshot | null {
    return this.snap;
  }

  entries(): readonly Entry[] {
    return this.log;
  }

  /** Write (not yet durable) in the contract's order: snapshot, entries, hard state. */
  write(snapshot: Snapshot | null, entries: readonly Entry[], hardState: HardState | null): void {
    if (snapshot !== null) this.unsynced.push({ kind: 'snapshot', snapshot });
    for (const entry of entries) this.unsynced.push({ kind: 'entry', entry });
    if (hardState !== null) this.unsynced.push({ kind: 'hard', hardState });
    assert(this.unsynced.length <= unsyncedRecordsMax, 'too many unsynced records');
  }

  get pendingRecords(): number {
    return this.unsynced.length;
  }

  /** fsync: every written record becomes durable. */
  sync(): void {
    for (const r of this.unsynced) this.fold(r);
    this.unsynced = [];
    this.syncs++;
  }

  /** Power loss: a random prefix of the unsynced writes reached the disk, the last maybe torn. */
  crash(rng: Random): CrashLoss {
    const n = this.unsynced.length;
    let kept = n === 0 ? 0 : rng.int(n + 1);
    const torn = kept > 0 && rng.int(2) === 0;
    // A torn record fails its checksum on recovery and is truncated away, as the WAL does.
    if (torn) kept--;
    for (let i = 0; i < kept; i++) this.fold(this.unsynced[i] as WalRecord);
    this.unsynced = [];
    return { lost: n - kept, torn };
  }

  /** Everything this node has written, durable or not: the log the invariant checks look at. */
  lastIndex(): number {
    let last = this.log.length > 0 ? (this.log[this.log.length - 1] as Entry).index : (this.snap?.index ?? 0);
    for (const r of this.unsynced) {
      if (r.kind === 'entry') last = r.entry.index;
      else if (r.kind === 'snapshot') last = Math.max(last, r.snapshot.index);
    }
    return last;
  }

  private fold(r: WalRecord): void {
    if (r.kind === 'hard') this.hard = r.hardState;
    else if (r.kind === 'entry') this.appendEntry(r.entry);
    else this.installSnapshot(r.snapshot);
  }

  private appendEntry(e: Entry): void {
    const first = (this.snap?.index ?? 0) + 1;
    assert(e.index >= first, `entry ${e.index} is below the snapshot (first ${first})`);
    const at = e.index - first;
    assert(at <= this.log.length, `gap in the log: entry ${e.index} after ${first + this.log.length - 1}`);
    if (at < this.log.length) this.log.length = at;
    this.log.push(e);
  }

  /** A snapshot replaces the log up to its index; later entries survive only if they match. */
  private installSnapshot(s: Snapshot): void {
    if (this.snap !== null && s.index <= this.snap.index) return;
    const first = (this.snap?.index ?? 0) + 1;
    const at = s.index - first;
    const same = this.log[at];
    this.log = same !== undefined && same.term === s.term ? this.log.slice(at + 1) : [];
    this.snap = s;
  }
}
