// A small interaction harness for the data-driven tests: several RaftNodes of one group in
// memory, a mailbox per node, a toy state machine (the list of applied payloads), and
// commands to tick, campaign, propose, deliver, partition, crash and restart. After every
// step it checks election safety and state-machine safety across the nodes. Test support;
// pure, so that it could also drive a quick experiment from a script.
import { Xoshiro128 } from '../util/prng.ts';
import { allMembers, decodeConfChange, formatConfState } from './confchange.ts';
import type { Arg, Directive } from './datadriven.ts';
import { formatData, formatMessage } from './message.ts';
import { RaftNode } from './node.ts';
import { MemoryStorage } from './storage.ts';
import type { ConfChange, ConfChangeSingle, Entry, Message, MutantName, NodeId, RaftConfig, Ready } from './types.ts';

const group = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Rounds of ready/deliver before stabilize gives up (a livelock in a script is a bug). */
const stabilizeRoundsMax = 1000;

interface Peer {
  node: RaftNode;
  storage: MemoryStorage;
  /** The toy state machine: applied payloads, in order. */
  applied: string[];
  appliedIndex: number;
  cfg: RaftConfig;
}

export class InteractionEnv {
  private peers = new Map<NodeId, Peer>();
  private crashed = new Map<NodeId, Peer>();
  private mailbox = new Map<NodeId, Message[]>();
  /** Partition: node → side; messages between different sides are dropped. */
  private side = new Map<NodeId, number>();
  private verbose = true;
  private out: string[] = [];
  /** Election safety: the leader seen for each term. */
  private leaderOfTerm = new Map<number, NodeId>();
  /** State-machine safety: what was applied at each index, by anyone. */
  private appliedAt = new Map<number, string>();

  run(d: Directive): string {
    this.out = [];
    try {
      this.dispatch(d);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      // A broken safety property (seen by the harness, or by an assertion in the core) is
      // printed, so that scripts for mutants can show it; the runner fails any other script
      // whose output holds one.
      if (e.name === 'SafetyViolation') this.print(`VIOLATION: ${e.message}`);
      else if (e.name === 'AssertionFailed') this.print(`VIOLATION (core assertion): ${e.message}`);
      else this.print(`error: ${e.message}`);
    }
    return this.out.join('\n');
  }

  private print(s: string): void {
    this.out.push(s);
  }

  private log(s: string): void {
    if (this.verbose) this.out.push(s);
  }

  private dispatch(d: Directive): void {
    const a = d.args;
    switch (d.cmd) {
      case 'log-level':
        this.verbose = pos(a, 0) !== 'none';
        return;
      case 'add-nodes':
        return this.addNodes(Number(pos(a, 0)), a);
      case 'campaign':
        return this.withNode(a, (p) => p.node.campaign());
      case 'propose':
        return this.propose(a);
      case 'propose-conf-change':
        return this.proposeConfChange(a);
      case 'read-index':
        return this.withNode(a, (p) => this.printRefusal(p.node.readIndex(encoder.encode(pos(a, 1)))));
      case 'lease-read':
        return this.withNode(a, (p) => {
          const r = p.node.leaseRead();
          this.print(r.ok ? `ok index=${r.index}` : `refused: ${r.reason} leader=${r.leader}`);
        });
      case 'transfer-leader':
        return this.withNode(a, (p) => this.printRefusal(p.node.transferLeader(Number(pos(a, 1)))));
      case 'tick':
        return this.tickN(a);
      case 'tick-heartbeat':
        return this.withNode(a, (p) => this.tickTimes(p, p.cfg.heartbeatTicks));
      case 'tick-election':
        return this.withNode(a, (p) => this.tickElection(p));
      case 'process-ready':
        return this.forIds(a, (id) => this.processReady(id));
      case 'deliver-msgs':
        return this.deliverCmd(a);
      case 'stabilize':
        return this.stabilize(ids(a, this.peerIds()));
      case 'partition':
        return this.partition(d.args);
      case 'heal':
        this.side.clear();
        return;
      case 'crash':
        return this.forIds(a, (id) => this.crash(id));
      case 'restart':
        return this.forIds(a, (id) => this.restart(id));
      case 'compact':
        return this.compact(a);
      case 'status':
        return this.forIds(a, (id) => this.status(id));
      case 'raft-state':
        return this.raftState();
      case 'raft-log':
        return this.forIds(a, (id) => this.raftLog(id));
      case 'state-machine':
        return this.forIds(a, (id) => this.print(`${id}: ${(this.peers.get(id) as Peer).applied.join(' ')}`));
      default:
        throw new Error(`unknown command ${d.cmd}`);
    }
  }

