// The Disk interface: the only way storage/ reaches files. io/node/disk.ts implements it
// with node:fs; tests wrap it to inject faults, and memory-backed ones serve `fsync none`
// and the simulator. Paths are plain strings joined with '/'.

/**
 * How a file is opened.
 * - read: existing file, read only.
 * - readWrite: existing file, read and write (used to truncate a torn tail).
 * - createExclusive: a new file; fails if it exists (WAL segments).
 * - createTruncate: create or empty a file (temporary snapshot files).
 */
export type OpenMode = 'read' | 'readWrite' | 'createExclusive' | 'createTruncate';

export interface DiskFile {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into `into[offset..]`; returns bytes read (0 at EOF). */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Writes all of `data` at `position` (a positional write, no file cursor), or throws. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** fdatasync: data and the metadata needed to read it back (size) reach stable storage. */
  datasync(): Promise<void>;
  /**
   * Optional synchronous forms of write and datasync, for the WAL's hot path only: they block
   * the thread for the disk's latency but skip the threadpool round trip (two thread handoffs
   * and an event-loop wakeup per call), which on a small machine costs more CPU than the
   * write itself. Same contract as write/datasync; they throw instead of rejecting.
   */
  writeNow?(data: Uint8Array, position: number): void;
  datasyncNow?(): void;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface Disk {
  open(path: string, mode: OpenMode): Promise<DiskFile>;
  /** Names (not paths) of the entries of a directory; [] if it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Creates a directory and its parents; succeeds if it exists. */
  mkdir(dir: string): Promise<void>;
  /** Atomically replaces `to` with `from` (rename(2)). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; succeeds if it does not exist. */
  remove(path: string): Promise<void>;
  /** Removes an empty directory; succeeds if it does not exist. */
  removeDir(dir: string): Promise<void>;
  /** fsyncs a directory so that creations, renames and removals in it are durable. */
  syncDir(dir: string): Promise<void>;
}

/** Joins path parts with '/', so storage/ needs no node:path. */
export function joinPath(...parts: string[]): string {
  return parts.join('/').replace(/\/{2,}/g, '/');
}
