// Linearizable reads at the leader. ReadIndex requests wait for a heartbeat round sent after
// them to be acknowledged by a quorum; the lease remembers when each round was sent so that a
// quorum's acknowledgement of a round can be turned into a lease expiry tick.
import { assert } from '../util/assert.ts';
import type { ReadState } from './types.ts';

/** Bound on ReadIndex requests waiting at a leader; more are refused with 'read-queue-full'. */
export const readIndexPendingMax = 4096;

interface PendingRead {
  readonly context: Uint8Array;
  /** The leader's commit index when the request arrived. */
  readonly index: number;
  /** The heartbeat round whose quorum acknowledgement confirms it. */
  readonly seq: number;
}

export class ReadOnly {
  /** Requests that arrived before an entry of the leader's term committed: no index yet. */
  private held: Uint8Array[] = [];
  /** FIFO; seq is non-decreasing. */
  private pending: PendingRead[] = [];

  size(): number {
    return this.held.length + this.pending.length;
  }

  hold(context: Uint8Array): void {
    assert(this.size() < readIndexPendingMax, 'readonly: queue full');
    this.held.push(context);
  }

  /** Moves held requests to pending once the leader has committed in its term. */
  unhold(index: number, seq: number): void {
    for (const context of this.held) this.add(context, index, seq);
    this.held = [];
  }

  add(context: Uint8Array, index: number, seq: number): void {
    const last = this.pending[this.pending.length - 1];
    assert(last === undefined || last.seq <= seq, 'readonly: seq must not decrease');
    this.pending.push({ context, index, seq });
  }

  /** The highest seq any pending request waits for (0 if none). */
  seqNeeded(): number {
    return this.pending[this.pending.length - 1]?.seq ?? 0;
  }

  /** Confirms every request whose round is ≤ `ackedSeq` (acknowledged by a quorum). */
  release(ackedSeq: number, out: ReadState[]): void {
    let n = 0;
    while (n < this.pending.length && (this.pending[n] as PendingRead).seq <= ackedSeq) {
      const p = this.pending[n] as PendingRead;
      out.push({ index: p.index, context: p.context });
      n++;
    }
    if (n > 0) this.pending = this.pending.slice(n);
  }

  /** Leadership lost: waiting reads are dropped (the driver times them out and retries). */
  reset(): void {
    this.held = [];
    this.pending = [];
  }
}

/**
 * The tick at which each heartbeat round was sent, kept only for rounds recent enough to
 * still give a lease: entries (first seq sent at a tick, that tick), pruned past a window.
 */
export class RoundTicks {
  private seqs: number[] = [];
  private ticks: number[] = [];

  record(seq: number, tick: number): void {
    if (this.ticks[this.ticks.length - 1] === tick) return; // the round's tick is that of the first seq at this tick
    this.seqs.push(seq);
    this.ticks.push(tick);
  }

  /** Drops rounds sent before `oldestTick`; they can no longer give a lease. */
  prune(oldestTick: number): void {
    let n = 0;
    while (n < this.ticks.length && (this.ticks[n] as number) < oldestTick) n++;
    if (n > 0) {
      this.seqs = this.seqs.slice(n);
      this.ticks = this.ticks.slice(n);
    }
  }

  /** The tick at which round `seq` was sent, or null when unknown (pruned or never). */
  tickOf(seq: number): number | null {
    for (let i = this.seqs.length - 1; i >= 0; i--) if ((this.seqs[i] as number) <= seq) return this.ticks[i] as number;
    return null;
  }

  reset(): void {
    this.seqs = [];
    this.ticks = [];
  }
}
