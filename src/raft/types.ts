// Public types of the Raft core: configuration, log entries, messages, the Ready batch and
// its ordering contract, results of the client-facing calls, and status. The core is pure:
// no I/O, no clock, no randomness of its own. See docs/raft.md for the whole API.
import type { Random } from '../util/prng.ts';

/** A node id. 0 means "none" (no vote, no known leader); real ids are ≥ 1. */
export type NodeId = number;
/** A Raft group id. Every entry, message and Ready carries it; the core never assumes one group per process. */
export type GroupId = number;

/** The id that stands for "nobody" in votes and leader hints. */
export const NONE: NodeId = 0;

/**
 * Mutants switch off exactly one safety rule inside the core, so that a simulator can prove
 * its checks are not vacuous. Off (undefined) in production; each costs one field check on a
 * rare path.
 * - 'vote-ignores-log': votes are granted without the "candidate's log is at least as up to date" check.
 * - 'commit-prior-term': a leader commits an entry of an earlier term by counting replicas.
 * - 'lease-without-quorum': lease reads are served without check-quorum and past lease expiry.
 * - 'vote-not-persisted': a vote (and the resulting vote response or vote request) goes out
 *   in a Ready whose hardState does not record that vote; votes are never persisted (terms
 *   are), so a voter that restarts within the term has forgotten whom it voted for.
 */
export type MutantName = 'vote-ignores-log' | 'commit-prior-term' | 'lease-without-quorum' | 'vote-not-persisted';
export const MUTANT_NAMES: readonly MutantName[] = ['vote-ignores-log', 'commit-prior-term', 'lease-without-quorum', 'vote-not-persisted'];

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** What must be durable before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  /** The node voted for in `term`, or NONE. */
  readonly vote: NodeId;
  readonly commit: number;
}

export type EntryType = 'normal' | 'conf-change';

/**
 * One log entry. `data` is opaque for 'normal' entries (an empty `data` at the start of a
 * leader's term is the no-op it appends on election); for 'conf-change' it is a ConfChange
 * encoded by encodeConfChange (src/raft/confchange.ts).
 */
export interface Entry {
  readonly group: GroupId;
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/**
 * Cluster membership. Outside a joint configuration `votersOutgoing` and `learnersNext` are
 * empty and `autoLeave` is false. Invariants: voters ∩ learners = ∅; learnersNext ⊆ votersOutgoing;
 * learnersNext ∩ learners = ∅. Ids are kept sorted ascending.
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  /** Non-empty only in a joint configuration: the old voter set, whose majority is also needed. */
  readonly votersOutgoing: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Voters of the outgoing config being demoted to learner; they become learners on leaving joint. */
  readonly learnersNext: readonly NodeId[];
  /** Leave the joint configuration automatically once it is applied (the leader proposes it). */
  readonly autoLeave: boolean;
}

export type ConfChangeOp = 'add-voter' | 'add-learner' | 'remove' | 'promote-learner';

export interface ConfChangeSingle {
  readonly op: ConfChangeOp;
  readonly node: NodeId;
}

/**
 * A membership change.
 * - `changes` empty: leave the current joint configuration (only valid while joint).
 * - transition 'auto': a change of at most one voter is applied directly (a "simple" change);
 *   anything bigger enters a joint configuration that is left automatically.
 * - 'joint-auto-leave': always enter joint consensus; the leader leaves it automatically.
 * - 'joint-explicit': enter joint consensus; stay until a `changes: []` conf change is proposed.
 * Only one conf change may be in flight (proposed but not yet applied) at a time.
 */
export interface ConfChange {
  readonly transition: 'auto' | 'joint-auto-leave' | 'joint-explicit';
  readonly changes: readonly ConfChangeSingle[];
}

/** A snapshot of a group's state machine at `index` (inclusive), with the membership at that index. */
export interface Snapshot {
  readonly group: GroupId;
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
  /** Opaque state machine image produced by the driver. */
  readonly data: Uint8Array;
}

/** One piece of a snapshot in an InstallSnapshot ('snapshot') message. */
export interface SnapshotChunk {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
  /** Byte offset of `data` within the whole snapshot data. */
  readonly offset: number;
  /** Size of the whole snapshot data; the chunk with offset + data.length === totalBytes is the last. */
  readonly totalBytes: number;
  readonly data: Uint8Array;
}

