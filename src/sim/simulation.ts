// One simulated run: N Raft nodes on a virtual network with a virtual clock, clients issuing
// writes and reads, and faults, all drawn from one seed. Every event is one step; after each
// step the safety invariants are checked. Then faults are healed and the run must make
// progress within a bound (liveness), and the client history must be linearizable.

import { Xoshiro128 } from '../util/prng.ts';
import { AssertionFailed } from '../util/assert.ts';
import type { ConfState, Message, MutantName, Ready, Status } from '../raft/types.ts';
import { EventQueue } from './event_queue.ts';
import { VirtualNetwork } from './network.ts';
import { SimNode, type CrashPoint, type DriverHooks } from './driver.ts';
import { InvariantViolation, SafetyChecker, type CheckedNode } from './invariants.ts';
import { Clients, type ClientGateway } from './clients.ts';
import { checkHistory, formatOperation, type CheckVerdict } from './linearizability.ts';
import { Trace } from './trace.ts';
import { describeSettings, drawSettings, driftFractionMax, membersOf, tickMs, type RunSettings } from './settings.ts';
import { chooseFaultMix, injectFault } from './faults.ts';

export interface SimOptions {
  seed: number;
  /** Events in the fault phase. */
  steps: number;
  /** Initial voters. */
  nodes: number;
  mutant?: MutantName | undefined;
  /** Receives every trace line (for --verbose). */
  traceSink?: (line: string) => void;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violation: { invariant: string; detail: string } | null;
  events: number;
  traceHash: string;
  traceTail: string[];
  operations: number;
  linearizability: CheckVerdict | 'not-run';
  settings: string;
}

export type AgendaEvent =
  | { kind: 'tick'; node: number }
  | { kind: 'deliver'; msg: Message }
  | { kind: 'client'; client: number; token: number }
  | { kind: 'fault' }
  | { kind: 'restart'; node: number }
  | { kind: 'fault-clock-restore'; node: number; period: number }
  | { kind: 'heal-network' }
  | { kind: 'crash'; node: number; life: number }
  | { kind: 'call'; label: string; fn: () => void };

/** Bound on the agenda: ticks + clients + messages in flight (network caps those) + faults. */
const agendaEventsMax = 100_000;
/** Readys one node may produce within one step before we call it a livelock in the core. */
const readysPerStepMax = 64;
/**
 * How a young leader dies: in the Ready that makes it leader; in the first Ready in which it
 * commits something (before sending: nobody learns of that commit); within newLeaderLifeMsMax;
 * or one of the first and the third.
 */
export type YoungLeaderDeath = 'first-ready' | 'first-commit' | 'soon' | 'either';

/** A leader crashed by the 'crash-new-leader' fault lives at most this long, virtual ms. */
const newLeaderLifeMsMax = 300;
const youngDeathPoints: readonly CrashPoint[] = ['before-sync', 'before-send', 'after-send'];
/** Restart delay after a crash right after a vote, virtual ms (less than a message delay). */
const quickRestartMsMax = 60;
/** After healing, the run must elect a leader and commit and read within this virtual time. */
export const livenessMsMax = 60_000;

