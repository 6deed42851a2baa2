// Simulated clients: each runs one operation at a time (a put of a unique value, a lease read
// or a ReadIndex read of a small key set) against the node it believes leads, follows leader
// hints, gives up after a timeout, and records every call and return in the history that the
// linearizability checker judges.

import type { Random } from '../util/prng.ts';
import type { Operation } from './linearizability.ts';
import type { PutCommand } from './kv.ts';
import type { PutOutcome, ReadOutcome } from './driver.ts';

/** How the simulator lets clients reach nodes (directly, not through the faulty network). */
export interface ClientGateway {
  /** Ids of nodes a client may talk to (running ones). */
  reachable(): readonly number[];
  propose(node: number, cmd: PutCommand, done: (o: PutOutcome) => void): { ok: true } | { ok: false; leader: number };
  read(node: number, key: string, lease: boolean, done: (o: ReadOutcome) => void): { ok: true; mode: 'lease' | 'read-index' } | { ok: false; leader: number };
  /** Ask for `client`'s next turn after `delayMs`; the turn must hand `token` back. */
  schedule(client: number, delayMs: number, token: number): void;
  trace(line: string): void;
}

/** A client abandons an operation after this much virtual time (its return becomes ∞). */
export const opTimeoutMs = 2_000;
/** Think time between a client's operations is uniform up to the run's ceiling, at most this, virtual ms. */
export const thinkMsMax = 400;
/** After a refusal, a client retries after this long. */
const retryMs = 30;

interface Client {
  id: number;
  target: number;
  current: Operation | null;
  startedMs: number;
  /** Liveness round: a put and a read completed since the round started. */
  putOk: boolean;
  getOk: boolean;
  /** The final reader's keys still to read (ReadIndex only); null for ordinary clients. */
  script: string[] | null;
  /** A sticky client stays with its node after a timeout, as a client cut off with it would. */
  sticky: boolean;
  /** Pinned: talks only to this node until pinnedUntilMs (clients on the minority side of a partition). */
  pinnedTo: number;
  pinnedUntilMs: number;
  pinnedRole: PinnedRole;
  /** Only the latest scheduled turn counts: one chain of turns per client, however answers come. */
  token: number;
}

/** A pinned client only writes, or only reads by lease (what a stale leader would get wrong). */
export type PinnedRole = 'writer' | 'lease-reader';

export class Clients {
  readonly history: Operation[] = [];
  /** Puts the core definitely refused at apply time: excluded from the check, must never apply. */
  readonly failedPuts = new Set<number>();
  /** opId → the put's operation, for the exactly-once check. */
  readonly puts = new Map<number, Operation>();
  readonly acked = new Set<number>();
  /** Set for the final reads: ordinary clients stop, only the final reader runs. */
  private stopped = false;
  private roundStart = Infinity;
  private readonly clients: Client[] = [];
  private readonly rng: Random;
  private readonly gw: ClientGateway;
  private readonly keys: number;
  private readonly leaseShare: number;
  private readonly thinkMsCeiling: number;
  private historyClock = 0;
  private nextOpId = 1;

  constructor(count: number, keys: number, leaseShare: number, rng: Random, gw: ClientGateway) {
    this.rng = rng;
    this.gw = gw;
    this.keys = keys;
    this.leaseShare = leaseShare;
    this.thinkMsCeiling = 20 + rng.int(thinkMsMax - 20);
    for (let id = 0; id < count; id++) this.clients.push(newClient(id, null, rng.int(2) === 0));
  }

  /** The client's next turn, replacing any turn scheduled before. */
  private wake(c: Client, delayMs: number): void {
    c.token++;
    this.gw.schedule(c.id, delayMs, c.token);
  }

  /** The first turn of every client. */
  startAll(delayMs: (id: number) => number): void {
    for (const c of this.clients) this.wake(c, delayMs(c.id));
  }

  /** Keep half of the clients (the odd or the even ids), or all, talking only to `node` until `untilMs`, in `role`. */
  pin(node: number, untilMs: number, role: PinnedRole, all = false): void {
    const parity = this.rng.int(2);
    for (const c of this.clients) {
      if (c.script !== null || (!all && c.id % 2 !== parity)) continue;
      c.pinnedTo = node;
      c.pinnedUntilMs = untilMs;
      c.pinnedRole = role;
    }
  }

  /** From now on each client must complete a put and a read (the liveness phase). */
  startLivenessRound(): void {
    this.roundStart = this.historyClock;
  }

  livenessRoundDone(): boolean {
    return this.clients.every((c) => c.script !== null || (c.putOk && c.getOk));
  }

  /** Stop the workload and read every key once more through ReadIndex, which must see every acknowledged write. */
  stopAndReadAll(): void {
    this.stopped = true;
    const id = this.clients.length;
    this.clients.push(newClient(id, Array.from({ length: this.keys }, (_, k) => `k${k}`), false));
    this.wake(this.clients[id] as Client, 1);
  }

  finalReadsDone(): boolean {
    const reader = this.clients[this.clients.length - 1];
    return reader !== undefined && reader.script !== null && reader.script.length === 0 && reader.current === null;
  }

  progressText(): string {
    return this.clients.map((c) => (c.script !== null ? `reader:${c.script.length} left` : `c${c.id}:${c.putOk ? 'P' : 'p'}${c.getOk ? 'G' : 'g'}`)).join(' ');
  }

