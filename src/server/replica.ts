// One Raft group's replica on this node: the consensus core, the keyspace it drives, and
// the clients waiting on it — proposals waiting for their entry to apply, reads waiting for
// the applied index to reach their read index. The node-level Replication loop persists and
// sends; this class applies, in log order, and wakes the waiters.

import { RaftNode } from '../raft/node.ts';
import type { Entry, GroupId, RaftConfig, ReadState } from '../raft/types.ts';
import { err, type Reply } from '../protocol/reply.ts';
import { decodeEntry, ENTRY_COMMANDS, type StoreEntry } from '../store/entry.ts';
import type { Keyspace } from '../store/keyspace.ts';

/** Applies one decoded entry at index to the keyspace; returns one reply per command. */
export type Applier = (entry: StoreEntry, index: number) => Reply[];

/** A proposal's fate: its replies, null when another entry took its index, or unknown. */
export type CommitOutcome = Reply[] | null | typeof OUTCOME_UNKNOWN;
/** The write was given up on while its entry might still commit (see abandonWrites). */
export const OUTCOME_UNKNOWN = 'outcome-unknown';

interface PendingWrite {
  term: number;
  /** The entry as proposed: applied as is when it commits at (index, term), without decoding. */
  entry: StoreEntry;
  resolve: (outcome: CommitOutcome) => void;
}

interface PendingRead {
  index: number;
  run: () => void;
}

export const READ_WAITERS_MAX = 65536; // reads waiting for apply; more are refused

export class GroupReplica {
  readonly group: GroupId;
  readonly raft: RaftNode;
  readonly db: Keyspace;
  applied: number;
  /** Payload bytes applied since the last snapshot (drives snapshotting). */
  bytesSinceSnapshot = 0;
  private readonly apply: Applier;
  private readonly writes = new Map<number, PendingWrite>();
  private reads: PendingRead[] = [];
  private readonly readIndexWaiters = new Map<string, (index: number | null) => void>();
  private nextReadCtx = 1;

  constructor(config: RaftConfig, db: Keyspace, apply: Applier, applied: number) {
    this.group = config.group;
    this.raft = new RaftNode(config);
    this.db = db;
    this.apply = apply;
    this.applied = applied;
  }

  /**
   * Waits for `entry`, proposed at (index, term): its replies, or null if another entry won
   * the index. Log matching makes the entry committed at (index, term) this very entry, so
   * it is applied from `entry` rather than decoded from the log.
   */
  waitForCommit(index: number, term: number, entry: StoreEntry): Promise<CommitOutcome> {
    return new Promise((resolve) => this.writes.set(index, { term, entry, resolve }));
  }

  /** Runs `run` once the applied index reaches `index` (at once if it has). */
  whenApplied(index: number, run: () => void): boolean {
    if (this.applied >= index) {
      run();
      return true;
    }
    if (this.reads.length >= READ_WAITERS_MAX) return false;
    this.reads.push({ index, run });
    return true;
  }

  /** Starts a ReadIndex round; resolves with the read index, or null when leadership is lost. */
  readIndex(): Promise<number | null> | null {
    const ctx = String(this.nextReadCtx++);
    const r = this.raft.readIndex(Buffer.from(ctx, 'latin1'));
    if (!r.ok) return null;
    return new Promise((resolve) => this.readIndexWaiters.set(ctx, resolve));
  }

  /** Applies committed entries in order and wakes whoever waits on them. */
  applyCommitted(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index <= this.applied) continue;
      const w = this.writes.get(e.index);
      const ours = w !== undefined && w.term === e.term;
      // Only client commands skip decoding: their arguments are one-byte strings, which the
      // encoding keeps exactly, so every replica applies the same thing.
      let replies: Reply[] | null = null;
      if (e.type === 'normal' && e.data.length > 0) {
        replies = this.apply(ours && w.entry.kind === ENTRY_COMMANDS ? w.entry : decodeEntry(e.data), e.index);
        this.bytesSinceSnapshot += e.data.length;
      }
      this.applied = e.index;
      if (w !== undefined) {
        this.writes.delete(e.index);
        w.resolve(ours ? (replies ?? []) : null);
      }
    }
    this.wakeReads();
  }

  /** After a snapshot is installed: everything up to its index counts as applied. */
  restored(index: number): void {
    this.applied = index;
    this.bytesSinceSnapshot = 0;
    for (const [i, w] of this.writes) {
      // The proposal's fate is unknown: its entry is inside the snapshot or was replaced.
      if (i <= index) {
        this.writes.delete(i);
        w.resolve(null);
      }
    }
    this.wakeReads();
  }

  answerReadStates(states: readonly ReadState[]): void {
    for (const s of states) {
      const ctx = Buffer.from(s.context).toString('latin1');
      const waiter = this.readIndexWaiters.get(ctx);
      if (waiter === undefined) continue;
      this.readIndexWaiters.delete(ctx);
      waiter(s.index);
    }
  }

  /** Leadership lost: ReadIndex rounds will never complete; writes may still commit, so they keep waiting. */
  leadershipLost(): void {
    for (const w of this.readIndexWaiters.values()) w(null);
    this.readIndexWaiters.clear();
  }

  /**
   * Answers every write still waiting as of unknown outcome: their leader lost leadership and
   * no later leader told this node what became of their entries (a partition can hide that for
   * as long as it lasts). Their entries may still commit; the clients are told so.
   */
  abandonWrites(): void {
    for (const w of this.writes.values()) w.resolve(OUTCOME_UNKNOWN);
    this.writes.clear();
  }

  /** Fails every waiter (shutdown). */
  failAll(): void {
    for (const w of this.writes.values()) w.resolve(null);
    this.writes.clear();
    this.leadershipLost();
    this.reads = [];
  }

  private wakeReads(): void {
    if (this.reads.length === 0) return;
    const ready = this.reads.filter((r) => r.index <= this.applied);
    if (ready.length === 0) return;
    this.reads = this.reads.filter((r) => r.index > this.applied);
    for (const r of ready) r.run();
  }

  pendingWrites(): number {
    return this.writes.size;
  }
}

export const ERR_LOST = err('TRYAGAIN the write lost its log position to a new leader; it was not applied');