export class Simulation {
  readonly seed: number;
  readonly settings: RunSettings;
  readonly nodes = new Map<number, SimNode>();
  readonly network: VirtualNetwork;
  readonly faultRng: Xoshiro128;
  readonly checker = new SafetyChecker();
  readonly clients: Clients;
  readonly trace: Trace;
  nowMs = 0;
  /** Per node: tick period (drift) and pending crash point. */
  readonly tickPeriodMs = new Map<number, number>();
  readonly crashAt = new Map<number, CrashPoint | 'after-ready'>();
  readonly retired = new Set<number>();
  /** Crash a node right after it grants a vote (armed by a fault). */
  crashAfterVote = false;
  /** Crash the next node that becomes leader of a term above this one, soon after (armed by a fault). */
  crashLeaderAbove: number | null = null;
  /** How many leaders in a row the 'crash-new-leader' fault still kills. */
  crashLeadersLeft = 0;
  /** How young leaders die: in the Ready that makes them leader, within newLeaderLifeMsMax, or either. */
  youngLeaderDeath: YoungLeaderDeath = 'either';
  /** The last young leader killed. */
  lastYoungLeader = 0;
  /** Crashed nodes kept down (no automatic restart) until released. */
  readonly held = new Set<number>();
  /** Hold (keep down) the next young leader that dies. */
  holdYoungLeader = false;
  /** 'first-commit' deaths wait for a commit index at least this high. */
  youngCommitAtLeast = 0;
  /** Where young leaders die in their first Ready; null: any crash point. */
  youngDeathPoint: CrashPoint | null = null;
  /** Indices of the fault kinds this run uses (see chooseFaultMix). */
  faultMix: number[] = [];
  /** A scripted fault scenario runs until then; no other faults start meanwhile. */
  scenarioUntilMs = 0;
  nextNodeId: number;
  readonly initialNodes: number;
  healed = false;
  private readonly agenda = new EventQueue<AgendaEvent>(agendaEventsMax);
  private readonly masterRng: Xoshiro128;
  private readonly diskRng: Xoshiro128;
  private readonly hooks: DriverHooks;
  /** The membership of the highest-index conf change any node applied (the newest committed one). */
  latestConf: { index: number; conf: ConfState; members: number[] } | null = null;
  /** The newest membership may have removed nodes that are not retired yet. */
  private retirePending = false;
  private readonly joined = new Set<number>();

  constructor(opts: SimOptions) {
    this.seed = opts.seed;
    this.masterRng = new Xoshiro128(opts.seed);
    const sub = () => new Xoshiro128(this.masterRng.nextUint32() * 0x100000 + this.masterRng.int(0x100000));
    this.faultRng = sub();
    this.diskRng = sub();
    this.network = new VirtualNetwork(sub());
    this.settings = drawSettings(sub(), opts.mutant);
    this.trace = new Trace(undefined, opts.traceSink);
    this.hooks = this.makeHooks();
    const clientRng = sub();
    this.clients = new Clients(this.settings.clients, this.settings.keys, this.settings.leaseShare, clientRng, this.gateway());
    const voters = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    this.initialNodes = opts.nodes;
    this.nextNodeId = opts.nodes + 1;
    for (const id of voters) this.addNode(id, voters);
    for (const id of voters) this.joined.add(id);
    this.clients.startAll(() => 1 + this.faultRng.int(200));
    this.agenda.push(this.faultGap(), { kind: 'fault' });
    this.network.drawFaults();
    const mix = chooseFaultMix(this);
    this.log(`start seed=${opts.seed} nodes=${opts.nodes} mutant=${opts.mutant ?? 'none'} ${describeSettings(this.settings)}`);
    this.log(`faults: ${mix.join(' ')}`);
  }

  /** Create a node (initial voter, or an empty one about to be added) and start its clock. */
  addNode(id: number, voters: readonly number[]): SimNode {
    const raftRng = new Xoshiro128(this.masterRng.nextUint32());
    const node = new SimNode(id, voters, this.settings.node, raftRng, this.hooks);
    this.nodes.set(id, node);
    this.checker.booted(adapter(node), 0, 0, 0);
    this.tickPeriodMs.set(id, tickMs);
    this.agenda.push(this.nowMs + 1 + this.faultRng.int(tickMs), { kind: 'tick', node: id });
    return node;
  }

  log(line: string): void {
    this.trace.add(this.nowMs, line);
  }

  schedule(atMs: number, ev: AgendaEvent): void {
    this.agenda.push(atMs, ev);
  }

  aliveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  /** The live leader with the highest term, if any. */
  leader(): { node: SimNode; status: Status } | null {
    let best: { node: SimNode; status: Status } | null = null;
    for (const node of this.aliveNodes()) {
      const status = node.status();
      if (status.role === 'leader' && (best === null || status.term > best.status.term)) best = { node, status };
    }
    return best;
  }

  faultGap(): number {
    return this.nowMs + 1 + this.faultRng.int(2 * this.settings.faultMeanMs);
  }