  // ---- setup ----

  private addNodes(n: number, a: readonly Arg[]): void {
    const voters = list(a, 'voters');
    const learners = list(a, 'learners');
    for (let k = 0; k < n; k++) {
      const id = this.peers.size + this.crashed.size + 1;
      const cfg: RaftConfig = {
        id,
        group,
        voters,
        learners,
        electionTicks: num(a, 'election', 10),
        heartbeatTicks: num(a, 'heartbeat', 1),
        random: new Xoshiro128(id),
        storage: new MemoryStorage(),
        maxSizePerMsgBytes: num(a, 'max-msg-bytes', 1 << 20),
        maxInflightMsgs: num(a, 'max-inflight', 256),
        maxInflightBytes: num(a, 'max-inflight-bytes', 1 << 30),
        maxUncommittedEntriesBytes: num(a, 'max-uncommitted-bytes', 1 << 30),
        preVote: flag(a, 'prevote'),
        checkQuorum: flag(a, 'checkquorum'),
        leaseDriftTicks: num(a, 'lease-drift', 1),
        snapshotChunkBytes: num(a, 'snapshot-chunk-bytes', 1 << 20),
        maxSnapshotBytes: num(a, 'max-snapshot-bytes', 1 << 30),
        ...mutantOf(a),
      };
      this.peers.set(id, this.makePeer(cfg, cfg.storage as MemoryStorage, [], 0));
      this.mailbox.set(id, []);
    }
  }

  private makePeer(cfg: RaftConfig, storage: MemoryStorage, applied: string[], appliedIndex: number): Peer {
    return { node: new RaftNode({ ...cfg, storage }), storage, applied, appliedIndex, cfg: { ...cfg, storage } };
  }

  private peerIds(): NodeId[] {
    return [...this.peers.keys()].sort((x, y) => x - y);
  }

  private withNode(a: readonly Arg[], f: (p: Peer) => void): void {
    const id = Number(pos(a, 0));
    const p = this.peers.get(id);
    if (p === undefined) throw new Error(`no live node ${id}`);
    f(p);
  }

  private forIds(a: readonly Arg[], f: (id: NodeId) => void): void {
    for (const id of ids(a, this.peerIds())) f(id);
  }

  private printRefusal(r: { ok: true } | { ok: false; reason: string; leader: NodeId }): void {
    this.print(r.ok ? 'ok' : `refused: ${r.reason} leader=${r.leader}`);
  }

  // ---- client calls ----

  private propose(a: readonly Arg[]): void {
    this.withNode(a, (p) => {
      const r = p.node.propose(encoder.encode(pos(a, 1)));
      this.print(r.ok ? `ok index=${r.index} term=${r.term}` : `refused: ${r.reason} leader=${r.leader}`);
    });
  }

