// A Disk wrapper for tests: counts operations, injects errors (ENOSPC, EIO, short writes),
// holds operations at a gate to make concurrency deterministic, and simulates power loss by
// cutting every file back to what was fdatasynced, optionally keeping a torn prefix of the rest.

import type { Disk, DiskFile, OpenMode } from '../../io/disk.ts';

export type DiskOp = 'open' | 'read' | 'write' | 'datasync' | 'truncate' | 'close' | 'list' | 'mkdir' | 'rename' | 'remove' | 'removeDir' | 'syncDir';

export interface Fault {
  op: DiskOp;
  code: 'ENOSPC' | 'EIO';
  /** Only operations on paths containing this string. */
  pathIncludes?: string;
  /** For writes: bytes that do reach the file before the error (a short write). Default 0. */
  writtenBytes?: number;
  /** How many matching operations fail; default 1. Infinity makes the fault permanent. */
  times?: number;
}

interface FileState {
  size: number;
  syncedSize: number;
}

function errnoError(code: string, op: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${op} ${path} (injected)`), { code });
}

export class FaultyDisk implements Disk {
  readonly counts: Record<DiskOp, number> = {
    open: 0, read: 0, write: 0, datasync: 0, truncate: 0, close: 0, list: 0, mkdir: 0, rename: 0, remove: 0, removeDir: 0, syncDir: 0,
  };
  /** Sizes of the files written through this disk, and how much of each was fdatasynced. */
  readonly files = new Map<string, FileState>();
  private readonly inner: Disk;
  private faults: Fault[] = [];
  private readonly gates = new Map<DiskOp, Promise<void>>();
  private readonly handles = new Set<FaultyFile>();
  /** Set by crash(): the process is dead, so nothing it still has in flight may reach the disk. */
  private crashed = false;
  private readonly inflight = new Set<Promise<unknown>>();

  /**
   * `skipSync`: fdatasync and directory fsync are only recorded, never issued. Crash
   * simulation still works (it relies on the records), and tests of logic run much faster.
   */
  readonly skipSync: boolean;

  constructor(inner: Disk, options: { skipSync?: boolean } = {}) {
    this.inner = inner;
    this.skipSync = options.skipSync ?? false;
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Operations `op` wait from now until the returned function is called. */
  hold(op: DiskOp): () => void {
    let release!: () => void;
    this.gates.set(op, new Promise<void>((r) => { release = r; }));
    return () => {
      this.gates.delete(op);
      release();
    };
  }

  /** Counts `op`, waits at its gate, and throws an injected fault if one matches. */
  async enter(op: DiskOp, path: string): Promise<Fault | null> {
    this.counts[op]++;
    const gate = this.gates.get(op);
    if (gate !== undefined) await gate;
    if (this.crashed) throw errnoError('EIO', op, `${path} (after a simulated crash)`);
    const fault = this.faults.find((f) => f.op === op && (f.pathIncludes === undefined || path.includes(f.pathIncludes)));
    if (fault === undefined) return null;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  async check(op: DiskOp, path: string): Promise<void> {
    const fault = await this.enter(op, path);
    if (fault !== null) throw errnoError(fault.code, op, path);
  }

  /**
   * Power loss: every open handle dies, and each file keeps only what was fdatasynced plus
   * `keepUnsyncedBytes(path, unsyncedBytes)` bytes of the rest (default 0: all lost).
   */
  async crash(keepUnsyncedBytes: (path: string, unsyncedBytes: number) => number = () => 0): Promise<void> {
    this.crashed = true;
    // Operations already handed to the real disk finish: they happened before the crash.
    await Promise.allSettled([...this.inflight]);
    for (const h of this.handles) await h.kill();
    this.handles.clear();
    for (const [path, state] of this.files) {
      if (state.size <= state.syncedSize) continue;
      const keep = Math.max(0, Math.min(state.size - state.syncedSize, keepUnsyncedBytes(path, state.size - state.syncedSize)));
      const file = await this.inner.open(path, 'readWrite');
      await file.truncate(state.syncedSize + keep);
      await file.close();
    }
    this.files.clear();
    this.clearFaults();
  }

  /**
   * Starts an operation on the real disk, remembered until it settles (see crash()). The
   * crash check is repeated here, synchronously with the start, because a crash may have
   * happened in the microtasks since enter().
   */
  run<T>(start: () => Promise<T>): Promise<T> {
    if (this.crashed) return Promise.reject(errnoError('EIO', 'operation', '(after a simulated crash)'));
    const operation = start();
    this.inflight.add(operation);
    const forget = () => { this.inflight.delete(operation); };
    operation.then(forget, forget);
    return operation;
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    await this.check('open', path);
    const file = await this.run(() => this.inner.open(path, mode));
    if (mode !== 'read') {
      const size = mode === 'readWrite' ? await file.size() : 0;
      this.files.set(path, { size, syncedSize: size });
    }
    const wrapped = new FaultyFile(this, file);
    this.handles.add(wrapped);
    return wrapped;
  }

  async list(dir: string): Promise<string[]> {
    await this.check('list', dir);
    return this.run(() => this.inner.list(dir));
  }

  async mkdir(dir: string): Promise<void> {
    await this.check('mkdir', dir);
    return this.run(() => this.inner.mkdir(dir));
  }

  async rename(from: string, to: string): Promise<void> {
    await this.check('rename', from);
    await this.run(() => this.inner.rename(from, to));
    const state = this.files.get(from);
    this.files.delete(from);
    if (state !== undefined) this.files.set(to, state);
  }

  async remove(path: string): Promise<void> {
    await this.check('remove', path);
    await this.run(() => this.inner.remove(path));
    this.files.delete(path);
  }

  async removeDir(dir: string): Promise<void> {
    await this.check('removeDir', dir);
    return this.run(() => this.inner.removeDir(dir));
  }

  async syncDir(dir: string): Promise<void> {
    await this.check('syncDir', dir);
    if (!this.skipSync) await this.run(() => this.inner.syncDir(dir));
  }

  forget(file: FaultyFile): void {
    this.handles.delete(file);
  }
}

class FaultyFile implements DiskFile {
  readonly path: string;
  dead = false;
  private readonly disk: FaultyDisk;
  private readonly inner: DiskFile;

  constructor(disk: FaultyDisk, inner: DiskFile) {
    this.disk = disk;
    this.inner = inner;
    this.path = inner.path;
  }

  private async enter(op: DiskOp): Promise<void> {
    if (this.dead) throw errnoError('EIO', op, `${this.path} (handle from before a simulated crash)`);
    await this.disk.check(op, this.path);
  }

  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    await this.enter('read');
    return this.disk.run(() => this.inner.read(into, offset, length, position));
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    if (this.dead) throw errnoError('EIO', 'write', this.path);
    const fault = await this.disk.enter('write', this.path);
    const bytes = fault === null ? data.length : Math.min(fault.writtenBytes ?? 0, data.length);
    if (bytes > 0) await this.disk.run(() => this.inner.write(data.subarray(0, bytes), position));
    const state = this.disk.files.get(this.path);
    if (state !== undefined) state.size = Math.max(state.size, position + bytes);
    if (fault !== null) throw errnoError(fault.code, 'write', this.path);
  }

  async datasync(): Promise<void> {
    await this.enter('datasync');
    if (!this.disk.skipSync) await this.disk.run(() => this.inner.datasync());
    const state = this.disk.files.get(this.path);
    if (state !== undefined) state.syncedSize = state.size;
  }

  async truncate(length: number): Promise<void> {
    await this.enter('truncate');
    await this.disk.run(() => this.inner.truncate(length));
    const state = this.disk.files.get(this.path);
    if (state !== undefined) {
      state.size = length;
      state.syncedSize = Math.min(state.syncedSize, length);
    }
  }

  async size(): Promise<number> {
    if (this.dead) throw errnoError('EIO', 'size', this.path);
    return this.inner.size();
  }

  /** The process died: the descriptor goes without any further I/O through it. */
  async kill(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    await this.inner.close().catch(() => {});
  }

  async close(): Promise<void> {
    this.disk.forget(this);
    if (this.dead) return;
    this.dead = true;
    await this.disk.check('close', this.path);
    await this.inner.close();
  }
}