  /** Run the whole scenario; any broken property ends it with a violation. */
  run(steps: number): SimResult {
    let violation: SimResult['violation'] = null;
    let verdict: CheckVerdict | 'not-run' = 'not-run';
    try {
      for (let i = 0; i < steps && this.agenda.size > 0; i++) this.step();
      this.heal();
      this.awaitLiveness();
      this.finalChecks();
      const r = checkHistory(this.clients.checkedHistory());
      verdict = r.verdict;
      if (r.verdict === 'illegal') {
        const ops = (r.operations ?? []).map(formatOperation).join('\n    ');
        const stuck = r.stuckAt === undefined ? '' : `; no linearization gets past ${formatOperation(r.stuckAt)}`;
        throw new InvariantViolation('linearizability', `history of key ${r.key ?? '?'} is not linearizable${stuck}\n    ${ops}`);
      }
    } catch (err) {
      violation = toViolation(err);
      this.log(`VIOLATION ${violation.invariant}: ${violation.detail.split('\n')[0] ?? ''}`);
    }
    return {
      seed: this.seed, ok: violation === null, violation, events: this.trace.events, traceHash: this.trace.digest(),
      traceTail: this.trace.tail(), operations: this.clients.history.length, linearizability: verdict, settings: describeSettings(this.settings),
    };
  }

  /** Pop one event, carry it out, let every node handle its Readys, check the invariants. */
  step(): void {
    const ev = this.agenda.pop();
    if (ev === undefined) return;
    this.nowMs = ev.at;
    this.handle(ev.value);
    this.drainReadys();
    this.checker.afterStep(this.aliveNodes().map(adapter));
    this.retireRemoved();
    if (this.crashLeaderAbove !== null) this.crashNewLeader(this.crashLeaderAbove);
  }

  /** A leader that dies young leaves entries of its term on a minority: Figure 8 material. */
  private crashNewLeader(aboveTerm: number): void {
    const l = this.leader();
    if (l === null || l.status.term <= aboveTerm || this.youngLeaderDeath === 'first-ready' || this.youngLeaderDeath === 'first-commit') return;
    this.youngLeaderDies(l.node.id);
    this.crashLeadersLeft--;
    this.crashLeaderAbove = this.crashLeadersLeft > 0 ? l.status.term : null;
    const at = this.nowMs + this.faultRng.int(newLeaderLifeMsMax);
    this.agenda.push(at, { kind: 'crash', node: l.node.id, life: l.node.lives });
    this.log(`n${l.node.id} leads term ${l.status.term}; it will crash at t=${at}`);
  }

  private handle(ev: AgendaEvent): void {
    switch (ev.kind) {
      case 'tick':
        return this.onTick(ev.node);
      case 'deliver':
        return this.onDeliver(ev.msg);
      case 'client':
        return this.clients.turn(ev.client, ev.token, this.nowMs);
      case 'fault':
        if (!this.healed && this.nowMs >= this.scenarioUntilMs) {
          injectFault(this);
          this.agenda.push(this.faultGap(), { kind: 'fault' });
        }
        return;
      case 'restart':
        return this.restart(ev.node);
      case 'heal-network':
        if (!this.healed && this.network.cutLinks > 0) {
          this.network.heal();
          this.log('network healed');
        }
        return;
      case 'crash': {
        const node = this.nodes.get(ev.node);
        if (!this.healed && node !== undefined && node.alive && node.lives === ev.life) this.crash(node, 'now');
        return;
      }
      case 'call':
        if (!this.healed) {
          this.log(ev.label);
          ev.fn();
        }
        return;
      case 'fault-clock-restore':
        if (!this.healed) this.tickPeriodMs.set(ev.node, ev.period);
        return;
    }
  }

  private onTick(id: number): void {
    const node = this.nodes.get(id);
    if (node === undefined || this.retired.has(id)) return;
    if (node.alive) {
      this.log(`tick n${id}`);
      node.raft.tick();
    }
    this.agenda.push(this.nowMs + (this.tickPeriodMs.get(id) ?? tickMs), { kind: 'tick', node: id });
  }

  private onDeliver(m: Message): void {
    const to = this.nodes.get(m.to);
    const up = this.network.arrive(m.from, m.to);
    if (!up || to === undefined || !to.alive) {
      this.log(`drop ${describeMessage(m)}`);
      return;
    }
    this.log(`deliver ${describeMessage(m)}`);
    to.raft.step(m);
  }

