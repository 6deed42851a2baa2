// A Disk held in memory: what `fsync none` uses for snapshots (so InstallSnapshot can still
// stream them to followers), and a fast fake for the simulator. It models no crashes: what
// is written is simply there.

import type { Disk, DiskFile, OpenMode } from '../io/disk.ts';
import { assert } from '../util/assert.ts';

interface Blob {
  data: Buffer;
  size: number;
}

function errnoError(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

class MemoryFile implements DiskFile {
  readonly path: string;
  private readonly blob: Blob;
  private closed = false;
  private readonly writable: boolean;

  constructor(path: string, blob: Blob, writable: boolean) {
    this.path = path;
    this.blob = blob;
    this.writable = writable;
  }

  private check(): void {
    if (this.closed) throw errnoError('EBADF', this.path);
  }

  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    this.check();
    const n = Math.max(0, Math.min(length, this.blob.size - position));
    into.set(this.blob.data.subarray(position, position + n), offset);
    return Promise.resolve(n);
  }

  write(data: Uint8Array, position: number): Promise<void> {
    this.check();
    if (!this.writable) return Promise.reject(errnoError('EBADF', this.path));
    const end = position + data.length;
    if (end > this.blob.data.length) {
      const grown = Buffer.alloc(Math.max(end, this.blob.data.length * 2));
      this.blob.data.copy(grown, 0, 0, this.blob.size);
      this.blob.data = grown;
    }
    if (position > this.blob.size) this.blob.data.fill(0, this.blob.size, position);
    this.blob.data.set(data, position);
    this.blob.size = Math.max(this.blob.size, end);
    return Promise.resolve();
  }

  datasync(): Promise<void> {
    this.check();
    return Promise.resolve();
  }

  truncate(length: number): Promise<void> {
    this.check();
    assert(length <= this.blob.size, 'MemoryDisk truncates only to shrink');
    this.blob.size = length;
    return Promise.resolve();
  }

  size(): Promise<number> {
    this.check();
    return Promise.resolve(this.blob.size);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export class MemoryDisk implements Disk {
  private readonly files = new Map<string, Blob>();
  private readonly dirs = new Set<string>(['/']);

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    let blob = this.files.get(path);
    if (mode === 'createExclusive' && blob !== undefined) throw errnoError('EEXIST', path);
    if (mode === 'createExclusive' || mode === 'createTruncate') {
      if (!this.dirs.has(parentOf(path))) throw errnoError('ENOENT', path);
      blob = { data: Buffer.alloc(0), size: 0 };
      this.files.set(path, blob);
    }
    if (blob === undefined) throw errnoError('ENOENT', path);
    return new MemoryFile(path, blob, mode !== 'read');
  }

  async list(dir: string): Promise<string[]> {
    const names = new Set<string>();
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    for (const path of [...this.files.keys(), ...this.dirs]) {
      if (path.startsWith(prefix) && path.length > prefix.length) names.add(path.slice(prefix.length).split('/')[0] as string);
    }
    return [...names].sort();
  }

  async mkdir(dir: string): Promise<void> {
    for (let d = dir; !this.dirs.has(d); d = parentOf(d)) this.dirs.add(d);
  }

  async rename(from: string, to: string): Promise<void> {
    const blob = this.files.get(from);
    if (blob === undefined) throw errnoError('ENOENT', from);
    this.files.delete(from);
    this.files.set(to, blob);
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }

  async removeDir(dir: string): Promise<void> {
    if ((await this.list(dir)).length > 0) throw errnoError('ENOTEMPTY', dir);
    this.dirs.delete(dir);
  }

  async syncDir(dir: string): Promise<void> {
    if (!this.dirs.has(dir)) throw errnoError('ENOENT', dir);
  }
}
