// Replay: folds WAL records, in log order, into each group's hard state, snapshot marker
// and log (truncations and overwrites applied). Pure; the segment reader feeds it and turns
// a returned complaint into a FLOE_ERR_WAL_CORRUPT that names the file and offset.

import type { GroupLog, LogEntry, WalRecord } from './types.ts';

export class Replay {
  private readonly groups = new Map<number, GroupLog>();
  /** Groups whose last word in the log is dropGroup: boot finishes removing their snapshots. */
  private readonly droppedGroups = new Set<number>();

  private group(id: number): GroupLog {
    this.droppedGroups.delete(id);
    let g = this.groups.get(id);
    if (g === undefined) {
      g = { group: id, hardState: null, snapshot: null, entries: [] };
      this.groups.set(id, g);
    }
    return g;
  }

  /** Applies one record; returns null, or why the record cannot follow what came before. */
  apply(record: WalRecord): string | null {
    switch (record.type) {
      case 'entry': {
        const g = this.group(record.group);
        return appendEntry(g, { term: record.term, index: record.index, kind: record.kind, data: record.data });
      }
      case 'hardState':
        this.group(record.group).hardState = { term: record.term, vote: record.vote, commit: record.commit };
        return null;
      case 'snapshot': {
        const g = this.group(record.group);
        if (g.snapshot !== null && record.index <= g.snapshot.index) return null; // an older marker, or a checkpoint's copy
        g.snapshot = { group: record.group, index: record.index, term: record.term };
        dropPrefix(g.entries, record.index);
        return null;
      }
      case 'truncate':
        truncateFrom(this.group(record.group).entries, record.index);
        return null;
      case 'dropGroup':
        this.groups.delete(record.group);
        this.droppedGroups.add(record.group);
        return null;
    }
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

function appendEntry(g: GroupLog, entry: LogEntry): string | null {
  // Entries a snapshot covers are skipped: a segment may start with a few of them.
  if (g.snapshot !== null && entry.index <= g.snapshot.index) return null;
  const last = lastIndexOf(g);
  if (entry.index > last + 1) {
    return `group ${g.group}: entry ${entry.index} does not follow index ${last} (a gap in the log)`;
  }
  // An entry at or below the last index replaces that suffix (Raft's conflict rule).
  if (entry.index <= last) truncateFrom(g.entries, entry.index);
  g.entries.push(entry);
  return null;
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
