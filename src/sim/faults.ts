// The fault schedule: at each fault event the simulator draws one fault from the seed —
// partitions (symmetric, one-way, an isolated leader), healing, new loss/duplication/delay
// levels, crashes (between steps, or in the middle of a Ready), a crash right after a vote,
// clock drift and steps, membership churn and leadership transfer.

import type { ConfChange } from '../raft/types.ts';
import { clockStepMsMax, driftFractionMax, membersOf, spareNodesMax, tickMs } from './settings.ts';
import type { Simulation, YoungLeaderDeath } from './simulation.ts';

type Fault = (sim: Simulation) => void;

/** Voters are never removed below this many, so a healed cluster can always make progress. */
const votersMin = 3;
/** 'crash-new-leaders' kills up to this many leaders in a row. */
const newLeadersCrashedMax = 8;
/** A partition lasts this long (uniform), unless a 'heal' fault comes first; virtual ms. */
const partitionMsMin = 500;
const partitionMsMax = 10_000;

function healLater(sim: Simulation): number {
  const at = sim.nowMs + partitionMsMin + sim.faultRng.int(partitionMsMax - partitionMsMin);
  sim.schedule(at, { kind: 'heal-network' });
  return at;
}

const faults: readonly [weight: number, name: string, fault: Fault][] = [
  [6, 'partition', partition],
  [12, 'isolate-leader', isolateLeader],
  [3, 'one-way', oneWay],
  [2, 'heal', heal],
  [2, 'network-levels', (sim) => sim.network.drawFaults()],
  [6, 'crash', crashRandom],
  [3, 'crash-leader', crashLeader],
  [3, 'crash-after-vote', (sim) => (sim.crashAfterVote = true)],
  [3, 'election-storm', electionStorm],
  [6, 'crash-new-leaders', crashNewLeaders],
  [2, 'clock-drift', clockDrift],
  [2, 'clock-step', clockStep],
  [2, 'add-learner', (sim) => addNode(sim, 'add-learner')],
  [1, 'add-voter', (sim) => addNode(sim, 'add-voter')],
  [2, 'promote', promote],
  [2, 'remove', remove],
  [1, 'joint', joint],
  [8, 'figure-8', figure8],
  [3, 'transfer', transfer],
];
/** Fault kinds a run enables at least (swarm testing: each run uses a random subset). */
const enabledFaultsMin = 3;

/**
 * Swarm testing (Groce et al.): each run enables a random half of the fault kinds, so some
 * runs hammer one mechanism (say, only isolated leaders and crashes) instead of diluting
 * every fault in every run. Returns the enabled kinds' names.
 */
export function chooseFaultMix(sim: Simulation): string[] {
  let enabled: number[] = [];
  while (enabled.length < enabledFaultsMin) enabled = faults.map((_, i) => i).filter(() => sim.faultRng.int(2) === 0);
  sim.faultMix = enabled;
  return enabled.map((i) => faults[i]?.[1] ?? '?');
}

export function injectFault(sim: Simulation): void {
  const mix = sim.faultMix;
  const total = mix.reduce((sum, i) => sum + (faults[i]?.[0] ?? 0), 0);
  let r = sim.faultRng.int(total);
  for (const i of mix) {
    const f = faults[i];
    if (f === undefined) continue;
    const [weight, name, fault] = f;
    if (r < weight) {
      sim.log(`fault ${name}`);
      fault(sim);
      return;
    }
    r -= weight;
  }
}

function nodeIds(sim: Simulation): number[] {
  return [...sim.nodes.keys()].filter((id) => !sim.retired.has(id));
}

function pick<T>(sim: Simulation, xs: readonly T[]): T | undefined {
  return xs.length === 0 ? undefined : xs[sim.faultRng.int(xs.length)];
}

function partition(sim: Simulation): void {
  const ids = nodeIds(sim);
  const a = ids.filter(() => sim.faultRng.int(2) === 0);
  const b = ids.filter((id) => !a.includes(id));
  sim.network.partition([a, b]);
  sim.log(`partition [${a.join(',')}] | [${b.join(',')}]`);
  healLater(sim);
}

