// The per-node driver of the simulator: one RaftNode, its simulated disk and its key-value
// state machine. It carries out each Ready exactly in the contract's order (persist, fsync,
// send, restore/apply, serve reads, advance), takes snapshots of its applied state and calls
// the core's compact, and answers the client requests it accepted.

import { RaftNode } from '../raft/node.ts';
import type { Entry, Message, MutantName, RaftConfig, Ready, Snapshot, Status } from '../raft/types.ts';
import type { Random } from '../util/prng.ts';
import { assert } from '../util/assert.ts';
import { SimDisk } from './disk.ts';
import { KvStateMachine, decodePut, encodePut, type PutCommand } from './kv.ts';

/** Where a crash interrupts the handling of a Ready. */
export type CrashPoint = 'before-sync' | 'before-send' | 'after-send';

/** What the driver tells the world; the simulator routes these to the network and checkers. */
export interface DriverHooks {
  persisted(node: SimNode, rd: Ready): void;
  send(node: SimNode, msg: Message): void;
  applied(node: SimNode, entry: Entry): void;
  restored(node: SimNode, snapshot: Snapshot): void;
}

export type PutOutcome = 'ok' | 'failed';
export type ReadOutcome = { ok: true; value: string | null; mode: 'lease' | 'read-index' } | { ok: false };

interface PendingPut {
  cmd: PutCommand;
  term: number;
  done: (outcome: PutOutcome) => void;
}

interface PendingRead {
  key: string;
  mode: 'lease' | 'read-index';
  /** Set once the read index is known (ReadState arrived, or a lease read was granted). */
  index: number;
  done: (outcome: ReadOutcome) => void;
}

/** Per-run settings of the core and the driver, drawn from the seed. */
export interface NodeSettings {
  group: number;
  electionTicks: number;
  heartbeatTicks: number;
  leaseDriftTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
  snapshotChunkBytes: number;
  /** Take a snapshot and compact once this many entries were applied since the last one. */
  snapshotEveryEntries: number;
  mutant: MutantName | undefined;
}