  /** A client's turn: time out a stuck operation, or start the next one. */
  turn(id: number, token: number, nowMs: number): void {
    const c = this.clients[id];
    if (c === undefined || token !== c.token || (this.stopped && c.script === null)) return;
    if (c.script !== null && c.script.length === 0) return;
    if (c.current !== null) {
      if (nowMs - c.startedMs < opTimeoutMs) return;
      this.gw.trace(`client ${id} timeout op ${describe(c.current)}`);
      c.current = null;
      if (!c.sticky) c.target = 0;
    }
    this.start(c, nowMs);
  }

  get busy(): number {
    return this.clients.filter((c) => c.current !== null).length;
  }

  private start(c: Client, nowMs: number): void {
    const nodes = this.gw.reachable();
    if (nodes.length === 0) return this.wake(c, retryMs * 10);
    const pinned = nowMs < c.pinnedUntilMs && nodes.includes(c.pinnedTo);
    if (pinned) c.target = c.pinnedTo;
    else if (c.target === 0 || !nodes.includes(c.target)) c.target = nodes[this.rng.int(nodes.length)] as number;
    const key = c.script?.[0] ?? `k${this.rng.int(this.keys)}`;
    // Pinned clients mostly read: their writes would only hang on the cut-off side.
    const isPut = c.script === null && (pinned ? c.pinnedRole === 'writer' : this.rng.int(2) === 0);
    const op: Operation = { clientId: c.id, op: isPut ? 'put' : 'get', key, value: null, call: 0, ret: Infinity, output: null };
    // Current before the call: a lease read may be answered synchronously, inside it.
    c.current = op;
    c.startedMs = nowMs;
    const refused = isPut ? this.startPut(c, op) : this.startGet(c, op, pinned || this.rng.next() < this.leaseShare);
    if (refused !== null) {
      c.current = null;
      if (!pinned) c.target = refused !== 0 && nodes.includes(refused) ? refused : nodes[this.rng.int(nodes.length)] as number;
      this.wake(c, retryMs);
      return;
    }
    if (c.current === op) this.wake(c, opTimeoutMs);
  }

  /** Returns null when accepted, else the leader hint (0 when none). */
  private startPut(c: Client, op: Operation): number | null {
    const opId = this.nextOpId++;
    op.value = `v${opId}`;
    op.call = ++this.historyClock;
    const cmd: PutCommand = { opId, clientId: c.id, key: op.key, value: op.value };
    const r = this.gw.propose(c.target, cmd, (o) => this.putDone(c, op, opId, o));
    if (!r.ok) return r.leader;
    this.history.push(op);
    this.puts.set(opId, op);
    this.gw.trace(`client ${c.id} call ${describe(op)} at n${c.target}`);
    return null;
  }

  private startGet(c: Client, op: Operation, preferLease: boolean): number | null {
    op.call = ++this.historyClock;
    const lease = c.script === null && preferLease;
    // In the history before the call: a lease read may be answered inside it.
    this.history.push(op);
    this.gw.trace(`client ${c.id} call get ${op.key}${lease ? ' (lease?)' : ''} at n${c.target}`);
    const r = this.gw.read(c.target, op.key, lease, (o) => this.getDone(c, op, o));
    if (r.ok) {
      op.readMode = r.mode;
      return null;
    }
    this.history.splice(this.history.lastIndexOf(op), 1);
    return r.leader;
  }

  private putDone(c: Client, op: Operation, opId: number, o: PutOutcome): void {
    if (o === 'failed') this.failedPuts.add(opId);
    else this.acked.add(opId);
    if (c.current !== op) return; // abandoned: its return stays ∞
    if (o === 'ok') {
      op.ret = ++this.historyClock;
      if (op.call > this.roundStart) c.putOk = true;
    }
    this.finish(c, op, o);
  }

  private getDone(c: Client, op: Operation, o: ReadOutcome): void {
    if (c.current !== op) return;
    if (o.ok) {
      op.output = o.value;
      op.readMode = o.mode;
      op.ret = ++this.historyClock;
      if (op.call > this.roundStart) c.getOk = true;
      if (c.script !== null) c.script.shift();
    } else {
      this.history.splice(this.history.lastIndexOf(op), 1);
    }
    this.finish(c, op, o.ok ? 'ok' : 'failed');
  }

  private finish(c: Client, op: Operation, outcome: string): void {
    this.gw.trace(`client ${c.id} ${outcome} ${describe(op)}`);
    c.current = null;
    if (outcome !== 'ok') c.target = 0;
    this.wake(c, 1 + this.rng.int(this.thinkMsCeiling));
  }

  /** Operations for the checker: puts the core definitely refused never happened. */
  checkedHistory(): Operation[] {
    const failed = new Set<Operation>();
    for (const id of this.failedPuts) {
      const op = this.puts.get(id);
      if (op !== undefined) failed.add(op);
    }
    return this.history.filter((op) => !failed.has(op));
  }
}

function newClient(id: number, script: string[] | null, sticky: boolean): Client {
  return { id, target: 0, current: null, startedMs: 0, putOk: false, getOk: false, script, sticky, pinnedTo: 0, pinnedUntilMs: 0, pinnedRole: 'writer', token: 0 };
}

function describe(op: Operation): string {
  if (op.op === 'put') return `put ${op.key}=${op.value ?? ''}`;
  return op.ret === Infinity ? `get ${op.key}${op.readMode === undefined ? '' : ` (${op.readMode})`}` : `get ${op.key} -> ${op.output ?? 'nil'} (${op.readMode ?? '?'})`;
}