  private drainReadys(): void {
    for (const node of this.nodes.values()) {
      for (let i = 0; node.alive; i++) {
        if (i >= readysPerStepMax) throw new InvariantViolation('ready loop', `node ${node.id} produced more than ${readysPerStepMax} Readys in one step`);
        const at = this.crashAt.get(node.id);
        if (at === 'after-ready') {
          this.crash(node, at);
          break;
        }
        const chosen: { point: CrashPoint | null } = { point: null };
        const handled = node.handleReady((rd) => (chosen.point = this.crashPointFor(node, rd)));
        if (!handled) break;
        if (chosen.point !== null) {
          this.crash(node, chosen.point);
          break;
        }
        this.afterReady(node);
      }
    }
  }

  private diesAtFirstCommit(node: SimNode, rd: Ready, aboveTerm: number): CrashPoint | null {
    if (rd.committed.length === 0) return null;
    const st = node.status();
    if (st.role !== 'leader' || st.term <= aboveTerm || st.commit < this.youngCommitAtLeast) return null;
    this.crashLeadersLeft--;
    this.crashLeaderAbove = this.crashLeadersLeft > 0 ? this.crashLeaderAbove : null;
    this.youngLeaderDies(node.id);
    // It applies the commit (a client could hear of it), then dies, and what it just sent is lost.
    this.log(`n${node.id} commits ${st.commit} in term ${st.term}, applies it and dies; its last messages are lost`);
    this.crashAt.set(node.id, 'after-ready');
    this.network.isolate(node.id, [...this.nodes.keys()]);
    return null;
  }

  private youngLeaderDies(id: number): void {
    this.lastYoungLeader = id;
    if (this.holdYoungLeader) this.held.add(id);
    this.holdYoungLeader = false;
  }

  /** Where, if at all, to crash `node` in the middle of this Ready. */
  private crashPointFor(node: SimNode, rd: Ready): CrashPoint | null {
    const at = this.crashAt.get(node.id);
    if (at === 'before-sync' || at === 'before-send' || at === 'after-send') return at;
    // A young leader may die in the very Ready that announces it: its no-op is then on its
    // disk at most, or sent but never followed up.
    if (this.crashLeaderAbove === null || this.youngLeaderDeath === 'soon') return null;
    if (this.youngLeaderDeath === 'first-commit') return this.diesAtFirstCommit(node, rd, this.crashLeaderAbove);
    if (rd.softState?.role !== 'leader') return null;
    if (this.youngLeaderDeath === 'either' && this.faultRng.int(2) === 0) return null;
    this.crashLeadersLeft--;
    this.crashLeaderAbove = this.crashLeadersLeft > 0 ? this.crashLeaderAbove : null;
    this.youngLeaderDies(node.id);
    const point = this.youngDeathPoint ?? youngDeathPoints[this.faultRng.int(youngDeathPoints.length)] ?? 'before-send';
    this.log(`n${node.id} becomes leader and dies in that Ready (${point})`);
    return point;
  }

  /** After a Ready: note the newest applied membership and stop nodes it removed. */
  private afterReady(node: SimNode): void {
    const confIndex = node.takeAppliedConfIndex();
    if (confIndex === 0) return;
    if (this.latestConf !== null && confIndex <= this.latestConf.index) return;
    const conf = node.status().confState;
    const members = membersOf(conf);
    this.latestConf = { index: confIndex, conf, members };
    for (const id of members) this.joined.add(id);
    this.retirePending = true;
  }

  /**
   * Stop, for good, the nodes the newest membership removed, once every member has applied
   * it: a member still in the old (or joint) configuration may need the removed node's vote.
   */
  private retireRemoved(): void {
    const latest = this.latestConf;
    if (latest === null || !this.retirePending) return;
    const members = latest.members;
    const settled = members.every((id) => {
      const n = this.nodes.get(id);
      return n !== undefined && n.alive && n.kv.appliedIndex >= latest.index;
    });
    if (!settled) return;
    this.retirePending = false;
    for (const id of this.joined) {
      if (members.includes(id) || this.retired.has(id)) continue;
      this.retired.add(id);
      const n = this.nodes.get(id);
      this.log(`retire n${id} (removed by the conf change at ${latest.index}, applied by every member)`);
      if (n !== undefined && n.alive) n.crash(this.diskRng);
    }
  }


