// Replay: folds WAL records, in log order, into each group's hard state, snapshot marker
// and log (truncations and overwrites applied). Pure; the segment reader feeds it and turns
// a complaint into a FLOE_ERR_WAL_CORRUPT that names the file and offset.
//
// A gap in a group's entries is expected after compaction: the deleted segments held only
// entries that a snapshot covers, but that snapshot's marker may come later in the log than
// the first surviving entries; or they were dead entries that a later truncation removes.
// So a gap restarts the group's log, and unexplainedGap() checks that by the end a snapshot
// marker covered the gap or a truncation removed it; if not, entries were really lost.

import type { GroupLog, LogEntry, WalRecord } from './types.ts';

export class Replay {
  private readonly groups = new Map<number, GroupLog>();
  /** Groups whose last word in the log is dropGroup: boot finishes removing their snapshots. */
  private readonly droppedGroups = new Set<number>();
  /** Per group, the latest gap: entries below `index` are missing unless a snapshot covers them. */
  private readonly gaps = new Map<number, { index: number; path: string; offset: number; after: number }>();

  private group(id: number): GroupLog {
    this.droppedGroups.delete(id);
    let g = this.groups.get(id);
    if (g === undefined) {
      g = { group: id, hardState: null, snapshot: null, entries: [] };
      this.groups.set(id, g);
    }
    return g;
  }

  /** Applies one record read from `path` at `offset`. */
  apply(record: WalRecord, path: string, offset: number): void {
    switch (record.type) {
      case 'entry': {
        const g = this.group(record.group);
        const last = lastIndexOf(g);
        if (record.index > last + 1) {
          this.gaps.set(record.group, { index: record.index, path, offset, after: last });
          g.entries.length = 0;
        } else if (record.index <= last) {
          this.truncatedFrom(record.group, record.index);
        }
        appendEntry(g, { term: record.term, index: record.index, kind: record.kind, data: record.data });
        return;
      }
      case 'hardState':
        this.group(record.group).hardState = { term: record.term, vote: record.vote, commit: record.commit };
        return;
      case 'snapshot': {
        const g = this.group(record.group);
        if (g.snapshot !== null && record.index <= g.snapshot.index) return; // an older marker, or a checkpoint's copy
        g.snapshot = { group: record.group, index: record.index, term: record.term };
        dropPrefix(g.entries, record.index);
        const gap = this.gaps.get(record.group);
        if (gap !== undefined && record.index >= gap.index - 1) this.gaps.delete(record.group);
        return;
      }
      case 'truncate':
        truncateFrom(this.group(record.group).entries, record.index);
        this.truncatedFrom(record.group, record.index);
        return;
      case 'dropGroup':
        this.groups.delete(record.group);
        this.gaps.delete(record.group);
        this.droppedGroups.add(record.group);
        return;
    }
  }

  /**
   * Entries from `index` on were superseded. If that reaches the entry after a gap, the gap
   * and everything after it are gone: dead entries of a deleted segment's era, not a loss.
   */
  private truncatedFrom(group: number, index: number): void {
    const gap = this.gaps.get(group);
    if (gap !== undefined && index <= gap.index) this.gaps.delete(group);
  }

  /** After the last record: a gap that no snapshot or truncation explains means lost entries. */
  unexplainedGap(): { path: string; offset: number; reason: string } | null {
    for (const [group, gap] of this.gaps) {
      return {
        path: gap.path, offset: gap.offset,
        reason: `group ${group}: entry ${gap.index} follows index ${gap.after} and no snapshot covers the entries between`,
      };
    }
    return null;
  }

  result(): Map<number, GroupLog> {
    return this.groups;
  }

  dropped(): Set<number> {
    return this.droppedGroups;
  }
}

function lastIndexOf(g: GroupLog): number {
  const last = g.entries[g.entries.length - 1];
  return last !== undefined ? last.index : (g.snapshot?.index ?? 0);
}

function appendEntry(g: GroupLog, entry: LogEntry): void {
  // Entries a snapshot covers are skipped: a segment may start with a few of them.
  if (g.snapshot !== null && entry.index <= g.snapshot.index) return;
  // An entry at or below the last index replaces that suffix (Raft's conflict rule).
  if (entry.index <= lastIndexOf(g)) truncateFrom(g.entries, entry.index);
  g.entries.push(entry);
}

/** Removes entries with index ≥ `index`; entries are contiguous, so it is one length change. */
function truncateFrom(entries: LogEntry[], index: number): void {
  const first = entries[0];
  if (first === undefined) return;
  entries.length = Math.max(0, Math.min(entries.length, index - first.index));
}

/** Removes entries with index ≤ `index`. */
function dropPrefix(entries: LogEntry[], index: number): void {
  const first = entries[0];
  if (first === undefined || first.index > index) return;
  entries.splice(0, Math.min(entries.length, index - first.index + 1));
}
