// Per-run settings drawn from the seed: how the core is configured (pre-vote, check-quorum,
// message and snapshot sizes), how often the driver snapshots, how many clients and keys, and
// how hard the faults come. Varying these per seed widens what a few thousand runs explore.

import type { ConfState, MutantName } from '../raft/types.ts';
import type { Random } from '../util/prng.ts';
import type { NodeSettings } from './driver.ts';

/** Virtual milliseconds per tick of a node with a perfect clock. */
export const tickMs = 100;
/** Clock drift: a node's tick period differs from tickMs by at most this fraction. */
export const driftFractionMax = 0.03;
/** A clock step moves a node's next tick by at most this many virtual ms. */
export const clockStepMsMax = 30;
/** Election timeout in ticks; lease safety needs driftFractionMax and clockStepMsMax small against it. */
export const electionTicks = 10;
/** Lease margin: with the drift and step bounds above, 3 ticks keep leases safe (docs/simulator.md). */
export const leaseDriftTicks = 3;
/** The Raft group id the simulated nodes use (non-zero, so a core ignoring `group` is caught). */
export const simGroup = 7;

export interface RunSettings {
  node: NodeSettings;
  clients: number;
  keys: number;
  /** Share of reads that ask for a lease read first. */
  leaseShare: number;
  /** Mean virtual ms between fault events. */
  faultMeanMs: number;
  /** After a crash, restart within this many virtual ms. */
  restartMsMax: number;
}

export function drawSettings(rng: Random, mutant: MutantName | undefined): RunSettings {
  const node: NodeSettings = {
    group: simGroup,
    electionTicks,
    heartbeatTicks: 1 + rng.int(3),
    leaseDriftTicks,
    preVote: rng.next() < 0.75,
    checkQuorum: rng.next() < 0.5,
    // One entry per message half the time: it makes followers acknowledge an old entry
    // before the new leader's no-op, the situation 'commit-prior-term' needs.
    maxSizePerMsgBytes: rng.int(5) < 3 ? 1 : 4096,
    maxInflightMsgs: 1 + rng.int(16),
    snapshotChunkBytes: 64 << rng.int(5),
    snapshotEveryEntries: 5 + rng.int(60),
    mutant,
  };
  return {
    node,
    clients: 2 + rng.int(4),
    keys: 1 + rng.int(4),
    leaseShare: 0.6,
    faultMeanMs: 800 + rng.int(3000),
    restartMsMax: 500 + rng.int(4000),
  };
}

export function describeSettings(s: RunSettings): string {
  const n = s.node;
  return `preVote=${n.preVote} checkQuorum=${n.checkQuorum} heartbeat=${n.heartbeatTicks} msgBytes=${n.maxSizePerMsgBytes} inflight=${n.maxInflightMsgs} chunk=${n.snapshotChunkBytes} snapEvery=${n.snapshotEveryEntries} clients=${s.clients} keys=${s.keys} faultMeanMs=${s.faultMeanMs}`;
}

/** Spare node ids for membership churn, beyond the initial voters. */
export const spareNodesMax = 4;

export function membersOf(c: ConfState): number[] {
  return [...new Set([...c.voters, ...c.votersOutgoing, ...c.learners, ...c.learnersNext])].sort((a, b) => a - b);
}
