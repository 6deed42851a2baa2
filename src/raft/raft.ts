// The Raft state machine of one node in one group: terms, roles, elections (with pre-vote,
// check-quorum and leader stickiness), proposals, membership and leadership transfer. Leader
// replication lives in replication.ts, follower log handling in follower.ts; RaftNode
// (node.ts) wraps this with the Ready/advance interface.
import { assert } from '../util/assert.ts';
import { applyConfChange, confStateError, decodeConfChange, emptyConfState, encodeConfChange, isJoint } from './confchange.ts';
import { handleAppend, handleHeartbeat, handleSnapshotChunk, type IncomingSnapshot } from './follower.ts';
import { RaftLog } from './log.ts';
import { makeMessage, type MessageFields } from './message.ts';
import { Progress } from './progress.ts';
import { jointCommitted, jointVote } from './quorum.ts';
import { ReadOnly, RoundTicks, readIndexPendingMax } from './readonly.ts';
import { bcastHeartbeat, flushAppends, maybeCommit, releaseReads, sendTimeoutNow, stepLeader } from './replication.ts';
import {
  NONE,
  type ConfChange,
  type ConfState,
  type Entry,
  type EntryType,
  type LeaseReadResult,
  type Message,
  type MessageType,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type ReadIndexResult,
  type ReadState,
  type Refusal,
  type Refused,
  type Role,
  type TransferResult,
} from './types.ts';

/** Bound on queued outgoing messages between two Readys; beyond it messages are dropped (Raft retries). */
export const outboxMessagesMax = 65536;

function isVoterOf(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.votersOutgoing.includes(id);
}

export class Raft {
  readonly id: NodeId;
  readonly group: number;
  readonly cfg: RaftConfig;
  /** Invariant: term never decreases. */
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: Role = 'follower';
  readonly log: RaftLog;
  /** Applied membership; `confIndex` is the index at which it took effect. */
  conf: ConfState = emptyConfState;
  confIndex = 0;
  /** (index, membership) of every applied conf change since the snapshot, for compact(). */
  confHistory: { index: number; conf: ConfState }[] = [];
  /** Every member's replication progress (meaningful at the leader). */
  prs = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();
  msgs: Message[] = [];
  droppedMessages = 0;
  readStates: ReadState[] = [];

  /** Ticks since the last election timeout reset (follower, candidate) or check-quorum round (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Ticks since construction: the clock of the lease. */
  ticks = 0;
  /**
   * Ticks since a leader was last heard from (append, heartbeat, snapshot), whatever our role
   * since. After a restart it starts at 0: a leader may have been heard right before the
   * crash. A fresh node starts past the election timeout.
   */
  sinceLeaderTicks: number;

  // Leader state.
  leadTransferee: NodeId = NONE;
  /** Set once TimeoutNow was sent in this term: the target's votes bypass stickiness, so no lease. */
  timeoutNowSent = false;
  /** Index of the latest conf change proposed; no new one while it is > applied. */
  pendingConfIndex = 0;
  /**
   * Index of a conf change in our log, not applied yet, that removes this leader from the
   * voters (0: none). From then on the leader accepts no proposal, so its log ends with that
   * change (and whatever preceded it): any voter of the new configuration that holds the
   * change is then as up to date as we are and gets our vote, even if we crash or step down
   * before it learns that the change is committed (it may still need our vote meanwhile).
   */
  leavingIndex = 0;
  /** Payload bytes of this leader's proposals not yet committed. */
  uncommittedBytes = 0;
  /** Index of the no-op appended on election (entries after it count toward uncommittedBytes). */
  termStartIndex = 0;
  /** Heartbeat rounds: the latest sent (its tick kept in roundTicks for the lease). */
  hbSeq = 0;
  readonly roundTicks = new RoundTicks();
  readonly readOnly = new ReadOnly();
  /** Set when followers must learn a new commit index (sent with the next flush, even with no entries). */
  commitBroadcast = false;

  // Follower state.
  incoming: IncomingSnapshot | null = null;

