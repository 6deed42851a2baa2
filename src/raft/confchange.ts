// Membership changes: the binary encoding of a ConfChange inside a 'conf-change' entry, and
// the pure function that applies one to a ConfState (simple change, enter joint, leave joint)
// with the validity rules of joint consensus (etcd's confchange package).
import { assert } from '../util/assert.ts';
import type { ConfChange, ConfChangeOp, ConfChangeSingle, ConfState, NodeId } from './types.ts';

const codecVersion = 1;
const transitions = ['auto', 'joint-auto-leave', 'joint-explicit'] as const;
const ops: readonly ConfChangeOp[] = ['add-voter', 'add-learner', 'remove', 'promote-learner'];
/** A conf change names few nodes; the cap bounds decoding of a corrupt entry. */
export const confChangesMax = 64;
const singleBytes = 5; // op u8 + node u32

export const emptyConfState: ConfState = { voters: [], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };

export function encodeConfChange(cc: ConfChange): Uint8Array {
  assert(cc.changes.length <= confChangesMax, 'too many changes in one conf change');
  const out = new Uint8Array(3 + cc.changes.length * singleBytes);
  const view = new DataView(out.buffer);
  out[0] = codecVersion;
  out[1] = transitions.indexOf(cc.transition);
  out[2] = cc.changes.length;
  cc.changes.forEach((c, i) => {
    assert(Number.isInteger(c.node) && c.node >= 1 && c.node <= 0xffffffff, 'node id out of range');
    out[3 + i * singleBytes] = ops.indexOf(c.op);
    view.setUint32(4 + i * singleBytes, c.node);
  });
  return out;
}

/** Decodes a conf-change entry's data. The data was written by encodeConfChange; anything else is a bug. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  assert(data.length >= 3 && data[0] === codecVersion, 'bad conf change encoding');
  const transition = transitions[data[1] as number];
  const n = data[2] as number;
  assert(transition !== undefined && n <= confChangesMax && data.length === 3 + n * singleBytes, 'bad conf change encoding');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const changes: ConfChangeSingle[] = [];
  for (let i = 0; i < n; i++) {
    const op = ops[data[3 + i * singleBytes] as number];
    assert(op !== undefined, 'bad conf change op');
    changes.push({ op, node: view.getUint32(4 + i * singleBytes) });
  }
  return { transition, changes };
}

export function isJoint(cs: ConfState): boolean {
  return cs.votersOutgoing.length > 0;
}

export type ConfChangeResult = { ok: true; confState: ConfState } | { ok: false; error: string };

/**
 * Applies `cc` to `cs`. Returns the new membership, or why the change is invalid. Leaving
 * joint: `changes` empty while joint. Simple change: not joint, at most one voter added or
 * removed. Otherwise enter joint (the outgoing voters are the current ones).
 */
export function applyConfChange(cs: ConfState, cc: ConfChange): ConfChangeResult {
  if (cc.changes.length === 0) {
    if (!isJoint(cs)) return { ok: false, error: 'not in a joint configuration' };
    return checked(leaveJoint(cs));
  }
  if (isJoint(cs)) return { ok: false, error: 'already in a joint configuration' };
  const next = applySingles(cs, cc.changes);
  if (!next.ok) return next;
  const bootstrap = cs.voters.length === 0;
  const simple = cc.transition === 'auto' && symmetricDifference(cs.voters, next.confState.voters) <= 1;
  if (bootstrap || simple) {
    if (next.confState.voters.length === 0) return { ok: false, error: 'removing all voters' };
    return checked(next.confState);
  }
  return checked(enterJoint(cs, next.confState, cc.transition !== 'joint-explicit'));
}

function leaveJoint(cs: ConfState): ConfState {
  const learners = sortedUnion(cs.learners, cs.learnersNext);
  return { voters: cs.voters, votersOutgoing: [], learners, learnersNext: [], autoLeave: false };
}