function isolateLeader(sim: Simulation): void {
  const l = sim.leader();
  if (l === null) return;
  sim.network.isolate(l.node.id, nodeIds(sim));
  sim.log(`isolate leader n${l.node.id}`);
  const healAt = healLater(sim);
  // Some clients stay with the old leader: if it kept serving reads it would serve stale ones.
  // No other fault until the heal, so that the other side can elect a leader and write.
  sim.clients.pin(l.node.id, healAt, 'lease-reader');
  sim.scenarioUntilMs = healAt;
}

function oneWay(sim: Simulation): void {
  const ids = nodeIds(sim);
  for (let k = 1 + sim.faultRng.int(3); k > 0; k--) {
    const from = pick(sim, ids);
    const to = pick(sim, ids);
    if (from === undefined || to === undefined || from === to) continue;
    sim.network.cutOneWay(from, to);
    sim.log(`cut ${from}->${to}`);
  }
  healLater(sim);
}

function heal(sim: Simulation): void {
  sim.network.heal();
}

const crashPoints = ['now', 'before-sync', 'before-send', 'after-send'] as const;

function crashRandom(sim: Simulation): void {
  const node = pick(sim, sim.aliveNodes().filter((n) => !sim.retired.has(n.id)));
  if (node !== undefined) crashNode(sim, node.id);
}

function crashLeader(sim: Simulation): void {
  const l = sim.leader();
  if (l !== null) crashNode(sim, l.node.id);
}

function crashNode(sim: Simulation, id: number): void {
  const point = crashPoints[sim.faultRng.int(crashPoints.length)] ?? 'now';
  const node = sim.nodes.get(id);
  if (node === undefined || !node.alive) return;
  if (point === 'now') sim.crash(node, 'now');
  else {
    sim.crashAt.set(id, point);
    sim.log(`n${id} will crash at its next Ready (${point})`);
  }
}

/** Kill the next few leaders young: their entries stay on a minority, logs diverge (Figure 8). */
function crashNewLeaders(sim: Simulation): void {
  armYoungLeaders(sim, 1 + sim.faultRng.int(newLeadersCrashedMax), 'either');
  sim.log(`the next ${sim.crashLeadersLeft} leaders will crash young`);
}

/**
 * Two nodes campaign at the same instant (their timers fired together) and a voter crashes
 * right after granting its vote and comes back at once: it must not vote again in that term.
 */
function electionStorm(sim: Simulation): void {
  const voters = sim.leader()?.status.confState.voters ?? sim.aliveNodes().map((n) => n.id);
  const alive = voters.filter((id) => sim.nodes.get(id)?.alive === true && !sim.retired.has(id));
  const a = pick(sim, alive);
  const b = pick(sim, alive.filter((id) => id !== a));
  if (a === undefined || b === undefined) return;
  sim.crashAfterVote = true;
  sim.log(`n${a} and n${b} campaign at once`);
  sim.nodes.get(a)?.raft.campaign();
  sim.nodes.get(b)?.raft.campaign();
}

function clockDrift(sim: Simulation): void {
  const id = pick(sim, nodeIds(sim));
  if (id === undefined) return;
  const period = Math.round(tickMs * (1 + (sim.faultRng.next() * 2 - 1) * driftFractionMax));
  sim.tickPeriodMs.set(id, period);
  sim.log(`clock n${id} period ${period} ms`);
}

/** Shift one node's tick period for one tick: its next tick comes early or late. */
function clockStep(sim: Simulation): void {
  const id = pick(sim, nodeIds(sim));
  if (id === undefined) return;
  const base = sim.tickPeriodMs.get(id) ?? tickMs;
  const step = sim.faultRng.int(2 * clockStepMsMax + 1) - clockStepMsMax;
  sim.tickPeriodMs.set(id, base + step);
  sim.schedule(sim.nowMs + base + 1, { kind: 'fault-clock-restore', node: id, period: base });
  sim.log(`clock n${id} steps ${step} ms`);
}