export type MessageType =
  /** leader → follower: `entries` follow the entry (`index`, `logTerm`); `commit` is the leader's commit. */
  | 'append'
  /** follower → leader: accept: `index` = last index now known to match. Reject: `index` = the
   * rejected append's index, `rejectHint` = a guess at the last matching index, `logTerm` = the
   * follower's term at rejectHint (fast backtracking). */
  | 'append-resp'
  /** candidate → voter: `index`/`logTerm` = the candidate's last log position. `transfer` = forced by leadership transfer. */
  | 'vote'
  | 'vote-resp'
  /** Like vote, but `term` is the term the candidate would campaign in; nobody changes term or vote. */
  | 'pre-vote'
  | 'pre-vote-resp'
  /** leader → follower: `commit` = min(follower's match, leader commit); `seq` = heartbeat round. */
  | 'heartbeat'
  /** follower → leader: `seq` echoed (confirms leadership for ReadIndex and extends the lease);
   * `commit` = the follower's commit index (lets a removed leader know when to step down). */
  | 'heartbeat-resp'
  /** leader → follower: one chunk of a snapshot in `snapshot`. */
  | 'snapshot'
  /** follower → leader: `index` = snapshot index, `offset` = next byte wanted; `reject` = restart from `offset`. */
  | 'snapshot-resp'
  /** leader → transfer target: campaign now, even without an election timeout. */
  | 'timeout-now';

/**
 * A message between two nodes of one group. Plain data, so a transport or a simulator can
 * copy, encode, drop, duplicate or reorder it. Fields a type does not use are 0/false/[]/null.
 */
export interface Message {
  readonly type: MessageType;
  readonly group: GroupId;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  /** Heartbeat round, echoed in heartbeat-resp. */
  readonly seq: number;
  /** Vote/pre-vote of a campaign started by leadership transfer: bypasses leader stickiness. */
  readonly transfer: boolean;
  /** snapshot-resp: next byte offset wanted. */
  readonly offset: number;
  readonly snapshot: SnapshotChunk | null;
}

/** A confirmed ReadIndex: once the state machine has applied `index`, a read tagged `context` is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/** Volatile state reported when it changes; not persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/**
 * Everything the driver must do, in one batch. THE ORDERING CONTRACT:
 *
 * 1. Persist, durably (fsync when `mustSync`), before sending anything from this Ready:
 *    first `snapshot` (if any), then `entries` (appending; a persisted entry with an index
 *    ≥ entries[0].index is overwritten, i.e. the persisted log is truncated there first),
 *    then `hardState` (if any). A crash may lose a Ready's writes only together with its
 *    messages: no message in this Ready may be visible to another node before its
 *    persistence is done.
 * 2. Send `messages` (any order, they may be lost; the core retries).
 * 3. If `snapshot` is set, restore the state machine from it, then apply `committed` in
 *    order (index ascending, contiguous, starting right after the last applied entry).
 *    Committed entries may include entries from this Ready's `entries`: that is why
 *    persistence comes first. Conf-change entries need no action from the driver: the core
 *    applies them to its membership in `advance`.
 * 4. Answer `readStates` once the applied index reaches each one's `index`.
 * 5. Call `advance(rd)` with this same object. `ready()` may not be called again before that;
 *    `tick`, `step`, `propose` etc. may (their effects come in the next Ready).
 */
export interface Ready {
  readonly group: GroupId;
  /** Set when the leader or role changed since the last Ready. */
  readonly softState: SoftState | null;
  /** Set when term, vote or commit changed since the last persisted hard state. */
  readonly hardState: HardState | null;
  /** A snapshot received from the leader: persist it, then restore the state machine from it. */
  readonly snapshot: Snapshot | null;
  /** Entries to append to stable storage. */
  readonly entries: readonly Entry[];
  /** Messages to send, only after persisting. */
  readonly messages: readonly Message[];
  /** Entries to apply to the state machine, in order, after persisting. */
  readonly committed: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /** True when the writes must be fsynced before sending (entries, snapshot, term or vote changed); a commit-only change need not be. */
  readonly mustSync: boolean;
}

/**
 * The persisted state a node restarts from, read once by the constructor. An empty storage
 * (no snapshot, no entries, zero hard state) means a brand new node: it bootstraps from
 * `RaftConfig.voters/learners` if those are non-empty, otherwise it waits to be caught up
 * by a leader (a node being added to an existing group).
 */
