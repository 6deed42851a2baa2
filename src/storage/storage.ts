// The storage facade the node driver uses: opens a data dir (wal/ + snap/), reconciles WAL
// replay with the newest valid snapshot of each group, and offers the few operations that
// span both (saving a snapshot, dropping a group).

import type { Disk } from '../io/disk.ts';
import { joinPath } from '../io/disk.ts';
import { FloeError } from '../util/errors.ts';
import { MemoryDisk } from './memory-disk.ts';
import { NullWal } from './null-wal.ts';
import { SnapshotStore } from './snapshot-store.ts';
import type { SnapshotInfo } from './snapshot-store.ts';
import type { FsyncMode, GroupLog, HardState, LogEntry, SnapshotMeta, WalRecord } from './types.ts';
import { openWal } from './wal.ts';
import type { WriteAheadLog } from './wal.ts';

export interface StorageOptions {
  disk: Disk;
  /** The node's data dir; wal/ and snap/ live in it. Unused with fsync none. */
  dir: string;
  fsync: FsyncMode;
  /** Default 64 MiB. */
  segmentBytesMax?: number;
  /** Default 1000 ms. */
  everysecIntervalMs?: number;
  warn?: (message: string) => void;
  /** Called once if the WAL fails (disk full, I/O error): stop accepting writes, keep serving reads. */
  onFailure?: (error: FloeError) => void;
}

export interface SaveSnapshotOptions {
  discardLog?: boolean;
  extra?: Uint8Array;
}

/** One group's state at boot. */
export interface BootGroup {
  group: number;
  hardState: HardState | null;
  /** The newest valid snapshot file (with its extra metadata); stream its body with storage.snapshots.read(snapshot). */
  snapshot: SnapshotInfo | null;
  /** Log entries after the snapshot, contiguous, truncations applied. */
  entries: LogEntry[];
}

export interface Storage {
  readonly wal: WriteAheadLog;
  readonly snapshots: SnapshotStore;
  /** What boot found, per group. */
  readonly groups: Map<number, BootGroup>;
  /**
   * Writes a snapshot file from `chunks`, makes it durable, then appends and awaits its WAL
   * marker, after which the WAL drops segments the snapshot covers. `discardLog` (when
   * installing a leader's snapshot) also truncates every entry after the snapshot; `extra`
   * is small metadata stored beside the body (Raft's ConfState).
   */
  saveSnapshot(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: SaveSnapshotOptions): Promise<void>;
  /** The group left this node: its WAL state and snapshot files go. */
  dropGroup(group: number): Promise<void>;
  close(): Promise<void>;
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  const warn = options.warn ?? (() => {});
  if (options.fsync === 'none') {
    // Memory only: the snapshot store still exists so a leader can stream snapshots.
    const snapshots = new SnapshotStore({ disk: new MemoryDisk(), dir: '/snap', warn });
    await snapshots.init();
    return new NodeStorage(new NullWal(), snapshots, new Map());
  }
  const snapshots = new SnapshotStore({ disk: options.disk, dir: joinPath(options.dir, 'snap'), warn });
  await snapshots.init();
  const boot = await openWal({
    disk: options.disk,
    dir: joinPath(options.dir, 'wal'),
    fsync: options.fsync,
    ...(options.segmentBytesMax !== undefined && { segmentBytesMax: options.segmentBytesMax }),
    ...(options.everysecIntervalMs !== undefined && { everysecIntervalMs: options.everysecIntervalMs }),
    warn,
    ...(options.onFailure !== undefined && { onFailure: options.onFailure }),
  });
  try {
    // wal/ and snap/ may have just been created: their entries in the data dir must be durable
    // before anything written inside them counts (and the data dir's in its parent, best effort).
    await options.disk.syncDir(options.dir);
    await options.disk.syncDir(parentDir(options.dir)).catch(() => {});
    for (const group of boot.dropped) {
      if (!boot.groups.has(group)) await snapshots.removeGroup(group); // finish a drop a crash interrupted
    }
    const groups = new Map<number, BootGroup>();
    const ids = new Set([...boot.groups.keys(), ...(await snapshots.groups())]);
    for (const id of [...ids].sort((a, b) => a - b)) {
      if (boot.dropped.has(id)) continue;
      const log = boot.groups.get(id) ?? { group: id, hardState: null, snapshot: null, entries: [] };
      groups.set(id, reconcile(log, await snapshots.latest(id), snapshots.groupDir(id)));
    }
    return new NodeStorage(boot.wal, snapshots, groups);
  } catch (error) {
    await boot.wal.close();
    throw error;
  }
}

function parentDir(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  return cut < 0 ? '.' : cut === 0 ? '/' : trimmed.slice(0, cut);
}

/**
 * Joins a group's replayed log with its newest valid snapshot file. The file may be newer
 * than the WAL's marker (a crash between the two); then Raft's InstallSnapshot rule decides
 * what survives: entries after the snapshot stay only if the log holds the snapshot's last
 * entry with the same term.
 */
export function reconcile(log: GroupLog, snapshot: SnapshotInfo | null, where: string): BootGroup {
  const markerIndex = log.snapshot?.index ?? 0;
  if (markerIndex > 0 && (snapshot === null || snapshot.index < markerIndex)) {
    throw new FloeError('FLOE_ERR_SNAPSHOT_CORRUPT',
      `group ${log.group}: the WAL was compacted through snapshot index ${markerIndex}, but ${where} holds no valid ` +
      `snapshot at or past it${snapshot ? ` (newest valid: ${snapshot.index})` : ''}; refusing to start. Wipe this node's data dir so it rejoins by snapshot.`);
  }
  let entries = log.entries;
  if (snapshot !== null && snapshot.index > markerIndex) {
    const first = entries[0]?.index ?? markerIndex + 1;
    const atSnapshot = entries[snapshot.index - first];
    entries = atSnapshot !== undefined && atSnapshot.term === snapshot.term ? entries.slice(snapshot.index - first + 1) : [];
  }
  // A snapshot holds only committed state, so the commit index is at least its index (the
  // hard state that said so may not have reached the WAL before a crash).
  let hardState = log.hardState;
  if (hardState !== null && snapshot !== null && hardState.commit < snapshot.index) hardState = { ...hardState, commit: snapshot.index };
  return { group: log.group, hardState, snapshot, entries };
}

class NodeStorage implements Storage {
  readonly wal: WriteAheadLog;
  readonly snapshots: SnapshotStore;
  readonly groups: Map<number, BootGroup>;

  constructor(wal: WriteAheadLog, snapshots: SnapshotStore, groups: Map<number, BootGroup>) {
    this.wal = wal;
    this.snapshots = snapshots;
    this.groups = groups;
  }

  async saveSnapshot(
    meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: SaveSnapshotOptions,
  ): Promise<void> {
    const writer = await this.snapshots.create(meta, options?.extra);
    try {
      for await (const chunk of chunks) await writer.write(chunk);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writer.commit();
    const records: WalRecord[] = [{ type: 'snapshot', group: meta.group, index: meta.index, term: meta.term }];
    if (options?.discardLog === true) records.push({ type: 'truncate', group: meta.group, index: meta.index + 1, term: meta.term });
    await this.wal.append(records);
  }

  async dropGroup(group: number): Promise<void> {
    // The WAL record first: if a crash follows, boot sees the drop and finishes it.
    await this.wal.append([{ type: 'dropGroup', group }]);
    await this.wal.sync();
    await this.snapshots.removeGroup(group);
  }

  close(): Promise<void> {
    return this.wal.close();
  }
}
