// The data types that cross the storage API: what the driver persists (WalRecord) and what
// boot gives back (GroupLog). Group ids are u32; terms and indexes are safe integers ≥ 0.

/**
 * always: a batch is durable (fdatasync) before append() resolves.
 * everysec: append() resolves once the batch is written to the OS; fdatasync at most once
 * per interval, driven by the caller's clock through maybeSync(nowMs).
 * none: nothing is written; append() resolves at once and boot finds nothing.
 */
export type FsyncMode = 'always' | 'everysec' | 'none';

export interface HardState {
  term: number;
  /** The node id voted for in `term`; 0 means none (as raft's NONE). */
  vote: number;
  commit: number;
}

export interface LogEntry {
  term: number;
  index: number;
  /** Entry kind for the Raft core (normal, conf change…), 0..255; storage does not interpret it. */
  kind: number;
  data: Uint8Array;
}

export interface SnapshotMeta {
  group: number;
  index: number;
  term: number;
}

/**
 * One WAL record.
 * - entry: a Raft log entry. An entry whose index is ≤ the group's last index replaces that
 *   suffix (Raft's conflict rule), exactly as if a truncate at `index` preceded it.
 * - hardState: the group's term, vote and commit index; the newest one wins.
 * - snapshot: a snapshot file covering entries ≤ index is durable; boot skips those entries
 *   and the WAL may drop segments that hold only such entries. Entries after `index` stay;
 *   to discard them too (installing a leader's snapshot), follow it with a truncate at index + 1.
 * - truncate: the group's entries with index ≥ `index` are gone (`term` is the writer's term,
 *   kept for debugging).
 * - dropGroup: the group left this node; boot forgets everything of it.
 */
export type WalRecord =
  | { type: 'entry'; group: number; term: number; index: number; kind: number; data: Uint8Array }
  | { type: 'hardState'; group: number; term: number; vote: number; commit: number }
  | { type: 'snapshot'; group: number; term: number; index: number }
  | { type: 'truncate'; group: number; term: number; index: number }
  | { type: 'dropGroup'; group: number };

/** What boot knows of one group after WAL replay. */
export interface GroupLog {
  group: number;
  hardState: HardState | null;
  /** The newest snapshot marker in the WAL (entries ≤ its index were skipped), or null. */
  snapshot: SnapshotMeta | null;
  /** Entries after the snapshot, contiguous and ascending, with truncations applied. */
  entries: LogEntry[];
}