/** `applied` holds the incoming voters and learners after the changes; learners that were outgoing voters wait in learnersNext. */
function enterJoint(cs: ConfState, applied: ConfState, autoLeave: boolean): ConfState {
  const learners: NodeId[] = [];
  const learnersNext: NodeId[] = [];
  for (const id of applied.learners) (cs.voters.includes(id) ? learnersNext : learners).push(id);
  return { voters: applied.voters, votersOutgoing: cs.voters, learners, learnersNext, autoLeave };
}

function applySingles(cs: ConfState, changes: readonly ConfChangeSingle[]): ConfChangeResult {
  const voters = new Set(cs.voters);
  const learners = new Set(cs.learners);
  for (const c of changes) {
    if (!Number.isInteger(c.node) || c.node < 1) return { ok: false, error: `invalid node id ${c.node}` };
    switch (c.op) {
      case 'promote-learner':
        if (!learners.has(c.node)) return { ok: false, error: `node ${c.node} is not a learner` };
        learners.delete(c.node);
        voters.add(c.node);
        break;
      case 'add-voter':
        learners.delete(c.node);
        voters.add(c.node);
        break;
      case 'add-learner':
        voters.delete(c.node);
        learners.add(c.node);
        break;
      case 'remove':
        voters.delete(c.node);
        learners.delete(c.node);
        break;
    }
  }
  return { ok: true, confState: { ...emptyConfState, voters: sorted(voters), learners: sorted(learners) } };
}

function checked(cs: ConfState): ConfChangeResult {
  const err = confStateError(cs);
  return err === null ? { ok: true, confState: cs } : { ok: false, error: err };
}

/** The ConfState invariants; null when they hold. */
export function confStateError(cs: ConfState): string | null {
  const voters = new Set([...cs.voters, ...cs.votersOutgoing]);
  for (const id of cs.learners) if (voters.has(id)) return `node ${id} is both voter and learner`;
  for (const id of cs.learnersNext) {
    if (!cs.votersOutgoing.includes(id)) return `learnerNext ${id} is not an outgoing voter`;
    if (cs.learners.includes(id)) return `node ${id} is both learner and learnerNext`;
  }
  if (!isJoint(cs) && (cs.learnersNext.length > 0 || cs.autoLeave)) return 'learnersNext or autoLeave outside joint';
  return null;
}

export function sameConfState(a: ConfState, b: ConfState): boolean {
  return sameIds(a.voters, b.voters) && sameIds(a.votersOutgoing, b.votersOutgoing) && sameIds(a.learners, b.learners) &&
    sameIds(a.learnersNext, b.learnersNext) && a.autoLeave === b.autoLeave;
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function symmetricDifference(a: readonly NodeId[], b: readonly NodeId[]): number {
  let n = 0;
  for (const id of a) if (!b.includes(id)) n++;
  for (const id of b) if (!a.includes(id)) n++;
  return n;
}

function sorted(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((x, y) => x - y);
}

function sortedUnion(a: readonly NodeId[], b: readonly NodeId[]): NodeId[] {
  return sorted(new Set([...a, ...b]));
}

/** Every member (voters of both halves and learners), sorted. */
export function allMembers(cs: ConfState): NodeId[] {
  return sortedUnion(sortedUnion(cs.voters, cs.votersOutgoing), sortedUnion(cs.learners, cs.learnersNext));
}

export function formatConfState(cs: ConfState): string {
  const j = (ids: readonly NodeId[]) => `(${ids.join(' ')})`;
  let s = `voters=${j(cs.voters)}`;
  if (isJoint(cs)) s += `&&${j(cs.votersOutgoing)}`;
  if (cs.learners.length > 0) s += ` learners=${j(cs.learners)}`;
  if (cs.learnersNext.length > 0) s += ` learners_next=${j(cs.learnersNext)}`;
  if (cs.autoLeave) s += ' autoleave';
  return s;
}