/** Pending client requests one node holds; past this it refuses, as a server would. */
export const pendingRequestsMax = 256;
/** Bytes of uncommitted proposals a leader accepts (the core refuses beyond). */
const uncommittedBytesMax = 64 * 1024;
const maxInflightBytes = 256 * 1024;
const maxSnapshotBytes = 16 * 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SimNode {
  readonly id: number;
  readonly disk: SimDisk;
  raft: RaftNode;
  kv = new KvStateMachine();
  alive = true;
  /** Restarts so far; a new life gets fresh volatile state. */
  lives = 0;
  private readonly settings: NodeSettings;
  private readonly random: Random;
  private readonly hooks: DriverHooks;
  private puts = new Map<number, PendingPut>(); // by log index
  private reads = new Map<string, PendingRead>(); // by read context
  private readSeq = 0;
  private snapshotIndex = 0;
  /** Index of the last conf-change entry applied since takeAppliedConfIndex was called. */
  private appliedConfIndex = 0;

  constructor(id: number, voters: readonly number[], settings: NodeSettings, random: Random, hooks: DriverHooks) {
    this.id = id;
    this.settings = settings;
    this.random = random;
    this.hooks = hooks;
    this.disk = new SimDisk();
    this.raft = this.newRaft(voters);
  }

  private newRaft(voters: readonly number[]): RaftNode {
    const s = this.settings;
    const config: RaftConfig = {
      id: this.id, group: s.group, voters, learners: [], electionTicks: s.electionTicks, heartbeatTicks: s.heartbeatTicks,
      random: this.random, storage: this.disk, maxSizePerMsgBytes: s.maxSizePerMsgBytes, maxInflightMsgs: s.maxInflightMsgs,
      maxInflightBytes, maxUncommittedEntriesBytes: uncommittedBytesMax, preVote: s.preVote, checkQuorum: s.checkQuorum,
      leaseDriftTicks: s.leaseDriftTicks, snapshotChunkBytes: s.snapshotChunkBytes, maxSnapshotBytes,
      ...(s.mutant === undefined ? {} : { mutant: s.mutant }),
    };
    return new RaftNode(config);
  }

  status(): Status {
    return this.raft.status();
  }

  termAt(index: number): number | null {
    return this.raft.termAt(index);
  }

  entryAt(index: number): Entry | undefined {
    return this.raft.entries(index, index + 1)[0];
  }

  appliedIndex(): number {
    return this.kv.appliedIndex;
  }

  takeAppliedConfIndex(): number {
    const i = this.appliedConfIndex;
    this.appliedConfIndex = 0;
    return i;
  }

  /** Power loss: volatile state and unsynced writes are gone; requests in flight never answer.
   * `diskRng` decides how much of the unsynced writes reached the disk. */
  crash(diskRng: Random): { lost: number; torn: boolean } {
    this.alive = false;
    this.puts = new Map();
    this.reads = new Map();
    return this.disk.crash(diskRng);
  }

  /** Boot from what the disk holds: the snapshot restores the state machine, the core replays the rest. */
  restart(): void {
    assert(!this.alive, 'restart of a running node');
    this.alive = true;
    this.lives++;
    this.kv = new KvStateMachine();
    const snap = this.disk.snapshot();
    if (snap !== null) this.kv.restore(snap.data, snap.index);
    this.snapshotIndex = snap?.index ?? 0;
    this.raft = this.newRaft([]);
  }

  // ---- client requests ----

  propose(cmd: PutCommand, done: (o: PutOutcome) => void): { ok: true } | { ok: false; leader: number } {
    if (this.puts.size + this.reads.size >= pendingRequestsMax) return { ok: false, leader: 0 };
    const r = this.raft.propose(encodePut(cmd));
    if (!r.ok) return { ok: false, leader: r.leader };
    this.puts.set(r.index, { cmd, term: r.term, done });
    return { ok: true };
  }

  /** A linearizable read: by lease when `lease` and the core grants it, else by ReadIndex. */
  read(key: string, lease: boolean, done: (o: ReadOutcome) => void): { ok: true; mode: 'lease' | 'read-index' } | { ok: false; leader: number } {
    if (this.puts.size + this.reads.size >= pendingRequestsMax) return { ok: false, leader: 0 };
    const ctx = `${this.id}.${this.lives}.${this.readSeq++}`;
    if (lease) {
      const r = this.raft.leaseRead();
      if (r.ok) {
        this.reads.set(ctx, { key, mode: 'lease', index: r.index, done });
        this.serveReads();
        return { ok: true, mode: 'lease' };
      }
    }
    const r = this.raft.readIndex(encoder.encode(ctx));
    if (!r.ok) return { ok: false, leader: r.leader };
    this.reads.set(ctx, { key, mode: 'read-index', index: -1, done });
    return { ok: true, mode: 'read-index' };
  }

  // ---- the Ready loop ----

  /** Handle one Ready; returns false when there was none. A crash point (chosen on seeing the Ready) stops it midway. */
  handleReady(crashPointFor: (rd: Ready) => CrashPoint | null): boolean {
    const rd = this.raft.ready();
    if (rd === null) return false;
    const crashAt = crashPointFor(rd);
    this.checkGroup(rd);
    // The core drops unconfirmed ReadIndex requests when it stops leading; so do we.
    if (rd.softState !== null && rd.softState.role !== 'leader') this.failUnconfirmedReads();
    // 1. Persist: snapshot, entries, hard state; fsync when the core says it matters.
    this.disk.write(rd.snapshot, rd.entries, rd.hardState);
    this.hooks.persisted(this, rd);
    if (crashAt === 'before-sync') return true;
    if (rd.mustSync) this.disk.sync();
    if (crashAt === 'before-send') return true;
    // 2. Send, only now that what the messages depend on is durable.
    for (const m of rd.messages) this.hooks.send(this, m);
    if (crashAt === 'after-send') return true;
    // 3. Restore, then apply in order.
    if (rd.snapshot !== null) this.restore(rd.snapshot);
    for (const e of rd.committed) this.apply(e);
    // 4. ReadStates: the read may be served once applied reaches its index.
    for (const rs of rd.readStates) {
      const pending = this.reads.get(decoder.decode(rs.context));
      if (pending !== undefined && pending.index < 0) pending.index = rs.index;
    }
    this.serveReads();
    // 5. Advance, then compact if enough was applied since the last snapshot.
    this.raft.advance(rd);
    this.maybeCompact();
    return true;
  }

  private failUnconfirmedReads(): void {
    for (const [ctx, r] of this.reads) {
      if (r.index >= 0) continue;
      this.reads.delete(ctx);
      r.done({ ok: false });
    }
  }

  private checkGroup(rd: Ready): void {
    const g = this.settings.group;
    assert(rd.group === g, `Ready of group ${rd.group}, expected ${g}`);
    for (const e of rd.entries) assert(e.group === g, `entry ${e.index} carries group ${e.group}`);
    for (const e of rd.committed) assert(e.group === g, `committed entry ${e.index} carries group ${e.group}`);
    for (const m of rd.messages) assert(m.group === g && m.from === this.id, `message ${m.type} carries group ${m.group} from ${m.from}`);
  }

  private restore(s: Snapshot): void {
    this.kv.restore(s.data, s.index);
    this.snapshotIndex = s.index;
    this.hooks.restored(this, s);
    // Proposals covered by the snapshot: the state machine's apply counts say whether they made it.
    for (const [index, p] of this.puts) {
      if (index > s.index) continue;
      this.puts.delete(index);
      p.done(this.kv.applyCounts.has(p.cmd.opId) ? 'ok' : 'failed');
    }
  }

  private apply(e: Entry): void {
    const cmd = e.type === 'normal' ? decodePut(e.data) : undefined;
    this.kv.apply(e.index, cmd);
    if (e.type === 'conf-change') this.appliedConfIndex = e.index;
    this.hooks.applied(this, e);
    const p = this.puts.get(e.index);
    if (p === undefined) return;
    this.puts.delete(e.index);
    // The proposal succeeded iff the entry committed at its index has its term.
    if (e.term !== p.term) return p.done('failed');
    assert(cmd !== undefined && cmd.opId === p.cmd.opId, `entry (${e.index}, ${e.term}) is not the proposal made there`);
    p.done('ok');
  }

  private serveReads(): void {
    for (const [ctx, r] of this.reads) {
      if (r.index < 0 || r.index > this.kv.appliedIndex) continue;
      this.reads.delete(ctx);
      r.done({ ok: true, value: this.kv.get(r.key), mode: r.mode });
    }
  }

  private maybeCompact(): void {
    const applied = this.kv.appliedIndex;
    if (applied - this.snapshotIndex < this.settings.snapshotEveryEntries) return;
    const snap = this.raft.compact(applied, this.kv.snapshot());
    this.disk.write(snap, [], null);
    this.disk.sync();
    this.snapshotIndex = applied;
  }
}