  crash(node: SimNode, point: CrashPoint | 'after-ready' | 'now'): void {
    this.crashAt.delete(node.id);
    // After sending (its messages may carry a commit) or after applying, what the node knew at
    // its last instant is visible to others: check it. Earlier in a Ready, its in-memory state
    // (say, a commit computed before its own log was durable) was never acted on.
    if (node.alive && (point === 'after-send' || point === 'after-ready')) this.checker.afterStep([adapter(node)]);
    const loss = node.crash(this.diskRng);
    this.log(`crash n${node.id} at ${point}: lost ${loss.lost} unsynced records${loss.torn ? ' (last one torn)' : ''}`);
    // A node crashed right after voting comes back at once: the election it voted in is still on.
    const restartMsMax = point === 'after-ready' ? quickRestartMsMax : this.settings.restartMsMax;
    if (!this.healed) this.agenda.push(this.nowMs + 1 + this.faultRng.int(restartMsMax), { kind: 'restart', node: node.id });
  }

  restart(id: number): void {
    const node = this.nodes.get(id);
    if (node === undefined || node.alive || this.retired.has(id) || (this.held.has(id) && !this.healed)) return;
    node.restart();
    const hs = node.disk.hardState();
    this.checker.booted(adapter(node), hs.term, hs.commit, node.disk.snapshot()?.index ?? 0);
    this.log(`restart n${id} (life ${node.lives}): term ${hs.term} vote ${hs.vote} commit ${hs.commit} snapshot ${node.disk.snapshot()?.index ?? 0} entries ${node.disk.entries().length}`);
  }

  private makeHooks(): DriverHooks {
    return {
      persisted: (node, rd) => this.checker.persisted(adapter(node), rd),
      send: (node, m) => {
        this.checker.sent(adapter(node), m);
        if (this.crashAfterVote && m.type === 'vote-resp' && !m.reject && !this.crashAt.has(node.id)) {
          this.crashAt.set(node.id, 'after-ready');
          this.crashAfterVote = false;
        }
        for (const at of this.network.route(m.from, m.to, this.nowMs)) this.agenda.push(at, { kind: 'deliver', msg: m });
      },
      applied: (node, e) => this.checker.applied(adapter(node), e),
      restored: (node, s) => this.checker.restored(adapter(node), s),
    };
  }

  private gateway(): ClientGateway {
    const reachable = (): number[] => this.aliveNodes().map((n) => n.id);
    return {
      reachable,
      propose: (id, cmd, done) => this.nodes.get(id)?.propose(cmd, done) ?? { ok: false, leader: 0 },
      read: (id, key, lease, done) => this.nodes.get(id)?.read(key, lease, done) ?? { ok: false, leader: 0 },
      schedule: (client, delayMs, token) => this.agenda.push(this.nowMs + delayMs, { kind: 'client', client, token }),
      trace: (line) => this.log(line),
    };
  }

  // ---- liveness and the end of the run ----

  /** Heal every fault: network, clocks; restart every crashed member. */
  private heal(): void {
    this.healed = true;
    this.crashAfterVote = false;
    this.crashLeaderAbove = null;
    this.held.clear();
    this.crashAt.clear();
    this.network.heal();
    this.network.clearFaults();
    for (const id of this.nodes.keys()) this.tickPeriodMs.set(id, Math.round(tickMs * (1 + (this.faultRng.next() * 2 - 1) * driftFractionMax)));
    for (const node of this.nodes.values()) if (!node.alive) this.restart(node.id);
    this.log('heal: network whole, no loss, all nodes running');
    this.clients.startLivenessRound();
  }

  /** Within livenessMsMax: every client completes a write and a read, then final reads, then convergence. */
  private awaitLiveness(): void {
    const deadline = this.nowMs + livenessMsMax;
    const until = (done: () => boolean, what: string): void => {
      while (!done()) {
        if (this.nowMs > deadline || this.agenda.size === 0) throw new InvariantViolation('liveness', `${what} within ${livenessMsMax} ms after healing (${this.livenessState()})`);
        this.step();
      }
    };
    until(() => this.clients.livenessRoundDone(), 'clients did not complete a write and a read');
    this.clients.stopAndReadAll();
    until(() => this.clients.finalReadsDone(), 'final reads of every key did not complete');
    until(() => this.converged(), 'the leader did not commit every pending proposal, or members did not all apply it,');
  }

