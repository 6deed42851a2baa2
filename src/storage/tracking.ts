// What the WAL remembers about each group and each segment, without keeping entries:
// the newest hard state and snapshot marker (rewritten at the start of every segment, so
// old segments can be deleted), the last index (to assert appends are well formed), and
// per segment the highest live entry index of each group (to know when a segment is dead).

import { assert } from '../util/assert.ts';
import type { HardState, SnapshotMeta, WalRecord } from './types.ts';

export interface GroupTrack {
  hardState: HardState | null;
  snapshot: SnapshotMeta | null;
  lastIndex: number;
}

export type GroupTracks = Map<number, GroupTrack>;

export interface SegmentInfo {
  seq: number;
  path: string;
  bytes: number;
  /** Per group, the highest entry index in this segment that no truncation has superseded. */
  maxIndex: Map<number, number>;
}

function trackOf(groups: GroupTracks, id: number): GroupTrack {
  let g = groups.get(id);
  if (g === undefined) {
    g = { hardState: null, snapshot: null, lastIndex: 0 };
    groups.set(id, g);
  }
  return g;
}

/** The Raft core must never ask for these; checked right before a record is encoded. */
export function assertAppendable(groups: GroupTracks, record: WalRecord): void {
  if (record.type === 'dropGroup') return;
  const g = groups.get(record.group);
  const snapIndex = g?.snapshot?.index ?? 0;
  const lastIndex = g?.lastIndex ?? 0;
  const where = `group ${record.group}`;
  if (record.type === 'entry') {
    assert(record.index > snapIndex, `${where}: entry ${record.index} is covered by snapshot ${snapIndex}`);
    assert(record.index <= lastIndex + 1, `${where}: entry ${record.index} leaves a gap after ${lastIndex}`);
  } else if (record.type === 'truncate') {
    assert(record.index > snapIndex, `${where}: truncate at ${record.index} reaches into snapshot ${snapIndex}`);
  } else if (record.type === 'hardState' && g?.hardState) {
    const prev = g.hardState;
    assert(record.term >= prev.term, `${where}: term went back from ${prev.term} to ${record.term}`);
    assert(record.commit >= prev.commit, `${where}: commit went back from ${prev.commit} to ${record.commit}`);
    assert(record.term > prev.term || prev.vote === 0 || record.vote === prev.vote,
      `${where}: vote changed within term ${record.term}`);
  } else if (record.type === 'snapshot') {
    assert(record.index >= 1, `${where}: snapshot index 0`);
  }
}

/** Folds a record into the per-group summary (same rules as replay, without entries). */
export function trackRecord(groups: GroupTracks, record: WalRecord): void {
  if (record.type === 'dropGroup') {
    groups.delete(record.group);
    return;
  }
  const g = trackOf(groups, record.group);
  switch (record.type) {
    case 'entry':
      if (g.snapshot === null || record.index > g.snapshot.index) g.lastIndex = record.index;
      return;
    case 'hardState':
      g.hardState = { term: record.term, vote: record.vote, commit: record.commit };
      return;
    case 'snapshot':
      if (g.snapshot !== null && record.index <= g.snapshot.index) return;
      g.snapshot = { group: record.group, index: record.index, term: record.term };
      g.lastIndex = Math.max(g.lastIndex, record.index);
      return;
    case 'truncate':
      g.lastIndex = Math.min(g.lastIndex, record.index - 1);
      return;
  }
}

/**
 * Updates the segments' live-index summary for a record written to `current` (the last of
 * `segments`). Call before trackRecord, because an overwrite is detected from lastIndex.
 */
export function trackSegments(segments: SegmentInfo[], groups: GroupTracks, record: WalRecord): void {
  const current = segments[segments.length - 1];
  assert(current !== undefined, 'no current segment');
  if (record.type === 'dropGroup') {
    for (const s of segments) s.maxIndex.delete(record.group);
    return;
  }
  if (record.type === 'truncate') {
    clampSegments(segments, record.group, record.index - 1);
    return;
  }
  if (record.type !== 'entry') return;
  const g = groups.get(record.group);
  if (g !== undefined && g.snapshot !== null && record.index <= g.snapshot.index) return; // skipped on replay
  if (g !== undefined && record.index <= g.lastIndex) clampSegments(segments, record.group, record.index - 1);
  const max = current.maxIndex.get(record.group) ?? 0;
  if (record.index > max) current.maxIndex.set(record.group, record.index);
}

function clampSegments(segments: SegmentInfo[], group: number, keepThrough: number): void {
  for (const s of segments) {
    const max = s.maxIndex.get(group);
    if (max === undefined || max <= keepThrough) continue;
    if (keepThrough <= 0) s.maxIndex.delete(group);
    else s.maxIndex.set(group, keepThrough);
  }
}

/** A segment is dead when every group's live entries in it are covered by that group's snapshot. */
export function segmentBlockers(segment: SegmentInfo, groups: GroupTracks): number[] {
  const blockers: number[] = [];
  for (const [group, max] of segment.maxIndex) {
    const snapIndex = groups.get(group)?.snapshot?.index ?? 0;
    if (max > snapIndex) blockers.push(group);
  }
  return blockers;
}

export function cloneTracks(groups: GroupTracks): GroupTracks {
  const copy: GroupTracks = new Map();
  for (const [id, g] of groups) {
    copy.set(id, { hardState: g.hardState && { ...g.hardState }, snapshot: g.snapshot && { ...g.snapshot }, lastIndex: g.lastIndex });
  }
  return copy;
}

/** The records that open every segment: each group's newest snapshot marker and hard state. */
export function checkpointRecords(groups: GroupTracks): WalRecord[] {
  const records: WalRecord[] = [];
  for (const [group, g] of groups) {
    if (g.snapshot !== null) records.push({ type: 'snapshot', group, index: g.snapshot.index, term: g.snapshot.term });
    if (g.hardState !== null) records.push({ type: 'hardState', group, ...g.hardState });
  }
  return records;
}