function propose(sim: Simulation, cc: ConfChange): void {
  const l = sim.leader();
  if (l === null) return;
  const r = l.node.raft.proposeConfChange(cc);
  const what = cc.changes.map((c) => `${c.op} n${c.node}`).join(', ');
  sim.log(`conf change [${what}] (${cc.transition}) at n${l.node.id}: ${r.ok ? `proposed at ${r.index}` : `refused ${r.reason}`}`);
}

function addNode(sim: Simulation, op: 'add-learner' | 'add-voter'): void {
  if (sim.leader() === null || sim.nextNodeId > sim.initialNodes + spareNodesMax) return;
  const id = sim.nextNodeId++;
  sim.addNode(id, []);
  propose(sim, { transition: 'auto', changes: [{ op, node: id }] });
}

function currentConf(sim: Simulation) {
  return sim.leader()?.status.confState ?? null;
}

function promote(sim: Simulation): void {
  const conf = currentConf(sim);
  const id = conf === null ? undefined : pick(sim, conf.learners);
  if (id !== undefined) propose(sim, { transition: 'auto', changes: [{ op: 'promote-learner', node: id }] });
}

function remove(sim: Simulation): void {
  const conf = currentConf(sim);
  if (conf === null || conf.voters.length <= votersMin) {
    const learner = conf === null ? undefined : pick(sim, conf.learners);
    if (learner !== undefined) propose(sim, { transition: 'auto', changes: [{ op: 'remove', node: learner }] });
    return;
  }
  const id = pick(sim, membersOf(conf));
  if (id !== undefined) propose(sim, { transition: 'auto', changes: [{ op: 'remove', node: id }] });
}

/** Joint consensus: promote a learner and remove a voter in one change. */
function joint(sim: Simulation): void {
  const conf = currentConf(sim);
  if (conf === null) return;
  const learner = pick(sim, conf.learners);
  const voter = pick(sim, conf.voters);
  if (learner === undefined || voter === undefined) return;
  const transition = sim.faultRng.int(2) === 0 ? 'joint-auto-leave' : 'auto';
  propose(sim, { transition, changes: [{ op: 'promote-learner', node: learner }, { op: 'remove', node: voter }] });
}

function transfer(sim: Simulation): void {
  const l = sim.leader();
  if (l === null) return;
  const target = pick(sim, l.status.confState.voters.filter((v) => v !== l.node.id));
  if (target === undefined) return;
  const r = l.node.raft.transferLeader(target);
  sim.log(`transfer n${l.node.id} -> n${target}: ${r.ok ? 'started' : `refused ${r.reason}`}`);
}

/** Schedule `fn` after a random delay in [minMs, maxMs). */
function later(sim: Simulation, minMs: number, maxMs: number, label: string, fn: () => void): void {
  sim.schedule(sim.nowMs + minMs + sim.faultRng.int(maxMs - minMs), { kind: 'call', label, fn });
}

/**
 * The Raft paper's figure 8 as a nemesis, driven only by who leads: (1) the leader and one
 * follower are cut off while clients write to them, so their entries stay on a minority;
 * (2) the leader dies, and the next leader (majority side) dies in the Ready that makes it
 * leader, its no-op on its own disk at most, and stays down; (3) the network heals and the
 * old leader's side may win again, and dies soon after; (4) the held node comes back. A core
 * that commits an old-term entry by counting replicas loses it in (4).
 */