  constructor(cfg: RaftConfig) {
    assert(cfg.id >= 1 && cfg.electionTicks > cfg.heartbeatTicks && cfg.heartbeatTicks >= 1, 'raft: bad config');
    assert(cfg.maxSizePerMsgBytes >= 1 && cfg.snapshotChunkBytes >= 1 && cfg.leaseDriftTicks >= 0, 'raft: bad config');
    this.id = cfg.id;
    this.group = cfg.group;
    this.cfg = cfg;
    const hs = cfg.storage.hardState();
    const snap = cfg.storage.snapshot();
    const entries = cfg.storage.entries();
    const fresh = hs.term === 0 && snap === null && entries.length === 0;
    this.log = new RaftLog(snap, entries, hs.commit, cfg.applied ?? snap?.index ?? 0);
    this.term = hs.term;
    this.vote = hs.vote;
    if (snap !== null) this.switchConf(snap.confState, snap.index);
    // Committed membership changes are final: take them now rather than when re-applied, so
    // that a restarted node knows its membership before its first Ready.
    for (let i = this.log.snapIndex + 1; i <= this.log.committed; i++) {
      const e = this.log.slice(i, i + 1, 1)[0] as Entry;
      if (e.type === 'conf-change') this.applyConfEntry(e);
    }
    this.sinceLeaderTicks = fresh ? cfg.electionTicks : 0;
    if (fresh && cfg.voters.length > 0) this.bootstrap();
    this.resetRandomizedTimeout();
  }

  /** A new group: entry 1 (term 1) adds the initial members, the same on every initial member. */
  private bootstrap(): void {
    const changes = [
      ...this.cfg.voters.map((node) => ({ op: 'add-voter' as const, node })),
      ...this.cfg.learners.map((node) => ({ op: 'add-learner' as const, node })),
    ];
    const data = encodeConfChange({ transition: 'auto', changes });
    const entry: Entry = { group: this.group, term: 1, index: 1, type: 'conf-change', data };
    this.log.truncateAndAppend([entry]);
    this.log.commitTo(1);
    this.term = 1;
    // Take the membership now (a new group must be able to elect at once); applying entry 1
    // again later is then a no-op.
    this.applyConfEntry(entry);
    assert(this.confIndex === 1, 'raft: bad bootstrap membership');
  }

  // ---- messages ----

  send(type: MessageType, to: NodeId, fields: MessageFields): void {
    if (this.msgs.length >= outboxMessagesMax) {
      this.droppedMessages++;
      return;
    }
    this.msgs.push(makeMessage(type, this.group, this.id, to, fields));
  }

  // ---- roles ----

  private reset(term: number): void {
    if (this.term !== term) {
      assert(term > this.term, `raft: term going back from ${this.term} to ${term}`);
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedTimeout();
    this.abortLeaderTransfer();
    this.votes.clear();
    this.readOnly.reset();
    this.roundTicks.reset();
    this.hbSeq = 0;
    this.timeoutNowSent = false;
    this.leavingIndex = 0;
    this.uncommittedBytes = 0;
    this.commitBroadcast = false;
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs) {
      const fresh = new Progress(last + 1, pr.isLearner, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
      if (id === this.id) fresh.match = last;
      this.prs.set(id, fresh);
    }
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'raft: leader cannot become pre-candidate');
    // A pre-candidate keeps its term and vote: pre-vote changes no durable state.
    this.votes.clear();
    this.lead = NONE;
    this.role = 'pre-candidate';
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'raft: leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'raft: only a candidate becomes leader');
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    // Entries from earlier terms may hold an unapplied conf change; wait for them before another.
    this.pendingConfIndex = this.log.lastIndex();
    this.leavingIndex = this.unappliedRemovalOfSelf();
    const self = this.prs.get(this.id);
    if (self !== undefined) self.becomeReplicate();
    // The no-op: committing an entry of its own term commits everything before it (§5.4.2)
    // and is what lets the leader answer reads.
    this.termStartIndex = this.log.lastIndex() + 1; // set first: appending may commit at once (one voter)
    const ok = this.appendEntries([{ type: 'normal', data: new Uint8Array(0) }]);
    assert(ok, 'raft: no-op append refused');
  }

  private resetRandomizedTimeout(): void {
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.random.int(Math.max(1, this.cfg.electionJitterTicks ?? this.cfg.electionTicks));
  }

  /** A voter of the current membership (either half), with no snapshot or membership change pending. */
  promotable(): boolean {
    const isVoter = this.conf.voters.includes(this.id) || this.conf.votersOutgoing.includes(this.id);
    return isVoter && this.log.pendingSnapshot === null;
  }