  private proposeConfChange(a: readonly Arg[]): void {
    const changes: ConfChangeSingle[] = [];
    for (const arg of a.slice(1)) {
      if (arg.values.length > 0) continue;
      const op = ({ v: 'add-voter', l: 'add-learner', r: 'remove', p: 'promote-learner' } as const)[arg.key[0] as 'v' | 'l' | 'r' | 'p'];
      if (op === undefined) throw new Error(`bad change ${arg.key}`);
      changes.push({ op, node: Number(arg.key.slice(1)) });
    }
    const transition = (str(a, 'transition') ?? 'auto') as ConfChange['transition'];
    this.withNode(a, (p) => {
      const r = p.node.proposeConfChange({ transition, changes });
      this.print(r.ok ? `ok index=${r.index} term=${r.term}` : `refused: ${r.reason} leader=${r.leader}`);
    });
  }

  // ---- time ----

  private tickN(a: readonly Arg[]): void {
    const n = num(a, 'n', 1);
    this.forIds(a.filter((x) => x.values.length === 0), (id) => this.tickTimes(this.peers.get(id) as Peer, n));
  }

  private tickTimes(p: Peer, n: number): void {
    for (let i = 0; i < n; i++) p.node.tick();
  }

  /** A leader: one election timeout. Others: until they start an election (at most two timeouts). */
  private tickElection(p: Peer): void {
    const before = p.node.status();
    if (before.role === 'leader') return this.tickTimes(p, p.cfg.electionTicks);
    for (let i = 0; i < 2 * p.cfg.electionTicks; i++) {
      p.node.tick();
      const s = p.node.status();
      if (s.role !== before.role || s.term !== before.term) return;
    }
  }

  // ---- ready, delivery ----

  /** Handles one Ready of `id` as a driver must: persist, send, apply, advance. True if there was one. */
  private processReady(id: NodeId): boolean {
    const p = this.peers.get(id);
    if (p === undefined) return false;
    const rd = p.node.ready();
    if (rd === null) return false;
    this.log(`> ${id} handling Ready`);
    this.printReady(rd);
    p.storage.save(rd);
    // A message to a crashed node or across a partition is lost, as on a real network.
    for (const m of rd.messages) {
      if (!this.peers.has(m.to) || this.cut(m.from, m.to)) this.log(`  dropped: ${formatMessage(m, formatEntry)}`);
      else this.mailbox.get(m.to)?.push(m);
    }
    if (rd.snapshot !== null) {
      p.applied = JSON.parse(decoder.decode(rd.snapshot.data)) as string[];
      p.appliedIndex = rd.snapshot.index;
    }
    for (const e of rd.committed) this.apply(id, p, e);
    p.node.advance(rd);
    this.checkSafety(id, p);
    return true;
  }

  private apply(id: NodeId, p: Peer, e: Entry): void {
    if (e.index !== p.appliedIndex + 1) throw new SafetyViolation(`${id} applied ${e.index} after ${p.appliedIndex}`);
    const text = `${e.term}/${e.index} ${formatEntryData(e)}`;
    const prev = this.appliedAt.get(e.index);
    if (prev !== undefined && prev !== text) throw new SafetyViolation(`${id} applied ${text}, another node applied ${prev}`);
    this.appliedAt.set(e.index, text);
    if (e.type === 'normal' && e.data.byteLength > 0) p.applied.push(decoder.decode(e.data));
    p.appliedIndex = e.index;
  }

  private checkSafety(id: NodeId, p: Peer): void {
    const s = p.node.status();
    if (s.role !== 'leader') return;
    const other = this.leaderOfTerm.get(s.term);
    if (other !== undefined && other !== id) throw new SafetyViolation(`two leaders in term ${s.term}: ${other} and ${id}`);
    this.leaderOfTerm.set(s.term, id);
  }

  private printReady(rd: Ready): void {
    if (!this.verbose) return;
    if (rd.softState !== null) this.log(`  soft: leader=${rd.softState.leader} role=${rd.softState.role}`);
    if (rd.hardState !== null) this.log(`  hard: term=${rd.hardState.term} vote=${rd.hardState.vote} commit=${rd.hardState.commit}`);
    if (rd.snapshot !== null) this.log(`  snapshot: ${rd.snapshot.term}/${rd.snapshot.index} ${formatConfState(rd.snapshot.confState)}`);
    if (rd.entries.length > 0) this.log(`  entries: ${rd.entries.map(formatEntry).join(', ')}`);
    if (rd.committed.length > 0) this.log(`  committed: ${rd.committed.map(formatEntry).join(', ')}`);
    for (const r of rd.readStates) this.log(`  read-state: index=${r.index} ctx=${decoder.decode(r.context)}`);
    for (const m of rd.messages) this.log(`  send: ${formatMessage(m, formatEntry)}`);
  }