function figure8(sim: Simulation): void {
  const l = sim.leader();
  if (l === null) return;
  const l1 = l.node.id;
  const x = pick(sim, l.status.confState.voters.filter((v) => v !== l1));
  if (x === undefined) return;
  const others = nodeIds(sim).filter((id) => id !== l1 && id !== x);
  const voters = l.status.confState.voters;
  const liveOthers = voters.filter((v) => others.includes(v) && sim.nodes.get(v)?.alive === true);
  // The other side must elect a leader without l1 and x: it needs a majority of the voters.
  if (l.status.confState.votersOutgoing.length > 0 || liveOthers.length <= voters.length / 2) return;
  sim.scenarioUntilMs = sim.nowMs + figure8MsMax;
  sim.network.heal();
  sim.network.partition([[l1, x], others]);
  sim.log(`figure-8: partition [${l1},${x}] | [${others.join(',')}]`);
  sim.clients.pin(l1, sim.nowMs + figure8StepMs, 'writer', true);
  later(sim, figure8StepMs / 2, figure8StepMs, `figure-8: n${l1} dies and is held; the next leader dies young and is held`, () => {
    const n1 = sim.nodes.get(l1);
    sim.held.add(l1);
    if (n1 !== undefined && n1.alive) sim.crash(n1, 'now');
    // It dies after persisting its no-op but before sending it: a higher-term entry on one node.
    armYoungLeaders(sim, 1, 'first-ready');
    sim.youngDeathPoint = 'before-send';
    sim.holdYoungLeader = true;
    sim.lastYoungLeader = 0;
    when(sim, () => sim.crashLeaderAbove === null, `figure-8: heal, n${l1} back; the next leader dies at its first commit`, () => {
      const held = sim.lastYoungLeader;
      sim.holdYoungLeader = false;
      sim.youngDeathPoint = null;
      sim.held.delete(l1);
      sim.restart(l1);
      sim.network.heal();
      armYoungLeaders(sim, 1, 'first-commit');
      // The commit that matters reaches the index where `held` wrote its higher-term no-op.
      sim.youngCommitAtLeast = sim.nodes.get(held)?.disk.lastIndex() ?? 0;
      when(sim, () => sim.crashLeaderAbove === null, `figure-8: release n${held}; n${l1} and n${x} go down for a while`, () => {
        sim.crashLeaderAbove = null;
        sim.youngLeaderDeath = 'either';
        sim.youngCommitAtLeast = 0;
        sim.held.delete(held);
        sim.restart(held);
        sim.network.heal();
        // l1 and x may hold the last leader's no-op; without them, `held`'s higher-term entry can win.
        for (const id of [l1, x]) {
          const n = sim.nodes.get(id);
          sim.held.add(id);
          if (n !== undefined && n.alive) sim.crash(n, 'now');
        }
        later(sim, 2 * figure8StepMs, 4 * figure8StepMs, `figure-8: n${l1} and n${x} back`, () => {
          for (const id of [l1, x]) {
            sim.held.delete(id);
            sim.restart(id);
          }
        });
      });
    });
  });
}

/** Poll every figure8PollMs until `cond` holds (or figure8StepMsMax passed), then call `fn`. */
function when(sim: Simulation, cond: () => boolean, label: string, fn: () => void): void {
  const deadline = sim.nowMs + figure8StepMsMax;
  const poll = (): void => {
    // Not at once: messages in flight from a node that just died must land (and be dropped) first.
    if (cond() || sim.nowMs >= deadline) later(sim, figure8PollMs, figure8StepMs, label, fn);
    else sim.schedule(sim.nowMs + figure8PollMs, { kind: 'call', label: 'figure-8: waiting', fn: poll });
  };
  poll();
}

/** The figure-8 nemesis: one step's pause, the longest wait for one step, the whole scenario; virtual ms. */
const figure8StepMs = 1_000;
const figure8StepMsMax = 8_000;
const figure8PollMs = 200;
const figure8MsMax = 2 * figure8StepMs + 2 * (figure8StepMsMax + figure8StepMs);


function armYoungLeaders(sim: Simulation, count: number, how: YoungLeaderDeath): void {
  sim.crashLeaderAbove = sim.leader()?.status.term ?? 0;
  sim.crashLeadersLeft = count;
  sim.youngLeaderDeath = how;
}
