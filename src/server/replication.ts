// The replicated node: one Raft group (GROUP_DATA) holding every slot, persisted in the
// node's WAL, talking to its peers over the cluster bus. It carries out each Ready in the
// order the core demands (persist → send → apply → advance), turns client writes into log
// entries, serves reads by lease or ReadIndex, and lets only the leader expire and evict.

import { ClusterBus } from '../cluster/bus.ts';
import { busPeers, parsePeers, type PeerSpec } from '../cluster/peers.ts';
import { NodeDisk } from '../io/node/disk.ts';
import type { ConfState, Entry, Message, NodeId, RaftStorage, Ready, Snapshot } from '../raft/types.ts';
import type { Reply } from '../protocol/reply.ts';
import { ENTRY_COMMANDS, ENTRY_EVICT, ENTRY_EXPIRE, ENTRY_PEER, encodeEntry, type StoreEntry } from '../store/entry.ts';
import type { ConfChange } from '../raft/types.ts';
import type { Keyspace } from '../store/keyspace.ts';
import type { KeyspaceSnapshot } from './snapshot-codec.ts';
import { openStorage, type BootGroup, type Storage } from '../storage/storage.ts';
import type { WalRecord } from '../storage/types.ts';
import type { WalStats } from '../storage/wal.ts';
import { FloeError } from '../util/errors.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { GroupReplica, OUTCOME_UNKNOWN, type Applier } from './replica.ts';

/** The data group's id; 0 stays free for the cluster metadata group (ARCHITECTURE §6). */
export const GROUP_DATA = 1;

const MAX_SIZE_PER_MSG_BYTES = 1024 * 1024; // 1 MiB of entries per append
const MAX_INFLIGHT_MSGS = 256;
const MAX_INFLIGHT_BYTES = 8 * 1024 * 1024; // 8 MiB per follower, below the bus queue cap (16 MiB)
const MAX_UNCOMMITTED_BYTES = 64 * 1024 * 1024; // 64 MiB of proposals not yet committed
const SNAPSHOT_CHUNK_BYTES = 1024 * 1024; // 1 MiB per InstallSnapshot message
const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024 * 1024; // 4 GiB: the largest snapshot a follower reassembles
const EXPIRE_KEYS_PER_TICK_MAX = 1000; // keys one expire entry deletes at most
const EXPIRE_CHECK_PER_TICK_MAX = 20_000; // keys the leader's expire cycle looks at per tick
const REJOIN_RETRY_MS = 5000; // a node that lost its log asks the leader to re-add it at most this often
const BOOTSTRAP_INDEX = 1; // a new group's first entry: its initial membership, the same on every member
const CLUSTER_WAIT_DEFAULT_MS = 5000; // until the routing layer passes cluster-wait-ms
const CATCH_UP_TICKS_EXTRA = 2; // ticks past an election timeout given at once after a pause
const BATCH_COMMANDS_MAX = 1024; // client writes one batched log entry carries at most
const BATCH_BYTES_MAX = 256 * 1024; // argument bytes one batched log entry carries at most

