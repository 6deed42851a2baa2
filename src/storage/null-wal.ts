// The WAL of `fsync none`: nothing reaches disk. Appends resolve at once, boot replays
// nothing, and a restarted node rejoins its groups empty and is caught up by snapshot.

import type { FloeError } from '../util/errors.ts';
import type { AppendOptions, WalStats, WriteAheadLog } from './wal.ts';
import type { WalRecord } from './types.ts';

export class NullWal implements WriteAheadLog {
  readonly fsync = 'none' as const;
  readonly failure: FloeError | null = null;
  private recordsAppended = 0;
  private batchesWritten = 0;

  append(records: readonly WalRecord[], _options?: AppendOptions): Promise<void> {
    this.recordsAppended += records.length;
    if (records.length > 0) this.batchesWritten++;
    return Promise.resolve();
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  maybeSync(_nowMs: number): void {}

  compactionBlockers(): number[] {
    return [];
  }

  stats(): WalStats {
    return { segments: 0, bytes: 0, recordsAppended: this.recordsAppended, batchesWritten: this.batchesWritten, syncs: 0, segmentsDeleted: 0 };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