  /** Delivers all queued messages to each of `targets`; returns whether any was delivered. */
  private deliver(targets: readonly NodeId[], drop: boolean): boolean {
    let any = false;
    for (const id of targets) {
      const box = this.mailbox.get(id) ?? [];
      if (box.length === 0) continue;
      this.mailbox.set(id, []);
      const p = this.peers.get(id);
      for (const m of box) {
        any = true;
        if (p === undefined || drop) {
          this.log(`  dropped: ${formatMessage(m, formatEntry)}`);
          continue;
        }
        this.log(`> ${id} receiving ${formatMessage(m, formatEntry)}`);
        p.node.step(m);
      }
    }
    return any;
  }

  private deliverCmd(a: readonly Arg[]): void {
    const drop = a.some((x) => x.key === 'drop');
    this.deliver(ids(a.filter((x) => x.key !== 'drop'), this.peerIds()), drop);
  }

  private cut(from: NodeId, to: NodeId): boolean {
    const a = this.side.get(from);
    const b = this.side.get(to);
    return a !== undefined && b !== undefined && a !== b;
  }

  private stabilize(targets: readonly NodeId[]): void {
    for (let round = 0; round < stabilizeRoundsMax; round++) {
      let progress = false;
      for (const id of targets) while (this.processReady(id)) progress = true;
      if (this.deliver(targets, false)) progress = true;
      if (!progress) return;
    }
    throw new Error('stabilize did not converge');
  }

  /** `partition 1 2 | 3`: nodes on different sides cannot exchange messages until `heal`. */
  private partition(a: readonly Arg[]): void {
    this.side.clear();
    let sideNo = 0;
    for (const arg of a) {
      if (arg.key === '|') sideNo++;
      else this.side.set(Number(arg.key), sideNo);
    }
  }

  // ---- crash, restart, compaction ----

  /** Loses everything not persisted: the node's memory and the messages queued to it. */
  private crash(id: NodeId): void {
    const p = this.peers.get(id);
    if (p === undefined) throw new Error(`no live node ${id}`);
    this.peers.delete(id);
    this.crashed.set(id, p);
    this.mailbox.set(id, []);
  }

  private restart(id: NodeId): void {
    const p = this.crashed.get(id);
    if (p === undefined) throw new Error(`node ${id} is not crashed`);
    this.crashed.delete(id);
    const snap = p.storage.snapshot();
    const applied = snap === null ? [] : (JSON.parse(decoder.decode(snap.data)) as string[]);
    this.peers.set(id, this.makePeer({ ...p.cfg, random: new Xoshiro128(id * 1000 + p.appliedIndex) }, p.storage, applied, snap?.index ?? 0));
  }

  private compact(a: readonly Arg[]): void {
    this.withNode(a, (p) => {
      const index = Number(pos(a, 1));
      if (index !== p.appliedIndex) throw new Error(`compact: the toy state machine can only snapshot at applied ${p.appliedIndex}`);
      const snap = p.node.compact(index, encoder.encode(JSON.stringify(p.applied)));
      p.storage.compact(snap);
      this.print(`snapshot ${snap.term}/${snap.index} ${formatConfState(snap.confState)}`);
    });
  }

  // ---- inspection ----