export interface ReplicationOptions {
  self: PeerSpec;
  peers: readonly PeerSpec[];
  join: boolean;
  dir: string;
  fsync: 'always' | 'everysec' | 'none';
  clusterId: string;
  bindHost: string;
  tickMs: number;
  electionTimeoutMs: number;
  leaseDriftMs: number;
  snapshotLogBytes: () => number;
  /** Milliseconds of snapshot building per event-loop turn (0: one chunk per turn). */
  snapshotSliceMs: () => number;
  db: Keyspace;
  apply: Applier;
  /** A snapshot of the keyspace as it is now, written a slice at a time while it changes (copy on write). */
  snapshotWriter: () => KeyspaceSnapshot;
  /** Replaces the keyspace with a snapshot's data. */
  restore: (data: Uint8Array) => void;
  onForward: (from: NodeId, kind: string, args: string[]) => Promise<Reply> | Reply;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

export type WriteOutcome = { ok: true; replies: Reply[]; index: number } | { ok: false; error: string };
export type CommandOutcome = { ok: true; reply: Reply; index: number } | { ok: false; error: string };

export class Replication {
  readonly self: PeerSpec;
  peers: PeerSpec[];
  group!: GroupReplica;
  bus!: ClusterBus;
  private storage!: Storage;
  private readonly opts: ReplicationOptions;
  private tickTimer: NodeJS.Timeout | null = null;
  /** Monotonic time up to which the core has been given its ticks. */
  private tickedUntilMs = 0;
  private looping = false;
  private again = false;
  private stopped = false;
  private snapshotting = false;
  /** The snapshot being written, a slice per event-loop turn (see maybeSnapshot). */
  private snapshotBuild: { cancelled: boolean; writer: KeyspaceSnapshot } | null = null;
  private lastEntryTimeMs = 0;
  leader: NodeId = 0;
  /** start() has finished: storage loaded, bus listening, the core ticking. */
  started = false;
  /** The hard state last made durable (early sends need term and vote on disk). */
  private durableHard = { term: 0, vote: 0, commit: 0 };
  isLeader = false;
  /** Set when the disk failed: writes are refused, reads of applied data go on. */
  diskFailure: FloeError | null = null;
  private readonly leaderWaiters = new Set<() => void>();
  /** Called with the new leader (0: none known) whenever it changes. */
  private readonly leaderChangeWaiters = new Set<(leader: NodeId) => void>();
  /** Booted with nothing on disk for the data group (a new cluster, a wiped dir, fsync none). */
  private bootedEmpty = false;
  /** Largest commit a leader sent beyond our log (we lost acknowledged entries); 0 if none. */
  private amnesiaCommit = 0;
  private rejoinAskedAtMs = 0;
  /** After a disk failure: the highest term a leader hint came with. */
  private hintTerm = 0;
  /** Members the leader is taking out and adding back (see rejoin). */
  private readonly rejoining = new Set<NodeId>();
  /** Set while writes proposed as leader wait after leadership was lost (see abandonLater). */
  private abandonTimer: NodeJS.Timeout | null = null;
  /** How long a client may wait on the cluster (cluster-wait-ms); set by the routing layer. */
  clusterWaitMs: () => number = () => CLUSTER_WAIT_DEFAULT_MS;
  private readonly pendingExpire = new Set<string>();
  readonly pendingEvict = new Set<string>();
  /** Client writes waiting to be proposed together as one entry (see writeCommand). */
  private batchCommands: string[][] = [];
  private batchWaiters: Array<(outcome: CommandOutcome) => void> = [];
  private batchBytes = 0;

  constructor(opts: ReplicationOptions) {
    this.opts = opts;
    this.self = opts.self;
    this.peers = [...opts.peers];
  }

  get electionTicks(): number {
    return Math.max(2, Math.round(this.opts.electionTimeoutMs / this.opts.tickMs));
  }

  async start(): Promise<void> {
    const o = this.opts;
    this.storage = await openStorage({
      disk: new NodeDisk(), dir: o.dir, fsync: o.fsync,
      warn: (message) => o.log('storage-warning', { message }),
      onFailure: (error) => this.failDisk(error),
    });
    const boot = this.storage.groups.get(GROUP_DATA) ?? null;
    this.bootedEmpty = boot === null || (boot.snapshot === null && boot.entries.length === 0);
    const raftStorage = await this.bootStorage(boot);
    const applied = raftStorage.snapshot()?.index ?? 0;
    const voters = o.join ? [] : this.peers.map((p) => p.id);
    this.group = new GroupReplica({
      id: this.self.id, group: GROUP_DATA, voters, learners: [],
      // Half the usual jitter: failover within ~1.5 election timeouts rather than 2.
      electionTicks: this.electionTicks, electionJitterTicks: Math.max(1, Math.ceil(this.electionTicks / 2)), heartbeatTicks: 1,
      random: new Xoshiro128(Date.now() ^ this.self.id), storage: raftStorage, applied,
      maxSizePerMsgBytes: MAX_SIZE_PER_MSG_BYTES, maxInflightMsgs: MAX_INFLIGHT_MSGS,
      maxInflightBytes: MAX_INFLIGHT_BYTES, maxUncommittedEntriesBytes: MAX_UNCOMMITTED_BYTES,
      preVote: true, checkQuorum: true,
      leaseDriftTicks: Math.ceil(o.leaseDriftMs / o.tickMs),
      snapshotChunkBytes: SNAPSHOT_CHUNK_BYTES, maxSnapshotBytes: MAX_SNAPSHOT_BYTES,
    }, o.db, o.apply, applied);
    this.bus = new ClusterBus({
      selfId: this.self.id, clusterId: o.clusterId, listenHost: o.bindHost, listenPort: this.self.busPort,
      peers: busPeers(this.peers, this.self.id), random: new Xoshiro128(Date.now() + 1),
      onRaft: (_from, msgs) => this.onRaft(msgs),
      onForward: (from, _group, kind, args) => o.onForward(from, kind, args),
      onEvent: (e) => o.log(`bus-${e.type}`, { peer: e.peer, detail: e.detail }),
    });
    await this.bus.start();
    this.tickedUntilMs = performance.now();
    this.tickTimer = setInterval(() => this.tick(), o.tickMs);
    this.started = true;
    this.wake();
  }