  private livenessState(): string {
    const l = this.leader();
    const parts = this.aliveNodes().map((n) => {
      const s = n.status();
      return `n${n.id}:${s.role[0] ?? '?'}${s.term}/c${s.commit}/a${n.kv.appliedIndex}`;
    });
    const prs = l === null || l.status.progress === null ? [] : [...l.status.progress].map(([id, p]) => `n${id}:${p.state}/m${p.match}/n${p.next}/f${p.inflightMsgs}${p.pendingSnapshot > 0 ? `/s${p.pendingSnapshot}` : ''}`);
    const c = this.latestConf?.conf;
    const conf = c === undefined ? 'initial' : `voters [${c.voters.join(',')}] outgoing [${c.votersOutgoing.join(',')}] learners [${c.learners.join(',')}]`;
    return `leader ${l === null ? 'none' : `n${l.node.id}`}; ${parts.join(' ')}; progress ${prs.join(' ')}; newest membership ${conf}; ${this.clients.progressText()}`;
  }

  private members(): number[] {
    if (this.latestConf === null) return [...this.joined];
    return this.latestConf.members;
  }

  /** Every proposal in the leader's log is committed, and every member applied it. */
  private converged(): boolean {
    const l = this.leader();
    if (l === null || l.status.commit !== l.status.lastIndex) return false;
    return this.members().every((id) => {
      const n = this.nodes.get(id);
      return n !== undefined && n.alive && n.kv.appliedIndex === l.status.commit;
    });
  }

  /** Every acknowledged write is in the final state exactly once; refused ones never; replicas agree. */
  private finalChecks(): void {
    const replicas = this.members().map((id) => this.nodes.get(id)).filter((n): n is SimNode => n !== undefined);
    const first = replicas[0];
    if (first === undefined) throw new InvariantViolation('sim', 'no members at the end');
    for (const n of replicas) {
      if (JSON.stringify([...n.kv.data].sort()) !== JSON.stringify([...first.kv.data].sort())) {
        throw new InvariantViolation('state machine safety', `replicas n${first.id} and n${n.id} end with different data`);
      }
    }
    for (const [opId, count] of first.kv.applyCounts) {
      if (count > 1) throw new InvariantViolation('exactly once', `write op ${opId} was applied ${count} times`);
      if (this.clients.failedPuts.has(opId)) throw new InvariantViolation('exactly once', `write op ${opId} was reported failed but was applied`);
    }
    for (const opId of this.clients.acked) {
      if (first.kv.applyCounts.get(opId) !== 1) throw new InvariantViolation('exactly once', `acknowledged write op ${opId} is not in the final state`);
    }
    this.log(`end: ${replicas.length} replicas agree at applied ${first.kv.appliedIndex}, ${this.clients.acked.size} acknowledged writes present once`);
  }
}

function adapter(node: SimNode): CheckedNode {
  return node;
}

export function describeMessage(m: Message): string {
  let s = `${m.type} ${m.from}->${m.to} t${m.term}`;
  if (m.type === 'append' || m.type === 'vote' || m.type === 'pre-vote') s += ` i${m.index}/${m.logTerm}`;
  if (m.type === 'append-resp') s += ` i${m.index} hint${m.rejectHint}`;
  if (m.entries.length > 0) s += ` e${m.entries.length}`;
  if (m.type === 'append' || m.type === 'heartbeat') s += ` c${m.commit}`;
  if (m.reject) s += ' reject';
  if (m.snapshot !== null) s += ` snap${m.snapshot.index}@${m.snapshot.offset}/${m.snapshot.totalBytes}`;
  return s;
}

function toViolation(err: unknown): { invariant: string; detail: string } {
  if (err instanceof InvariantViolation) return { invariant: err.invariant, detail: err.message.slice(err.invariant.length + 2) };
  if (err instanceof AssertionFailed) return { invariant: 'assertion', detail: err.message };
  if (err instanceof Error) return { invariant: 'exception', detail: `${err.name}: ${err.message}\n${err.stack ?? ''}` };
  return { invariant: 'exception', detail: String(err) };
}

/** One run from options: the entry point of the CLI and the tests. */
export function runSimulation(opts: SimOptions): SimResult {
  return new Simulation(opts).run(opts.steps);
}
