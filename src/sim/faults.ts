// The fault schedule: at each fault event the simulator draws one fault from the seed —
// partitions (symmetric, one-way, an isolated leader), healing, new loss/duplication/delay
// levels, crashes (between steps, or in the middle of a Ready), a crash right after a vote,
// clock drift and steps, membership churn and leadership transfer.

import type { ConfChange } from '../raft/types.ts';
import { clockStepMsMax, driftFractionMax, membersOf, spareNodesMax, tickMs } from './settings.ts';
import type { Simulation } from './simulation.ts';

type Fault = (sim: Simulation) => void;

/** Voters are never removed below this many, so a healed cluster can always make progress. */
const votersMin = 3;
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
  [5, 'isolate-leader', isolateLeader],
  [3, 'one-way', oneWay],
  [2, 'heal', heal],
  [2, 'network-levels', (sim) => sim.network.drawFaults()],
  [6, 'crash', crashRandom],
  [3, 'crash-leader', crashLeader],
  [3, 'crash-after-vote', (sim) => (sim.crashAfterVote = true)],
  [3, 'crash-new-leader', (sim) => (sim.crashLeaderAbove = sim.leader()?.status.term ?? 0)],
  [2, 'clock-drift', clockDrift],
  [2, 'clock-step', clockStep],
  [2, 'add-learner', (sim) => addNode(sim, 'add-learner')],
  [1, 'add-voter', (sim) => addNode(sim, 'add-voter')],
  [2, 'promote', promote],
  [2, 'remove', remove],
  [1, 'joint', joint],
  [3, 'transfer', transfer],
];
const totalWeight = faults.reduce((s, f) => s + f[0], 0);

export function injectFault(sim: Simulation): void {
  let r = sim.faultRng.int(totalWeight);
  for (const [weight, name, fault] of faults) {
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
  sim.clients.pin(l.node.id, healAt);
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

const crashPoints = ['now', 'before-sync', 'after-send'] as const;

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