  /** Builds the core's view of what is persisted, and restores the keyspace from the snapshot. */
  private async bootStorage(boot: BootGroup | null): Promise<RaftStorage> {
    let snapshot: Snapshot | null = null;
    if (boot?.snapshot != null) {
      const parts: Buffer[] = [];
      for await (const chunk of this.storage.snapshots.read(boot.snapshot)) parts.push(chunk);
      const data = Buffer.concat(parts);
      const confState = JSON.parse(boot.snapshot.extra.toString('utf8')) as ConfState;
      snapshot = { group: GROUP_DATA, index: boot.snapshot.index, term: boot.snapshot.term, confState, data };
      this.restoreSnapshot(data);
    }
    const entries: Entry[] = (boot?.entries ?? []).map((e) => ({
      group: GROUP_DATA, term: e.term, index: e.index, type: e.kind === 1 ? 'conf-change' : 'normal', data: e.data,
    }));
    const hs = boot?.hardState ?? { term: 0, vote: 0, commit: 0 };
    this.durableHard = hs;
    return { hardState: () => hs, snapshot: () => snapshot, entries: () => entries };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    if (this.abandonTimer !== null) clearTimeout(this.abandonTimer);
    for (const w of [...this.leaderChangeWaiters]) w(0);
    this.failBatch('TRYAGAIN the node is shutting down; the write was not applied');
    this.cancelSnapshotBuild();
    this.group?.failAll();
    for (const w of this.leaderWaiters) w();
    await this.bus?.stop();
    await this.storage?.close();
  }

  // ---- the loop ---------------------------------------------------------------------------

  private onRaft(msgs: Message[]): void {
    if (this.stopped) return;
    if (this.diskFailure !== null) {
      this.followLeaderHint(msgs);
      return;
    }
    for (const m of msgs) if (m.group === GROUP_DATA && this.admit(m)) this.group.raft.step(m);
    this.wake();
  }

  // ---- a node that lost its log (wiped dir, fsync none) ------------------------------------

  /**
   * Screens messages for a node that may have lost entries it once acknowledged. A leader's
   * heartbeat carries min(our match, its commit), so a commit beyond our last index proves it:
   * the core must not take it (it would commit entries we no longer have), we must not vote
   * (our empty log could elect a leader missing committed entries), and the leader is asked to
   * take us out and add us back as a learner, which resets what it believes we hold.
   */
  private admit(m: Message): boolean {
    if (m.type !== 'heartbeat' && m.type !== 'vote' && m.type !== 'pre-vote') return true;
    const last = this.group.raft.status().lastIndex;
    if (m.type === 'heartbeat') {
      if (m.commit <= last) return true;
      if (this.amnesiaCommit === 0) this.opts.log('log-lost', { leader: this.peerName(m.from), commit: m.commit, lastIndex: last });
      this.amnesiaCommit = Math.max(this.amnesiaCommit, m.commit);
      this.askToRejoin(m.from);
      return false;
    }
    if (this.amnesiaCommit > last) return false;
    // Booted empty: vote only while no candidate has more than the bootstrap entry, so a new
    // cluster can elect, but a wiped node never helps elect a leader of an older cluster.
    return !(this.bootedEmpty && last <= BOOTSTRAP_INDEX && m.index > BOOTSTRAP_INDEX);
  }

  private askToRejoin(leader: NodeId): void {
    const now = Date.now();
    if (now - this.rejoinAskedAtMs < REJOIN_RETRY_MS) return;
    this.rejoinAskedAtMs = now;
    this.bus.forward(leader, GROUP_DATA, 'admin', ['rejoin'], REJOIN_RETRY_MS).then(
      (r) => this.opts.log('rejoin-asked', { leader: this.peerName(leader), reply: String(r) }),
      (e: unknown) => this.opts.log('rejoin-asked', { leader: this.peerName(leader), error: String(e) }),
    );
  }

