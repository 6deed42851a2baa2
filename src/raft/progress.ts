// What a leader knows about one follower's log (etcd's tracker.Progress): the match and next
// indexes, the replication state (probe, replicate, snapshot), the in-flight window, and the
// position of a chunked snapshot transfer.
import { assert } from '../util/assert.ts';
import { Inflights } from './inflights.ts';
import type { ProgressState, ProgressStatus, Snapshot } from './types.ts';

export class Progress {
  /** Highest index known to be in the follower's log. Invariant: match < next. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** A learner is replicated to but counts in no quorum. */
  isLearner: boolean;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Probe: one append is outstanding; wait for a response or the next heartbeat response. */
  probeSent = false;
  /** Send one append at the next flush even if empty or the window is full (after a heartbeat answer). */
  forceAppend = false;
  /** An acknowledgement arrived since the last heartbeat answer (a full window is still moving). */
  ackedSinceHeartbeat = false;
  readonly inflights: Inflights;
  /** Highest commit index the follower reported (heartbeat answers) in the current term. */
  commit = 0;
  /** Highest heartbeat round acknowledged in the current term. */
  ackedSeq = 0;
  /** State 'snapshot': the snapshot being sent, the next byte to send, and whether a chunk awaits its ack. */
  snapshot: Snapshot | null = null;
  snapshotOffset = 0;
  snapshotChunkSent = false;

  constructor(next: number, isLearner: boolean, inflightMsgsMax: number, inflightBytesMax: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(inflightMsgsMax, inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.forceAppend = false;
    this.snapshot = null;
    this.snapshotOffset = 0;
    this.snapshotChunkSent = false;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least the snapshot index (it acked it or we assume so).
    const floor = this.state === 'snapshot' && this.snapshot !== null ? this.snapshot.index : this.match;
    this.resetState('probe');
    this.next = Math.max(this.match, floor) + 1;
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.resetState('snapshot');
    this.snapshot = snapshot;
  }

  /** An acknowledgement of `index`; false if it is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append at `rejected`; `hint` is the follower's guess of its last
   * matching index. Returns false if the rejection is stale (a response to an older append).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1; // pipelined appends were wrong: fall back to probing from match
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records that an append of `entries` entries and `bytes` bytes starting at `next` was sent. */
  sentEntries(entries: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (entries > 0) {
        const last = this.next + entries - 1;
        this.next = last + 1;
        this.inflights.add(last, bytes);
      }
    } else {
      assert(this.state === 'probe', 'append sent in snapshot state');
      this.probeSent = true;
    }
  }

  /** Whether appends to this follower must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  checkInvariants(): void {
    assert(this.match < this.next, `progress: match ${this.match} < next ${this.next}`);
    assert(this.state === 'snapshot' ? this.snapshot !== null : this.snapshot === null, 'progress: snapshot iff state snapshot');
  }

  status(): ProgressStatus {
    return {
      match: this.match,
      next: this.next,
      state: this.state,
      isLearner: this.isLearner,
      recentActive: this.recentActive,
      inflightMsgs: this.inflights.count,
      inflightBytes: this.inflights.bytes,
      pendingSnapshot: this.snapshot?.index ?? 0,
    };
  }
}