  isVoter(id: NodeId): boolean {
    return isVoterOf(this.conf, id);
  }

  // ---- ticks ----

  tick(): void {
    this.ticks++;
    this.sinceLeaderTicks++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.roundTicks.prune(this.ticks - this.cfg.electionTicks);
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      // A leader removed from the voters always checks its quorum: it has no vote of its own
      // to win back leadership with, and must not lead a group that no longer answers it.
      if ((this.cfg.checkQuorum || !this.isVoter(this.id)) && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      this.abortLeaderTransfer();
      this.maybeAutoLeave(); // in case it was held back by the transfer
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this);
    }
  }

  /** Check-quorum: did a quorum of voters answer since the last round? Resets the marks. */
  private quorumActive(): boolean {
    const active = jointCommitted(this.conf.voters, this.conf.votersOutgoing, (id) => {
      if (id === this.id) return 1;
      return this.prs.get(id)?.recentActive === true ? 1 : 0;
    });
    for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false;
    return active === 1;
  }

  // ---- elections ----

  /** Starts an election (pre-vote first when enabled), unless this node cannot lead. */
  hup(transfer: boolean): void {
    if (this.role === 'leader') return;
    if (!this.promotable() || this.hasUnappliedConfChange()) return;
    if (this.cfg.preVote && !transfer) this.campaign('pre-vote', false);
    else this.campaign('vote', transfer);
  }

  /** A committed but unapplied conf change means our membership may be stale: do not campaign. */
  private hasUnappliedConfChange(): boolean {
    const lo = Math.max(this.log.applied, this.log.snapIndex, this.confIndex) + 1;
    for (let i = lo; i <= this.log.committed; i++) {
      if (this.log.slice(i, i + 1, 1)[0]?.type === 'conf-change') return true;
    }
    return false;
  }

  private campaign(kind: 'pre-vote' | 'vote', transfer: boolean): void {
    let voteTerm: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      this.electionWon(kind);
      return;
    }
    const ids = new Set([...this.conf.voters, ...this.conf.votersOutgoing]);
    for (const id of [...ids].sort((a, b) => a - b)) {
      if (id === this.id) continue;
      this.send(kind, id, { term: voteTerm, index: this.log.lastIndex(), logTerm: this.log.lastTerm(), transfer });
    }
  }

  private electionWon(kind: 'pre-vote' | 'vote'): void {
    if (kind === 'pre-vote') this.campaign('vote', false);
    else this.becomeLeader();
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return jointVote(this.conf.voters, this.conf.votersOutgoing, this.votes);
  }

  /**
   * Leader stickiness: with check-quorum, a node that heard from a leader within an election
   * timeout (or restarted within one) ignores (pre-)votes for a higher term, unless forced by
   * a leadership transfer; a leader always does. This holds even if the node was made to
   * campaign meanwhile, and it is what makes leases safe: a quorum that acknowledged a
   * heartbeat elects nobody for an election timeout.
   */
  private inLease(): boolean {
    return this.cfg.checkQuorum && (this.role === 'leader' || this.sinceLeaderTicks < this.cfg.electionTicks);
  }

  private handleVoteRequest(m: Message): void {
    const isPre = m.type === 'pre-vote';
    const canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (isPre && m.term > this.term);
    const upToDate = this.cfg.mutant === 'vote-ignores-log' || this.log.isUpToDate(m.index, m.logTerm);
    const respType = isPre ? 'pre-vote-resp' : 'vote-resp';
    if (canVote && upToDate) {
      // Answer in the candidate's term so it counts the vote; a real vote is recorded (and
      // persisted by the Ready contract before this message leaves).
      this.send(respType, m.from, { term: m.term });
      if (!isPre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(respType, m.from, { term: this.term, reject: true });
    }
  }

  // ---- step ----

  step(m: Message): void {
    assert(m.group === this.group && m.to === this.id, `raft: message for ${m.group}/${m.to} stepped into ${this.group}/${this.id}`);
    if (m.term > this.term) {
      if (!this.stepHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.stepLowerTerm(m);
      return;
    }
    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        stepLeader(this, m);
        break;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  /** A message from a higher term. Returns false when it is to be ignored. */
  private stepHigherTerm(m: Message): boolean {
    if ((m.type === 'vote' || m.type === 'pre-vote') && !m.transfer && this.inLease()) return false;
    if (m.type === 'pre-vote') return true; // never change term on a pre-vote
    if (m.type === 'pre-vote-resp' && !m.reject) return true; // our pre-campaign's term is in our future
    const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
    this.becomeFollower(m.term, fromLeader ? m.from : NONE);
    return true;
  }

  private stepLowerTerm(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
      // A stale leader (e.g. one partitioned away) learns our term from this and steps down;
      // without it, pre-vote or check-quorum could keep it from ever hearing of the new term.
      this.send('append-resp', m.from, { term: this.term });
    } else if (m.type === 'pre-vote') {
      this.send('pre-vote-resp', m.from, { term: this.term, reject: true });
    }
  }

  private stepCandidate(m: Message): void {
    const myResp = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // A leader of our term exists (for a pre-candidate: of a term ≥ ours).
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      default:
        if (m.type !== myResp) return;
    }
    const result = this.poll(m.from, !m.reject);
    if (result === 'won') this.electionWon(this.role === 'pre-candidate' ? 'pre-vote' : 'vote');
    else if (result === 'lost') this.becomeFollower(this.term, NONE);
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.heardFromLeader(m.from);
        handleAppend(this, m);
        break;
      case 'heartbeat':
        this.heardFromLeader(m.from);
        handleHeartbeat(this, m);
        break;
      case 'snapshot':
        this.heardFromLeader(m.from);
        handleSnapshotChunk(this, m);
        break;
      case 'timeout-now':
        // Leadership transfer: campaign at once, skipping pre-vote, with votes that bypass stickiness.
        this.hup(true);
        break;
      default:
        break;
    }
  }

  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.sinceLeaderTicks = 0;
    this.lead = from;
  }

  // ---- proposals ----

  refuse(reason: Refusal): Refused {
    return { ok: false, reason, leader: this.lead };
  }

  /** Refusal for a request that only a leader can serve, or null when this node is leader. */
  notLeader(): Refused | null {
    if (this.role === 'leader') return null;
    return this.refuse(this.lead === NONE ? 'no-leader' : 'not-leader');
  }

  propose(data: Uint8Array): ProposeResult {
    return this.proposeEntry('normal', data);
  }

  private proposeEntry(type: EntryType, data: Uint8Array): ProposeResult {
    const refused = this.notLeader();
    if (refused !== null) return refused;
    if (this.leadTransferee !== NONE || this.leaving()) return this.refuse('transferring');
    if (!this.appendEntries([{ type, data }])) return this.refuse('uncommitted-cap');
    return { ok: true, index: this.log.lastIndex(), term: this.term };
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    const refused = this.notLeader();
    if (refused !== null) return refused;
    if (this.pendingConfIndex > this.log.applied) return this.refuse('conf-change-pending');
    const next = applyConfChange(this.conf, cc);
    if (!next.ok) return this.refuse('conf-change-invalid');
    const r = this.proposeEntry('conf-change', encodeConfChange(cc));
    if (!r.ok) return r;
    this.pendingConfIndex = r.index;
    if (!isVoterOf(next.confState, this.id)) this.leavingIndex = r.index;
    return r;
  }

  /** A leader that is leaving the voters (the change proposed, or already applied) takes no proposal. */
  leaving(): boolean {
    return this.leavingIndex > 0 || !this.isVoter(this.id);
  }

  /** For a new leader: the index of an unapplied conf change in its log that removes it from the voters, or 0. */
  private unappliedRemovalOfSelf(): number {
    const lo = Math.max(this.log.applied, this.log.snapIndex, this.confIndex) + 1;
    let conf = this.conf;
    let removal = 0;
    for (const e of this.log.slice(lo, this.log.lastIndex() + 1, Number.POSITIVE_INFINITY)) {
      if (e.type !== 'conf-change') continue;
      const r = applyConfChange(conf, decodeConfChange(e.data));
      if (!r.ok) continue; // ignored when applied too
      conf = r.confState;
      removal = isVoterOf(conf, this.id) ? 0 : e.index;
    }
    return removal;
  }

  /** Leader: appends entries of the current term; false when the uncommitted byte cap refuses them. */
  appendEntries(items: readonly { type: EntryType; data: Uint8Array }[]): boolean {
    let bytes = 0;
    for (const it of items) if (it.type === 'normal') bytes += it.data.byteLength;
    // One proposal is always accepted when nothing is uncommitted, however large; conf
    // changes are tiny and never refused by the cap (auto-leave must not get stuck).
    if (bytes > 0 && this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.cfg.maxUncommittedEntriesBytes) return false;
    this.uncommittedBytes += bytes;
    let index = this.log.lastIndex();
    const entries = items.map((it) => ({ group: this.group, term: this.term, index: ++index, type: it.type, data: it.data }));
    this.log.truncateAndAppend(entries);
    this.prs.get(this.id)?.maybeUpdate(this.log.lastIndex());
    // The leader's own append raises the quorum index only when it is a quorum by itself:
    // followers never hold more than the leader's previous last index.
    if (this.conf.voters.length <= 1 && this.conf.votersOutgoing.length <= 1) maybeCommit(this);
    return true;
  }

  // ---- reads ----

  /** Whether an entry of the leader's own term is committed (reads are refused or held until then). */
  termCommitted(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  readIndex(context: Uint8Array): ReadIndexResult {
    const refused = this.notLeader();
    if (refused !== null) return refused;
    // Bounded with the confirmed reads not yet handed out, in case Readys are not drained.
    if (this.readOnly.size() + this.readStates.length >= readIndexPendingMax) return this.refuse('read-queue-full');
    if (!this.termCommitted()) this.readOnly.hold(context);
    else this.readOnly.add(context, this.log.committed, this.hbSeq + 1); // confirmed by the next round
    releaseReads(this);
    return { ok: true };
  }

  leaseRead(): LeaseReadResult {
    const refused = this.notLeader();
    if (refused !== null) return refused;
    if (!this.termCommitted()) return this.refuse('term-not-committed');
    if (this.cfg.mutant === 'lease-without-quorum') return { ok: true, index: this.log.committed };
    if (!this.cfg.checkQuorum || this.timeoutNowSent) return this.refuse('lease-disabled');
    const expiry = this.leaseExpiryTick();
    if (expiry === null || this.ticks >= expiry) return this.refuse('lease-expired');
    return { ok: true, index: this.log.committed };
  }

  /**
   * The leader tick at which the lease ends: the latest heartbeat round acknowledged by a
   * quorum was sent at tick t; followers that acknowledged it ignore votes for electionTicks
   * of their ticks after receiving it, i.e. for more than (electionTicks - 1) tick periods
   * after t. Reads are safe while ticks - t ≤ electionTicks - 2, less the drift margin.
   */
  leaseExpiryTick(): number | null {
    const seq = this.quorumAckedSeq();
    const sent = seq === 0 ? null : this.roundTicks.tickOf(seq);
    return sent === null ? null : sent + this.cfg.electionTicks - 1 - this.cfg.leaseDriftTicks;
  }

  quorumAckedSeq(): number {
    return jointCommitted(this.conf.voters, this.conf.votersOutgoing, (id) => {
      if (id === this.id) return this.hbSeq;
      return this.prs.get(id)?.ackedSeq ?? 0;
    });
  }

  // ---- leadership transfer ----

  transferLeader(target: NodeId): TransferResult {
    const refused = this.notLeader();
    if (refused !== null) return refused;
    if (target === this.id || !this.conf.voters.includes(target)) return this.refuse('transfer-target-invalid');
    if (this.leadTransferee === target) return { ok: true };
    this.abortLeaderTransfer();
    this.leadTransferee = target;
    this.electionElapsed = 0; // the transfer is abandoned after an election timeout
    const pr = this.prs.get(target) as Progress;
    if (pr.match === this.log.lastIndex()) sendTimeoutNow(this, target);
    return { ok: true };
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  // ---- membership ----

  /** Applies a committed conf-change entry (called as the driver applies it). */
  applyConfEntry(e: Entry): void {
    if (e.index <= this.confIndex) return; // already reflected (snapshot restored since)
    const r = applyConfChange(this.conf, decodeConfChange(e.data));
    // Validated at proposal against this same membership (one change in flight); an invalid
    // one can only come from a bug, but ignoring it keeps every replica in agreement.
    if (!r.ok) return;
    this.switchConf(r.confState, e.index);
    this.confHistory.push({ index: e.index, conf: r.confState });
  }

  switchConf(conf: ConfState, index: number): void {
    assert(confStateError(conf) === null, `raft: bad membership: ${confStateError(conf)}`);
    this.conf = conf;
    this.confIndex = index;
    const members = new Set([...conf.voters, ...conf.votersOutgoing, ...conf.learners, ...conf.learnersNext]);
    for (const id of [...this.prs.keys()]) if (!members.has(id)) this.prs.delete(id);
    for (const id of members) {
      const isLearner = !this.isVoter(id);
      const pr = this.prs.get(id);
      if (pr !== undefined) pr.isLearner = isLearner;
      else this.prs.set(id, this.newProgress(id, isLearner));
    }
    // Keep progress in id order: deterministic and readable iteration.
    this.prs = new Map([...this.prs].sort((x, y) => x[0] - y[0]));
    if (this.role !== 'leader') return;
    if (this.leadTransferee !== NONE && !conf.voters.includes(this.leadTransferee)) this.abortLeaderTransfer();
    maybeCommit(this); // the quorum changed
    // Removed (or demoted) leader: it keeps leading, counted in no quorum, until the new voters
    // know the change is committed (see maybeStepDownRemoved).
    this.maybeStepDownRemoved();
  }

  /**
   * A leader that has applied a membership without itself as voter keeps replicating until a
   * quorum of the new voters reports a commit index that includes the change. Stepping down
   * earlier can leave a voter that holds the change without knowing it committed: it still
   * counts the old voters, and may need our vote, which a longer log of ours would refuse.
   * Then it hands over: TimeoutNow to the most caught-up voter that knows, so that the new
   * configuration elects a leader at once rather than after an election timeout.
   */
  maybeStepDownRemoved(): void {
    if (this.role !== 'leader' || this.isVoter(this.id)) return;
    const known = jointCommitted(this.conf.voters, this.conf.votersOutgoing, (id) => this.prs.get(id)?.commit ?? 0);
    if (known < this.confIndex) return;
    let target: NodeId = NONE;
    let best = -1;
    for (const id of this.conf.voters) {
      const pr = this.prs.get(id) as Progress;
      const held = Math.max(pr.match, pr.commit); // a commit is within the follower's matching log
      if (pr.commit >= this.confIndex && held > best) {
        target = id;
        best = held;
      }
    }
    if (target !== NONE && best >= this.log.lastIndex()) sendTimeoutNow(this, target);
    this.becomeFollower(this.term, NONE);
  }

  private newProgress(id: NodeId, isLearner: boolean): Progress {
    const pr = new Progress(this.log.lastIndex() + 1, isLearner, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    if (id === this.id) pr.match = this.log.lastIndex();
    pr.recentActive = id === this.id;
    // A new member gets an empty probe at once rather than at the next heartbeat answer.
    pr.forceAppend = this.role === 'leader' && id !== this.id;
    return pr;
  }

  /** After applying: a leader leaves an auto-leave joint configuration as soon as it is applied. */
  maybeAutoLeave(): void {
    if (this.role !== 'leader' || !isJoint(this.conf) || !this.conf.autoLeave || this.leaving()) return;
    if (this.pendingConfIndex > this.log.applied || this.leadTransferee !== NONE) return;
    const r = this.proposeConfChange({ transition: 'auto', changes: [] });
    assert(r.ok, `raft: auto-leave refused: ${r.ok ? '' : r.reason}`);
  }

  // ---- flush and invariants ----

  /** Called before building a Ready: sends what batching deferred (appends, read rounds). */
  flush(): void {
    if (this.role !== 'leader') return;
    if (this.readOnly.seqNeeded() > this.hbSeq) bcastHeartbeat(this);
    flushAppends(this);
  }

  checkInvariants(): void {
    this.log.checkInvariants();
    assert((this.role === 'leader') === (this.lead === this.id), 'raft: leader iff lead is self');
    assert(this.role !== 'candidate' || this.vote === this.id, 'raft: candidate votes for itself');
    if (this.role === 'leader') {
      const self = this.prs.get(this.id);
      // A leader removed from the membership has no progress of its own (and appends nothing).
      assert(self === undefined ? !this.isVoter(this.id) : self.match === this.log.lastIndex(), 'raft: leader self-match is its last index');
      for (const pr of this.prs.values()) pr.checkInvariants();
    }
  }
}