export interface RaftStorage {
  hardState(): HardState;
  /** The latest persisted snapshot, or null. */
  snapshot(): Snapshot | null;
  /** Persisted entries, contiguous, starting right after the snapshot index (or at 1). */
  entries(): readonly Entry[];
}

export interface RaftConfig {
  readonly id: NodeId;
  readonly group: GroupId;
  /** Initial membership, used only to bootstrap a brand new group (empty storage). */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Followers campaign after a random timeout in [electionTicks, electionTicks + electionJitterTicks). */
  readonly electionTicks: number;
  /**
   * Followers campaign after electionTicks plus a random 0..electionJitterTicks-1 ticks
   * (default electionTicks: Raft's [T, 2T)). A smaller jitter bounds failover time more
   * tightly at the cost of more split votes; leases depend only on electionTicks.
   */
  readonly electionJitterTicks?: number;
  /** A leader sends heartbeats every heartbeatTicks; must be < electionTicks. */
  readonly heartbeatTicks: number;
  /** The only source of randomness (election timeouts). */
  readonly random: Random;
  readonly storage: RaftStorage;
  /** The last index the state machine has applied at start (a restored in-memory state machine: the snapshot index, the default). */
  readonly applied?: number;
  /** Byte cap of the entries of one append message (at least one entry is always sent). */
  readonly maxSizePerMsgBytes: number;
  /** In-flight append messages per follower in replicate state. */
  readonly maxInflightMsgs: number;
  /** In-flight entry bytes per follower in replicate state. */
  readonly maxInflightBytes: number;
  /** Cap on the payload bytes of proposed but uncommitted entries at the leader. */
  readonly maxUncommittedEntriesBytes: number;
  readonly preVote: boolean;
  /** A leader steps down when it has not heard from a quorum for an election timeout; also makes followers ignore votes while they have a live leader. Required for lease reads. */
  readonly checkQuorum: boolean;
  /** Margin for clock drift: a lease expires this many ticks before any other node could win an election. */
  readonly leaseDriftTicks: number;
  /** Size of one InstallSnapshot chunk. */
  readonly snapshotChunkBytes: number;
  /** A follower refuses to reassemble a snapshot larger than this (bounds its buffer). */
  readonly maxSnapshotBytes: number;
  readonly mutant?: MutantName;
}

/** Why a request was refused. `leader` in a refusal is the leader hint (NONE if unknown). */
export type Refusal =
  | 'no-leader' // no leader is known (election in progress, or partitioned)
  | 'not-leader' // this node is not the leader; try `leader`
  | 'uncommitted-cap' // maxUncommittedEntriesBytes of proposals are not committed yet
  | 'transferring' // leadership transfer in progress, or this leader is leaving the membership: proposals are paused
  | 'conf-change-pending' // another conf change is proposed but not applied yet
  | 'conf-change-invalid' // the change is not valid against the current membership
  | 'read-queue-full' // too many ReadIndex requests await confirmation
  | 'lease-disabled' // lease reads need checkQuorum, and none after a transfer in this term
  | 'lease-expired' // no heartbeat quorum recent enough; use readIndex
  | 'term-not-committed' // no entry of the leader's term is committed yet
  | 'transfer-target-invalid'; // transfer target is this node or not a voter

export interface Refused {
  readonly ok: false;
  readonly reason: Refusal;
  readonly leader: NodeId;
}

/** On success the entry is at (index, term); the proposal succeeded iff the entry committed at index has this term. */
export type ProposeResult = { readonly ok: true; readonly index: number; readonly term: number } | Refused;
/** On success a ReadState with this context arrives in a later Ready (or none if leadership is lost). */
export type ReadIndexResult = { readonly ok: true } | Refused;
/** On success, a read is linearizable once the state machine has applied `index`. */
export type LeaseReadResult = { readonly ok: true; readonly index: number } | Refused;
export type TransferResult = { readonly ok: true } | Refused;

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly recentActive: boolean;
  readonly inflightMsgs: number;
  readonly inflightBytes: number;
  /** Snapshot index being sent (state 'snapshot'), else 0. */
  readonly pendingSnapshot: number;
}

export interface Status {
  readonly group: GroupId;
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
  /** Leader only: one entry per voter and learner, including the leader itself. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus> | null;
}