  private status(id: NodeId): void {
    const p = this.peers.get(id);
    if (p === undefined) return this.print(`${id}: crashed`);
    const s = p.node.status();
    this.print(`${id}: ${s.role} term=${s.term} vote=${s.vote} leader=${s.leader} commit=${s.commit} applied=${s.applied} ` +
      `log=[${s.firstIndex},${s.lastIndex}] snap=${s.snapshotIndex} ${formatConfState(s.confState)}` +
      (s.leadTransferee !== 0 ? ` transferee=${s.leadTransferee}` : ''));
    if (s.progress === null) return;
    for (const [pid, pr] of [...s.progress].sort((x, y) => x[0] - y[0])) {
      let line = `  ${pid}: ${pr.state} match=${pr.match} next=${pr.next}`;
      if (pr.isLearner) line += ' learner';
      if (pr.inflightMsgs > 0) line += ` inflight=${pr.inflightMsgs}/${pr.inflightBytes}B`;
      if (pr.pendingSnapshot > 0) line += ` snapshot=${pr.pendingSnapshot}`;
      this.print(line);
    }
  }

  private raftState(): void {
    for (const id of [...this.peerIds(), ...this.crashed.keys()].sort((x, y) => x - y)) {
      const p = this.peers.get(id);
      if (p === undefined) {
        this.print(`${id}: crashed`);
        continue;
      }
      const s = p.node.status();
      const members = allMembers(s.confState);
      const kind = s.confState.voters.includes(id) || s.confState.votersOutgoing.includes(id) ? 'voter' : members.includes(id) ? 'learner' : 'none';
      this.print(`${id}: ${s.role} (${kind}) term=${s.term} leader=${s.leader}`);
    }
  }

  private raftLog(id: NodeId): void {
    const p = this.peers.get(id);
    if (p === undefined) return this.print(`${id}: crashed`);
    const s = p.node.status();
    const ents = p.node.entries(s.firstIndex, s.lastIndex + 1);
    this.print(ents.length === 0 ? `${id}: log empty after ${s.snapshotIndex}` : `${id}: ${ents.map(formatEntry).join(', ')}`);
  }
}

export class SafetyViolation extends Error {
  override name = 'SafetyViolation';
}

export function formatEntry(e: Entry): string {
  return `${e.term}/${e.index}${e.type === 'conf-change' || e.data.byteLength > 0 ? ' ' + formatEntryData(e) : ''}`;
}

function formatEntryData(e: Entry): string {
  if (e.type === 'normal') return formatData(e.data);
  const cc = decodeConfChange(e.data);
  if (cc.changes.length === 0) return 'conf:leave-joint';
  const short = { 'add-voter': 'v', 'add-learner': 'l', remove: 'r', 'promote-learner': 'p' } as const;
  const t = cc.transition === 'auto' ? '' : ` ${cc.transition}`;
  return `conf:${cc.changes.map((c) => `${short[c.op]}${c.node}`).join(',')}${t}`;
}

function pos(a: readonly Arg[], i: number): string {
  const positional = a.filter((x) => x.values.length === 0);
  const v = positional[i];
  if (v === undefined) throw new Error(`missing argument ${i + 1}`);
  return v.key;
}

function ids(a: readonly Arg[], all: NodeId[]): NodeId[] {
  const given = a.filter((x) => x.values.length === 0 && /^\d+$/.test(x.key)).map((x) => Number(x.key));
  return given.length > 0 ? given : all;
}

function list(a: readonly Arg[], key: string): NodeId[] {
  return (a.find((x) => x.key === key)?.values ?? []).map(Number);
}

function str(a: readonly Arg[], key: string): string | undefined {
  return a.find((x) => x.key === key)?.values[0];
}

function num(a: readonly Arg[], key: string, dflt: number): number {
  const v = str(a, key);
  return v === undefined ? dflt : Number(v);
}

function flag(a: readonly Arg[], key: string): boolean {
  return str(a, key) === 'true';
}

function mutantOf(a: readonly Arg[]): { mutant?: MutantName } {
  const m = str(a, 'mutant');
  return m === undefined ? {} : { mutant: m as MutantName };
}
