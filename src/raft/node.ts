// RaftNode: the public face of the core. It wraps the Raft state machine with the
// Ready/advance handshake (what to persist, send and apply, in that order), snapshots for
// compaction, and status. See types.ts (Ready) for the ordering contract.
import { assert } from '../util/assert.ts';
import { emptyConfState } from './confchange.ts';
import { Raft } from './raft.ts';
import {
  NONE,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type LeaseReadResult,
  type Message,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type ReadIndexResult,
  type Ready,
  type Snapshot,
  type SoftState,
  type Status,
  type TransferResult,
} from './types.ts';

/** Bound on the committed entries handed out in one Ready (more come in the next). */
export const readyCommittedBytesMax = 16 * 1024 * 1024; // 16 MiB

export class RaftNode {
  readonly id: NodeId;
  readonly group: number;
  private readonly raft: Raft;
  /** The hard state as last handed to the driver to persist. */
  private prevHard: HardState;
  private prevSoft: SoftState = { leader: NONE, role: 'follower' };
  /** The Ready handed out and not yet advanced; at most one. */
  private outstanding: Ready | null = null;

  constructor(cfg: RaftConfig) {
    this.raft = new Raft(cfg);
    this.id = cfg.id;
    this.group = cfg.group;
    this.prevHard = cfg.storage.hardState();
    this.raft.checkInvariants();
  }

  tick(): void {
    this.raft.tick();
    this.raft.checkInvariants();
  }

  step(m: Message): void {
    this.raft.step(m);
    this.raft.checkInvariants();
  }

  /** Starts an election now (pre-vote first when enabled); ignored by a leader or a non-voter. */
  campaign(): void {
    this.raft.hup(false);
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(cc);
  }

  readIndex(context: Uint8Array): ReadIndexResult {
    return this.raft.readIndex(context);
  }

  leaseRead(): LeaseReadResult {
    return this.raft.leaseRead();
  }

  transferLeader(target: NodeId): TransferResult {
    return this.raft.transferLeader(target);
  }

  ready(): Ready | null {
    assert(this.outstanding === null, 'raft: ready() called again before advance()');
    const r = this.raft;
    r.flush();
    const hardState = this.hardStateToPersist();
    const soft: SoftState = { leader: r.lead, role: r.role };
    const softState = soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role ? soft : null;
    const entries = r.log.unstableEntries();
    const snapshot = r.log.pendingSnapshot;
    const committed = r.log.nextCommitted(readyCommittedBytesMax);
    if (hardState === null && softState === null && entries.length === 0 && snapshot === null && committed.length === 0 &&
      r.msgs.length === 0 && r.readStates.length === 0) return null;
    const mustSync = entries.length > 0 || snapshot !== null ||
      (hardState !== null && (hardState.term !== this.prevHard.term || hardState.vote !== this.prevHard.vote));
    const rd: Ready = { group: this.group, softState, hardState, snapshot, entries, messages: r.msgs, committed, readStates: r.readStates, mustSync };
    r.msgs = [];
    r.readStates = [];
    if (softState !== null) this.prevSoft = softState;
    this.outstanding = rd;
    return rd;
  }

  private hardStateToPersist(): HardState | null {
    const r = this.raft;
    let hs: HardState = { term: r.term, vote: r.vote, commit: r.log.committed };
    if (this.raft.cfg.mutant === 'vote-not-persisted') hs = this.hideVote(hs);
    const p = this.prevHard;
    return hs.term === p.term && hs.vote === p.vote && hs.commit === p.commit ? null : hs;
  }

  /**
   * The mutant: a vote is never recorded in the hard state handed out for persistence (the
   * term is), though the vote's messages go out. A voter that restarts within the term has
   * forgotten its vote.
   */
  private hideVote(hs: HardState): HardState {
    if (hs.vote === NONE || (hs.term === this.prevHard.term && hs.vote === this.prevHard.vote)) return hs;
    return { term: hs.term, vote: hs.term === this.prevHard.term ? this.prevHard.vote : NONE, commit: hs.commit };
  }

  /** The driver has persisted, sent and applied `rd` (see the Ready contract). */
  advance(rd: Ready): void {
    assert(rd === this.outstanding, 'raft: advance() with a Ready that is not the outstanding one');
    const log = this.raft.log;
    if (rd.hardState !== null) this.prevHard = rd.hardState;
    if (rd.snapshot !== null) {
      if (log.pendingSnapshot === rd.snapshot) log.pendingSnapshot = null;
      log.appliedTo(Math.max(log.applied, rd.snapshot.index));
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) log.stableTo(lastEntry.index, lastEntry.term);
    const lastApplied = rd.committed[rd.committed.length - 1];
    if (lastApplied !== undefined) {
      for (const e of rd.committed) if (e.type === 'conf-change') this.raft.applyConfEntry(e);
      log.appliedTo(Math.max(log.applied, lastApplied.index));
    }
    this.outstanding = null;
    this.raft.maybeAutoLeave();
    this.raft.checkInvariants();
  }

  /** Whether compact(index) may run now: inside (snapshot index, applied], no received snapshot pending. */
  canCompact(index: number): boolean {
    const log = this.raft.log;
    return log.pendingSnapshot === null && index > log.snapIndex && index <= log.applied;
  }

  /**
   * Takes a snapshot at `index` (≤ applied): `data` is the state machine image the driver
   * produced at that index. The in-memory log up to `index` is dropped; followers that need
   * it get this snapshot. The driver persists the returned Snapshot, after which it may drop
   * its own log records up to `index`.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    const r = this.raft;
    assert(r.log.pendingSnapshot === null, 'raft: compact while a received snapshot is not persisted');
    assert(index > r.log.snapIndex && index <= r.log.applied, `raft: compact(${index}) outside (${r.log.snapIndex}, ${r.log.applied}]`);
    const term = r.log.term(index) as number;
    const snap: Snapshot = { group: this.group, index, term, confState: this.confAt(index), data };
    r.log.compact(snap);
    r.confHistory = r.confHistory.filter((h) => h.index > index);
    return snap;
  }

  /** The membership in effect at `index` (≤ applied). */
  private confAt(index: number): ConfState {
    const r = this.raft;
    let conf = r.log.snapshot?.confState ?? emptyConfState;
    for (const h of r.confHistory) if (h.index <= index) conf = h.conf;
    return conf;
  }

  status(): Status {
    const r = this.raft;
    const leader = r.role === 'leader';
    return {
      group: this.group,
      id: this.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leader: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      snapshotIndex: r.log.snapIndex,
      confState: r.conf,
      leadTransferee: r.leadTransferee,
      progress: leader ? new Map([...r.prs].map(([id, pr]) => [id, pr.status()])) : null,
    };
  }

  /** In-memory log entries [lo, hi), clamped to what is held (for checkers and debugging). */
  entries(lo: number, hi: number): Entry[] {
    const log = this.raft.log;
    const from = Math.max(lo, log.firstIndex());
    const to = Math.min(hi, log.lastIndex() + 1);
    return from < to ? log.slice(from, to, Number.POSITIVE_INFINITY) : [];
  }

  /** Term of entry `index`, or null when compacted away or beyond the last index. */
  termAt(index: number): number | null {
    return this.raft.log.term(index);
  }

  /** Messages dropped because the outbox was full (the driver did not call ready() for a long time). */
  droppedMessages(): number {
    return this.raft.droppedMessages;
  }
}
