// The real Disk: node:fs/promises, so reads, writes and fsyncs run on libuv's threadpool
// and never block the event loop — except writeNow/datasyncNow, the synchronous pair the WAL
// uses in fsync always mode (see docs/storage.md). Errors are the errno exceptions of node:fs;
// storage/ turns them into FloeErrors.

import { fdatasyncSync, writeSync } from 'node:fs';
import { open, readdir, mkdir, rename, rm, rmdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Disk, DiskFile, OpenMode } from '../disk.ts';

const openFlags: Record<OpenMode, string> = {
  read: 'r',
  readWrite: 'r+',
  createExclusive: 'wx',
  createTruncate: 'w',
};

class NodeDiskFile implements DiskFile {
  readonly path: string;
  private readonly handle: FileHandle;

  constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.handle = handle;
  }

  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(into, offset, length, position);
    return bytesRead;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    // pwrite on a regular file normally writes everything; loop for the rare short write.
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      if (bytesWritten <= 0) throw new Error(`short write to ${this.path}`);
      done += bytesWritten;
    }
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  writeNow(data: Uint8Array, position: number): void {
    let done = 0;
    while (done < data.length) {
      const n = writeSync(this.handle.fd, data, done, data.length - done, position + done);
      if (n <= 0) throw new Error(`short write to ${this.path}`);
      done += n;
    }
  }

  datasyncNow(): void {
    fdatasyncSync(this.handle.fd);
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

export class NodeDisk implements Disk {
  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    return new NodeDiskFile(path, await open(path, openFlags[mode]));
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  async mkdir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return rename(from, to);
  }

  remove(path: string): Promise<void> {
    return rm(path, { force: true });
  }

  async removeDir(dir: string): Promise<void> {
    try {
      await rmdir(dir);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async syncDir(dir: string): Promise<void> {
    // Opening a directory read-only and fsyncing it is the POSIX way to persist its entries.
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