  /**
   * Leader side: a member lost its log. Take it out (joint consensus; its address stays in the
   * book) and add it back as a learner that catches up by snapshot, then make it a voter again.
   */
  async rejoin(from: NodeId, timeoutMs: number): Promise<string | null> {
    const peer = this.peerById(from);
    if (peer === undefined) return `ERR unknown node ${from}`;
    if (this.rejoining.has(from)) return null;
    this.rejoining.add(from);
    try {
      const deadline = Date.now() + timeoutMs;
      this.opts.log('member-rejoining', { node: peer.name });
      const st = this.group.raft.status();
      if (st.confState.voters.includes(from) || st.confState.learners.includes(from)) {
        const problem = await this.confChange({ transition: 'joint-auto-leave', changes: [{ op: 'remove', node: from }] }, deadline);
        if (problem !== null) return problem;
      }
      const problem = await this.addMember(from, deadline);
      if (problem === null) this.opts.log('member-rejoined', { node: peer.name });
      return problem;
    } finally {
      this.rejoining.delete(from);
    }
  }

  private tick(): void {
    if (this.stopped || this.diskFailure !== null) return;
    this.catchUpClock();
    this.storage.wal.maybeSync(Date.now());
    if (this.isLeader) this.expireCycle();
    this.wake();
  }

  /**
   * Ticks the core once per tickMs of monotonic time since it was last ticked, so that its
   * clock (election timers, check-quorum, the lease) follows real time even when timers fired
   * late or the process was paused. Returns the number of ticks given.
   */
  private catchUpClock(): number {
    const tickMs = this.opts.tickMs;
    const owed = Math.floor((performance.now() - this.tickedUntilMs) / tickMs);
    if (owed <= 0) return 0;
    this.tickedUntilMs += owed * tickMs;
    // More than an election timeout's worth only repeats heartbeats: every lease has expired
    // and every election timer has fired by then.
    const n = Math.min(owed, this.electionTicks + CATCH_UP_TICKS_EXTRA);
    for (let i = 0; i < n; i++) this.group.raft.tick();
    return n;
  }

  /** Runs Readys until the core has none; reentrant calls just ask for another pass. */
  wake(): void {
    if (this.looping) {
      this.again = true;
      return;
    }
    this.looping = true;
    // Start on the check phase, after every socket that is readable now has been read, so
    // the proposals of all clients that sent together share one write and one fsync.
    setImmediate(() => this.runLoop());
  }

