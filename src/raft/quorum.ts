// Quorum arithmetic for majority and joint configurations: the committed index of a set of
// acknowledged indexes, and the outcome of an election. Pure functions over sorted id lists.
import type { NodeId } from './types.ts';

export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The largest index acknowledged by a majority of `voters`. `acked` returns a voter's
 * acknowledged index (0 if unknown). An empty voter set has no constraint: +Infinity, so
 * that in a joint config the other half decides (and a config with no voters commits nothing
 * by itself, see jointCommitted).
 */
export function majorityCommitted(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return Number.POSITIVE_INFINITY;
  const values: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = acked(voters[i] as NodeId);
  values.sort((a, b) => b - a);
  // The (n/2+1)-th largest value is held by a majority.
  return values[Math.floor(n / 2)] as number;
}

/** Joint quorum: both the incoming and the outgoing majorities must hold the index. */
export function jointCommitted(incoming: readonly NodeId[], outgoing: readonly NodeId[], acked: (id: NodeId) => number): number {
  const idx = Math.min(majorityCommitted(incoming, acked), majorityCommitted(outgoing, acked));
  return idx === Number.POSITIVE_INFINITY ? 0 : idx;
}

/** Election outcome in one majority config; `votes` maps voter → granted (absent = no answer yet). */
export function majorityVote(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won'; // an empty half of a joint config imposes nothing
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = Math.floor(voters.length / 2) + 1;
  if (granted >= q) return 'won';
  if (voters.length - rejected >= q) return 'pending';
  return 'lost';
}

export function jointVote(incoming: readonly NodeId[], outgoing: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVote(incoming, votes);
  const b = majorityVote(outgoing, votes);
  if (a === 'lost' || b === 'lost') return 'lost';
  if (a === 'won' && b === 'won') return 'won';
  return 'pending';
}