  private runLoop(): void {
    void this.loop().catch((e: unknown) => {
      // A failed persist means the disk failed; anything else is a bug.
      if (e instanceof FloeError && e.code === 'FLOE_ERR_DISK') this.failDisk(e);
      else throw e;
    });
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped && this.diskFailure === null) {
        this.again = false;
        this.flushBatch();
        const rd = this.group.raft.ready();
        if (rd === null) {
          if (!this.again) break;
          continue;
        }
        await this.handleReady(rd);
      }
    } finally {
      this.looping = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.snapshot !== null) await this.persistSnapshot(rd.snapshot, true);
    const records: WalRecord[] = [];
    for (const e of rd.entries) {
      records.push({ type: 'entry', group: GROUP_DATA, term: e.term, index: e.index, kind: e.type === 'conf-change' ? 1 : 0, data: e.data });
    }
    if (rd.hardState !== null) records.push({ type: 'hardState', group: GROUP_DATA, ...rd.hardState });
    // A leader whose term and vote are already durable may send its appends while its own
    // copy is being written (Raft thesis §10.2.1): the commit index that counts its copy
    // only leaves this node in a later Ready, after this write is durable, so nothing is
    // committed anywhere on the strength of a copy that a crash could still lose.
    const early = this.isLeader && rd.snapshot === null && (rd.hardState === null || this.sameTermAndVote(rd));
    if (early) this.send(rd);
    if (records.length > 0) await this.storage.wal.append(records, { sync: rd.mustSync });
    if (rd.hardState !== null) this.durableHard = rd.hardState;
    if (this.stopped) return;
    if (!early) this.send(rd);
    if (rd.snapshot !== null) {
      // The leader's snapshot replaces the keyspace: a snapshot of our own in the making is moot.
      this.cancelSnapshotBuild();
      this.restoreSnapshot(rd.snapshot.data);
      this.group.restored(rd.snapshot.index);
    }
    for (const e of rd.committed) this.noteEntryTime(e);
    this.group.applyCommitted(rd.committed);
    this.group.answerReadStates(rd.readStates);
    if (rd.softState !== null) this.roleChanged(rd.softState.leader);
    this.group.raft.advance(rd);
    this.maybeSnapshot();
  }

  private send(rd: Ready): void {
    for (const m of rd.messages) this.bus.send(m);
    this.bus.flush();
  }

  private sameTermAndVote(rd: Ready): boolean {
    const hs = rd.hardState;
    return hs !== null && hs.term === this.durableHard.term && hs.vote === this.durableHard.vote;
  }

  private noteEntryTime(e: Entry): void {
    if (e.type !== 'normal' || e.data.length < 9) return;
    const t = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).readDoubleLE(1);
    if (t > this.lastEntryTimeMs) this.lastEntryTimeMs = t;
  }

  private roleChanged(leader: NodeId): void {
    const wasLeader = this.isLeader;
    const before = this.leader;
    this.leader = leader;
    this.isLeader = leader === this.self.id;
    if (wasLeader && !this.isLeader) {
      this.group.leadershipLost();
      this.pendingExpire.clear();
      this.pendingEvict.clear();
      this.abandonLater();
    }
    if (leader !== 0) {
      for (const w of this.leaderWaiters) w();
      this.leaderWaiters.clear();
    }
    if (leader !== before) for (const w of [...this.leaderChangeWaiters]) w(leader);
    this.opts.log('leader-changed', { leader: this.peerName(leader), self: this.self.name });
  }

  /**
   * Writes proposed while leader keep waiting after leadership is lost, since a later leader
   * may still commit their entries; but if nothing settles them within cluster-wait-ms (an
   * isolated old leader hears from nobody), their clients are answered "outcome unknown"
   * rather than left hanging for as long as the partition lasts.
   */
  private abandonLater(): void {
    if (this.abandonTimer !== null) return;
    this.abandonTimer = setTimeout(() => {
      this.abandonTimer = null;
      if (!this.isLeader && !this.stopped) this.group.abandonWrites();
    }, this.clusterWaitMs());
  }

  /**
   * Resolves with the new leader as soon as this node's leader is no longer `leader` (a
   * follower that loses its leader gives up on what it forwarded there); cancel() stops waiting.
   */
  whenLeaderChangesFrom(leader: NodeId): { changed: Promise<NodeId>; cancel: () => void } {
    let cancel = () => {};
    const changed = new Promise<NodeId>((resolve) => {
      if (this.leader !== leader || this.stopped) {
        resolve(this.leader);
        return;
      }
      const w = (now: NodeId) => {
        this.leaderChangeWaiters.delete(w);
        resolve(now);
      };
      this.leaderChangeWaiters.add(w);
      cancel = () => this.leaderChangeWaiters.delete(w);
    });
    return { changed, cancel };
  }

  private async persistSnapshot(snap: Snapshot, install: boolean): Promise<void> {
    const extra = Buffer.from(JSON.stringify(snap.confState), 'utf8');
    await this.storage.saveSnapshot({ group: GROUP_DATA, index: snap.index, term: snap.term }, [snap.data], { extra, discardLog: install });
  }

  /**
   * Compacts the log once enough has been applied since the last snapshot. The keyspace is
   * written a slice (--snapshot-slice-ms) per event-loop turn, so that a large keyspace never
   * stalls the node long enough to miss heartbeats or elections, and copy on write keeps the
   * snapshot exactly the state at `index` while entries go on being applied: the writer is
   * the keyspace's `cow` hook until it is done (snapshot-codec.ts).
   */
  private maybeSnapshot(): void {
    const g = this.group;
    if (this.snapshotting || g.bytesSinceSnapshot < this.opts.snapshotLogBytes()) return;
    this.snapshotting = true;
    g.bytesSinceSnapshot = 0;
    const index = g.applied;
    const writer = this.opts.snapshotWriter();
    const build = { cancelled: false, writer };
    this.snapshotBuild = build;
    this.opts.db.cow = writer;
    const book = this.peerBookBytes();
    const startedMs = performance.now();
    let slices = 0;
    const step = (): void => {
      if (build.cancelled) return;
      slices++;
      if (!writer.step(performance.now() + this.opts.snapshotSliceMs())) {
        setImmediate(step);
        return;
      }
      this.snapshotBuild = null;
      this.opts.db.cow = null;
      const fields = { buildMs: Math.round(performance.now() - startedMs), slices, copiedAhead: writer.copied };
      if (!g.raft.canCompact(index)) {
        // A snapshot from the leader arrived meanwhile and is not persisted yet; try later.
        this.snapshotting = false;
        g.bytesSinceSnapshot = this.opts.snapshotLogBytes();
        return;
      }
      this.saveSnapshot(g.raft.compact(index, Buffer.concat([book, ...writer.finish()])), fields);
    };
    step();
  }

  private saveSnapshot(snap: Snapshot, fields: Record<string, unknown>): void {
    this.persistSnapshot(snap, false).then(
      () => {
        this.snapshotting = false;
        this.opts.log('snapshot-saved', { index: snap.index, bytes: snap.data.length, ...fields });
      },
      (e: unknown) => {
        this.snapshotting = false;
        if (e instanceof FloeError && e.code === 'FLOE_ERR_DISK') this.failDisk(e);
        else this.opts.log('snapshot-failed', { error: String(e) });
      },
    );
  }

  /** A snapshot is being built or written. */
  snapshotInProgress(): boolean {
    return this.snapshotting;
  }

  /** Drops a snapshot being written (the keyspace is about to be replaced, or the node stops). */
  private cancelSnapshotBuild(): void {
    const build = this.snapshotBuild;
    if (build === null) return;
    build.cancelled = true;
    this.snapshotBuild = null;
    this.snapshotting = false;
    if (this.opts.db.cow === build.writer) this.opts.db.cow = null;
  }

  /** The snapshot's first part: the peer address book (u32 length, JSON); the keyspace follows. */
  private peerBookBytes(): Buffer {
    const book = Buffer.from(JSON.stringify(this.peers.map((p) => `${p.name}=${p.host}:${p.port}@${p.busPort}`)), 'utf8');
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(book.length, 0);
    return Buffer.concat([len, book]);
  }

  private restoreSnapshot(data: Uint8Array): void {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const n = buf.readUInt32LE(0);
    const book = JSON.parse(buf.toString('utf8', 4, 4 + n)) as string[];
    for (const p of parsePeers(book.join(','))) this.upsertPeer(p);
    this.opts.restore(buf.subarray(4 + n));
  }

  private upsertPeer(p: PeerSpec): void {
    this.peers = [...this.peers.filter((q) => q.id !== p.id), p];
    this.bus?.setPeers(busPeers(this.peers, this.self.id));
  }

  /** Applies a peer address book entry (every replica, in log order). */
  applyPeer(keys: readonly string[]): void {
    const [op, name, address] = keys;
    if (op === 'add' && name !== undefined && address !== undefined) {
      this.upsertPeer(parsePeers(`${name}=${address}`)[0] as PeerSpec);
    } else if (op === 'remove' && name !== undefined && name !== this.self.name) {
      this.peers = this.peers.filter((p) => p.name !== name);
      this.bus.setPeers(busPeers(this.peers, this.self.id));
    }
  }

  // ---- membership (leader only) -----------------------------------------------------------

  /** Adds a node: address book entry, learner, catch up, then voter through joint consensus. */
  async addNode(name: string, address: string, timeoutMs: number): Promise<string | null> {
    const spec = parsePeers(`${name}=${address}`)[0] as PeerSpec;
    const book = await this.write({ kind: ENTRY_PEER, timeMs: this.entryTime(), origin: this.self.id, keys: ['add', name, address] });
    if (!book.ok) return book.error;
    const deadline = Date.now() + timeoutMs;
    return this.addMember(spec.id, deadline);
  }

  /** Learner first, then (once it holds everything committed) voter through joint consensus. */
  private async addMember(id: NodeId, deadline: number): Promise<string | null> {
    const problem = await this.confChange({ transition: 'auto', changes: [{ op: 'add-learner', node: id }] }, deadline);
    if (problem !== null) return problem;
    while (Date.now() < deadline) {
      const st = this.group.raft.status();
      if ((st.progress?.get(id)?.match ?? 0) >= st.commit) break;
      await sleep(50);
    }
    return this.confChange({ transition: 'joint-auto-leave', changes: [{ op: 'promote-learner', node: id }] }, deadline);
  }

  async removeNode(name: string, timeoutMs: number): Promise<string | null> {
    const peer = this.peers.find((p) => p.name === name);
    if (peer === undefined) return `ERR unknown node '${name}'`;
    const deadline = Date.now() + timeoutMs;
    const problem = await this.confChange({ transition: 'joint-auto-leave', changes: [{ op: 'remove', node: peer.id }] }, deadline);
    if (problem !== null) return problem;
    // A leader that removed itself hands over and steps down (and refuses writes meanwhile):
    // the address book entry is only tidiness, so the removal has succeeded either way.
    if (!this.isLeader || peer.id === this.self.id) return null;
    const book = await this.write({ kind: ENTRY_PEER, timeMs: this.entryTime(), origin: this.self.id, keys: ['remove', name, ''] });
    return book.ok ? null : book.error;
  }

  /** Proposes a membership change and waits until it (and any joint phase) is applied. */
  private async confChange(cc: ConfChange, deadline: number): Promise<string | null> {
    const raft = this.group.raft;
    while (Date.now() < deadline) {
      const r = raft.proposeConfChange(cc);
      this.wake();
      if (r.ok) {
        while (Date.now() < deadline) {
          const st = raft.status();
          if (this.group.applied >= r.index && st.confState.votersOutgoing.length === 0) return null;
          await sleep(20);
        }
        return 'ERR membership change did not finish in time';
      }
      if (r.reason !== 'conf-change-pending') return `ERR membership change refused: ${r.reason}`;
      await sleep(50);
    }
    return 'ERR membership change did not finish in time';
  }

  private failDisk(error: FloeError): void {
    if (this.diskFailure !== null) return;
    this.diskFailure = error;
    this.isLeader = false;
    // The core is frozen from now on; the leader is learned from the traffic (see followLeaderHint).
    this.setLeader(0);
    this.failBatch(`ERR writes are disabled: ${error.message}`);
    this.group?.failAll();
    this.opts.log('disk-failed', { error: error.message });
  }

  /**
   * A node whose disk failed steps no more Raft messages (it could not persist what they
   * imply), but still learns who leads from them, so that it can forward its clients' writes
   * and linearizable reads there.
   */
  private followLeaderHint(msgs: readonly Message[]): void {
    for (const m of msgs) {
      if (m.group !== GROUP_DATA || (m.type !== 'heartbeat' && m.type !== 'append' && m.type !== 'snapshot')) continue;
      if (m.term < this.hintTerm) continue;
      this.hintTerm = m.term;
      if (m.from !== this.leader) this.setLeader(m.from);
    }
  }

  /** Records a new leader outside the core's Ready (disk failure) and wakes whoever waits on it. */
  private setLeader(leader: NodeId): void {
    const before = this.leader;
    this.leader = leader;
    if (leader !== 0) {
      for (const w of this.leaderWaiters) w();
      this.leaderWaiters.clear();
    }
    if (leader !== before) {
      for (const w of [...this.leaderChangeWaiters]) w(leader);
      this.opts.log('leader-changed', { leader: this.peerName(leader), self: this.self.name, via: 'hint' });
    }
  }

  // ---- client-facing --------------------------------------------------------------------

  /** The leader's clock for a new entry, never behind an entry already applied. */
  entryTime(): number {
    return Math.max(Date.now(), this.lastEntryTimeMs);
  }

  /** Proposes an entry (leader only) and waits until it is applied. */
  async write(entry: StoreEntry): Promise<WriteOutcome> {
    if (this.diskFailure !== null) return { ok: false, error: `ERR writes are disabled: ${this.diskFailure.message}` };
    const r = this.group.raft.propose(encodeEntry(entry));
    if (!r.ok) return { ok: false, error: refusalError(r.reason) };
    this.wake();
    const replies = await this.group.waitForCommit(r.index, r.term, entry);
    if (replies === null) return { ok: false, error: 'TRYAGAIN the write lost its place in the log to a leader change; it was not applied' };
    if (replies === OUTCOME_UNKNOWN) {
      return { ok: false, error: 'TRYAGAIN this node lost leadership before the write committed; it may or may not be applied' };
    }
    return { ok: true, replies, index: r.index };
  }

  /**
   * Proposes one client command (leader only) and waits until it is applied. The commands
   * that arrive within one turn of the event loop (or until a batch is full) share one log
   * entry: one record, one checksum and one apply call for all of them. They are independent
   * commands applied in order, each with its own reply; MULTI/EXEC keeps its own entry.
   */
  writeCommand(args: string[]): Promise<CommandOutcome> {
    if (this.diskFailure !== null) return Promise.resolve({ ok: false, error: `ERR writes are disabled: ${this.diskFailure.message}` });
    return new Promise((resolve) => {
      this.batchCommands.push(args);
      this.batchWaiters.push(resolve);
      for (const a of args) this.batchBytes += a.length;
      if (this.batchCommands.length >= BATCH_COMMANDS_MAX || this.batchBytes >= BATCH_BYTES_MAX) this.flushBatch();
      this.wake();
    });
  }

  /** Proposes the batched commands as one entry (the Ready loop calls this before each Ready). */
  private flushBatch(): void {
    if (this.batchCommands.length === 0) return;
    const { commands, waiters } = this.takeBatch();
    this.write({ kind: ENTRY_COMMANDS, timeMs: this.entryTime(), origin: this.self.id, commands }).then(
      (out) => {
        for (const [i, w] of waiters.entries()) w(out.ok ? { ok: true, reply: out.replies[i] ?? null, index: out.index } : out);
      },
      (e: unknown) => {
        for (const w of waiters) w({ ok: false, error: `ERR ${e instanceof Error ? e.message : String(e)}` });
      },
    );
  }

  private failBatch(error: string): void {
    for (const w of this.takeBatch().waiters) w({ ok: false, error });
  }

  /** Empties the batch and returns what it held. */
  private takeBatch(): { commands: string[][]; waiters: Array<(outcome: CommandOutcome) => void> } {
    const batch = { commands: this.batchCommands, waiters: this.batchWaiters };
    this.batchCommands = [];
    this.batchWaiters = [];
    this.batchBytes = 0;
    return batch;
  }

  /** Runs `read` once it is linearizable here: by lease if valid, else by ReadIndex. */
  async linearizable<T>(read: () => T): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    // The lease is counted in ticks: first give the core the ticks a pause (SIGSTOP, a long GC,
    // a stalled loop) kept from it, so a lease never outlives the real time it stands for.
    if (this.diskFailure === null && this.catchUpClock() > 0) this.wake();
    const lease = this.group.raft.leaseRead();
    let index: number | null;
    if (lease.ok) index = lease.index;
    else {
      const p = this.group.readIndex();
      this.wake();
      index = p === null ? null : await p;
    }
    if (index === null) return { ok: false, error: 'TRYAGAIN leadership changed during the read' };
    const at = index;
    return new Promise((resolve) => {
      const run = () => resolve({ ok: true, value: read() });
      if (!this.group.whenApplied(at, run)) resolve({ ok: false, error: 'TRYAGAIN too many reads waiting' });
    });
  }

  /** Resolves when a leader is known, or after timeoutMs. */
  waitForLeader(timeoutMs: number): Promise<void> {
    if (this.leader !== 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.leaderWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.leaderWaiters.add(done);
    });
  }

  /** A structured log line (events only, never per command). */
  logEvent(event: string, fields: Record<string, unknown> = {}): void {
    this.opts.log(event, fields);
  }

  peerName(id: NodeId): string {
    return this.peers.find((p) => p.id === id)?.name ?? (id === 0 ? '' : `#${id}`);
  }

  /** The WAL's counters (records, batches, fdatasyncs), for INFO raft. */
  walStats(): WalStats {
    return this.storage.wal.stats();
  }

  peerById(id: NodeId): PeerSpec | undefined {
    return this.peers.find((p) => p.id === id);
  }

  // ---- leader-only housekeeping -----------------------------------------------------------

  /** Proposes deletes for keys past their TTL (only the leader deletes; replicas hide them). */
  private expireCycle(): void {
    const db = this.opts.db;
    if (db.expires.size === 0 || this.pendingExpire.size > EXPIRE_KEYS_PER_TICK_MAX) return;
    const now = this.entryTime();
    const keys: string[] = [];
    let checked = 0;
    while (keys.length < EXPIRE_KEYS_PER_TICK_MAX && checked < Math.min(db.expires.size, EXPIRE_CHECK_PER_TICK_MAX)) {
      const batch = db.collectExpired(now, 100);
      checked += 100;
      for (const k of batch) if (!this.pendingExpire.has(k)) keys.push(k);
    }
    if (keys.length === 0) return;
    for (const k of keys) this.pendingExpire.add(k);
    void this.write({ kind: ENTRY_EXPIRE, timeMs: now, origin: this.self.id, keys }).then(() => {
      for (const k of keys) this.pendingExpire.delete(k);
    });
  }

  /** Proposes an eviction entry for keys the leader chose. */
  evict(keys: string[]): void {
    for (const k of keys) this.pendingEvict.add(k);
    void this.write({ kind: ENTRY_EVICT, timeMs: this.entryTime(), origin: this.self.id, keys }).then(() => {
      for (const k of keys) this.pendingEvict.delete(k);
    });
  }

  /** Followers (voters and learners) whose log holds index, from the leader's progress. */
  replicasHolding(index: number): number {
    const st = this.group.raft.status();
    let n = 0;
    for (const [id, p] of st.progress ?? []) if (id !== this.self.id && p.match >= index) n++;
    return n;
  }
}

function refusalError(reason: string): string {
  switch (reason) {
    case 'no-leader':
    case 'not-leader':
      return 'TRYAGAIN this node lost leadership; retry';
    case 'uncommitted-cap':
      return 'TRYAGAIN too many uncommitted writes; retry';
    case 'transferring':
      return 'TRYAGAIN leadership transfer in progress; retry';
    default:
      return `ERR write refused by Raft: ${reason}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
